"""Notices said inside a screen's layout instead of as toasts: on a screen that sends requests
a toast drawn over the pane hid what the operator had to read (at 80x24 it covered the job's
status line and the hint under it), so such a screen gives its notices lines of their own."""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.text import Text
from textual.timer import Timer

from drconsole.tui.widgets.plain import Static

# Kept on screen at once: older notices give way rather than crowd out the pane above them.
MOST_SHOWN = 3
# Words, not colour alone, say how serious a notice is (NO_COLOR terminals, screenshots).
MARKS = {"information": "", "warning": "⚠ ", "error": "✖ "}
STYLES = {"information": "", "warning": "bold", "error": "bold"}


@dataclass(frozen=True)
class Notice:
    """One notice: its words, how serious, and until when it is shown (monotonic seconds)."""

    message: str
    title: str
    severity: str
    until: float


class NoticeBar(Static):
    """Lines between a screen's pane and its footer, one or more per notice, each removed
    when its time is up; empty, it takes no room."""

    DEFAULT_CSS = """
    NoticeBar { height: auto; padding: 0 1; display: none; border-top: hkey $warning; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.notices: list[Notice] = []
        self.said: list[str] = []  # every message shown, in order (what tests and logs read)
        self._expiry: Timer | None = None

    def say(self, message: str, title: str, severity: str, timeout: float) -> None:
        """Show `message` for `timeout` seconds, under the notices already shown."""
        self.said.append(message)
        notice = Notice(message, title, severity, time.monotonic() + timeout)
        self.notices = [*self.notices, notice][-MOST_SHOWN:]
        self._redraw()

    def _redraw(self) -> None:
        now = time.monotonic()
        self.notices = [n for n in self.notices if n.until > now]
        text = Text()
        for index, notice in enumerate(self.notices):
            if index:
                text.append("\n")
            text.append(MARKS.get(notice.severity, ""), style=STYLES.get(notice.severity, ""))
            if notice.title:
                text.append(f"{notice.title}: ", style="bold")
            text.append(notice.message)
        self.update(text)
        self.display = bool(self.notices)
        if self._expiry is not None:
            self._expiry.stop()
            self._expiry = None
        if self.notices:
            first_out = min(n.until for n in self.notices)
            self._expiry = self.set_timer(max(0.05, first_out - now), self._redraw)
