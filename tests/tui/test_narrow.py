"""An 80x24 terminal: footer keys, error badges and columns stay whole; Home/End; the palette."""

from __future__ import annotations

import html
import re
from typing import Any

from rich.text import Text
from textual.app import App
from textual.widgets import DataTable

from drconsole.tui.screens.accounts import AccountsScreen
from drconsole.tui.screens.table import TableRow
from drconsole.tui.screens.vaults import VaultsScreen
from tests.tui.conftest import Demo, status_of, wait_until
from tests.tui.test_screens import accounts_loaded


def every_region_read(app: Any) -> bool:
    """The accounts are loaded and every account's every Region answered: no posture changes
    after this (a busy machine could still be reading a second Region when the first shows)."""
    screen = app.screen
    return accounts_loaded(app) and all(
        len(posture.regions_loaded) >= len(app.regions()) or posture.errors
        for account, posture in screen.postures.items()
        if account != app.settings.management_account_id
    )


SMALL = (80, 24)
# Width of one cell in Rich's SVG export (font size 20 times 0.61).
CELL_WIDTH = 12.2


def screen_lines(app: App[object]) -> list[str]:
    """The screen as text lines, each span at its column (from the SVG screenshot)."""
    svg = app.export_screenshot()
    rows: dict[float, str] = {}
    spans = re.findall(r'<text[^>]* x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>', svg)
    for x, y, text in spans:
        column = round(float(x) / CELL_WIDTH)
        line = rows.get(float(y), "").ljust(column)
        rows[float(y)] = line + html.unescape(text).replace("\xa0", " ")
    return [rows[y] for y in sorted(rows)]


async def test_footer_keeps_quit_and_keys_whole_at_80_columns(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        footer = screen_lines(app)[-1]
        assert "q Quit" in footer and "? Keys" in footer, footer


async def test_denied_accounts_badge_is_whole_at_80_columns(demo: Demo) -> None:
    qa = demo.info.accounts["qa"]
    demo.sandbox.options.access_denied_accounts = {qa}
    try:
        app = demo.app()
        async with app.run_test(size=SMALL) as pilot:
            await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
            lines = screen_lines(app)
            assert any("⚠ ROLE_PERMISSIONS" in line for line in lines), "\n".join(lines)
    finally:
        demo.sandbox.options.access_denied_accounts = set()


async def test_vaults_show_their_recovery_point_count_at_80_columns(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        await pilot.press("slash", *demo.info.accounts["backup"], "enter", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, VaultsScreen), what="vaults")
        await wait_until(pilot, lambda: "loading" not in status_of(app), what="vaults loaded")
        header = next(line for line in screen_lines(app) if "Region" in line)
        assert "RPs" in header, header


async def test_home_and_end_jump_to_the_first_and_last_account(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        assert isinstance(app.screen, AccountsScreen)
        table = app.screen.query_one(DataTable)
        await pilot.press("end")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("home")
        assert table.cursor_row == 1  # the first account (row 0 is its OU's header)


async def test_palette_lists_keys_once(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Keys" not in titles  # the app's own "Keys" (every binding) is the one listed
        assert "Quit" in titles


async def test_names_cut_to_fit_are_the_same_rows_at_each_rebuild(demo: Demo) -> None:
    """At a width that cuts account names, a rebuild with nothing changed finds the rows it
    shows (each row made again was compared cell by cell, a thousand at every filter key),
    and a row whose account changed is made again, cut the same way."""
    app = demo.app()
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: every_region_read(app), what="every Region")
        await pilot.pause(0.3)  # the last batch drawn
        screen = app.screen
        assert isinstance(screen, AccountsScreen)
        before = list(screen._shown)
        assert any("…" in str(row.cells[0]) for row in before), [r.cells[0] for r in before]
        screen.rebuild()
        assert all(now is then for now, then in zip(screen._shown, before, strict=True))
        prod = demo.info.accounts["prod"]
        screen.posture_changed(prod)
        screen.rebuild()
        changed = [now for now, then in zip(screen._shown, before, strict=True) if now is not then]
        assert [row.key for row in changed] == [prod]
        old = next(row for row in before if row.key == prod)
        assert changed[0].cells[0] == old.cells[0]


async def test_widest_cells_follow_a_changed_row_wider_then_narrower(demo: Demo) -> None:
    """Only the rows made again are measured at a rebuild: the columns' widest cells are still
    those of every row shown, when a row grows past the others and when it shrinks back."""
    app = demo.app()
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: every_region_read(app), what="every Region")
        await pilot.pause(0.3)  # the last batch drawn
        screen = app.screen
        assert isinstance(screen, AccountsScreen)

        def measured_afresh(rows: list[TableRow]) -> list[int]:
            return [
                max(Text(str(c)).cell_len for c in column)
                for column in zip(*(r.cells for r in rows), strict=True)
            ]

        rows = screen.table_rows()
        assert screen.widest_cells(rows) == measured_afresh(rows)
        index = next(i for i, row in enumerate(rows) if row.selectable)
        wide = rows[index]
        cells = (wide.cells[0], "9" * 40, *wide.cells[2:])
        grown = [*rows[:index], TableRow(wide.key, cells, wide.search, True), *rows[index + 1 :]]
        widest = screen.widest_cells(grown)
        assert widest == measured_afresh(grown)
        assert widest[1] == 40
        again = list(rows)  # the rows as they were, in a new list: the wide row is gone
        assert screen.widest_cells(again) == measured_afresh(rows)
        assert screen.widest_cells(again)[1] < 40
        fewer = rows[:-1]
        assert screen.widest_cells(fewer) == measured_afresh(fewer)
