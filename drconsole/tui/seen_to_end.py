"""What a button sends (a request, a policy diff) is sent only once its end has been on screen:
a terminal too small for it, or shrunk mid-flow, must not let a click send what nobody saw."""

from __future__ import annotations

from textual.containers import ScrollableContainer
from textual.widget import Widget


class SeenToEnd:
    """Whether the end of `body` has been on screen since `reset` (it fits, or it was scrolled
    to by keys, the wheel or the scrollbar; scrolling back up afterwards keeps it seen)."""

    def __init__(self, host: Widget, body: ScrollableContainer) -> None:
        self.body = body
        self.seen = False
        host.watch(body, "scroll_y", self.note, init=False)

    def reset(self) -> None:
        """What the body shows now has not been read yet."""
        self.seen = False

    def note(self) -> None:
        """Called as the body scrolls: remember that its end was shown."""
        body = self.body
        if body.max_scroll_y > 0 and body.scroll_y >= body.max_scroll_y:
            self.seen = True

    def ask(self, host: Widget, what: str, then: str, refused: str = "Nothing was sent") -> bool:
        """True when the end has been seen; else show the next page and say why nothing was
        done (`what`: "the request"; `then`: what to press afterwards)."""
        self.note()
        body = self.body
        if self.seen or body.max_scroll_y <= 0:
            return True
        body.scroll_to(y=body.scroll_y + max(1, body.size.height - 1), animate=False)
        host.notify(
            f"{refused}: {what} goes on below what is on screen. Read it to its end "
            f"(PgDn, or the mouse wheel), then {then}.",
            severity="warning",
        )
        return False
