"""The wizard's restore form says which keys of AWS's metadata it does not send (an EC2
instance's network interfaces beside its subnet), and sends the request without them."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Checkbox

from drconsole.aws.audit import AuditLog
from drconsole.tui.screens.recovery_points import RecoveryPointsScreen
from drconsole.tui.wizard.restore_form import RestoreFormPane
from drconsole.tui.wizard.screen import ARMING_SECONDS, CopyRestoreWizard
from tests.tui.conftest import Demo, notices, wait_until
from tests.tui.test_screens import open_account
from tests.tui.test_wizard import SIZE, SLOW_ARMING, pane, text_of


async def test_the_form_says_the_interfaces_it_leaves_out_and_sends_without_them(
    demo: Demo, tmp_path: Path
) -> None:
    prod = demo.info.accounts["prod"]
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_account(pilot, prod)
        await pilot.press("enter")  # prod-vault (eu-central-1), the first vault
        assert isinstance(app.screen, RecoveryPointsScreen)
        await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
        await pilot.press("slash", *"prod-web-1", "enter")
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
        form = app.screen.query_one(RestoreFormPane)
        assert form.values()["SubnetId"].startswith("subnet-")
        app.screen.query_one("#submit-form", Button).focus()
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane(app) in ("final", "result"), what="request")
        if pane(app) == "final":  # the request built from the form, shown and asked
            assert app.screen.focused is app.screen.query_one("#send-final", Button)
            await pilot.pause(SLOW_ARMING)
            await pilot.press("enter")
        await wait_until(pilot, lambda: pane(app) == "result", what="result", timeout=60)
        said = notices(app)
        result = text_of(app, "#result-text")
    assert any(n.startswith("NetworkInterfaces of the recovery point is not sent") for n in said), (
        said
    )
    assert "Done." in result and "created resource" in result, result
    sent = [c for c in AuditLog(tmp_path).calls() if c["operation"] == "backup:StartRestoreJob"]
    assert len(sent) == 1 and "NetworkInterfaces" not in sent[0]["parameters"]["Metadata"]
