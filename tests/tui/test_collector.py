"""While the accounts screen loads, no full garbage collection stops every thread (young
generations are still collected, less often); once every account is read, collections are as
before and what was loaded is frozen out of the collector's sight."""

from __future__ import annotations

import gc

from drconsole.tui.collector import HELD_OFF, YOUNG_WHILE_HELD
from drconsole.tui.screens.accounts import AccountsScreen
from tests.tui.conftest import Demo, wait_until
from tests.tui.test_screens import accounts_loaded


async def test_full_collections_wait_for_the_accounts_then_resume(slow_demo: Demo) -> None:
    before = gc.get_threshold()
    assert before[2] != HELD_OFF
    app = slow_demo.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, AccountsScreen) and app.screen.organization is not None,
            what="organization",
        )
        screen = app.screen
        assert isinstance(screen, AccountsScreen)
        assert not accounts_loaded(app)
        # Young collections go on, less often; full ones wait.
        assert gc.get_threshold() == (max(before[0], YOUNG_WHILE_HELD), before[1], HELD_OFF)
        frozen = gc.get_freeze_count()
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts", timeout=60)
        await wait_until(pilot, lambda: gc.get_threshold() == before, what="collections resumed")
        assert gc.get_freeze_count() > frozen
        # A refresh reads them again: held again, and resumed again.
        await pilot.press("r")
        await wait_until(
            pilot, lambda: gc.get_threshold()[2] == HELD_OFF, what="held again", timeout=10
        )
        await wait_until(pilot, lambda: gc.get_threshold() == before, what="resumed", timeout=60)
    assert gc.get_threshold() == before


def collector_sees(app: object) -> bool:
    """Whether a collection would walk `app` (frozen objects are out of `gc.get_objects`)."""
    return any(seen is app for seen in gc.get_objects())


async def test_what_start_up_made_is_frozen_until_the_console_closes(demo: Demo) -> None:
    """Once the console's first frame is drawn, what start-up made is out of the collector's
    sight (a full collection walks only what came after); once the console is closed it is
    collectable again."""
    app = demo.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: not collector_sees(app), what="start-up frozen")
    assert collector_sees(app)
