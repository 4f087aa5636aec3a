"""The restore role's KMS calls on the customer managed key of an encrypted EBS restore, through
the CLI in a subprocess against the sandbox: a permissions boundary that does not allow
kms:CreateGrant FAILs `restore.role`, an SCP denying it FAILs `restore.scps`, an identity
policy denying it FAILs `restore.role`, each naming the action, the policy and the key, and the
sandbox's job (forced with boto3) fails; an unencrypted or an AWS managed key's restore is not
judged on KMS calls."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from drconsole.sandbox.store import seed_recovery_point
from tests.test_cli_restore_boundary_scps import (
    ZONE,
    Env,
    boundary,
    checks_of,
    demo,
    forced_restore,
    prod_ou,
    scp,
)
from tests.test_cli_restore_role_documents import inline_policy

__all__ = ["demo"]  # the module's own demo sandbox, made by the same fixture

# Everything the restore needs but the grant EBS makes on the volume's key.
NO_GRANTS = ["ec2:*", "backup:*", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*",
             "kms:ReEncrypt*"]  # fmt: skip
DENY_KEY_USE = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "NoKeyUse", "Effect": "Deny", "Action": ["kms:CreateGrant", "kms:Decrypt"],
         "Resource": "*"},
    ],
}  # fmt: skip
ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}
KEY_UNUSABLE = "KMS key is either disabled or pending deletion or access to KMS key is denied"


def key_of(demo: Env, rp: str) -> str:
    point = demo.client("backup", "prod").describe_recovery_point(
        BackupVaultName="prod-vault", RecoveryPointArn=rp
    )
    return str(point["EncryptionKeyArn"])


def customer_key_point(demo: Env) -> tuple[str, str]:
    """The newest EBS point of prod-vault with a KMS key (a test's unencrypted point, made an
    hour ago, can be newer than the demo's) and its customer managed key."""
    points = demo.client("backup", "prod").list_recovery_points_by_backup_vault(
        BackupVaultName="prod-vault"
    )["RecoveryPoints"]
    newest = max(
        (
            p
            for p in points
            if p["ResourceType"] == "EBS"
            and "legacy" not in p.get("ResourceName", "")
            and p.get("EncryptionKeyArn")
        ),
        key=lambda p: p["CreationDate"],
    )
    rp = str(newest["RecoveryPointArn"])
    key = key_of(demo, rp)
    manager = demo.client("kms", "prod").describe_key(KeyId=key)["KeyMetadata"]["KeyManager"]
    assert manager == "CUSTOMER", key
    return rp, key


def test_a_boundary_without_create_grant_fails_the_role_check_and_the_job(demo: Env) -> None:
    rp, key = customer_key_point(demo)
    with boundary(demo, NO_GRANTS) as arn:
        code, checks = checks_of(demo, rp)
        job = forced_restore(demo, rp)
    role = checks["restore.role"]
    assert code == 1
    assert (role["status"], role["cause"]) == ("FAIL", "ROLE_PERMISSIONS"), role
    assert f"kms:CreateGrant (does not allow it on {key})" in role["evidence"], role
    assert arn in role["evidence"] and "kms:Decrypt" not in role["evidence"], role
    assert job["Status"] == "FAILED", job
    assert job["StatusMessage"] == KEY_UNUSABLE, job


def test_an_scp_denying_the_key_use_fails_the_scp_check_and_the_job(demo: Env) -> None:
    rp, key = customer_key_point(demo)
    ou = prod_ou(demo)
    document = {"Version": "2012-10-17", "Statement": [ALLOW_ALL, *DENY_KEY_USE["Statement"]]}
    with scp(demo, ou, document):
        code, checks = checks_of(demo, rp)
        job = forced_restore(demo, rp)
    scps = checks["restore.scps"]
    assert code == 1
    assert (scps["status"], scps["cause"]) == ("FAIL", "ROLE_PERMISSIONS"), scps
    assert f"denies kms:CreateGrant on {key}" in scps["evidence"], scps
    assert "NoRestores" in scps["evidence"] and ou in scps["evidence"], scps
    assert checks["restore.role"]["status"] == "PASS", checks["restore.role"]
    assert job["Status"] == "FAILED" and job["StatusMessage"] == KEY_UNUSABLE, job


def test_an_identity_policy_denying_the_key_use_fails_the_role_check_and_the_job(
    demo: Env,
) -> None:
    rp, key = customer_key_point(demo)
    with inline_policy(demo, "NoKeyUseHere", DENY_KEY_USE):
        code, checks = checks_of(demo, rp)
        job = forced_restore(demo, rp)
    role = checks["restore.role"]
    assert code == 1
    assert (role["status"], role["cause"]) == ("FAIL", "ROLE_PERMISSIONS"), role
    assert "inline policy NoKeyUseHere" in role["evidence"] and '"NoKeyUse"' in role["evidence"]
    assert f"denies kms:CreateGrant on {key}" in role["evidence"], role
    assert "delete-role-policy --role-name AWSBackupDefaultServiceRole" in role["remediation"]
    assert job["Status"] == "FAILED" and job["StatusMessage"] == KEY_UNUSABLE, job


def test_the_demo_role_passes_and_says_it_was_judged_on_the_key(demo: Env) -> None:
    rp, key = customer_key_point(demo)
    code, checks = checks_of(demo, rp)
    role = checks["restore.role"]
    assert (code, role["status"]) == (0, "PASS"), role
    assert "none of its policies denies kms:CreateGrant" in role["evidence"], role
    assert key in role["evidence"], role


@contextlib.contextmanager
def unencrypted_point(demo: Env) -> Iterator[str]:
    """An EBS recovery point of prod encrypted with no KMS key."""
    prod, region = demo.info.accounts["prod"], demo.info.region
    volume = demo.client("ec2", "prod").create_volume(AvailabilityZone=ZONE, Size=1)
    yield seed_recovery_point(
        prod,
        region,
        "prod-vault",
        resource_arn=f"arn:aws:ec2:{region}:{prod}:volume/{volume['VolumeId']}",
        resource_type="EBS",
        resource_name="plain-data",
        created=datetime.now(UTC) - timedelta(hours=1),
        encryption_key_arn=None,
        size_bytes=2**30,
    )


def aws_managed_point(demo: Env) -> str:
    """The demo's EBS point encrypted with aws/ebs (its "legacy" volume)."""
    points = demo.client("backup", "prod").list_recovery_points_by_backup_vault(
        BackupVaultName="prod-vault"
    )["RecoveryPoints"]
    legacy = next(
        p for p in points if p["ResourceType"] == "EBS" and "legacy" in p.get("ResourceName", "")
    )
    manager = demo.client("kms", "prod").describe_key(KeyId=legacy["EncryptionKeyArn"])
    assert manager["KeyMetadata"]["KeyManager"] == "AWS", legacy
    return str(legacy["RecoveryPointArn"])


def test_unencrypted_and_aws_managed_key_restores_are_not_judged_on_kms_calls(
    demo: Env,
) -> None:
    no_kms = ["ec2:*", "backup:*"]
    document = {"Version": "2012-10-17", "Statement": [ALLOW_ALL, *DENY_KEY_USE["Statement"]]}
    verdicts: list[dict[str, Any]] = []
    with unencrypted_point(demo) as plain:
        managed = aws_managed_point(demo)
        with boundary(demo, no_kms), scp(demo, prod_ou(demo), document):
            for rp in (plain, managed):
                _, checks = checks_of(demo, rp)
                verdicts.append(checks)
            job = forced_restore(demo, plain)
    for checks in verdicts:
        for cid in ("restore.role", "restore.scps"):
            assert checks[cid]["status"] == "PASS", checks[cid]
            assert "kms:" not in checks[cid]["evidence"], checks[cid]
    assert job["Status"] == "COMPLETED", json.dumps(job, default=str)


def test_a_role_without_a_kms_allow_warns_unless_the_key_policy_names_it(demo: Env) -> None:
    """A role of its own allowing the volume but no KMS call: the key policy naming only the
    account leaves the decision to IAM policies (WARN); naming the role allows it (PASS)."""
    from tests.test_cli_restore_role_documents import _checks, customer_policy, own_role

    rp, key = customer_key_point(demo)
    volumes = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "ec2:CreateVolume", "Resource": "*"}],
    }
    kms = demo.client("kms", "prod")
    original = kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
    with (
        own_role(demo, "VolumesOnlyRole") as arn,
        customer_policy(demo, "VolumesOnly", volumes, "VolumesOnlyRole"),
    ):
        warned = _checks(demo, rp, arn)["restore.role"]
        document = json.loads(original)
        document["Statement"].append(
            {"Sid": "RestoreRoleUse", "Effect": "Allow", "Principal": {"AWS": arn},
             "Action": ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey",
                        "kms:GenerateDataKey*", "kms:ReEncrypt*"], "Resource": "*"}
        )  # fmt: skip
        kms.put_key_policy(KeyId=key, PolicyName="default", Policy=json.dumps(document))
        try:
            named = _checks(demo, rp, arn)["restore.role"]
        finally:
            kms.put_key_policy(KeyId=key, PolicyName="default", Policy=original)
    assert (warned["status"], warned["cause"]) == ("WARN", "ROLE_PERMISSIONS"), warned
    assert "allows kms:CreateGrant" in warned["evidence"] and key in warned["evidence"], warned
    assert named["status"] == "PASS", named


def test_an_ec2_restore_is_judged_on_its_key_as_the_job_is(demo: Env) -> None:
    """An EC2 instance's volumes are EBS's too: the same boundary FAILs its restore and its job."""
    from tests.test_cli_restore_boundary_scps import drconsole

    backup = demo.client("backup", "prod")
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    point = max(
        (p for p in points["RecoveryPoints"] if p["ResourceType"] == "EC2"),
        key=lambda p: p["CreationDate"],
    )
    rp, key = point["RecoveryPointArn"], point["EncryptionKeyArn"]
    assert demo.client("kms", "prod").describe_key(KeyId=key)["KeyMetadata"]["KeyManager"] == (
        "CUSTOMER"
    )
    with boundary(demo, NO_GRANTS):
        result = drconsole(demo, "check", "restore", "--recovery-point", rp, "--json")
        started = backup.start_restore_job(
            RecoveryPointArn=rp,
            IamRoleArn=demo.role_arn("prod"),
            Metadata={"InstanceType": "t3.micro"},
            ResourceType="EC2",
        )
        for _ in range(2400):
            job = backup.describe_restore_job(RestoreJobId=started["RestoreJobId"])
            if job["Status"] in ("COMPLETED", "FAILED", "ABORTED"):
                break
            time.sleep(0.05)
    role = next(c for c in json.loads(result.stdout)["checks"] if c["id"] == "restore.role")
    assert (
        role["status"] == "FAIL"
        and f"kms:CreateGrant (does not allow it on {key})" in (role["evidence"])
    ), role
    assert job["Status"] == "FAILED" and job["StatusMessage"] == KEY_UNUSABLE, job
