"""The Textual application shell."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static


class DrConsoleApp(App[None]):
    """drconsole's terminal UI."""

    TITLE = "drconsole"
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("drconsole")
        yield Footer()
