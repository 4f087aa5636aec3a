"""A yes/no question before an action that cannot be taken back (y answers yes; n or Esc no)."""

from __future__ import annotations

import time
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen

from drconsole.tui import arming
from drconsole.tui.widgets.plain import Button, Static


class ConfirmDialog(ModalScreen[bool]):
    """Asks one question; dismissed with True only on `y` or the Yes button."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]
    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog #confirm { width: 70; max-width: 95%; height: auto; border: thick $warning;
        padding: 1 2; background: $surface; }
    ConfirmDialog #confirm-buttons { height: 3; margin-top: 1; }
    ConfirmDialog Button.-arming { text-style: dim; }
    """

    def __init__(self, question: str, detail: str = "", yes: str = "Yes") -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.yes = yes
        self._yes_from = float("inf")  # the Yes button answers from then on (see on_mount)

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Static(self.question, classes="dialog-title", id="confirm-question")
            if self.detail:
                yield Static(self.detail, id="confirm-detail")
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self.yes} (y)", id="yes", variant="warning")
                yield Button("No (n)", id="no")

    def on_mount(self) -> None:
        # Enter on the focused button must not say yes by accident.
        self.query_one("#no", Button).focus()
        # Nor a click meant for the screen below, landing where the Yes button appears.
        self._arm()

    def _arm(self) -> None:
        self._yes_from = arming.arm(self, self.query_one("#yes", Button), arming.ARMING_SECONDS)

    def action_answer(self, yes: bool) -> None:
        """Close with the answer; yes (the `y` key or the button) once the question has been
        on screen a moment: an `R y` typed together started a drill nobody had read about, and
        a click or a double click's second half meant for what was there before must not
        answer. A yes while arming arms again, so a burst of keys waits until it stops."""
        if yes and time.monotonic() < self._yes_from:
            self._arm()
            return
        self.dismiss(yes)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        """Buttons answer like the keys."""
        self.action_answer(event.button.id == "yes")
