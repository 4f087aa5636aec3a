"""The wizard screen: every blocking step runs in a thread worker that posts messages back."""

from __future__ import annotations

import queue
import time
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
    Input,
    ProgressBar,
    RichLog,
    Select,
    Static,
)

from drconsole.flows import events as ev
from drconsole.models import CopyJob, RestoreJob
from drconsole.tui.wizard import render
from drconsole.tui.wizard.restore_form import RestoreFormPane

if TYPE_CHECKING:
    from drconsole.flows.execute import FlowEngine, FlowOutcome, Prepared
    from drconsole.job_request import JobRequest
    from drconsole.models import RecoveryPoint
    from drconsole.tui.app import DrConsoleApp

RESTORE_LABEL = "Restore after the copy"
IN_PLACE_LABEL = "Restore in place (no copy)"
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
    ]
    DEFAULT_CSS = """
    CopyRestoreWizard #wizard-steps { height: auto; padding: 0 1; }
    CopyRestoreWizard #wizard-rp { height: auto; padding: 0 1; color: $text-muted; }
    CopyRestoreWizard ContentSwitcher { height: 1fr; }
    CopyRestoreWizard .pane { height: 1fr; padding: 0 1; }
    CopyRestoreWizard .buttons { height: 3; }
    CopyRestoreWizard #progress-log { height: 1fr; border: round $accent; }
    CopyRestoreWizard #progress-status { height: auto; }
    CopyRestoreWizard #form-errors { color: $error; height: auto; }
    """

    class FlowEvent(Message):
        """An event of the flow engine (posted from its thread)."""

        def __init__(self, event: ev.FlowEvent) -> None:
            super().__init__()
            self.event = event

    class PlanReady(Message):
        """The plan, its first checks and the exact requests."""

        def __init__(self, prepared: Prepared) -> None:
            super().__init__()
            self.prepared = prepared

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

    class Destinations(Message):
        """Vaults the recovery point could be copied to."""

        def __init__(self, options: list[tuple[str, str]]) -> None:
            super().__init__()
            self.options = options

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

    @property
    def drapp(self) -> DrConsoleApp:
        """The application, typed."""
        return self.app  # type: ignore[return-value]

    # Layout -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        first = "progress" if self.flow_id else "destination"
        yield Static(render.steps_bar(PANE_STEP[first]), id="wizard-steps")
        yield Static(self._point_text(), id="wizard-rp")
        with ContentSwitcher(initial=first):
            with Vertical(id="destination", classes="pane"):
                yield Select[str](
                    [], prompt="copy to… (vaults of the organization)", id="dest-choice"
                )
                yield Input(placeholder="or a destination vault ARN", id="dest-arn")
                yield Checkbox(render.toggle_label(RESTORE_LABEL, True), value=True, id="restore")
                yield Checkbox(
                    render.toggle_label(IN_PLACE_LABEL, False), value=False, id="in-place"
                )
                with Horizontal(classes="buttons"):
                    yield Button("Plan and check", id="plan-button", variant="primary")
            with VerticalScroll(id="plan", classes="pane"):
                yield Static(id="plan-text")
                with Horizontal(classes="buttons"):
                    yield Button("Next: confirm", id="to-confirm", variant="primary")
                    yield Button("Re-check", id="recheck")
                    yield Button("Checks and fixes", id="open-checks")
                    yield Button("Back", id="back-destination")
            with VerticalScroll(id="confirm", classes="pane"):
                yield Static("These requests will be sent:", id="confirm-title")
                yield Static(id="confirm-text")
                with Horizontal(classes="buttons"):
                    yield Button("Start", id="start", variant="warning")
                    yield Button("Back", id="back-plan")
            with Vertical(id="progress", classes="pane"):
                yield RichLog(id="progress-log", wrap=True, markup=False)
                yield Static(id="progress-status")
                yield ProgressBar(total=100, id="restore-bar", show_eta=False)
            with VerticalScroll(id="form", classes="pane"):
                yield RestoreFormPane(id="form-fields")
                yield Static(id="form-errors")
                with Horizontal(classes="buttons"):
                    yield Button("Restore", id="submit-form", variant="warning")
            with VerticalScroll(id="final", classes="pane"):
                yield Static(
                    "The restore request, built from the copy's own restore metadata. It is "
                    "sent exactly as shown, only if you say so:",
                    id="final-title",
                )
                yield Static(id="final-text")
                with Horizontal(classes="buttons"):
                    yield Button("Send the restore", id="send-final", variant="warning")
                    yield Button("Not now", id="hold-final")
            with VerticalScroll(id="result", classes="pane"):
                yield Static(id="result-text")
                with Horizontal(classes="buttons"):
                    yield Button("Close", id="close")
        yield Footer()

    def _point_text(self) -> Text:
        if self.point is None:
            return Text(f"Resuming flow {self.flow_id}")
        point = self.point
        name = point.resource_name or point.resource_arn
        return Text(f"{point.resource_type} {name}  {point.arn}\nin {point.vault_arn}")

    def on_mount(self) -> None:
        self.query_one("#restore-bar").display = False
        if self.flow_id:
            self._run(self.flow_id, None)
        else:
            self.load_destinations()
            self.query_one("#dest-choice").focus()

    def on_unmount(self) -> None:
        if self.asked_request is not None:
            self._answer(False)  # the engine thread must not wait for a screen that is gone
        if self._engine is not None:
            self._engine.close()

    def show(self, pane: str, step: str | None = None) -> None:
        """Switch pane and highlight its step."""
        self.query_one(ContentSwitcher).current = pane
        self.query_one("#wizard-steps", Static).update(render.steps_bar(step or PANE_STEP[pane]))

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

    @work(thread=True, exit_on_error=False, group="wizard-destinations")
    def load_destinations(self) -> None:
        """Vaults of the organization in the scanned Regions, for the picker."""
        from drconsole.aws.facts import FactReader

        point = self.point
        assert point is not None
        try:
            reader = FactReader(self.drapp.sessions)
            accounts = [point.account_id, *reader.organization_account_ids()]
            regions = [point.region, *self.drapp.regions()]
            found: list[str] = []
            for account in dict.fromkeys(accounts):
                for region in dict.fromkeys(regions):
                    found.extend(reader.vault_arns(account, region))
        except Exception as error:  # shown on screen; the ARN can still be typed
            self.post_message(self.Failed("listing vaults", error))
            return
        options = [(arn.split(":", 3)[3], arn) for arn in found if arn != point.vault_arn]
        self.post_message(self.Destinations(options))

    def on_copy_restore_wizard_destinations(self, message: Destinations) -> None:
        self.query_one("#dest-choice", Select).set_options(message.options)

    @on(Select.Changed, "#dest-choice")
    def _destination_picked(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.query_one("#dest-arn", Input).value = event.value

    @on(Checkbox.Changed, "#restore")
    def _restore_toggled(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = render.toggle_label(RESTORE_LABEL, event.value)

    @on(Checkbox.Changed, "#in-place")
    def _in_place(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = render.toggle_label(IN_PLACE_LABEL, event.value)
        self.query_one("#dest-arn", Input).disabled = event.value
        self.query_one("#dest-choice", Select).disabled = event.value

    @on(Button.Pressed, "#plan-button")
    @on(Input.Submitted, "#dest-arn")
    def plan(self) -> None:
        """Plan and check with the chosen destination."""
        assert self.point is not None
        in_place = self.query_one("#in-place", Checkbox).value
        destination = None if in_place else self.query_one("#dest-arn", Input).value.strip()
        if not in_place and not destination:
            self.notify("Pick a destination vault or type its ARN.", severity="warning")
            return
        restore = in_place or self.query_one("#restore", Checkbox).value
        self.query_one("#plan-text", Static).update(
            Text("Reading the recovery point and checking…")
        )
        self.show("plan")
        self.prepare(self.point.arn, destination, restore)

    @work(thread=True, exclusive=True, exit_on_error=False, group="wizard-prepare")
    def prepare(self, arn: str, destination: str | None, restore: bool) -> None:
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
            self.post_message(self.Failed("planning", error))
            return
        self.post_message(self.PlanReady(prepared))

    def on_copy_restore_wizard_plan_ready(self, message: PlanReady) -> None:
        self.prepared = message.prepared
        self.query_one("#plan-text", Static).update(render.plan_text(message.prepared))
        self.query_one("#to-confirm", Button).disabled = not message.prepared.ok
        self.query_one("#confirm-text", Static).update(render.requests_text(message.prepared))
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

        destination = self.query_one("#dest-arn", Input).value.strip() or None
        self.app.push_screen(
            ChecksScreen(self.point, self.drapp.settings, self.drapp.sessions, destination)
        )

    @on(Button.Pressed, "#back-destination")
    def _back_destination(self) -> None:
        self.show("destination")

    @on(Button.Pressed, "#to-confirm")
    def _confirm(self) -> None:
        self.show("confirm")
        self.query_one("#start", Button).focus()

    @on(Button.Pressed, "#back-plan")
    def _back_plan(self) -> None:
        self.show("plan")

    # Running ----------------------------------------------------------------------------------

    @on(Button.Pressed, "#start")
    def start(self) -> None:
        """Journal the plan and run the flow."""
        prepared = self.prepared
        if prepared is None or not prepared.ok:
            return
        self.query_one("#start", Button).disabled = True
        self.show("progress")
        self._begin(prepared)

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
        self.show("final")
        self.query_one("#send-final", Button).focus()

    @on(Button.Pressed, "#send-final")
    def _send_final(self) -> None:
        self.show("progress", "Restore")
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

    def on_copy_restore_wizard_ended(self, message: Ended) -> None:
        outcome = message.outcome
        self.outcome = outcome
        self.flow_id = outcome.flow_id
        if outcome.status == "needs-form" and outcome.form is not None:
            self.query_one(RestoreFormPane).load(outcome.form, outcome.form_values)
            self.query_one("#form-errors", Static).update("")
            self.show("form")
            self.query_one(RestoreFormPane).focus_first()
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
            return
        assert self.flow_id is not None
        self.show("progress", "Restore")
        self._run(self.flow_id, form_pane.values())

    def show_result(self, outcome: FlowOutcome) -> None:
        """The result pane: what was made, or what failed and how to fix it."""
        text = Text()
        if outcome.status == "completed":
            text.append("Done.\n", style="bold green")
            for key, value in outcome.result.items():
                if value:
                    text.append(f"{key.replace('_', ' ')}: ", style="bold")
                    text.append(f"{value}\n")
        else:
            text.append(f"Flow {outcome.status}: ", style="bold red")
            text.append(f"{outcome.message}\n")
            if outcome.cause:
                text.append(f"cause: {outcome.cause}\n", style="bold")
            failure = self._failure_details()
            for label in ("explanation", "remediation"):
                if failure.get(label):
                    text.append(f"{label}: {failure[label]}\n")
            if outcome.status == "blocked":
                self.app.bind("j", "jobs", description="Jobs")
                text.append(
                    "Fix it (the checks panel offers drconsole's own fixes), then resume the "
                    "flow from the jobs screen (j, or Jobs in the command palette).\n"
                )
        self.query_one("#result-text", Static).update(text)
        self.show("result")
        self.query_one("#close", Button).focus()

    def _failure_details(self) -> dict[str, Any]:
        if self.flow_id is None or self._engine is None:
            return {}
        state = self._engine.journal.flow(self.flow_id)
        if state is None:
            return {}
        if state.failure:
            return state.failure
        if state.blocked_by:
            return {"remediation": state.blocked_by[0].get("remediation", "")}
        return {}

    def on_copy_restore_wizard_failed(self, message: Failed) -> None:
        from drconsole.diagnose import diagnose

        error = message.error
        text = Text(f"{message.where} failed: {error}\n", style="bold red")
        diagnosis = diagnose(str(error))
        if diagnosis.cause.value != "UNKNOWN":
            text.append(f"cause: {diagnosis.cause.value}\n{diagnosis.remediation}\n")
        self.query_one("#result-text", Static).update(text)
        self.show("result")

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        """Back to where the wizard was opened (a running flow goes on in the journal)."""
        self.app.pop_screen()
