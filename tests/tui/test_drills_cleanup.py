"""The Drills screen cleans up a finished drill whose clean-up left what it created (`x`, asked
first), with `drill cleanup`'s own code in the abandon's view: a drill whose table could not be
deleted (AccessDenied) lists `1 left`; `x` while AWS still refuses says so and leaves it, `x`
once AWS allows it deletes the table (asked with plain boto3) and the list no longer says
`left`. A drill held by another drconsole process is refused with nothing deleted, and read-only
mode neither offers nor runs it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import ListView

from drconsole.drills.journal import DrillJournal
from drconsole.drills.run_base import drill_lock
from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from drconsole.tui.app import DrConsoleApp
from drconsole.tui.arming import ARMING_SECONDS
from drconsole.tui.drills.abandon_screen import DrillAbandonScreen
from drconsole.tui.drills.list_screen import DrillsScreen
from drconsole.tui.screens.confirm import ConfirmDialog
from tests.test_drill_run import demo_sandbox, drill, env_for, table_runbook
from tests.tui.conftest import screen_lines, wait_until
from tests.tui.test_drills_abandon import SIZE, app_on, log_of, tables, text_of


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    yield from demo_sandbox()


def drill_with_a_table_left(sb: Sandbox, info: ScenarioInfo, tmp_path: Path, table: str) -> str:
    """A runbook in tmp_path/runbooks whose `drill run` finished but could not delete the
    table it restored (AWS denied DeleteTable); the run id."""
    folder = tmp_path / "runbooks"
    folder.mkdir()
    runbook = table_runbook(tmp_path, info, table).rename(folder / "edge.yaml")
    sb.fail_operation("dynamodb:DeleteTable", "denied")
    try:
        ran = drill(env_for(sb, info, tmp_path), "run", str(runbook), "--yes", "--json")
    finally:
        sb.clear_faults()
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr
    run_id = str(json.loads(ran.stdout.splitlines()[-1])["run"])
    assert table in tables(sb, info)  # with plain boto3: left behind
    return run_id


def deleted_arns(tmp_path: Path, run_id: str) -> set[str]:
    state = DrillJournal(tmp_path / "state" / "drconsole").run(run_id)
    assert state is not None and state.end is not None
    return state.deleted()


async def open_drills(app: DrConsoleApp, pilot: Any) -> DrillsScreen:
    app.action_drills()
    await wait_until(pilot, lambda: isinstance(app.screen, DrillsScreen), what="drills")
    listing = app.screen
    assert isinstance(listing, DrillsScreen)
    await wait_until(pilot, lambda: listing.catalog is not None, what="runbooks")
    listing.query_one(ListView).index = 0
    await wait_until(pilot, lambda: "passed" in text_of(app), what="the finished run")
    return listing


async def ask_and_clean_up(app: DrConsoleApp, pilot: Any, run_id: str) -> None:
    await pilot.press("x")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="asked")
    dialog = app.screen
    assert isinstance(dialog, ConfirmDialog)
    assert dialog.question == f"Clean up drill {run_id}: delete what it left?"
    await pilot.pause(ARMING_SECONDS)  # yes answers once the question was on screen
    await pilot.press("y")
    await wait_until(pilot, lambda: isinstance(app.screen, DrillAbandonScreen), what="the view")


async def test_x_cleans_up_a_finished_drill_whose_delete_was_denied(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    run_id = drill_with_a_table_left(sb, info, tmp_path, "tui-left-table")
    app = app_on(sandbox, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        listing = await open_drills(app, pilot)
        lines = screen_lines(app)
        assert "x Clean up" in lines[-1] and "Abandon" not in lines[-1]
        assert any("passed" in line and "1 left" in line for line in lines), lines
        assert f"run {run_id} left 1 of what it created: x cleans it up" in text_of(app)
        await pilot.press("question_mark")
        await wait_until(
            pilot, lambda: "Clean up: delete what the finished run left" in text_of(app), what="?"
        )
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is listing, what="the list")

        # Held by another drconsole process: refused, nothing deleted.
        with drill_lock(tmp_path / "state" / "drconsole", run_id):
            await ask_and_clean_up(app, pilot, run_id)
            await wait_until(pilot, lambda: "Not cleaned up" in text_of(app), what="refused")
            assert f"drill {run_id} is being run by another drconsole process" in text_of(app)
            assert "nothing was deleted here" in text_of(app)
        assert "tui-left-table" in tables(sb, info)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is listing, what="the list")

        # AWS still denies the delete: said in the view, the table is still left.
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="asked")
        await pilot.press("n")
        assert app.screen is listing
        sb.fail_operation("dynamodb:DeleteTable", "denied")
        try:
            await ask_and_clean_up(app, pilot, run_id)
            await wait_until(pilot, lambda: "1 left" in text_of(app), what="still left")
        finally:
            sb.clear_faults()
        assert "AccessDenied" in log_of(app) and "resource arn:aws:dynamodb" in log_of(app)
        assert f"drconsole drill cleanup {run_id} tries again" in text_of(app)
        assert "tui-left-table" in tables(sb, info)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is listing, what="the list")
        await wait_until(pilot, lambda: "x Clean up" in screen_lines(app)[-1], what="still x")

        # AWS allows it now: the table is deleted, the list no longer says anything is left.
        await ask_and_clean_up(app, pilot, run_id)
        await wait_until(
            pilot, lambda: "nothing it created is left" in text_of(app), what="cleaned up"
        )
        assert f"Drill {run_id} cleaned up" in text_of(app)
        assert "tui-left-table" not in tables(sb, info)  # with plain boto3: gone
        assert ": deleted" in log_of(app)
        assert any(arn.startswith("arn:aws:dynamodb") for arn in deleted_arns(tmp_path, run_id))
        await pilot.press("escape")
        assert app.screen is listing
        await wait_until(pilot, lambda: "left" not in text_of(app), what="nothing left listed")
        assert "Clean up" not in screen_lines(app)[-1]
    # The CLI agrees: nothing is left.
    listed = drill(env_for(sb, info, tmp_path), "history", "--json")
    (run,) = json.loads(listed.stdout)["runs"]
    assert run["run_id"] == run_id and run["verdict"] == "passed" and run["left"] == 0


async def test_read_only_neither_offers_nor_runs_a_clean_up(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    run_id = drill_with_a_table_left(sb, info, tmp_path, "read-only-left-table")
    app = app_on(sandbox, tmp_path, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        listing = await open_drills(app, pilot)
        assert "Clean up" not in screen_lines(app)[-1]
        assert f"drconsole drill cleanup {run_id} (not in read-only mode)" in text_of(app)
        await pilot.press("x")
        await pilot.pause(0.3)
        assert app.screen is listing
        # Opened all the same, the clean-up is refused below the UI, before any AWS call.
        await app.push_screen(DrillAbandonScreen(run_id, "edge", finished=True))
        await wait_until(pilot, lambda: "Not cleaned up" in text_of(app), what="refused")
        assert "read-only mode is on" in text_of(app)
    assert "read-only-left-table" in tables(sb, info)
    assert not any(arn.startswith("arn:aws:dynamodb") for arn in deleted_arns(tmp_path, run_id))
