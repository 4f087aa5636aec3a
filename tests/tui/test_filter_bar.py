"""The `/` filter at 80x24: a query wider than the bar scrolls to what is typed, the status line
shows each key's filter as drawn, and typing never lays out the whole screen (a layout per key
redrew every table's scrollbar and kept keys waiting while accounts loaded); the filter's line
opens over the footer and leaves the list as drawn, and the cursor still shows the focus."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from textual.app import App
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable

from drconsole.tui.screens.accounts import AccountsScreen
from drconsole.tui.screens.table import REBUILD_INTERVAL, TableScreen
from drconsole.tui.widgets.chrome import FilterBar, FilterLine
from drconsole.tui.widgets.recovery_point_list import RecoveryPointList
from tests.tui.conftest import Demo, screen_lines, wait_until
from tests.tui.test_screens import accounts_loaded
from tests.tui.test_snapshots import backup_dr_vault

SIZE = (80, 24)


@pytest.fixture
def layouts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Each layout of the whole screen from now on (its screen's class name)."""
    seen: list[str] = []
    refresh_layout = Screen._refresh_layout

    def counted(self: Screen, *args: object, **kwargs: object) -> None:
        if self._layout_required:
            seen.append(type(self).__name__)
        refresh_layout(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Screen, "_refresh_layout", counted)
    yield seen


async def test_a_long_query_scrolls_and_each_key_is_drawn_without_a_layout(
    demo: Demo, layouts: list[str]
) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        await pilot.press("slash")
        await pilot.pause(0.2)
        layouts.clear()
        # Spaces: every key refilters and changes the status line, the rows stay the same.
        for typed in range(1, 21):
            await pilot.press("space")
            await pilot.pause()
            if typed <= 5:  # (beyond, the line is cut at 80 columns)
                status = screen_lines(app)[-2]
                assert f"filter {' ' * typed!r}" in status, (typed, status)
        assert layouts == [], f"{len(layouts)} layouts of the screen for 20 keys"

        # Wider than the bar: the bar shows the end of what is typed, where the cursor is.
        await pilot.press(*("x" * 90), "y", "z")
        await pilot.pause()
        bar = app.screen.query_one(FilterBar)
        line = screen_lines(app)[bar.region.y]
        assert "xxyz" in line and bar.cursor_position == len(bar.value), line


@pytest.fixture
def rebuilds(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The rows each list screen had shown from now on, at each of its rebuilds."""
    shown: list[int] = []
    rebuild = TableScreen.rebuild

    def counted(self: TableScreen) -> None:
        shown.append(self.table.row_count)
        rebuild(self)

    monkeypatch.setattr(TableScreen, "rebuild", counted)
    yield shown


async def test_escape_rebuilds_the_list_once(demo: Demo, rebuilds: list[int]) -> None:
    """Escape clears the filter, then hears of the filter's change: the list of every account
    was rebuilt twice, the second time for nothing (a thousand rows each time)."""
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        await pilot.press("slash", *"prod")
        await pilot.pause(0.2)
        narrowed = app.screen.query_one(DataTable).row_count
        rebuilds.clear()
        await pilot.press("escape")
        await pilot.pause(0.2)
        table = app.screen.query_one(DataTable)
        assert table.row_count > narrowed and not app.screen.query_one(FilterLine).display
        assert rebuilds == [narrowed], rebuilds


async def test_a_key_rebuilding_the_list_takes_the_place_of_the_rebuild_due(
    demo: Demo, rebuilds: list[int]
) -> None:
    """A posture arrives (a rebuild is due in 0.2 s), then a filter key rebuilds the list at
    once: the rebuild due is not made as well (while a thousand accounts loaded, each key
    left one behind, and the list was rebuilt three times as often as results came)."""
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        await pilot.press("slash")
        await pilot.pause(0.3)
        screen = app.screen
        assert isinstance(screen, AccountsScreen)
        rebuilds.clear()
        screen.posture_changed(demo.info.accounts["prod"])
        await pilot.press("p")
        await pilot.pause(REBUILD_INTERVAL + 0.3)
        assert len(rebuilds) == 1, rebuilds
        assert "filter 'p'" in screen_lines(app)[-2]


@pytest.mark.parametrize(
    ("size", "no_color"), [((120, 40), False), ((80, 24), False), ((80, 24), True)]
)
async def test_the_filter_line_opens_over_the_footer_and_leaves_the_list_alone(
    demo: Demo,
    layouts: list[str],
    monkeypatch: pytest.MonkeyPatch,
    size: tuple[int, int],
    no_color: bool,
) -> None:
    """`/` opens the filter's line over the footer and Escape closes it: the list keeps its
    size and every line it drew (the highlighted row among them), the status line stays, and
    each key lays the screen out once at most. The bar used to take three lines from the list:
    every visible row was drawn again at `/` and at Escape, and the screen laid out twice for a
    long list (its scrollbar resized)."""
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    app = demo.app()
    async with app.run_test(size=size) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        screen = app.screen
        assert isinstance(screen, AccountsScreen)
        table = screen.query_one(DataTable)
        # Opened once before: the first opening lays out the line's own parts a second time.
        await pilot.press("slash", "escape", "end")  # the cursor on the row nearest the bar
        await pilot.pause(0.2)
        region, before = table.region, screen_lines(app)
        last = screen.highlighted_key()
        assert any(last in line for line in before[region.y : region.bottom]), before

        layouts.clear()
        await pilot.press("slash")
        await pilot.pause(0.2)
        lines = screen_lines(app)
        bar = screen.query_one(FilterBar)
        assert app.focused is bar and table.region == region
        assert lines[:-1] == before[:-1]  # the list, its highlighted row and the status line
        assert lines[-1].startswith(" / ") and "Enter keeps · Esc clears" in lines[-1], lines
        assert len(layouts) <= 1, layouts

        await pilot.press(*"prod")
        await pilot.pause(0.2)
        lines = screen_lines(app)
        assert lines[-1].startswith(" / prod ") and "Enter keeps · Esc clears" in lines[-1]
        assert bar.cursor_position == len("prod")
        assert "filter 'prod'" in lines[-2]  # the status line, still shown, says the filter
        highlighted = screen.highlighted_key()
        assert any(highlighted in line for line in lines[region.y : region.bottom]), lines

        layouts.clear()
        await pilot.press("escape")
        await pilot.pause(0.2)
        lines = screen_lines(app)
        assert table.region == region and not screen.query_one(FilterLine).display
        assert lines[-1] == before[-1]  # the footer's keys again
        assert "filter" not in lines[-2]
        assert len(layouts) <= 1, layouts


def styled_line(app: App[None], y: int) -> list[tuple[str, str]]:
    """Line `y` of the screen as drawn: each piece of text with its style."""
    strip = app.screen._compositor.render_strips()[y]
    return [(segment.text, str(segment.style)) for segment in strip]


async def cursor_row_through_a_filter(pilot: Any, widget: Widget, y: int) -> None:
    """`/` then Escape: line `y` (the list's cursor row) changes with the focus, and is what a
    repaint of everything from scratch draws."""
    app = pilot.app
    focused = styled_line(app, y)
    await pilot.press("slash")
    await pilot.pause(0.2)
    blurred = styled_line(app, y)
    assert blurred != focused
    for each in app.screen.walk_children(with_self=True):  # forget every drawn line
        each._styles_cache.clear()
    widget.notify_style_update()
    widget.refresh()
    await pilot.pause(0.2)
    assert styled_line(app, y) == blurred
    await pilot.press("escape")
    await pilot.pause(0.2)
    assert styled_line(app, y) == focused


@pytest.mark.parametrize("no_color", [False, True])
async def test_the_cursor_shows_where_the_focus_is_as_a_whole_repaint_would(
    demo: Demo, monkeypatch: pytest.MonkeyPatch, no_color: bool
) -> None:
    """The screen is no longer repainted whole when the focus moves (`/`, Escape): the cursor
    row of a list, drawn otherwise without the focus, must still change, and be what a repaint
    of everything from scratch draws. The accounts table, then a vault's recovery points."""
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        table = app.screen.query_one(DataTable)
        await pilot.press("down", "down", "down")
        await pilot.pause(0.2)
        y = table.region.y + 1 + table.cursor_row - round(table.scroll_y)  # under the header
        await cursor_row_through_a_filter(pilot, table, y)

        await backup_dr_vault(pilot, demo)
        points = app.screen.query_one(RecoveryPointList)
        await pilot.press("down", "down")
        await pilot.pause(0.2)
        y = points.region.y + 1 + points.cursor - round(points.scroll_y)
        await cursor_row_through_a_filter(pilot, points, y)
