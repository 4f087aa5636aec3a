"""Asked before leaving a flow that is running or waiting for the operator."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen

from drconsole.tui.widgets.plain import Button, Static


class LeaveFlowDialog(ModalScreen[bool]):
    """`Leave` (True) or `Stay` (False, the default: Esc and Enter on the focused Stay)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "stay", "Stay"),
        Binding("l", "leave", "Leave"),
    ]
    DEFAULT_CSS = """
    LeaveFlowDialog #leave-buttons { height: auto; padding-top: 1; }
    LeaveFlowDialog Button { margin-right: 2; }
    LeaveFlowDialog Button:focus { text-style: bold reverse; }
    """

    @classmethod
    def for_flow(cls, flow_id: str | None, pane: str | None) -> LeaveFlowDialog:
        """The question for the wizard's flow, saying what it is doing (on `pane`)."""
        waiting = {"form": "the restore form", "final": "your answer on the restore request"}
        doing = f"waiting for {waiting[pane]}" if pane in waiting else "running"
        return cls(
            "Leave this flow?",
            f"Flow {flow_id or '(starting)'} is {doing}. It goes on without this screen; the "
            "jobs screen (j) brings you back to it.",
        )

    def __init__(self, title: str, explanation: str) -> None:
        super().__init__()
        self.title_text = title
        self.explanation = explanation

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.title_text, classes="dialog-title")
            yield Static(self.explanation, id="leave-explanation")
            with Horizontal(id="leave-buttons"):
                yield Button("Stay", id="stay", compact=True)
                yield Button("Leave", id="leave", variant="warning", compact=True)
            yield Static("Esc stays; l leaves.", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#stay", Button).focus()

    @on(Button.Pressed, "#stay")
    def action_stay(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#leave")
    def action_leave(self) -> None:
        self.dismiss(True)
