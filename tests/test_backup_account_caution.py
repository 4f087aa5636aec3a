"""`copy --restore` into the central backup account is cautioned without `backup_account_id` in
the config: drconsole knows the account as readiness does (the organization names it), so with
--yes it needs --allow-backup-account-restore and, without it, nothing is journaled or sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_cli_copy import (
    EU,
    SandboxProcess,
    audit_requests,
    drconsole,
    journal,
    sandbox_process,
)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxProcess]:
    yield from sandbox_process()


def test_copy_restore_into_the_backup_account_is_cautioned_without_config(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    points = sandbox.client("backup", "prod", EU).list_recovery_points_by_backup_vault(
        BackupVaultName="prod-vault"
    )["RecoveryPoints"]
    rp = next(p["RecoveryPointArn"] for p in points if p["ResourceType"] == "DynamoDB")
    backup = sandbox.accounts["backup"]
    assert not (tmp_path / "xdg-config" / "drconsole" / "config.toml").exists()
    central = f"arn:aws:backup:{EU}:{backup}:backup-vault:central-eu-central-1"
    args = [
        "copy", "--recovery-point", rp, "--to", central, "--restore",
        "--metadata", "targetTableName=caution-t1", "--yes", "--allow-duplicate-copy",
        "--poll-interval", "0.2",
    ]  # fmt: skip
    copies = sandbox.client("backup", "prod", EU).list_copy_jobs()["CopyJobs"]
    refused = drconsole(sandbox, tmp_path, *args)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.stderr
    assert "--allow-backup-account-restore" in refused.stderr
    assert f"account {backup} ({EU}), the central backup account" in refused.stderr
    assert journal(tmp_path) == [] and audit_requests(tmp_path) == []
    assert sandbox.client("backup", "prod", EU).list_copy_jobs()["CopyJobs"] == copies

    done = drconsole(sandbox, tmp_path, *args, "--allow-backup-account-restore")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"arn:aws:dynamodb:{EU}:{backup}:table/caution-t1" in done.stdout


def test_a_workload_account_restoring_a_copy_of_another_account_s_resource_is_not_it(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """qa holding a copy of prod's table restores it in place: the organization names the
    backup account (another one), so qa is not taken for it — no caution, no flag needed."""
    qa, prod = sandbox.accounts["qa"], sandbox.accounts["prod"]
    points = sandbox.client("backup", "backup", EU).list_recovery_points_by_backup_vault(
        BackupVaultName="central-eu-central-1", ByResourceType="DynamoDB"
    )["RecoveryPoints"]
    rp = next(p["RecoveryPointArn"] for p in points if f":{prod}:" in p["ResourceArn"])
    qa_vault = f"arn:aws:backup:{EU}:{qa}:backup-vault:qa-vault"
    copied = drconsole(
        sandbox, tmp_path, "copy", "--recovery-point", rp, "--source-account",
        sandbox.accounts["backup"], "--to", qa_vault, "--yes",
        "--allow-duplicate-copy", "--poll-interval", "0.2", "--json",
    )  # fmt: skip
    assert copied.returncode == 0, copied.stdout + copied.stderr
    copy = json.loads(copied.stdout.splitlines()[-1])["result"]["recovery_point"]
    assert f":{qa}:" in copy

    done = drconsole(
        sandbox, tmp_path, "restore", "--recovery-point", copy, "--source-account", qa,
        "--metadata", "targetTableName=qa-copy-of-prod", "--yes", "--poll-interval", "0.2",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "central backup account" not in done.stdout + done.stderr
    tables = sandbox.client("dynamodb", "qa", EU).list_tables()["TableNames"]
    assert "qa-copy-of-prod" in tables
