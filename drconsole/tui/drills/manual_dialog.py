"""A drill's manual step, asked in a dialog: performed or not, with an optional note (the drill
records the time it was asked and answered)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input

from drconsole.drills.runbook import ManualStep
from drconsole.tui.widgets.plain import Button, Static
from drconsole.tui.widgets.typed_input import TypedInput


class ManualStepDialog(ModalScreen[tuple[bool, str]]):
    """Dismissed with (performed, note). Enter in the note (or `Performed`) confirms; the
    `Not performed` button records that it was not done. Esc does not answer: the drill waits
    for a real answer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "not_performed", "Not performed"),
    ]
    DEFAULT_CSS = """
    ManualStepDialog #manual-buttons { height: auto; padding-top: 1; }
    ManualStepDialog Button { margin-right: 2; }
    ManualStepDialog Button:focus { text-style: bold reverse; }
    ManualStepDialog #manual-note { margin-top: 1; }
    """

    def __init__(self, step: ManualStep, drill: str) -> None:
        super().__init__()
        self.step = step
        self.drill = drill

    def compose(self) -> ComposeResult:
        when = "before the targets" if self.step.when == "before" else "after validation"
        required = ", required" if self.step.required else ""
        with Vertical(id="dialog"):
            yield Static(
                f"Manual step {self.step.name} of drill {self.drill} ({when}{required})",
                classes="dialog-title",
            )
            yield Static(self.step.text, id="manual-text")
            yield TypedInput(placeholder="note (optional), Enter: performed", id="manual-note")
            with Horizontal(id="manual-buttons"):
                yield Button("Performed", id="performed", variant="primary", compact=True)
                yield Button("Not performed", id="not-performed", compact=True)
            yield Static(
                "Enter or Performed: done, with the note. Not performed (Ctrl+N): recorded as "
                "not done. The time is recorded.",
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        self.query_one("#manual-note", Input).focus()

    def note(self) -> str:
        """The note typed, trimmed."""
        return self.query_one("#manual-note", Input).value.strip()

    @on(Input.Submitted, "#manual-note")
    @on(Button.Pressed, "#performed")
    def performed(self) -> None:
        """Confirm the step as performed."""
        self.dismiss((True, self.note()))

    @on(Button.Pressed, "#not-performed")
    def action_not_performed(self) -> None:
        """Record the step as not performed."""
        self.dismiss((False, self.note()))
