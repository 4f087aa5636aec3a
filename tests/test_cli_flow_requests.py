"""What the operator confirms is what is sent: a secret metadata value (sent as typed, printed
nowhere, asked again on a resume), a role ARN of another account, mistyped and repeated metadata
keys. Real `drconsole` processes against a `drconsole sandbox` process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.test_cli_copy import (
    EU,
    NORTH,
    Prompted,
    SandboxProcess,
    audit_requests,
    drconsole,
    journal,
    kill_when,
    sandbox_process,
    spawn,
)

SECRET = "Sup3rS3cretValue9"
POLL = ("--poll-interval", "0.2")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxProcess]:
    yield from sandbox_process()


def prod_point(sb: SandboxProcess, resource_type: str) -> str:
    """The newest recovery point of that type in prod's own vault (restored in place there)."""
    backup = sb.client("backup", "prod", EU)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    chosen = [p for p in points["RecoveryPoints"] if p["ResourceType"] == resource_type]
    chosen.sort(key=lambda p: p["CreationDate"], reverse=True)
    return str(chosen[0]["RecoveryPointArn"])


def restore_jobs(sb: SandboxProcess, rp: str) -> list[dict[str, Any]]:
    jobs = sb.client("backup", "prod", EU).list_restore_jobs()["RestoreJobs"]
    return [j for j in jobs if j["RecoveryPointArn"] == rp]


def sent_with(sb: SandboxProcess, start: dict[str, Any], value: str) -> str | None:
    """Send the journaled StartRestoreJob again, its secret set to `value`, with its token: the
    sandbox answers with the job that token started only if the first call carried the same
    parameters (else "already used with different parameters"); the job id, or None."""
    request = dict(start["request"])
    request["Metadata"] = {**request["Metadata"], "MasterUserPassword": value}
    try:
        return str(sb.client("backup", "prod", EU).start_restore_job(**request)["RestoreJobId"])
    except ClientError as error:
        assert "already used with different parameters" in str(error)
        return None


def only(records: list[dict[str, Any]], kind: str, step: str = "restore") -> dict[str, Any]:
    found = [r for r in records if r["type"] == kind and r.get("step") == step]
    assert len(found) == 1, found
    return found[0]


def test_a_secret_metadata_value_is_sent_as_typed_and_printed_nowhere(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    rp = prod_point(sandbox, "RDS")
    done = drconsole(
        sandbox,
        tmp_path,
        "restore",
        "--recovery-point",
        rp,
        "--metadata",
        f"MasterUserPassword={SECRET}",
        "--yes",
        "--json",
        *POLL,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    planned = next(e for e in events if e["event"] == "flow-planned")
    assert planned["requests"][0]["request"]["Metadata"]["MasterUserPassword"] == "<redacted>"
    assert SECRET not in done.stdout + done.stderr
    state = tmp_path / "xdg-state" / "drconsole"
    for path in state.rglob("*"):
        assert not path.is_file() or SECRET not in path.read_text(), path
    records = journal(tmp_path)
    start, job = only(records, "start"), only(records, "job")
    # The sandbox saw the value typed, not the journal's marker.
    assert sent_with(sandbox, start, SECRET) == job["job_id"]
    assert sent_with(sandbox, start, "<redacted>") is None


def test_a_resume_asks_again_for_a_secret_and_sends_it_or_nothing(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """Killed right after the `start` record (its call sent or not): a resume without the
    secret refuses, nothing sent; with it, the same request is sent with the same token."""
    rp = prod_point(sandbox, "RDS")
    before = len(restore_jobs(sandbox, rp))
    first = spawn(
        sandbox,
        tmp_path,
        "restore",
        "--recovery-point",
        rp,
        "--metadata",
        f"MasterUserPassword={SECRET}",
        "--yes",
        *POLL,
    )
    kill_when(first, tmp_path, "start", "restore")
    # The kill may have come after StartRestoreJob was sent, or even after its job id was
    # journaled: the journal is cut after `start`, as a kill a moment earlier leaves it.
    path = tmp_path / "xdg-state" / "drconsole" / "journal.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if json.loads(line)["type"] == "start")
    path.write_text("".join(lines[: cut + 1]))
    jobs_then = len(restore_jobs(sandbox, rp))
    assert jobs_then in (before, before + 1)
    starts_then = len(audit_requests(tmp_path))

    for refused in (
        drconsole(sandbox, tmp_path, "jobs", "--resume", "--json", *POLL),
        drconsole(sandbox, tmp_path, "jobs", "--resume", *POLL),  # not a terminal: no prompt
    ):
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "MasterUserPassword" in refused.stdout + refused.stderr
        assert "--metadata KEY=VALUE" in refused.stdout + refused.stderr
    assert len(restore_jobs(sandbox, rp)) == jobs_then
    assert len(audit_requests(tmp_path)) == starts_then  # not even an intent to send

    done = drconsole(
        sandbox,
        tmp_path,
        "jobs",
        "--resume",
        "--json",
        "--flow",
        only(journal(tmp_path), "start")["flow"],
        "--metadata",
        f"MasterUserPassword={SECRET}",
        *POLL,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert SECRET not in done.stdout + done.stderr
    records = journal(tmp_path)
    # The call sent again is journaled again (its time bounds a clean-up's look-up), same token.
    starts = [r for r in records if r["type"] == "start" and r.get("step") == "restore"]
    assert len(starts) == 2 and len({r["token"] for r in starts}) == 1, starts
    start, job = starts[-1], only(records, "job")
    assert len(restore_jobs(sandbox, rp)) == before + 1  # one job, whichever window
    assert sent_with(sandbox, start, SECRET) == job["job_id"]


def test_in_a_terminal_a_resume_asks_for_the_secret_without_echo(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    rp = prod_point(sandbox, "RDS")
    first = spawn(
        sandbox,
        tmp_path,
        "restore",
        "--recovery-point",
        rp,
        "--metadata",
        f"MasterUserPassword={SECRET}",
        "--yes",
        *POLL,
    )
    # Once the request is confirmed (journaled), before the restore's `start` or just after it.
    kill_when(first, tmp_path, "confirmed")
    term = Prompted(sandbox, tmp_path, "jobs", "--resume", *POLL)
    try:
        term.wait_for("MasterUserPassword (as confirmed when the flow started)")
        term.send(*SECRET, "Enter")
        shown = term.wait_for("EXIT=")
        assert "EXIT=0" in shown and "completed" in shown, shown
        assert SECRET not in shown  # not echoed, not printed
    finally:
        term.close()
    records = journal(tmp_path)
    start, job = only(records, "start"), only(records, "job")
    assert sent_with(sandbox, start, SECRET) == job["job_id"]


@pytest.mark.parametrize(
    ("command", "flag", "account_role", "words"),
    [
        (["copy", "--to", "{backup_north}", "--route", "single"], "--copy-role", "backup", "hop 1"),
        (["copy", "--to", "{backup_north}", "--route", "two-hop"], "--copy-role", "prod", "hop 2"),
        (["copy", "--to", "{backup_north}"], "--copy-role", "prod", "hop 2"),
        (["restore"], "--restore-role", "backup", "the restore runs in account {prod}"),
        (
            ["copy", "--to", "{backup_north}", "--restore"],
            "--restore-role",
            "prod",
            "the restore runs in account {backup}",
        ),
    ],
)
def test_a_role_arn_of_another_account_is_refused_before_any_call(
    sandbox: SandboxProcess,
    tmp_path: Path,
    command: list[str],
    flag: str,
    account_role: str,
    words: str,
) -> None:
    accounts = sandbox.accounts
    names = {
        "backup_north": f"arn:aws:backup:{NORTH}:{accounts['backup']}:backup-vault:dr-{NORTH}",
        **accounts,
    }
    role = f"arn:aws:iam::{accounts[account_role]}:role/service-role/AWSBackupDefaultServiceRole"
    args = [part.format(**names) for part in command]
    rp = prod_point(sandbox, "RDS")
    # Nothing listens on port 9: any AWS call would end in a network error (exit 3).
    done = drconsole(
        sandbox,
        tmp_path,
        *args,
        "--recovery-point",
        rp,
        flag,
        role,
        "--yes",
        endpoint="http://127.0.0.1:9",
    )
    assert done.returncode == 2, done.stdout + done.stderr
    line = done.stderr.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in line
    assert flag in line and f"account {accounts[account_role]}" in line
    assert words.format(**names) in line
    assert not (tmp_path / "xdg-state" / "drconsole").exists()


def test_the_copy_role_check_fails_for_a_role_of_another_account(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """`check copy --role-arn` (no flow, so no up-front refusal) says FAIL, not PASS."""
    rp = prod_point(sandbox, "EFS")
    backup = sandbox.accounts["backup"]
    done = drconsole(
        sandbox,
        tmp_path,
        "check",
        "copy",
        "--recovery-point",
        rp,
        "--to",
        f"arn:aws:backup:{EU}:{backup}:backup-vault:central-{EU}",
        "--role-arn",
        f"arn:aws:iam::{backup}:role/service-role/AWSBackupDefaultServiceRole",
        "--json",
    )
    checks = {c["id"]: c for c in json.loads(done.stdout)["checks"]}
    assert checks["source.copy-role"]["status"] == "FAIL", checks["source.copy-role"]
    assert f"is in account {backup}" in checks["source.copy-role"]["evidence"]


@pytest.mark.parametrize(
    ("metadata", "words"),
    [
        (["targetTableNmae=orders-restore-test"], "did you mean targetTableName?"),
        (
            ["targetTableName=dupcase-aaa", "TARGETTABLENAME=dupcase-bbb"],
            "given as targetTableName and TARGETTABLENAME",
        ),
    ],
)
def test_a_mistyped_or_repeated_metadata_key_is_refused_before_any_job(
    sandbox: SandboxProcess, tmp_path: Path, metadata: list[str], words: str
) -> None:
    rp = prod_point(sandbox, "DynamoDB")
    before = len(restore_jobs(sandbox, rp))
    pairs = [part for value in metadata for part in ("--metadata", value)]
    done = drconsole(sandbox, tmp_path, "restore", "--recovery-point", rp, *pairs, "--yes")
    assert done.returncode == 2, done.stdout + done.stderr
    line = done.stderr.strip()
    assert len(line.splitlines()) == 1 and words in line
    assert journal(tmp_path) == [] and audit_requests(tmp_path) == []
    assert len(restore_jobs(sandbox, rp)) == before


def test_an_unknown_key_of_a_type_not_fully_documented_is_warned_about(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """RDS restores take more of RestoreDBInstanceFromDBSnapshot than AWS lists: a key
    drconsole does not know is sent, with a warning naming the closest known one."""
    rp = prod_point(sandbox, "RDS")
    done = drconsole(
        sandbox,
        tmp_path,
        "restore",
        "--recovery-point",
        rp,
        "--metadata",
        "DBInstanceClas=db.t3.micro",
        "--yes",
        *POLL,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning: --metadata DBInstanceClas" in done.stderr
    assert "did you mean DBInstanceClass?" in done.stderr
