"""Asks again for a secret restore metadata value (a password) the journal does not keep."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input

from drconsole.tui.widgets.plain import Button, Static
from drconsole.tui.widgets.typed_input import TypedInput


class SecretPrompt(ModalScreen[str | None]):
    """A masked input for one secret metadata value; Esc or Cancel sends nothing."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    SecretPrompt { align: center middle; }
    SecretPrompt #secret { width: 76; max-width: 95%; height: auto; border: thick $warning;
        padding: 1 2; background: $surface; }
    SecretPrompt #secret-buttons { height: 3; margin-top: 1; }
    """

    def __init__(self, flow_id: str, step: str, key: str) -> None:
        super().__init__()
        self.flow_id, self.step, self.key = flow_id, step, key

    def compose(self) -> ComposeResult:
        with Vertical(id="secret"):
            yield Static(f"{self.key} is needed again", classes="dialog-title")
            yield Static(
                f"Flow {self.flow_id}: the {self.step} metadata {self.key} is a secret the "
                "journal does not keep. Type the value confirmed when the flow started; "
                "Cancel sends nothing."
            )
            yield TypedInput(password=True, id="secret-value")
            with Horizontal(id="secret-buttons"):
                yield Button("Send", id="secret-send", variant="warning")
                yield Button("Cancel (Esc)", id="secret-cancel")

    def on_mount(self) -> None:
        self.query_one("#secret-value", Input).focus()

    def action_cancel(self) -> None:
        """Close without a value: the engine refuses the step, nothing is sent."""
        self.dismiss(None)

    @on(Input.Submitted)
    @on(Button.Pressed, "#secret-send")
    def send(self) -> None:
        """Close with the value typed (an empty one sends nothing)."""
        self.dismiss(self.query_one("#secret-value", Input).value or None)

    @on(Button.Pressed, "#secret-cancel")
    def cancel(self) -> None:
        """Cancel, like Esc."""
        self.dismiss(None)
