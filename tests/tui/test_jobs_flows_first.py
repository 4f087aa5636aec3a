"""The jobs screen shows the journal's flows, and Enter resumes one, while the jobs of every
account and Region are still being listed: AWS slow (100 ms a call, one listing slower still),
the operator's own unfinished flow no longer waits for the slowest account."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from drconsole.aws.session import AwsSessions
from drconsole.flows.execute import FlowEngine
from drconsole.tui.app import DrConsoleApp
from drconsole.tui.jobs_screen import JobsScreen
from drconsole.tui.wizard.screen import CopyRestoreWizard
from tests.tui.conftest import Demo, screen_lines, status_of, wait_until
from tests.tui.test_screens import accounts_loaded
from tests.tui.test_wizard_form_lock import begun_flow

SMALL = (80, 24)


def copied_flow(demo: Demo, app: DrConsoleApp) -> str:
    """A flow whose copy is done and whose restore waits for its form (nothing sent): the
    jobs screen asks AWS about its copy job."""
    flow_id = begun_flow(demo, app)
    engine = FlowEngine(AwsSessions(app.settings), min_poll=0.2, max_poll=0.5)
    try:
        outcome = engine.run(flow_id, ask_form=lambda form, values: None)
    finally:
        engine.close()
    assert outcome.status == "stopped", outcome
    return flow_id


async def test_the_flows_show_and_resume_while_the_jobs_still_load(
    demo: Demo, tmp_path: Path
) -> None:
    app = demo.app(state_dir=tmp_path)
    flow_id = copied_flow(demo, app)
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts", timeout=30)
        demo.sandbox.options.latency_ms = 100
        # One account's listing slow (a throttled or far account): 3 s a call, two calls.
        demo.sandbox.fail_operation("backup:ListBackupJobs", "slow")
        try:
            app.action_jobs()
            await wait_until(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs")
            jobs = app.screen
            assert isinstance(jobs, JobsScreen)
            await wait_until(pilot, lambda: bool(jobs.flow_summaries), what="flows", timeout=30)
            assert not jobs.loaded, "the flows waited for the listing of every account"
            summary = jobs.flow_summaries[0]
            assert summary["flow"] == flow_id
            hop = next(step for step in summary["steps"] if step["step"] == "hop1")
            assert hop["state_source"] == "aws", hop  # its copy job asked of AWS, not waited for
            await pilot.pause(0.1)
            text = "\n".join(screen_lines(app))
            assert flow_id in text and "loading jobs…" in status_of(app), text
            assert jobs.focused is jobs.query_one("#flows", DataTable)
            await pilot.press("enter")  # resumes the flow at once
            assert isinstance(app.screen, CopyRestoreWizard)
            assert not jobs.loaded, "the listing answered before Enter: nothing was shown"
            await pilot.press("escape", "l")  # back to the jobs screen: the listing arrives
            await wait_until(pilot, lambda: jobs.loaded, what="jobs listed", timeout=60)
            assert jobs.flow_summaries[0]["flow"] == flow_id  # the jobs left the flows as they were
            assert jobs.jobs, (jobs.errors, status_of(app))
        finally:
            demo.sandbox.clear_faults()
            demo.sandbox.options.latency_ms = 0
