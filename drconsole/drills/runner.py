"""`drill run` and `drill resume`: every target through the flows engine in parallel, then
validation, measures against the objectives, manual steps, clean-up, and the report.

Everything is journaled (`drills.journal`) before it matters: the drill's start, each target's
recovery point and flow id (before the flow is begun), each manual answer, validation and
clean-up. Resuming folds the journal and carries on: a target whose flow exists is handed back
to the engine (which never starts a job twice), a validated target is not validated again.

A target an AWS error interrupted (`drills.interruption`: throttling, the network, expired
credentials, an AWS internal error) is journaled as such, not as failed: the drill is left
unfinished, and resuming carries that target on from its planning, its flow or its validation.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from drconsole.drills import validate as vd
from drconsole.drills.before_copy import restore_blocked_before_copy
from drconsole.drills.interruption import (
    INTERRUPTING_CAUSES,
    ValidationInterrupted,
    unreadable_only,
)
from drconsole.drills.journal import DrillState, parse_time
from drconsole.drills.ownership import drill_metadata
from drconsole.drills.resolve import ResolveError, resolve_target
from drconsole.drills.run_base import DrillRunBase
from drconsole.drills.runbook import Target
from drconsole.errors import AwsError, UsageError
from drconsole.flows import events as ev
from drconsole.stop_signals import stop_name


class DrillRunner(DrillRunBase):
    """Runs (or resumes) one drill of one runbook."""

    # The drill -------------------------------------------------------------------------------

    def run_to_end(self, report_dir: Path | None, junit: Path | None) -> dict[str, Any]:
        """Run the drill, then clean up and write its evidence (`drills.finish`), holding the
        drill's lock throughout: no other process resumes, cleans up or reports it meanwhile.
        Returns the report."""
        from drconsole.drills.finish import finish
        from drconsole.drills.resume import refuse_if_finished

        with self.lock():
            if self.resuming:
                # Checked under the lock: another process may have finished it meanwhile.
                refuse_if_finished(self.state())
            else:
                self.refuse_backup_account_restores()
            try:
                self._run_locked(report_dir, junit)
                self.refuse_if_stopped("its clean-up and report")
            except KeyboardInterrupt as stop:  # Ctrl+C, SIGTERM, SIGHUP (drconsole/stop_signals.py)
                self.stop()
                self._journal_stop(stop_name(stop))
                raise
            except InterruptedError:
                if self.stopping.is_set():
                    self._journal_stop(self.stopped_by)
                raise
            return finish(
                self.sessions, self.state_dir, self.runbook, self.run_id, report_dir, junit
            )

    def _journal_stop(self, by: str) -> None:
        """Journal that the drill was stopped, and by what: it stays unfinished and
        `drill resume` carries it on. (Once its threads have ended: nothing runs after it.)"""
        if self.journal.run(self.run_id) is None:
            return  # stopped before it was journaled: nothing to carry on
        self.journal.append(self.run_id, "drill-stopped", by=by)
        self.emit("drill-stopped", by=by)

    def refuse_backup_account_restores(self) -> None:
        """UsageError, before anything is journaled, when a target restores into the central
        backup account and the runbook does not state it (read once per runner)."""
        from drconsole.drills.backup_account import refuse_unaccepted

        refuse_unaccepted(self.runbook, self._backup_account_restores())

    def _backup_account_restores(self) -> dict[str, str]:
        from drconsole.drills.backup_account import backup_account_restores

        if self._backup_restores is None:
            self._backup_restores = backup_account_restores(self.sessions, self.runbook)
        return self._backup_restores

    def _run_locked(self, report_dir: Path | None, junit: Path | None) -> DrillState:
        if self.resuming:
            self.journal.append(self.run_id, "drill-resume")
            self.emit("drill-resumed", runbook=self.runbook.name)
        else:
            self.journal.append(
                self.run_id,
                "drill-start",
                runbook=self.runbook.name,
                path=str(Path(self.runbook.path).resolve()),
                sha256=self.runbook.sha256,
                started=vd.now_iso(),
                operator=self._operator(),
                cleanup=self.runbook.cleanup,
                targets=[t.name for t in self.runbook.targets],
                # Where its evidence goes: `drill resume RUN_ID` writes there too.
                report_root=os.path.abspath(report_dir) if report_dir else None,
                junit=os.path.abspath(junit) if junit else None,
            )
            self.emit("drill-started", runbook=self.runbook.name)
        self._manual_steps("before")
        with ThreadPoolExecutor(max_workers=len(self.runbook.targets)) as pool:
            try:
                list(pool.map(self._target_safely, self.runbook.targets))
            except KeyboardInterrupt:  # Ctrl+C: the targets' threads stop too (no new job)
                self.stop()
                raise
        self.refuse_if_stopped("its manual steps after validation")
        state = self.state()
        if not state.interrupted_targets():
            # Asked once every target is through; an interrupted drill asks them when resumed.
            self._manual_steps("after")
        return self.state()

    def _operator(self) -> str:
        try:
            return str(self.sessions.caller_identity_arn())
        except Exception as exc:  # an unknown operator must not stop the drill
            return f"unknown ({type(exc).__name__})"

    def _manual_steps(self, when: str) -> None:
        for step in self.runbook.manual_steps:
            if step.when != when or step.name in self.state().manual:
                continue
            asked = vd.now_iso()
            if self.ask_manual is None:
                performed, note = False, "not performed: run headless (--yes)"
            else:
                performed, note = self.ask_manual(step)
            self.journal.append(
                self.run_id,
                "manual",
                step=step.name,
                when=when,
                required=step.required,
                performed=performed,
                note=note,
                asked=asked,
                answered=vd.now_iso(),
            )
            self.emit("manual-step", step=step.name, performed=performed, note=note)

    # One target ------------------------------------------------------------------------------

    def _target_safely(self, target: Target) -> None:
        try:
            self._target(target)
        except (AwsError, UsageError, ResolveError) as exc:
            cause = str(getattr(exc, "cause", "UNKNOWN"))
            if cause in INTERRUPTING_CAUSES:
                # Throttling, the network, expired credentials or an AWS internal error: nothing
                # is decided about the target, so `drill resume` plans it again.
                self._interrupt(target, cause, str(exc), "planning")
                return
            self.journal.append(
                self.run_id,
                "target-blocked",
                target=target.name,
                cause=cause,
                message=str(exc),
                aws_error=isinstance(exc, AwsError),
            )
            self.emit("target-failed", target=target.name, cause=cause, message=str(exc))

    def _target(self, target: Target) -> None:
        from drconsole.flows.execute import FlowEngine

        record = self.state().target(target.name)
        if record.blocked is not None or record.validated:
            return
        if record.restored is not None and record.restored.get("status") != "completed":
            # Its flow ended without a restored resource (failed, blocked, interrupted) before
            # the drill was stopped: that is its outcome, as it would be had the drill gone on.
            # Nothing to validate; clean-up still deletes the copies its flow made.
            return
        if record.resolved is None:
            try:
                # The newest point of the drill's start, whenever it is resolved (a resume).
                started = self.state().started_at
                resolved = resolve_target(self.sessions, target, not_after=started).to_json()
            except ResolveError as exc:
                if exc.from_aws:
                    raise AwsError(str(exc), exc.cause) from None
                raise  # nothing to restore: the target fails, not AWS
            self.journal.append(
                self.run_id, "target-resolved", target=target.name, resolved=resolved
            )
        else:
            resolved = record.resolved
        self.emit("target-resolved", target=target.name, recovery_point=resolved["recovery_point"])
        turn = self._copy_turns.turn(self._copied_resource(target, resolved, record.restored))

        def forward(event: ev.FlowEvent) -> None:
            if isinstance(event, ev.RequestReady | ev.JobStarted) and event.step == "restore":
                turn.end()  # its copies are done: another target of the resource may copy it
            self.emit("flow", target=target.name, flow_event=event.to_json())

        engine = FlowEngine(
            self.sessions, on_event=forward, state_dir=self.state_dir, min_poll=self.min_poll
        )
        self._engines.append(engine)
        try:
            # Its checks and copies wait while another target of the drill copies the same
            # resource (`drills.copy_turns`); the restores still run side by side.
            turn.wait(self.stopping)
            self.refuse_if_stopped("its flows")
            flow_id = record.flow_id
            if flow_id is not None and engine.journal.flow(flow_id) is None:
                flow_id = None  # killed between choosing the flow and beginning it: nothing ran
            if flow_id is None and record.restored is None:
                flow_id = self._begin(engine, target, resolved)
                if flow_id is None:
                    return
            if record.restored is None:
                assert flow_id is not None
                self.refuse_if_stopped("its jobs")
                outcome = engine.run(flow_id)
                interrupting = self._interrupting_cause(outcome)
                if interrupting is not None:
                    # The flow stays as journaled: `drill resume` hands it back to the engine,
                    # which waits on a job already started rather than starting it again (and
                    # checks again a step whose checks AWS left unread).
                    self._interrupt(target, interrupting, outcome.message, "flow")
                    return
                self.journal.append(
                    self.run_id,
                    "target-restored",
                    target=target.name,
                    status=outcome.status,
                    cause=outcome.cause,
                    message=outcome.message,
                    aws_error=outcome.aws_error,
                    created_resource=outcome.result.get("created_resource"),
                    recovery_point=outcome.result.get("recovery_point"),
                    finished=vd.now_iso(),
                )
                if outcome.status != "completed":
                    self.emit(
                        "target-failed",
                        target=target.name,
                        cause=outcome.cause,
                        message=outcome.message,
                    )
                    return
        finally:
            turn.end()
            self._engines.remove(engine)
            engine.close()
        self.refuse_if_stopped("its validation")
        try:
            self._validate(target, resolved)
        except ValidationInterrupted as exc:
            # Nothing was judged (no validation journaled): `drill resume` validates again.
            self._interrupt(target, exc.cause, str(exc), "validation")

    @staticmethod
    def _copied_resource(
        target: Target, resolved: dict[str, Any], restored: dict[str, Any] | None
    ) -> str | None:
        """The resource the target's flow copies (None: its restore is done, or the recovery
        point already sits in the vault it is restored from)."""
        from drconsole.flows.routes import VaultRef

        if restored is not None:
            return None
        dest = VaultRef.from_arn(target.restore_to.vault_arn)
        here = VaultRef(resolved["account"], resolved["region"], resolved["vault"], dest.partition)
        return None if dest == here else str(resolved.get("resource_arn") or "") or None

    def _interrupting_cause(self, outcome: Any) -> str | None:
        """The cause when the flow stopped on AWS (an interrupting error, or a step whose only
        failing checks are ones AWS left unread), else None: its outcome is a verdict."""
        if outcome.status == "interrupted":
            return str(outcome.cause) if outcome.cause in INTERRUPTING_CAUSES else None
        if outcome.status != "blocked":
            return None
        from drconsole.flows.journal import Journal

        # The flow's state keeps its last checks' failures (none once a check run passed).
        flow = Journal(self.state_dir).flow(outcome.flow_id)
        return unreadable_only(flow.blocked_by) if flow is not None else None

    def _interrupt(self, target: Target, cause: str, message: str, where: str) -> None:
        """Journal the target interrupted (`where`: its planning, its flow or its validation)
        and say so: the drill stays unfinished and `drill resume` carries it on from there."""
        self.journal.append(
            self.run_id,
            "target-interrupted",
            target=target.name,
            cause=cause,
            message=message,
            where=where,
            aws_error=True,
        )
        self.emit("target-interrupted", target=target.name, cause=cause, message=message)

    def _begin(self, engine: Any, target: Target, resolved: dict[str, Any]) -> str | None:
        from drconsole.flows.routes import VaultRef

        dest = VaultRef.from_arn(target.restore_to.vault_arn)
        same = dest == VaultRef(
            resolved["account"], resolved["region"], resolved["vault"], dest.partition
        )
        prepared = engine.prepare(
            resolved["recovery_point"],
            None if same else dest.arn,
            restore=True,
            metadata=drill_metadata(str(resolved["resource_type"]), dict(target.metadata)),
            account_hint=resolved["account"],
            copy_role=target.copy_role,
            restore_role=target.restore_role,
            delete_after_days=target.copy_retention_days,
            role_flags=(f"{target.name}: copy_role", f"{target.name}: restore_role"),
        )
        prepared = self._accept_backup_account_restore(target, prepared)
        if not prepared.ok:
            step, report = next((s, r) for s, r in prepared.reports if not r.ok)
            failing = [c for c in report.checks if c.status.value in ("FAIL", "UNKNOWN")]
            unread = unreadable_only([_check_json(c) for c in failing])
            if unread is not None:  # AWS left them unread: nothing is decided, plan it again
                message = f"{step} check {failing[0].id} UNKNOWN: {failing[0].evidence}"
                self._interrupt(target, unread, message, "planning")
                return None
            self._block(target, step, failing)
            return None
        # The restore after the copy is checked again right before it (things change during a
        # copy), but a prerequisite the copy cannot change that fails now blocks the target
        # before any job is started for it, as `drill plan` says.
        blocked_restore = restore_blocked_before_copy(prepared)
        if blocked_restore:
            self._block(target, "restore", blocked_restore)
            return None
        # The checks may take long (a throttled AWS): a stop meanwhile starts nothing.
        self.refuse_if_stopped("its flows")
        self.journal.append(
            self.run_id,
            "target-flow",
            target=target.name,
            flow_ref=prepared.flow_id,
            started=vd.now_iso(),
        )
        engine.begin(prepared)
        return str(prepared.flow_id)

    def _accept_backup_account_restore(self, target: Target, prepared: Any) -> Any:
        from drconsole.drills.backup_account import accept_in_flow

        return accept_in_flow(target, prepared, self._backup_account_restores().get(target.name))

    def _block(self, target: Target, step: str, failing: list[Any]) -> None:
        """Journal the target blocked by the first of a step's failing checks (all of them kept
        for the report, each with its cause, evidence and remediation), as the plan says it."""
        check = failing[0]
        cause = check.cause.value if check.cause else "UNKNOWN"
        message = f"{step} check {check.id} {check.status.value}: {check.evidence}"
        self.journal.append(
            self.run_id,
            "target-blocked",
            target=target.name,
            cause=cause,
            message=message,
            remediation=check.remediation,
            aws_error=False,
            step=step,
            failed=[_check_json(c) for c in failing],
        )
        self.emit("target-failed", target=target.name, cause=cause, message=message)

    def _validate(self, target: Target, resolved: dict[str, Any]) -> None:
        record = self.state().target(target.name)
        restored_record = record.restored or {}
        arn = str(restored_record.get("created_resource") or "")
        flow_state = None
        if record.flow_id:
            from drconsole.flows.journal import Journal

            flow_state = Journal(self.state_dir).flow(record.flow_id)
        restore_step = flow_state.step("restore") if flow_state else None
        source_arn = str(resolved.get("resource_arn") or "")
        restored = vd.Restored(
            target=target.name,
            run_id=self.run_id,
            resource_type=str(resolved["resource_type"]),
            arn=arn,
            account=restore_step.account_id if restore_step else target.restore_to.account,
            region=restore_step.region if restore_step else target.restore_to.region,
            recovery_point=str(restored_record.get("recovery_point") or ""),
            source_resource_arn=source_arn,
            source_account=vd.source_account_of(source_arn, target),
        )
        validation = target.validation
        endpoint = ""
        done = {v["kind"] for v in record.validations}
        passed = all(v["passed"] for v in record.validations)
        if validation.builtin and "builtin" not in done:
            result = vd.builtin(self.sessions, restored, validation, self.stopping)
            endpoint = str(result.get("endpoint") or "")
            self._record_validation(target, result)
            passed = passed and result["passed"]
        if validation.command is not None and "command" not in done and passed:
            self.refuse_if_stopped("its validation command")
            secrets = self._secrets()
            result = vd.command(validation.command, restored, endpoint, secrets, self.stopping)
            self._record_validation(target, result)
            passed = result["passed"]
        if passed:
            self.journal.append(self.run_id, "validated", target=target.name, at=vd.now_iso())
            self.emit("target-validated", target=target.name)

    def _record_validation(self, target: Target, result: dict[str, Any]) -> None:
        self.journal.append(self.run_id, "validation", target=target.name, **result)
        self.emit(
            "validation",
            target=target.name,
            kind=result["kind"],
            passed=result["passed"],
            message=result["message"],
        )

    def _secrets(self) -> tuple[str, ...]:
        creds = getattr(self.sessions.settings, "static_credentials", None)
        if creds is None:
            return ()
        return tuple(
            str(getattr(creds, name, "") or "") for name in ("secret_access_key", "session_token")
        )


def _check_json(check: Any) -> dict[str, Any]:
    """A failing check as the journal and the report keep it."""
    return {
        "id": check.id,
        "status": check.status.value,
        "cause": check.cause.value if check.cause else None,
        "evidence": check.evidence,
        "remediation": check.remediation,
    }


def interrupted_seconds(state: DrillState) -> float:
    """How long the drill stood interrupted (from its last record before each resume)."""
    total = 0.0
    for resume in state.resumes:
        if resume.get("last_before"):
            gap = parse_time(str(resume["time"])) - parse_time(str(resume["last_before"]))
            total += max(0.0, gap.total_seconds())
    return total


def utcnow() -> datetime:
    """Now, UTC."""
    return datetime.now(UTC)
