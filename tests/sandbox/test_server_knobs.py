"""The sandbox's knobs over HTTP: throttling absorbed by retries, AccessDenied, latency, reset."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests.policies import trusting
from tests.sandbox.conftest import empty_sandbox

MANAGEMENT = "123456789012"
DENIED = "222233334444"
ALLOWED = "555566667777"
REGION = "eu-central-1"

# One read per wire protocol: rest-json, query, ec2, json, rest-xml.
CALLS: dict[str, Callable[[Any], Any]] = {
    "backup": lambda c: c.list_backup_vaults(),
    "sts": lambda c: c.get_caller_identity(),
    "ec2": lambda c: c.describe_volumes(),
    "dynamodb": lambda c: c.list_tables(),
    "s3": lambda c: c.list_buckets(),
}
DENIED_CODES = {
    "backup": "AccessDeniedException",
    "sts": "AccessDenied",
    "ec2": "UnauthorizedOperation",
    "dynamodb": "AccessDeniedException",
    "s3": "AccessDenied",
}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with empty_sandbox(REGION) as box:
        yield box


@pytest.fixture(autouse=True)
def calm(sandbox: Sandbox) -> Iterator[None]:
    yield
    sandbox.options.throttle_rate = 0.0
    sandbox.options.latency_ms = 0
    sandbox.options.access_denied_accounts.clear()


def patient_client(sandbox: Sandbox, service: str, account: str, mode: str) -> Any:
    """A client with botocore's own retries, as drconsole configures them."""
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=sandbox.endpoint_url,
        config=Config(retries={"mode": mode, "max_attempts": 25}, s3={"addressing_style": "path"}),
        **sandbox.credentials_for(account),
    )


@pytest.mark.parametrize(
    ("mode", "services", "calls"),
    [("standard", tuple(CALLS), 2), ("adaptive", ("backup",), 4)],
    ids=["standard-every-protocol", "adaptive-backup"],
)
def test_throttling_is_absorbed_by_botocore_retries(
    sandbox: Sandbox, mode: str, services: tuple[str, ...], calls: int
) -> None:
    random.seed(20261123)  # the sandbox draws from the global generator: a repeatable run
    sandbox.options.throttle_rate = 0.3
    retries = 0
    for service in services:
        client = patient_client(sandbox, service, ALLOWED, mode)
        for _ in range(calls):
            retries += CALLS[service](client)["ResponseMetadata"]["RetryAttempts"]
    assert retries > 0  # throttling really happened, and every call succeeded anyway


@pytest.mark.parametrize("service", sorted(CALLS))
def test_throttling_uses_each_protocols_error(sandbox: Sandbox, service: str) -> None:
    sandbox.options.throttle_rate = 1.0
    fresh = boto3.client(
        service,
        region_name=REGION,
        endpoint_url=sandbox.endpoint_url,
        config=Config(retries={"total_max_attempts": 1}, s3={"addressing_style": "path"}),
        **sandbox.credentials_for(ALLOWED),
    )
    with pytest.raises(ClientError) as error:
        CALLS[service](fresh)
    expected = {
        "backup": "ThrottlingException",
        "sts": "Throttling",
        "ec2": "RequestLimitExceeded",
        "dynamodb": "ThrottlingException",
        "s3": "SlowDown",
    }[service]
    assert error.value.response["Error"]["Code"] == expected


def test_access_denied_account_is_refused_by_every_service(sandbox: Sandbox) -> None:
    sandbox.options.access_denied_accounts.add(DENIED)
    for service, call in CALLS.items():
        with pytest.raises(ClientError) as error:
            call(sandbox.client(service, DENIED, REGION))
        assert error.value.response["Error"]["Code"] == DENIED_CODES[service], service
        assert (
            call(sandbox.client(service, ALLOWED, REGION))["ResponseMetadata"]["HTTPStatusCode"]
            == 200
        )


def test_assumed_role_credentials_of_a_denied_account_are_refused(sandbox: Sandbox) -> None:
    trust = trusting(MANAGEMENT)
    role = sandbox.client("iam", DENIED, "us-east-1").create_role(
        RoleName="OrganizationAccountAccessRole", AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]["Arn"]
    sandbox.options.access_denied_accounts.add(DENIED)
    got = sandbox.client("sts", MANAGEMENT, REGION).assume_role(
        RoleArn=role, RoleSessionName="drconsole"
    )["Credentials"]
    member = boto3.client(
        "backup",
        region_name=REGION,
        endpoint_url=sandbox.endpoint_url,
        aws_access_key_id=got["AccessKeyId"],
        aws_secret_access_key=got["SecretAccessKey"],
        aws_session_token=got["SessionToken"],
    )
    with pytest.raises(ClientError) as error:
        member.list_backup_vaults()
    assert error.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "OrganizationAccountAccessRole" in error.value.response["Error"]["Message"]
    sandbox.options.access_denied_accounts.discard(DENIED)
    assert member.list_backup_vaults()["BackupVaultList"] == []


def test_assume_role_into_a_role_that_does_not_exist_is_refused_as_aws_does(
    sandbox: Sandbox,
) -> None:
    sts = sandbox.client("sts", MANAGEMENT, REGION)
    missing = f"arn:aws:iam::{ALLOWED}:role/NoSuchRole"
    with pytest.raises(ClientError) as error:
        sts.assume_role(RoleArn=missing, RoleSessionName="drconsole")
    assert error.value.response["Error"]["Code"] == "AccessDenied"
    assert error.value.response["Error"]["Message"] == (
        f"User: arn:aws:iam::{MANAGEMENT}:root is not authorized to perform: sts:AssumeRole "
        f"on resource: {missing}"
    )
    sandbox.client("iam", ALLOWED, "us-east-1").create_role(
        RoleName="NoSuchRole", AssumeRolePolicyDocument="{}"
    )
    assert sts.assume_role(RoleArn=missing, RoleSessionName="drconsole")["Credentials"]


def test_latency_is_added_to_every_request(sandbox: Sandbox) -> None:
    client = sandbox.client("backup", ALLOWED, REGION)
    client.list_backup_vaults()
    sandbox.options.latency_ms = 150
    started = time.perf_counter()
    client.list_backup_vaults()
    assert time.perf_counter() - started >= 0.15


def test_reset_wipes_state(sandbox: Sandbox) -> None:
    sandbox.client("backup", ALLOWED, REGION).create_backup_vault(BackupVaultName="gone")
    sandbox.reset()
    assert sandbox.client("backup", ALLOWED, REGION).list_backup_vaults()["BackupVaultList"] == []


def test_assigning_new_options_takes_effect(sandbox: Sandbox) -> None:
    original = sandbox.options
    sandbox.options = SandboxOptions(region=REGION, access_denied_accounts={ALLOWED})
    try:
        with pytest.raises(ClientError) as error:
            sandbox.client("backup", ALLOWED, REGION).list_backup_vaults()
        assert error.value.response["Error"]["Code"] == "AccessDeniedException"
    finally:
        sandbox.options = original
    assert sandbox.client("backup", ALLOWED, REGION).list_backup_vaults()["BackupVaultList"] == []


@pytest.mark.parametrize("service", sorted(CALLS))
def test_unknown_region_is_a_clear_error_that_is_not_retried(
    sandbox: Sandbox,
    service: str,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = boto3.client(
        service,
        region_name="mars-1",
        endpoint_url=sandbox.endpoint_url,
        config=Config(
            retries={"mode": "adaptive", "max_attempts": 5}, s3={"addressing_style": "path"}
        ),
        **sandbox.credentials_for(ALLOWED),
    )
    with pytest.raises(ClientError) as error:
        CALLS[service](client)
    response = error.value.response
    assert response["Error"]["Code"] == "InvalidRegion"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["ResponseMetadata"]["RetryAttempts"] == 0
    assert "Region mars-1 is not served by the sandbox" in str(error.value)
    # moto's KeyError used to be logged with its traceback for every attempt.
    assert "Traceback" not in capfd.readouterr().err
    assert "Traceback" not in caplog.text


def test_a_late_answer_comes_after_the_call_was_carried_out(sandbox: Sandbox) -> None:
    client = sandbox.client("backup", ALLOWED, REGION)
    sandbox.fail_operation("backup:CreateBackupVault", "late")
    answer: list[float] = []

    def create() -> None:
        started = time.perf_counter()
        client.create_backup_vault(BackupVaultName="late-vault")
        answer.append(time.perf_counter() - started)

    caller = threading.Thread(target=create)
    try:
        caller.start()
        # The vault exists while the caller still waits for the answer.
        deadline = time.monotonic() + 2.5
        names: list[str] = []
        while "late-vault" not in names and time.monotonic() < deadline:
            listed = sandbox.client("backup", ALLOWED, REGION).list_backup_vaults()
            names = [v["BackupVaultName"] for v in listed["BackupVaultList"]]
        assert "late-vault" in names and not answer
        caller.join(timeout=30)
    finally:
        sandbox.clear_faults()
    assert answer and answer[0] >= 3.0


def test_a_held_call_is_answered_once_the_fault_is_cleared(sandbox: Sandbox) -> None:
    client = sandbox.client("backup", ALLOWED, REGION)
    sandbox.fail_operation("backup:ListBackupVaults", "hold")
    answered = threading.Event()

    def listing() -> None:
        client.list_backup_vaults()
        answered.set()

    caller = threading.Thread(target=listing)
    try:
        caller.start()
        # Held well past the "slow" fault's 3 s would be a slow test; 1 s shows it waits.
        assert not answered.wait(1.0)
        sandbox.clear_faults()
        assert answered.wait(5.0)
    finally:
        sandbox.clear_faults()
        caller.join(timeout=30)
