"""A table drawn while its new rows are still unmeasured (a busy event loop draws before the
table's idle) shows every cell whole once the rows are measured, not cut to the header's width."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import DataTable, Input
from textual.widgets.data_table import DuplicateKey

import drconsole.tui
from drconsole.tui.widgets.fitted_table import FittedTable

LONG = "prod-orders-db-replica"


class OneTable(App[None]):
    # A fixed height, as on the screens: a table that grew with its rows would be redrawn anyway.
    CSS = "#t { height: 8; }"

    def compose(self) -> ComposeResult:
        yield FittedTable(id="t")


class TableAndFilter(App[None]):
    """A list over a filter, styled by the console's own CSS (its tables' focus included)."""

    CSS_PATH = str(Path(drconsole.tui.__file__).parent / "drconsole.tcss")
    CSS = "#t { height: 8; }"

    def compose(self) -> ComposeResult:
        yield FittedTable(id="t")
        yield Input(id="filter")


def line_texts(table: FittedTable[str]) -> list[str]:
    # Five lines whatever the table's height so far (it grows to its rows once measured).
    return [strip.text for strip in table.render_lines(Region(0, 0, table.size.width, 5))]


def line_styles(table: FittedTable[str]) -> list[set[str]]:
    """The styles drawn on each of the first four lines (header included)."""
    strips = table.render_lines(Region(0, 0, table.size.width, 4))
    return [{str(segment.style) for segment in strip} for strip in strips]


def with_columns(app: App[None], *keys: str) -> FittedTable[str]:
    table = app.query_one(FittedTable)
    for key in keys:
        table.add_column(key.title(), key=key)
    return table


def accounts_loading(app: App[None]) -> FittedTable[str]:
    """Three accounts whose posture is still loading."""
    table = with_columns(app, "name", "posture")
    for name in ("dev", "prod", "qa"):
        table.add_row(name, "loading", key=name)
    return table


async def test_cells_drawn_before_measuring_are_redrawn_whole() -> None:
    app = OneTable()
    async with app.run_test(size=(60, 10)) as pilot:
        table = with_columns(app, "name", "type")
        await pilot.pause()
        table.add_row(LONG, "RDS", key="one")
        line_texts(table)  # drawn before the table's idle has measured the new row
        await pilot.pause()
        assert any(LONG in line for line in line_texts(table)), line_texts(table)


@pytest.fixture
def cells_drawn(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Every body cell DataTable draws, as (row, column), from now on."""
    drawn: list[tuple[int, int]] = []
    draw = DataTable._render_cell

    def counting_draw(table: DataTable[str], row: int, column: int, *args: Any) -> Any:
        if row >= 0:
            drawn.append((row, column))
        return draw(table, row, column, *args)

    monkeypatch.setattr(DataTable, "_render_cell", counting_draw)
    return drawn


@pytest.mark.parametrize("together", [False, True])
async def test_rows_are_measured_before_their_first_drawing(together: bool) -> None:
    """A list just filled, drawn before the table's idle (a busy event loop), shows its
    cells whole: the jobs list showed `FAILE` under `Status` for a frame."""
    app = OneTable()
    async with app.run_test(size=(60, 10)) as pilot:
        table = with_columns(app, "name", "type")
        await pilot.pause()
        if together:
            table.add_keyed_rows([("one", (LONG, "RDS"))])
        else:
            table.add_row(LONG, "RDS", key="one")
        assert any(LONG in line for line in line_texts(table)), line_texts(table)


async def test_an_updated_cell_is_drawn_again_and_the_others_are_kept(
    cells_drawn: list[tuple[int, int]],
) -> None:
    drawn = cells_drawn
    app = OneTable()
    async with app.run_test(size=(60, 10)) as pilot:
        table = accounts_loading(app)
        await pilot.pause()
        line_texts(table)
        drawn.clear()
        table.update_cell("prod", "posture", "2 vault")  # as wide as "loading"
        await pilot.pause()
        lines = line_texts(table)
        assert "prod  2 vault" in lines[2] and "loading" in lines[1] and "loading" in lines[3]
        assert drawn == [(1, 1)]  # prod's posture only, not every visible cell
        table.move_cursor(row=2)
        await pilot.pause()
        lines = line_texts(table)
        assert "qa" in lines[3] and "prod  2 vault" in lines[2]


async def test_lines_follow_the_cursor_and_a_replaced_text() -> None:
    app = OneTable()
    async with app.run_test(size=(60, 10)) as pilot:
        table = with_columns(app, "name", "state")
        for name in ("dev", "prod", "qa"):
            table.add_row(name, Text("ok"), key=name)
        table.focus()
        await pilot.pause()
        before = line_styles(table)
        table.move_cursor(row=1)
        await pilot.pause()
        after = line_styles(table)
        assert after[1] != before[1] and after[2] != before[2]  # dev left, prod got the cursor
        assert after[3] == before[3]
        table.update_cell("qa", "state", Text("bad"))
        await pilot.pause()
        assert "qa    bad" in line_texts(table)[3]


async def test_a_table_filled_again_in_another_order_shows_the_new_order() -> None:
    app = OneTable()
    async with app.run_test(size=(60, 10)) as pilot:
        table = with_columns(app, "name", "state")
        states = {name: Text(state) for name, state in (("dev", "ok"), ("prod", "bad"))}
        for order in (("dev", "prod"), ("prod", "dev"), ("dev", "prod")):
            table.clear()
            for name in order:
                table.add_row(name, states[name], key=name)
            await pilot.pause()
            lines = line_texts(table)
            assert [line.split()[:2] for line in lines[1:3]] == [
                [name, str(states[name])] for name in order
            ], lines
        table.add_row("qa", Text("ok"), key="qa")  # rows 1 and 2: neither has the cursor
        await pilot.pause()
        plain = line_styles(table)
        table.zebra_stripes = True
        await pilot.pause()
        striped = line_styles(table)
        assert plain[2] == plain[3] and striped[2] != striped[3]


async def test_an_updated_cell_redraws_its_row_alone() -> None:
    """The screen keeps the other rows' drawn lines: DataTable's own update_cell had every
    visible line drawn again for each account's posture that arrived."""
    app = OneTable()
    async with app.run_test(size=(60, 10)) as pilot:
        table = accounts_loading(app)
        await pilot.pause()
        region = Region(0, 0, table.size.width, 4)
        before = table.render_lines(region)
        table.update_cell("prod", "posture", "2 vault")  # as wide as "loading"
        await pilot.pause()
        after = table.render_lines(region)
        assert "prod  2 vault" in after[2].text
        assert [after[y] is before[y] for y in range(4)] == [True, True, False, True]
        # Wider, and asked to fit it (as DataTable's): the whole table is drawn again.
        table.update_cell("qa", "posture", "9 vaults, 1 failing", update_width=True)
        await pilot.pause()
        wider = table.render_lines(region)
        assert "9 vaults, 1 failing" in wider[3].text and wider[0] is not after[0]


@pytest.mark.parametrize("height", [1, 2])
async def test_an_updated_row_below_the_fold_is_drawn_where_it_is(height: int) -> None:
    """Scrolled down, with one-line rows and with taller ones: the row updated is drawn with
    its new value at its own place, the rows around it unchanged."""
    app = OneTable()
    async with app.run_test(size=(60, 10)) as pilot:
        table = with_columns(app, "name", "posture")
        for number in range(40):
            table.add_row(f"acct-{number:02d}", "loading", key=f"a{number}", height=height)
        await pilot.pause()
        table.move_cursor(row=30)
        await pilot.pause()
        table.update_cell("a29", "posture", "2 vault")
        await pilot.pause()
        region = Region(0, 0, table.size.width, table.size.height)
        lines = [strip.text for strip in table.render_lines(region)]
        updated = [line for line in lines if "acct-29" in line]
        assert updated and all("2 vault" in line for line in updated), lines
        assert [line for line in lines if "2 vault" in line] == updated
        assert any("acct-30" in line and "loading" in line for line in lines), lines


async def test_rows_added_together_are_drawn_as_rows_added_one_by_one() -> None:
    """`add_keyed_rows` (a refill that sets the cursor once, not once per row) leaves the table
    as `add_row` does: the same rows under the same keys, drawn alike, the cursor where put."""
    names = [f"acct-{number:02d}" for number in range(30)]
    rows = [(name, (name, "loading…" if n % 3 else "ok")) for n, name in enumerate(names)]
    drawn: list[list[str]] = []
    for together in (False, True):
        app = OneTable()
        async with app.run_test(size=(60, 10)) as pilot:
            table = with_columns(app, "name", "posture")
            table.focus()
            if together:
                table.add_keyed_rows(rows)
            else:
                for key, cells in rows:
                    table.add_row(*cells, key=key)
            await pilot.pause()
            assert table.cursor_row == 0
            table.move_cursor(row=12)
            await pilot.pause()
            drawn.append([strip.text for strip in table.render_lines(Region(0, 0, 60, 8))])
            assert [table.get_row_at(i)[0] for i in range(table.row_count)] == names
            assert table.get_row_index("acct-12") == table.cursor_row == 12
            if together:
                with pytest.raises(DuplicateKey):
                    table.add_keyed_rows([("acct-01", ("again", ""))])
    assert drawn[0] == drawn[1] and "acct-12" in "".join(drawn[1])


async def test_the_focus_moving_to_the_filter_and_back_redraws_the_cursor_row_alone(
    cells_drawn: list[tuple[int, int]],
) -> None:
    """`/` and Escape drew every visible cell again (a change of style forgot them all)."""
    app = TableAndFilter()
    async with app.run_test(size=(60, 12)) as pilot:
        table = accounts_loading(app)
        table.focus()
        await pilot.pause()
        focused = line_styles(table)
        cells_drawn.clear()
        app.query_one(Input).focus()
        await pilot.pause()
        blurred = line_styles(table)
        assert {row for row, _ in cells_drawn} == {0}, cells_drawn  # dev holds the cursor
        assert blurred[1] != focused[1]  # the cursor says where the focus is
        assert blurred[2:] == focused[2:]
        cells_drawn.clear()
        table.focus()
        await pilot.pause()
        assert line_styles(table) == focused
        assert {row for row, _ in cells_drawn} <= {0}, cells_drawn


async def test_a_new_theme_draws_every_cell_again(cells_drawn: list[tuple[int, int]]) -> None:
    app = TableAndFilter()
    async with app.run_test(size=(60, 12)) as pilot:
        table = accounts_loading(app)
        await pilot.pause()
        dark = line_styles(table)
        cells_drawn.clear()
        app.theme = "textual-light"
        await pilot.pause()
        light = line_styles(table)
        assert {row for row, _ in cells_drawn} == {0, 1, 2}, cells_drawn
        assert all(light[y] != dark[y] for y in range(1, 4)), (dark, light)


async def test_a_table_filled_again_keeps_cells_shown_as_typed(
    cells_drawn: list[tuple[int, int]],
) -> None:
    """Cells holding `:` or `[` (times, ARNs) are stored as Texts so that they are not read as
    markup; filled again with the same values, they are not drawn again (as strings are not)."""
    drawn = cells_drawn
    app = OneTable()
    async with app.run_test(size=(60, 10)) as pilot:
        table = with_columns(app, "name", "created")
        rows = [("a", ("a", "12:00")), ("b", ("b", "[prod]")), ("c", ("c", "plain"))]
        table.add_keyed_rows(rows)
        await pilot.pause()
        first = line_texts(table)
        drawn.clear()
        table.clear()
        table.add_keyed_rows(rows)
        await pilot.pause()
        assert line_texts(table) == first
        assert "12:00" in first[1] and "[prod]" in first[2]
        assert drawn == []
