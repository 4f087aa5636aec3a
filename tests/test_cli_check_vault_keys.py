"""`drconsole check copy --json` on the keys of vaults and recovery points: AWS owned keys
(logically air-gapped vaults), keys in an account drconsole cannot enter, a vault key whose
policy refuses the destination's AWS Backup, and an AMI encrypted without one key ARN."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.server import SandboxOptions
from drconsole.sandbox.store import seed_recovery_point
from tests.demo_cli import demo_cli_env
from tests.test_cli_check import Env, as_json, drconsole

CLOSED_ACCOUNT = "999999999999"  # an account drconsole has no role in


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    home = tmp_path_factory.mktemp("home")
    env = demo_cli_env(sandbox, info, home)
    try:
        yield Env(sandbox, info, env, home / "state")
    finally:
        sandbox.stop()
        sandbox.reset()


def prod_ebs_point(demo: Env) -> str:
    backup = demo.sandbox.client("backup", demo.info.accounts["prod"], demo.info.region)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    return str(
        next(
            p["RecoveryPointArn"]
            for p in points["RecoveryPoints"]
            if p["ResourceType"] == "EBS" and p.get("ResourceName") == "prod-web-data"
        )
    )


def open_to_organization(demo: Env, vault: str) -> None:
    """The access policy of the central vault on another vault of the backup account."""
    backup = demo.sandbox.client("backup", demo.info.accounts["backup"], demo.info.region)
    policy = backup.get_backup_vault_access_policy(BackupVaultName="central-eu-central-1")
    backup.put_backup_vault_access_policy(BackupVaultName=vault, Policy=policy["Policy"])


def check(demo: Env, rp: str, dest: str, *extra: str) -> dict[str, dict[str, Any]]:
    result = drconsole(
        demo, "check", "copy", "--recovery-point", rp, "--to", dest, "--json", *extra
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return {c["id"]: c for c in as_json(result)["checks"]}


def test_a_logically_air_gapped_vault_on_an_aws_owned_key_receives_the_copy(demo: Env) -> None:
    backup_account, region = demo.info.accounts["backup"], demo.info.region
    backup = demo.sandbox.client("backup", backup_account, region)
    backup.create_logically_air_gapped_backup_vault(
        BackupVaultName="air-gapped", MinRetentionDays=7, MaxRetentionDays=3650
    )
    described = backup.describe_backup_vault(BackupVaultName="air-gapped")
    assert (described["VaultType"], described["EncryptionKeyType"]) == (
        "LOGICALLY_AIR_GAPPED_BACKUP_VAULT",
        "AWS_OWNED_KMS_KEY",
    )
    open_to_organization(demo, "air-gapped")
    rp, dest = prod_ebs_point(demo), demo.vault("backup", "air-gapped")
    checks = check(demo, rp, dest, "--delete-after-days", "30")
    vault = checks["dest.vault"]
    assert vault["status"] == "PASS", vault
    assert "AWS owned key" in vault["evidence"]
    assert "AWS Backup manages its use" in vault["evidence"]
    assert {c["status"] for c in checks.values()} == {"PASS"}, checks
    copied = drconsole(
        demo, "copy", "--recovery-point", rp, "--to", dest, "--delete-after-days", "30",
        "--yes", "--json", "--poll-interval", "0.2",
    )  # fmt: skip
    assert copied.returncode == 0, copied.stdout + copied.stderr
    assert json.loads(copied.stdout.splitlines()[-1])["status"] == "completed"
    (copy,) = backup.list_recovery_points_by_backup_vault(BackupVaultName="air-gapped")[
        "RecoveryPoints"
    ]
    assert copy["VaultType"] == "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"


def test_a_copy_back_out_of_an_air_gapped_vault_passes_its_aws_owned_key(demo: Env) -> None:
    backup_account, region = demo.info.accounts["backup"], demo.info.region
    backup = demo.sandbox.client("backup", backup_account, region)
    backup.create_logically_air_gapped_backup_vault(
        BackupVaultName="air-gapped-back", MinRetentionDays=7, MaxRetentionDays=3650
    )
    key_arn = backup.describe_backup_vault(BackupVaultName="air-gapped-back")["EncryptionKeyArn"]
    prod = demo.info.accounts["prod"]
    rp = seed_recovery_point(
        backup_account,
        region,
        "air-gapped-back",
        resource_arn=f"arn:aws:s3:::prod-assets-{prod}",
        resource_type="S3",
        resource_name="prod-assets",
        created=datetime.now(UTC) - timedelta(days=1),
        encryption_key_arn=key_arn,
        size_bytes=2**30,
        delete_after_days=30,
    )
    described = backup.describe_recovery_point(
        BackupVaultName="air-gapped-back", RecoveryPointArn=rp
    )
    assert described["EncryptionKeyType"] == "AWS_OWNED_KMS_KEY"
    checks = check(demo, rp, demo.vault("prod", "prod-vault"))
    source_key = checks["source.key"]
    assert source_key["status"] == "PASS", source_key
    assert "AWS owned key" in source_key["evidence"]


def test_a_vault_key_in_an_account_drconsole_cannot_enter_names_what_to_verify(
    demo: Env,
) -> None:
    backup_account, region = demo.info.accounts["backup"], demo.info.region
    backup = demo.sandbox.client("backup", backup_account, region)
    key_arn = f"arn:aws:kms:{region}:{CLOSED_ACCOUNT}:key/11111111-aaaa-bbbb-cccc-222222222222"
    backup.create_backup_vault(BackupVaultName="key-elsewhere", EncryptionKeyArn=key_arn)
    open_to_organization(demo, "key-elsewhere")
    checks = check(demo, prod_ebs_point(demo), demo.vault("backup", "key-elsewhere"))
    vault = checks["dest.vault"]
    assert vault["status"] == "UNKNOWN", vault
    assert f"only its account {CLOSED_ACCOUNT} may read the key's policy" in vault["evidence"]
    remedy = vault["remediation"]
    assert remedy.startswith(f"In account {CLOSED_ACCOUNT} (the key's owner), check that")
    assert f"AllowBackupCopyGrantsBy{backup_account}" in remedy
    assert "AWSServiceRoleForBackup" in remedy


def test_a_vault_key_in_a_closed_account_is_described_from_the_vault_account(
    demo: Env,
) -> None:
    """DescribeKey works across accounts where the key policy allows it: the key's state is
    judged from the vault's account; only its policy (GetKeyPolicy: no cross-account use)
    stays to verify in the key's account."""
    backup_account, region = demo.info.accounts["backup"], demo.info.region
    kms = demo.sandbox.client("kms", CLOSED_ACCOUNT, region)
    owner = f"arn:aws:iam::{CLOSED_ACCOUNT}:root"
    shared = {"AWS": [owner, f"arn:aws:iam::{backup_account}:root"]}
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": owner}, "Action": "kms:*", "Resource": "*"},
            {"Effect": "Allow", "Principal": shared, "Action": "kms:*", "Resource": "*"},
        ],
    }
    key = kms.create_key(Policy=json.dumps(policy))["KeyMetadata"]
    backup = demo.sandbox.client("backup", backup_account, region)
    backup.create_backup_vault(BackupVaultName="key-shared-in", EncryptionKeyArn=key["Arn"])
    open_to_organization(demo, "key-shared-in")
    dest = demo.vault("backup", "key-shared-in")
    vault = check(demo, prod_ebs_point(demo), dest)["dest.vault"]
    assert vault["status"] == "UNKNOWN", vault
    assert f"described from account {backup_account}" in vault["evidence"]
    assert vault["remediation"].startswith(f"In account {CLOSED_ACCOUNT} (the key's owner)")
    kms.disable_key(KeyId=key["KeyId"])
    vault = check(demo, prod_ebs_point(demo), dest)["dest.vault"]
    assert (vault["status"], vault["cause"]) == ("FAIL", "KMS_KEY_UNUSABLE"), vault
    assert "is Disabled" in vault["evidence"]
    assert vault["remediation"].startswith(f"In account {CLOSED_ACCOUNT}, enable it")


def test_a_vault_key_whose_policy_denies_the_destination_backup_fails(demo: Env) -> None:
    backup_account, region = demo.info.accounts["backup"], demo.info.region
    kms = demo.sandbox.client("kms", backup_account, region)
    key = kms.create_key(Description="vault key denying AWS Backup")["KeyMetadata"]
    slr = (
        f"arn:aws:iam::{backup_account}:role/aws-service-role/backup.amazonaws.com/"
        "AWSServiceRoleForBackup"
    )
    statements = [
        {
            "Sid": "EnableIam",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{backup_account}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "NoBackup",
            "Effect": "Deny",
            "Principal": {"AWS": slr},
            "Action": ["kms:CreateGrant", "kms:Encrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
        },
    ]
    kms.put_key_policy(
        KeyId=key["KeyId"],
        PolicyName="default",
        Policy=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )
    backup = demo.sandbox.client("backup", backup_account, region)
    backup.create_backup_vault(BackupVaultName="key-denies", EncryptionKeyArn=key["Arn"])
    open_to_organization(demo, "key-denies")
    checks = check(demo, prod_ebs_point(demo), demo.vault("backup", "key-denies"))
    vault = checks["dest.vault"]
    assert (vault["status"], vault["cause"]) == ("FAIL", "KMS_KEY_UNUSABLE"), json.dumps(vault)
    assert "kms:CreateGrant" in vault["evidence"] and slr in vault["evidence"]
    assert "remove or narrow the deny statement" in vault["remediation"]
    assert "NoBackup" in vault["remediation"]


def test_an_ami_encrypted_without_a_key_arn_is_not_a_pass(demo: Env) -> None:
    prod, region = demo.info.accounts["prod"], demo.info.region
    rp = seed_recovery_point(
        prod,
        region,
        "prod-vault",
        resource_arn=f"arn:aws:ec2:{region}:{prod}:instance/i-0123456789abcdef0",
        resource_type="EC2",
        resource_name="prod-app-server",
        created=datetime.now(UTC) - timedelta(hours=5),
        encryption_key_arn=None,
        size_bytes=2**30,
        is_encrypted=True,
    )
    checks = check(demo, rp, demo.vault("backup", "central-eu-central-1"))
    source_key = checks["source.key"]
    assert (source_key["status"], source_key["cause"]) == ("UNKNOWN", "UNKNOWN"), source_key
    assert "IsEncrypted" in source_key["evidence"]
    image = rp.rsplit("/", 1)[-1]
    assert f"describe-images --region {region} --image-ids {image}" in source_key["remediation"]
