"""At 80x24 and 120x40 a notice covers nothing the operator reads: the drill view's progress
(its log on screen), the jobs screen's tables and status, a failing check's remediation and the
recovery points' list and status are drawn cell by cell by themselves, with the notice said in
lines of its own above the footer (a toast over the lower right hid them; a notice said under
the `:` line became one). Pilot draws notifications only with notifications=True."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import DataTable, Static

from drconsole.flows.journal import Journal
from drconsole.models import CheckStatus
from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from drconsole.tui.app import DrConsoleApp
from drconsole.tui.arming import ARMING_SECONDS
from drconsole.tui.checks_screen import ChecksScreen
from drconsole.tui.drills.list_screen import DrillsScreen
from drconsole.tui.drills.run_screen import DrillScreen
from drconsole.tui.jobs_screen import JobsScreen
from drconsole.tui.screens.confirm import ConfirmDialog
from drconsole.tui.screens.recovery_points import RecoveryPointsScreen
from drconsole.tui.widgets.notice_bar import NoticeBar
from tests.flow_plans import sample_plan
from tests.test_checks_screen import recovery_point
from tests.test_drill_run import _runbook, demo_sandbox
from tests.tui.conftest import Demo, sandbox_settings, screen_lines, status_of, wait_until
from tests.tui.test_screens import open_account

SIZE = (80, 24)
drills_sandbox = pytest.fixture(scope="module", name="drills_sandbox")(demo_sandbox)


def assert_uncovered(app: DrConsoleApp, widget: Widget) -> None:
    """Every cell of `widget` on screen is drawn by it (or what it holds), by nothing above."""
    region = widget.region
    assert region.width and region.height, f"{widget} is not on screen"
    for y in range(region.y, region.bottom):
        for x in range(region.x, region.right):
            top, _ = app.screen.get_widget_at(x, y)
            assert top is widget or widget in top.ancestors, (
                f"{top!r} covers {widget!r} at ({x}, {y}):\n" + "\n".join(screen_lines(app))
            )


def assert_lines_shown(app: DrConsoleApp, lines: list[str]) -> None:
    """Each line is on the terminal whole."""
    shown = "\n".join(screen_lines(app))
    for line in lines:
        assert line.strip() in shown, f"{line.strip()!r} not whole on screen:\n{shown}"


def assert_notice_shown(app: DrConsoleApp, words: str) -> None:
    """The notice is in the screen's own notice lines, and on the terminal."""
    bar = app.screen.query_one(NoticeBar)
    assert any(words in said for said in bar.said), bar.said
    assert_uncovered(app, bar)
    assert words in "\n".join(screen_lines(app))


def assert_text_in(app: DrConsoleApp, widget: Widget, text: str) -> None:
    """`text` is on the terminal within `widget`'s rows, as wrapped there (spaces aside)."""
    rows = screen_lines(app)[widget.region.y : widget.region.bottom]
    inside = squeeze("".join(row[widget.region.x : widget.region.right] for row in rows))
    assert squeeze(text) in inside, f"{text!r} not whole in {widget!r}:\n" + "\n".join(rows)


def squeeze(text: str) -> str:
    """Without whitespace: a line wrapped at 80 columns compares equal to one that is not."""
    return re.sub(r"\s+", "", text)


def plain_lines(widget: Static) -> list[str]:
    return [line for line in str(widget.render()).splitlines() if line.strip()]


async def test_a_drill_s_progress_stays_whole_under_a_notice(
    drills_sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, monkeypatch: Any
) -> None:
    sb, info = drills_sandbox
    monkeypatch.setattr(DrillScreen, "MIN_POLL", 0.1)
    folder = tmp_path / "runbooks"
    folder.mkdir()
    waits = f"while [ ! -e {tmp_path}/go ]; do sleep 0.1; done"
    # Three targets (six lines of progress) whose validations wait for a go: the drill is
    # surely running, its log on screen, and the view has no line to spare at 80x24.
    targets = "".join(
        f'  - name: table-{n}\n    resource: {{account: "PROD", type: DynamoDB, '
        f"name: prod-sessions}}\n    metadata: {{targetTableName: notice-table-{n}}}\n"
        f"    validate: {{command: '{waits}', timeout: 2m}}\n"
        for n in range(3)
    )
    _runbook(tmp_path, info, "", targets).rename(folder / "edge.yaml")
    settings = sandbox_settings(sb, info, tmp_path / "state", runbooks_dir=folder)
    app = DrConsoleApp(settings)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.action_drills()
        await wait_until(pilot, lambda: isinstance(app.screen, DrillsScreen), what="drills")
        listing = app.screen
        await wait_until(pilot, lambda: listing.catalog is not None, what="runbooks")  # type: ignore[attr-defined]
        await pilot.press("enter")
        drill = app.screen
        assert isinstance(drill, DrillScreen)
        await wait_until(pilot, lambda: drill.plan is not None, what="plan", timeout=90)
        await pilot.press("R")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.pause(ARMING_SECONDS)
        await pilot.press("y")
        await wait_until(
            pilot,
            lambda: any(t.jobs for t in drill.progress.targets.values()),
            what="a job",
            timeout=90,
        )
        # A notice while the drill runs, its log on screen: a command mistyped.
        await pilot.press("colon", *"nosuch", "enter")
        await pilot.pause(0.3)
        assert drill.running and drill.query_one("#drill-log").display
        assert_progress_whole(app, drill)
        assert_notice_shown(app, ":nosuch: no such command (known:")
        assert_lines_shown(app, ["jobs, help, quit, readiness, drills)"])  # its second line
        # Its end said while the `:` line is up: in the drill view's lines, not a toast.
        await pilot.press("colon")
        (tmp_path / "go").touch()
        await wait_until(pilot, lambda: drill.report is not None, what="the end", timeout=120)
        await pilot.press("escape")
        await pilot.pause(0.3)
        assert app.screen is drill
        assert_progress_whole(app, drill)
        assert_lines_shown(app, ["drill passed │ the report is below (PgUp PgDn)"])
        assert_notice_shown(app, "Drill edge passed: o on the Drills screen opens its report.")


def assert_progress_whole(app: DrConsoleApp, drill: DrillScreen) -> None:
    """The drill's progress and status line: drawn whole, by nothing above them."""
    box = drill.query_one("#drill-progress-box")
    assert_uncovered(app, box)
    assert_drawn_as_itself(app, drill.query_one("#drill-progress", Static), box.region)
    assert_uncovered(app, drill.query_one("#status"))


def assert_drawn_as_itself(app: DrConsoleApp, widget: Widget, within: Region) -> None:
    """The rows of `widget` seen within `within` (its scrolling box) are on the terminal as
    the widget draws them: none hidden, none drawn over."""
    region = widget.region.intersection(within)
    assert region.height, f"{widget} is not on screen"
    own = widget.render_lines(
        Region(0, region.y - widget.region.y, widget.region.width, region.height)
    )
    shown = screen_lines(app)
    for row, strip in enumerate(own):
        drawn = shown[region.y + row][widget.region.x : widget.region.right]
        assert drawn.rstrip() == strip.text.rstrip(), "\n".join(shown)


async def test_the_jobs_screen_s_flows_and_status_stay_whole_under_a_notice(
    demo: Demo, tmp_path: Path
) -> None:
    flow_id = "00000000c001"
    journal = Journal(tmp_path)
    journal.append(flow_id, "plan", plan=sample_plan())
    journal.append(flow_id, "done", result={"created_resource": "arn:aws:rds:x"})
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.action_jobs()
        await wait_until(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs")
        screen = app.screen
        assert isinstance(screen, JobsScreen)
        await wait_until(pilot, lambda: bool(screen.flows), what="flows", timeout=30)
        await wait_until(pilot, lambda: "loading" not in status_of(app), what="jobs", timeout=30)
        flows = screen.query_one("#flows", DataTable)
        flows.focus()
        await pilot.press("enter")  # a completed flow: said, not resumed
        await pilot.pause(0.3)
        for table_id in ("#flows", "#jobs"):
            assert_uncovered(app, screen.query_one(table_id))
        assert_uncovered(app, screen.query_one("#status"))
        assert_lines_shown(app, [flow_id, status_of(app)[:60]])
        assert_notice_shown(app, f"Flow {flow_id} is completed.")


@pytest.mark.parametrize("size", [SIZE, (120, 40)], ids=["80x24", "120x40"])
async def test_a_check_s_remediation_stays_whole_under_a_notice(
    demo: Demo, tmp_path: Path, size: tuple[int, int]
) -> None:
    sandbox, info = demo.sandbox, demo.info
    app = demo.app(state_dir=tmp_path)
    rp = recovery_point(sandbox, info, info.fault_recovery_points["service_linked_role_missing"])
    dev = info.accounts["dev"]
    dest = f"arn:aws:backup:{info.region}:{dev}:backup-vault:dev-vault"
    async with app.run_test(size=size, notifications=True) as pilot:
        screen = ChecksScreen(rp, app.settings, app.sessions, destination=dest)
        app.push_screen(screen)
        await wait_until(
            pilot,
            lambda: not screen.pending and "restore" in screen.rows,
            what="checks",
            timeout=60,
        )
        ordered = screen.ordered()
        failing = next(i for i, (_, c) in enumerate(ordered) if c.status is CheckStatus.FAIL)
        screen.query_one("#checks-table", DataTable).move_cursor(row=failing)
        await pilot.pause(0.2)
        remediation = screen.query_one("#remediation-text", Static)
        assert plain_lines(remediation)
        # Reading the failing check's remediation, the operator mistypes a command.
        await pilot.press("colon", *"nosuch", "enter")
        await pilot.pause(0.3)
        assert app.screen is screen
        box = screen.query_one("#remediation")
        assert_uncovered(app, box)
        assert_text_in(app, box, plain_lines(remediation)[0])
        assert_uncovered(app, screen.query_one("#checks-table"))
        assert_notice_shown(app, ":nosuch: no such command")


@pytest.mark.parametrize("size", [SIZE, (120, 40)], ids=["80x24", "120x40"])
async def test_the_recovery_points_status_stays_whole_under_a_notice(
    demo: Demo, tmp_path: Path, size: tuple[int, int]
) -> None:
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=size, notifications=True) as pilot:
        await open_account(pilot, demo.info.accounts["prod"])
        await pilot.press("enter")
        assert isinstance(app.screen, RecoveryPointsScreen)
        screen = app.screen
        await wait_until(pilot, lambda: screen.loading_done, what="recovery points")
        await pilot.press("slash", *"no-such-point-anywhere", "enter", "w")
        await pilot.pause(0.3)
        assert_uncovered(app, screen.query_one("#status"))
        assert_uncovered(app, screen.query_one("#recovery-points"))
        assert_lines_shown(app, [status_of(app)[:60]])
        assert_notice_shown(app, "No recovery point under the cursor")
