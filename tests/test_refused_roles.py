"""AssumeRole refused for good is asked once, then answered from memory; throttling, service
errors and renewed caller credentials ask again (AwsSessions over HTTP to the sandbox, the
AssumeRole calls counted where they arrive)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from drconsole.aws.errors import classify
from drconsole.aws.refused_roles import REFUSAL_SECONDS, RefusedRoles, from_memory, lasting
from drconsole.aws.session import AwsSessions
from drconsole.config import Credentials, Settings, load_settings
from drconsole.sandbox.server import Sandbox
from tests.policies import trusting
from tests.sandbox.conftest import empty_sandbox
from tests.test_session import flags

MANAGEMENT = "123456789012"
MEMBER = "111122223333"
REGION = "eu-central-1"
ROLE = "DrReader"
ROLE_ARN = f"arn:aws:iam::{MEMBER}:role/{ROLE}"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with empty_sandbox(REGION) as box:
        yield box


@pytest.fixture(autouse=True)
def no_role(sandbox: Sandbox) -> Iterator[None]:
    """Each test starts without the member's role and without faults."""
    yield
    sandbox.clear_faults()
    iam = sandbox.client("iam", MEMBER, "us-east-1")
    if any(r["RoleName"] == ROLE for r in iam.list_roles()["Roles"]):
        iam.delete_role(RoleName=ROLE)


def sessions_on(sandbox: Sandbox) -> AwsSessions:
    return AwsSessions(
        Settings(
            regions=(REGION,),
            endpoint_url=sandbox.endpoint_url,
            static_credentials=Credentials.from_mapping(sandbox.credentials_for(MANAGEMENT)),
            role_name=ROLE,
            retry_max_attempts=2,
        )
    )


def make_role(sandbox: Sandbox) -> None:
    sandbox.client("iam", MEMBER, "us-east-1").create_role(
        RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trusting(MANAGEMENT))
    )


def assume_calls(sandbox: Sandbox, mark: int) -> int:
    """AssumeRole requests into the member's role received since `mark` (retries included)."""
    return sum(
        1
        for seen in sandbox.request_log.since(mark)
        if seen.name == "sts:AssumeRole" and seen.role_arn == ROLE_ARN
    )


def read(sessions: AwsSessions) -> Any:
    return sessions.client("backup", MEMBER, REGION).list_backup_vaults()


def refusal_of(call: Any) -> ClientError:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value


def test_reads_started_together_send_one_assume_role_and_each_gets_its_refusal(
    sandbox: Sandbox,
) -> None:
    """Eight reads at once into an account without the role: one AssumeRole (the code before
    sent one per read, each after the one before it had failed under botocore's lock); every
    read, and the reads after, raise AWS's refusal as the first received it."""
    sessions = sessions_on(sandbox)
    sessions.caller_account_id()
    mark = sandbox.request_log.mark()
    barrier = threading.Barrier(8)
    caught: list[BaseException] = []

    def reader() -> None:
        barrier.wait()
        try:
            read(sessions)
        except ClientError as exc:
            caught.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    later = refusal_of(lambda: sessions.client("iam", MEMBER).get_role(RoleName="Any"))
    assert assume_calls(sandbox, mark) == 1
    assert len(caught) == 8
    answers = {(e.operation_name, json.dumps(e.response["Error"])) for e in [*caught, later]}
    assert len(answers) == 1
    operation, error = answers.pop()
    assert operation == "AssumeRole"
    assert json.loads(error) == {
        "Code": "AccessDenied",
        "Message": f"User: arn:aws:iam::{MANAGEMENT}:root is not authorized to perform: "
        f"sts:AssumeRole on resource: {ROLE_ARN}",
        "Type": "Sender",
    }
    assert classify(later).value == "ROLE_PERMISSIONS"
    # Forgotten (the console's `r`): asked again at once, and the role made meanwhile is used.
    make_role(sandbox)
    sessions.refused_roles.forget()
    assert read(sessions)["BackupVaultList"] == []
    assert assume_calls(sandbox, mark) == 2


def test_a_refusal_is_answered_from_memory_for_its_time_only(sandbox: Sandbox) -> None:
    """Within REFUSAL_SECONDS of AWS's refusal every read gets it without a call, even once
    the role exists; from then on the next read asks STS again and the role is used (the code
    before kept the refusal until a screen forgot it: a long-running command never did). The
    memory's clock is the test's."""
    sessions = sessions_on(sandbox)
    now = [1000.0]
    sessions.refused_roles = RefusedRoles(clock=lambda: now[0])
    sessions.caller_account_id()
    mark = sandbox.request_log.mark()
    assert not from_memory(refusal_of(lambda: read(sessions)))
    make_role(sandbox)
    now[0] += REFUSAL_SECONDS - 1
    again = refusal_of(lambda: read(sessions))
    assert from_memory(again) and again.operation_name == "AssumeRole"
    assert assume_calls(sandbox, mark) == 1
    now[0] += 1
    assert read(sessions)["BackupVaultList"] == []
    assert assume_calls(sandbox, mark) == 2


def test_a_refusal_asked_again_after_its_time_is_remembered_again(sandbox: Sandbox) -> None:
    """A role still refused once the time is over: one AssumeRole, then memory again."""
    sessions = sessions_on(sandbox)
    now = [0.0]
    sessions.refused_roles = RefusedRoles(clock=lambda: now[0])
    sessions.caller_account_id()
    mark = sandbox.request_log.mark()
    for _ in range(3):
        refusal_of(lambda: read(sessions))
        refusal_of(lambda: read(sessions))
        now[0] += REFUSAL_SECONDS
    assert assume_calls(sandbox, mark) == 3


@pytest.mark.parametrize(
    ("fault", "cause"), [("throttle", "THROTTLED"), ("error", "SERVICE_ERROR")]
)
def test_throttled_or_failing_assume_role_is_asked_again_by_the_next_read(
    sandbox: Sandbox, fault: str, cause: str
) -> None:
    make_role(sandbox)
    sessions = sessions_on(sandbox)
    sessions.caller_account_id()
    sandbox.fail_operation("sts:AssumeRole", fault)
    mark = sandbox.request_log.mark()
    assert classify(refusal_of(lambda: read(sessions))).value == cause
    first = assume_calls(sandbox, mark)
    # botocore's own retries: two attempts; a failing STS (5xx) is a Region that may be down,
    # so the caller's next STS Region is asked too (throttling is not handed on).
    asked = len(sessions.sts_regions()) if fault == "error" else 1
    assert first == 2 * asked
    assert classify(refusal_of(lambda: read(sessions))).value == cause
    assert assume_calls(sandbox, mark) == 2 * first
    sandbox.clear_faults()
    assert read(sessions)["BackupVaultList"] == []
    assert assume_calls(sandbox, mark) == 2 * first + 1


def test_a_refusal_holds_for_the_caller_credentials_that_received_it(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The caller's credentials come from a credential_process and are renewed (other keys of
    the same account): the refused role is asked again once, with the new ones."""
    iam = sandbox.client("iam", MANAGEMENT, "us-east-1")
    iam.create_user(UserName="operator")
    renewed = iam.create_access_key(UserName="operator")["AccessKey"]
    first = sandbox.credentials_for(MANAGEMENT)
    answer = tmp_path / "credentials.json"

    def issue(key: str, secret: str) -> None:
        # Expiring within botocore's mandatory refresh window: read again at each use.
        expiry = datetime.now(UTC) + timedelta(minutes=5)
        document = {"Version": 1, "AccessKeyId": key, "SecretAccessKey": secret}
        answer.write_text(json.dumps({**document, "Expiration": expiry.isoformat()}))

    issue(first["aws_access_key_id"], first["aws_secret_access_key"])
    aws_config = tmp_path / "aws-config"
    aws_config.write_text(
        f"[profile lab]\nregion = {REGION}\nendpoint_url = {sandbox.endpoint_url}\n"
        f"credential_process = cat {answer}\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws_config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(flags(profile="lab", role_name=ROLE), {})
    sessions = AwsSessions(settings)
    assert sessions.caller_account_id() == MANAGEMENT
    mark = sandbox.request_log.mark()
    refusal_of(lambda: read(sessions))
    refusal_of(lambda: read(sessions))
    assert assume_calls(sandbox, mark) == 1
    issue(renewed["AccessKeyId"], renewed["SecretAccessKey"])
    refusal_of(lambda: read(sessions))
    refusal_of(lambda: read(sessions))
    assert assume_calls(sandbox, mark) == 2


def client_error(code: str, message: str = "no", status: int = 400) -> ClientError:
    response: Any = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, "AssumeRole")


@pytest.mark.parametrize(
    ("failure", "remembered"),
    [
        (client_error("AccessDenied", status=403), True),
        (client_error("ValidationError", "1 validation error detected: roleArn"), True),
        (client_error("RegionDisabledException", status=403), True),
        (client_error("ExpiredToken", "The security token included has expired"), True),
        (client_error("Throttling", "Rate exceeded"), False),
        (client_error("InternalFailure", status=500), False),
        (client_error("ServiceUnavailable", status=503), False),
        (client_error("RequestExpired", "Request has expired."), False),
        (
            client_error("SignatureDoesNotMatch", "Signature expired: 20261205T000000Z is now"),
            False,
        ),
        (EndpointConnectionError(endpoint_url="https://sts.amazonaws.com"), False),
    ],
    ids=lambda value: value if isinstance(value, bool) else type(value).__name__,
)
def test_which_failures_are_remembered(failure: BaseException, remembered: bool) -> None:
    assert lasting(failure) is remembered
