"""A DataTable that redraws its cells when a column's width changes after they were drawn."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

CellT = TypeVar("CellT")


class FittedTable(DataTable[CellT]):
    """DataTable measures new rows when idle and caches each drawn cell under a key that leaves
    out the column's width. On a busy event loop the table is drawn before that idle, and its
    cells stayed cut to the header's width for good (seen as `prod-ord` under `Resource`). Here
    any change of a column's width drops the drawn cells, so the next frame draws them whole."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._drawn_widths: tuple[int, ...] = ()

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        super()._update_dimensions(new_rows)
        widths = tuple(column.get_render_width(self) for column in self.ordered_columns)
        if widths != self._drawn_widths:
            self._drawn_widths = widths
            self._clear_caches()
            self.refresh()
