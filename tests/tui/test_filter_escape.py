"""Escape clears the filter and shows every account again exactly as before: the same rows in
the same order, the cursor on the account the filter found, the same screen; rows made again
while the filter was on show their new cells."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from textual.widgets import DataTable

from drconsole.tui.app import DrConsoleApp
from drconsole.tui.screens.accounts import AccountsScreen
from tests.tui.conftest import NOW, Demo, screen_lines, status_of, table_text, wait_until
from tests.tui.test_screens import accounts_loaded

SIZE = (120, 40)


def shown_accounts(app: Any) -> list[str]:
    return [row[1] for row in table_text(app) if row[1]]


async def test_escape_shows_every_row_as_before_with_the_cursor_on_the_account_found(
    demo: Demo,
) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        screen = app.screen
        assert isinstance(screen, AccountsScreen)
        table = screen.query_one(DataTable)
        await pilot.press("R")  # sorted by RPs within each OU
        await pilot.pause()
        rows, lines = table_text(app), screen_lines(app)
        first = shown_accounts(app)[0]
        assert screen.highlighted_key() == first
        widths = [column.content_width for column in table.columns.values()]
        kept = {key: table.rows[key] for key in table.rows}

        await pilot.press("slash", *"dev")
        assert len(table_text(app)) < len(rows)  # narrowed
        dev = screen.highlighted_key()
        assert dev != first  # on the best match
        await pilot.press("escape")
        await pilot.pause()

        assert table_text(app) == rows  # every row, in the same order, the same cells
        assert screen.highlighted_key() == dev
        assert [column.content_width for column in table.columns.values()] == widths
        assert "filter" not in status_of(app)
        assert screen_lines(app) == lines  # the same screen, footer and status line included
        # The rows themselves were put back, not added and measured again (a thousand rows
        # refilled were most of Escape's time).
        assert all(table.rows[key] is row for key, row in kept.items())

        # The account the filter found stays under the cursor among all of them (it went to
        # the first account, wherever the operator had looked).
        await pilot.press("down", "down", "down")
        assert screen.highlighted_key() != first
        await pilot.press("slash", *"prod")
        found = screen.highlighted_key()
        assert found is not None and found != first
        await pilot.press("escape")
        await pilot.pause()
        assert table_text(app) == rows and screen.highlighted_key() == found
        # Moved by hand within the filtered rows: Escape keeps that one.
        await pilot.press("slash", *"o", "enter", "down")  # kept, then the list
        moved = screen.highlighted_key()
        assert moved is not None and moved != found
        await pilot.press("escape")
        await pilot.pause()
        assert table_text(app) == rows and screen.highlighted_key() == moved
        # Kept as a row the operator chose: the next rebuild (rows made again) leaves it there.
        screen.rebuild()
        assert screen.highlighted_key() == moved


async def test_rows_made_again_while_filtered_show_their_new_cells_after_escape(
    demo: Demo,
) -> None:
    clock = [NOW]
    app = DrConsoleApp(demo.settings, now=lambda: clock[0], readiness_after_inventory=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        rows = table_text(app)
        await pilot.press("slash", *"prod")
        # Ages are shown to the minute: two hours on, every row is made again at the next key.
        clock[0] = NOW + timedelta(hours=2)
        await pilot.press("backspace")
        await pilot.press("escape")
        await pilot.pause()
        after = table_text(app)
        assert [row[1] for row in after] == [row[1] for row in rows]  # the same rows, in order
        newest = [(row[4], new[4]) for row, new in zip(rows, after, strict=True) if row[1]]
        changed = [pair for pair in newest if pair[0] != pair[1]]
        assert changed, newest  # the Newest column shows the ages two hours on
        assert all(new.endswith("h") or "d" in new for _, new in changed), changed
        # And as a refill from nothing shows them (another console, started at that time).
        fresh = DrConsoleApp(demo.settings, now=lambda: clock[0], readiness_after_inventory=False)
        async with fresh.run_test(size=SIZE) as fresh_pilot:
            await wait_until(fresh_pilot, lambda: accounts_loaded(fresh), what="accounts")
            assert table_text(fresh) == after
