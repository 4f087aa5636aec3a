"""Quitting the console (`q`, `y`) while its drill runs the team's validation command interrupts
the drill as the question says: the command is killed, the console ends at once, and nothing is
validated or cleaned up afterwards (the restored table stays): `drill resume` carries it on."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drconsole.drills.journal import DrillJournal
from drconsole.drills.parse import load_runbook
from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from drconsole.tui.arming import ARMING_SECONDS
from drconsole.tui.drills.run_screen import DrillScreen
from drconsole.tui.screens.confirm import ConfirmDialog
from drconsole.tui.screens.dialogs import ConfirmQuit
from tests.test_drill_run import demo_sandbox, table_runbook
from tests.tui.conftest import wait_until
from tests.tui.test_drills_abandon import SIZE, app_on, tables

COMMAND_SECONDS = 8  # the team's check; the test waits longer than that after the quit


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    yield from demo_sandbox()


async def test_quitting_during_the_validation_command_leaves_the_drill_resumable(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    validate = f"{{builtin: true, command: 'sleep {COMMAND_SECONDS}; true', timeout: 5m}}"
    runbook = load_runbook(table_runbook(tmp_path, info, "tui-quit-table", validate))
    app = app_on(sandbox, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        drill = DrillScreen(runbook)
        await app.push_screen(drill)
        await wait_until(pilot, lambda: drill.plan is not None, what="plan", timeout=60)
        await pilot.press("R")  # asked once the plan is shown
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="asked")
        await pilot.pause(ARMING_SECONDS)  # yes answers once the question was on screen
        await pilot.press("y")
        await wait_until(
            pilot,
            lambda: any("validation builtin passed" in line for line in drill.log_lines),
            what="the command runs",
            timeout=90,
        )
        run_id = drill.runner.run_id if drill.runner else ""
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmQuit), what="question")
        quit_at = time.monotonic()
        await pilot.press("y")
        await wait_until(pilot, lambda: not app.is_running, what="exit")
    assert time.monotonic() - quit_at < COMMAND_SECONDS / 2, "the console waited for the command"
    time.sleep(COMMAND_SECONDS + 2)  # had it gone on, the drill would have ended by now
    state = DrillJournal(tmp_path / "state" / "drconsole").run(run_id)
    assert state is not None and state.end is None and not state.cleanups
    assert state.stopped is not None and state.stopped["by"] == "console quit"
    record = state.target("table")
    assert not record.validated and [v["kind"] for v in record.validations] == ["builtin"]
    assert "tui-quit-table" in tables(sb, info)  # not cleaned up
