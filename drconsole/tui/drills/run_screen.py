"""One drill in the console: its plan (read-only), then its run, watched live per target.

The run is `DrillRunner.run_to_end`, the very code of `drconsole drill run`: journaled, under the
drill's lock, resumable by `drconsole drill resume RUN_ID` (and its flows by `drconsole jobs
--resume`). It runs in a thread worker of this screen; its events come back as messages. Manual
steps are asked in a dialog (the runner's thread waits for the answer). Leaving the screen while
the drill runs asks first: the drill goes on in this console, and the Drills screen brings the
very same view back; quitting drconsole interrupts it, resumably.
"""

from __future__ import annotations

import queue
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget

from drconsole.drills.progress import DrillProgress
from drconsole.drills.resume import journaled_flows
from drconsole.tui.drills.list_screen import DrillsScreen
from drconsole.tui.drills.render import plan_text, progress_text, summary_text
from drconsole.tui.screens.base import BrowseScreen
from drconsole.tui.widgets.plain import Static
from drconsole.tui.widgets.wrapped_log import WrappedLog

if TYPE_CHECKING:
    from drconsole.drills.journal import DrillState
    from drconsole.drills.planner import DrillPlan
    from drconsole.drills.runbook import ManualStep, Runbook
    from drconsole.drills.runner import DrillRunner
    from drconsole.flows.journal import FlowState

RUN_GROUP = "drill-run"
# Flow events the log leaves out: each poll is in the progress above it, and a request's body
# is journaled (the log would show pages of JSON).
LOG_SKIPS = frozenset({"job-progress", "request-ready"})


def utcnow() -> datetime:
    """Now, UTC (the drill's clock is the real one, as its journal's)."""
    return datetime.now(UTC)


class DrillScreen(BrowseScreen):
    """Plan a runbook (read-only), then run it (`R`) and watch every target; or resume an
    unfinished run of it (`resume_run`), watched the same way."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("R", "run_drill", "Run drill"),
        Binding("o", "open_report", "Report"),
        Binding("pageup", "scroll_body(-1)", "Scroll up", show=False),
        Binding("pagedown", "scroll_body(1)", "Scroll down", show=False),
    ]
    # The progress is bounded and scrolls: with many targets (two lines each) it pushed the
    # report, the log and the status line off an 80x24 screen. The summary line above it names
    # the verdict and what failed, however many targets there are.
    DEFAULT_CSS = """
    DrillScreen #drill-summary { height: 1; padding: 0 1; text-wrap: nowrap;
        text-overflow: ellipsis; }
    DrillScreen #drill-progress-box { height: auto; max-height: 8; }
    DrillScreen #drill-progress { height: auto; padding: 0 1; }
    DrillScreen #drill-body { height: 1fr; min-height: 3; padding: 0 1; }
    /* Up to 8 lines, as many as the plan above gets twice over: a notice said under the
       status line takes its lines from the log too, not from below the footer. */
    DrillScreen #drill-log { height: 2fr; max-height: 8; min-height: 4; border: round $accent; }
    """
    MIN_POLL = 1.0  # seconds between the first polls of a job, as `drill run`'s default

    class Planned(Message):
        """The plan (read in a worker)."""

        def __init__(self, plan: DrillPlan) -> None:
            super().__init__()
            self.plan = plan

    class Event(Message):
        """A drill event (from the runner's threads)."""

        def __init__(self, event: dict[str, Any]) -> None:
            super().__init__()
            self.event = event

    class ManualAsked(Message):
        """The runner waits for the operator's answer to a manual step."""

        def __init__(self, step: ManualStep) -> None:
            super().__init__()
            self.step = step

    class Finished(Message):
        """The drill ended and its report is written."""

        def __init__(self, report: dict[str, Any]) -> None:
            super().__init__()
            self.report = report

    class Resumed(Message):
        """The drill as journaled when its resume took the lock (before its first event)."""

        def __init__(self, state: DrillState, flows: dict[str, FlowState]) -> None:
            super().__init__()
            self.state = state
            self.flows = flows

    class Refused(Message):
        """Another process holds the drill's lock, or the drill has finished: nothing was done
        here."""

        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    def __init__(self, runbook: Runbook, resume_run: str | None = None) -> None:
        super().__init__(("Drills", runbook.name))
        self.runbook = runbook
        self.resume_run = resume_run  # an unfinished run of the runbook, carried on at once
        self.plan: DrillPlan | None = None
        self.runner: DrillRunner | None = None
        before = sum(1 for step in runbook.manual_steps if step.when == "before")
        self.progress = DrillProgress.of([t.name for t in runbook.targets], before)
        self.report: dict[str, Any] | None = None
        self.log_lines: list[str] = []
        self.running = False
        self.planning = False  # the plan is being read (R waits for it)
        self._answers: queue.Queue[tuple[bool, str]] = queue.Queue(maxsize=1)
        self._stopping = threading.Event()
        self._ticker: Timer | None = None

    @property
    def key(self) -> str:
        """The runbook file, as the Drills screen finds this view again."""
        return str(Path(self.runbook.path).resolve())

    def compose_body(self) -> ComposeResult:
        yield Static("", id="drill-summary")
        with VerticalScroll(id="drill-progress-box"):
            yield Static("", id="drill-progress")
        with VerticalScroll(id="drill-body"):
            yield Static("", id="drill-text")
        yield WrappedLog(id="drill-log")

    def main_widget(self) -> Widget:
        return self.query_one("#drill-body")

    def on_mount(self) -> None:
        self.query_one("#drill-log").display = False
        self.show_run_parts(False)
        self.set_focus(self.main_widget())  # now, not after a refresh: see TableScreen
        if self.resume_run is None:
            self.action_refresh()
            return
        # Asked on the Drills screen already: the run goes on from its journal, not planned.
        self.query_one("#drill-text", Static).update(
            Text(f"Drill {self.runbook.name}: resuming run {self.resume_run} from its journal…")
        )
        self.start()

    # Plan ----------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        """Plan again (not while the drill runs or once it ran, nor for a resumed run)."""
        if self.running or self.report is not None or self.resume_run is not None:
            return
        self.set_status(f"planning {self.runbook.name}: resolving and checking every target…")
        self.query_one("#drill-text", Static).update(
            Text(f"Drill {self.runbook.name}: reading recovery points and checking…")
        )
        self.planning = True
        self.make_plan()

    @work(thread=True, exclusive=True, exit_on_error=False, group="drill-plan")
    def make_plan(self) -> None:
        """`drill plan`: resolve, route and check every target (reads only)."""
        from drconsole.drills.planner import plan_drill

        self.post_message(self.Planned(plan_drill(self.drapp.sessions, self.runbook)))

    def on_drill_screen_planned(self, message: Planned) -> None:
        self.planning = False
        if self.report is not None:
            return
        self.plan = message.plan
        self.query_one("#drill-text", Static).update(plan_text(message.plan))
        if self.running:  # started before the plan was read: the plan still shows
            return
        ready = sum(1 for t in message.plan.targets if t.ok)
        total = len(message.plan.targets)
        if self.drapp.settings.read_only:
            hint = "read-only: the plan only (a drill starts jobs)"
        else:
            hint = "R runs the drill"
        self.set_status(f"plan: {ready} of {total} targets can start │ {hint} │ r plans again")

    def action_scroll_body(self, direction: int) -> None:
        """Page Up/Down scroll the plan or the report, wherever the focus is."""
        body = self.query_one("#drill-body", VerticalScroll)
        body.scroll_to(y=body.scroll_y + direction * max(1, body.size.height - 1))

    # Run -----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        busy = self.running or self.report is not None or self.resume_run is not None
        if action in ("run_drill", "reload", "refresh") and busy:
            return False
        if action == "open_report" and self.report is None:
            return False
        return super().check_action(action, parameters)

    def action_run_drill(self) -> None:
        """Ask, then run the drill."""
        from drconsole.tui.screens.confirm import ConfirmDialog

        if self.drapp.settings.read_only:  # the binding is hidden; the runner refuses too
            self.notify("Read-only mode: a drill starts copy and restore jobs.", severity="warning")
            return
        if self.planning:
            # Asked before the plan is read, the question would lack its warning that a target
            # cannot start (and a `y` typed ahead would answer it unread).
            self.notify(
                f"The plan of {self.runbook.name} is still being read: R asks once it is shown.",
                timeout=4,
            )
            return
        runbook = self.runbook
        destinations = sorted({t.restore_to.vault_arn for t in runbook.targets})
        detail = (
            f"{len(runbook.targets)} targets copied back and restored into "
            f"{', '.join(destinations)}; manual steps are asked here; clean-up: "
            f"{runbook.cleanup}. The drill is journaled: `drconsole drill resume` carries it on "
            "if this console stops."
        )
        if self.plan is None:  # planning failed: the drill's own checks still run
            detail += " The plan could not be read (r plans again): nothing says what can start."
        elif not self.plan.ok:
            blocked = [t.target.name for t in self.plan.targets if not t.ok]
            detail += f" The plan says {', '.join(blocked)} cannot start: it will fail."

        def answered(yes: bool | None) -> None:
            if yes:
                self.start()

        self.app.push_screen(
            ConfirmDialog(f"Run drill {runbook.name}?", detail, yes="Run"), answered
        )

    def start(self) -> None:
        """Start the drill in a worker and show its progress."""
        app = self.drapp
        self.running = True
        keep_alive(app, self)
        app.drill_screens[self.key] = self
        self.show_run_parts(True)
        self.query_one("#drill-log").display = True
        self._ticker = self.set_interval(0.5, self.show_progress)
        self.set_status("drill starting │ Esc leaves it running here")
        self.refresh_bindings()
        self.run_drill()

    def _post_event(self, event: dict[str, Any]) -> None:
        """The runner's threads: hand the event to the UI thread. A resume, once it holds the
        lock, first hands over the drill as journaled (read here, off the UI thread)."""
        if event["event"] == "drill-resumed" and self.runner is not None:
            state = self.runner.state()
            self.post_message(self.Resumed(state, journaled_flows(self.runner.state_dir, state)))
        self.post_message(self.Event(event))

    @work(thread=True, exclusive=True, exit_on_error=False, group=RUN_GROUP)
    def run_drill(self) -> None:
        """The drill to its end, clean-up and report included (`drill run`'s own code)."""
        from drconsole.drills.resume import DrillFinished
        from drconsole.drills.run_base import DrillBusy
        from drconsole.drills.runner import DrillRunner

        runner = DrillRunner(
            self.drapp.sessions,  # made here: the first use may wait for the demo's sandbox
            self.runbook,
            state_dir=self.drapp.settings.state_dir,
            ask_manual=self._ask_manual,
            on_event=self._post_event,
            min_poll=self.MIN_POLL,
            run_id=self.resume_run,  # None: a new run; else `drill resume`'s own path
        )
        self.runner = runner
        if self._stopping.is_set():
            runner.stop("console quit")
        try:
            report = runner.run_to_end(None, None)
        except (DrillBusy, DrillFinished) as refused:
            self.post_message(self.Refused(str(refused)))
            return
        self.post_message(self.Finished(report))

    def on_drill_screen_resumed(self, message: Resumed) -> None:
        self.progress.resume_from(message.state, message.flows)
        self.show_progress()

    def on_drill_screen_refused(self, message: Refused) -> None:
        """Another drconsole holds the drill, or it has finished: this view did nothing and
        says so."""
        self.end_run()
        self.show_run_parts(False)
        self.query_one("#drill-log").display = False
        line = f"Not resumed: {message.reason}; nothing was done here."
        self.query_one("#drill-text", Static).update(Text(line, style="bold red"))
        self.set_status(f"not resumed: {message.reason}")
        self.notify(line, title="Drill not resumed", severity="error", timeout=10)
        if self not in self.app.screen_stack:  # left before the refusal came back
            discard(self.drapp, self)

    def _ask_manual(self, step: ManualStep) -> tuple[bool, str]:
        """The runner's thread: ask in a dialog and wait for the answer (or for the stop)."""
        self.post_message(self.ManualAsked(step))
        while True:
            try:
                return self._answers.get(timeout=0.25)
            except queue.Empty:
                if self._stopping.is_set():
                    stopped = "the console stopped while a manual step was asked"
                    raise InterruptedError(stopped) from None

    def on_drill_screen_manual_asked(self, message: ManualAsked) -> None:
        from drconsole.tui.drills.manual_dialog import ManualStepDialog

        self.log_line(f"manual step {message.step.name}: {message.step.text} (asked)")

        def answered(answer: tuple[bool, str] | None) -> None:
            self._answers.put(answer if answer is not None else (False, ""))

        self.app.push_screen(ManualStepDialog(message.step, self.runbook.name), answered)

    def on_drill_screen_event(self, message: Event) -> None:
        from drconsole.commands._drill_cli import DrillPrinter

        event = message.event
        if event["event"] in ("drill-started", "drill-resumed"):
            self.set_status(f"drill {event['run']} running │ Esc leaves it running here")
        self.progress.apply(event, utcnow())
        self.show_progress()
        if event["event"] == "flow" and event["flow_event"]["event"] in LOG_SKIPS:
            return
        line = DrillPrinter(False).text(event)
        for part in line.splitlines():
            self.log_line(part)

    def log_line(self, line: str) -> None:
        """Add a line to the drill's log."""
        self.log_lines.append(line)
        self.query_one("#drill-log", WrappedLog).write(line)

    def show_run_parts(self, shown: bool) -> None:
        """The summary line and the progress: shown once the drill runs."""
        self.query_one("#drill-summary").display = shown
        self.query_one("#drill-progress-box").display = shown

    def show_progress(self) -> None:
        """Redraw the per-target progress and its summary line (every half second while the
        drill runs)."""
        if self.runner is not None:
            self.query_one("#drill-progress", Static).update(progress_text(self.progress, utcnow()))
            verdict = str(self.report["verdict"]) if self.report is not None else None
            self.query_one("#drill-summary", Static).update(summary_text(self.progress, verdict))

    def on_drill_screen_finished(self, message: Finished) -> None:
        from drconsole.tui.drills.report_screen import report_text

        self.report = message.report
        self.end_run()
        self.show_progress()
        verdict = str(message.report["verdict"])
        self.log_line(
            f"drill {message.report['run_id']} {verdict}; report in "
            f"{message.report.get('report_dir')}"
        )
        body = self.query_one("#drill-body")
        body.display = True
        self.query_one("#drill-log").display = False
        self.query_one("#drill-text", Static).update(report_text(message.report))
        body.focus()
        if verdict == "interrupted":  # unfinished: the Drills screen's R carries it on
            self.set_status(
                "drill interrupted by an AWS error │ the report is below; R on the Drills "
                "screen resumes it"
            )
        else:
            self.set_status(f"drill {verdict} │ the report is below (PgUp PgDn), o opens it whole")
        if self.app.screen is not self:  # left while it ran: say how it ended
            self.app.notify(
                f"Drill {self.runbook.name} {verdict}: o on the Drills screen opens its report.",
                severity="information" if verdict == "passed" else "warning",
                timeout=10,
            )
            for screen in self.app.screen_stack:
                if isinstance(screen, DrillsScreen):
                    screen.action_refresh()
            if self not in self.app.screen_stack:
                discard(self.drapp, self)

    def end_run(self) -> None:
        """The drill no longer runs here."""
        self.running = False
        if self._ticker is not None:
            self._ticker.stop()
        self.drapp.drill_screens.pop(self.key, None)
        self.refresh_bindings()

    def action_open_report(self) -> None:
        """The report, in the report view."""
        from drconsole.tui.drills.report_screen import DrillReportScreen

        if self.report is not None:
            self.app.push_screen(DrillReportScreen(self.report))

    def loading_failed(self) -> None:
        if self.running:
            self.end_run()
            run_id = self.runner.run_id if self.runner else ""
            self.log_line(f"the drill stopped; `drconsole drill resume {run_id}` carries it on")
            self.set_status(f"drill {run_id} stopped │ drconsole drill resume {run_id}")
        else:
            self.planning = False
            self.set_status("planning failed (r to retry)")

    # Leaving -------------------------------------------------------------------------------

    def action_back(self) -> None:
        """Esc: a running drill asks first (it goes on in this console)."""
        from drconsole.tui.wizard.leave import LeaveFlowDialog

        if not self.running:
            super().action_back()
            if self.app.screen is self:  # the filter was cleared only
                return
            discard(self.drapp, self)
            return
        run_id = self.runner.run_id if self.runner else ""

        def answered(leave: bool | None) -> None:
            if leave:
                self.app.pop_screen()
                self.notify(
                    f"Drill {run_id} goes on; Enter on {self.runbook.name} in the Drills "
                    "screen comes back here.",
                    timeout=10,
                )

        self.app.push_screen(
            LeaveFlowDialog(
                "Leave this drill?",
                f"Drill {run_id} keeps running in this console; its manual steps are still "
                "asked wherever you are, and the Drills screen brings this view back. Quitting "
                f"drconsole interrupts it: `drconsole drill resume {run_id}` carries it on.",
            ),
            answered,
        )

    def on_unmount(self) -> None:
        self.stop()

    def stop(self) -> None:
        """The console stops: end the drill's waits, so that its thread ends (resumably)."""
        self._stopping.set()
        if self.runner is not None:
            self.runner.stop("console quit")


def keep_alive(app: Any, screen: DrillScreen) -> None:
    """Leaving the screen does not destroy it while its drill runs."""
    if not app.is_screen_installed(screen):
        app.install_screen(screen, name=f"drill-{id(screen)}")


def discard(app: Any, screen: DrillScreen) -> None:
    """Let Textual destroy a screen that was kept alive, once it is closed."""

    async def close() -> None:
        if app.uninstall_screen(screen) is not None and screen not in app.screen_stack:
            await screen.remove()

    if app.is_screen_installed(screen):
        app.call_later(close)
