"""The wizard screen's frame: its state, its panes, its flow engine and its progress log; the
steps of the flow are handled by the wizard screen itself (screen.py)."""

from __future__ import annotations

import queue
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import ContentSwitcher, ProgressBar

from drconsole.models import CopyJob, RestoreJob
from drconsole.tui.seen_to_end import SeenToEnd
from drconsole.tui.widgets.key_footer import KeyFooter
from drconsole.tui.widgets.notice_bar import NoticeBar
from drconsole.tui.widgets.plain import Static
from drconsole.tui.widgets.wrapped_log import WrappedLog
from drconsole.tui.wizard import messages, render
from drconsole.tui.wizard.chrome import StepsBar, point_summary
from drconsole.tui.wizard.destinations import DestinationPane
from drconsole.tui.wizard.layout import PANE_STEP, compose_panes

if TYPE_CHECKING:
    from drconsole.flows import events as ev
    from drconsole.flows.execute import FlowEngine, FlowOutcome, Prepared
    from drconsole.job_request import JobRequest
    from drconsole.models import RecoveryPoint
    from drconsole.tui.app import DrConsoleApp


class WizardFrame(Screen[None]):
    """What every step of the wizard shares."""

    def __init__(self, point: RecoveryPoint | None, *, flow_id: str | None = None) -> None:
        super().__init__()
        self.point = point
        self.flow_id = flow_id
        self.prepared: Prepared | None = None
        self.outcome: FlowOutcome | None = None
        self._engine: FlowEngine | None = None
        self.log_lines: list[str] = []
        self.status_text = ""
        # step -> (polls, seconds from the job's CompletionDate to this screen showing it)
        self.finish_figures: dict[str, tuple[int, float]] = {}
        # The operator's answer to a request shown on the final pane (the engine's thread
        # waits on it); the request shown is the one the engine sends.
        self._answers: queue.Queue[bool] = queue.Queue(maxsize=1)
        self.asked_request: JobRequest | None = None
        # The restore form's values (None: not submitted), which the engine's thread waits on
        # with the flow's lock held; True while it waits.
        self._forms: queue.Queue[dict[str, str] | None] = queue.Queue(maxsize=1)
        self.form_asked = False
        self.destination_label = ""
        # True from Start (or a resume) until the flow ends: leaving then asks first.
        self.flow_unfinished = flow_id is not None
        # Each Plan and check counts; only the newest one's answer is shown.
        self.plan_attempt = 0
        # button -> when it starts answering (see _arm)
        self._armed_at: dict[str, float] = {}
        # pane -> whether the end of its request was on screen (see whole_request_seen)
        self._seen_to_end: dict[str, SeenToEnd] = {}

    @property
    def drapp(self) -> DrConsoleApp:
        """The application, typed."""
        return self.app  # type: ignore[return-value]

    # Layout -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        first = "progress" if self.flow_id else "destination"
        yield StepsBar(PANE_STEP[first], id="wizard-steps")
        yield Static(self._point_text(), id="wizard-rp")
        yield from compose_panes(self.point, first)
        yield NoticeBar(id="wizard-notices")
        yield KeyFooter()

    def _point_text(self) -> Text:
        if self.point is None:
            return Text(f"Resuming flow {self.flow_id}")
        return point_summary(self.point, self.drapp.organization)

    def on_resize(self) -> None:
        # Laid out at its new size (a tmux pane split, a window shrunk mid-flow): the field or
        # button that takes the keys must not be left below a scrolled body's edge, unseen.
        focused = self.focused
        if focused is not None:
            focused.scroll_visible(animate=False)

    def action_scroll_body(self, direction: int) -> None:
        """Page Up/Down scroll the current pane's body, wherever the focus is."""
        pane = self.query_one(ContentSwitcher).current
        bodies = list(self.query(f"#{pane} .body").results(VerticalScroll))
        if bodies:
            body = bodies[0]
            body.scroll_to(y=body.scroll_y + direction * max(1, body.size.height - 1))

    @property
    def engine(self) -> FlowEngine:
        """One flow engine per wizard, its events posted to this screen."""
        if self._engine is None:
            from drconsole.flows.execute import FlowEngine

            self._engine = FlowEngine(self.drapp.sessions, on_event=self._post_event)
            self._engine.ask_secret = self._secret_from_engine
        return self._engine

    def _secret_from_engine(self, flow_id: str, step: str, key: str) -> str | None:
        """The engine's thread: ask for a secret the journal does not keep (a resumed flow),
        in a masked input, and wait for the answer (None: nothing is sent)."""
        import queue

        from drconsole.tui.wizard.secret_prompt import SecretPrompt

        answers: queue.Queue[str | None] = queue.Queue()
        self.app.call_from_thread(
            self.app.push_screen, SecretPrompt(flow_id, step, key), answers.put
        )
        return answers.get()

    def _post_event(self, event: ev.FlowEvent) -> None:
        """The engine's callback (its thread): hand the event to the UI thread."""
        self.post_message(messages.FlowEvent(event))

    @property
    def destinations(self) -> DestinationPane:
        """The destination pane."""
        return self.query_one(DestinationPane)

    def log_line(self, line: str) -> None:
        """Add a line to the progress log."""
        self.log_lines.append(line)
        self.query_one("#progress-log", WrappedLog).write(line)

    def _progress(self, step: str, job: CopyJob | RestoreJob, elapsed: float) -> None:
        self.status_text = render.job_status(step, job, elapsed)
        self.query_one("#progress-status", Static).update(self.status_text)
        if isinstance(job, RestoreJob) and job.percent_done is not None:
            self.query_one("#restore-bar", ProgressBar).update(progress=job.percent_done)
