"""Keys that arrive together (a fast typist, a slow SSH link) act as if typed one by one: the
editing keys in the order typed, on the field they were typed in, and a key that reads what
was typed before it (Enter, Escape, `w`) reads all of it."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

from textual import events
from textual.pilot import Pilot
from textual.widgets import Button, Input

from drconsole.aws.audit import AuditLog
from drconsole.flows.journal import Journal
from drconsole.job_request import canonical_json
from drconsole.tui.app import DrConsoleApp
from drconsole.tui.key_order import LOST_KEY_SECONDS
from drconsole.tui.screens.accounts import AccountsScreen
from drconsole.tui.screens.recovery_points import RecoveryPointsScreen
from drconsole.tui.widgets.chrome import FilterBar, FilterLine
from drconsole.tui.wizard.restore_form import RestoreFormPane
from drconsole.tui.wizard.screen import ARMING_SECONDS, CopyRestoreWizard
from tests.tui.conftest import Demo, wait_until
from tests.tui.test_screens import accounts_loaded, newest_recovery_point, open_account
from tests.tui.test_wizard import EU, NORTH, pane, read_to_end, restore_jobs_in, text_of

CHARACTERS = {"space": " ", "slash": "/"}


def burst(app: DrConsoleApp, *keys: str) -> None:
    """Post `keys` to the app at once, as its terminal driver does with keys read together."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else CHARACTERS.get(key)))


async def dr_vault(pilot: Pilot[object], backup: str) -> RecoveryPointsScreen:
    """The backup account's eu-north-1 vault, every recovery point listed."""
    await open_account(pilot, backup)
    await pilot.press("down", "enter")
    screen = pilot.app.screen
    assert isinstance(screen, RecoveryPointsScreen)
    await wait_until(pilot, lambda: screen.loading_done, what="recovery points")
    return screen


async def accounts_screen(pilot: Pilot[object]) -> AccountsScreen:
    """The accounts screen once every account is listed."""
    await wait_until(pilot, lambda: accounts_loaded(pilot.app), what="accounts", timeout=60)
    screen = pilot.app.screen
    assert isinstance(screen, AccountsScreen)
    return screen


def typed(text: str) -> list[str]:
    return ["space" if char == " " else char for char in text]


async def test_a_burst_of_filter_keys_then_w_opens_the_point_the_filter_kept(demo: Demo) -> None:
    backup = demo.info.accounts["backup"]
    newest = newest_recovery_point(
        demo, backup, NORTH, "dr-eu-north-1", ResourceType="Aurora", ResourceName="prod-"
    )
    app = demo.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await dr_vault(pilot, backup)

        # The list is filtered as the bar reads the key, before any message is handled, so a
        # key routed right behind it (Enter, then `w`) finds the list filtered.
        bar = screen.query_one(FilterBar)
        bar.value = "prod"
        assert screen.query_text == "prod"
        bar.value = ""
        assert screen.query_text == ""

        # Typed, erased and typed again; Escape drops all of it, however fast it came.
        burst(app, "slash", *typed("prod aur"), "backspace", "ctrl+w", "escape")
        await wait_until(pilot, lambda: app.screen.focused is screen.rp_list, what="the list")
        await pilot.pause(0.3)
        assert screen.query_text == "" and screen.query_one(FilterBar).value == ""
        assert not screen.query_one(FilterLine).display

        burst(app, "slash", *typed("prod auroxa"), "left", "backspace", "r", "enter", "w")
        await wait_until(pilot, lambda: isinstance(app.screen, CopyRestoreWizard), what="wizard")
        assert screen.query_text == "prod aurora"
        wizard = app.screen
        assert isinstance(wizard, CopyRestoreWizard) and wizard.point is not None
        assert wizard.point.arn == newest["RecoveryPointArn"]


async def test_a_burst_in_the_restore_form_sends_what_was_typed(demo: Demo, tmp_path: Path) -> None:
    backup, prod = demo.info.accounts["backup"], demo.info.accounts["prod"]
    dest = f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault"
    jobs_before = len(restore_jobs_in(demo, prod))
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await dr_vault(pilot, backup)
        await pilot.press("slash", *"prod aurora", "enter", "w")
        wizard = app.screen
        assert isinstance(wizard, CopyRestoreWizard)
        wizard.query_one("#dest-arn", Input).focus()
        await pilot.press(*dest, "enter")
        await wait_until(pilot, lambda: wizard.prepared is not None, what="plan", timeout=30)
        await pilot.press("enter")
        await read_to_end(pilot, wizard)
        await pilot.pause(ARMING_SECONDS)
        await pilot.press("enter")  # Start the copy
        await wait_until(pilot, lambda: pane(app) == "form", what="restore form", timeout=60)
        form = wizard.query_one(RestoreFormPane)
        before = form.values()
        assert list(before)[2] == "Port" and len(before) == 4

        # To Port, a value out of range, on to the end: Enter on the last field submits.
        burst(app, "enter", "enter", "ctrl+u", *"70000", "enter", "enter")
        await wait_until(pilot, lambda: "70000" in text_of(app, "#form-errors"), what="error")
        port = next(field for field in form.query(Input) if field.name == "Port")
        assert app.screen.focused is port and pane(app) == "form"
        assert form.values() == before | {"Port": "70000"}  # nothing else was touched

        # Fixed the way a person fixes it, in one burst with the Enters that send it.
        burst(app, "ctrl+u", *"5432", "backspace", "3", "enter", "enter", "enter")
        await wait_until(pilot, lambda: pane(app) == "final", what="final request", timeout=60)
        assert form.values() == before | {"Port": "5433"}
        request = wizard.asked_request
        assert request is not None and json.loads(request.body)["Metadata"]["Port"] == "5433"
        assert '"Port": "5433"' in text_of(app, "#final-text")
        assert wizard.query_one("#send-final", Button) is app.screen.focused
        # What more Enters on the last field send, had they come before the form went on.
        form.post_message(RestoreFormPane.Submitted())
        form.post_message(RestoreFormPane.Submitted())
        await pilot.pause(0.3)
        assert pane(app) == "final" and wizard.asked_request is request
        await read_to_end(pilot, wizard)
        await pilot.pause(ARMING_SECONDS)
        await pilot.press("enter")  # Send the restore
        await wait_until(pilot, lambda: pane(app) == "result", what="result", timeout=60)
        await pilot.pause(0.5)

    # The Enters behind the one that submitted did not run the flow again.
    assert [flow.status for flow in Journal(tmp_path).flows()] == ["completed"]
    sent = [e for e in AuditLog(tmp_path).calls() if e["operation"] == "backup:StartRestoreJob"]
    assert [canonical_json(e["parameters"]) for e in sent] == [request.body]
    assert len(restore_jobs_in(demo, prod)) == jobs_before + 1


async def test_keys_behind_a_lost_key_go_on_after_a_while(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await accounts_screen(pilot)
        # Taken and never handled, as a key whose widget is removed with it in its queue.
        assert app.keys_in_order.admit(events.Key("x", "x"))
        started = time.monotonic()
        burst(app, "slash", "p")
        await pilot.pause(0.3)
        assert screen.query_text == ""  # held behind the lost key
        await wait_until(pilot, lambda: screen.query_text == "p", what="the keys", timeout=10)
        assert time.monotonic() - started >= LOST_KEY_SECONDS


EDITING_KEYS = ["a", "b", "space", "backspace", "delete", "left", "right", "home", "end", "ctrl+u"]


async def test_any_editing_burst_leaves_the_filter_as_typed_one_key_at_a_time(demo: Demo) -> None:
    rng = random.Random(20261204)
    app = demo.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await accounts_screen(pilot)
        await pilot.press("slash")
        bar = screen.query_one(FilterBar)

        async def typed_value(keys: list[str], together: bool) -> str:
            bar.value = ""
            await pilot.pause()
            if together:
                burst(app, *keys)
                await wait_until(pilot, lambda: app.keys_in_order.idle, what="the burst")
            else:
                await pilot.press(*keys)  # Pilot waits for each key to be handled
            await pilot.pause()
            assert screen.query_text == bar.value  # the list shows what the bar says
            return bar.value

        for _ in range(10):
            keys = rng.choices(EDITING_KEYS, k=rng.randint(3, 12))
            assert await typed_value(keys, together=True) == await typed_value(keys, False), keys


async def test_the_filter_edits_itself_without_a_trip_through_the_screen(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await accounts_screen(pilot)
        await pilot.press("slash")
        reached_the_screen: list[str] = []

        def note(message: object) -> None:
            if isinstance(message, events.Key):
                reached_the_screen.append(message.key)

        screen.message_signal.subscribe(screen, note, immediate=True)
        # The filter's own bindings run in the filter: a key behind them waits for nothing
        # else, however busy the screen's queue is with a loading list.
        burst(app, "a", "backspace", "b", "c", "left", "delete", "d")
        await wait_until(pilot, lambda: screen.query_text == "bd", what="the keys", timeout=10)
        assert screen.query_one(FilterBar).value == "bd"
        assert reached_the_screen == []
