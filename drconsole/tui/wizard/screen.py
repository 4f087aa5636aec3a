"""The wizard screen: every blocking step runs in a thread worker that posts messages back."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import ContentSwitcher

from drconsole.errors import UsageError
from drconsole.flows import events as ev
from drconsole.flows import restore_forms as forms
from drconsole.flows.cautions import Acceptance
from drconsole.tui import arming
from drconsole.tui.seen_to_end import SeenToEnd
from drconsole.tui.widgets.plain import Button, Checkbox, Static
from drconsole.tui.wizard import discard, keep_alive, messages, register_flow, render, unregister
from drconsole.tui.wizard.chrome import StepsBar
from drconsole.tui.wizard.destinations import DestinationPane
from drconsole.tui.wizard.frame import WizardFrame
from drconsole.tui.wizard.layout import (
    ACCEPT_LABEL,
    ARMED_BUTTONS,
    FINAL_COPY_TITLE,
    FINAL_IN_PLACE_TITLE,
    FINAL_TITLE,
    PANE_STEP,
    WIZARD_CSS,
)
from drconsole.tui.wizard.leave import LeaveFlowDialog
from drconsole.tui.wizard.progress import event_lines
from drconsole.tui.wizard.restore_form import RestoreFormPane
from drconsole.tui.wizard.result import failure_details, failure_text

if TYPE_CHECKING:
    from drconsole.flows.execute import FlowOutcome, Prepared
    from drconsole.flows.restore_forms import RestoreForm
    from drconsole.job_request import JobRequest

# How long after its pane appears a button that starts a job answers (see _arm).
ARMING_SECONDS = arming.ARMING_SECONDS


class CopyRestoreWizard(WizardFrame):
    """Copy a recovery point back (one or two hops) and restore it, watched live."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("pageup", "scroll_body(-1)", "Scroll up", show=False),
        Binding("pagedown", "scroll_body(1)", "Scroll down", show=False),
    ]
    DEFAULT_CSS = WIZARD_CSS

    FlowEvent = messages.FlowEvent
    PlanReady = messages.PlanReady
    Ended = messages.Ended
    FormNeeded = messages.FormNeeded
    ConfirmRequest = messages.ConfirmRequest
    Failed = messages.Failed

    def on_mount(self) -> None:
        self.query_one("#restore-bar").display = False
        self.query_one("#accept-cautions").display = False
        for pane in ARMED_BUTTONS:
            body = self.query_one(f"#{pane}-body", VerticalScroll)
            self._seen_to_end[pane] = SeenToEnd(self, body)
        if self.flow_id:
            register_flow(self.drapp, self, self.flow_id)
            self._run(self.flow_id)
        else:
            self.query_one("#dest-list").focus()

    def on_unmount(self) -> None:
        if self.asked_request is not None:
            self._answer(False)  # the engine thread must not wait for a screen that is gone
        self._give_form(None)
        if self._engine is not None:
            self._engine.close()

    def show(self, pane: str, step: str | None = None, focus: str | None = None) -> None:
        """Switch pane, highlight its step, and give the focus to a widget of that pane (a
        focused widget must be one the operator can see)."""
        self.query_one(ContentSwitcher).current = pane
        self.query_one(StepsBar).current = step or PANE_STEP[pane]
        if pane in self._seen_to_end:
            self._seen_to_end[pane].reset()  # what this pane shows now has not been read yet
        if focus is not None:
            self.query_one(focus).focus()
        self._arm_pane(pane)
        if focus is not None:
            # Shown whole once laid out: the box that accepts a caution sits in a scrolled body.
            focused = self.query_one(focus)
            self.call_after_refresh(focused.scroll_visible, animate=False)

    def on_screen_resume(self) -> None:
        """Brought back (from the jobs screen, say), its pane appears again: arm it again, or
        the second of two Enters that brought it back would press Send at once."""
        self._arm_pane(self.query_one(ContentSwitcher).current)

    def _arm_pane(self, pane: str | None) -> None:
        if pane in ARMED_BUTTONS:
            self._arm(ARMED_BUTTONS[pane])
        if pane == "confirm":
            # The caution's box too: an Enter typed ahead for Start must not tick it.
            self._arm("#accept-cautions")

    def _arm(self, selector: str) -> None:
        """A control that starts a job (or accepts a caution) ignores presses for a moment after
        its pane appears: an Enter typed ahead for the previous pane must not act unread."""
        control = self.query_one(selector)
        self._armed_at[selector] = arming.arm(self, control, ARMING_SECONDS)

    def armed(self, selector: str) -> bool:
        """True once the button's pane has been on screen long enough to be read."""
        return time.monotonic() >= self._armed_at.get(selector, 0.0)

    def whole_request_seen(self, pane: str, button: str) -> bool:
        """True once the end of what `pane` will send has been on screen (see SeenToEnd): a
        click (or Enter) on a button that is always on screen must not send a request whose
        end nobody could see (a terminal shrunk mid-flow, a tmux pane split)."""
        if self._seen_to_end[pane].ask(self, "the request", button):
            return True
        # The refusal showed the next page: that page too must be on screen a moment before
        # the button answers, or a burst of Enters would page to the end and send unread.
        self._arm(ARMED_BUTTONS[pane])
        return False

    # Destination and plan ---------------------------------------------------------------------

    @on(Button.Pressed, "#plan-button")
    def _plan_pressed(self) -> None:
        """`Plan and check` (Enter or a click): plans as an Enter on the vault would, so
        a press at the end of keys that moved over vaults arriving plans nothing yet."""
        if self.destinations.may_plan():
            self.plan()

    @on(DestinationPane.PlanRequested)
    def plan(self) -> None:
        """Plan and check with the chosen destination."""
        assert self.point is not None
        pane = self.destinations
        destination = None if pane.in_place else pane.destination
        if not pane.in_place and not destination:
            self.notify("Pick a destination vault or type its ARN.", severity="warning")
            return
        try:
            keep_days = None if pane.in_place else pane.retention_days()
        except UsageError as error:
            self.notify(str(error), severity="warning")
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
        self.prepare(self.point.arn, destination, restore, keep_days, self.plan_attempt)

    @work(thread=True, exclusive=True, exit_on_error=False, group="wizard-prepare")
    def prepare(
        self, arn: str, destination: str | None, restore: bool, keep_days: int | None, attempt: int
    ) -> None:
        """engine.prepare: the route, the first checks and the exact requests."""
        assert self.point is not None
        try:
            prepared = self.engine.prepare(
                arn,
                destination,
                restore=restore,
                account_hint=self.point.account_id,
                restore_form_later=True,
                delete_after_days=keep_days,
            )
        except Exception as error:
            if attempt == self.plan_attempt:
                self.post_message(self.Failed("planning", error))
            return
        self.post_message(self.PlanReady(prepared, attempt))

    def on_copy_restore_wizard_plan_ready(self, message: messages.PlanReady) -> None:
        if message.attempt != self.plan_attempt:
            return  # an earlier plan, for a destination since changed
        self.prepared = message.prepared
        text = Text("Destination: ", style="bold")
        text.append(f"{self.destination_label or 'none, restore in place'}\n")
        text.append_text(render.plan_text(message.prepared))
        self.query_one("#plan-text", Static).update(text)
        self.query_one("#to-confirm", Button).disabled = not message.prepared.ok
        cautions = self.query_one("#confirm-cautions", Static)
        cautions.update(render.cautions_text(message.prepared))
        cautions.display = bool(message.prepared.cautions)
        self.query_one("#confirm-text", Static).update(render.requests_text(message.prepared))
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

        # In place is said as no destination (""): None would let the screen choose its default.
        in_place = self.destinations.in_place
        destination = "" if in_place else (self.destinations.destination or None)
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
            self._arm("#start")  # a burst of keys (a held Enter) waits until it stops
            return  # pressed before the requests could be read
        if not self.whole_request_seen("confirm", "Start"):
            return
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
        self._run_now(flow_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="wizard-run")
    def _run(self, flow_id: str) -> None:
        self._run_now(flow_id)

    def _run_now(self, flow_id: str) -> None:
        """engine.run until the end; the restore form and a request built late are asked on
        the way, the engine holding the flow's lock while the operator answers."""
        try:
            outcome = self.engine.run(
                flow_id,
                ask_form=self._form_from_engine,
                confirm_request=self._confirm_from_engine,
            )
        except Exception as error:
            self.post_message(self.Failed("running the flow", error))
            return
        self.post_message(self.Ended(outcome))

    def _confirm_from_engine(self, request: JobRequest) -> bool:
        """The engine's thread: show the request it is about to send and wait for the answer."""
        from drconsole.flows.journal import Journal

        # Whether the flow copied first, from its journal (a wizard brought back from the jobs
        # screen has no plan of its own to say so).
        state = Journal(self.drapp.settings.state_dir).flow(self.flow_id) if self.flow_id else None
        after_copy = bool(state.hops) if state is not None else True
        self.post_message(self.ConfirmRequest(request, after_copy))
        return self._answers.get()

    def _form_from_engine(self, form: RestoreForm, values: dict[str, str]) -> dict[str, str] | None:
        """The engine's thread: show the restore form and wait for its values (None: the
        console closed). The flow stays locked, so it is listed as running, not interrupted."""
        self.form_asked = True  # set here, not in the handler: an unmount from now on answers
        self.post_message(self.FormNeeded(form, values))
        return self._forms.get()

    def _give_form(self, values: dict[str, str] | None) -> None:
        if not self.form_asked:
            return
        self.form_asked = False
        self._forms.put(values)

    async def on_copy_restore_wizard_form_needed(self, message: messages.FormNeeded) -> None:
        if self.app.screen is not self:  # left while it ran: say it waits for the operator
            self.app.notify(
                f"Flow {self.flow_id}: waits for its restore form. j, then Enter on the flow.",
                timeout=10,
            )
        form_pane = self.query_one(RestoreFormPane)
        await form_pane.load(message.form, message.values)
        self.query_one("#form-errors", Static).update("")
        self.show("form")
        form_pane.focus_first()

    def on_copy_restore_wizard_confirm_request(self, message: messages.ConfirmRequest) -> None:
        self.asked_request = message.request
        self.query_one("#final-text", Static).update(render.request_text(message.request))
        copy = message.request.kind == "copy"  # a hop of a route chosen after the plan
        restore_title = FINAL_TITLE if message.after_copy else FINAL_IN_PLACE_TITLE
        title = FINAL_COPY_TITLE if copy else restore_title
        self.query_one("#final-title", Static).update(title)
        self.query_one("#send-final", Button).label = (
            "Send the copy" if copy else "Send the restore"
        )
        self.show("final", "Copy" if copy else None, focus="#send-final")

    @on(Button.Pressed, "#send-final")
    def _send_final(self) -> None:
        if not self.armed("#send-final"):
            self._arm("#send-final")  # a burst of keys (a held Enter) waits until it stops
            return
        label = str(self.query_one("#send-final", Button).label)
        if not self.whole_request_seen("final", label):
            return
        copy = self.asked_request is not None and self.asked_request.kind == "copy"
        self.show("progress", "Copy" if copy else "Restore", focus="#progress-log")
        self._answer(True)

    @on(Button.Pressed, "#hold-final")
    def _hold_final(self) -> None:
        self._answer(False)

    def _answer(self, yes: bool) -> None:
        if self.asked_request is None:
            return
        self.asked_request = None
        self._answers.put(yes)

    def on_copy_restore_wizard_flow_event(self, message: messages.FlowEvent) -> None:
        event = message.event
        if event.flow_id not in self.drapp.flow_wizards:
            self.flow_id = event.flow_id
            register_flow(self.drapp, self, event.flow_id)
        if isinstance(event, ev.JobStarted):
            self.show("progress", "Restore" if event.kind == "restore" else "Copy")
            self.query_one("#restore-bar").display = event.kind == "restore"
        elif isinstance(event, ev.JobProgress) and event.job is not None:
            self._progress(event.step, event.job, event.elapsed_seconds)
        elif isinstance(event, ev.JobFinished) and event.job is not None:
            job = event.job
            # The status line says how it ended: it kept the last poll's RUNNING under a log
            # that said COMPLETED (until the next pane).
            took = (
                (job.completed - job.created).total_seconds()
                if job.completed and job.created
                else 0.0
            )
            self._progress(event.step, job, max(took, 0.0))
            if job.completed:
                shown = time.time() - job.completed.timestamp()
                self.finish_figures[event.step] = (event.polls, shown)
        for line in event_lines(event):
            self.log_line(line)

    async def on_copy_restore_wizard_ended(self, message: messages.Ended) -> None:
        outcome = message.outcome
        self.outcome = outcome
        self.flow_id = outcome.flow_id
        self.flow_unfinished = False
        unregister(self.drapp, self)
        if self.app.screen is not self:  # left while it ran: say how it ended
            self.app.notify(
                f"Flow {outcome.flow_id}: {outcome.status}. j: the jobs screen.",
                severity="information" if outcome.status == "completed" else "warning",
                timeout=10,
            )
            if self not in self.app.screen_stack:
                discard(self.drapp, self)
                return
        self.show_result(outcome)

    @on(Button.Pressed, "#submit-form")
    @on(RestoreFormPane.Submitted)
    def submit_form(self) -> None:
        """Validate the form; when valid, go on with the restore."""
        if self.query_one(ContentSwitcher).current != "form":
            return  # an Enter typed right behind the one that submitted: the form has gone on
        form_pane = self.query_one(RestoreFormPane)
        problems = form_pane.problems()
        if problems:
            self.query_one("#form-errors", Static).update("\n".join(problems))
            form_pane.focus_first_invalid()
            self.app.bell()
            return
        self.query_one("#form-errors", Static).update("")
        # Keys of AWS's metadata these values rule out are said, as the CLI says them.
        if form_pane.form is not None:
            for note in forms.dropped_notes(form_pane.form, form_pane.values()):
                self.app.notify(note, severity="warning", timeout=15)
        self.show("progress", "Restore", focus="#progress-log")
        self._give_form(form_pane.values())

    def show_result(self, outcome: FlowOutcome) -> None:
        """The result pane: what was made, or what failed and how to fix it."""
        state = None
        if self.flow_id is not None and self._engine is not None:
            state = self._engine.journal.flow(self.flow_id)
        text = render.result_text(outcome, failure_details(state))
        if outcome.status == "blocked":
            self.drapp.show_jobs_key()
        self.query_one("#result-text", Static).update(text)
        self.show("result", focus="#close")

    def on_copy_restore_wizard_failed(self, message: messages.Failed) -> None:
        text = failure_text(message.where, message.error, self.flow_unfinished)
        if self.flow_unfinished:
            self.flow_unfinished = False
            unregister(self.drapp, self)
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

        pane = self.query_one(ContentSwitcher).current
        self.app.push_screen(LeaveFlowDialog.for_flow(self.flow_id, pane), answered)

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        """Close the wizard (its flow has ended, or never started)."""
        discard(self.drapp, self)
