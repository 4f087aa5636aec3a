"""The top bar (breadcrumbs and the read-only badge), the filter bar and the status line."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static

SEPARATOR = " > "


class Breadcrumbs(Static):
    """Where the user is: Organization > account > vault > recovery point."""

    def __init__(self, trail: Sequence[str], **kwargs: object) -> None:
        super().__init__(SEPARATOR.join(trail), markup=False, **kwargs)  # type: ignore[arg-type]
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
            markup=False,
        )

    def compose(self) -> ComposeResult:
        yield Static("drconsole", classes="app-name")
        yield Breadcrumbs(self.trail)
        if self.break_glass:
            yield self.break_glass_badge(self.break_glass)
        if self.read_only:
            yield self.badge()


class FilterBar(Input):
    """The `/` filter: hidden until asked for; the list narrows as you type.

    Enter keeps the filter and gives the list the focus at once, in the same step: a key typed
    right behind it (Enter to open the best match, ↑ ↓) is already on its way to this bar and
    is passed on to the list (`/prod` Enter Enter opens prod, however fast it is typed).
    """

    class Kept(Message):
        """Enter: the filter stays applied and the bar hides."""

    class KeptKey(Message):
        """A list key (Enter, ↑, ↓) reached the bar after its Enter had hidden it."""

        def __init__(self, key: str) -> None:
            self.key = key
            super().__init__()

    def __init__(self, give_focus_back: Callable[[], None]) -> None:
        super().__init__(placeholder="filter (Enter keeps it, Esc clears it)", id="filter")
        self._give_focus_back = give_focus_back

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter" or (not self.display and event.key in ("down", "up")):
            event.stop()
            event.prevent_default()
            if self.display:
                self.display = False
                self._give_focus_back()
                self.post_message(self.Kept())
            else:
                self.post_message(self.KeptKey(event.key))
            return
        await super()._on_key(event)


class StatusLine(Static):
    """A line under the list: counts, loading progress and the active filter."""

    def __init__(self) -> None:
        super().__init__("", markup=False, id="status")
