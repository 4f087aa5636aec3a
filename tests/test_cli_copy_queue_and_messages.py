"""`drconsole check copy` and `drconsole explain` (subprocesses) on what AWS documents of copy
jobs: a copy of a resource whose copy is already in flight waits rather than fails (AWS Backup's
quotas), and the job messages of AWS Backup's EventBridge guide and RDS's target key refusal are
explained with the cause and the key they are about."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests import forked_cli
from tests.demo_cli import demo_cli_env

ROOT = Path(__file__).resolve().parent.parent
FAST = 20000.0


@dataclass
class Env:
    sandbox: Sandbox
    info: ScenarioInfo
    env: dict[str, str]

    def client(self, service: str, role: str) -> Any:
        return self.sandbox.client(service, self.info.accounts[role], self.info.region)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=FAST))
    home = tmp_path_factory.mktemp("home")
    try:
        yield Env(sandbox, info, demo_cli_env(sandbox, info, home))
    finally:
        sandbox.stop()
        sandbox.reset()


def drconsole(env: dict[str, str] | None, *args: str) -> subprocess.CompletedProcess[str]:
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def explain(message: str) -> dict[str, Any]:
    result = drconsole(None, "explain", "--json", message)
    assert result.stdout and "Traceback" not in result.stderr, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_a_copy_of_a_resource_whose_copy_is_in_flight_warns_and_names_that_job(
    demo: Env,
) -> None:
    """AWS's quotas let a copy of a resource whose copy is running wait (up to 30 concurrent
    cross-account copies of one resource to one Region): `check copy` WARNs naming the job it
    may wait behind and exits 0, where it used to FAIL and stop every flow."""
    backup = demo.client("backup", "prod")
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    point = next(
        p
        for p in points["RecoveryPoints"]
        if p["ResourceType"] == "EBS" and p.get("ResourceName") == "prod-web-data"
    )
    region, accounts = demo.info.region, demo.info.accounts
    dest = f"arn:aws:backup:{region}:{accounts['backup']}:backup-vault:central-eu-central-1"
    role = f"arn:aws:iam::{accounts['prod']}:role/service-role/AWSBackupDefaultServiceRole"
    demo.sandbox.options.time_scale = 0.5  # the first copy stays in flight for the test
    try:
        running = backup.start_copy_job(
            RecoveryPointArn=point["RecoveryPointArn"],
            SourceBackupVaultName="prod-vault",
            DestinationBackupVaultArn=dest,
            IamRoleArn=role,
        )["CopyJobId"]
        args = ["check", "copy", "--recovery-point", point["RecoveryPointArn"], "--to", dest]
        result = drconsole(demo.env, *args, "--json")
        state = backup.describe_copy_job(CopyJobId=running)["CopyJob"]["State"]
    finally:
        demo.sandbox.options.time_scale = FAST

    assert state in ("CREATED", "RUNNING")
    assert "Traceback" not in result.stderr, result.stderr
    report = json.loads(result.stdout)
    check = next(c for c in report["checks"] if c["id"] == "jobs.concurrency")
    assert (check["status"], check["cause"]) == ("WARN", "TOO_MANY_JOBS"), check
    assert running in check["evidence"] and "quota" in check["evidence"]
    assert f"--copy-job-id {running}" in check["remediation"]
    assert [c["id"] for c in report["checks"] if c["status"] in ("FAIL", "UNKNOWN")] == []
    assert (result.returncode, report["ok"]) == (0, True)


@pytest.mark.parametrize(
    "message",
    [
        "Backup job failed because there was a running job for the same resource.",
        "Copy job failed because there was a running job for the same resource.",
    ],
)
def test_a_job_ended_by_a_running_job_of_its_resource_is_the_per_resource_quota(
    message: str,
) -> None:
    """AWS Backup's EventBridge guide, Backup Job EXPIRED example: the quota `jobs.concurrency`
    reports as TOO_MANY_JOBS; explain used to say UNKNOWN."""
    answer = explain(message)
    assert (answer["cause"], answer["matched"]) == ("TOO_MANY_JOBS", "running-job-same-resource")
    assert "list-backup-jobs" in answer["remediation"]
    assert "list-copy-jobs" in answer["remediation"]


def test_a_job_naming_a_vault_that_does_not_exist_names_the_vault_and_where() -> None:
    """AWS Backup's EventBridge guide, Backup Job FAILED example; explain used to say UNKNOWN
    with no rule. No cause code names a missing vault (dest.vault FAILs one of the same account
    with UNKNOWN too): the rule says so and names the vault, its account and Region."""
    answer = explain(
        "Backup job failed because backup vault "
        "arn:aws:backup:us-west-2:111122334455:backup-vault:dr-vault does not exist."
    )
    assert (answer["cause"], answer["matched"]) == ("UNKNOWN", "vault-does-not-exist")
    assert "dr-vault" in answer["explanation"] and "111122334455" in answer["explanation"]
    assert (
        "create-backup-vault --backup-vault-name dr-vault --region us-west-2"
        in (answer["remediation"])
    )


def test_a_job_role_that_may_not_list_tags_is_told_the_permission() -> None:
    """AWS Backup's EventBridge guide, Copy Job FAILED example (EC2): the job role lacks the tag
    read; explain used to send the operator to CloudTrail ("access denied text")."""
    answer = explain("Access denied exception while trying to list tags")
    assert (answer["cause"], answer["matched"]) == ("ROLE_PERMISSIONS", "list-tags-denied")
    assert "ec2:DescribeTags" in answer["remediation"]


def test_rds_target_key_is_the_destination_vault_key_whatever_the_brackets_hold() -> None:
    """RDS's "target KMS key" is the key the copy is encrypted with: in an AWS Backup copy the
    destination vault's. With [None] and with a key ARN the answer is the same cause, naming
    that key as the destination's, never SOURCE_KEY_NOT_SHARED."""
    template = (
        "An error occurred (KMSKeyNotAccessibleFault) when calling the CopyDBSnapshot "
        "operation: The target KMS key [{}] does not exist, is not enabled or you do not have "
        "permissions to access it."
    )
    key = "arn:aws:kms:eu-north-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    without, with_arn = explain(template.format("None")), explain(template.format(key))
    for answer in (without, with_arn):
        assert (answer["cause"], answer["matched"]) == ("KMS_KEY_UNUSABLE", "rds-target-key")
        assert "destination vault's key" in answer["explanation"]
        assert "recovery point is encrypted with" not in answer["explanation"]
    assert key in with_arn["explanation"]
    assert f"aws kms describe-key --key-id {key}" in with_arn["remediation"]
    assert (
        "arn:aws:iam::222222222222:role/aws-service-role/backup.amazonaws.com/"
        in (with_arn["remediation"])
    )


def test_a_new_instance_profile_refused_by_aws_backup_is_explained() -> None:
    """AWS Backup's EventBridge guide, Restore Job FAILED example; explain used to say UNKNOWN
    with no rule. The fix offers only what AWS accepts: the backed-up profile, or none."""
    answer = explain(
        "AWS Backup does not permit attaching a new instance profile to an EC2 instance. "
        "Please restore using the backed up instance profile."
    )
    assert (answer["cause"], answer["matched"]) == ("UNKNOWN", "new-instance-profile-refused")
    assert "--metadata IamInstanceProfileName=UseBackedUpValue" in answer["remediation"]
    assert "--metadata IamInstanceProfileName=\n" in answer["remediation"]
