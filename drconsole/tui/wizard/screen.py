"""The wizard screen: every blocking step runs in a thread worker that posts messages back."""

from __future__ import annotations

import queue
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import (
    Button,
    Checkbox,
    ContentSwitcher,
    Footer,
    ProgressBar,
    RichLog,
    Static,
)

from drconsole.flows import events as ev
from drconsole.flows.cautions import Acceptance
from drconsole.models import CopyJob, RestoreJob
from drconsole.tui.wizard import discard, keep_alive, register_flow, render, unregister
from drconsole.tui.wizard.chrome import StepsBar, point_summary
from drconsole.tui.wizard.destinations import DestinationPane
from drconsole.tui.wizard.leave import LeaveFlowDialog
from drconsole.tui.wizard.restore_form import RestoreFormPane

if TYPE_CHECKING:
    from drconsole.flows.execute import FlowEngine, FlowOutcome, Prepared
    from drconsole.job_request import JobRequest
    from drconsole.models import RecoveryPoint
    from drconsole.tui.app import DrConsoleApp

ACCEPT_LABEL = "Go on anyway, as the caution above says"
FINAL_TITLE = (
    "The restore request, built from the copy's own restore metadata. It is sent exactly as "
    "shown, only if you say so:"
)
FINAL_COPY_TITLE = (
    "A copy request built after the plan (AWS refused the single copy job). It is sent exactly "
    "as shown, only if you say so:"
)
# Buttons that start a job, per pane, and how long after their pane appears they answer.
ARMED_BUTTONS = {"confirm": "#start", "final": "#send-final"}
ARMING_SECONDS = 0.6
PANE_STEP = {
    "destination": "Destination",
    "plan": "Plan & checks",
    "confirm": "Confirm",
    "progress": "Copy",
    "form": "Restore form",
    "final": "Restore",
    "result": "Result",
}


class CopyRestoreWizard(Screen[None]):
    """Copy a recovery point back (one or two hops) and restore it, watched live."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("pageup", "scroll_body(-1)", "Scroll up", show=False),
        Binding("pagedown", "scroll_body(1)", "Scroll down", show=False),
    ]
    # Every pane is a body that scrolls over a row of buttons that does not: whatever the
    # terminal's height, the buttons and the one that has the focus stay on screen.
    DEFAULT_CSS = """
    CopyRestoreWizard #wizard-steps { height: 1; padding: 0 1; }
    CopyRestoreWizard #wizard-rp {
        height: auto; max-height: 2; padding: 0 1; color: $text-muted;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    CopyRestoreWizard ContentSwitcher { height: 1fr; }
    CopyRestoreWizard .pane { height: 1fr; padding: 0 1; }
    /* The gutter is kept whether or not the body scrolls, so a request never re-wraps under
       the reader when its scrollbar appears. */
    CopyRestoreWizard .body { height: 1fr; scrollbar-gutter: stable; }
    CopyRestoreWizard .buttons { height: 1; margin-top: 1; }
    CopyRestoreWizard .buttons Button { margin-right: 2; min-width: 8; }
    CopyRestoreWizard .buttons Button:focus { text-style: bold reverse; }
    CopyRestoreWizard .buttons Button.-arming { text-style: dim; }
    CopyRestoreWizard #progress-log { height: 1fr; border: round $accent; }
    CopyRestoreWizard #progress-status { height: auto; }
    CopyRestoreWizard #progress-hint { height: auto; color: $text-muted; }
    CopyRestoreWizard #form-errors { color: $error; height: auto; max-height: 4; }
    """

    class FlowEvent(Message):
        """An event of the flow engine (posted from its thread)."""

        def __init__(self, event: ev.FlowEvent) -> None:
            super().__init__()
            self.event = event

    class PlanReady(Message):
        """The plan, its first checks and the exact requests (of the `attempt`-th plan)."""

        def __init__(self, prepared: Prepared, attempt: int) -> None:
            super().__init__()
            self.prepared = prepared
            self.attempt = attempt

    class Ended(Message):
        """`engine.run` returned (completed, failed, blocked or needs-form)."""

        def __init__(self, outcome: FlowOutcome) -> None:
            super().__init__()
            self.outcome = outcome

    class ConfirmRequest(Message):
        """The engine built a request after the plan (the final restore): show it and ask."""

        def __init__(self, request: JobRequest) -> None:
            super().__init__()
            self.request = request

    class Failed(Message):
        """A worker failed before the flow could go on (AWS error, bad input)."""

        def __init__(self, where: str, error: BaseException) -> None:
            super().__init__()
            self.where = where
            self.error = error

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
        self.destination_label = ""
        # True from Start (or a resume) until the flow ends: leaving then asks first.
        self.flow_unfinished = flow_id is not None
        # Each Plan and check counts; only the newest one's answer is shown.
        self.plan_attempt = 0
        # button -> when it starts answering (see _arm)
        self._armed_at: dict[str, float] = {}

    @property
    def drapp(self) -> DrConsoleApp:
        """The application, typed."""
        return self.app  # type: ignore[return-value]

    # Layout -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        first = "progress" if self.flow_id else "destination"
        yield StepsBar(PANE_STEP[first], id="wizard-steps")
        yield Static(self._point_text(), id="wizard-rp")
        with ContentSwitcher(initial=first):
            with Vertical(id="destination", classes="pane"):
                yield DestinationPane(self.point)
                with Horizontal(classes="buttons"):
                    yield Button(
                        "Plan and check", id="plan-button", variant="primary", compact=True
                    )
            with Vertical(id="plan", classes="pane"):
                with VerticalScroll(classes="body", id="plan-body"):
                    yield Static(id="plan-text")
                with Horizontal(classes="buttons"):
                    yield Button("Next: confirm", id="to-confirm", variant="primary", compact=True)
                    yield Button("Re-check", id="recheck", compact=True)
                    yield Button("Checks and fixes", id="open-checks", compact=True)
                    yield Button("Back", id="back-destination", compact=True)
            with Vertical(id="confirm", classes="pane"):
                with VerticalScroll(classes="body", id="confirm-body"):
                    yield Static("These requests will be sent:", id="confirm-title")
                    yield Static(id="confirm-text")
                    yield Checkbox(
                        render.toggle_label(ACCEPT_LABEL, False), id="accept-cautions", compact=True
                    )
                with Horizontal(classes="buttons"):
                    yield Button("Start", id="start", variant="warning", compact=True)
                    yield Button("Back", id="back-plan", compact=True)
            with Vertical(id="progress", classes="pane"):
                yield RichLog(id="progress-log", wrap=True, markup=False)
                yield Static(id="progress-status")
                yield ProgressBar(total=100, id="restore-bar", show_eta=False)
                yield Static(
                    "The flow goes on if you leave (Esc asks first); j: the jobs screen.",
                    id="progress-hint",
                )
            with Vertical(id="form", classes="pane"):
                with VerticalScroll(classes="body", id="form-body"):
                    yield RestoreFormPane(id="form-fields")
                # Outside the scrolling body: at 80x24 a problem below the fields would be
                # off screen, and Restore would seem to do nothing.
                yield Static(id="form-errors")
                with Horizontal(classes="buttons"):
                    yield Button("Restore", id="submit-form", variant="warning", compact=True)
            with Vertical(id="final", classes="pane"):
                with VerticalScroll(classes="body", id="final-body"):
                    yield Static(FINAL_TITLE, id="final-title")
                    yield Static(id="final-text")
                with Horizontal(classes="buttons"):
                    yield Button(
                        "Send the restore", id="send-final", variant="warning", compact=True
                    )
                    yield Button("Not now", id="hold-final", compact=True)
            with Vertical(id="result", classes="pane"):
                with VerticalScroll(classes="body", id="result-body"):
                    yield Static(id="result-text")
                with Horizontal(classes="buttons"):
                    yield Button("Close", id="close", compact=True)
        yield Footer()

    def _point_text(self) -> Text:
        if self.point is None:
            return Text(f"Resuming flow {self.flow_id}")
        return point_summary(self.point, self.drapp.organization)

    def on_mount(self) -> None:
        self.query_one("#restore-bar").display = False
        self.query_one("#accept-cautions").display = False
        if self.flow_id:
            register_flow(self.drapp, self, self.flow_id)
            self._run(self.flow_id, None)
        else:
            self.query_one("#dest-list").focus()

    def on_unmount(self) -> None:
        if self.asked_request is not None:
            self._answer(False)  # the engine thread must not wait for a screen that is gone
        if self._engine is not None:
            self._engine.close()

    def show(self, pane: str, step: str | None = None, focus: str | None = None) -> None:
        """Switch pane, highlight its step, and give the focus to a widget of that pane (a
        focused widget must be one the operator can see)."""
        self.query_one(ContentSwitcher).current = pane
        self.query_one(StepsBar).current = step or PANE_STEP[pane]
        if focus is not None:
            self.query_one(focus).focus()
        if pane in ARMED_BUTTONS:
            self._arm(ARMED_BUTTONS[pane])

    def _arm(self, selector: str) -> None:
        """A button that starts a job ignores presses for a moment after its pane appears:
        an Enter typed ahead for the previous pane must not send what nobody has read."""
        button = self.query_one(selector, Button)
        button.add_class("-arming")
        self._armed_at[selector] = time.monotonic() + ARMING_SECONDS
        self.set_timer(ARMING_SECONDS, lambda: button.remove_class("-arming"))

    def armed(self, selector: str) -> bool:
        """True once the button's pane has been on screen long enough to be read."""
        return time.monotonic() >= self._armed_at.get(selector, 0.0)

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
        return self._engine

    def _post_event(self, event: ev.FlowEvent) -> None:
        """The engine's callback (its thread): hand the event to the UI thread."""
        self.post_message(self.FlowEvent(event))

    # Destination ------------------------------------------------------------------------------

    @property
    def destinations(self) -> DestinationPane:
        """The destination pane."""
        return self.query_one(DestinationPane)

    @on(Button.Pressed, "#plan-button")
    @on(DestinationPane.PlanRequested)
    def plan(self) -> None:
        """Plan and check with the chosen destination."""
        assert self.point is not None
        pane = self.destinations
        destination = None if pane.in_place else pane.destination
        if not pane.in_place and not destination:
            self.notify("Pick a destination vault or type its ARN.", severity="warning")
            return
        restore = pane.restore
        self.destination_label = pane.label_of(destination)
        where = self.destination_label or "none, restore in place"
        self.query_one("#plan-text", Static).update(
            Text(f"Destination: {where}\nReading the recovery point and checking…")
        )
        self.query_one("#to-confirm", Button).disabled = True
        self.prepared = None
        self.plan_attempt += 1
        # Until the plan is ready the focus rests on its text: an Enter typed ahead does nothing.
        self.show("plan", focus="#plan-body")
        self.prepare(self.point.arn, destination, restore, self.plan_attempt)

    @work(thread=True, exclusive=True, exit_on_error=False, group="wizard-prepare")
    def prepare(self, arn: str, destination: str | None, restore: bool, attempt: int) -> None:
        """engine.prepare: the route, the first checks and the exact requests."""
        assert self.point is not None
        try:
            prepared = self.engine.prepare(
                arn,
                destination,
                restore=restore,
                account_hint=self.point.account_id,
                restore_form_later=True,
            )
        except Exception as error:
            if attempt == self.plan_attempt:
                self.post_message(self.Failed("planning", error))
            return
        self.post_message(self.PlanReady(prepared, attempt))

    def on_copy_restore_wizard_plan_ready(self, message: PlanReady) -> None:
        if message.attempt != self.plan_attempt:
            return  # an earlier plan, for a destination since changed
        self.prepared = message.prepared
        text = Text("Destination: ", style="bold")
        text.append(f"{self.destination_label or 'none, restore in place'}\n")
        text.append_text(render.plan_text(message.prepared))
        self.query_one("#plan-text", Static).update(text)
        self.query_one("#to-confirm", Button).disabled = not message.prepared.ok
        self.query_one("#confirm-text", Static).update(
            render.cautions_text(message.prepared) + render.requests_text(message.prepared)
        )
        accept = self.query_one("#accept-cautions", Checkbox)
        accept.value = False
        accept.display = bool(message.prepared.cautions)
        if self.query_one(ContentSwitcher).current == "plan":  # not if the operator went Back
            button = "#to-confirm" if message.prepared.ok else "#recheck"
            self.query_one(button, Button).focus()

    @on(Button.Pressed, "#recheck")
    def _recheck(self) -> None:
        self.plan()

    @on(Button.Pressed, "#open-checks")
    def _open_checks(self) -> None:
        """The checks panel, where drconsole's own fixes are offered (diff, then ask)."""
        if self.point is None:
            return
        from drconsole.tui.checks_screen import ChecksScreen

        destination = None if self.destinations.in_place else self.destinations.destination
        self.app.push_screen(
            ChecksScreen(self.point, self.drapp.settings, self.drapp.sessions, destination)
        )

    @on(Button.Pressed, "#back-destination")
    def _back_destination(self) -> None:
        self.show("destination")
        self.destinations.focus_choice()

    @on(Button.Pressed, "#to-confirm")
    def _confirm(self) -> None:
        cautioned = self.prepared is not None and bool(self.prepared.cautions)
        self.show("confirm", focus="#accept-cautions" if cautioned else "#start")

    @on(Checkbox.Changed, "#accept-cautions")
    def _accept_toggled(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = render.toggle_label(ACCEPT_LABEL, event.value)

    @on(Button.Pressed, "#back-plan")
    def _back_plan(self) -> None:
        self.show("plan", focus="#to-confirm")

    # Running ----------------------------------------------------------------------------------

    @on(Button.Pressed, "#start")
    def start(self) -> None:
        """Journal the plan and run the flow."""
        prepared = self.prepared
        if prepared is None or not prepared.ok:
            return
        if prepared.cautions and not self.query_one("#accept-cautions", Checkbox).value:
            self.notify(
                f"Nothing was started: {prepared.cautions[0].message}. Tick “{ACCEPT_LABEL}” "
                "to start anyway.",
                severity="warning",
            )
            self.query_one("#accept-cautions").focus()
            return
        if not self.armed("#start"):
            return  # pressed before the requests could be read
        self.query_one("#start", Button).disabled = True
        self.flow_unfinished = True
        keep_alive(self.drapp, self)
        self.show("progress", focus="#progress-log")
        # Ticked "Go on anyway": each caution accepted by the operator (journaled by begin).
        accepted = tuple(Acceptance(caution, "operator") for caution in prepared.cautions)
        self._begin(replace(prepared, accepted=accepted))

    @work(thread=True, exclusive=True, exit_on_error=False, group="wizard-run")
    def _begin(self, prepared: Prepared) -> None:
        try:
            flow_id = self.engine.begin(prepared)
        except Exception as error:
            self.post_message(self.Failed("starting the flow", error))
            return
        self.flow_id = flow_id
        self._run_now(flow_id, None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="wizard-run")
    def _run(self, flow_id: str, values: dict[str, str] | None) -> None:
        self._run_now(flow_id, values)

    def _run_now(self, flow_id: str, values: dict[str, str] | None) -> None:
        """engine.run until the end, or until the restore form is needed."""
        try:
            outcome = self.engine.run(
                flow_id,
                form_values=values,
                pause_for_form=values is None,
                confirm_request=self._confirm_from_engine,
            )
        except Exception as error:
            self.post_message(self.Failed("running the flow", error))
            return
        self.post_message(self.Ended(outcome))

    def _confirm_from_engine(self, request: JobRequest) -> bool:
        """The engine's thread: show the request it is about to send and wait for the answer."""
        self.post_message(self.ConfirmRequest(request))
        return self._answers.get()

    def on_copy_restore_wizard_confirm_request(self, message: ConfirmRequest) -> None:
        self.asked_request = message.request
        self.query_one("#final-text", Static).update(render.request_text(message.request))
        copy = message.request.kind == "copy"  # a hop of a route chosen after the plan
        self.query_one("#final-title", Static).update(FINAL_COPY_TITLE if copy else FINAL_TITLE)
        self.query_one("#send-final", Button).label = (
            "Send the copy" if copy else "Send the restore"
        )
        self.show("final", focus="#send-final")

    @on(Button.Pressed, "#send-final")
    def _send_final(self) -> None:
        if not self.armed("#send-final"):
            return
        self.show("progress", "Restore", focus="#progress-log")
        self._answer(True)

    @on(Button.Pressed, "#hold-final")
    def _hold_final(self) -> None:
        self._answer(False)

    def _answer(self, yes: bool) -> None:
        if self.asked_request is None:
            return
        self.asked_request = None
        self._answers.put(yes)

    def log_line(self, line: str) -> None:
        """Add a line to the progress log."""
        self.log_lines.append(line)
        self.query_one("#progress-log", RichLog).write(line)

    def on_copy_restore_wizard_flow_event(self, message: FlowEvent) -> None:
        event = message.event
        if event.flow_id not in self.drapp.flow_wizards:
            self.flow_id = event.flow_id
            register_flow(self.drapp, self, event.flow_id)
        if isinstance(event, ev.FlowPlanned):
            self.log_line(f"flow {event.flow_id}: {event.plan.get('route_reason', '')}")
        elif isinstance(event, ev.ChecksDone):
            verdict = "all pass" if event.ok else "a check blocks the flow"
            self.log_line(f"checks before {event.step}: {verdict}")
        elif isinstance(event, ev.RouteChanged):
            self.log_line(f"AWS refused one copy job; two hops via {event.intermediate}")
        elif isinstance(event, ev.JobStarted):
            self.show("progress", "Restore" if event.kind == "restore" else "Copy")
            again = " (from the journal)" if event.resumed else ""
            self.log_line(f"{event.step}: {event.kind} job {event.job_id} started{again}")
            self.query_one("#restore-bar").display = event.kind == "restore"
        elif isinstance(event, ev.JobProgress) and event.job is not None:
            self._progress(event.step, event.job, event.elapsed_seconds)
        elif isinstance(event, ev.JobFinished) and event.job is not None:
            job = event.job
            made = (
                job.destination_recovery_point_arn
                if isinstance(job, CopyJob)
                else job.created_resource_arn
            )
            self.log_line(f"{event.step}: {job.state} after {event.polls} polls  {made or ''}")
            if job.completed is not None:
                shown = time.time() - job.completed.timestamp()
                self.finish_figures[event.step] = (event.polls, shown)
            if job.status_message:
                self.log_line(f"  {job.status_message}")
        elif isinstance(event, ev.CleanupDone):
            self.log_line(f"intermediate copy: {event.reason}")

    def _progress(self, step: str, job: CopyJob | RestoreJob, elapsed: float) -> None:
        self.status_text = render.job_status(step, job, elapsed)
        self.query_one("#progress-status", Static).update(self.status_text)
        if isinstance(job, RestoreJob) and job.percent_done is not None:
            self.query_one("#restore-bar", ProgressBar).update(progress=job.percent_done)

    async def on_copy_restore_wizard_ended(self, message: Ended) -> None:
        outcome = message.outcome
        self.outcome = outcome
        self.flow_id = outcome.flow_id
        if outcome.status != "needs-form":
            self.flow_unfinished = False
            unregister(self.drapp, self)
        if self.app.screen is not self:  # left while it ran: say how it ended
            self.app.notify(
                f"Flow {outcome.flow_id}: {outcome.status}. j: the jobs screen.",
                severity="information" if outcome.status == "completed" else "warning",
                timeout=10,
            )
            if self not in self.app.screen_stack and outcome.status != "needs-form":
                discard(self.drapp, self)
                return
        if outcome.status == "needs-form" and outcome.form is not None:
            form_pane = self.query_one(RestoreFormPane)
            await form_pane.load(outcome.form, outcome.form_values)
            self.query_one("#form-errors", Static).update("")
            self.show("form")
            form_pane.focus_first()
            return
        self.show_result(outcome)

    @on(Button.Pressed, "#submit-form")
    @on(RestoreFormPane.Submitted)
    def submit_form(self) -> None:
        """Validate the form; when valid, go on with the restore."""
        form_pane = self.query_one(RestoreFormPane)
        problems = form_pane.problems()
        if problems:
            self.query_one("#form-errors", Static).update("\n".join(problems))
            form_pane.focus_first_invalid()
            self.app.bell()
            return
        self.query_one("#form-errors", Static).update("")
        assert self.flow_id is not None
        self.show("progress", "Restore", focus="#progress-log")
        self._run(self.flow_id, form_pane.values())

    def show_result(self, outcome: FlowOutcome) -> None:
        """The result pane: what was made, or what failed and how to fix it."""
        text = render.result_text(outcome, self._failure_details())
        if outcome.status == "blocked":
            self.drapp.show_jobs_key()
        self.query_one("#result-text", Static).update(text)
        self.show("result", focus="#close")

    def _failure_details(self) -> dict[str, Any]:
        if self.flow_id is None or self._engine is None:
            return {}
        state = self._engine.journal.flow(self.flow_id)
        if state is None:
            return {}
        if state.failure:
            return state.failure
        if state.last_error:  # interrupted by an AWS error: the fix, then resume
            return state.last_error
        if state.blocked_by:
            return {"remediation": state.blocked_by[0].get("remediation", "")}
        return {}

    def on_copy_restore_wizard_failed(self, message: Failed) -> None:
        from drconsole.diagnose import diagnose
        from drconsole.tui.screens.dialogs import report_for

        shown = report_for(message.error, message.where).description
        text = Text(f"{message.where} failed: {shown}\n", style="bold red")
        if self.flow_unfinished:
            self.flow_unfinished = False
            unregister(self.drapp, self)
            text.append("The flow stays in the journal: the jobs screen (j) resumes it.\n")
        diagnosis = diagnose(shown)
        if diagnosis.cause.value != "UNKNOWN":
            text.append(f"cause: {diagnosis.cause.value}\n{diagnosis.remediation}\n")
        self.query_one("#result-text", Static).update(text)
        self.show("result", focus="#close")

    def action_close(self) -> None:
        """Esc: back to where the wizard was opened; a flow that runs or waits for the
        restore form asks first."""
        if not self.flow_unfinished:
            self._close()
            return

        def answered(leave: bool | None) -> None:
            if leave:
                self.app.pop_screen()
                self.notify(
                    f"Flow {self.flow_id or ''} goes on; j opens the jobs screen, Enter on the "
                    "flow comes back here.",
                    timeout=10,
                )

        self.app.push_screen(
            LeaveFlowDialog(
                "Leave this flow?",
                f"Flow {self.flow_id or '(starting)'} is {self._flow_state()}. It goes on "
                "without this screen; the jobs screen (j) brings you back to it.",
            ),
            answered,
        )

    def _flow_state(self) -> str:
        pane = self.query_one(ContentSwitcher).current
        waiting = {"form": "the restore form", "final": "your answer on the restore request"}
        return f"waiting for {waiting[pane]}" if pane in waiting else "running"

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        """Close the wizard (its flow has ended, or never started)."""
        discard(self.drapp, self)
