"""The console's wizard shows and sends a value that merely looks like a credential as typed."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Checkbox, Input

from drconsole.aws.audit import AuditLog
from drconsole.flows.journal import Journal
from drconsole.tui.screens.recovery_points import RecoveryPointsScreen
from drconsole.tui.wizard.restore_form import RestoreFormPane
from drconsole.tui.wizard.screen import ARMING_SECONDS, CopyRestoreWizard
from tests.tui.conftest import Demo, wait_until
from tests.tui.test_screens import newest_recovery_point, open_account
from tests.tui.test_wizard import EU, SIZE, pane, text_of

# 40 mixed-case letters and digits: a legal DynamoDB table name of a secret access key's shape.
NAME = "WizardRestoreTable2026DecemberFifthRun01"


async def test_the_wizard_shows_and_sends_a_credential_shaped_table_name(
    demo: Demo, tmp_path: Path
) -> None:
    prod = demo.info.accounts["prod"]
    newest = newest_recovery_point(demo, prod, EU, "prod-vault", ResourceName="prod-sessions")
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_account(pilot, prod)
        await pilot.press("enter")  # prod-vault (eu-central-1), the first vault
        assert isinstance(app.screen, RecoveryPointsScreen)
        await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
        await pilot.press("slash", *"prod-sessions", "enter")
        await pilot.press("w")
        wizard = app.screen
        assert isinstance(wizard, CopyRestoreWizard) and wizard.point is not None
        assert wizard.point.arn == newest["RecoveryPointArn"]
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
        form = app.screen.query_one(RestoreFormPane)
        field = next(i for i in form.query(Input) if i.name == "targetTableName")
        field.value = NAME
        app.screen.query_one("#submit-form", Button).focus()
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane(app) == "final", what="final request", timeout=60)
        final = text_of(app, "#final-text")
        assert f'"targetTableName": "{NAME}"' in final and "<redacted>" not in final, final
        app.screen.query_one("#send-final", Button).focus()
        await pilot.pause(ARMING_SECONDS)
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane(app) == "result", what="result", timeout=60)
        assert "Done." in text_of(app, "#result-text"), text_of(app, "#result-text")
    assert [f.status for f in Journal(tmp_path).flows()] == ["completed"]
    sent = [e for e in AuditLog(tmp_path).calls() if e["operation"] == "backup:StartRestoreJob"]
    assert [e["parameters"]["Metadata"]["targetTableName"] for e in sent] == [NAME]
    tables = demo.sandbox.client("dynamodb", prod, EU).list_tables()["TableNames"]
    assert NAME in tables
