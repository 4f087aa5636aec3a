"""A browsing screen around a DataTable (for lists of hundreds, not millions, of rows)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from drconsole.tui.screens.base import BrowseScreen

# While results stream in, rebuild the table at most this often (seconds).
REBUILD_INTERVAL = 0.2

Cell = str | Text


def matches(text: str, query: str) -> bool:
    """True when `text` contains every word of `query` (both lowercase)."""
    return all(word in text for word in query.split())


@dataclass(frozen=True)
class TableRow:
    """One row: its key, its cells and the lowercase text a filter matches."""

    key: str
    cells: tuple[Cell, ...]
    search: str
    selectable: bool = True


class Table(DataTable[Cell]):
    """A row-cursor table where Home and End go to the first and last row (DataTable's own
    Home/End scroll sideways, which a row cursor never needs)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "scroll_top", "First row", show=False),
        Binding("end", "scroll_bottom", "Last row", show=False),
    ]


class TableScreen(BrowseScreen):
    """Rows from `table_rows`, narrowed by the filter, rebuilt as results arrive."""

    COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = ()  # (key, label)

    def __init__(self, trail: tuple[str, ...]) -> None:
        super().__init__(trail)
        self._rebuild_timer: Timer | None = None

    def compose_body(self) -> ComposeResult:
        yield from self.compose_above_table()
        yield Table(id="table", cursor_type="row", zebra_stripes=False)

    def compose_above_table(self) -> ComposeResult:
        """Widgets above the table (none by default)."""
        yield from ()

    @property
    def table(self) -> DataTable[Cell]:
        """The screen's table."""
        return self.query_one("#table", DataTable)

    def main_widget(self) -> Widget:
        return self.table

    def on_mount(self) -> None:
        for key, label in self.COLUMNS:
            self.table.add_column(label, key=key)
        self.table.focus()
        # Paint first: the worker's first AWS call imports boto3 and parses service models,
        # which would hold the interpreter while the first frame waits.
        self.call_after_refresh(self.action_refresh)

    def table_rows(self) -> list[TableRow]:
        """Every row, unfiltered, in display order."""
        return []

    def filter_rows(self, rows: list[TableRow], query: str) -> list[TableRow]:
        """The rows shown for `query` (subclasses keep group headers of matching rows)."""
        return [row for row in rows if matches(row.search, query)]

    def schedule_rebuild(self) -> None:
        """Rebuild soon, coalescing a burst of results into one rebuild."""
        if self._rebuild_timer is None:
            self._rebuild_timer = self.set_timer(REBUILD_INTERVAL, self.rebuild)

    def rebuild(self) -> None:
        """Refill the table, keeping the cursor on the same row when it is still shown."""
        self._rebuild_timer = None
        table = self.table
        current = self.highlighted_key()
        query = self.query_text.lower().strip()
        rows = self.table_rows()
        shown = self.filter_rows(rows, query) if query else rows
        table.clear()
        # clear() keeps each column as wide as its widest row ever was; start from the labels
        # so that columns fit the rows shown now.
        for column in table.columns.values():
            column.content_width = column.label.cell_len
        for row in shown:
            table.add_row(*row.cells, key=row.key)
        restored = False
        if current is not None:
            with contextlib.suppress(RowDoesNotExist):
                table.move_cursor(row=table.get_row_index(current), animate=False)
                restored = True
        if not restored:
            first = next((i for i, row in enumerate(shown) if row.selectable), 0)
            table.move_cursor(row=first, animate=False)
        self.update_status(len(shown), len(rows))

    def update_status(self, shown: int, total: int) -> None:
        """Refresh the status line after a rebuild."""

    def apply_filter(self, query: str) -> None:
        self.rebuild()

    def highlighted_key(self) -> str | None:
        """The key of the row under the cursor."""
        table = self.table
        if not table.row_count:
            return None
        try:
            row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        except CellDoesNotExist:
            return None
        return row_key.value

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.open_row(event.row_key.value)

    def open_row(self, key: str) -> None:
        """Enter on a row."""
