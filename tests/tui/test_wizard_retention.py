"""The wizard's copy retention: typed days are what StartCopyJob sends and the copy keeps; a
value AWS Backup would refuse is refused before anything is planned."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Checkbox, Input, Static

from drconsole.aws.audit import AuditLog
from drconsole.flows.journal import Journal
from drconsole.tui.screens.recovery_points import RecoveryPointsScreen
from drconsole.tui.wizard import screen as wizard_screen
from drconsole.tui.wizard.screen import CopyRestoreWizard
from tests.tui.conftest import Demo, notices, wait_until
from tests.tui.test_screens import newest_recovery_point, open_account

SIZE = (80, 24)
EU, NORTH = "eu-central-1", "eu-north-1"


async def open_wizard(pilot: Any, backup: str) -> CopyRestoreWizard:
    """The wizard on the backup account's newest prod Aurora point in its DR vault."""
    app = pilot.app
    await open_account(pilot, backup)
    await pilot.press("down", "enter")
    assert isinstance(app.screen, RecoveryPointsScreen)
    await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
    await pilot.press("slash", *"prod aurora", "enter", "w")
    assert isinstance(app.screen, CopyRestoreWizard)
    return app.screen


async def test_the_copy_keeps_the_days_typed_and_sends_them(
    demo: Demo, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(wizard_screen, "ARMING_SECONDS", 0)
    backup, prod = demo.info.accounts["backup"], demo.info.accounts["prod"]
    newest = newest_recovery_point(
        demo, backup, NORTH, "dr-eu-north-1", ResourceType="Aurora", ResourceName="prod-"
    )
    dest = f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault"
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        wizard = await open_wizard(pilot, backup)
        wizard.query_one("#restore", Checkbox).value = False  # the copy only
        wizard.query_one("#dest-arn", Input).value = dest
        wizard.query_one("#dest-retention", Input).focus()
        await pilot.press(*"45", "enter")  # Enter in the field plans and checks
        await wait_until(pilot, lambda: wizard.prepared is not None, what="plan", timeout=30)
        prepared = wizard.prepared
        assert prepared is not None and prepared.ok
        (copy,) = prepared.requests
        assert copy.parameters["Lifecycle"] == {"DeleteAfterDays": 45}
        retention = [c for _, r in prepared.reports for c in r.checks if c.id == "copy.retention"]
        assert [c.status.value for c in retention] == ["PASS"]
        await pilot.press("enter")  # to the confirmation
        shown = str(wizard.query_one("#confirm-text", Static).render())
        assert '"DeleteAfterDays": 45' in shown
        await pilot.press("enter")  # Start
        statuses = lambda: [f.status for f in Journal(tmp_path).flows()]  # noqa: E731
        await wait_until(pilot, lambda: statuses() == ["completed"], what="copy", timeout=60)
    (sent,) = [e for e in AuditLog(tmp_path).calls() if e["operation"] == "backup:StartCopyJob"]
    assert (sent["account"], sent["region"]) == (backup, NORTH)
    assert sent["parameters"]["Lifecycle"] == {"DeleteAfterDays": 45}
    (job,) = demo.sandbox.client("backup", backup, NORTH).list_copy_jobs(
        BySourceRecoveryPointArn=newest["RecoveryPointArn"]
    )["CopyJobs"]
    made = demo.sandbox.client("backup", prod, EU).describe_recovery_point(
        BackupVaultName="prod-vault", RecoveryPointArn=job["DestinationRecoveryPointArn"]
    )
    assert made["Lifecycle"]["DeleteAfterDays"] == 45


async def test_a_retention_aws_would_refuse_is_refused_before_planning(
    demo: Demo, tmp_path: Path
) -> None:
    backup, prod = demo.info.accounts["backup"], demo.info.accounts["prod"]
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        wizard = await open_wizard(pilot, backup)
        wizard.query_one(
            "#dest-arn", Input
        ).value = f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault"
        field = wizard.query_one("#dest-retention", Input)
        for typed, said in [
            ("0", "Copy retention 0: expected 1 to "),
            ("2w", "Copy retention '2w': expected a whole number of days"),
            ("-3", "Copy retention '-3': expected a whole number of days"),
            ("9" * 5000, "Copy retention '999"),  # more digits than int() takes
        ]:
            field.value = typed if len(typed) > 10 else ""  # (a paste, not 5,000 keys)
            field.focus()
            await pilot.press(*([] if len(typed) > 10 else typed), "enter")
            await pilot.pause()
            assert str(wizard.query_one("ContentSwitcher").current) == "destination"
            assert wizard.prepared is None and wizard.plan_attempt == 0
            assert any(n.startswith(said) for n in notices(app)), said
        # In place there is no copy: the field is off and not read.
        wizard.query_one("#in-place", Checkbox).value = True
        await pilot.pause()
        assert field.disabled
    assert AuditLog(tmp_path).calls() == []
