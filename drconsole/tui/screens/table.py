"""A browsing screen around a DataTable (for lists of hundreds, not millions, of rows): filtered
best match first, sorted by a column (shift+letter), with group headers the cursor skips."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from itertools import compress
from operator import is_not, itemgetter
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowDoesNotExist

from drconsole.aws.pacing import FOREGROUND
from drconsole.tui.ranking import Rank, rank
from drconsole.tui.screens.base import BrowseScreen
from drconsole.tui.widgets.cell_width import one_line_width
from drconsole.tui.widgets.fitted_table import FittedTable, TakenRows

# While results stream in, rebuild the table at most this often (seconds).
REBUILD_INTERVAL = 0.2

Cell = str | Text


def cell_width(cell: Cell) -> int:
    """Columns a cell takes on one line, as DataTable measures it (a string may be markup)."""
    return one_line_width(cell) or 0


def matches(text: str, query: str) -> bool:
    """True when `text` contains every word of `query` (both lowercase)."""
    return all(word in text for word in query.split())


# Any rank is better than no rank (a row matching only through words no field holds).
NO_RANK: Rank = (99,)
# Sort direction marks appended to the sorted column's label.
ASCENDING_MARK = " ▲"
DESCENDING_MARK = " ▼"


def cursor_key(table: DataTable[Any]) -> str | None:
    """The key of the row under the cursor (None on an empty table)."""
    if not table.row_count:
        return None
    try:
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
    except CellDoesNotExist:
        return None
    return row_key.value


@dataclass(frozen=True)
class TableRow:
    """One row: its key, its cells and the lowercase text a filter matches.

    `fields` rank a match (most important first: name, id, then the rest; see ranking.py);
    `values` are what each column sorts by (None: the cell's text) and unselectable rows are
    group headers the cursor skips.
    """

    key: str
    cells: tuple[Cell, ...]
    search: str
    selectable: bool = True
    fields: tuple[str, ...] = ()
    values: tuple[Any, ...] = ()

    def rank(self, query: str) -> Rank:
        """How well the row matches `query` (lower is better)."""
        found = rank(query, self.fields or (self.search,))
        return NO_RANK if found is None else found

    def sort_value(self, index: int) -> Any:
        """What column `index` sorts by."""
        if index < len(self.values) and self.values[index] is not None:
            return self.values[index]
        return self.cells[index] if index < len(self.cells) else None


def sortable(value: Any) -> tuple[int, Any] | None:
    """`value` as a key that compares across rows: numbers and moments first, then text;
    None for nothing to sort by (an empty or '-' cell, a row still loading)."""
    if isinstance(value, Text):
        value = value.plain
    if value is None:
        return None
    if isinstance(value, datetime):
        return (0, value.timestamp())
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (0, value)
    text = str(value).strip()
    if text in ("", "-", "…"):
        return None
    number = text.replace(",", "")
    if number.replace(".", "", 1).isdigit():
        return (0, float(number))
    return (1, text.lower())


def sort_rows(rows: list[TableRow], index: int, descending: bool) -> list[TableRow]:
    """`rows` by column `index` (stable), rows without a value last in either direction."""
    keyed = [(sortable(row.sort_value(index)), row) for row in rows]
    present = [(key, row) for key, row in keyed if key is not None]
    present.sort(key=lambda pair: pair[0], reverse=descending)
    return [row for _, row in present] + [row for key, row in keyed if key is None]


def best_first(rows: list[TableRow], query: str) -> list[TableRow]:
    """`rows` ordered by how well they match `query`, keeping their order among equals."""
    return sorted(rows, key=lambda row: row.rank(query))


class Table(FittedTable[Cell]):
    """A row-cursor table (Home and End go to the first and last row, as in every
    FittedTable) whose cursor skips group headers, whichever key or click moved it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.headers: set[str] = set()  # keys of rows the cursor never rests on
        # True once the user moved the cursor with a key or a click (even back onto the row
        # the screen put it on): from then on rebuilds keep it on their row.
        self.moved_by_user = False

    def action_cursor_up(self) -> None:
        self.moved_by_user = True
        super().action_cursor_up()

    def action_cursor_down(self) -> None:
        self.moved_by_user = True
        super().action_cursor_down()

    def action_page_up(self) -> None:
        self.moved_by_user = True
        super().action_page_up()

    def action_page_down(self) -> None:
        self.moved_by_user = True
        super().action_page_down()

    def action_scroll_top(self) -> None:
        self.moved_by_user = True
        super().action_scroll_top()

    def action_scroll_bottom(self) -> None:
        self.moved_by_user = True
        super().action_scroll_bottom()

    def on_click(self) -> None:
        # A click chooses a row as ↑ ↓ do: rows that arrive or a sort then keep the cursor on
        # it (it went back to the top row when the row clicked was the one the screen chose).
        self.moved_by_user = True

    def is_header(self, row: int) -> bool:
        """True when row `row` is a group header."""
        if not 0 <= row < self.row_count:
            return False
        try:
            key, _ = self.coordinate_to_cell_key(self.cursor_coordinate._replace(row=row))
        except CellDoesNotExist:
            return False
        return key.value in self.headers

    def selectable_row(self, row: int, step: int) -> int:
        """The first row from `row` on (going by `step`) that is not a header; failing that,
        the nearest one the other way."""
        for direction in (step, -step):
            candidate = row
            while 0 <= candidate < self.row_count:
                if not self.is_header(candidate):
                    return candidate
                candidate += direction
        return row

    def watch_cursor_coordinate(self, old: Any, new: Any) -> None:
        super().watch_cursor_coordinate(old, new)
        if self.headers and self.is_header(new.row):
            step = 1 if new.row >= old.row else -1
            target = self.selectable_row(new.row, step)
            if target != new.row:
                self.move_cursor(row=target, animate=False)


class TableScreen(BrowseScreen):
    """Rows from `table_rows`, narrowed by the filter best match first, sorted by the column
    the user picked (shift+letter, again to reverse), rebuilt as results arrive."""

    COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = ()  # (key, label)
    # Shift+letter -> the column it sorts by; a binding is made for each.
    SORT_KEYS: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        own = list(cls.__dict__.get("BINDINGS", []))
        labels = dict(cls.COLUMNS)
        for letter, column in cls.__dict__.get("SORT_KEYS", {}).items():
            description = f"Sort by {labels.get(column, column)}"
            own.append(Binding(letter, f"sort('{column}')", description, show=False))
        if own:
            cls.BINDINGS = own
        super().__init_subclass__(**kwargs)

    def __init__(self, trail: tuple[str, ...]) -> None:
        super().__init__(trail)
        self._rebuild_timer: Timer | None = None
        self.sort_column: str | None = None
        self.sort_descending = False
        # Where the cursor was last put for the best match: until the user moves it, each
        # rebuild (a new filter, rows streaming in) puts it on the best match again; once they
        # have moved it, it stays on their row.
        self._placed_key: str | None = None
        self._new_filter = False
        # A filter cleared (Escape): the cursor stays on the row it is on.
        self._keep_cursor = False
        # The rows on the table now, and their cells' widths (filled on first need), so that a
        # rebuild that changes cells but not rows updates those cells in place.
        self._shown: list[TableRow] = []
        self._widths: dict[str, list[int]] = {}
        # The filter the rows on the table were chosen by ("" for none).
        self._shown_query = ""
        # Every row as the table showed it before a filter narrowed it (the rows, the table's
        # own, their cells' widths): Escape puts them back rather than adding and measuring a
        # thousand rows again (most of its time at 1,000 accounts).
        self._unfiltered: tuple[list[TableRow], TakenRows, dict[str, list[int]]] | None = None
        # Columns left out for now (a narrow terminal); their cells stay in the rows.
        self.hidden_columns: frozenset[str] = frozenset()

    def compose_body(self) -> ComposeResult:
        yield from self.compose_above_table()
        yield Table(id="table", cursor_type="row", zebra_stripes=False)

    def compose_above_table(self) -> ComposeResult:
        """Widgets above the table (none by default)."""
        yield from ()

    @property
    def table(self) -> Table:
        """The screen's table."""
        return self.query_one("#table", Table)

    def main_widget(self) -> Widget:
        return self.table

    def on_mount(self) -> None:
        self.sync_columns()
        # Focus now: Widget.focus waits for a refresh, and took the focus from the filter that
        # `/` typed at launch had opened (the letters after it went to the list).
        self.set_focus(self.table)
        # Paint first: the worker's first AWS call imports boto3 and parses service models,
        # which would hold the interpreter while the first frame waits.
        self.call_after_refresh(self.action_refresh)

    def table_rows(self) -> list[TableRow]:
        """Every row, unfiltered, in display order."""
        return []

    def filter_rows(self, rows: list[TableRow], query: str) -> list[TableRow]:
        """The rows shown for `query`, best match first (subclasses keep group headers)."""
        return best_first([row for row in rows if matches(row.search, query)], query)

    def sorted_rows(self, rows: list[TableRow]) -> list[TableRow]:
        """`rows` in the chosen column's order (subclasses sort within their groups)."""
        if self.sort_column is None:
            return rows
        return sort_rows(rows, self.column_index(self.sort_column), self.sort_descending)

    def column_index(self, column: str) -> int:
        """The position of column `column`."""
        return [key for key, _ in self.COLUMNS].index(column)

    def column_label(self, key: str, label: str) -> Text:
        """A column's label, marked ▲ or ▼ when the rows are sorted by it."""
        mark = ""
        if key == self.sort_column:
            mark = DESCENDING_MARK if self.sort_descending else ASCENDING_MARK
        return Text(label + mark)

    def action_sort(self, column: str) -> None:
        """Sort by `column`; the same column again reverses the direction."""
        if self.sort_column == column:
            self.sort_descending = not self.sort_descending
        else:
            self.sort_column, self.sort_descending = column, False
        for key, label in self.COLUMNS:
            if ColumnKey(key) in self.table.columns:
                self.table.columns[ColumnKey(key)].label = self.column_label(key, label)
        self.rebuild()

    def visible_indexes(self) -> list[int]:
        """Positions (in COLUMNS and in each row's cells) of the columns shown."""
        return [i for i, (key, _) in enumerate(self.COLUMNS) if key not in self.hidden_columns]

    def sync_columns(self) -> bool:
        """Make the table's columns the ones not hidden (all of them, in order, normally);
        True when they changed (the table was emptied)."""
        table = self.table
        wanted = [self.COLUMNS[i] for i in self.visible_indexes()]
        if [key.value for key in table.columns] == [key for key, _ in wanted]:
            return False
        table.clear(columns=True)
        for key, label in wanted:
            table.add_column(self.column_label(key, label), key=key)
        return True

    def schedule_rebuild(self) -> None:
        """Rebuild soon, coalescing a burst of results into one rebuild."""
        if self._rebuild_timer is None:
            self._rebuild_timer = self.set_timer(REBUILD_INTERVAL, self._rebuild_due)

    def _rebuild_due(self) -> None:
        self._rebuild_timer = None
        self.rebuild()

    def rebuild(self) -> None:
        """Refill the table: on a new filter the cursor goes to the best match; otherwise it
        stays on the same row when that row is still shown (it never moves under the user)."""
        if self._rebuild_timer is not None:  # rebuilt now (a filter key): not again soon
            self._rebuild_timer.stop()
            self._rebuild_timer = None
        # AWS threads wait until the rebuilt table is drawn: one rebuild at 1,000 rows is a few
        # ms of CPU, but tens of ms of wall time while they take turns with it (pacing.py).
        FOREGROUND.hold()
        self.call_after_refresh(FOREGROUND.answered)
        table = self.table
        current = self.highlighted_key()
        query = self.query_text.lower().strip()
        rows = self.sorted_rows(self.table_rows())
        shown = self.filter_rows(rows, query) if query else rows
        same_columns = not self.sync_columns()
        if not same_columns:  # the table was emptied: what it showed is gone
            self._unfiltered = None
        keys = [row.key for row in shown]
        if same_columns and keys == [row.key for row in self._shown]:
            self._update_in_place(shown)
        elif same_columns and not query and self._unfiltered_keys() == keys:
            self._put_back_unfiltered(shown)
        else:
            if same_columns and query and not self._shown_query and self._shown:
                self._unfiltered = (self._shown, table.take_rows(), self._widths)
            elif not query:
                self._unfiltered = None  # other rows now: made again from the new ones
            self._refill(shown)
        self._shown = shown
        self._shown_query = query
        restored = False
        chosen = current != self._placed_key or table.moved_by_user or self._keep_cursor
        if current is not None and chosen and not self._new_filter:
            with contextlib.suppress(RowDoesNotExist):
                table.move_cursor(row=table.get_row_index(current), animate=False)
                restored = True
                if self._keep_cursor:  # kept from now on, as a row the user chose
                    self._placed_key = None
        if not restored:
            first = next((i for i, row in enumerate(shown) if row.selectable), 0)
            table.move_cursor(row=first, animate=False)
            table.moved_by_user = False
            self._placed_key = shown[first].key if shown else None
        self._new_filter = self._keep_cursor = False
        self.update_status(len(shown), len(rows))

    def _unfiltered_keys(self) -> list[str] | None:
        """The keys of the rows kept from before the filter, in order (None: none kept)."""
        return None if self._unfiltered is None else [row.key for row in self._unfiltered[0]]

    def _put_back_unfiltered(self, shown: list[TableRow]) -> None:
        """Show again the rows the filter took off (the same keys in the same order as
        `shown`), then update the cells of those made again since."""
        assert self._unfiltered is not None
        rows, taken, widths = self._unfiltered
        self._unfiltered = None
        table = self.table
        table.put_back(taken)
        table.headers = {row.key for row in rows if not row.selectable}
        self._shown, self._widths = rows, widths
        self._update_in_place(shown)

    def _refill(self, shown: list[TableRow]) -> None:
        """Clear the table and add `shown` (the rows themselves changed)."""
        table = self.table
        table.clear()
        self._widths = {}
        table.headers = {row.key for row in shown if not row.selectable}
        # clear() keeps each column as wide as its widest row ever was; start from the labels
        # so that columns fit the rows shown now.
        for column in table.columns.values():
            column.content_width = column.label.cell_len
        visible = self.visible_indexes()
        everything = len(visible) == len(self.COLUMNS)
        table.add_keyed_rows(
            (row.key, row.cells if everything else tuple(row.cells[i] for i in visible))
            for row in shown
        )

    def _update_in_place(self, shown: list[TableRow]) -> None:
        """The same rows in the same order: update only the cells that changed, and fit each
        changed column to its widest cell (clearing and re-adding every row as results stream
        in costs time in proportion to the rows, for every batch)."""
        table = self.table
        keys = [key for key, _ in self.COLUMNS]
        changed: set[int] = set()
        visible = set(self.visible_indexes())
        # Only the rows made again since the last rebuild (found in C: at a thousand rows this
        # runs at every filter key while they load).
        differ = compress(zip(self._shown, shown, strict=True), map(is_not, self._shown, shown))
        for old, new in differ:
            if old.cells == new.cells:
                continue
            if not self._widths:  # measured on first need (rows put back unchanged need none)
                self._widths = {row.key: [cell_width(c) for c in row.cells] for row in self._shown}
            widths = self._widths[new.key]
            for index, (before, after) in enumerate(zip(old.cells, new.cells, strict=False)):
                if before != after and index in visible:
                    table.update_cell(new.key, keys[index], after)
                    widths[index] = cell_width(after)
                    changed.add(index)
        columns = table.columns
        resized = False
        for index in changed:
            column = columns[ColumnKey(keys[index])]
            widest = max(map(itemgetter(index), self._widths.values()), default=0)
            fitted = max(widest, column.label.cell_len)
            resized |= fitted != column.content_width
            column.content_width = fitted
        if resized:
            # DataTable recomputes its virtual size on its next idle when asked (the flag its
            # own update_cell sets; the widths were fitted here, without re-measuring every
            # cell), and the table is drawn again whole; otherwise only the changed rows were.
            table._require_update_dimensions = True
            table.refresh()

    def update_status(self, shown: int, total: int) -> None:
        """Refresh the status line after a rebuild."""

    def apply_filter(self, query: str) -> None:
        # A filter puts the cursor on its best match; clearing it keeps the cursor where it is:
        # the account the filter found, shown again among all the others, not the first row.
        self._new_filter = bool(query.strip())
        self._keep_cursor = not self._new_filter
        self.rebuild()

    def highlighted_key(self) -> str | None:
        """The key of the row under the cursor."""
        return cursor_key(self.table)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.open_row(event.row_key.value)

    def open_row(self, key: str) -> None:
        """Enter on a row."""
