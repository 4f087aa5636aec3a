"""A DataTable that redraws a cell when its column's width changes, only the cells and lines that
changed when others are updated, and measures new rows from their text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any, ClassVar, TypeVar

from rich.segment import Segment
from rich.style import Style
from rich.text import TextType
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, DuplicateKey, Row, RowKey

from drconsole.tui.widgets.cell_width import TypedText, as_typed, one_line_width

CellT = TypeVar("CellT")
Lines = list[list[Segment]]
# Drawn cells and lines kept: a few screens of a wide table, a few MB at most.
KEPT_CELLS = 20_000
KEPT_LINES = 2_000
# The table's CSS parts a drawn cell can show. Only the cursor's differ with the focus.
CURSOR_PARTS = ("datatable--cursor", "datatable--fixed-cursor", "datatable--header-cursor")
OTHER_PARTS = (
    "datatable--header",
    "datatable--header-hover",
    "datatable--hover",
    "datatable--fixed",
    "datatable--even-row",
    "datatable--odd-row",
)


@dataclass(frozen=True)
class TakenRows:
    """Rows taken off a table whole, with the widths their columns had, to be put back as
    they were (`FittedTable.take_rows`, `put_back`)."""

    data: dict[RowKey, dict[ColumnKey, Any]]
    rows: dict[RowKey, Row]
    locations: Any  # DataTable's TwoWayDict of row keys and positions
    widths: dict[ColumnKey, int]
    # DataTable's rows in order and each line's row, when it had them (found again otherwise).
    ordered: list[Row] | None
    offsets: list[tuple[RowKey, int]] | None


def cell_token(value: object) -> object:
    """What a drawn cell or line is kept under: a string's text, an `as_typed` Text's text and
    style, anything else its identity (then checked with `same_cell`: the console never changes
    a cell's Text in place, it puts a new one)."""
    if isinstance(value, str):
        return value
    if isinstance(value, TypedText):
        return ("typed", value.plain, str(value.style))
    return id(value)


def same_cell(then: object, now: object) -> bool:
    """Whether a cell kept under `now`'s token was drawn from a value like `now`."""
    return isinstance(now, str | TypedText) or then is now


class FittedTable(DataTable[CellT]):
    """What DataTable gets wrong for a table that fills while shown, and how this one draws it.

    The key of its drawn cells leaves out the column's width: on a busy event loop the table is
    drawn before its idle measures new rows, and those cells stayed cut to the header's width
    for good (seen as `prod-ord` under `Resource`). Here new rows are measured before they are
    drawn, and a change of any column's width drops the drawn cells.

    Its key holds a counter that every `update_cell` and `add_row` bumps: one account's posture
    arriving redrew every visible cell (two thirds of the UI thread's time while a hundred
    accounts load), and joined every visible line again. Here a drawn cell is kept under what
    it depends on (its value, place, width, style, cursor and hover), and so is a drawn line
    (its row's values, place, the columns' widths, the crop, style, cursor and hover): each is
    drawn again only when one of those changes.

    That key also holds the table's pseudo-classes, and a change of style (the focus moving to
    the filter and back) drops every drawn cell: `/` and Escape drew every visible line again.
    Here a drawn cell is kept under the styles it shows, and only the cursor's row depends on the
    focus (the console's CSS does not tint a focused table).

    And it measures each new row with Rich, a markup parse and a Measurement per cell: a
    thousand rows refilled by a filter keystroke took over 100 ms. Here a one-line row of text
    cells is measured from the text (`cell_width.one_line_width`), to the same figures.

    Every cell put in it is shown as written, never read as markup (`as_typed`).
    """

    # Home and End go to the first and last row: DataTable's own scroll sideways, which a row
    # cursor never needs (an operator on a long list at 80x24 reaches its top in one key).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "scroll_top", "First row", show=False),
        Binding("end", "scroll_bottom", "Last row", show=False),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._drawn_widths: tuple[int, ...] = ()
        self._kept_cells: LRUCache[tuple[Any, ...], tuple[object, Lines]] = LRUCache(KEPT_CELLS)
        self._kept_lines: LRUCache[tuple[Any, ...], tuple[tuple[object, ...], Strip]] = LRUCache(
            KEPT_LINES
        )
        self._part_styles: tuple[tuple[Style, ...], tuple[Style, ...]] | None = None

    def update_cell(
        self,
        row_key: RowKey | str,
        column_key: ColumnKey | str,
        value: CellT,
        *,
        update_width: bool = False,
    ) -> None:
        """Put `value` in a cell and redraw its row: DataTable's own redraws the whole table,
        which lost every visible line the screen had drawn (a frame drew them all again for
        the four rows a batch of accounts changed)."""
        value = as_typed(value)
        row = RowKey(row_key) if isinstance(row_key, str) else row_key
        column = ColumnKey(column_key) if isinstance(column_key, str) else column_key
        row_index = self._row_locations.get(row)
        if update_width or row_index is None or column not in self._column_locations:
            super().update_cell(row, column, value, update_width=update_width)
            return
        self._data[row][column] = value
        # DataTable's own drawn cells and lines (drawn when ours miss) are keyed by a counter
        # that also keys the rows' order and offsets: bumping it, as DataTable does, had each
        # row's refresh put a thousand rows in order again. A value changes neither: those
        # drawn cells and lines are dropped instead.
        self._row_renderable_cache.clear()
        self._cell_render_cache.clear()
        self._row_render_cache.clear()
        self._line_cache.clear()
        self._refresh_region(self._line_region(row_index))

    def _line_region(self, row_index: int) -> Region:
        """Where the row is drawn (DataTable's own adds up the heights of every row above)."""
        if self._total_row_height != self.row_count:  # some rows are taller than a line
            return self._get_row_region(row_index)
        width = sum(column.get_render_width(self) for column in self.columns.values())
        y = row_index + (self.header_height if self.show_header else 0)
        return Region(0, y, max(self.size.width, width + self._row_label_column_width), 1)

    def add_keyed_rows(self, rows: Iterable[tuple[str, Sequence[CellT]]]) -> None:
        """Add one-line rows (key, cells) at the end, as `add_row` would one by one.

        `add_row` sets the cursor again for each row, and that watcher finds the cursor's row
        by putting every row in order (its counter changed with the row just added): a filter
        key refilling a thousand rows did it a thousand times. Here the cursor is set once.
        """
        was_empty = self.row_count == 0
        columns = self.ordered_columns
        for key, cells in rows:
            row_key = RowKey(key)
            if row_key in self._row_locations:
                raise DuplicateKey(f"The row key {row_key!r} already exists.")
            if len(cells) > len(columns):
                raise ValueError("More values provided than there are columns.")
            self._row_locations[row_key] = self.row_count
            self._data[row_key] = {
                column.key: as_typed(cell) for column, cell in zip_longest(columns, cells)
            }
            self.rows[row_key] = Row(row_key, 1, None, False)
            self._new_rows.add(row_key)
        self._require_update_dimensions = True
        self._update_count += 1
        self.cursor_coordinate = self.cursor_coordinate
        visible_cursor = self.show_cursor and self.cursor_type != "none"
        if was_empty and self.row_count and columns and visible_cursor:
            self._highlight_cursor()  # (as add_row does for a table's first row)
        self._measure_new_rows()
        self.check_idle()

    def _on_resize(self, _: events.Resize) -> None:
        # DataTable's own handler (called next: Textual calls each class's) bumps the counter
        # that keys its rows in order and each line's row, which a resize leaves as they were:
        # both were found again for a thousand rows at each `/` and Escape (the filter bar
        # showing or hiding resizes the table). Kept under the counter it is about to take.
        ordered = self._ordered_row_cache.get((self.row_count, self._update_count))
        offsets = self._offset_cache.get(self._update_count)
        if ordered is not None:
            self._ordered_row_cache[(self.row_count, self._update_count + 1)] = ordered
        if offsets is not None:
            self._offset_cache[self._update_count + 1] = offsets

    def take_rows(self) -> TakenRows:
        """Empty the table, keeping its rows for `put_back` (clear() empties them in place)."""
        taken = TakenRows(
            self._data,
            self.rows,
            self._row_locations,
            {column.key: column.content_width for column in self.ordered_columns},
            self._ordered_row_cache.get((self.row_count, self._update_count)),
            self._offset_cache.get(self._update_count),
        )
        self._data, self.rows = {}, {}
        self._offset_cache.clear()  # (clear() empties the list of offsets in place)
        self.clear()
        return taken

    def put_back(self, taken: TakenRows) -> None:
        """Show again the rows `take_rows` took, as they were: the same columns, widths and
        cells (whose drawn lines are still kept), without adding and measuring each row again.
        """
        self.clear()
        self._data, self.rows, self._row_locations = taken.data, taken.rows, taken.locations
        for column in self.ordered_columns:
            column.content_width = taken.widths.get(column.key, column.content_width)
        self._update_count += 1
        # Finding these again puts a thousand rows in order: the ones taken are still right.
        if taken.ordered is not None:
            self._ordered_row_cache[(self.row_count, self._update_count)] = taken.ordered
        if taken.offsets is not None:
            self._offset_cache[self._update_count] = taken.offsets
        self._require_update_dimensions = False
        self._update_dimensions(())  # the virtual size, now: a frame may come before the idle
        self.cursor_coordinate = self.cursor_coordinate
        if self.row_count and self.columns and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()  # (as add_keyed_rows does for a table filled from empty)

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        columns = self.ordered_columns
        limit = self.app.console.options.max_width  # Rich's measure never exceeds it
        others: list[RowKey] = []
        for row_key in new_rows:
            row = self.rows.get(row_key)
            if row is None or row_key not in self._row_locations:
                continue  # removed before this idle
            values = self._data[row_key]
            measured = [one_line_width(values.get(column.key)) for column in columns]
            if row.height != 1 or row.label is not None or None in measured:
                others.append(row_key)  # DataTable's own way (labels, tall rows, renderables)
                continue
            for column, width in zip(columns, measured, strict=True):
                column.content_width = max(column.content_width, min(width or 0, limit))
        super()._update_dimensions(others)
        widths = tuple(column.get_render_width(self) for column in self.ordered_columns)
        if widths != self._drawn_widths:
            self._drawn_widths = widths
            self._clear_caches()  # (the kept cells and lines are keyed by their widths)
            self.refresh()

    def notify_style_update(self) -> None:
        # The drawn cells and lines stay: their keys hold the styles they were drawn with, so
        # a focus moving away and back finds them again, and a new theme misses them.
        super().notify_style_update()
        self._part_styles = None

    def _styles_drawn(self) -> tuple[tuple[Style, ...], tuple[Style, ...]]:
        """The styles of the table's parts other than the cursor, and of the cursor."""
        if self._part_styles is None:
            part = self.get_component_rich_style
            others = tuple(part(name) for name in OTHER_PARTS)
            self._part_styles = (others, tuple(part(name) for name in CURSOR_PARTS))
        return self._part_styles

    def add_row(
        self,
        *cells: CellT,
        height: int | None = 1,
        key: str | None = None,
        label: TextType | None = None,
    ) -> RowKey:
        typed = [as_typed(cell) for cell in cells]
        row_key = super().add_row(*typed, height=height, key=key, label=label)
        self._measure_new_rows()
        return row_key

    def _measure_new_rows(self) -> None:
        """Measure the rows just added now, not on the table's idle: a frame drawn before that
        idle showed every cell of a list just filled cut to its header's width (`FAILE`)."""
        if self._new_rows:
            self._require_update_dimensions = False
            new_rows, self._new_rows = self._new_rows, set()
            self._update_dimensions(new_rows)

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        try:
            row_key, line_no = self._get_offsets(y)
        except LookupError:
            row_key = None
        row_index = self._row_locations.get(row_key) if row_key is not None else None
        if row_key is None or row_index is None:  # the header, or below the last row
            return super()._render_line(y, x1, x2, base_style)
        values = tuple(self._data[row_key].values())
        tokens = tuple(cell_token(value) for value in values)
        cursor, hover = self.cursor_coordinate, self.hover_coordinate
        others, cursor_styles = self._styles_drawn()
        holds_cursor = self.cursor_type == "column" or cursor.row == row_index
        if self.cursor_type == "row":  # a row is drawn alike wherever else the cursor is
            cursor_here: object = cursor.row == row_index
            hover_here: object = hover.row == row_index
        else:
            cursor_here, hover_here = cursor, hover
        key = (
            row_key,
            row_index,
            line_no,
            x1,
            x2,
            self.size.width,
            base_style,
            cursor_here,
            hover_here,
            self.cursor_type,
            self.show_cursor,
            self._show_hover_cursor,
            others,
            cursor_styles if holds_cursor else None,
            self.fixed_columns,
            self.fixed_rows,
            self.zebra_stripes,
            self.show_row_labels,
            self._row_label_column_width,
            tuple(column.get_render_width(self) for column in self.columns.values()),
            tokens,
        )
        kept = self._kept_lines.get(key)
        if kept is not None and all(
            same_cell(then, now) for then, now in zip(kept[0], values, strict=True)
        ):
            return kept[1]
        strip = super()._render_line(y, x1, x2, base_style)
        self._kept_lines.set(key, (values, strip))
        return strip

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
        token = cell_token(value)
        others, cursor_styles = self._styles_drawn()
        key = (
            row_index,
            column_index,
            token,
            base_style,
            width,
            cursor,
            hover,
            self._show_hover_cursor,
            others,
            cursor_styles if cursor else None,
            self.rows[row_key].height,
            self.show_cursor,
            self.fixed_rows,
            self.fixed_columns,
            self.cell_padding,
            self.cursor_foreground_priority,
            self.cursor_background_priority,
        )
        kept = self._kept_cells.get(key)
        if kept is not None and same_cell(kept[0], value):
            return kept[1]
        lines = super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        self._kept_cells.set(key, (value, lines))
        return lines
