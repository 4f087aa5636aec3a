"""The flow engine: checks, copy hops, the restore, the journal and the events, in one place.

The CLI and the TUI drive the same engine; they differ only in how they show `FlowEvent`s (the
callback runs on the engine's thread). Every step is journaled before the call it protects:
`start` (token and exact request) before StartCopyJob / StartRestoreJob, `job` after it. `run`
picks a flow up wherever its journal left it, so a resumed flow never starts a job twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from drconsole.aws.errors import classify, describe
from drconsole.aws.jobs import JobRef, JobsApi
from drconsole.aws.watcher import JobUpdate, JobWatcher, wait_for
from drconsole.checks.runner import CheckReport
from drconsole.errors import AwsError, ReadOnlyViolation, UsageError
from drconsole.flows import events as ev
from drconsole.flows import journal as jr
from drconsole.flows import plan as pl
from drconsole.flows import restore_forms as forms
from drconsole.flows.audit import AuditLog
from drconsole.flows.routes import VaultRef, is_route_refusal, two_hop_route
from drconsole.models import CauseCode, CopyJob, RestoreJob

EventCallback = Callable[[ev.FlowEvent], None]
TRANSIENT = (
    CauseCode.THROTTLED,
    CauseCode.NETWORK,
    CauseCode.CREDENTIALS_EXPIRED,
    CauseCode.SERVICE_ERROR,
)


class FlowBusy(UsageError):
    """Another process drives this flow right now."""


@dataclass(frozen=True)
class Prepared:
    """A plan ready to confirm: the checks of its first step and the exact requests."""

    flow_id: str
    plan: pl.FlowPlan
    reports: tuple[tuple[str, CheckReport], ...]
    requests: tuple[dict[str, Any], ...]
    form: forms.RestoreForm | None = None
    form_values: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the checks of the first step pass."""
        return all(report.ok for _, report in self.reports)


@dataclass(frozen=True)
class FlowOutcome:
    """How `run` ended: completed, failed, blocked (a check failed) or needs-form."""

    flow_id: str
    status: str
    result: dict[str, Any] = field(default_factory=dict)
    cause: str | None = None
    message: str = ""
    aws_error: bool = False  # AWS refused a call (exit 3) rather than a job or check failing
    form: forms.RestoreForm | None = None
    form_values: dict[str, str] = field(default_factory=dict)


class FlowEngine:
    """Runs copy-back and restore flows for one identity; share one per process."""

    def __init__(
        self,
        sessions: Any,
        *,
        on_event: EventCallback | None = None,
        state_dir: Path | None = None,
        min_poll: float = 1.0,
        max_poll: float = 30.0,
    ) -> None:
        self.sessions = sessions
        state = Path(state_dir or sessions.settings.state_dir)
        self.state_dir = state
        self.journal = jr.Journal(state)
        self.audit = AuditLog(state)
        self.jobs = JobsApi(sessions, self.audit)
        self.watcher = JobWatcher(self.jobs, min_interval=min_poll, max_interval=max_poll)
        self.on_event = on_event
        self._checked: set[str] = set()
        self._confirm_restore: Callable[[dict[str, Any]], bool] | None = None

    def emit(self, event: ev.FlowEvent) -> None:
        """Hand an event to the listener."""
        if self.on_event is not None:
            self.on_event(event)

    def close(self) -> None:
        """Stop the watcher thread."""
        self.watcher.stop()

    # Preparing --------------------------------------------------------------------------------

    def refuse_read_only(self) -> None:
        """Refuse the whole flow, before any AWS call, in read-only mode."""
        if self.sessions.read_only:
            raise ReadOnlyViolation(
                "read-only mode is on: copy and restore flows start jobs, so the flow was "
                "refused before any AWS call; run without --read-only to copy or restore"
            )

    def copy_checks(self, plan: pl.FlowPlan) -> pl.CheckRunner:
        """The copy checks of one hop of `plan`: its copy role (in the hop's source account)
        and the retention StartCopyJob will be given."""
        from drconsole.checks.runner import run_copy_checks

        def run(recovery_point: str, dest: VaultRef, account: str | None) -> CheckReport:
            return run_copy_checks(
                self.sessions,
                recovery_point,
                dest.arn,
                role_arn=pl.role_arn(account or plan.source.account_id, plan.copy_role),
                delete_after_days=pl.copy_retention_days(plan),
                account_hint=account,
            )

        return run

    def prepare(
        self,
        recovery_point: str,
        destination: str | None,
        *,
        restore: bool,
        metadata: dict[str, str] | None = None,
        account_hint: str | None = None,
        route_mode: str = "auto",
        cleanup_intermediate: bool = False,
        delete_after_days: int | None = None,
        copy_role: str | None = None,
        restore_role: str | None = None,
    ) -> Prepared:
        """Read the recovery point, plan the route, run the first step's checks."""
        self.refuse_read_only()
        from drconsole.checks.arns import parse_recovery_point_arn, parse_vault_arn

        parse_recovery_point_arn(recovery_point)
        dest = VaultRef.from_arn(parse_vault_arn(destination).arn) if destination else None
        source = pl.read_source(self.sessions, recovery_point, account_hint)
        if restore and source.resource_type not in forms.RESTORABLE_TYPES:
            raise UsageError(
                f"--restore: drconsole restores {', '.join(forms.RESTORABLE_TYPES)}, "
                f"not {source.resource_type}"
            )
        plan = pl.plan_flow(
            source,
            dest,
            restore=restore,
            metadata=metadata,
            route_mode=route_mode,
            cleanup_intermediate=cleanup_intermediate,
            delete_after_days=delete_after_days,
            copy_role=copy_role,
            restore_role=restore_role,
        )
        reports: list[tuple[str, CheckReport]] = []
        if pl.wants_two_hops(plan):
            assert dest is not None
            chosen, tried = pl.choose_intermediate(
                self.sessions, source, dest, self.copy_checks(plan)
            )
            if chosen is None:
                reports.extend(("hop1", report) for _, report in tried[:1])
                if not tried:
                    raise AwsError(_no_intermediate(source, dest), CauseCode.UNSUPPORTED_COPY_ROUTE)
            else:
                plan = pl.with_route(plan, two_hop_route(source.vault, chosen, dest))
                reports.append(("hop1", tried[-1][1]))
        elif plan.route.hops:
            hop = plan.route.hops[0]
            reports.append(
                ("hop1", self.copy_checks(plan)(source.arn, hop.destination, source.account_id))
            )
        flow_id = jr.new_flow_id()
        form, values = None, dict(plan.metadata)
        if restore:
            form, values = self._form_for(
                plan, source.arn, source.vault, plan.metadata, flow_id[:6]
            )
            problems = forms.validate(form, values)
            bad = [
                p
                for p in problems
                if p.split(" ", 1)[0].lower() in {k.lower() for k in plan.metadata}
            ]
            if bad:
                raise UsageError(f"--metadata {bad[0]}")
            if not plan.route.hops:
                from drconsole.checks.runner import run_restore_checks

                metadata_now = forms.metadata_for(form, values)
                reports.append(
                    (
                        "restore",
                        run_restore_checks(
                            self.sessions,
                            source.arn,
                            role_arn=pl.role_arn(plan.final_account, plan.restore_role),
                            metadata=metadata_now,
                            account_hint=source.account_id,
                        ),
                    )
                )
        requests = pl.api_requests(
            plan,
            lambda step: jr.idempotency_token(flow_id, 0, step),
            forms.metadata_for(form, values) if form else None,
        )
        return Prepared(flow_id, plan, tuple(reports), tuple(requests), form, values)

    def begin(self, prepared: Prepared) -> str:
        """Journal the plan (the flow exists from now on) and return the flow id."""
        self.refuse_read_only()
        flow_id = prepared.flow_id
        plan_json = prepared.plan.to_json()
        self.journal.append(flow_id, "plan", plan=plan_json)
        for step, report in prepared.reports:
            if report.ok:
                self.journal.append(flow_id, "checks", step=step, ok=True, failed=[])
                if step != "restore":  # the restore is checked again with the final metadata
                    self._checked.add(f"{flow_id}:0:{step}")
        self.emit(ev.FlowPlanned(flow_id, plan_json, prepared.requests))
        for step, report in prepared.reports:
            self.emit(ev.ChecksDone(flow_id, step, report.ok, report.checks))
        return flow_id

    def _form_for(
        self,
        plan: pl.FlowPlan,
        arn: str,
        vault: VaultRef,
        overrides: dict[str, str],
        suffix: str,
    ) -> tuple[forms.RestoreForm, dict[str, str]]:
        aws_metadata = self.jobs.restore_metadata(vault.account_id, vault.region, vault.name, arn)
        form = forms.build_form(plan.source.resource_type, aws_metadata, vault.region, suffix)
        return form, forms.with_overrides(form, overrides)

    # Running ----------------------------------------------------------------------------------

    def run(
        self,
        flow_id: str,
        *,
        form_values: dict[str, str] | None = None,
        pause_for_form: bool = False,
        confirm_restore: Callable[[dict[str, Any]], bool] | None = None,
    ) -> FlowOutcome:
        """Drive the flow from where its journal stands to its end (or a failing check).

        `confirm_restore` sees the exact StartRestoreJob request before it is journaled and
        sent; False leaves the flow unfinished ("stopped"), to be resumed later.
        """
        self.refuse_read_only()
        self._confirm_restore = confirm_restore
        lock = jr.FlowLock(self.state_dir, flow_id)
        if not lock.acquire():
            raise FlowBusy(f"flow {flow_id} is being run by another drconsole process")
        try:
            return self._run_locked(flow_id, form_values, pause_for_form)
        finally:
            lock.release()

    def _state(self, flow_id: str) -> jr.FlowState:
        state = self.journal.flow(flow_id)
        if state is None:
            raise UsageError(f"no flow {flow_id} in the journal {self.journal.path}")
        return state

    def _run_locked(
        self, flow_id: str, form_values: dict[str, str] | None, pause_for_form: bool
    ) -> FlowOutcome:
        state = self._state(flow_id)
        if state.status in jr.FINISHED_STATUSES:
            return FlowOutcome(flow_id, state.status, state.result, state.failure.get("cause"))
        while True:
            state = self._state(flow_id)
            plan = pl.with_route(
                pl.FlowPlan.from_json(state.plan),
                pl.route_from_json(state.hops, state.plan.get("route_reason", "")),
            )
            outcome = self._copy_hops(state, plan)
            if outcome == "route-changed":
                continue
            if isinstance(outcome, FlowOutcome):
                return outcome
            break
        state = self._state(flow_id)
        final_arn = self._final_arn(state, plan)
        self._cleanup(state, plan)
        if not plan.restore:
            result = {
                "recovery_point": final_arn,
                "vault": plan.destination.arn if plan.destination else None,
            }
            return self._done(flow_id, result)
        return self._restore(state, plan, final_arn, form_values, pause_for_form)

    def _final_arn(self, state: jr.FlowState, plan: pl.FlowPlan) -> str:
        arn = plan.source.arn
        for name in state.hop_names:
            arn = state.step(name).result_arn or arn
        return arn

    def _copy_hops(self, state: jr.FlowState, plan: pl.FlowPlan) -> FlowOutcome | str | None:
        arn = plan.source.arn
        for index, hop in enumerate(plan.route.hops):
            name = f"hop{index + 1}"
            step = state.step(name)
            if step.finished:
                if step.state != "COMPLETED":
                    return self._fail(state, name, step.status_message, job_failed=True)
                arn = step.result_arn or arn
                continue
            job_id = step.job_id
            if job_id is None:
                started = self._start_copy(state, plan, index, arn)
                if isinstance(started, FlowOutcome) or started == "route-changed":
                    return started
                job_id = started
            else:
                self.emit(
                    ev.JobStarted(
                        state.flow_id,
                        name,
                        "copy",
                        job_id,
                        step.account_id or hop.source.account_id,
                        step.region or hop.source.region,
                        step.request or {},
                        resumed=True,
                    )
                )
            ref = JobRef("copy", hop.source.account_id, hop.source.region, job_id)
            job = self._watch(state.flow_id, name, ref)
            assert isinstance(job, CopyJob)
            self.journal.append(
                state.flow_id,
                "finished",
                step=name,
                state=job.state,
                status_message=job.status_message,
                result_arn=job.destination_recovery_point_arn,
            )
            if job.state != "COMPLETED":
                if self._can_fall_back(plan, index) and is_route_refusal(job.status_message):
                    return self._fall_back(state, plan, job.status_message)
                return self._fail(state, name, job.status_message, job_failed=True)
            arn = job.destination_recovery_point_arn or arn
        return None

    def _can_fall_back(self, plan: pl.FlowPlan, index: int) -> bool:
        return index == 0 and len(plan.route.hops) == 1 and plan.route_mode != "single"

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
        self.journal.append(state.flow_id, "checks", step=step, ok=report.ok, failed=failed)
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

    def _start_copy(
        self, state: jr.FlowState, plan: pl.FlowPlan, index: int, arn: str
    ) -> str | FlowOutcome:
        name = f"hop{index + 1}"
        hop = plan.route.hops[index]
        step = state.step(name)
        if step.token and step.request and not step.refused:
            request = step.request  # started before: the same token returns the same job
        else:
            blocked = self._checks_pass(
                state,
                name,
                lambda: self.copy_checks(plan)(arn, hop.destination, hop.source.account_id),
            )
            if blocked is not None:
                return blocked
            token = jr.idempotency_token(state.flow_id, state.generation, name)
            request = pl.copy_request(plan, index, arn, token)
            self.journal.append(
                state.flow_id,
                "start",
                step=name,
                kind="copy",
                token=token,
                request=request,
                account=hop.source.account_id,
                region=hop.source.region,
            )
        try:
            job_id = self.jobs.start_copy(hop.source.account_id, hop.source.region, request)
        except (ClientError, BotoCoreError) as exc:
            message = describe(exc)
            if self._can_fall_back(plan, index) and is_route_refusal(message):
                self.journal.append(state.flow_id, "refused", step=name, message=message)
                return self._fall_back(state, plan, message)
            return self._aws_failure(state, name, exc)
        self.journal.append(state.flow_id, "job", step=name, job_id=job_id)
        self.emit(
            ev.JobStarted(
                state.flow_id,
                name,
                "copy",
                job_id,
                hop.source.account_id,
                hop.source.region,
                request,
            )
        )
        return job_id

    def _fall_back(self, state: jr.FlowState, plan: pl.FlowPlan, message: str) -> str | FlowOutcome:
        """AWS refused the single copy: choose an intermediate vault and go in two hops."""
        assert plan.destination is not None
        chosen, tried = pl.choose_intermediate(
            self.sessions, plan.source, plan.destination, self.copy_checks(plan)
        )
        if chosen is None:
            if tried:
                _, report = tried[0]
                state_now = self._state(state.flow_id)
                return self._checks_pass(state_now, "hop1", lambda: report) or self._fail(
                    state, "hop1", message, job_failed=False
                )
            return self._fail(
                state,
                "hop1",
                _no_intermediate(plan.source, plan.destination),
                job_failed=False,
                cause=CauseCode.UNSUPPORTED_COPY_ROUTE.value,
            )
        route = two_hop_route(plan.source.vault, chosen, plan.destination)
        hops = pl.hops_json(route)
        self.journal.append(
            state.flow_id,
            "route",
            generation=state.generation + 1,
            hops=hops,
            reason=route.reason,
            message=message,
        )
        self._checked.add(f"{state.flow_id}:{state.generation + 1}:hop1")
        self.emit(ev.RouteChanged(state.flow_id, message, tuple(hops), chosen.arn))
        return "route-changed"

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

    # Clean-up and restore ---------------------------------------------------------------------

    def _cleanup(self, state: jr.FlowState, plan: pl.FlowPlan) -> None:
        """Delete the intermediate copy once the final one exists (not in a locked vault)."""
        if not plan.cleanup_intermediate or len(plan.route.hops) < 2:
            return
        arn = state.step("hop1").result_arn
        if not arn or any(c.get("recovery_point") == arn for c in state.cleanups):
            return
        vault = plan.route.hops[0].destination
        try:
            info = self.jobs.describe_vault(vault.account_id, vault.region, vault.name)
            if info["locked"]:
                reason = f"kept: vault {vault.name} is locked (Vault Lock retention applies)"
                deleted = False
            else:
                self.jobs.delete_recovery_point(vault.account_id, vault.region, vault.name, arn)
                reason, deleted = f"deleted from {vault.arn}", True
        except (ClientError, BotoCoreError) as exc:
            reason, deleted = f"kept: {describe(exc)}", False
        self.journal.append(
            state.flow_id, "cleanup", recovery_point=arn, deleted=deleted, reason=reason
        )
        self.emit(ev.CleanupDone(state.flow_id, arn, deleted, reason))

    def restore_form(self, flow_id: str) -> tuple[forms.RestoreForm, dict[str, str]]:
        """The restore form of a flow whose copies are done, prefilled (for the TUI)."""
        state = self._state(flow_id)
        plan = pl.FlowPlan.from_json(state.plan)
        plan = pl.with_route(plan, pl.route_from_json(state.hops))
        arn = self._final_arn(state, plan)
        vault = plan.destination or plan.source.vault
        return self._form_for(plan, arn, vault, plan.metadata, flow_id[:6])

    def _restore(
        self,
        state: jr.FlowState,
        plan: pl.FlowPlan,
        arn: str,
        form_values: dict[str, str] | None,
        pause_for_form: bool,
    ) -> FlowOutcome:
        flow_id = state.flow_id
        step = state.step("restore")
        account, region = plan.final_account, plan.final_region
        if step.finished:
            return self._restore_end(state, step.state or "", step.status_message, step.result_arn)
        job_id = step.job_id
        if job_id is None:
            if step.token and step.request:
                request = step.request
            else:
                request_or_outcome = self._restore_request(
                    state, plan, arn, form_values, pause_for_form
                )
                if isinstance(request_or_outcome, FlowOutcome):
                    return request_or_outcome
                request = request_or_outcome
            try:
                job_id = self.jobs.start_restore(account, region, request)
            except (ClientError, BotoCoreError) as exc:
                return self._aws_failure(state, "restore", exc)
            self.journal.append(flow_id, "job", step="restore", job_id=job_id)
            self.emit(
                ev.JobStarted(flow_id, "restore", "restore", job_id, account, region, request)
            )
        else:
            self.emit(
                ev.JobStarted(
                    flow_id,
                    "restore",
                    "restore",
                    job_id,
                    account,
                    region,
                    step.request or {},
                    resumed=True,
                )
            )
        job = self._watch(flow_id, "restore", JobRef("restore", account, region, job_id))
        assert isinstance(job, RestoreJob)
        self.journal.append(
            flow_id,
            "finished",
            step="restore",
            state=job.state,
            status_message=job.status_message,
            result_arn=job.created_resource_arn,
        )
        return self._restore_end(state, job.state, job.status_message, job.created_resource_arn)

    def _restore_request(
        self,
        state: jr.FlowState,
        plan: pl.FlowPlan,
        arn: str,
        form_values: dict[str, str] | None,
        pause_for_form: bool,
    ) -> dict[str, Any] | FlowOutcome:
        flow_id = state.flow_id
        vault = plan.destination or plan.source.vault
        form, defaults = self._form_for(plan, arn, vault, plan.metadata, flow_id[:6])
        if state.restore_metadata is not None:
            metadata = state.restore_metadata
        else:
            values = dict(form_values) if form_values is not None else defaults
            self.emit(ev.RestoreFormReady(flow_id, plan.source.resource_type, arn, values))
            if pause_for_form and form_values is None:
                return FlowOutcome(flow_id, "needs-form", form=form, form_values=values)
            problems = forms.validate(form, values)
            if problems:
                raise UsageError(f"restore metadata: {problems[0]}")
            metadata = forms.metadata_for(form, values)
            self.journal.append(flow_id, "restore-form", metadata=metadata)
        role = pl.role_arn(plan.final_account, plan.restore_role)
        from drconsole.checks.runner import run_restore_checks

        blocked = self._checks_pass(
            state,
            "restore",
            lambda: run_restore_checks(
                self.sessions,
                arn,
                role_arn=role,
                metadata=metadata,
                account_hint=plan.final_account,
            ),
        )
        if blocked is not None:
            return blocked
        token = jr.idempotency_token(flow_id, state.generation, "restore")
        request = pl.restore_request(plan, arn, metadata, token)
        if self._confirm_restore is not None and not self._confirm_restore(request):
            return FlowOutcome(flow_id, "stopped", message="the restore was not confirmed")
        self.journal.append(
            flow_id,
            "start",
            step="restore",
            kind="restore",
            token=token,
            request=request,
            account=plan.final_account,
            region=plan.final_region,
        )
        return request

    def _restore_end(
        self, state: jr.FlowState, job_state: str, message: str, created: str | None
    ) -> FlowOutcome:
        if job_state != "COMPLETED":
            return self._fail(state, "restore", message, job_failed=True)
        result = {
            "recovery_point": self._final_arn(state, pl.FlowPlan.from_json(state.plan)),
            "created_resource": created,
        }
        return self._done(state.flow_id, result)

    # Endings ----------------------------------------------------------------------------------

    def _done(self, flow_id: str, result: dict[str, Any]) -> FlowOutcome:
        self.journal.append(flow_id, "done", result=result)
        self.emit(ev.FlowFinished(flow_id, "completed", "done", result))
        return FlowOutcome(flow_id, "completed", result)

    def _fail(
        self,
        state: jr.FlowState,
        step: str,
        message: str,
        *,
        job_failed: bool,
        cause: str | None = None,
        aws_error: bool = False,
    ) -> FlowOutcome:
        from drconsole.diagnose import diagnose

        diagnosis = diagnose(message)
        code = cause or diagnosis.cause.value
        self.journal.append(
            state.flow_id,
            "failed",
            step=step,
            cause=code,
            message=message,
            explanation=diagnosis.explanation,
            remediation=diagnosis.remediation,
        )
        self.emit(
            ev.FlowFinished(
                state.flow_id,
                "failed",
                step,
                cause=code,
                message=message,
                explanation=diagnosis.explanation,
                remediation=diagnosis.remediation,
            )
        )
        return FlowOutcome(
            state.flow_id, "failed", cause=code, message=message, aws_error=aws_error
        )

    def _aws_failure(self, state: jr.FlowState, step: str, exc: BaseException) -> FlowOutcome:
        """A Start call AWS refused: transient causes leave the flow resumable (exit 3)."""
        if classify(exc) in TRANSIENT:
            raise self.sessions.error_for(exc, f"{step} of flow {state.flow_id} (resumable)")
        from drconsole.diagnose import diagnose_exception

        diagnosis = diagnose_exception(exc)
        message = describe(exc)
        self.journal.append(
            state.flow_id,
            "failed",
            step=step,
            cause=diagnosis.cause.value,
            message=message,
            explanation=diagnosis.explanation,
            remediation=diagnosis.remediation,
        )
        self.emit(
            ev.FlowFinished(
                state.flow_id,
                "failed",
                step,
                cause=diagnosis.cause.value,
                message=message,
                explanation=diagnosis.explanation,
                remediation=diagnosis.remediation,
            )
        )
        return FlowOutcome(
            state.flow_id, "failed", cause=diagnosis.cause.value, message=message, aws_error=True
        )


def _no_intermediate(source: pl.SourcePoint, dest: VaultRef) -> str:
    return (
        f"no intermediate vault for a two-hop copy: create a vault in account {dest.account_id} "
        f"in {source.region}, or in account {source.account_id} in {dest.region}, with an "
        "access policy and a customer managed key, then retry"
    )
