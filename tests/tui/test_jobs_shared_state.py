"""The jobs screen while other processes share its journal and AWS answers late: the cursor
stays on the flow the operator chose, `x` re-reads the flow under its lock, and an answer for
a period left behind (`t`) does not replace the one shown."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual.widgets import DataTable

from drconsole.flows.journal import Journal
from drconsole.tui.app import DrConsoleApp
from drconsole.tui.arming import ARMING_SECONDS
from drconsole.tui.jobs_screen import JobsScreen
from drconsole.tui.screens.confirm import ConfirmDialog
from tests.flow_plans import sample_plan
from tests.tui.conftest import Demo, status_of, wait_until
from tests.tui.conftest import notices as notices_said

SIZE = (120, 40)


def plan(state_dir: Path, flow_id: str) -> None:
    """A flow started by another drconsole (its plan in the shared journal)."""
    Journal(state_dir).append(flow_id, "plan", plan=sample_plan())


async def open_jobs(app: DrConsoleApp, pilot: object) -> JobsScreen:
    app.action_jobs()
    await wait_until(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs")  # type: ignore[arg-type]
    screen = app.screen
    assert isinstance(screen, JobsScreen)
    return screen


async def test_the_highlighted_flow_stays_when_another_process_starts_one(
    demo: Demo, tmp_path: Path
) -> None:
    """Enter resumes and x abandons the highlighted flow: a flow added at the top by another
    process (newest first) must not slide another one under the cursor."""
    for flow_id in ("00000000a001", "00000000a002", "00000000a003"):
        plan(tmp_path, flow_id)
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_jobs(app, pilot)
        await wait_until(pilot, lambda: len(screen.flows) == 3, what="flows", timeout=30)
        screen.query_one("#flows", DataTable).focus()
        await pilot.press("down")
        chosen = screen.highlighted_flow()
        assert chosen is not None and chosen.flow_id == "00000000a002"
        plan(tmp_path, "00000000a004")
        screen.reload()  # what the 10-second timer does
        await wait_until(pilot, lambda: len(screen.flows) == 4, what="reload", timeout=30)
        await pilot.pause(0.2)
        now = screen.highlighted_flow()
        assert now is not None
        assert now.flow_id == chosen.flow_id, (
            f"the cursor moved from flow {chosen.flow_id} to {now.flow_id} on refresh"
        )


async def test_abandon_refused_for_a_flow_completed_while_the_question_was_open(
    demo: Demo, tmp_path: Path
) -> None:
    """`x`; meanwhile another process completes the flow (and releases its lock); `y`: the
    flow stays completed and the operator is told why nothing was abandoned."""
    flow_id = "00000000b001"
    plan(tmp_path, flow_id)
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_jobs(app, pilot)
        await wait_until(pilot, lambda: bool(screen.flows), what="flows", timeout=30)
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmDialog)
        Journal(tmp_path).append(
            flow_id,
            "done",
            result={"created_resource": "arn:aws:rds:eu-central-1:222222222222:db:orders"},
        )
        await pilot.pause(ARMING_SECONDS)  # yes answers once the question was on screen
        await pilot.press("y")
        await pilot.pause(0.5)
        state = Journal(tmp_path).flow(flow_id)
        assert state is not None
        assert state.status == "completed", f"turned into {state.status!r}: {state.failure}"
        notices = notices_said(app)
        assert any("completed meanwhile" in n for n in notices), notices


async def test_a_late_answer_for_the_period_left_does_not_replace_the_new_one(
    demo: Demo, tmp_path: Path
) -> None:
    """The 24-hour listing answers late (AWS slow on ListCopyJobs); `t` meanwhile: the 7-day
    jobs stay on screen when the 24-hour answer finally arrives."""
    app = demo.app(state_dir=tmp_path)
    demo.sandbox.fail_operation("backup:ListCopyJobs", "slow")
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await open_jobs(app, pilot)
            await pilot.pause(0.5)  # the 24-hour listing is out, waiting on AWS
            demo.sandbox.clear_faults()
            await pilot.press("t")
            await wait_until(pilot, lambda: screen.loaded, what="7d", timeout=30)
            assert screen.period == timedelta(days=7)
            seven_days = len(screen.jobs)
            await pilot.pause(6.0)  # the 24-hour answer arrives meanwhile
            assert len(screen.jobs) == seven_days, (
                f"the screen is on 7d but shows the late 24h answer: {len(screen.jobs)} jobs "
                f"instead of {seven_days}; status: {status_of(app)}"
            )
            assert status_of(app).startswith("7d:"), status_of(app)
    finally:
        demo.sandbox.clear_faults()
