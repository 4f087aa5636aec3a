"""A copy-and-restore flow whose restore checks block the form's answers (a name already
taken) is not stuck: `jobs --resume --flow ID --metadata KEY=VALUE` changes them while its
restore request is not confirmed, and is refused once it is. Real processes, real sandbox."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_cli_copy import (
    EU,
    SandboxProcess,
    audit_requests,
    drconsole,
    has,
    journal,
    kill_when,
    prod_vault,
    sandbox_process,
    spawn,
)

TAKEN = "prod-orders-db-restore-test"  # a DB the demo's prod already holds


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxProcess]:
    yield from sandbox_process()


def orders_copy(sb: SandboxProcess, n: int = 0) -> str:
    """A recovery point of prod-orders-db in the backup account's central vault."""
    backup = sb.client("backup", "backup", EU)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="central-eu-central-1")
    mine = [p for p in points["RecoveryPoints"] if p.get("ResourceName") == "prod-orders-db"]
    mine.sort(key=lambda p: p["CreationDate"], reverse=True)
    return str(mine[n]["RecoveryPointArn"])


def copy_and_restore(sb: SandboxProcess, *extra: str) -> list[str]:
    return [
        "copy", "--recovery-point", orders_copy(sb), "--source-account", sb.accounts["backup"],
        "--to", prod_vault(sb), "--restore", "--allow-duplicate-copy", *extra, "--yes",
        "--json", "--poll-interval", "0.2",
    ]  # fmt: skip


def db_exists(sb: SandboxProcess, name: str) -> bool:
    rds = sb.client("rds", "prod", EU)
    try:
        return bool(rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"])
    except rds.exceptions.DBInstanceNotFoundFault:
        return False


def restore_starts(tmp_path: Path) -> list[dict[str, Any]]:
    return [c for c in audit_requests(tmp_path) if c["operation"] == "backup:StartRestoreJob"]


def test_a_restore_blocked_on_a_taken_name_is_resumed_under_a_free_name(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    blocked = drconsole(
        sandbox, tmp_path, *copy_and_restore(sandbox, "--metadata", f"DBInstanceIdentifier={TAKEN}")
    )
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    events = [json.loads(line) for line in blocked.stdout.splitlines()]
    assert events[-1]["status"] == "blocked", events[-1]
    assert events[-1]["cause"] == "RESOURCE_ALREADY_EXISTS", events[-1]
    flow = events[-1]["flow"]
    records = journal(tmp_path)
    assert has(records, "restore-form") and not has(records, "start", "restore")

    listed = drconsole(sandbox, tmp_path, "jobs")
    assert f"drconsole jobs --resume --flow {flow} --metadata KEY=VALUE" in listed.stdout, (
        listed.stdout
    )

    # A bad value: one line, exit 2, nothing journaled, nothing sent.
    bad = drconsole(
        sandbox, tmp_path, "jobs", "--resume", "--flow", flow, "--metadata",
        "DBInstanceIdentifier=bad--name",
    )  # fmt: skip
    assert bad.returncode == 2, bad.stdout + bad.stderr
    assert bad.stderr.count("\n") == 1 and "DBInstanceIdentifier" in bad.stderr, bad.stderr
    assert "Traceback" not in bad.stderr
    assert journal(tmp_path) == records and restore_starts(tmp_path) == []

    free = "prod-orders-db-again"
    assert not db_exists(sandbox, free)
    done = drconsole(
        sandbox, tmp_path, "jobs", "--resume", "--flow", flow, "--metadata",
        f"DBInstanceIdentifier={free}", "--json", "--poll-interval", "0.2",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["status"] == "completed", result
    assert db_exists(sandbox, free)
    [sent] = restore_starts(tmp_path)
    assert sent["parameters"]["Metadata"]["DBInstanceIdentifier"] == free
    forms = [r for r in journal(tmp_path) if r["type"] == "restore-form"]
    assert [f["metadata"]["DBInstanceIdentifier"] for f in forms] == [TAKEN, free]


def test_the_answers_of_a_confirmed_restore_are_not_changed_on_resume(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    process = spawn(
        sandbox, tmp_path, *copy_and_restore(sandbox, "--metadata", "DBInstanceIdentifier=p-o-k")
    )
    records = kill_when(process, tmp_path, "start", "restore")
    flow = next(r["flow"] for r in records if r["type"] == "plan")
    refused = drconsole(
        sandbox, tmp_path, "jobs", "--resume", "--flow", flow, "--metadata",
        "DBInstanceIdentifier=p-o-other",
    )  # fmt: skip
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "restore request of flow" in refused.stderr and "was confirmed" in refused.stderr
    assert "Traceback" not in refused.stderr
    after = journal(tmp_path)
    assert [r for r in after if r["type"] == "restore-form"] == [
        r for r in records if r["type"] == "restore-form"
    ]
    # Resumed as it was confirmed: the name journaled, not the one given.
    done = drconsole(
        sandbox, tmp_path, "jobs", "--resume", "--flow", flow, "--json", "--poll-interval", "0.2"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert {
        c["parameters"]["Metadata"]["DBInstanceIdentifier"] for c in restore_starts(tmp_path)
    } == {"p-o-k"}
