"""A drill's manual step, asked in a dialog: performed or not, with an optional note (the drill
records the time it was asked and answered)."""

from __future__ import annotations

import time
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, ScrollableContainer, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input

from drconsole.drills.runbook import ManualStep
from drconsole.tui import arming
from drconsole.tui.widgets.plain import Button, Static
from drconsole.tui.widgets.typed_input import TypedInput

# How long after it appears the dialog takes no answer (see `tui.arming`): it is asked wherever
# the operator is, and the keys being typed there must not answer it.
ARMING_SECONDS = arming.ARMING_SECONDS


class ManualStepDialog(ModalScreen[tuple[bool, str]]):
    """Dismissed with (performed, note). Enter in the note (or `Performed`) confirms; the
    `Not performed` button records that it was not done. Esc does not answer: the drill waits
    for a real answer. Nothing has the focus, and no answer is taken, until it is armed."""

    AUTO_FOCUS = None  # the note takes the keys once armed, not the ones typed ahead
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "not_performed", "Not performed"),
        Binding("pageup", "scroll_text(-1)", "Scroll up", show=False),
        Binding("pagedown", "scroll_text(1)", "Scroll down", show=False),
    ]
    DEFAULT_CSS = """
    ManualStepDialog #manual-scroll { height: 1fr; overflow-x: hidden; }
    ManualStepDialog #manual-scroll.-short { height: auto; }
    ManualStepDialog #manual-buttons { height: auto; padding-top: 1; }
    ManualStepDialog Button { margin-right: 2; }
    ManualStepDialog Button:focus { text-style: bold reverse; }
    ManualStepDialog Button.-arming { text-style: dim; }
    ManualStepDialog #manual-note { margin-top: 1; }
    """
    SHORT_LINES = 6  # a step this short fits any screen: the dialog is as tall as it needs

    def __init__(self, step: ManualStep, drill: str) -> None:
        super().__init__()
        self.step = step
        self.drill = drill
        self._armed_at = float("inf")

    def compose(self) -> ComposeResult:
        when = "before the targets" if self.step.when == "before" else "after validation"
        required = ", required" if self.step.required else ""
        short = len(self.step.text.splitlines()) <= self.SHORT_LINES and len(self.step.text) < 300
        with Vertical(id="dialog") as dialog:
            if not short:  # (inline: the dialogs' own height is `auto`)
                dialog.styles.height = "90%"
            yield Static(
                f"Manual step {self.step.name} of drill {self.drill} ({when}{required})",
                classes="dialog-title",
            )
            with ScrollableContainer(id="manual-scroll", classes="-short" if short else ""):
                yield Static(self.step.text, id="manual-text")
            yield TypedInput(placeholder="note (optional), Enter: performed", id="manual-note")
            with Horizontal(id="manual-buttons"):
                yield Button("Performed", id="performed", variant="primary", compact=True)
                yield Button("Not performed", id="not-performed", compact=True)
            yield Static(
                "Enter or Performed: done, with the note. Not performed (Ctrl+N): recorded as "
                "not done. PgUp/PgDn scroll the step.",
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        note = self.query_one("#manual-note", Input)

        def take_keys() -> None:
            note.focus()

        self._armed_at = arming.arm(self, self.query_one("#performed"), ARMING_SECONDS, take_keys)

    def armed(self) -> bool:
        """True once the dialog has been on screen long enough to be read."""
        return time.monotonic() >= self._armed_at

    def note(self) -> str:
        """The note typed, trimmed."""
        return self.query_one("#manual-note", Input).value.strip()

    def action_scroll_text(self, direction: int) -> None:
        """Page Up/Down scroll a long step, wherever the focus is."""
        body = self.query_one("#manual-scroll", ScrollableContainer)
        body.scroll_to(y=body.scroll_y + direction * max(1, body.size.height - 1), animate=False)

    @on(Input.Submitted, "#manual-note")
    @on(Button.Pressed, "#performed")
    def performed(self) -> None:
        """Confirm the step as performed."""
        if self.armed():
            self.dismiss((True, self.note()))

    @on(Button.Pressed, "#not-performed")
    def action_not_performed(self) -> None:
        """Record the step as not performed."""
        if self.armed():
            self.dismiss((False, self.note()))
