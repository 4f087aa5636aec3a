"""`restore.key` on keys drconsole cannot read in their own account: a customer managed key in
an account drconsole has no role in (described from the restoring account, its policy left to
verify there) and an AWS owned key (a logically air-gapped vault's, which needs no key policy
from the operator). Real `drconsole check restore` and `check copy --restore` processes, and
readiness, on the embedded sandbox."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from drconsole.models import CauseCode, CheckStatus
from drconsole.readiness import RpoObjectives, evaluate_readiness
from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.server import SandboxOptions
from drconsole.sandbox.store import seed_recovery_point
from tests.demo_cli import demo_cli_env
from tests.demo_sessions import demo_sessions
from tests.test_cli_check import Env, as_json, drconsole

CLOSED_ACCOUNT = "999999999999"  # an account drconsole has no role in
RESTORE_ROLE = "role/service-role/AWSBackupDefaultServiceRole"
SLR = "role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup"


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


def closed_key(demo: Env, *shared_with: str) -> dict[str, Any]:
    """A key of CLOSED_ACCOUNT whose policy lets the accounts `shared_with` use it."""
    kms = demo.sandbox.client("kms", CLOSED_ACCOUNT, demo.info.region)
    owner = f"arn:aws:iam::{CLOSED_ACCOUNT}:root"
    statements = [
        {"Effect": "Allow", "Principal": {"AWS": owner}, "Action": "kms:*", "Resource": "*"}
    ]
    if shared_with:
        others = [f"arn:aws:iam::{account}:root" for account in shared_with]
        statements.append(
            {"Effect": "Allow", "Principal": {"AWS": others}, "Action": "kms:*", "Resource": "*"}
        )
    policy = {"Version": "2012-10-17", "Statement": statements}
    return dict(kms.create_key(Policy=json.dumps(policy))["KeyMetadata"])


def prod_table_point(demo: Env) -> str:
    backup = demo.sandbox.client("backup", demo.info.accounts["prod"], demo.info.region)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    chosen = [p for p in points["RecoveryPoints"] if p["ResourceType"] == "DynamoDB"]
    chosen.sort(key=lambda p: p["CreationDate"], reverse=True)
    return str(chosen[0]["RecoveryPointArn"])


def restore_key(demo: Env, *args: str) -> dict[str, Any]:
    """The restore.key check of `drconsole check restore ARGS --json`."""
    result = drconsole(demo, "check", "restore", *args, "--json")
    assert result.returncode in (0, 1), result.stdout + result.stderr
    checks = {c["id"]: c for c in as_json(result)["checks"]}
    return dict(checks["restore.key"])


def restore_with_key(demo: Env, key_arn: str, table: str) -> dict[str, Any]:
    return restore_key(
        demo, "--recovery-point", prod_table_point(demo), "--metadata",
        f"targetTableName={table}", "--metadata", "encryptionType=KMS", "--metadata",
        f"kmsMasterKeyArn={key_arn}",
    )  # fmt: skip


def test_a_key_in_a_closed_account_is_described_from_the_restoring_account(demo: Env) -> None:
    """The key's state is what the restoring account's DescribeKey answers; only its policy
    (GetKeyPolicy: no cross-account use) stays to verify in the key's account, with the
    statement the restore role and AWS Backup's service-linked role need."""
    prod = demo.info.accounts["prod"]
    key = closed_key(demo, prod)
    check = restore_with_key(demo, key["Arn"], "closed-key-shared")
    assert (check["status"], check["cause"]) == ("UNKNOWN", "ROLE_PERMISSIONS"), check
    evidence = check["evidence"]
    assert f"key {key['Arn']} is Enabled, as account {prod}'s DescribeKey answers" in evidence
    assert f"only its account {CLOSED_ACCOUNT} may read the key's policy" in evidence
    assert f"described from account {prod}" in evidence
    remedy = check["remediation"]
    assert remedy.startswith(f"In account {CLOSED_ACCOUNT} (the key's owner), check that"), remedy
    assert f"AllowRestoreInAccount{prod}" in remedy
    assert f"arn:aws:iam::{prod}:{RESTORE_ROLE}" in remedy
    assert f"arn:aws:iam::{prod}:{SLR}" in remedy
    # Not the remedy of a read refused elsewhere: no role to create in someone else's account.
    assert "create that role" not in remedy

    demo.sandbox.client("kms", CLOSED_ACCOUNT, demo.info.region).disable_key(KeyId=key["KeyId"])
    check = restore_with_key(demo, key["Arn"], "closed-key-disabled")
    assert (check["status"], check["cause"]) == ("FAIL", "KMS_KEY_UNUSABLE"), check
    assert f"key {key['Arn']} is Disabled" in check["evidence"]
    assert f"as account {prod}'s DescribeKey answers" in check["evidence"]
    assert check["remediation"].startswith(f"In account {CLOSED_ACCOUNT}, make the key usable")
    assert f"aws kms enable-key --key-id {key['Arn']}" in check["remediation"]


def test_a_key_in_a_closed_account_that_no_one_here_may_read_stays_unknown(demo: Env) -> None:
    """Neither the key's account (no role) nor the restoring account (the key policy does not
    name it) can read the key: UNKNOWN, saying both, with what to verify in the key's
    account."""
    prod = demo.info.accounts["prod"]
    key = closed_key(demo)
    check = restore_with_key(demo, key["Arn"], "closed-key-private")
    assert (check["status"], check["cause"]) == ("UNKNOWN", "ROLE_PERMISSIONS"), check
    evidence = check["evidence"]
    assert f"key {key['Arn']} could not be judged" in evidence
    assert "sts:AssumeRole" in evidence and f"from account {prod}" in evidence
    assert "kms:DescribeKey" in evidence
    remedy = check["remediation"]
    assert remedy.startswith(f"In account {CLOSED_ACCOUNT} (the key's owner), check that"), remedy
    assert f"AllowRestoreInAccount{prod}" in remedy


def air_gapped_vault(demo: Env, name: str) -> str:
    """A logically air-gapped vault of the backup account (AWS owned key), open to the
    organization; its key ARN."""
    backup_account, region = demo.info.accounts["backup"], demo.info.region
    backup = demo.sandbox.client("backup", backup_account, region)
    backup.create_logically_air_gapped_backup_vault(
        BackupVaultName=name, MinRetentionDays=7, MaxRetentionDays=3650
    )
    policy = backup.get_backup_vault_access_policy(BackupVaultName="central-eu-central-1")
    backup.put_backup_vault_access_policy(BackupVaultName=name, Policy=policy["Policy"])
    return str(backup.describe_backup_vault(BackupVaultName=name)["EncryptionKeyArn"])


def test_a_recovery_point_on_an_aws_owned_key_passes_without_a_key_policy(demo: Env) -> None:
    backup_account, region = demo.info.accounts["backup"], demo.info.region
    key_arn = air_gapped_vault(demo, "air-gapped-restore")
    rp = seed_recovery_point(
        backup_account,
        region,
        "air-gapped-restore",
        resource_arn=f"arn:aws:dynamodb:{region}:{backup_account}:table/ledger",
        resource_type="DynamoDB",
        resource_name="ledger",
        created=datetime.now(UTC) - timedelta(days=1),
        encryption_key_arn=key_arn,
        size_bytes=2**20,
        delete_after_days=30,
    )
    backup = demo.sandbox.client("backup", backup_account, region)
    described = backup.describe_recovery_point(
        BackupVaultName="air-gapped-restore", RecoveryPointArn=rp
    )
    assert described["EncryptionKeyType"] == "AWS_OWNED_KMS_KEY"
    check = restore_key(
        demo, "--recovery-point", rp, "--metadata", "targetTableName=ledger-restored"
    )
    assert check["status"] == "PASS", json.dumps(check)
    assert f"AWS owned key {key_arn} (EncryptionKeyType AWS_OWNED_KMS_KEY)" in check["evidence"]
    assert "no key policy" in check["evidence"]
    # The check predicts the sandbox: the restore, AWS's metadata naming the same key, completes.
    restored = drconsole(
        demo, "restore", "--recovery-point", rp, "--metadata", "targetTableName=ledger-restored",
        "--allow-backup-account-restore", "--yes", "--json", "--poll-interval", "0.2",
    )  # fmt: skip
    assert restored.returncode == 0, restored.stdout[-800:] + restored.stderr
    assert json.loads(restored.stdout.splitlines()[-1])["status"] == "completed"
    dynamodb = demo.sandbox.client("dynamodb", backup_account, region)
    assert dynamodb.describe_table(TableName="ledger-restored")["Table"]["TableStatus"]


def test_a_restore_after_a_copy_into_an_air_gapped_vault_passes_its_aws_owned_key(
    demo: Env,
) -> None:
    """`check copy --restore`: the copy is encrypted with the vault's AWS owned key, which
    the restore in the vault's account then uses."""
    key_arn = air_gapped_vault(demo, "air-gapped-copy-restore")
    rp = prod_table_point(demo)
    dest = demo.vault("backup", "air-gapped-copy-restore")
    result = drconsole(
        demo, "check", "copy", "--recovery-point", rp, "--to", dest, "--restore",
        "--delete-after-days", "30", "--json",
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stdout + result.stderr
    restore = {c["id"]: c for c in as_json(result)["restore"]["checks"]}
    check = restore["restore.key"]
    assert check["status"] == "PASS", json.dumps(check)
    assert f"AWS owned key {key_arn}" in check["evidence"]


def test_a_restore_after_a_copy_into_a_vault_keyed_in_a_closed_account(demo: Env) -> None:
    """`check copy --restore` into a vault whose key lives in an account drconsole cannot
    enter: the key is described from the vault's account, where the restore runs."""
    backup_account, region = demo.info.accounts["backup"], demo.info.region
    key = closed_key(demo, backup_account)
    backup = demo.sandbox.client("backup", backup_account, region)
    backup.create_backup_vault(BackupVaultName="restore-key-elsewhere", EncryptionKeyArn=key["Arn"])
    policy = backup.get_backup_vault_access_policy(BackupVaultName="central-eu-central-1")
    backup.put_backup_vault_access_policy(
        BackupVaultName="restore-key-elsewhere", Policy=policy["Policy"]
    )
    dest = demo.vault("backup", "restore-key-elsewhere")
    result = drconsole(
        demo, "check", "copy", "--recovery-point", prod_table_point(demo), "--to", dest,
        "--restore", "--json",
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stdout + result.stderr
    restore = {c["id"]: c for c in as_json(result)["restore"]["checks"]}
    check = restore["restore.key"]
    assert (check["status"], check["cause"]) == ("UNKNOWN", "ROLE_PERMISSIONS"), check
    assert f"as account {backup_account}'s DescribeKey answers" in check["evidence"]
    remedy = check["remediation"]
    assert remedy.startswith(f"In account {CLOSED_ACCOUNT} (the key's owner), check that"), remedy
    assert f"AllowRestoreInAccount{backup_account}" in remedy


def test_readiness_names_what_to_verify_for_a_vault_key_in_a_closed_account(
    demo: Env, tmp_path: Path
) -> None:
    """Readiness's restore into a member vault keyed in an account drconsole cannot enter, and
    whose key policy does not let the member describe it either: the same remedy as
    `check restore`, not a role to create in someone else's account."""
    qa, region = demo.info.accounts["qa"], demo.info.region
    key = closed_key(demo)
    backup = demo.sandbox.client("backup", qa, region)
    backup.create_backup_vault(BackupVaultName="qa-key-elsewhere", EncryptionKeyArn=key["Arn"])
    report = evaluate_readiness(
        demo_sessions(demo.sandbox, demo.info, tmp_path),
        accounts=["qa"],
        objectives=RpoObjectives(timedelta(hours=24), ()),
    )
    runs = [
        run
        for row in report.rows
        for run in row.restore
        if run.destination_vault_arn.endswith(":backup-vault:qa-key-elsewhere")
    ]
    (check,) = [c for run in runs for c in run.checks if c.id == "restore.key"]
    assert (check.status, check.cause) == (CheckStatus.UNKNOWN, CauseCode.ROLE_PERMISSIONS)
    assert f"key {key['Arn']} could not be judged" in check.evidence
    assert f"from account {qa}" in check.evidence
    assert check.remediation.startswith(f"In account {CLOSED_ACCOUNT} (the key's owner)")
    assert f"AllowRestoreInAccount{qa}" in check.remediation
