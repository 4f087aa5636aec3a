"""`drill cleanup` from the Drills screen (`x`, asked first): abandoning an unfinished drill, or
cleaning up a finished one that left what it created. `drill cleanup`'s own code
(`drills.abandon.clean_up_run`) runs in a worker, its lines — the jobs AWS still runs and the
wait for them, each delete — written here as they come, then how it ended."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from drconsole.tui.screens.base import BrowseScreen
from drconsole.tui.screens.confirm import ConfirmDialog
from drconsole.tui.widgets.plain import Static
from drconsole.tui.widgets.wrapped_log import WrappedLog

GROUP = "drill-abandon"


def detail(run_id: str) -> str:
    """What the confirmation says under its question."""
    return (
        f"Run {run_id} is ended as abandoned, as `drconsole drill cleanup` does: it can never be "
        "resumed. Jobs it started that AWS still runs are waited for (AWS cannot cancel them), "
        "then what the drill created is deleted, only that."
    )


def ask_to_abandon(screen: Screen[Any], run_id: str, runbook: str) -> None:
    """Ask `drill cleanup`'s own question, then abandon the unfinished run in this view."""
    from drconsole.drills.abandon import question

    def answered(yes: bool | None) -> None:
        if yes:
            screen.app.push_screen(DrillAbandonScreen(run_id, runbook))

    dialog = ConfirmDialog(question(run_id), detail(run_id), yes="Abandon")
    screen.app.push_screen(dialog, answered)


def ask_to_clean_up(screen: Screen[Any], run_id: str, runbook: str, left: int) -> None:
    """Ask, then clean up the finished run in this view (`drill cleanup` of a finished drill)."""
    what = "thing" if left == 1 else "things"
    text = (
        f"Run {run_id} has finished and left {left} {what} it created (a delete that failed, a "
        "clean-up its policy did not do, or a job AWS still runs). They are deleted as "
        "`drconsole drill cleanup` deletes them, only those; such a job is waited for first."
    )

    def answered(yes: bool | None) -> None:
        if yes:
            screen.app.push_screen(DrillAbandonScreen(run_id, runbook, finished=True))

    question = f"Clean up drill {run_id}: delete what it left?"
    screen.app.push_screen(ConfirmDialog(question, text, yes="Clean up"), answered)


class DrillAbandonScreen(BrowseScreen):
    """One drill being abandoned (or, `finished`, cleaned up): its progress, then the outcome.
    Esc while it waits for AWS's jobs stops waiting (what they make is then left for `drill
    cleanup`)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", priority=True),  # while it waits: stop waiting
    ]
    DEFAULT_CSS = """
    DrillAbandonScreen #abandon-text { height: auto; padding: 0 1; }
    DrillAbandonScreen #abandon-log { height: 1fr; border: round $accent; }
    """

    class Line(Message):
        """A line of the clean-up's progress."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Ended(Message):
        """How it ended: the outcome, or why it was refused."""

        def __init__(self, outcome: Any, refused: str = "", stopped: bool = False) -> None:
            super().__init__()
            self.outcome = outcome
            self.refused = refused
            # refused once something was done: the drill journaled abandoned, or (a finished
            # one) some of its deletes done
            self.stopped = stopped

    def __init__(self, run_id: str, runbook: str, *, finished: bool = False) -> None:
        self.finished = finished  # the drill has finished: cleaned up, never abandoned
        self.doing = "cleaning up" if finished else "abandoning"
        super().__init__(("Drills", runbook, f"{'clean up' if finished else 'abandon'} {run_id}"))
        self.run_id = run_id
        self.stop = threading.Event()
        self.ended = False

    def compose_body(self) -> ComposeResult:
        yield Static(f"{self.doing.capitalize()} drill {self.run_id}…", id="abandon-text")
        yield WrappedLog(id="abandon-log")

    def main_widget(self) -> Widget:
        return self.query_one("#abandon-log")

    def on_mount(self) -> None:
        self.set_status(f"{self.doing} drill {self.run_id} │ Esc stops waiting for AWS's jobs")
        self.abandon()

    def on_unmount(self) -> None:
        self.stop.set()  # the console quits: stop waiting (the deletes due are done first)

    @work(thread=True, exclusive=True, exit_on_error=False, group=GROUP)
    def abandon(self) -> None:
        """`drill cleanup RUN_ID --yes` (asked already), on this console's sessions."""
        from drconsole.drills.abandon import clean_up_run
        from drconsole.drills.cleanup import delete_line
        from drconsole.errors import DrConsoleError

        deletes_before = self._deletes()
        try:
            outcome = clean_up_run(
                self.drapp.sessions,
                self.drapp.settings.state_dir,
                self.run_id,
                # (a finished drill's clean-up never abandons: the drill cannot be unfinished)
                confirm=lambda: not self.finished,
                say=self._say,
                stop=self.stop,
                done_one=lambda result: self._say(delete_line(result)),
            )
        except DrConsoleError as failed:
            # Refused before anything was done (held elsewhere, a flow driven elsewhere), or
            # stopped once the drill was journaled abandoned or some deletes were done (a
            # credential or journal error during the deletes): the two are said differently.
            stopped = self._deletes() != deletes_before if self.finished else self._abandoned()
            self.post_message(self.Ended(None, str(failed), stopped))
            return
        if outcome is None:  # (only a finished drill's clean-up says no: it must not abandon)
            self.post_message(self.Ended(None, f"drill {self.run_id} has not finished"))
            return
        self.post_message(self.Ended(outcome))

    def _journaled(self) -> Any:
        from drconsole.drills.journal import DrillJournal

        return DrillJournal(self.drapp.settings.state_dir).run(self.run_id)

    def _abandoned(self) -> bool:
        """Whether the drill is journaled abandoned now."""
        from drconsole.drills.report import is_abandoned

        state = self._journaled()
        return state is not None and is_abandoned(state)

    def _deletes(self) -> int:
        """How many deletes the drill's journal holds (tried, done or not)."""
        state = self._journaled()
        return 0 if state is None else len(state.cleanups)

    def _say(self, line: str) -> None:
        """The worker: hand a line to the UI thread."""
        self.post_message(self.Line(line))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # (the base screen's handler opens the error dialog: Textual calls it as well)
        if event.worker.group == GROUP and event.state == WorkerState.ERROR:
            self.ended = True  # its error dialog says why; Esc goes back

    def on_drill_abandon_screen_line(self, message: Line) -> None:
        self.query_one("#abandon-log", WrappedLog).write(message.text)

    def on_drill_abandon_screen_ended(self, message: Ended) -> None:
        self.ended = True
        text = self.query_one("#abandon-text", Static)
        if message.refused and message.stopped:
            done = "Clean-up of drill" if self.finished else "Drill"
            then = "stopped" if self.finished else "abandoned, then stopped"
            line = (
                f"{done} {self.run_id} {then}: {message.refused}; drconsole drill cleanup "
                f"{self.run_id} deletes what is left."
            )
            text.update(Text(line, style="bold red"))
            self.set_status(f"stopped: {message.refused} │ Esc goes back")
            self.notify(line, title="Clean-up stopped", severity="error", timeout=10)
            return
        if message.refused:
            undone = "not cleaned up" if self.finished else "not abandoned"
            nothing = "nothing was deleted here" if self.finished else "nothing was done here"
            line = f"{undone.capitalize()}: {message.refused}; {nothing}."
            text.update(Text(line, style="bold red"))
            self.set_status(f"{undone}: {message.refused} │ Esc goes back")
            if self.finished:
                self.notify(line, title="Drill not cleaned up", severity="error", timeout=10)
            else:
                self.notify(line, title="Drill not abandoned", severity="error", timeout=10)
            return
        outcome = message.outcome
        log = self.query_one("#abandon-log", WrappedLog)
        if outcome.report is not None:
            log.write(outcome.report)
        what = "abandoned" if outcome.abandoned else "cleaned up"
        if outcome.done:
            line = f"Drill {self.run_id} {what}: nothing it created is left."
            style = "bold green"
        else:
            running = f", {len(outcome.running)} job(s) still running" if outcome.running else ""
            if outcome.unresolved:
                running += f", {len(outcome.unresolved)} Start call(s) whose job is not known"
            line = (
                f"Drill {self.run_id} {what}: {len(outcome.left)} left{running}; "
                f"drconsole drill cleanup {self.run_id} tries again."
            )
            style = "bold yellow"
        text.update(Text(line, style=style))
        self.set_status(f"{line} │ Esc goes back")
        if outcome.abandoned:
            self.notify(line, title="Drill abandoned", timeout=10)
        else:
            self.notify(line, title="Drill cleaned up", timeout=10)

    def held_by(self) -> str | None:
        """Why a jump elsewhere (command mode, the palette) must wait, or None once it ended."""
        if self.ended:
            return None
        return (
            f"Drill {self.run_id} is being {'cleaned up' if self.finished else 'abandoned'}: "
            "this view stays until it has ended and said how (Esc stops waiting for AWS's jobs)."
        )

    def action_back(self) -> None:
        """Esc: stop waiting for AWS's jobs (the clean-up then ends as far as it got), or go
        back once it has ended."""
        if not self.ended:
            if not self.stop.is_set():
                self.stop.set()
                self.set_status("stopping: the deletes still to do are done first…")
            return
        super().action_back()
