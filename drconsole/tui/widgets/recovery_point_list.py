"""A virtual list of recovery points: renders only the visible lines (Textual's Line API)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from drconsole.tui import formatting as fmt
from drconsole.tui.rp_rows import RecoveryPointRows
from drconsole.tui.widgets.cell_width import escaped


@dataclass(frozen=True)
class Column:
    """One column: its title, width, alignment and priority (0 = shown at any width)."""

    key: str
    title: str
    width: int
    priority: int
    right: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("created", "Created (UTC)", 16, 0),
    Column("age", "Age", 6, 1, right=True),
    Column("type", "Type", 10, 0),
    Column("resource", "Resource", 22, 0),  # takes the width left over
    Column("size", "Size", 9, 2, right=True),
    Column("status", "Status", 9, 1),
    Column("key", "Key", 8, 5),  # the first block of the KMS key id
    Column("source", "Copied from", 20, 4),
    Column("expires", "Expires", 10, 3),
)
GAP = 1
MARKS_WIDTH = 1  # the header's last cell: ◂, ▸ or ↔ for columns out of view


def layout_columns(width: int, skip: int = 0) -> list[tuple[Column, int]]:
    """The columns that fit in `width` cells, each with its width; Resource takes the rest.

    `skip` scrolls sideways: the first `skip` columns other than Resource (which always stays,
    it names the row) make room for the optional columns that did not fit.
    """
    others = [column for column in COLUMNS if column.key != "resource"]
    skipped = set(others[:skip])
    offered = [column for column in COLUMNS if column not in skipped]
    chosen = [column for column in offered if column.priority == 0]
    # Optional columns join while Resource keeps its minimum width; at 80 cells the list
    # keeps created, age, type, resource, size, status; copied-from and key need more.
    for priority in sorted({column.priority for column in offered} - {0}):
        trial = chosen + [column for column in offered if column.priority == priority]
        needed = sum(column.width for column in trial) + GAP * (len(trial) - 1)
        if needed > width:
            break  # a column that does not fit leaves the less useful ones out too
        chosen = trial
    chosen.sort(key=COLUMNS.index)
    fixed = sum(column.width for column in chosen if column.key != "resource")
    resource_width = max(12, width - fixed - GAP * (len(chosen) - 1))
    return [
        (column, resource_width if column.key == "resource" else column.width) for column in chosen
    ]


def hidden_columns(layout: list[tuple[Column, int]], skip: int) -> list[Column]:
    """The columns neither shown nor scrolled past: what → would bring into view."""
    others = [column for column in COLUMNS if column.key != "resource"]
    shown = {column for column, _ in layout}
    return [column for column in others[skip:] if column not in shown]


class RecoveryPointList(ScrollView, can_focus=True):
    """Recovery points newest first, with a cursor, paging and filtering, at any row count."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
        Binding("enter", "select", "Open", show=False),
        Binding("right,l", "scroll_columns(1)", "More columns", show=False),
        Binding("left,h", "scroll_columns(-1)", "Back columns", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "rp-list--header",
        "rp-list--cursor",
        "rp-list--failed",
        "rp-list--partial",
        "rp-list--dim",
    }

    DEFAULT_CSS = """
    RecoveryPointList { height: 1fr; overflow-x: hidden; overflow-y: scroll; }
    RecoveryPointList > .rp-list--header { text-style: bold; background: $panel; }
    RecoveryPointList > .rp-list--cursor { background: $accent 40%; text-style: bold; }
    RecoveryPointList:focus > .rp-list--cursor { background: $accent; color: $text; }
    RecoveryPointList > .rp-list--failed { color: $error; }
    RecoveryPointList > .rp-list--partial { color: $warning; }
    RecoveryPointList > .rp-list--dim { color: $text-muted; }
    """

    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)

    class Highlighted(Message):
        """The cursor moved to another recovery point (`row` indexes the store)."""

        def __init__(self, row: int | None) -> None:
            self.row = row
            super().__init__()

    class Selected(Message):
        """Enter was pressed on a recovery point (`row` indexes the store)."""

        def __init__(self, row: int) -> None:
            self.row = row
            super().__init__()

    def __init__(
        self,
        rows: RecoveryPointRows | None = None,
        *,
        now: Callable[[], datetime] | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.rows = rows if rows is not None else RecoveryPointRows()
        self._now = now or (lambda: datetime.now(UTC))
        self._layout: list[tuple[Column, int]] = []
        self._layout_width = -1
        self.skip = 0  # columns scrolled past to the left (see layout_columns)
        self._frame_style: Style | None = None  # see render_lines

    # -- data ---------------------------------------------------------------------------

    @property
    def count(self) -> int:
        """How many recovery points the current filter shows."""
        return len(self.rows.visible)

    def data_changed(self) -> None:
        """Sort what arrived, then resize and repaint; call after adding rows. The highlighted
        recovery point stays highlighted, on the same line of the screen, when rows arriving
        sort in above it (sorted by another column than Created, or an older page first): the
        cursor kept its index, so Enter, `w` or a click acted on a point nobody chose."""
        current = self.highlighted_row
        line = self.cursor - round(self.scroll_y)
        if self.rows.needs_sort:
            self.rows.sort()
        self._resize()
        if current is not None and self.highlighted_row != current:
            # Not on its line: found again (a search through the order: a million rows).
            self._keep_on_line(current, line)

    def _keep_on_line(self, row: int, line: int) -> None:
        """Put the cursor on store row `row`, on screen line `line`, wherever the list now
        shows it (nothing when it is not shown)."""
        index = self.rows.line_of(row)
        if index is not None:
            self.scroll_to(y=max(0, index - line), animate=False, immediate=True)
            self.cursor = index

    def apply_filter(self, query: str) -> int:
        """Show only rows matching `query`; returns how many match. A filter puts the cursor
        on its first row; clearing it keeps the cursor on the recovery point it is on (the one
        the filter found, shown again among all the others), on the same line of the screen."""
        current = self.highlighted_row if not query.strip() else None
        line = self.cursor - round(self.scroll_y)
        count = self.rows.filter(query)
        self.cursor = 0
        self._resize()
        if current is not None:
            self._keep_on_line(current, line)
        return count

    def _resize(self) -> None:
        # Width 0: the columns always fit the view, so there is never a horizontal scrollbar.
        self.virtual_size = Size(0, self.count + 1)
        if self.cursor >= self.count:
            self.cursor = max(0, self.count - 1)
        self.refresh()

    @property
    def highlighted_row(self) -> int | None:
        """The store row under the cursor, if any."""
        if 0 <= self.cursor < self.count:
            return self.rows.row_at(self.cursor)
        return None

    # -- cursor -------------------------------------------------------------------------

    @property
    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, self.count - 1)) if self.count else 0

    def watch_cursor(self, old: int, new: int) -> None:
        top = round(self.scroll_y)
        if new < top:
            self.scroll_to(y=new, animate=False)
        elif new >= top + self._page:
            self.scroll_to(y=new - self._page + 1, animate=False)
        self.refresh()
        self.post_message(self.Highlighted(self.highlighted_row))

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_page_up(self) -> None:
        self.cursor -= self._page

    def action_page_down(self) -> None:
        self.cursor += self._page

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = self.count - 1

    def action_select(self) -> None:
        row = self.highlighted_row
        if row is not None:
            self.post_message(self.Selected(row))

    def on_click(self, event: events.Click) -> None:
        line = event.y - 1
        index = round(self.scroll_y) + line
        # A click on the header, or below the last row, chooses nothing (it chose the last row,
        # which `w` then opened the wizard on).
        if line >= 0 and index < self.count:
            self.cursor = index
            if event.chain >= 2:
                self.action_select()

    def on_resize(self, event: events.Resize) -> None:
        self._resize()

    def action_scroll_columns(self, step: int) -> None:
        """Sideways: → shows the columns that did not fit (Resource stays), ← goes back."""
        width = self.scrollable_content_region.width or self.size.width
        if step > 0 and not hidden_columns(self._columns(width), self.skip):
            return
        self.skip = max(0, self.skip + step)
        self._layout_width = -1
        self.refresh()

    def sort_by(self, column: str) -> None:
        """Sort by `column`; the same column again reverses; the cursor stays on its row."""
        rows = self.rows
        # A new column: newest first for Created, A to Z (or smallest first) for the others.
        same = rows.sort_column == column
        descending = not rows.sort_descending if same else column == "created"
        current = self.highlighted_row
        rows.sort_by(column, descending)
        self.cursor = 0
        if current is not None and not rows.query:
            self.cursor = rows.order.index(current)
        self._resize()

    # -- rendering ----------------------------------------------------------------------

    def _columns(self, width: int) -> list[tuple[Column, int]]:
        if width != self._layout_width:
            # The last cells are kept for the ◂ ▸ marks of columns out of view.
            self._layout = layout_columns(width - MARKS_WIDTH, self.skip)
            self._layout_width = width
        return self._layout

    def header_text(self, width: int) -> str:
        """The column titles, the sorted one marked ▲/▼, and in the last cell ◂ (columns
        scrolled out of view on the left), ▸ (more on the right, →) or ↔ (both)."""
        columns = self._columns(width)
        titles = []
        for column, column_width in columns:
            title = column.title
            if column.key == self.rows.sort_column:
                title += " ▼" if self.rows.sort_descending else " ▲"
            titles.append(
                fmt.fit_right(title, column_width) if column.right else fmt.fit(title, column_width)
            )
        right = bool(hidden_columns(columns, self.skip))
        mark = {(True, True): "↔", (True, False): "◂", (False, True): "▸"}.get(
            (bool(self.skip), right), " "
        )
        return fmt.fit(" ".join(titles), width - MARKS_WIDTH) + mark

    def render_lines(self, crop: Region) -> list[Strip]:
        # The widget's style walks every ancestor's styles: once a frame, not once a line (a
        # third of the list's drawing time at 40 lines, redrawn on every filter keystroke).
        self._frame_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._frame_style = None

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width
        columns = self._columns(width)
        if y == 0:
            style = self.get_component_rich_style("rp-list--header")
            return Strip([Segment(self.header_text(width), style)], width)
        # (A style without attributes is false: compared with None, not tested for truth.)
        base = self._frame_style if self._frame_style is not None else self.rich_style
        index = round(self.scroll_y) + y - 1
        if index >= self.count:
            return Strip.blank(width, base)
        row = self.rows.row_at(index)
        if index == self.cursor:
            base = base + self.get_component_rich_style("rp-list--cursor")
        segments = self._row_segments(row, columns, base)
        return Strip(segments).adjust_cell_length(width, base)

    def _row_segments(
        self, row: int, columns: list[tuple[Column, int]], base: Style
    ) -> list[Segment]:
        rows = self.rows
        segments: list[Segment] = []
        for position, (column, width) in enumerate(columns):
            style = base
            key = column.key
            if key == "created":
                text = fmt.short_time(rows.created_at(row))
            elif key == "age":
                created = rows.created_at(row)
                text = fmt.human_age(self._now() - created if created else None)
            elif key == "type":
                text = rows.types[row]
            elif key == "resource":
                text = rows.names[row] or fmt.resource_id(rows.resource_arns[row])
            elif key == "size":
                size = rows.sizes[row]
                text = fmt.human_size(None if size < 0 else size)
            elif key == "status":
                text = rows.statuses[row]
                if text in ("FAILED", "EXPIRED", "DELETING"):
                    style = base + self.get_component_rich_style("rp-list--failed", partial=True)
                elif text == "PARTIAL":
                    style = base + self.get_component_rich_style("rp-list--partial", partial=True)
            elif key == "key":
                text = fmt.short_key(rows.keys[row]).removeprefix("key/")
            elif key == "source":
                text = fmt.vault_label(rows.sources[row], rows.places[row][1])
            else:
                text = fmt.short_date(rows.expires_at(row))
            # Names, types and keys come from AWS: a control character in one is written as
            # an escape, never passed to the terminal (a few hundred visible cells, cheap).
            text = escaped(text)
            cell = fmt.fit_right(text, width) if column.right else fmt.fit(text, width)
            if position:
                segments.append(Segment(" ", base))
            segments.append(Segment(cell, style))
        return segments
