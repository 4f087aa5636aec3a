"""Arming turned off (0 seconds) arms nothing: no 0-second timer reaches Textual, whose timers
divide by their interval when they run late and so crashed the console on a loaded machine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.message_pump import MessagePump
from textual.widgets import Button, Input

from drconsole.tui.wizard.screen import CopyRestoreWizard
from tests.tui.conftest import Demo, wait_until
from tests.tui.test_screens import open_account
from tests.tui.test_wizard import EU, SIZE, pane


async def test_a_wizard_without_arming_sets_no_zero_second_timer(
    demo: Demo, tmp_path: Path, monkeypatch: Any
) -> None:
    from drconsole.tui.wizard import screen as wizard_screen

    monkeypatch.setattr(wizard_screen, "ARMING_SECONDS", 0.0)
    delays: list[float] = []
    set_timer = MessagePump.set_timer

    def recording_set_timer(self: MessagePump, delay: float, *args: Any, **kwargs: Any) -> Any:
        delays.append(delay)
        return set_timer(self, delay, *args, **kwargs)

    monkeypatch.setattr(MessagePump, "set_timer", recording_set_timer)
    prod = demo.info.accounts["prod"]
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_account(pilot, demo.info.accounts["backup"])
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
        await pilot.press("w")
        wizard = app.screen
        assert isinstance(wizard, CopyRestoreWizard)
        wizard.query_one("#dest-arn", Input).focus()
        await pilot.press(*f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault", "enter")
        await wait_until(pilot, lambda: wizard.prepared is not None, what="plan", timeout=30)
        await pilot.press("enter")
        assert pane(app) == "confirm"
        # Armed with 0 seconds, the start button is usable at once.
        assert wizard.armed("#start")
        assert not wizard.query_one("#start", Button).has_class("-arming")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, CopyRestoreWizard))
    assert delays, "no timer was recorded at all: the recording does not see Textual's timers"
    assert all(delay > 0 for delay in delays), delays
