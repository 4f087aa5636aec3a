"""The wizard under a real operator's terminal: a click on Start (always on screen) and a
terminal shrunk mid-flow never send a request whose end nobody could see."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.containers import VerticalScroll
from textual.widgets import Input

from drconsole.aws.audit import AuditLog
from drconsole.flows.journal import Journal
from drconsole.tui.wizard import screen as wizard_screen
from drconsole.tui.wizard.screen import ARMING_SECONDS, CopyRestoreWizard
from tests.tui.conftest import Demo, screen_lines, wait_until
from tests.tui.test_screens import open_account
from tests.tui.test_wizard import EU, SLOW_ARMING, pane


def copies_sent(state_dir: Path) -> list[dict[str, Any]]:
    return [e for e in AuditLog(state_dir).calls() if e["operation"] == "backup:StartCopyJob"]


def started(state_dir: Path) -> bool:
    """Start acted: the flow is journaled and its copy step was sent (or found already made:
    the module's tests copy the same point)."""
    flows = Journal(state_dir).flows()
    return len(flows) == 1 and bool(flows[0].steps)


async def confirm_pane(demo: Demo, app: Any, pilot: Any, row: int) -> CopyRestoreWizard:
    """The confirm pane of a copy of a backup account's point (`row` of its first vault; one
    per test: a point already copied brings a caution) back into prod."""
    prod = demo.info.accounts["prod"]
    await open_account(pilot, demo.info.accounts["backup"])
    await pilot.press("enter")
    await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
    await pilot.press(*["down"] * row, "w")
    wizard = app.screen
    assert isinstance(wizard, CopyRestoreWizard)
    wizard.query_one("#dest-arn", Input).focus()
    await pilot.press(*f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault", "enter")
    await wait_until(pilot, lambda: wizard.prepared is not None, what="plan", timeout=30)
    await pilot.click("#to-confirm")
    assert pane(app) == "confirm"
    return wizard


async def test_start_clicked_after_a_shrink_sends_nothing_until_the_request_was_read(
    demo: Demo, tmp_path: Path
) -> None:
    """Shrunk to 60x20 (a tmux pane split), the request's end is below the body while Start
    stays on screen: a click on it sent the copy unread. It now shows the next page and says
    why; once the end has been on screen, the click starts the copy that was shown."""
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        wizard = await confirm_pane(demo, app, pilot, 0)
        await pilot.resize_terminal(60, 20)
        await pilot.pause(ARMING_SECONDS + 0.1)
        body = wizard.query_one("#confirm-body", VerticalScroll)
        assert body.max_scroll_y > 0 and body.scroll_y == 0
        assert "sent only when you confirm it" not in "\n".join(screen_lines(app))
        await pilot.click("#start")
        await pilot.pause(0.2)
        assert pane(app) == "confirm", "Start sent a request whose end was never on screen"
        assert Journal(tmp_path).flows() == [] and copies_sent(tmp_path) == []
        assert body.scroll_y > 0  # the click showed the next page of the request
        for _ in range(10):
            if body.scroll_y >= body.max_scroll_y:
                break
            await pilot.press("pagedown")
            await pilot.pause(0.05)
        assert "sent only when you confirm it" in "\n".join(screen_lines(app))
        await pilot.press("pageup", "pageup", "pageup")  # read, then back up: still read
        await pilot.click("#start")
        await wait_until(pilot, lambda: started(tmp_path), what="the copy", timeout=30)
    assert len(Journal(tmp_path).flows()) == 1


async def test_start_clicked_when_the_request_fits_starts_once_armed(
    demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Grown to 200x60, the whole request is on screen: a click before the arming delay does
    nothing, one after it starts the copy (no scrolling asked for)."""
    # Longer than the console's 0.6 s: on a loaded machine the resize alone can take that long,
    # and this test is about a click within the delay.
    monkeypatch.setattr(wizard_screen, "ARMING_SECONDS", SLOW_ARMING)
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        wizard = await confirm_pane(demo, app, pilot, 1)
        await pilot.resize_terminal(200, 60)
        await pilot.click("#start")  # within the arming delay: ignored
        await pilot.pause(0.1)
        assert pane(app) == "confirm" and copies_sent(tmp_path) == []
        assert wizard.query_one("#confirm-body", VerticalScroll).max_scroll_y == 0
        await pilot.pause(SLOW_ARMING)
        await pilot.click("#start")
        await wait_until(pilot, lambda: started(tmp_path), what="the copy", timeout=30)
    assert len(Journal(tmp_path).flows()) == 1


async def test_the_focused_form_field_stays_on_screen_when_the_terminal_shrinks(
    demo: Demo, tmp_path: Path
) -> None:
    """The restore form at 80x24 with the focus on Port; the terminal shrinks to 40x12 (a
    tmux pane split): the field being typed into stays on screen with its value, instead of
    taking keys below the body's edge where nobody sees them."""
    from tests.tui.test_typed_ahead import dr_vault
    from tests.tui.test_wizard import read_to_end

    backup, prod = demo.info.accounts["backup"], demo.info.accounts["prod"]
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await dr_vault(pilot, backup)
        await pilot.press("slash", *"prod aurora", "enter", "w")
        wizard = app.screen
        assert isinstance(wizard, CopyRestoreWizard)
        wizard.query_one("#dest-arn", Input).focus()
        await pilot.press(*f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault", "enter")
        await wait_until(pilot, lambda: wizard.prepared is not None, what="plan", timeout=30)
        await pilot.press("enter")
        if wizard.prepared is not None and wizard.prepared.cautions:  # copied by another test
            await pilot.pause(ARMING_SECONDS)
            await pilot.press("enter")  # ticks "Go on anyway"
            wizard.query_one("#start").focus()
        await read_to_end(pilot, wizard)
        await pilot.pause(ARMING_SECONDS)
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane(app) == "form", what="restore form", timeout=60)
        await pilot.press("enter", "enter", "ctrl+u", *"5433")
        port = app.screen.focused
        assert isinstance(port, Input) and port.name == "Port" and port.value == "5433"
        await pilot.resize_terminal(40, 12)
        await pilot.pause(0.3)
        body = wizard.query_one("#form-body", VerticalScroll).region
        assert app.screen.focused is port and port.value == "5433"
        assert body.contains_region(port.region), (body, port.region)
        assert "5433" in "\n".join(screen_lines(app))
        await pilot.press("escape", "l")  # leave the flow waiting; nothing sent
