"""An S3 restore AWS ends COMPLETED with its message for objects left out, in the console: the
wizard ends on a failure with AWS's message, its cause and the bucket made all the same, and the
jobs screen lists the flow failed and the restore job as a problem with its cause."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Button, Checkbox, DataTable

from drconsole.flows.journal import Journal
from drconsole.tui.jobs_screen import JobsScreen
from drconsole.tui.screens.recovery_points import RecoveryPointsScreen
from drconsole.tui.wizard.restore_form import RestoreFormPane
from drconsole.tui.wizard.screen import CopyRestoreWizard
from tests.tui.conftest import Demo, wait_until
from tests.tui.test_screens import newest_recovery_point, open_account
from tests.tui.test_wizard import EU, SIZE, pane, restore_jobs_in, text_of


async def test_a_restore_completed_with_objects_left_out_is_a_failure_on_screen(
    demo: Demo, tmp_path: Path, monkeypatch: Any
) -> None:
    from drconsole.tui.wizard import screen as wizard_screen

    monkeypatch.setattr(wizard_screen, "ARMING_SECONDS", 0.0)
    backup = demo.info.accounts["backup"]
    newest = newest_recovery_point(
        demo, backup, EU, "central-eu-central-1", ResourceType="S3", ResourceName="prod-"
    )
    said = (
        f"One or more objects failed to be restored from {newest['RecoveryPointArn']} to"
        " prod-assets-partial. To get notified of these failures, enable SNS event notifications."
    )
    demo.sandbox.inject_restore_message(newest["ResourceArn"], said)
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_account(pilot, backup)
        await pilot.press("enter")  # central-eu-central-1, the first vault
        assert isinstance(app.screen, RecoveryPointsScreen)
        await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
        await pilot.press("slash", *newest["ResourceName"], "enter")
        await pilot.press("w")
        wizard = app.screen
        assert isinstance(wizard, CopyRestoreWizard) and wizard.point is not None
        assert wizard.point.arn == newest["RecoveryPointArn"]
        wizard.query_one("#in-place", Checkbox).value = True
        wizard.query_one("#plan-button", Button).press()
        await wait_until(pilot, lambda: wizard.prepared is not None, what="plan", timeout=30)
        await pilot.press("enter")  # Next: confirm
        wizard.query_one("#accept-cautions", Checkbox).value = True
        wizard.query_one("#start", Button).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane(app) == "form", what="restore form", timeout=30)
        form = wizard.query_one(RestoreFormPane)
        await pilot.press(*["enter"] * len(form.query("Input")))
        await wait_until(pilot, lambda: pane(app) == "final", what="final request", timeout=30)
        await pilot.press("enter")  # Send the restore
        await wait_until(pilot, lambda: pane(app) == "result", what="result", timeout=60)

        (job,) = restore_jobs_in(demo, backup)
        assert (job["Status"], job["StatusMessage"]) == ("COMPLETED", said)
        result = text_of(app, "#result-text")
        assert "Done." not in result
        assert f"Flow failed: {said}" in result
        assert "cause: KMS_KEY_UNUSABLE" in result
        assert f"restored incompletely: {job['CreatedResourceArn']}" in result
        assert any(said in line for line in wizard.log_lines)

        await pilot.press("escape")
        await pilot.press("j")
        assert isinstance(app.screen, JobsScreen)
        jobs_screen = app.screen
        await wait_until(
            pilot,
            lambda: bool(jobs_screen.flows) and bool(jobs_screen.jobs),
            what="jobs",
            timeout=30,
        )
        flows = jobs_screen.query_one("#flows", DataTable)
        row = [str(cell) for cell in flows.get_row_at(0)]
        assert row[1] == "failed" and row[4] == f"KMS_KEY_UNUSABLE: {said}"
        table = jobs_screen.query_one("#jobs", DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        # Only problems are listed by default: the completed restore is one, with its cause.
        assert any("KMS_KEY_UNUSABLE" in " ".join(r) for r in rows), rows
    (flow,) = Journal(tmp_path).flows()
    assert flow.status == "failed" and flow.failure["cause"] == "KMS_KEY_UNUSABLE"
