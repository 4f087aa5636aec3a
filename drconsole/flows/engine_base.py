"""The flow engine's shared parts: outcomes, events, checks before a step, watching."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drconsole.aws.answers import IncompleteAnswer
from drconsole.aws.audit import AuditLog
from drconsole.aws.jobs import JobRef, JobsApi
from drconsole.aws.watcher import JobUpdate, JobWatcher, wait_for
from drconsole.checks.runner import CheckReport
from drconsole.errors import ReadOnlyViolation, UsageError
from drconsole.flows import events as ev
from drconsole.flows import hop_checks
from drconsole.flows import journal as jr
from drconsole.flows import plan as pl
from drconsole.flows import restore_forms as forms
from drconsole.flows.cautions import Acceptance, Caution
from drconsole.flows.routes import VaultRef
from drconsole.flows.secret_values import SecretAsker, SecretValues, refuse_unfaithful
from drconsole.job_request import JobRequest
from drconsole.models import CauseCode, CopyJob, RestoreJob
from drconsole.redact import without_userinfo

EventCallback = Callable[[ev.FlowEvent], None]
# Asks the operator the restore form (prefilled) and waits: the values to send, or None when
# nobody answered (the console closed). It runs on the engine's thread, under the flow's lock.
FormAsker = Callable[[forms.RestoreForm, dict[str, str]], dict[str, str] | None]


class FlowBusy(UsageError):
    """Another process drives this flow right now."""


class OtherOrigin(UsageError):
    """The flow was started with other credentials or on another endpoint."""


@dataclass(frozen=True)
class Prepared:
    """A plan ready to confirm: the checks of its first step and the exact requests."""

    flow_id: str
    plan: pl.FlowPlan
    reports: tuple[tuple[str, CheckReport], ...]
    requests: tuple[JobRequest, ...]  # what the operator confirms; begin() journals them
    form: forms.RestoreForm | None = None
    form_values: dict[str, str] = field(default_factory=dict)
    cautions: tuple[Caution, ...] = ()  # said and accepted before the flow starts
    accepted: tuple[Acceptance, ...] = ()  # how each was accepted: begin() journals them
    warnings: tuple[str, ...] = ()  # said before the flow starts (a metadata key not known)

    @property
    def ok(self) -> bool:
        """True when the checks of the first step pass. The restore checks of a restore after
        a copy (read in the destination before the copy) do not hold the copy back: a copy may
        take hours, time to fix the restore's prerequisites, which are checked again on the
        copy before StartRestoreJob and block the restore (resumable) if still failing."""
        return all(report.ok for step, report in self.reports if not self._after_copy(step))

    @property
    def restore_waits(self) -> bool:
        """True when a restore after the copy would be blocked as things stand now."""
        return any(self._after_copy(step) and not r.ok for step, r in self.reports)

    def _after_copy(self, step: str) -> bool:
        return step == "restore" and bool(self.plan.route.hops)

    @property
    def restore_built_later(self) -> bool:
        """True when the flow restores but its StartRestoreJob is not among the requests: it
        is built once the copy exists (or the form is answered), then shown and confirmed."""
        return self.plan.restore and not any(r.kind == "restore" for r in self.requests)


@dataclass(frozen=True)
class FlowOutcome:
    """How `run` ended: completed, failed, blocked (a check failed) or stopped (a request or the
    restore form not answered)."""

    flow_id: str
    status: str
    result: dict[str, Any] = field(default_factory=dict)
    cause: str | None = None
    message: str = ""
    aws_error: bool = False  # AWS refused a call (exit 3) rather than a job or check failing


class EngineBase(SecretValues):
    """State and helpers every part of the engine uses (see `execute.FlowEngine`; its endings:
    `endings.FlowEndings`)."""

    def __init__(
        self,
        sessions: Any,
        *,
        on_event: EventCallback | None = None,
        state_dir: Path | None = None,
        min_poll: float = 1.0,
        max_poll: float = 30.0,
        take_over: bool = False,
    ) -> None:
        self.sessions = sessions
        self.take_over = take_over  # resume flows started by other credentials or endpoints
        state = Path(state_dir or sessions.settings.state_dir)
        self.state_dir = state
        self.journal = jr.Journal(state)
        self.audit = AuditLog.of(sessions, state)
        self.jobs = JobsApi(sessions, self.audit)
        self.watcher = JobWatcher(self.jobs, min_interval=min_poll, max_interval=max_poll)
        self.on_event = on_event
        self._checked: set[str] = set()
        self._at_step: dict[str, str] = {}  # flow id -> the step its AWS calls serve now
        self._confirm_request: Callable[[JobRequest], bool] | None = None
        self._ask_form: FormAsker | None = None
        self._ask_form_again: FormAsker | None = None  # the form of a restore its checks block
        # `jobs --resume --flow ID --metadata K=V`: form answers to change (not secret ones)
        self.form_changes: dict[str, str] = {}
        self.given_secrets: dict[str, str] = {}  # `jobs --resume --metadata K=V`
        self.ask_secret: SecretAsker | None = None  # a prompt that does not echo, if any
        self.secrets_by_flow: dict[str, dict[str, str]] = {}  # kept in memory, never written

    def emit(self, event: ev.FlowEvent) -> None:
        """Hand an event to the listener."""
        if self.on_event is not None:
            self.on_event(event)

    def close(self) -> None:
        """Stop the watcher thread."""
        self.watcher.stop()

    def refuse_read_only(self) -> None:
        """Refuse the whole flow, before any AWS call, in read-only mode."""
        if self.sessions.read_only:
            raise ReadOnlyViolation(
                "read-only mode is on: copy and restore flows start jobs, so the flow was "
                "refused before any AWS call; run without --read-only to copy or restore"
            )

    def copy_checks(self, plan: pl.FlowPlan) -> pl.CheckRunner:
        """The copy checks of one hop of `plan` (`hop_checks.first_hop_runner`)."""
        return hop_checks.first_hop_runner(self.sessions, plan)

    def _form_for(
        self,
        plan: pl.FlowPlan,
        arn: str,
        vault: VaultRef,
        overrides: dict[str, str],
        suffix: str,
    ) -> tuple[forms.RestoreForm, dict[str, str]]:
        aws_metadata = self.jobs.restore_metadata(vault.account_id, vault.region, vault.name, arn)
        form = forms.build_form(
            plan.source.resource_type,
            aws_metadata,
            vault.region,
            suffix,
            copied_from=plan.restored_copied_from_region,
            # A continuous backup is never copied: the point restored is then the source.
            point=(arn, plan.source.created if arn == plan.source.arn else None),
        )
        return form, forms.with_overrides(form, overrides)

    def _intent(
        self,
        state: jr.FlowState,
        step: str,
        operation: str,
        where: tuple[str, str],
        request: dict[str, Any],
        resumed: jr.StepState | None = None,
    ) -> str | None:
        """The audit intent of a Start call, written before the journal's `start` record (a
        resumed call links to the intent of the first)."""
        account_id, region = where
        return self.jobs.audit_intent(
            account_id,
            region,
            operation,
            request,
            flow=state.flow_id,
            step=step,
            resumes=resumed.audit_intent if resumed is not None else None,
        )

    def origin(self) -> dict[str, Any]:
        """Who this engine acts as, and where: recorded with each plan."""
        settings = self.sessions.settings
        return {
            # AWS Backup's: the service every flow starts its jobs with.
            "endpoint": self.sessions.endpoint_in_use("backup"),
            "profile": settings.profile,
            "caller": self.sessions.caller_identity_arn(),
            "account": self.sessions.caller_account_id(),
        }

    def check_origin(self, state: jr.FlowState) -> None:
        """Refuse to carry on a flow that other credentials or another endpoint started."""
        if state.origin is None or self.take_over:
            return
        here = self.origin()
        then = state.origin
        same_endpoint = _endpoint(then.endpoint) == _endpoint(here["endpoint"])
        if same_endpoint and _principal(then.caller) == _principal(here["caller"]):
            return
        raise OtherOrigin(
            f"flow {state.flow_id} was started as {then.caller} on "
            f"{_endpoint_shown(then.endpoint)}, not as {here['caller']} on "
            f"{_endpoint_shown(here['endpoint'])}: resume it with those credentials, or "
            "pass --take-over to carry it on as you"
        )

    def _state(self, flow_id: str) -> jr.FlowState:
        state = self.journal.flow(flow_id)
        if state is None:
            raise UsageError(f"no flow {flow_id} in the journal {self.journal.path}")
        return state

    def _confirmed(self, state: jr.FlowState, step: str) -> JobRequest | None:
        """The request of `step` that the operator confirmed with the plan (first route only)."""
        if state.generation != 0 or step not in state.confirmed:
            return None
        request = JobRequest.from_json(state.confirmed[step])
        refuse_unfaithful(state.flow_id, request)
        return request

    def _ask(self, state: jr.FlowState, request: JobRequest) -> JobRequest | FlowOutcome:
        """A request built after the plan was confirmed: shown (an event) and, when someone can
        answer, confirmed; the object returned is the one journaled and sent."""
        self.emit(ev.RequestReady(state.flow_id, request.step, request.to_json()))
        if self._confirm_request is not None and not self._confirm_request(request):
            return FlowOutcome(
                state.flow_id,
                "stopped",
                message=f"the {request.step} request was not confirmed: nothing was sent",
            )
        return request

    def _journal_start(
        self, state: jr.FlowState, request: JobRequest, resumed: jr.StepState | None = None
    ) -> str | None:
        """Write the audit intent, then journal the token and the exact request, before the
        call that sends it; returns the intent's id. A Start call sent again with its journaled
        token (`resumed`, on resume) is journaled again too, for its time bounds when the job it
        may start was created (a clean-up looking for a job whose id was never journaled), and
        keeps the first call's audit intent."""
        refuse_unfaithful(state.flow_id, request)
        intent = self._request_intent(state, request, resumed)
        self.journal.append(
            state.flow_id,
            "start",
            step=request.step,
            kind=request.kind,
            token=request.token,
            request=request.parameters,
            account=request.account_id,
            region=request.region,
            audit_intent=resumed.audit_intent if resumed is not None else intent,
        )
        return intent

    def _request_intent(
        self, state: jr.FlowState, request: JobRequest, resumed: jr.StepState | None = None
    ) -> str | None:
        """The audit intent of sending `request` (a resumed call links to the first intent)."""
        return self._intent(
            state,
            request.step,
            request.operation,
            (request.account_id, request.region),
            request.parameters,
            resumed,
        )

    def _final_arn(self, state: jr.FlowState, plan: pl.FlowPlan) -> str:
        """The recovery point the flow ends with: the last hop's copy (the source when the flow
        copies nothing); a hop journaled without its copy is an incomplete answer, never the
        source taken for it."""
        arn = plan.source.arn
        for name in state.hop_names:
            made = state.step(name).result_arn
            if not made:
                raise IncompleteAnswer(
                    operation="DescribeCopyJob", field="DestinationRecoveryPointArn"
                )
            arn = made
        return arn

    def _checks_pass(
        self, state: jr.FlowState, step: str, run: Callable[[], CheckReport]
    ) -> FlowOutcome | None:
        """Run a step's checks unless this process just passed them; journal the verdict."""
        key = f"{state.flow_id}:{state.generation}:{step}"
        if key in self._checked:
            return None
        report = run()
        self.emit(ev.ChecksDone(state.flow_id, step, report.ok, report.checks))
        failed = [
            {
                "id": c.id,
                "status": c.status.value,
                "cause": c.cause.value if c.cause else None,
                "evidence": c.evidence,
                "remediation": c.remediation,
            }
            for c in report.checks
            if c.status.value in ("FAIL", "UNKNOWN")
        ]
        checked = {"ok": report.ok, "failed": failed, "passed": report.passed_ids}
        self.journal.append(state.flow_id, "checks", step=step, **checked)
        if report.ok:
            self._checked.add(key)
            return None
        first = failed[0]
        outcome = FlowOutcome(
            state.flow_id,
            "blocked",
            cause=first["cause"] or CauseCode.UNKNOWN.value,
            message=f"check {first['id']} {first['status']}: {first['evidence']}",
        )
        self.emit(
            ev.FlowFinished(
                state.flow_id,
                "blocked",
                step,
                cause=outcome.cause,
                message=outcome.message,
                remediation=str(first["remediation"] or ""),
            )
        )
        return outcome

    def _watch(self, flow_id: str, step: str, ref: JobRef) -> CopyJob | RestoreJob:
        started = time.time()

        def on_update(update: JobUpdate) -> None:
            if update.job is None:
                return
            created = update.job.created.timestamp() if update.job.created else started
            if not update.finished:
                self.emit(
                    ev.JobProgress(
                        flow_id, step, update.job, update.seen_at - created, update.polls
                    )
                )

        job = wait_for(self.watcher, ref, on_update)
        delay = time.time() - job.completed.timestamp() if job.completed else None
        self.emit(ev.JobFinished(flow_id, step, job, self.watcher.polls.get(ref.key, 0), delay))
        return job


def _endpoint(url: str | None) -> str:
    """An endpoint URL compared loosely (case, trailing slash, user name and password: older
    journals kept them); '' for AWS's own."""
    return without_userinfo((url or "").strip()).rstrip("/").lower()


def _endpoint_shown(url: str | None) -> str:
    return without_userinfo(url) if url else "the AWS endpoints"


def _principal(arn: str) -> str:
    """The principal of a caller ARN: an assumed role without its session name."""
    if ":assumed-role/" in arn:
        return arn.rsplit("/", 1)[0]
    return arn
