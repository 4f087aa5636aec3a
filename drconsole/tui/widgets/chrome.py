"""The top bar (breadcrumbs and the read-only badge), the filter line and the status line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.visual import VisualType

from drconsole.tui.widgets.plain import Static
from drconsole.tui.widgets.typed_input import TypedInput

SEPARATOR = " > "


class Breadcrumbs(Static):
    """Where the user is: Organization > account > vault > recovery point."""

    def __init__(self, trail: Sequence[str], **kwargs: object) -> None:
        super().__init__(SEPARATOR.join(trail), **kwargs)  # type: ignore[arg-type]
        self.trail = tuple(trail)


class TopBar(Horizontal):
    """One line: the breadcrumbs, a READ-ONLY badge when mutating calls are refused, and a
    BREAK-GLASS badge when drconsole acts with break-glass credentials."""

    def __init__(
        self, trail: Sequence[str], *, read_only: bool, break_glass: str | None = None
    ) -> None:
        super().__init__()
        self.trail = tuple(trail)
        self.read_only = read_only
        self.break_glass = break_glass

    @staticmethod
    def badge() -> Static:
        """The READ-ONLY badge (one per screen)."""
        return Static(" READ-ONLY ", classes="badge read-only", id="read-only-badge")

    @staticmethod
    def break_glass_badge(name: str) -> Static:
        """The BREAK-GLASS badge with the credentials' name (one per screen)."""
        return Static(
            f" BREAK-GLASS {name} ",
            classes="badge break-glass",
            id="break-glass-badge",
        )

    def compose(self) -> ComposeResult:
        yield Static("drconsole", classes="app-name")
        yield Breadcrumbs(self.trail)
        if self.break_glass:
            yield self.break_glass_badge(self.break_glass)
        if self.read_only:
            yield self.badge()


class FilterBar(TypedInput):
    """The `/` filter: hidden until asked for; the list narrows as you type.

    Enter keeps the filter and gives the list the focus while the key is read (a priority
    binding, run before the next key is routed): whatever is typed right behind it (Enter to
    open the best match, ↑ ↓, `w`, `c`) reaches the list, however fast it comes.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "keep", "Keep the filter", show=False, priority=True)
    ]

    # Input sets its virtual size (the text's width, for its own sideways scroll) at each key,
    # and Widget's declares a layout of the whole screen on change: one per keystroke, which
    # redrew every table's scrollbar and measured every widget while the list loaded. The
    # bar's size never depends on its text (its width is the screen's), so a repaint will do.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    # Its line lies over the footer: the footer leaves its keys as they are while it has the
    # focus (`KeyFooter`).
    covers_footer: ClassVar[bool] = True

    class Kept(Message):
        """Enter: the filter stays applied and the bar hides."""

    def __init__(self, give_focus_back: Callable[[], None], apply: Callable[[str], None]) -> None:
        super().__init__(placeholder="type to filter", id="filter", compact=True)
        self._give_focus_back = give_focus_back
        self._apply = apply

    def watch_value(self, value: str) -> None:
        # Applied as the key is read, not when the bar's Changed message reaches the screen:
        # a key typed right behind (Enter, then `w` on the list) must find the list filtered.
        self._apply(value)

    def action_keep(self) -> None:
        """Hide the bar and give the list the focus, now."""
        if isinstance(self.parent, FilterLine):
            self.parent.display = False
        self._give_focus_back()
        self.post_message(self.Kept())


class FilterLine(Horizontal):
    """The filter bar's line: `/`, the bar, and the keys that matter while typing.

    It lies over the footer, on a layer of its own, instead of taking lines from the list:
    opening or closing it then leaves the list's size alone, so neither `/` nor Escape redraws
    every visible row for that, nor lays the screen out a second time for the list's scrollbar.
    The footer it hides offers nothing else while the filter has the focus (Escape, said here).
    """

    KEYS_HINT = "Enter keeps · Esc clears"

    def __init__(self, bar: FilterBar) -> None:
        super().__init__(id="filter-line")
        self.bar = bar

    def compose(self) -> ComposeResult:
        yield Static("/", classes="filter-prompt")
        yield self.bar
        yield Static(self.KEYS_HINT, classes="filter-keys")


class StatusLine(Static):
    """A line under the list: counts, loading progress and the active filter."""

    def __init__(self) -> None:
        super().__init__("", id="status")

    def update(self, content: VisualType = "", *, layout: bool = False) -> None:
        """Show new text. One line the screen's width whatever it says, so no layout: a
        layout of the whole screen at each count or keystroke also redraws every table's
        scrollbar, and kept keystrokes waiting while accounts load."""
        if content != self.content or layout:
            super().update(content, layout=layout)
