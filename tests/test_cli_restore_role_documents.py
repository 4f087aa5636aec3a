"""`restore.role` reads the restore role's identity policy documents, through the CLI in a
subprocess against the sandbox: a Deny of the call creating the resource in an inline or an
attached customer managed policy FAILs it, naming the policy and its statement, and the
sandbox's job (forced with boto3) fails as AWS fails it; a role whose own policy allows that
call PASSes without AWS's managed policies, one whose policies allow nothing of it FAILs; a
document that cannot be read is UNKNOWN."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

from tests.restore_jobs import restore_ended
from tests.test_cli_restore_boundary_scps import (
    ZONE,
    Env,
    checks_of,
    demo,
    ebs_point,
    forced_restore,
)

__all__ = ["demo"]  # the module's own demo sandbox, made by the same fixture

ROLE = "AWSBackupDefaultServiceRole"
DENY_VOLUMES = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "NoVolumes", "Effect": "Deny", "Action": "ec2:CreateVolume", "Resource": "*"}
    ],
}
BACKUP_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "backup.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


@contextlib.contextmanager
def inline_policy(demo: Env, name: str, document: dict[str, Any]) -> Iterator[None]:
    iam = demo.client("iam", "prod")
    iam.put_role_policy(RoleName=ROLE, PolicyName=name, PolicyDocument=json.dumps(document))
    try:
        yield
    finally:
        iam.delete_role_policy(RoleName=ROLE, PolicyName=name)


@contextlib.contextmanager
def customer_policy(
    demo: Env, name: str, document: dict[str, Any], role: str = ROLE
) -> Iterator[str]:
    iam = demo.client("iam", "prod")
    arn = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    try:
        yield str(arn)
    finally:
        iam.detach_role_policy(RoleName=role, PolicyArn=arn)
        iam.delete_policy(PolicyArn=arn)


@contextlib.contextmanager
def own_role(demo: Env, name: str) -> Iterator[str]:
    """A role of prod trusted by AWS Backup, with none of AWS's managed policies."""
    iam = demo.client("iam", "prod")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=BACKUP_TRUST)["Role"]["Arn"]
    try:
        yield str(arn)
    finally:
        iam.delete_role(RoleName=name)


def restore_as(demo: Env, rp: str, role_arn: str) -> dict[str, Any]:
    backup = demo.client("backup", "prod")
    return restore_ended(
        backup,
        RecoveryPointArn=rp,
        IamRoleArn=role_arn,
        Metadata={"availabilityZone": ZONE},
        ResourceType="EBS",
    )


def test_an_inline_deny_of_the_creating_call_fails_the_role_check_and_the_job(demo: Env) -> None:
    rp = ebs_point(demo)
    with inline_policy(demo, "NoVolumesHere", DENY_VOLUMES):
        code, checks = checks_of(demo, rp)
        job = forced_restore(demo, rp)
    role = checks["restore.role"]
    assert code == 1
    assert (role["status"], role["cause"]) == ("FAIL", "ROLE_PERMISSIONS"), role
    assert "inline policy NoVolumesHere" in role["evidence"], role
    assert '"NoVolumes"' in role["evidence"] and "ec2:CreateVolume" in role["evidence"], role
    assert (
        f"delete-role-policy --role-name {ROLE} --policy-name NoVolumesHere"
        in (role["remediation"])
    )
    assert job["Status"] == "FAILED", job
    assert job["StatusMessage"].startswith("You are not authorized to perform this operation")


def test_an_attached_customer_policy_denying_the_creating_call_fails(demo: Env) -> None:
    rp = ebs_point(demo)
    with customer_policy(demo, "NoVolumesManaged", DENY_VOLUMES) as arn:
        code, checks = checks_of(demo, rp)
        job = forced_restore(demo, rp)
    role = checks["restore.role"]
    assert code == 1
    assert (role["status"], role["cause"]) == ("FAIL", "ROLE_PERMISSIONS"), role
    assert f"policy {arn}" in role["evidence"] and '"NoVolumes"' in role["evidence"], role
    assert f"detach-role-policy --role-name {ROLE} --policy-arn {arn}" in role["remediation"]
    assert job["Status"] == "FAILED", job


def test_a_deny_of_another_action_leaves_the_demo_role_passing(demo: Env) -> None:
    rp = ebs_point(demo)
    other = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "*"}],
    }
    with inline_policy(demo, "NoInstances", other):
        code, checks = checks_of(demo, rp)
    role = checks["restore.role"]
    assert (code, role["status"]) == (0, "PASS"), role
    assert "none of its policies denies ec2:CreateVolume" in role["evidence"], role


def test_a_role_whose_own_policy_allows_the_restore_passes(demo: Env) -> None:
    rp = ebs_point(demo)
    allow = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["ec2:*", "kms:*"], "Resource": "*"}],
    }
    with (
        own_role(demo, "OwnRestoreRole") as arn,
        customer_policy(demo, "OwnRestores", allow, "OwnRestoreRole") as policy,
    ):
        checks = _checks(demo, rp, arn)
        job = restore_as(demo, rp, arn)
    role = checks["restore.role"]
    assert role["status"] == "PASS", role
    assert f"policy {policy} allows ec2:CreateVolume" in role["evidence"], role
    assert job["Status"] == "COMPLETED", job


def test_a_role_whose_own_policies_allow_nothing_of_it_fails(demo: Env) -> None:
    rp = ebs_point(demo)
    unrelated = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
    with (
        own_role(demo, "S3OnlyRole") as arn,
        customer_policy(demo, "S3Only", unrelated, "S3OnlyRole") as policy,
    ):
        checks = _checks(demo, rp, arn)
    role = checks["restore.role"]
    assert (role["status"], role["cause"]) == ("FAIL", "ROLE_PERMISSIONS"), role
    assert f"none of policy {policy} allows it" in role["evidence"], role


def test_an_inline_policy_that_cannot_be_read_is_unknown(demo: Env) -> None:
    rp = ebs_point(demo)
    with inline_policy(demo, "Unread", DENY_VOLUMES):
        demo.sandbox.fail_operation("iam:GetRolePolicy", "denied")
        try:
            code, checks = checks_of(demo, rp)
        finally:
            demo.sandbox.clear_faults()
    role = checks["restore.role"]
    assert code == 1
    assert (role["status"], role["cause"]) == ("UNKNOWN", "ROLE_PERMISSIONS"), role
    assert "iam:GetRolePolicy" in role["evidence"] and "inline policy Unread" in role["evidence"]


def _checks(demo: Env, rp: str, role_arn: str) -> dict[str, dict[str, Any]]:
    from tests.test_cli_restore_boundary_scps import drconsole

    result = drconsole(
        demo, "check", "restore", "--recovery-point", rp, "--role-arn", role_arn,
        "--metadata", f"availabilityZone={ZONE}", "--json",
    )  # fmt: skip
    assert result.stdout, result.stderr
    return {c["id"]: c for c in json.loads(result.stdout)["checks"]}


def test_an_inline_deny_of_copy_into_the_vault_fails_the_copy_role_check(demo: Env) -> None:
    from tests.test_cli_restore_boundary_scps import drconsole

    rp = ebs_point(demo)
    dest = (
        f"arn:aws:backup:{demo.info.region}:{demo.info.accounts['backup']}"
        ":backup-vault:central-eu-central-1"
    )

    def copy_role() -> dict[str, Any]:
        result = drconsole(demo, "check", "copy", "--recovery-point", rp, "--to", dest, "--json")
        assert result.stdout, result.stderr
        return next(c for c in json.loads(result.stdout)["checks"] if c["id"] == "source.copy-role")

    no_copies = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "NoCopies", "Effect": "Deny", "Action": "backup:CopyIntoBackupVault",
             "Resource": "*"}
        ],
    }  # fmt: skip
    assert copy_role()["status"] == "PASS"
    with inline_policy(demo, "NoCopiesOut", no_copies):
        denied = copy_role()
    assert (denied["status"], denied["cause"]) == ("FAIL", "ROLE_PERMISSIONS"), denied
    assert "inline policy NoCopiesOut" in denied["evidence"], denied
    assert "backup:CopyIntoBackupVault" in denied["evidence"], denied
