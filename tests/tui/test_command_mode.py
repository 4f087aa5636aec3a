"""`:` command mode, Ctrl+C quitting (asking first while a flow runs)."""

from __future__ import annotations

import threading

from drconsole.tui import command_mode
from drconsole.tui.jobs_screen import JobsScreen
from drconsole.tui.screens.accounts import AccountsScreen
from drconsole.tui.screens.dialogs import ConfirmQuit
from drconsole.tui.screens.org_protected import OrgProtectedScreen
from drconsole.tui.screens.protected import ProtectedResourcesScreen
from drconsole.tui.screens.recovery_points import RecoveryPointsScreen
from drconsole.tui.screens.vaults import VaultsScreen
from drconsole.tui.widgets.notice_bar import NoticeBar
from tests.tui.conftest import Demo, screen_lines, status_of, wait_until
from tests.tui.conftest import notices as notices_said
from tests.tui.test_screens import accounts_loaded

SIZE = (100, 30)


def test_unknown_command_and_empty_line_say_what_is_wrong() -> None:
    for text, expected in ((":nope", "no such command"), (":", "type a command")):
        try:
            command_mode.resolve(text)
        except command_mode.CommandError as problem:
            assert expected in str(problem)
        else:
            raise AssertionError(f"{text!r} resolved")


def test_a_new_screen_registers_its_own_alias() -> None:
    seen: list[str] = []
    command_mode.register(
        command_mode.Command(("readiness-test", "rt"), "test", lambda app, arg: seen.append(arg))
    )
    try:
        command, argument = command_mode.resolve(":rt eu-north-1")
        command.run(None, argument)  # type: ignore[arg-type]
        assert seen == ["eu-north-1"]
        assert "rt" in command_mode.names()
    finally:
        for name in ("readiness-test", "rt"):
            command_mode._REGISTRY.pop(name)


async def test_colon_aliases_jump_between_screens(demo: Demo) -> None:
    prod = demo.info.accounts["prod"]
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        await pilot.press("colon", *"vaults prod", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, VaultsScreen), what="vaults")
        assert app.screen.account.id == prod  # type: ignore[attr-defined]
        await pilot.press("colon", *"protected", "enter")  # the account in context
        await wait_until(
            pilot, lambda: isinstance(app.screen, ProtectedResourcesScreen), what="protected"
        )
        assert app.screen.account.id == prod  # type: ignore[attr-defined]
        await pilot.press("colon", *"rp dr-eu-north-1", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RecoveryPointsScreen), what="rp")
        assert app.screen.vault.name == "dr-eu-north-1"  # type: ignore[attr-defined]
        await pilot.press("escape")  # Back goes to that vault's account
        assert isinstance(app.screen, VaultsScreen)
        await pilot.press("colon", *"protected all", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, OrgProtectedScreen), what="org")
        await pilot.press("colon", *"jobs", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs")
        await pilot.press("escape")
        await pilot.press("colon", *"acc", "tab", "enter")  # Tab completes :accounts
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen), what="accounts")
        assert len(app.screen_stack) == 2
        await pilot.press("colon", *"accounts prod", "enter")  # filtered, best match first
        await wait_until(pilot, lambda: "filter 'prod'" in status_of(app), what="filtered")
        assert app.screen.highlighted_key() == demo.info.accounts["prod"]  # type: ignore[attr-defined]
        await pilot.press("colon", *"bogus", "enter")
        await pilot.pause()
        assert isinstance(app.screen, AccountsScreen)
        assert any("no such command" in n for n in notices_said(app))


async def test_ctrl_c_quits(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        await pilot.press("slash")  # even from the filter's input, which would copy
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: not app.is_running, what="exit")


async def test_ctrl_c_asks_first_while_a_flow_runs(demo: Demo) -> None:
    app = demo.app()
    release = threading.Event()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        # A worker in the wizard's flow group stands for a copy/restore flow in progress.
        app.run_worker(release.wait, thread=True, group="wizard-run")
        await wait_until(pilot, app.flow_running, what="flow running")
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmQuit), what="question")
        await pilot.press("n")
        assert app.is_running and isinstance(app.screen, AccountsScreen)
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmQuit), what="question")
        await pilot.press("y")
        release.set()
        await wait_until(pilot, lambda: not app.is_running, what="exit")


async def test_after_every_back_the_list_has_the_focus(demo: Demo) -> None:
    from drconsole.tui.checks_screen import ChecksScreen
    from drconsole.tui.screens.detail import DetailScreen

    app = demo.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        await pilot.press("colon", *"rp dr-eu-north-1", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RecoveryPointsScreen), what="rp")
        await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
        rp_screen = app.screen
        for key, opened in (("enter", DetailScreen), ("c", ChecksScreen), ("question_mark", None)):
            await pilot.press(key)
            await pilot.pause(0.3)
            if opened is not None:
                assert isinstance(app.screen, opened)
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.screen is rp_screen, what="back")
            await pilot.pause(0.2)
            assert app.focused is rp_screen.main_widget(), (key, app.focused)  # type: ignore[attr-defined]
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, VaultsScreen), what="vaults")
        await pilot.pause(0.2)
        assert app.focused is app.screen.main_widget()  # type: ignore[attr-defined]


async def test_a_mistyped_command_with_markup_is_said_as_typed(demo: Demo) -> None:
    """The notice echoes what was typed: `[/x]` is text, not a closing tag (a notice read
    as markup could not be drawn)."""
    app = demo.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        await pilot.press("colon", *"[/x] [b]ops", "enter")
        bar = app.screen.query_one(NoticeBar)
        await wait_until(pilot, lambda: bool(bar.notices), what="a notice")
        await pilot.pause(0.2)
        assert ":[/x]: no such command" in str(bar.render())
        assert ":[/x]: no such command" in "\n".join(screen_lines(app))


async def test_help_lists_every_command_in_a_dialog_read_whole_at_80x24(demo: Demo) -> None:
    """`:help` was a notice of a dozen lines: cut at 80x24 where a screen has few lines to give
    (the drill run view), and gone after 12 s. Now a dialog that scrolls, on every screen."""
    from drconsole.tui.screens.dialogs import HelpScreen

    app = demo.app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        await pilot.press("colon", *"help", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        help_screen = app.screen
        assert not notices_said(app)
        seen: list[str] = []
        for _ in range(10):  # page through it as an operator would
            seen += screen_lines(app)
            await pilot.press("pagedown")
            await pilot.pause()
        text = "\n".join(seen)
        assert "Commands" in text
        for command in command_mode.commands():
            assert f":{command.names[0]}" in text, command.names
            assert command.help[:30] in text, command.help
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not help_screen
        assert isinstance(app.screen, AccountsScreen)
