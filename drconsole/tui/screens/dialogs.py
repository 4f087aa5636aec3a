"""Modal dialogs: an AWS failure with its cause code, quitting during a flow, every key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen

from drconsole.errors import AwsError, DrConsoleError
from drconsole.redact import safe_line
from drconsole.tui.widgets.plain import Static


@dataclass(frozen=True)
class FailureReport:
    """What the error dialog shows: where, the cause code and one line of description."""

    where: str
    cause: str
    description: str


def report_for(error: BaseException, where: str) -> FailureReport:
    """Classify a worker's exception (botocore's, or drconsole's own errors), as safe text:
    every error a screen shows passes here, redacted and with control characters escaped."""
    if isinstance(error, AwsError):
        return FailureReport(safe_line(where), str(error.cause), safe_line(str(error)))
    if isinstance(error, DrConsoleError):
        return FailureReport(safe_line(where), "UNKNOWN", safe_line(str(error)))
    from drconsole.aws.errors import classify, describe

    return FailureReport(safe_line(where), str(classify(error)), describe(error))


class ErrorDialog(ModalScreen[None]):
    """An AWS call failed: where, the cause code, AWS's message. Any key closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q", "dismiss", "Close"),
    ]

    def __init__(self, report: FailureReport) -> None:
        super().__init__()
        self.report = report

    @classmethod
    def from_exception(cls, error: BaseException, where: str = "") -> ErrorDialog:
        """The dialog for an exception raised in a worker."""
        return cls(report_for(error, where))

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="error"):
            yield Static("Error", classes="dialog-title")
            if self.report.where:
                yield Static(f"While loading: {self.report.where}")
            yield Static(f"Cause: {self.report.cause}", id="error-cause")
            yield Static(self.report.description, id="error-description")
            yield Static("Enter or Esc closes this.", classes="dialog-hint")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)


class ConfirmQuit(ModalScreen[bool]):
    """Quit while a copy/restore flow runs? y quits (the flow stays resumable), n stays."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Quit"),
        Binding("n,escape", "answer(False)", "Stay"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Quit while a flow is running?", classes="dialog-title")
            yield Static(
                "The copy/restore flow stops being watched; its AWS jobs go on, and "
                "`drconsole jobs --resume` (or the jobs screen) finishes it. A drill running "
                "here is interrupted: `drconsole drill resume RUN_ID` carries it on.",
            )
            yield Static("y quits, n or Esc stays.", classes="dialog-hint")

    def action_answer(self, leave: bool) -> None:
        """Close with the answer."""
        self.dismiss(leave)


@dataclass(frozen=True)
class BindingRow:
    """One line of the help screen."""

    keys: str
    description: str
    where: str


class HelpScreen(ModalScreen[None]):
    """Every binding active on the screen below (its own, its widgets' and the app's), or
    every `:` command: a dialog that scrolls, so the whole list is readable at 80x24 on any
    screen (a notice would take that many lines from the screen, or be cut)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close"),
    ]
    # The list has the focus, so ↑ ↓ PgUp PgDn scroll it.
    AUTO_FOCUS = "VerticalScroll"

    def __init__(self, rows: list[BindingRow], title: str = "Keys", stacked: bool = False) -> None:
        super().__init__()
        self.rows = rows
        self.title_text = title
        # A description under its names instead of beside them: commands' names are long, and
        # a description wrapped beside them runs under the names at 80 columns.
        self.stacked = stacked

    @classmethod
    def for_commands(cls, lines: list[tuple[str, str]]) -> HelpScreen:
        """The `:` commands, each as (its names and argument, what it does)."""
        where = "Typed after : (Tab completes a name)"
        rows = [BindingRow(names, description, where) for names, description in lines]
        return cls(rows, title="Commands", stacked=True)

    @classmethod
    def for_screen(cls, screen: Screen[object]) -> HelpScreen:
        """Collect the bindings that `screen` answers to, hidden ones included: the screen's
        own first, then the app's, then those of the focused widget."""
        grouped: dict[tuple[str, str], list[str]] = {}
        for key, active in screen.active_bindings.items():
            binding = active.binding
            description = binding.description or binding.action.replace("_", " ").capitalize()
            if binding.tooltip:
                description = f"{description}: {binding.tooltip}"
            node = active.node
            where = (
                "This screen"
                if node is screen
                else "Everywhere"
                if node is screen.app
                else type(node).__name__
            )
            keys = grouped.setdefault((where, description), [])
            shown = binding.key_display or screen.app.get_key_display(binding) or key
            if shown not in keys:
                keys.append(shown)
        order = {"This screen": 0, "Everywhere": 1}
        rows = [
            BindingRow(", ".join(keys), description, where)
            for (where, description), keys in grouped.items()
        ]
        rows.sort(key=lambda row: order.get(row.where, 2))
        return cls(rows)

    def compose(self) -> ComposeResult:
        width = max((len(row.keys) for row in self.rows), default=4) + 2
        lines: list[str] = []
        current: str | None = None
        for row in self.rows:
            if row.where != current:
                if lines:
                    lines.append("")
                lines.append(row.where)
                current = row.where
            if self.stacked:
                lines += [f"  {row.keys}", f"      {row.description}"]
            else:
                lines.append(f"  {row.keys.ljust(width)}{row.description}")
        with Vertical(id="dialog", classes="help"):
            yield Static(self.title_text, classes="dialog-title")
            with VerticalScroll():
                yield Static("\n".join(lines), id="help-keys")
            yield Static(
                "Esc or ? closes this.  Ctrl+P opens the command palette.", classes="dialog-hint"
            )

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
