"""The copy wizard when its copy ends PARTIAL: the result names the state and the job, no
restore form is offered and no restore is sent (Pilot at 80x24, the sandbox over HTTP)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Button, Input

from drconsole.flows.journal import Journal
from drconsole.tui.screens.recovery_points import RecoveryPointsScreen
from drconsole.tui.wizard import screen as wizard_screen
from drconsole.tui.wizard.screen import CopyRestoreWizard
from tests.tui.conftest import Demo, wait_until
from tests.tui.test_screens import newest_recovery_point, open_account
from tests.tui.test_wizard import pane, restore_jobs_in, text_of

SIZE = (80, 24)
EU, NORTH = "eu-central-1", "eu-north-1"
PARTIAL_MESSAGE = "1 of 2 nested recovery points were not copied"


async def test_a_partial_copy_ends_the_wizard_without_offering_the_restore(
    demo: Demo, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(wizard_screen, "ARMING_SECONDS", 0.5)
    backup, prod = demo.info.accounts["backup"], demo.info.accounts["prod"]
    newest = newest_recovery_point(
        demo, backup, NORTH, "dr-eu-north-1", ResourceType="Aurora", ResourceName="prod-"
    )
    demo.sandbox.inject_job_ending(newest["ResourceArn"], "PARTIAL", PARTIAL_MESSAGE)
    restores = len(restore_jobs_in(demo, prod))
    dest = f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault"
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_account(pilot, backup)
        await pilot.press("down", "enter")
        assert isinstance(app.screen, RecoveryPointsScreen)
        await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
        await pilot.press("slash", *"prod aurora", "enter")
        await pilot.press("w")
        assert isinstance(app.screen, CopyRestoreWizard)
        wizard = app.screen
        assert wizard.point is not None and wizard.point.arn == newest["RecoveryPointArn"]
        app.screen.query_one("#dest-arn", Input).focus()
        await pilot.press(*dest, "enter")
        await wait_until(pilot, lambda: wizard.prepared is not None, what="plan", timeout=30)
        await pilot.press("enter")
        assert pane(app) == "confirm"
        body = wizard.query_one("#confirm-body")
        for _ in range(20):
            if body.scroll_y >= body.max_scroll_y:
                break
            await pilot.press("pagedown")
            await pilot.pause(0.1)
        await pilot.pause(0.6)
        start = wizard.query_one("#start", Button)
        start.focus()
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: pane(app) in ("result", "form"), what="copy's end", timeout=60
        )
        assert pane(app) == "result", "no restore form follows a partial copy"
        result = text_of(app, "#result-text")
        (copy,) = demo.sandbox.client("backup", backup, NORTH).list_copy_jobs(
            BySourceRecoveryPointArn=newest["RecoveryPointArn"], ByState="PARTIAL"
        )["CopyJobs"]
        assert f"copy job {copy['CopyJobId']} ended PARTIAL" in result, result
        assert any("hop1: PARTIAL" in line for line in wizard.log_lines), wizard.log_lines
        assert "PARTIAL" in result and PARTIAL_MESSAGE in result, result
        assert "Done." not in result, result
        assert "Only part of a composite job finished" in result, result
    assert [f.status for f in Journal(tmp_path).flows()] == ["failed"]
    assert len(restore_jobs_in(demo, prod)) == restores
