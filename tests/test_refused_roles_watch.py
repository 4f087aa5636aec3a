"""A long-running watcher over a role AWS refused: the refusal is answered from memory for its
time only, not counted as a failed poll, and the first poll after it sees the role made valid
meanwhile (the job watcher against the sandbox; the memory's clock is the test's)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from drconsole.aws.jobs import JobRef, JobsApi
from drconsole.aws.refused_roles import REFUSAL_SECONDS, RefusedRoles
from drconsole.aws.session import AwsSessions
from drconsole.aws.watcher import MAX_CONSECUTIVE_ERRORS, JobUpdate, JobWatcher, wait_for
from drconsole.config import Credentials, Settings
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests.policies import trusting

EU = "eu-central-1"
ROLE = "DrWatcher"  # made in the backup account by the test, once the watcher has been refused


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0))
    yield sandbox, info
    sandbox.stop()
    sandbox.reset()


def start_copy(sandbox: Sandbox, info: ScenarioInfo) -> JobRef:
    """A copy job in the backup account (central vault -> prod's), started with plain boto3."""
    backup_id, prod = info.accounts["backup"], info.accounts["prod"]
    backup = sandbox.client("backup", backup_id, EU)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="central-eu-central-1")
    point = next(p for p in points["RecoveryPoints"] if p["ResourceType"] == "DynamoDB")
    job = backup.start_copy_job(
        RecoveryPointArn=point["RecoveryPointArn"],
        SourceBackupVaultName="central-eu-central-1",
        DestinationBackupVaultArn=f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault",
        IamRoleArn=f"arn:aws:iam::{backup_id}:role/service-role/AWSBackupDefaultServiceRole",
    )
    return JobRef("copy", backup_id, EU, job["CopyJobId"])


def test_a_watcher_sees_a_role_made_valid_once_the_refusal_time_is_over(
    demo: tuple[Sandbox, ScenarioInfo],
) -> None:
    """The role into the job's account is missing: AWS refuses it once; the polls that follow
    get the refusal from memory (no AssumeRole) and do not make the watcher give up, though
    more than its five failures in a row. The role is made; once the refusal's time is over
    the next poll asks STS again, is let in and sees the job to its end. (The code before
    remembered the refusal until a screen forgot it: the watcher gave up after five polls.)"""
    sandbox, info = demo
    management, backup_id = info.accounts["management"], info.accounts["backup"]
    role_arn = f"arn:aws:iam::{backup_id}:role/{ROLE}"
    sessions = AwsSessions(
        Settings(
            regions=(EU,),
            endpoint_url=sandbox.endpoint_url,
            static_credentials=Credentials.from_mapping(sandbox.credentials_for(management)),
            management_account_id=management,
            role_name=ROLE,
            retry_max_attempts=2,
        )
    )
    now = [0.0]
    sessions.refused_roles = RefusedRoles(clock=lambda: now[0])
    sessions.caller_account_id()
    ref = start_copy(sandbox, info)
    mark = sandbox.request_log.mark()

    def assume_calls() -> int:
        return sum(
            1
            for seen in sandbox.request_log.since(mark)
            if seen.name == "sts:AssumeRole" and seen.role_arn == role_arn
        )

    refused: list[JobUpdate] = []
    after: list[int] = []  # AssumeRole calls sent when the role was made

    def listen(update: JobUpdate) -> None:
        if not update.error:
            return
        refused.append(update)
        if len(refused) == 2 * MAX_CONSECUTIVE_ERRORS:
            after.append(assume_calls())
            iam = sandbox.client("iam", backup_id, "us-east-1")
            trust = json.dumps(trusting(management))
            iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=trust)
            now[0] += REFUSAL_SECONDS

    with JobWatcher(JobsApi(sessions), min_interval=0.05, max_interval=0.05) as watcher:
        job = wait_for(watcher, ref, listen)
    assert job.state == "COMPLETED"
    assert after == [1]  # ten failed polls, one AssumeRole: the other nine from memory
    assert len(refused) == 2 * MAX_CONSECUTIVE_ERRORS
    assert [u.from_memory for u in refused] == [False] + [True] * (len(refused) - 1)
    assert {(u.cause, u.error.split(":")[0]) for u in refused} == {(refused[0].cause, "AssumeRole")}
    assert refused[0].cause is not None and refused[0].cause.value == "ROLE_PERMISSIONS"
    assert assume_calls() == 2
