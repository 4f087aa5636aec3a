"""The console holds its AWS threads from a key's arrival until the frame answering it is drawn,
and while it rebuilds a table; a mouse moving over it does not."""

from __future__ import annotations

from textual import events

from drconsole.aws.pacing import FOREGROUND
from drconsole.tui.screens.accounts import AccountsScreen
from drconsole.tui.widgets.chrome import FilterLine
from tests.tui.conftest import Demo, wait_until
from tests.tui.test_screens import accounts_loaded


async def test_a_key_holds_aws_work_until_its_frame_is_drawn(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts", timeout=60)
        await wait_until(pilot, lambda: not FOREGROUND.held, what="nothing held")
        app.post_message(events.Key("slash", "/"))
        assert FOREGROUND.held
        await wait_until(pilot, lambda: not FOREGROUND.held, what="the key answered")
        screen = app.screen
        assert isinstance(screen, AccountsScreen)
        assert screen.query_one(FilterLine).display  # answered, then the hold ended

        app.post_message(events.MouseMove(None, 3, 3, 0, 0, 0, False, False, False))
        assert not FOREGROUND.held


async def test_a_table_rebuild_holds_aws_work_until_it_is_drawn(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts", timeout=60)
        screen = app.screen
        assert isinstance(screen, AccountsScreen)
        await wait_until(pilot, lambda: not FOREGROUND.held, what="nothing held")
        screen.rebuild()
        assert FOREGROUND.held
        await wait_until(pilot, lambda: not FOREGROUND.held, what="the rebuild drawn")
