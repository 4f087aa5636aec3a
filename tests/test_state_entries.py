"""A damaged entry in the state dir (the journal or the audit log a folder or a FIFO, the flow
locks folder a file, a flow's lock a folder, the drill journal a folder): one line naming the
entry, exit 2, never a hang, and checked before a flow's first record, so no flow is journaled
that could not go on and nothing is sent to AWS."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.test_cli_copy import EU, SandboxProcess, drconsole, sandbox_process
from tests.test_output_files import one_line_exit_2


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxProcess]:
    yield from sandbox_process()


def folder(path: Path) -> None:
    path.mkdir(parents=True)


def fifo(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)


def a_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("not a folder\n")


DAMAGE: list[tuple[str, Callable[[Path], None], str]] = [
    ("journal.jsonl", folder, "journal {} is a folder, not a file"),
    ("journal.jsonl", fifo, "journal {} is a FIFO (named pipe), not a file"),
    ("audit.log", folder, "audit log {} is a folder, not a file"),
    ("audit.log", fifo, "audit log {} is a FIFO (named pipe), not a file"),
    ("flow-locks", a_file, "flow locks folder {} is not a folder"),
    ("flow-locks/0123456789ab.lock", folder, "flow lock {} is a folder, not a file"),
]


def test_a_damaged_entry_stops_every_command_before_a_flow_is_journaled(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    points = sandbox.client("backup", "prod", EU).list_recovery_points_by_backup_vault(
        BackupVaultName="prod-vault"
    )["RecoveryPoints"]
    rp = next(p["RecoveryPointArn"] for p in points if p["ResourceType"] == "DynamoDB")
    state = tmp_path / "xdg-state" / "drconsole"
    dynamodb = sandbox.client("dynamodb", "prod", EU)
    for number, (name, damage, says) in enumerate(DAMAGE):
        shutil.rmtree(tmp_path / "xdg-state", ignore_errors=True)
        damage(state / name)
        table = f"state-entry-t{number}"
        commands = [
            ("jobs",),
            ("--read-only", "jobs", "--json"),
            ("restore", "--recovery-point", rp, "--metadata", f"targetTableName={table}", "--yes"),
        ]
        for argv in commands:
            done = drconsole(sandbox, tmp_path, *argv)  # a FIFO opened would hang: timeout
            one_line_exit_2(done, f"drconsole's {says.format(state / name)}")
            assert "flow " not in done.stdout, done.stdout
        assert table not in dynamodb.list_tables()["TableNames"]
        journal = state / "journal.jsonl"
        assert name == "journal.jsonl" or not journal.exists(), journal.read_text()[:200]


def test_a_damaged_drill_journal_is_named(sandbox: SandboxProcess, tmp_path: Path) -> None:
    journal = tmp_path / "xdg-state" / "drconsole" / "drills" / "journal.jsonl"
    for damage, kind in ((folder, "a folder"), (fifo, "a FIFO (named pipe)")):
        shutil.rmtree(tmp_path / "xdg-state", ignore_errors=True)
        damage(journal)
        for argv in (("drill", "history"), ("drill", "cleanup", "20261201T000000Z-abcdef")):
            done = drconsole(sandbox, tmp_path, *argv)
            one_line_exit_2(done, f"drconsole's drill journal {journal} is {kind}, not a file")


async def test_the_console_shows_a_damaged_entry_as_a_setup_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import argparse

    from drconsole.tui.launch import build_app
    from drconsole.tui.screens.setup_needed import SetupNeededScreen
    from tests.bad_input import base_env
    from tests.tui.conftest import wait_until

    for name in list(os.environ):
        if name.startswith(("AWS_", "XDG_", "DRCONSOLE")):
            monkeypatch.delenv(name)
    for name, value in base_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    audit = tmp_path / "state" / "drconsole" / "audit.log"
    fifo(audit)
    args = argparse.Namespace(
        profile=None, regions=None, role_name=None, read_only=None, config=None, break_glass=None
    )
    app = build_app(args)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupNeededScreen), what="setup")
        detail = str(app.screen.query_one("#setup-detail").render())
        assert f"audit log {audit} is a FIFO" in detail.replace("\n", " "), detail
        await pilot.press("q")
