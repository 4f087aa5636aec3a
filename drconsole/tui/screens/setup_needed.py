"""The one screen shown instead of the organization when the console cannot reach AWS for want
of configuration or credentials: what is missing, and the one command that fixes it."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen

from drconsole.tui.widgets.chrome import TopBar
from drconsole.tui.widgets.key_footer import KeyFooter
from drconsole.tui.widgets.plain import Static

if TYPE_CHECKING:
    from drconsole.setup_problem import SetupProblem


class SetupNeededScreen(Screen[None]):
    """What is missing and the command that fixes it; r tries again once it is fixed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "retry", "Retry"),
    ]

    def __init__(self, problem: SetupProblem) -> None:
        super().__init__()
        self.problem = problem
        self.trail = ("Setup needed",)

    def compose(self) -> ComposeResult:
        settings = getattr(self.app, "settings", None)
        yield TopBar(
            self.trail,
            read_only=bool(getattr(settings, "read_only", False)),
            break_glass=getattr(settings, "break_glass", None),
        )
        problem = self.problem
        with Vertical(id="setup-needed"):
            yield Static(problem.heading, classes="setup-heading")
            yield Static(problem.missing, id="setup-missing")
            yield Static("Fix it with", classes="setup-heading")
            yield Static(problem.fix, id="setup-fix", classes="setup-command")
            if problem.alternative:
                yield Static(problem.alternative, id="setup-alternative")
            if problem.detail:
                yield Static(problem.detail, id="setup-detail")
            then = (
                "Then press r to try again, or q to quit."
                if problem.can_retry
                else "Then start drconsole again. q quits."
            )
            yield Static(then, classes="dialog-hint")
        yield KeyFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.problem.can_retry if action == "retry" else True

    def action_retry(self) -> None:
        """Read AWS again with fresh sessions (after `aws sso login`, say)."""
        retry = getattr(self.app, "retry_after_setup", None)
        if retry is not None:
            retry()
