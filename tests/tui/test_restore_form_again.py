"""A restore the checks block on a name the operator typed in the form (already taken): the
console says the form is asked again on resume, and the jobs screen's Enter asks it, prefilled,
then restores under the new name. Pilot against the sandbox, outcomes read with boto3."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Checkbox, Input

from drconsole.flows.journal import Journal
from drconsole.tui.jobs_screen import JobsScreen
from drconsole.tui.screens.recovery_points import RecoveryPointsScreen
from drconsole.tui.wizard.restore_form import RestoreFormPane
from drconsole.tui.wizard.screen import ARMING_SECONDS, CopyRestoreWizard
from tests.tui.conftest import Demo, wait_until
from tests.tui.test_screens import open_account
from tests.tui.test_wizard import EU, SIZE, pane, restore_jobs_in, text_of

TAKEN = "prod-orders-db-restore-test"  # a DB the demo's prod already holds
FREE = "prod-orders-db-second-try"


def name_field(wizard: CopyRestoreWizard) -> Input:
    form = wizard.query_one(RestoreFormPane)
    return next(i for i in form.query(Input) if i.name == "DBInstanceIdentifier")


async def test_a_restore_blocked_on_a_taken_name_is_asked_again_from_the_jobs_screen(
    demo: Demo, tmp_path: Path
) -> None:
    prod = demo.info.accounts["prod"]
    rds = demo.sandbox.client("rds", prod, EU)
    jobs_before = len(restore_jobs_in(demo, prod))
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_account(pilot, prod)
        await pilot.press("enter")  # prod-vault (eu-central-1), the first vault
        assert isinstance(app.screen, RecoveryPointsScreen)
        await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
        await pilot.press("slash", *"prod-orders-db", "enter")
        await pilot.press("w")
        wizard = app.screen
        assert isinstance(wizard, CopyRestoreWizard)
        wizard.query_one("#in-place", Checkbox).focus()
        await pilot.press("space")
        wizard.query_one("#plan-button", Button).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: wizard.prepared is not None, what="plan", timeout=30)
        await pilot.press("enter")  # Next: confirm
        wizard.query_one("#start", Button).focus()
        await pilot.pause(ARMING_SECONDS)
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane(app) == "form", what="restore form", timeout=30)
        name_field(wizard).value = TAKEN
        wizard.query_one("#submit-form", Button).focus()
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane(app) == "result", what="result", timeout=60)
        result = text_of(app, "#result-text")
        assert "Flow blocked" in result and "RESOURCE_ALREADY_EXISTS" in result, result
        assert "restore form is asked again" in result, result
        flow_id = wizard.flow_id
        assert flow_id is not None

        # j, Enter on the flow: the form again, prefilled with the name typed before.
        await pilot.press("escape", "j")
        jobs_screen = app.screen
        assert isinstance(jobs_screen, JobsScreen)
        await wait_until(pilot, lambda: bool(jobs_screen.flows), what="flows")
        assert jobs_screen.flows[0].flow_id == flow_id
        await pilot.press("enter")
        again = app.screen
        assert isinstance(again, CopyRestoreWizard) and again is not wizard
        await wait_until(pilot, lambda: pane(app) == "form", what="form again", timeout=60)
        assert name_field(again).value == TAKEN
        name_field(again).value = FREE
        again.query_one("#submit-form", Button).focus()
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane(app) == "final", what="final request", timeout=60)
        assert f'"DBInstanceIdentifier": "{FREE}"' in text_of(app, "#final-text")
        # In place, said so though this wizard came back from the jobs screen without a plan.
        assert "the recovery point's own restore metadata" in text_of(app, "#final-title")
        await pilot.pause(ARMING_SECONDS)
        await pilot.press("enter")  # Send the restore
        await wait_until(pilot, lambda: pane(app) == "result", what="done", timeout=60)
        assert "Done." in text_of(app, "#result-text"), text_of(app, "#result-text")
    state = Journal(tmp_path).flow(flow_id)
    assert state is not None and state.status == "completed"
    assert state.restore_metadata is not None
    assert state.restore_metadata["DBInstanceIdentifier"] == FREE
    assert rds.describe_db_instances(DBInstanceIdentifier=FREE)["DBInstances"]
    assert len(restore_jobs_in(demo, prod)) == jobs_before + 1
