"""A drill's manual step is asked wherever the operator is: the keys being typed for the screen
below must not answer it (it is armed, as the wizard's Start and Send are), and a long step is
read by scrolling, its note field and buttons always on screen (80x24)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from drconsole.drills.runbook import ManualStep
from drconsole.tui.drills import manual_dialog
from drconsole.tui.drills.manual_dialog import ManualStepDialog
from drconsole.tui.drills.run_screen import DrillScreen
from drconsole.tui.jobs_screen import JobsScreen
from tests.test_drill_run import PAYMENTS
from tests.tui.conftest import Demo, screen_lines, wait_until
from tests.tui.test_wizard import SLOW_ARMING


async def test_keys_typed_for_the_screen_below_do_not_answer_a_manual_step(
    demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from drconsole.drills.parse import load_runbook

    # Longer than any pause a loaded machine puts between the dialog appearing and the next
    # key, so that "typed ahead" below is always ahead.
    monkeypatch.setattr(manual_dialog, "ARMING_SECONDS", SLOW_ARMING)
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        drill = DrillScreen(load_runbook(PAYMENTS))
        await app.push_screen(drill)
        await pilot.pause(0.2)
        app.action_jobs()  # the operator went on to the Jobs screen while the drill runs
        await wait_until(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs")
        step = ManualStep("app-check", "Point the staging app at the restored DB", "after")
        # The runner asks (from its thread) just as the operator types `/qa` Enter.
        await pilot.press("slash", "q")
        drill.post_message(DrillScreen.ManualAsked(step))
        await wait_until(pilot, lambda: isinstance(app.screen, ManualStepDialog), what="dialog")
        await pilot.press("a", "enter", "ctrl+n")  # typed ahead: nobody read the step
        await pilot.pause(0.1)
        assert drill._answers.empty(), drill._answers.get_nowait()
        dialog = app.screen
        assert isinstance(dialog, ManualStepDialog)
        assert dialog.query_one("#manual-note", Input).value == ""  # the keys went nowhere

        # Armed, the note takes the keys and Enter answers.
        await wait_until(pilot, lambda: isinstance(app.focused, Input), what="armed")
        await pilot.press(*"ok", "enter")
        await wait_until(pilot, lambda: not drill._answers.empty(), what="answer")
        assert drill._answers.get_nowait() == (True, "ok")

        # With no arming (0 seconds) the dialog answers at once and sets no 0-second timer
        # (Textual divides by a timer's interval when it runs late).
        monkeypatch.setattr(manual_dialog, "ARMING_SECONDS", 0.0)
        drill.post_message(DrillScreen.ManualAsked(step))
        await wait_until(pilot, lambda: isinstance(app.screen, ManualStepDialog), what="again")
        unarmed = app.screen
        assert isinstance(app.focused, Input)
        assert not any(timer._interval <= 0 for timer in unarmed._timers)
        await pilot.press("enter")
        await wait_until(pilot, lambda: not drill._answers.empty(), what="answer at once")
        assert drill._answers.get_nowait() == (True, "")


async def test_a_long_manual_step_scrolls_with_its_note_and_buttons_on_screen_at_80x24(
    demo: Demo, tmp_path: Path
) -> None:
    from drconsole.drills.parse import load_runbook

    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        drill = DrillScreen(load_runbook(PAYMENTS))
        await app.push_screen(drill)
        await pilot.pause(0.2)
        text = "\n".join(f"{n}. do step number {n} of the fail-over" for n in range(1, 19))
        drill.post_message(DrillScreen.ManualAsked(ManualStep("failover", text, "after")))
        await wait_until(pilot, lambda: isinstance(app.screen, ManualStepDialog), what="dialog")
        await wait_until(pilot, lambda: isinstance(app.focused, Input), what="armed")
        dialog = app.screen
        for control in ("#manual-note", "#performed", "#not-performed"):
            region = dialog.query_one(control).region
            assert region.height > 0 and region.y >= 0 and region.bottom <= 24, (control, region)
        assert "1. do step number 1 of" in "\n".join(screen_lines(app))
        # Page Down (the focus in the note) brings the end of the step into view.
        for _ in range(4):
            await pilot.press("pagedown")
        await pilot.pause(0.1)
        assert "18. do step number 18 of" in "\n".join(screen_lines(app))
        assert isinstance(app.focused, Input)
