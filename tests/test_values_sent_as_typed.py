"""A value that merely looks like a credential (a table name of 40 mixed-case letters and digits,
or one that begins like an access key id) is a value: the confirmation shows it, the journal and
the audit log keep it, and AWS gets it, on the first run, after a copy, on a resume and in a
drill. Real `drconsole` processes against a sandbox; outcomes read with plain boto3."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from tests.test_cli_copy import (
    EU,
    Prompted,
    SandboxProcess,
    audit_requests,
    drconsole,
    journal,
    kill_when,
    newest,
    prod_vault,
    sandbox_process,
    spawn,
)
from tests.test_drill_run import demo_sandbox, drill, env_for, gone, result_of, table_runbook

# Legal DynamoDB table names that the credential-shape heuristics match: a 40-character
# mixed-case run (a secret access key's shape) and an access key id's shape (ASIA + 12..28).
SECRET_KEY_SHAPED = "OrdersRestoreTable2026DecemberFifthRun01"
KEY_ID_SHAPED = "ASIAPACIFICORDERS2026"
POLL = ("--poll-interval", "0.2")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxProcess]:
    yield from sandbox_process()


drill_sandbox = pytest.fixture(scope="module", name="drill_sandbox")(demo_sandbox)


def prod_table_point(sb: SandboxProcess) -> str:
    backup = sb.client("backup", "prod", EU)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    chosen = [p for p in points["RecoveryPoints"] if p["ResourceType"] == "DynamoDB"]
    chosen.sort(key=lambda p: p["CreationDate"], reverse=True)
    return str(chosen[0]["RecoveryPointArn"])


def tables(sb: SandboxProcess) -> list[str]:
    return list(sb.client("dynamodb", "prod", EU).list_tables()["TableNames"])


def events(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def restore_records(tmp_path: Path) -> dict[str, Any]:
    """The target table name as each journal record holding it keeps it."""
    found: dict[str, Any] = {}
    for record in journal(tmp_path):
        if record["type"] == "plan":
            found["plan"] = record["plan"]["metadata"].get("targetTableName")
        elif record["type"] == "confirmed":
            for request in record["requests"]:
                if request["step"] == "restore":
                    found["confirmed"] = request["request"]["Metadata"]["targetTableName"]
        elif record["type"] == "start" and record["step"] == "restore":
            found["start"] = record["request"]["Metadata"]["targetTableName"]
    return found


@pytest.mark.parametrize("name", [SECRET_KEY_SHAPED, KEY_ID_SHAPED])
def test_a_credential_shaped_name_is_shown_journaled_audited_and_sent_as_typed(
    sandbox: SandboxProcess, tmp_path: Path, name: str
) -> None:
    rp = prod_table_point(sandbox)
    done = drconsole(
        sandbox, tmp_path, "restore", "--recovery-point", rp,
        "--metadata", f"targetTableName={name}", "--yes", "--json", *POLL,
    )  # fmt: skip
    lines = events(done.stdout)
    planned = next(e for e in lines if e["event"] == "flow-planned")
    shown = planned["requests"][0]["request"]["Metadata"]["targetTableName"]
    assert (shown, done.returncode) == (name, 0), done.stdout[-1500:] + done.stderr
    assert name in tables(sandbox)
    assert restore_records(tmp_path) == {"plan": name, "confirmed": name, "start": name}
    (sent,) = audit_requests(tmp_path)
    assert sent["parameters"] == planned["requests"][0]["request"]
    assert sent["outcome"] == "ok"


def test_in_a_terminal_the_confirmation_shows_the_name(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """Without `--yes`: the requests printed under "sent exactly as shown" hold the name."""
    name = "PlainTextShownName2026DecemberFifthRun02"
    term = Prompted(
        sandbox, tmp_path, "restore", "--recovery-point", prod_table_point(sandbox),
        "--metadata", f"targetTableName={name}", *POLL,
    )  # fmt: skip
    try:
        answered, deadline = 0, time.monotonic() + 90
        while "Start these jobs?" not in term.screen() and time.monotonic() < deadline:
            prompts = term.prompts()  # the restore form: each default accepted
            if len(prompts) > answered:
                term.send("Enter")
                answered = len(prompts)
            time.sleep(0.3)
        shown = term.wait_for("Start these jobs?").split("sent exactly as shown", 1)[1]
        term.send("y", "Enter")
        assert "EXIT=0" in term.wait_for("EXIT="), term.screen()
    finally:
        term.close()
    assert f'"targetTableName": "{name}"' in shown and "<redacted>" not in shown, shown
    assert name in tables(sandbox)


def test_a_restore_after_a_copy_sends_the_name_as_typed(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """The restore after the copy is built from the journaled plan's metadata."""
    name = "CopiedBackTable2026DecemberFifthRun03Abc"
    rp = newest(sandbox, "central-eu-central-1", EU, "DynamoDB")
    done = drconsole(
        sandbox, tmp_path, "copy", "--recovery-point", rp, "--to", prod_vault(sandbox),
        "--restore", "--metadata", f"targetTableName={name}", "--yes", "--json",
        "--allow-duplicate-copy", *POLL,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-1500:] + done.stderr
    ready = [e["request"] for e in events(done.stdout) if e["event"] == "request-ready"]
    assert [r["request"]["Metadata"]["targetTableName"] for r in ready] == [name]
    assert name in tables(sandbox)
    assert [s["parameters"] for s in audit_requests(tmp_path)][-1] == ready[0]["request"]


def killed_after_start(sb: SandboxProcess, tmp_path: Path, name: str) -> Path:
    """A restore killed once its StartRestoreJob is journaled, the journal cut right after that
    record (as a kill a moment earlier leaves it); the journal's path."""
    process = spawn(
        sb, tmp_path, "restore", "--recovery-point", prod_table_point(sb),
        "--metadata", f"targetTableName={name}", "--yes", *POLL,
    )  # fmt: skip
    kill_when(process, tmp_path, "start", "restore")
    path = tmp_path / "xdg-state" / "drconsole" / "journal.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if json.loads(line)["type"] == "start")
    path.write_text("".join(lines[: cut + 1]))
    return path


def test_a_resumed_restore_sends_the_journaled_name_as_typed(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    name = "ResumedRestoreTable2026DecemberFifthRun4"
    killed_after_start(sandbox, tmp_path, name)
    done = drconsole(sandbox, tmp_path, "jobs", "--resume", "--json", *POLL)
    assert done.returncode == 0, done.stdout[-1500:] + done.stderr
    assert name in tables(sandbox)
    starts = [r for r in journal(tmp_path) if r["type"] == "start"]
    assert [s["request"]["Metadata"]["targetTableName"] for s in starts] == [name, name]


def test_a_journal_holding_the_marker_in_place_of_a_value_is_never_sent(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """A journal that an earlier drconsole wrote with a credential-shaped name redacted: the
    resume refuses in one line naming the parameter (exit 2), and sends nothing."""
    name = "OlderJournalTableName2026DecemberFifth05"
    path = killed_after_start(sandbox, tmp_path, name)
    path.write_text(path.read_text().replace(name, "<redacted>"))
    sent_before = len(audit_requests(tmp_path))
    refused = drconsole(sandbox, tmp_path, "jobs", "--resume", *POLL)
    assert refused.returncode == 2, refused.stdout[-1500:] + refused.stderr
    assert "Metadata.targetTableName" in refused.stderr and "--abandon" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert len(audit_requests(tmp_path)) == sent_before  # not even an intent to send
    assert "<redacted>" not in tables(sandbox)


def test_a_drill_restores_and_cleans_up_a_credential_shaped_name(
    drill_sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = drill_sandbox
    recovery = info.accounts["recovery"]
    runbook = table_runbook(tmp_path, info, SECRET_KEY_SHAPED)
    done = drill(env_for(sb, info, tmp_path), "run", str(runbook), "--yes", "--json")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    result = result_of(done)
    assert result["verdict"] == "passed"
    report = json.loads((Path(result["report_dir"]) / "report.json").read_text())
    deleted = [c["arn"] for t in report["targets"] for c in t["cleanup"] if c["deleted"]]
    table = f"arn:aws:dynamodb:{EU}:{recovery}:table/{SECRET_KEY_SHAPED}"
    assert table in deleted and gone(sb, recovery, table)
