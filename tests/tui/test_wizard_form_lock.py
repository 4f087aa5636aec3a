"""A flow waiting in the wizard for its restore form is driven by this console: it holds the
flow's lock, is listed as running (not interrupted), and no other process can start its
restore with the default metadata."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, DataTable, Input

from drconsole.aws.session import AwsSessions
from drconsole.flows.execute import FlowBusy, FlowEngine
from drconsole.flows.journal import FlowLock, Journal
from drconsole.flows.live import live_summaries
from drconsole.tui.jobs_screen import JobsScreen
from drconsole.tui.wizard.restore_form import RestoreFormPane
from drconsole.tui.wizard.screen import CopyRestoreWizard
from tests.tui.conftest import Demo, wait_until
from tests.tui.test_screens import newest_recovery_point

SIZE = (120, 40)
EU = "eu-central-1"
TYPED = "orders-as-i-typed-it"


def pane(app: Any) -> str:
    return str(app.screen.query_one("ContentSwitcher").current)


def begun_flow(demo: Demo, app: Any) -> str:
    """A copy of a prod DynamoDB table back to prod, then its restore (form asked later)."""
    backup, prod = demo.info.accounts["backup"], demo.info.accounts["prod"]
    newest = newest_recovery_point(
        demo, backup, EU, "central-eu-central-1", ResourceType="DynamoDB", ResourceName="prod-"
    )
    engine = FlowEngine(AwsSessions(app.settings))
    try:
        prepared = engine.prepare(
            newest["RecoveryPointArn"],
            f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault",
            restore=True,
            account_hint=backup,
            restore_form_later=True,
        )
        return engine.begin(prepared)
    finally:
        engine.close()


async def flow_at_the_form(demo: Demo, app: Any, pilot: Any) -> tuple[str, JobsScreen]:
    """Resume the flow from the jobs screen; the wizard shows its restore form."""
    flow_id = begun_flow(demo, app)
    app.action_jobs()
    await wait_until(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs")
    jobs = app.screen
    assert isinstance(jobs, JobsScreen)
    await wait_until(pilot, lambda: bool(jobs.flows), what="flows", timeout=30)
    jobs.query_one("#flows", DataTable).focus()
    await pilot.press("enter")
    assert isinstance(app.screen, CopyRestoreWizard)
    await wait_until(pilot, lambda: pane(app) == "form", what="restore form", timeout=90)
    return flow_id, jobs


async def test_a_flow_waiting_for_its_form_is_running_here_not_interrupted(
    demo: Demo, tmp_path: Path
) -> None:
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        flow_id, jobs = await flow_at_the_form(demo, app, pilot)
        assert FlowLock(tmp_path, flow_id).is_held()
        await pilot.press("escape", "l")  # leave the wizard: the flow waits in this console
        await wait_until(pilot, lambda: app.screen is jobs, what="back on the jobs screen")
        jobs.reload()  # the 10-second reload
        await wait_until(
            pilot, lambda: jobs.load_shown == jobs.loads_asked, what="reload", timeout=30
        )
        summary = jobs.flow_summaries[0]
        assert summary["flow"] == flow_id
        assert summary["status"] == "running", (summary["status"], summary["hint"])
        # `drconsole jobs` (another process on the same state dir) reads the same.
        state = Journal(tmp_path).flow(flow_id)
        assert state is not None
        assert live_summaries([state], None, tmp_path)[0]["status"] == "running"


async def test_no_other_process_restores_while_the_form_waits_and_the_form_is_sent(
    demo: Demo, tmp_path: Path
) -> None:
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        flow_id, _ = await flow_at_the_form(demo, app, pilot)
        wizard = app.screen
        assert isinstance(wizard, CopyRestoreWizard)
        # `drconsole jobs --resume` in another terminal: refused, nothing sent.
        other = FlowEngine(AwsSessions(app.settings))
        try:
            with pytest.raises(FlowBusy):
                other.run(flow_id)
        finally:
            other.close()
        state = Journal(tmp_path).flow(flow_id)
        assert state is not None and state.step("restore").token is None
        form = wizard.query_one(RestoreFormPane)
        field = next(i for i in form.query(Input) if i.name == "targetTableName")
        field.value = TYPED
        wizard.query_one("#submit-form", Button).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane(app) == "final", what="final request", timeout=60)
        await pilot.pause(0.8)  # the Send button arms
        wizard.query_one("#send-final", Button).press()
        await wait_until(pilot, lambda: pane(app) == "result", what="result", timeout=90)
        state = Journal(tmp_path).flow(flow_id)
        assert state is not None and state.status == "completed", state
        sent = state.step("restore").request
        assert sent is not None and sent["Metadata"]["targetTableName"] == TYPED
        prod = demo.info.accounts["prod"]
        tables = demo.sandbox.client("dynamodb", prod, EU).list_tables()["TableNames"]
        assert TYPED in tables
