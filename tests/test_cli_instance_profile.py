"""`restore.instance-profile` in `drconsole check restore` (a subprocess) against the sandbox:
an EC2 restore's instance profile exists in the restoring account and the restore role may pass
its role; the sandbox's restore fails late with AWS's message when it does not, and `explain`
of that message agrees with the check."""

from __future__ import annotations

import json
import subprocess
import sys
import time
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
CHECK = "restore.instance-profile"
PROFILE, PROFILE_ROLE = "prod-web-profile", "prod-web-role"
RESTORE_POLICY = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"
BACKUP_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "backup.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@dataclass
class Env:
    sandbox: Sandbox
    info: ScenarioInfo
    env: dict[str, str]

    def client(self, service: str, role: str) -> Any:
        return self.sandbox.client(service, self.info.accounts[role], self.info.region)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    home = tmp_path_factory.mktemp("home")
    env = demo_cli_env(sandbox, info, home)
    try:
        yield Env(sandbox, info, env)
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
        timeout=120,
    )


def web_point(demo: Env) -> str:
    """The newest recovery point of prod-web-1 (it runs with prod-web-profile) in prod."""
    backup = demo.client("backup", "prod")
    points = [
        p
        for page in backup.get_paginator("list_recovery_points_by_backup_vault").paginate(
            BackupVaultName="prod-vault"
        )
        for p in page["RecoveryPoints"]
        if p.get("ResourceName") == "prod-web-1" and p["Status"] == "COMPLETED"
    ]
    return str(max(points, key=lambda p: p["CreationDate"])["RecoveryPointArn"])


def check_restore(demo: Env, rp: str, *extra: str) -> tuple[int, dict[str, Any], dict[str, Any]]:
    """(exit code, the instance profile check, the whole report) of `check restore --json`."""
    result = drconsole(demo, "check", "restore", "--recovery-point", rp, *extra, "--json")
    assert result.stdout, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    report = json.loads(result.stdout)
    found = [c for c in report["checks"] if c["id"] == CHECK]
    assert found, [c["id"] for c in report["checks"]]
    return result.returncode, found[0], report


def restore_by_hand(demo: Env, rp: str, role_arn: str, **metadata: str) -> tuple[str, str]:
    """StartRestoreJob with plain boto3 in prod (AWS's metadata and `metadata`); (state,
    StatusMessage) once the job ends."""
    backup = demo.client("backup", "prod")
    given = backup.get_recovery_point_restore_metadata(
        BackupVaultName="prod-vault", RecoveryPointArn=rp
    )["RestoreMetadata"]
    job = backup.start_restore_job(
        RecoveryPointArn=rp, IamRoleArn=role_arn, Metadata={**given, **metadata}
    )["RestoreJobId"]
    for _ in range(1200):
        described = backup.describe_restore_job(RestoreJobId=job)
        if described["Status"] in ("COMPLETED", "FAILED", "ABORTED"):
            return described["Status"], described.get("StatusMessage", "")
        time.sleep(0.05)
    raise AssertionError(f"restore job {job} did not end")


def explained(demo: Env, message: str) -> dict[str, Any]:
    result = drconsole(demo, "explain", message, "--json")
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def default_role(demo: Env) -> str:
    prod = demo.info.accounts["prod"]
    return f"arn:aws:iam::{prod}:role/service-role/AWSBackupDefaultServiceRole"


def test_the_demo_profile_exists_and_may_be_passed(demo: Env) -> None:
    rp = web_point(demo)
    metadata = demo.client("backup", "prod").get_recovery_point_restore_metadata(
        BackupVaultName="prod-vault", RecoveryPointArn=rp
    )["RestoreMetadata"]
    assert metadata.get("IamInstanceProfileName") == PROFILE

    code, check, report = check_restore(demo, rp)

    assert check["status"] == "PASS", check
    assert PROFILE in check["evidence"] and f"role/{PROFILE_ROLE}" in check["evidence"]
    assert code == 0, [c for c in report["checks"] if c["status"] != "PASS"]
    state, message = restore_by_hand(demo, rp, default_role(demo))
    assert (state, message) == ("COMPLETED", ""), message


def test_read_only_mode_judges_the_profile_as_read_write_mode_does(demo: Env) -> None:
    """`--read-only check restore` (browsing) reads the profile: it stopped whole, refusing
    iam:GetInstanceProfile as no read."""
    rp = web_point(demo)
    code, check, report = check_restore(demo, rp)
    result = drconsole(demo, "--read-only", "check", "restore", "--recovery-point", rp, "--json")
    assert result.stdout, result.stderr
    read_only = json.loads(result.stdout)
    assert result.returncode == code == 0, result.stderr
    assert [(c["id"], c["status"]) for c in read_only["checks"]] == [
        (c["id"], c["status"]) for c in report["checks"]
    ]
    assert [c for c in read_only["checks"] if c["id"] == CHECK] == [check]


def test_a_missing_profile_fails_the_check_and_the_job_late_as_explain_says(demo: Env) -> None:
    rp = web_point(demo)
    code, check, _ = check_restore(demo, rp, "--metadata", "IamInstanceProfileName=dr-web-gone")

    assert (code, check["status"], check["cause"]) == (1, "FAIL", "UNKNOWN"), check
    assert "dr-web-gone" in check["evidence"]
    assert "--metadata IamInstanceProfileName= " in check["remediation"]
    # AWS Backup refuses another profile than the backed-up one: the fix offers that one or
    # none, never "name one that exists" (see the test below).
    assert "--metadata IamInstanceProfileName=UseBackedUpValue" in check["remediation"]
    assert (
        f"aws iam create-instance-profile --instance-profile-name {PROFILE}"
        in (check["remediation"])
    )
    assert "dr-web-gone" not in check["remediation"]
    state, message = restore_by_hand(
        demo, rp, default_role(demo), IamInstanceProfileName="dr-web-gone"
    )
    assert state == "FAILED"
    assert message == (
        "Value (dr-web-gone) for parameter iamInstanceProfile.name is invalid. "
        "Invalid IAM Instance Profile name"
    )
    diagnosis = explained(demo, message)
    assert diagnosis["cause"] == check["cause"]
    assert diagnosis["matched"] == "instance-profile-missing"


def test_aws_backed_up_value_is_judged_as_the_backed_up_profile_and_restores_with_it(
    demo: Env,
) -> None:
    """AWS's own StartRestoreJob example for EC2 sends IamInstanceProfileName=UseBackedUpValue:
    it names the backed-up profile (prod-web-profile, which prod has), not a profile called
    UseBackedUpValue; the check used to FAIL it as missing. The restore completes with it."""
    rp = web_point(demo)
    code, check, report = check_restore(
        demo, rp, "--metadata", "IamInstanceProfileName=UseBackedUpValue"
    )

    assert check["status"] == "PASS", check
    assert PROFILE in check["evidence"] and f"role/{PROFILE_ROLE}" in check["evidence"]
    assert code == 0, [c for c in report["checks"] if c["status"] != "PASS"]
    backup = demo.client("backup", "prod")
    before = {job["RestoreJobId"] for job in backup.list_restore_jobs()["RestoreJobs"]}
    state, message = restore_by_hand(
        demo, rp, default_role(demo), IamInstanceProfileName="UseBackedUpValue"
    )
    assert (state, message) == ("COMPLETED", ""), message
    job = next(
        j for j in backup.list_restore_jobs()["RestoreJobs"] if j["RestoreJobId"] not in before
    )
    instance = job["CreatedResourceArn"].rsplit("/", 1)[-1]
    associations = demo.client("ec2", "prod").describe_iam_instance_profile_associations(
        Filters=[{"Name": "instance-id", "Values": [instance]}]
    )["IamInstanceProfileAssociations"]
    assert [a["IamInstanceProfile"]["Arn"].rsplit("/", 1)[-1] for a in associations] == [PROFILE]


def test_a_missing_backed_up_profile_fix_offers_only_what_aws_backup_accepts(demo: Env) -> None:
    """In qa, which has no prod-web-profile, the restore after the copy asks for the backed-up
    profile (AWS's metadata kept):
    FAIL naming it; the fix creates that profile there or restores without one, and never
    offers another profile (AWS Backup: "does not permit attaching a new instance profile")."""
    rp = central_web_copy(demo)
    qa = demo.info.accounts["qa"]
    dest = f"arn:aws:backup:{demo.info.region}:{qa}:backup-vault:qa-vault"
    result = drconsole(
        demo, "check", "copy", "--recovery-point", rp, "--to", dest, "--restore", "--json"
    )
    report = json.loads(result.stdout)
    check = next(c for c in report["restore"]["checks"] if c["id"] == CHECK)

    assert (check["status"], check["cause"]) == ("FAIL", "UNKNOWN"), check
    assert PROFILE in check["evidence"] and qa in check["evidence"]
    fix = check["remediation"]
    assert f"aws iam create-instance-profile --instance-profile-name {PROFILE}" in fix
    assert "--metadata IamInstanceProfileName= " in fix
    assert "list-instance-profiles" not in fix and "=NAME" not in fix


def test_an_emptied_profile_passes_and_the_instance_is_restored_without_one(demo: Env) -> None:
    rp = web_point(demo)
    code, check, _ = check_restore(demo, rp, "--metadata", "IamInstanceProfileName=")

    assert (code, check["status"], check["evidence"]) == (0, "PASS", "no instance profile"), check
    state, message = restore_by_hand(demo, rp, default_role(demo), IamInstanceProfileName="")
    assert (state, message) == ("COMPLETED", "")


def test_a_role_the_restore_role_may_not_pass_fails_with_the_statement_to_add(demo: Env) -> None:
    iam = demo.client("iam", "prod")
    role = iam.create_role(
        RoleName="restore-no-pass", AssumeRolePolicyDocument=json.dumps(BACKUP_TRUST)
    )["Role"]["Arn"]
    iam.attach_role_policy(RoleName="restore-no-pass", PolicyArn=RESTORE_POLICY)
    prod = demo.info.accounts["prod"]
    deny = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Action": "iam:PassRole",
                "Resource": f"arn:aws:iam::{prod}:role/{PROFILE_ROLE}",
            }
        ],
    }
    iam.put_role_policy(
        RoleName="restore-no-pass", PolicyName="no-pass", PolicyDocument=json.dumps(deny)
    )
    rp = web_point(demo)

    code, check, _ = check_restore(demo, rp, "--role-arn", role)

    assert (code, check["status"], check["cause"]) == (1, "FAIL", "ROLE_PERMISSIONS"), check
    assert f"role/{PROFILE_ROLE}" in check["evidence"]
    fix = check["remediation"]
    assert "aws iam put-role-policy --role-name restore-no-pass" in fix
    statement = json.loads(fix.split("--policy-document '", 1)[1].split("'", 1)[0])
    assert statement["Statement"] == [
        {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": f"arn:aws:iam::{prod}:role/{PROFILE_ROLE}",
            "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
        }
    ]
    state, message = restore_by_hand(demo, rp, role)
    assert state == "FAILED"
    assert message.startswith("You are not authorized to perform this operation.")
    assert explained(demo, message)["cause"] == check["cause"]


def test_an_unreadable_profile_is_unknown_never_pass(demo: Env) -> None:
    demo.sandbox.fail_operation("iam:GetInstanceProfile", "denied")
    try:
        code, check, _ = check_restore(demo, web_point(demo))
    finally:
        demo.sandbox.clear_faults()

    assert (check["status"], check["cause"]) == ("UNKNOWN", "ROLE_PERMISSIONS"), check
    assert "iam:GetInstanceProfile" in check["evidence"]
    assert code != 0


def central_web_copy(demo: Env) -> str:
    """The newest copy of prod-web-1 in the backup account's central vault."""
    backup = demo.client("backup", "backup")
    points = backup.list_recovery_points_by_backup_vault(
        BackupVaultName="central-eu-central-1", ByResourceType="EC2"
    )["RecoveryPoints"]
    mine = [p for p in points if p.get("ResourceName") == "prod-web-1"]
    return str(max(mine, key=lambda p: p["CreationDate"])["RecoveryPointArn"])


def test_a_copy_back_into_an_account_without_the_profile_is_stopped_before_its_restore(
    demo: Env, tmp_path: Path
) -> None:
    """qa has no prod-web-profile: `copy --restore` shows the FAIL with its plan and, the copy
    made, stops before StartRestoreJob; the copy restored with the profile emptied completes,
    and the instance has none."""
    rp = central_web_copy(demo)
    region, qa = demo.info.region, demo.info.accounts["qa"]
    subnet = demo.client("ec2", "qa").describe_subnets(
        Filters=[{"Name": "default-for-az", "Values": ["true"]}]
    )["Subnets"][0]["SubnetId"]
    args = ["copy", "--recovery-point", rp, "--to", f"arn:aws:backup:{region}:{qa}:backup-vault:"]
    args[-1] += "qa-vault"
    args += ["--restore", "--yes", "--source-account", demo.info.accounts["backup"]]
    args += ["--poll-interval", "0.2", "--metadata", f"SubnetId={subnet}"]
    args += ["--metadata", "SecurityGroupIds=[]"]
    demo.env["XDG_STATE_HOME"] = str(tmp_path / "state")
    restores = demo.client("backup", "qa").list_restore_jobs()["RestoreJobs"]

    stopped = drconsole(demo, *args)

    assert stopped.returncode == 1, stopped.stdout + stopped.stderr
    assert f"blocked at restore: check {CHECK} FAIL: instance profile {PROFILE}" in stopped.stdout
    assert demo.client("backup", "qa").list_restore_jobs()["RestoreJobs"] == restores
    # The copy is made: restored in place in qa with the profile emptied, it completes.
    copy = max(
        demo.client("backup", "qa").list_recovery_points_by_backup_vault(
            BackupVaultName="qa-vault", ByResourceType="EC2"
        )["RecoveryPoints"],
        key=lambda p: p["CreationDate"],
    )["RecoveryPointArn"]
    restore = ["restore", "--recovery-point", copy, "--source-account", qa, "--yes"]
    restore += [*args[args.index("--poll-interval") :], "--metadata", "IamInstanceProfileName="]
    done = drconsole(demo, *restore, "--json")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    created = json.loads(done.stdout.splitlines()[-1])["result"]["created_resource"]
    associations = demo.client("ec2", "qa").describe_iam_instance_profile_associations(
        Filters=[{"Name": "instance-id", "Values": [created.rsplit("/", 1)[-1]]}]
    )["IamInstanceProfileAssociations"]
    assert associations == []
