"""A restore role's permissions boundary (`restore.role`) and the SCPs on the restoring account's
OU path (`restore.scps`), through the CLI in a subprocess against the sandbox: each fault FAILs
its check, the sandbox's job (forced with boto3) fails as AWS fails it, and `explain` of AWS's
message agrees with the check's cause; a boundary that cannot be read is UNKNOWN; the
management account is not judged by SCPs; `--read-only` judges them all the same."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from drconsole.sandbox.store import seed_recovery_point
from tests import forked_cli
from tests.demo_cli import demo_cli_env
from tests.restore_jobs import restore_ended

ROOT = Path(__file__).resolve().parent.parent
ZONE = "eu-central-1a"


@dataclass
class Env:
    sandbox: Sandbox
    info: ScenarioInfo
    env: dict[str, str]

    def client(self, service: str, role: str) -> Any:
        return self.sandbox.client(service, self.info.accounts[role], self.info.region)

    def role_arn(self, role: str) -> str:
        return (
            f"arn:aws:iam::{self.info.accounts[role]}:role/service-role/AWSBackupDefaultServiceRole"
        )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    home = tmp_path_factory.mktemp("home")
    try:
        yield Env(sandbox, info, demo_cli_env(sandbox, info, home))
    finally:
        sandbox.stop()
        sandbox.reset()


def drconsole(demo: Env, *args: str) -> subprocess.CompletedProcess[str]:
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", *args],
        capture_output=True,
        text=True,
        env=demo.env,
        cwd=ROOT,
        timeout=180,
    )


def ebs_point(demo: Env, role: str = "prod", vault: str = "prod-vault") -> str:
    backup = demo.client("backup", role)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName=vault)
    return str(
        max(
            (
                p
                for p in points["RecoveryPoints"]
                if p["ResourceType"] == "EBS" and "legacy" not in p.get("ResourceName", "")
            ),
            key=lambda p: p["CreationDate"],
        )["RecoveryPointArn"]
    )


def checks_of(demo: Env, rp: str, *extra: str) -> tuple[int, dict[str, dict[str, Any]]]:
    """(exit code, checks by id) of `check restore --json`."""
    result = drconsole(
        demo, *extra, "check", "restore", "--recovery-point", rp,
        "--metadata", f"availabilityZone={ZONE}", "--json",
    )  # fmt: skip
    assert result.stdout, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, {c["id"]: c for c in json.loads(result.stdout)["checks"]}


def forced_restore(demo: Env, rp: str, role: str = "prod") -> dict[str, Any]:
    """The sandbox's restore job of `rp`, started with boto3 past drconsole's checks."""
    backup = demo.client("backup", role)
    return restore_ended(
        backup,
        RecoveryPointArn=rp,
        IamRoleArn=demo.role_arn(role),
        Metadata={"availabilityZone": ZONE},
        ResourceType="EBS",
    )


def explained(demo: Env, message: str) -> dict[str, Any]:
    result = drconsole(demo, "explain", message, "--json")
    document: dict[str, Any] = json.loads(result.stdout)
    return document


@contextlib.contextmanager
def boundary(demo: Env, actions: list[str]) -> Iterator[str]:
    """prod's restore role bounded by a policy allowing only `actions`; removed after."""
    iam = demo.client("iam", "prod")
    name = "RestoreBoundary" + str(len(actions)) + actions[0].split(":")[0]
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
    }
    arn = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document))["Policy"]["Arn"]
    iam.put_role_permissions_boundary(
        RoleName="AWSBackupDefaultServiceRole", PermissionsBoundary=arn
    )
    try:
        yield str(arn)
    finally:
        iam.delete_role_permissions_boundary(RoleName="AWSBackupDefaultServiceRole")
        iam.delete_policy(PolicyArn=arn)


@contextlib.contextmanager
def scp(demo: Env, target: str, document: dict[str, Any]) -> Iterator[str]:
    """An SCP attached at `target` (SCPs enabled at the root); detached and deleted after."""
    orgs = demo.client("organizations", "management")
    root = orgs.list_roots()["Roots"][0]["Id"]
    with contextlib.suppress(orgs.exceptions.PolicyTypeAlreadyEnabledException):
        orgs.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    policy = orgs.create_policy(
        Name="NoRestores",
        Description="no restores",
        Type="SERVICE_CONTROL_POLICY",
        Content=json.dumps(document),
    )["Policy"]["PolicySummary"]["Id"]
    orgs.attach_policy(PolicyId=policy, TargetId=root if target == "root" else target)
    try:
        yield str(root if target == "root" else target)
    finally:
        orgs.detach_policy(PolicyId=policy, TargetId=root if target == "root" else target)
        orgs.delete_policy(PolicyId=policy)


def prod_ou(demo: Env) -> str:
    orgs = demo.client("organizations", "management")
    parents = orgs.list_parents(ChildId=demo.info.accounts["prod"])["Parents"]
    return str(parents[0]["Id"])


DENY_RESTORES = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "backup:StartRestoreJob", "Resource": "*"}],
}
DENY_VOLUMES = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "ec2:CreateVolume", "Resource": "*"}],
}


def test_a_boundary_denying_the_restore_fails_the_role_check_and_the_job(demo: Env) -> None:
    rp = ebs_point(demo)
    with boundary(demo, ["backup:*", "s3:*", "kms:*"]) as arn:
        code, checks = checks_of(demo, rp)
        role = checks["restore.role"]
        assert code == 1
        assert (role["status"], role["cause"]) == ("FAIL", "ROLE_PERMISSIONS"), role
        assert "ec2:CreateVolume" in role["evidence"] and arn in role["evidence"]
        assert (
            "aws iam delete-role-permissions-boundary --role-name AWSBackupDefaultServiceRole"
            in role["remediation"]
        )
        # `restore` stops before StartRestoreJob: no job is started.
        before = demo.client("backup", "prod").list_restore_jobs()["RestoreJobs"]
        refused = drconsole(
            demo, "restore", "--recovery-point", rp, "--metadata",
            f"availabilityZone={ZONE}", "--yes", "--json",
        )  # fmt: skip
        assert refused.returncode == 1, refused.stdout + refused.stderr
        after = demo.client("backup", "prod").list_restore_jobs()["RestoreJobs"]
        assert len(after) == len(before)
        job = forced_restore(demo, rp)
    assert job["Status"] == "FAILED", job
    assert job["StatusMessage"].startswith("You are not authorized to perform this operation")
    assert explained(demo, job["StatusMessage"])["cause"] == role["cause"]


def test_a_boundary_allowing_the_restore_passes(demo: Env) -> None:
    rp = ebs_point(demo)
    with boundary(demo, ["ec2:*", "backup:*", "kms:*"]) as arn:
        code, checks = checks_of(demo, rp)
        role = checks["restore.role"]
        assert code == 0 and role["status"] == "PASS", role
        assert f"its permissions boundary {arn} allows ec2:CreateVolume" in role["evidence"]
        job = forced_restore(demo, rp)
    assert job["Status"] == "COMPLETED", job


def test_a_boundary_that_cannot_be_read_is_unknown(demo: Env) -> None:
    rp = ebs_point(demo)
    with boundary(demo, ["ec2:*"]) as arn:
        demo.sandbox.fail_operation("iam:GetPolicyVersion", "denied")
        try:
            code, checks = checks_of(demo, rp)
        finally:
            demo.sandbox.clear_faults()
    role = checks["restore.role"]
    assert code == 1
    assert (role["status"], role["cause"]) == ("UNKNOWN", "ROLE_PERMISSIONS"), role
    assert "iam:GetPolicyVersion" in role["evidence"] and arn in role["evidence"]


def test_an_scp_denying_start_restore_job_in_the_ou_fails_and_aws_refuses(demo: Env) -> None:
    rp = ebs_point(demo)
    ou = prod_ou(demo)
    with scp(demo, ou, DENY_RESTORES):
        code, checks = checks_of(demo, rp)
        scps = checks["restore.scps"]
        with pytest.raises(ClientError) as refused:
            forced_restore(demo, rp)
    assert code == 1
    assert (scps["status"], scps["cause"]) == ("FAIL", "ROLE_PERMISSIONS"), scps
    assert "NoRestores" in scps["evidence"] and ou in scps["evidence"]
    assert "backup:StartRestoreJob" in scps["evidence"]
    message = refused.value.response["Error"]["Message"]
    assert "backup:StartRestoreJob" in message
    assert message.endswith("with an explicit deny in a service control policy")
    assert explained(demo, message)["cause"] == scps["cause"]


def test_an_scp_denying_the_restore_roles_call_fails_and_the_job_fails(demo: Env) -> None:
    rp = ebs_point(demo)
    with scp(demo, prod_ou(demo), DENY_VOLUMES):
        _, checks = checks_of(demo, rp)
        job = forced_restore(demo, rp)
    scps = checks["restore.scps"]
    assert scps["status"] == "FAIL" and "ec2:CreateVolume" in scps["evidence"], scps
    assert job["Status"] == "FAILED", job
    assert explained(demo, job["StatusMessage"])["cause"] == scps["cause"]


def test_the_management_account_is_not_judged_by_scps(demo: Env) -> None:
    management, region = demo.info.accounts["management"], demo.info.region
    backup = demo.client("backup", "management")
    backup.create_backup_vault(BackupVaultName="mgmt-vault")
    volume = demo.client("ec2", "management").create_volume(AvailabilityZone=ZONE, Size=1)
    rp = seed_recovery_point(
        management,
        region,
        "mgmt-vault",
        resource_arn=f"arn:aws:ec2:{region}:{management}:volume/{volume['VolumeId']}",
        resource_type="EBS",
        resource_name="mgmt-data",
        created=datetime.now(UTC) - timedelta(hours=1),
        encryption_key_arn=None,
        size_bytes=2**30,
    )
    with scp(demo, "root", DENY_RESTORES):
        _, own = checks_of(demo, rp)
        _, member = checks_of(demo, ebs_point(demo))
    assert own["restore.scps"]["status"] == "PASS", own["restore.scps"]
    assert "no service control policies apply" in own["restore.scps"]["evidence"]
    assert member["restore.scps"]["status"] == "FAIL", member["restore.scps"]


def test_read_only_mode_still_judges_the_boundary_and_the_scps(demo: Env) -> None:
    rp = ebs_point(demo)
    with boundary(demo, ["backup:*"]), scp(demo, prod_ou(demo), DENY_RESTORES):
        code, checks = checks_of(demo, rp, "--read-only")
    assert code == 1
    assert checks["restore.role"]["status"] == "FAIL", checks["restore.role"]
    assert checks["restore.scps"]["status"] == "FAIL", checks["restore.scps"]


def test_a_boundary_on_the_copy_role_is_judged_by_the_copy_role_check(demo: Env) -> None:
    rp = ebs_point(demo)
    dest = (
        f"arn:aws:backup:{demo.info.region}:{demo.info.accounts['backup']}"
        ":backup-vault:central-eu-central-1"
    )

    def copy_role() -> dict[str, Any]:
        result = drconsole(demo, "check", "copy", "--recovery-point", rp, "--to", dest, "--json")
        assert result.stdout, result.stderr
        return next(c for c in json.loads(result.stdout)["checks"] if c["id"] == "source.copy-role")

    with boundary(demo, ["backup:CopyFromBackupVault", "ec2:*"]) as arn:
        narrow = copy_role()
    with boundary(demo, ["backup:*"]) as wide_arn:
        wide = copy_role()
    assert (narrow["status"], narrow["cause"]) == ("FAIL", "ROLE_PERMISSIONS"), narrow
    assert "backup:CopyIntoBackupVault" in narrow["evidence"] and arn in narrow["evidence"]
    assert "CopyFromBackupVault (" not in narrow["evidence"]
    assert wide["status"] == "PASS" and wide_arn in wide["evidence"], wide


def test_a_copy_role_boundary_on_the_vaults_tags_is_judged_with_them(demo: Env) -> None:
    """A boundary allowing CopyIntoBackupVault only into vaults tagged tier=dr: the destination
    vault's tags are read for it, so the tagged vault passes and the untagged one fails."""
    rp = ebs_point(demo)
    dest = (
        f"arn:aws:backup:{demo.info.region}:{demo.info.accounts['backup']}"
        ":backup-vault:central-eu-central-1"
    )
    iam = demo.client("iam", "prod")
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "backup:CopyFromBackupVault", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": "backup:CopyIntoBackupVault",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:ResourceTag/tier": "dr"}},
            },
        ],
    }
    arn = iam.create_policy(PolicyName="OnlyDrVaults", PolicyDocument=json.dumps(document))
    arn = arn["Policy"]["Arn"]
    iam.put_role_permissions_boundary(
        RoleName="AWSBackupDefaultServiceRole", PermissionsBoundary=arn
    )
    central = demo.client("backup", "backup")
    verdicts = []
    try:
        for tagged in (False, True):
            if tagged:
                central.tag_resource(ResourceArn=dest, Tags={"tier": "dr"})
            result = drconsole(
                demo, "check", "copy", "--recovery-point", rp, "--to", dest, "--json"
            )
            checks = json.loads(result.stdout)["checks"]
            verdicts.append(next(c for c in checks if c["id"] == "source.copy-role"))
    finally:
        central.untag_resource(ResourceArn=dest, TagKeyList=["tier"])
        iam.delete_role_permissions_boundary(RoleName="AWSBackupDefaultServiceRole")
        iam.delete_policy(PolicyArn=arn)
    untagged, tagged_verdict = verdicts
    assert untagged["status"] == "FAIL" and "CopyIntoBackupVault" in untagged["evidence"], untagged
    assert tagged_verdict["status"] == "PASS", tagged_verdict
