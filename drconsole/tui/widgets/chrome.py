"""The top bar (breadcrumbs and the read-only badge), the filter bar and the status line."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Static

SEPARATOR = " > "


class Breadcrumbs(Static):
    """Where the user is: Organization > account > vault > recovery point."""

    def __init__(self, trail: Sequence[str], **kwargs: object) -> None:
        super().__init__(SEPARATOR.join(trail), markup=False, **kwargs)  # type: ignore[arg-type]
        self.trail = tuple(trail)


class TopBar(Horizontal):
    """One line: the breadcrumbs, and a READ-ONLY badge when mutating calls are refused."""

    def __init__(self, trail: Sequence[str], *, read_only: bool) -> None:
        super().__init__()
        self.trail = tuple(trail)
        self.read_only = read_only

    @staticmethod
    def badge() -> Static:
        """The READ-ONLY badge (one per screen)."""
        return Static(" READ-ONLY ", classes="badge read-only", id="read-only-badge")

    def compose(self) -> ComposeResult:
        yield Static("drconsole", classes="app-name")
        yield Breadcrumbs(self.trail)
        if self.read_only:
            yield self.badge()


class FilterBar(Input):
    """The `/` filter: hidden until asked for; the list narrows as you type."""

    def __init__(self) -> None:
        super().__init__(placeholder="filter (Enter keeps it, Esc clears it)", id="filter")


class StatusLine(Static):
    """A line under the list: counts, loading progress and the active filter."""

    def __init__(self) -> None:
        super().__init__("", markup=False, id="status")
