"""A DataTable that redraws a cell when its column's width changes, and only the cells that
changed when others are updated."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

CellT = TypeVar("CellT")
Lines = list[list[Segment]]
# Drawn cells kept: a few screens of a wide table, a few MB at most.
KEPT_CELLS = 20_000


class FittedTable(DataTable[CellT]):
    """Two things DataTable's own cell cache gets wrong for a table that fills while shown.

    Its key leaves out the column's width: on a busy event loop the table is drawn before its
    idle measures new rows, and those cells stayed cut to the header's width for good (seen as
    `prod-ord` under `Resource`). Here a change of any column's width drops the drawn cells.

    Its key holds a counter that every `update_cell` and `add_row` bumps: one account's posture
    arriving redrew every visible cell (two thirds of the UI thread's time while a hundred
    accounts load). Here a drawn cell is kept under what it depends on (its value, place,
    width, style, cursor and hover) and drawn again only when one of those changes.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._drawn_widths: tuple[int, ...] = ()
        self._kept_cells: LRUCache[tuple[Any, ...], tuple[object, Lines]] = LRUCache(KEPT_CELLS)

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        super()._update_dimensions(new_rows)
        widths = tuple(column.get_render_width(self) for column in self.ordered_columns)
        if widths != self._drawn_widths:
            self._drawn_widths = widths
            kept = self._kept_cells  # their key holds the width: still right where it holds
            self._clear_caches()
            self._kept_cells = kept
            self.refresh()

    def _clear_caches(self) -> None:
        # DataTable drops its caches when its rows, styles or settings change: so do we.
        super()._clear_caches()
        self._kept_cells = LRUCache(KEPT_CELLS)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._kept_cells = LRUCache(KEPT_CELLS)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> Lines:
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        if row_key is None or column_key is None:  # the header and row labels: DataTable's way
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        value = self._data[row_key].get(column_key)
        # A string is kept by its text; anything else (a Rich Text) by its identity, checked
        # below, since it may be changed in place only by replacing it.
        token = value if isinstance(value, str) else id(value)
        key = (
            row_index,
            column_index,
            token,
            base_style,
            width,
            cursor,
            hover,
            self._show_hover_cursor,
            self._pseudo_class_state,
            self.rows[row_key].height,
        )
        kept = self._kept_cells.get(key)
        if kept is not None and (isinstance(value, str) or kept[0] is value):
            return kept[1]
        lines = super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        self._kept_cells.set(key, (value, lines))
        return lines
