"""`copy --restore` into the central backup account is cautioned without `backup_account_id` in
the config: drconsole knows the account as readiness does (the organization names it), so with
--yes it needs --allow-backup-account-restore and, without it, nothing is journaled or sent."""

from __future__ import annotations

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
