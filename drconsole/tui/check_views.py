"""How a check is shown: its verdict's colour and severity, its remediation, and the dialog
that shows a fix's diff and asks before applying it."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen

from drconsole.models import Check, CheckStatus
from drconsole.tui import arming
from drconsole.tui.seen_to_end import SeenToEnd
from drconsole.tui.widgets.cell_width import escaped_lines
from drconsole.tui.widgets.plain import Button, Static

if TYPE_CHECKING:
    from drconsole.checks.remedies import FixPlan

STYLES = {
    CheckStatus.PASS: "green",
    CheckStatus.WARN: "yellow",
    CheckStatus.FAIL: "bold red",
    CheckStatus.UNKNOWN: "magenta",
}
# How bad a verdict is (a sort by Status puts the worst first): FAIL > WARN > UNKNOWN > PASS.
SEVERITY = {
    CheckStatus.FAIL: 3,
    CheckStatus.WARN: 2,
    CheckStatus.UNKNOWN: 1,
    CheckStatus.PASS: 0,
}


class FixDialog(ModalScreen[bool]):
    """The diff of a fix, and the question: apply it? (y / n)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Apply"),
        Binding("n,escape", "answer(False)", "Cancel"),
        # The diff pages on whatever has the focus (a click on a button takes it).
        Binding("pagedown", "page_diff(1)", "Read on", show=False),
        Binding("pageup", "page_diff(-1)", "Read back", show=False),
    ]
    DEFAULT_CSS = """
    FixDialog { align: center middle; }
    FixDialog #fix-dialog { width: 90%; height: 80%; border: thick $warning; padding: 1 2;
        background: $surface; }
    FixDialog #fix-diff { height: 1fr; }
    FixDialog #fix-buttons { height: 3; }
    FixDialog Button.-arming { text-style: dim; }
    """

    def __init__(self, plan: FixPlan) -> None:
        super().__init__()
        self.plan = plan
        self._apply_from = float("inf")  # the Apply button answers from then on (see on_mount)

    def compose(self) -> ComposeResult:
        plan = self.plan
        with Vertical(id="fix-dialog"):
            yield Static(Text(f"Fix: {plan.title}", style="bold"))
            yield Static(
                Text(
                    f"{plan.service}:{plan.operation} in account {plan.account_id} ({plan.region})"
                )
            )
            with VerticalScroll(id="fix-diff"):
                yield Static(_diff_text(plan.diff or "(no document change)"))
            with Horizontal(id="fix-buttons"):
                yield Button("Apply (y)", id="apply", variant="warning")
                yield Button("Cancel (n)", id="cancel")

    def on_mount(self) -> None:
        self._diff_read = SeenToEnd(self, self.query_one("#fix-diff", VerticalScroll))
        # The diff takes the keys (Page Down reads on; Enter typed ahead presses nothing).
        self.query_one("#fix-diff", VerticalScroll).focus()
        # Nor a click (or a double click's second half) meant for the row below, landing where
        # the Apply button appears: the button arms as the yes/no dialogs' Yes does.
        self._apply_from = arming.arm(self, self.query_one("#apply", Button), arming.ARMING_SECONDS)

    def action_page_diff(self, pages: int) -> None:
        """Scroll the diff a page down (1) or up (-1)."""
        diff = self.query_one("#fix-diff", VerticalScroll)
        if pages > 0:
            diff.scroll_page_down(animate=False)
        else:
            diff.scroll_page_up(animate=False)

    def action_answer(self, apply: bool) -> None:
        """Close with the answer; Apply only once the diff's end has been on screen (a key
        policy's diff runs below the dialog at 80x24, the statement it adds last)."""
        if apply and not self._diff_read.ask(self, "the change", "y", "Nothing was applied"):
            return
        self.dismiss(apply)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        """Buttons answer like the keys; Apply once it has been on screen a moment."""
        apply = event.button.id == "apply"
        if apply and time.monotonic() < self._apply_from:
            return
        self.action_answer(apply)


def remediation_text(check: Check, read_only: bool) -> Text:
    """A check's verdict, cause, evidence and remediation, and whether `f` can fix it."""
    text = Text()
    text.append(f"{check.status.value} {check.title}", style=STYLES[check.status])
    if check.cause:
        text.append(f"  [{check.cause.value}]")
    text.append(f"\n{escaped_lines(check.evidence)}\n")
    if check.remediation:
        text.append(f"\n{escaped_lines(check.remediation)}\n")
    if check.fix_id and check.status is not CheckStatus.PASS:
        if read_only:
            text.append("\nRead-only mode: apply the remediation above by hand.")
        else:
            text.append("\nPress f: drconsole can apply this fix.", style="bold")
    return text


def _diff_text(diff: str) -> Text:
    text = Text()
    for line in diff.splitlines(keepends=True):
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
        text.append(line, style=style)
    return text
