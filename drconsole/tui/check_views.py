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
from drconsole.tui.widgets.notice_bar import NoticeBar
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
        # What the refusal says to press: the diff scrolls wherever the focus is.
        Binding("pageup", "scroll_diff(-1)", "Scroll up", show=False),
        Binding("pagedown", "scroll_diff(1)", "Scroll down", show=False),
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
            # Its notices (read the diff to its end) in lines of its own, not over the diff.
            yield NoticeBar(id="fix-notices")
            with Horizontal(id="fix-buttons"):
                yield Button("Apply (y)", id="apply", variant="warning")
                yield Button("Cancel (n)", id="cancel")

    def on_mount(self) -> None:
        self._diff_read = SeenToEnd(self, self.query_one("#fix-diff", VerticalScroll))
        self._arm()

    def _arm(self) -> None:
        """Apply answers only once what is on screen has been there a moment: an `f y` typed
        together, or a held `y` paging through the diff, must not apply what nobody read."""
        self._apply_from = arming.arm(self, self.query_one("#apply", Button), arming.ARMING_SECONDS)

    def action_scroll_diff(self, direction: int) -> None:
        """Page Up/Down scroll the diff (the focus rests on the buttons)."""
        diff = self.query_one("#fix-diff", VerticalScroll)
        diff.scroll_to(y=diff.scroll_y + direction * max(1, diff.size.height - 1), animate=False)

    def action_answer(self, apply: bool) -> None:
        """Close with the answer; Apply only once armed and once the diff's end has been on
        screen (a key policy's diff runs below the dialog at 80x24, the statement it adds
        last)."""
        if apply and time.monotonic() < self._apply_from:
            self._arm()  # keys in a burst: wait until they stop
            return
        if apply and not self._diff_read.ask(self, "the change", "y", "Nothing was applied"):
            self._arm()  # the next page, too, is read before Apply answers
            return
        self.dismiss(apply)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        """Buttons answer like the keys."""
        self.action_answer(event.button.id == "apply")


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
