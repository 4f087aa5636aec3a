"""The drill view at 80x24 with many targets: the verdict and what failed stay on screen, the
progress scrolls in a bounded area, and PgUp/PgDn scroll the report; `R` does not ask before
the plan is read (its warning that a target cannot start would be missing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.containers import VerticalScroll

from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from drconsole.tui import arming
from drconsole.tui.arming import ARMING_SECONDS
from drconsole.tui.drills.list_screen import DrillsScreen
from drconsole.tui.drills.run_screen import DrillScreen
from drconsole.tui.screens.confirm import ConfirmDialog
from tests.test_drill_run import _runbook, demo_sandbox
from tests.tui.conftest import notices as notices_said
from tests.tui.conftest import wait_until
from tests.tui.test_drills_screen import SIZE, app_on, runbooks, screen_text
from tests.tui.test_typed_ahead import burst

sandbox = pytest.fixture(scope="module", name="sandbox")(demo_sandbox)
__all__ = ["runbooks"]  # the fixture: a runbooks folder of the examples and a broken one

BLOCKED = 10  # targets that cannot start (a vault whose policy denies the copy)


def many_targets(tmp_path: Path, info: ScenarioInfo) -> Path:
    """A runbook `edge` of eleven targets: one table restored, then ten that cannot start."""
    table = (
        '  - name: table\n    resource: {account: "PROD", type: DynamoDB, name: prod-sessions}\n'
        "    metadata: {targetTableName: many-targets-table}\n"
    )
    blocked = "".join(
        f'  - name: denied-{n:02d}\n    resource: {{account: "PROD", type: EFS, '
        'name: prod-shared-files}\n    restore_to: {account: "QA", vault: qa-archive-vault}\n'
        for n in range(BLOCKED)
    )
    folder = tmp_path / "runbooks"
    folder.mkdir()
    return _runbook(tmp_path, info, "", table + blocked).rename(folder / "edge.yaml")


async def open_drill(pilot: Any, *then: str) -> DrillScreen:
    """`:drills`, the runbook `edge` planned (Enter), and `then` pressed right behind it."""
    app = pilot.app
    app.action_drills()
    await wait_until(pilot, lambda: isinstance(app.screen, DrillsScreen), what="drills")
    listing = app.screen
    await wait_until(pilot, lambda: listing.catalog is not None, what="runbooks")
    await pilot.press("enter", *then)
    drill = next(s for s in app.screen_stack if isinstance(s, DrillScreen))
    return drill


async def test_a_drill_of_many_targets_shows_its_verdict_and_failures_at_80x24(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, monkeypatch: Any
) -> None:
    _, info = sandbox
    monkeypatch.setattr(DrillScreen, "MIN_POLL", 0.1)
    many_targets(tmp_path, info)
    app = app_on(sandbox, tmp_path, runbooks_dir=tmp_path / "runbooks")
    async with app.run_test(size=SIZE) as pilot:
        drill = await open_drill(pilot)
        await wait_until(pilot, lambda: drill.plan is not None, what="plan", timeout=90)
        await pilot.press("R")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.pause(ARMING_SECONDS)  # yes answers once the question was on screen
        await pilot.press("y")
        await wait_until(pilot, lambda: drill.report is not None, what="the end", timeout=180)
        await pilot.pause(0.3)
        shown = screen_text(app)
        # The verdict, which targets failed and why, and the status line: on screen.
        assert "drill failed" in shown, shown
        assert f"{BLOCKED} FAILED: denied-00 [" in shown, shown
        assert "the report is below (PgUp PgDn)" in shown, shown
        # The progress keeps to its box and scrolls; the report below has lines to show.
        box = drill.query_one("#drill-progress-box", VerticalScroll)
        assert box.size.height <= 8 and box.max_scroll_y > 0
        body = drill.query_one("#drill-body", VerticalScroll)
        assert body.size.height >= 3 and body.max_scroll_y > 0
        await pilot.press("pagedown")
        await pilot.pause(0.2)
        assert body.scroll_y > 0
        await pilot.press("pageup")
        await pilot.pause(0.2)
        assert body.scroll_y == 0


async def test_r_typed_before_the_plan_is_read_does_not_ask(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    many_targets(tmp_path, info)
    app = app_on(sandbox, tmp_path, runbooks_dir=tmp_path / "runbooks")
    async with app.run_test(size=SIZE) as pilot:
        sb.fail_operation("iam:GetRole", "hold")  # the plan's checks wait until it is cleared
        try:
            drill = await open_drill(pilot, "R", "y")  # Enter R y typed together
            assert drill.plan is None  # still being read
            assert not isinstance(app.screen, ConfirmDialog)
            notices = notices_said(app)
            assert any("still being read: R asks once it is shown" in n for n in notices)
        finally:
            sb.clear_faults()
        await wait_until(pilot, lambda: drill.plan is not None, what="plan", timeout=90)
        assert drill.runner is None  # nothing ran: the `y` answered nothing
        await pilot.press("R")
        assert isinstance(app.screen, ConfirmDialog)
        assert "cannot start: it will fail" in screen_text(app)
        await pilot.press("n")
        assert app.screen is drill and drill.runner is None


async def test_keys_typed_with_colon_drills_are_taken_in_order(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, runbooks: Path
) -> None:
    """`:drills` Enter `/web` Enter Enter in one burst (a fast typist, a slow SSH link) plans
    web, as typed slowly: no key is lost while the Drills screen reads its runbooks."""
    app = app_on(sandbox, tmp_path, runbooks_dir=runbooks)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.keys_in_order.idle, what="the console")
        burst(app, "colon", *"drills", "enter", "slash", *"web", "enter", "enter")
        await wait_until(pilot, lambda: app.keys_in_order.idle, what="the burst", timeout=30)
        await wait_until(
            pilot, lambda: isinstance(app.screen, DrillScreen), what="the plan of web", timeout=30
        )
        assert isinstance(app.screen, DrillScreen) and app.screen.runbook.name == "web"
        listing = next(s for s in app.screen_stack if isinstance(s, DrillsScreen))
        assert listing.query_text == "web"


async def test_r_and_y_typed_together_run_nothing_until_the_question_was_read(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`R y` in one burst once the plan is shown: the `y` came before the question (which
    targets, where, what cannot start) could be read, so it answers nothing."""
    _, info = sandbox
    # Longer than any pause a loaded machine puts between the two keys.
    monkeypatch.setattr(arming, "ARMING_SECONDS", 3.0)
    many_targets(tmp_path, info)
    app = app_on(sandbox, tmp_path, runbooks_dir=tmp_path / "runbooks")
    async with app.run_test(size=SIZE) as pilot:
        drill = await open_drill(pilot)
        await wait_until(pilot, lambda: drill.plan is not None, what="plan", timeout=90)
        await pilot.press("R", "y")
        await pilot.pause(0.3)
        assert isinstance(app.screen, ConfirmDialog), "the drill ran on a y typed ahead"
        assert drill.runner is None and not drill.running
        await pilot.press("n")
        assert app.screen is drill and drill.runner is None
