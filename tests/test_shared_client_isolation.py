"""Accounts that share one botocore client keep their own retries: an account AWS throttles
spends its own attempts, retry quota and rate limit, and another account's calls on the same
client go through at once, each as one request (counted at the sandbox)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from drconsole.aws.session import AwsSessions
from drconsole.config import Credentials, Settings
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests.policies import trusting

MANAGEMENT = "123456789012"
THROTTLED = "111122223333"
CALM = "444455556666"
ROLE = "DrRole"
ATTEMPTS = 2
TRUST = trusting(MANAGEMENT)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    running = Sandbox(SandboxOptions())
    running.start()
    for account in (THROTTLED, CALM):
        running.client("iam", account).create_role(
            RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(TRUST)
        )
    try:
        yield running
    finally:
        running.stop()


def requests_from(sandbox: Sandbox, mark: int, account: str) -> int:
    from drconsole.sandbox.knobs import account_of_access_key

    return sum(
        1
        for seen in sandbox.request_log.since(mark)
        if seen.access_key
        and account_of_access_key(seen.access_key) == account
        and seen.name == "backup:ListBackupVaults"
    )


def test_one_accounts_throttling_leaves_the_other_accounts_calls_alone(sandbox: Sandbox) -> None:
    keys = sandbox.credentials_for(MANAGEMENT)
    sessions = AwsSessions(
        Settings(
            regions=("eu-central-1",),
            endpoint_url=sandbox.endpoint_url,
            static_credentials=Credentials(
                keys["aws_access_key_id"], keys["aws_secret_access_key"]
            ),
            role_name=ROLE,
            retry_max_attempts=ATTEMPTS,
        )
    )
    throttled = sessions.client("backup", THROTTLED, "eu-central-1")
    calm = sessions.client("backup", CALM, "eu-central-1")
    assert throttled._shared is calm._shared  # one botocore client for both accounts
    calm.list_backup_vaults()  # both roles assumed before the throttling starts
    throttled.list_backup_vaults()

    sandbox.options.throttled_accounts = {THROTTLED}
    try:
        mark = sandbox.request_log.mark()
        for _ in range(3):
            with pytest.raises(ClientError) as raised:
                throttled.list_backup_vaults()
            assert raised.value.response["Error"]["Code"] == "ThrottlingException"
        # The throttled account retried with its own attempts (each call up to ATTEMPTS, fewer
        # once its retry quota is spent), so more requests than calls arrived from it.
        sent = requests_from(sandbox, mark, THROTTLED)
        assert 3 < sent <= 3 * ATTEMPTS

        mark = sandbox.request_log.mark()
        started = time.monotonic()
        for _ in range(10):
            calm.list_backup_vaults()
        elapsed = time.monotonic() - started
    finally:
        sandbox.options.throttled_accounts = set()
    # The other account: one request per call, none held back by the throttled account's rate
    # limiter or retry quota.
    assert requests_from(sandbox, mark, CALM) == 10
    assert requests_from(sandbox, mark, THROTTLED) == 0
    assert elapsed < 2.0, f"ten calls took {elapsed:.2f}s"
