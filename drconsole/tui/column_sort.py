"""Sorting a screen's own DataTable by a column: Shift+letter picks the column, the same letter
again reverses it, and the sorted column's header carries ▲ or ▼ (as on the table screens)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowDoesNotExist

from drconsole.tui.screens.table import ASCENDING_MARK, DESCENDING_MARK, sortable

Row = TypeVar("Row")


def sort_bindings(keys: dict[str, str], labels: dict[str, str]) -> list[Binding]:
    """One hidden binding per Shift+letter (listed by `?` as "Sort by <column>")."""
    return [
        Binding(letter, f"sort('{column}')", f"Sort by {labels.get(column, column)}", show=False)
        for letter, column in keys.items()
    ]


@dataclass
class ColumnSort:
    """Which column the rows follow and which way.

    `high_first` are the columns whose first press puts the largest value on top (the newest
    time, the worst verdict): the order an operator reaches for first.
    """

    column: str | None = None
    descending: bool = False
    high_first: frozenset[str] = frozenset()

    def choose(self, column: str) -> None:
        """Sort by `column`; the same column again reverses the direction."""
        if self.column == column:
            self.descending = not self.descending
        else:
            self.column, self.descending = column, column in self.high_first

    def label(self, key: str, label: str) -> Text:
        """A column's header, marked when the rows are sorted by it."""
        if key != self.column:
            return Text(label)
        return Text(label + (DESCENDING_MARK if self.descending else ASCENDING_MARK))

    def order(self, rows: Iterable[Row], value: Callable[[Row, str], Any]) -> list[Row]:
        """`rows` by the chosen column (stable: equal rows keep their order), rows without a
        value last whichever the direction; unchanged when no column is chosen."""
        rows = list(rows)
        if self.column is None:
            return rows
        column = self.column
        keyed = [(sortable(value(row, column)), row) for row in rows]
        present = [(key, row) for key, row in keyed if key is not None]
        present.sort(key=lambda pair: pair[0], reverse=self.descending)
        return [row for _, row in present] + [row for key, row in keyed if key is None]

    def relabel(self, table: DataTable[Any], columns: Iterable[tuple[str, str]]) -> None:
        """Put the marks on `table`'s headers (columns not on the table are skipped)."""
        for key, label in columns:
            column = table.columns.get(ColumnKey(key))
            if column is not None:
                column.label = self.label(key, label)
                # A column is as wide as its widest cell or label so far: make room for the
                # mark, which would otherwise be cut off.
                column.content_width = max(column.content_width, column.label.cell_len)
        table._require_update_dimensions = True  # the flag DataTable's own updates set
        table.refresh()


def keep_cursor_on(table: DataTable[Any], key: str | None, fallback_row: int) -> None:
    """After a refill, put the cursor back on the row `key` (it stays on the operator's row
    whatever the new order); when that row is gone, on the same position."""
    if not table.row_count:
        return
    if key is not None:
        try:
            table.move_cursor(row=table.get_row_index(key), animate=False)
            return
        except RowDoesNotExist:
            pass
    table.move_cursor(row=min(max(fallback_row, 0), table.row_count - 1), animate=False)
