"""The flow engine: checks, copy hops, the restore, the journal and the events, in one place.

The CLI and the TUI drive the same engine; they differ only in how they show `FlowEvent`s (the
callback runs on the engine's thread). Every step is journaled before the call it protects:
`start` (token and exact request) before StartCopyJob / StartRestoreJob, `job` after it. `run`
picks a flow up wherever its journal left it, so a resumed flow never starts a job twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from drconsole.aws.audit import redact
from drconsole.aws.backup_account import is_backup_account
from drconsole.aws.errors import AWS_FAILURES
from drconsole.checks.arns import RecoveryPointArn, VaultArn
from drconsole.checks.runner import CheckReport
from drconsole.errors import AwsError, UsageError
from drconsole.flows import cautions, hop_checks, metadata_keys, restore_answers
from drconsole.flows import events as ev
from drconsole.flows import journal as jr
from drconsole.flows import plan as pl
from drconsole.flows import restore_forms as forms
from drconsole.flows.copy_step import CopySteps
from drconsole.flows.duplicates import duplicate_copy, flow_in_flight
from drconsole.flows.engine_base import (
    FlowBusy,
    FlowOutcome,
    FormAsker,
    OtherOrigin,
    Prepared,
)
from drconsole.flows.role_accounts import RoleUse, refuse_foreign_roles
from drconsole.flows.routes import VaultRef, two_hop_route
from drconsole.flows.secret_values import SecretNeeded, refuse_unfaithful
from drconsole.job_request import JobRequest
from drconsole.models import CauseCode
from drconsole.partitions import of_arn
from drconsole.redact import REDACTED, is_secret_name
from drconsole.resource_types import not_restored_here, restorable, restore_by_hand

__all__ = ["FlowBusy", "FlowEngine", "FlowOutcome", "OtherOrigin", "Prepared", "SecretNeeded"]


class FlowEngine(CopySteps):
    """Runs copy-back and restore flows for one identity; share one per process."""

    def prepare(
        self,
        recovery_point: str | RecoveryPointArn,
        destination: str | VaultArn | None,
        *,
        restore: bool,
        metadata: dict[str, str] | None = None,
        account_hint: str | None = None,
        route_mode: str = "auto",
        cleanup_intermediate: bool = False,
        delete_after_days: int | None = None,
        copy_role: str | None = None,
        restore_role: str | None = None,
        restore_form_later: bool = False,
        role_flags: tuple[str, str] = ("--copy-role", "--restore-role"),
    ) -> Prepared:
        """Read the recovery point, plan the route, run the first step's checks, and build the
        requests to confirm. A restore in place is among them unless `restore_form_later` (the
        TUI asks its form after the start, then shows the final request and asks again)."""
        # An AWS failure is an AwsError with its cause: no flow exists yet.
        try:
            return self._prepare(
                recovery_point,
                destination,
                restore=restore,
                metadata=metadata,
                account_hint=account_hint,
                route_mode=route_mode,
                cleanup_intermediate=cleanup_intermediate,
                delete_after_days=delete_after_days,
                copy_role=copy_role,
                restore_role=restore_role,
                restore_form_later=restore_form_later,
                role_flags=role_flags,
            )
        except AWS_FAILURES as exc:
            raise self.sessions.error_for(exc, "planning the flow") from None

    def _prepare(
        self,
        recovery_point: str | RecoveryPointArn,
        destination: str | VaultArn | None,
        *,
        restore: bool,
        metadata: dict[str, str] | None,
        account_hint: str | None,
        route_mode: str,
        cleanup_intermediate: bool,
        delete_after_days: int | None,
        copy_role: str | None,
        restore_role: str | None,
        restore_form_later: bool,
        role_flags: tuple[str, str],
    ) -> Prepared:
        self.refuse_read_only()
        from drconsole.aws.partition_guard import refuse_other_partition
        from drconsole.checks.arns import parse_recovery_point_arn, parse_vault_arn

        # ARNs are parsed once, here at the latest (the CLI hands them over parsed).
        rp_arn = (
            recovery_point
            if isinstance(recovery_point, RecoveryPointArn)
            else parse_recovery_point_arn(recovery_point)
        )
        if isinstance(destination, str):
            destination = parse_vault_arn(destination) if destination else None
        dest = VaultRef.of(destination) if destination is not None else None
        roles = (copy_role, restore_role, role_flags)
        use = RoleUse.of(rp_arn, account_hint, destination, restore=restore, route_mode=route_mode)
        refuse_foreign_roles(use, *roles)  # before any AWS call
        # Before any call there: the caller's credentials hold in its own partition only.
        refuse_other_partition(self.sessions, rp_arn.partition, "--recovery-point")
        if destination is not None:
            refuse_other_partition(self.sessions, destination.partition, "--to")
        source = pl.read_source(self.sessions, rp_arn, account_hint)
        where = (dest.account_id, dest.region) if dest is not None else None
        use = RoleUse(
            source.account_id, source.region, source.resource_type, where, restore, route_mode
        )
        refuse_foreign_roles(use, *roles)  # now that the account and type are read
        if restore and not restorable(source.resource_type, source.arn):
            raise UsageError(self._not_restorable(source, dest, restore_role))
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
            chosen, judged = hop_checks.fall_back(self.sessions, plan)
            if not judged:
                raise AwsError(
                    hop_checks.no_intermediate(source, dest), CauseCode.UNSUPPORTED_COPY_ROUTE
                )
            if chosen is not None:
                plan = pl.with_route(plan, two_hop_route(source.vault, chosen, dest))
            reports.extend(judged)
        elif plan.route.hops:
            hop = plan.route.hops[0]
            reports.append(
                ("hop1", self.copy_checks(plan)(source.arn, hop.destination, source.account_id))
            )
        flow_id = jr.new_flow_id()
        form, values = None, dict(plan.metadata)
        warnings: list[str] = []
        if restore:
            metadata_keys.duplicates(plan.metadata)
            form, values = self._form_for(
                plan, source.arn, source.vault, plan.metadata, flow_id[:6]
            )
            refusal, warnings = metadata_keys.unknown_key_problems(
                source.resource_type, plan.metadata, form.passthrough
            )
            if refusal is not None:
                raise UsageError(refusal)
            bad = forms.problems_of_given(form, values, plan.metadata)
            if bad:
                raise UsageError(f"--metadata {bad[0]}")
            warnings += forms.dropped_notes(form, values)
            reports.append(("restore", self._restore_checks_before(plan, form, values)))
        in_place_metadata = None
        if form is not None and not plan.route.hops and not restore_form_later:
            in_place_metadata = forms.metadata_for(form, values)
        requests = pl.planned_requests(
            plan, lambda step: jr.idempotency_token(flow_id, 0, step), in_place_metadata
        )
        return Prepared(
            flow_id,
            plan,
            tuple(reports),
            tuple(requests),
            form,
            values,
            self._cautions(plan),
            warnings=tuple(warnings),
        )

    @staticmethod
    def _not_restorable(source: pl.SourcePoint, dest: VaultRef | None, role: str | None) -> str:
        """The one line refusing the restore of a type drconsole has no restore form for, with
        the AWS CLI commands that restore it (after the copy, when one is asked for)."""
        why = not_restored_here(source.resource_type, source.arn)
        if dest is None:
            role_arn = pl.role_arn(
                source.account_id, role or pl.DEFAULT_RESTORE_ROLE, of_arn(source.arn)
            )
            by_hand = restore_by_hand(
                source.arn, source.vault_name, source.region, source.resource_type, role_arn
            )
            return f"--recovery-point {source.arn}: {why}. {by_hand}"
        # Said alike to `copy --restore` and to a drill's target (no flag of the drill's to name).
        return (
            f"recovery point {source.arn}: {why}. Only its copy can be made here (drconsole copy "
            "without --restore; in the console, 'Restore after the copy' off; in a drill, leave "
            f"the target out): restore the copy in {dest.arn}"
            " with AWS Backup's console or aws backup start-restore-job"
        )

    def _cautions(self, plan: pl.FlowPlan) -> tuple[cautions.Caution, ...]:
        """What to say and ask before the flow starts (a restore in the backup account, a copy
        the destination vault already holds)."""
        source = plan.source
        found = [
            cautions.backup_account_restore(
                restore=plan.restore,
                restoring_account=plan.final_account,
                restoring_region=plan.final_region,
                source_account=source.account_id,
                resource_arn=source.resource_arn,
                # Configured, else discovered as readiness does (the restoring account's name).
                known_backup=is_backup_account(self.sessions, plan.final_account)
                if plan.restore
                else None,
                recovery_point_arn=source.arn,
            )
        ]
        if plan.destination is not None:
            found.append(
                duplicate_copy(
                    self.jobs, source.account_id, source.region, source.arn, plan.destination
                )
                or flow_in_flight(self.journal, source.arn, plan.destination.arn)
            )
        return tuple(c for c in found if c is not None)

    def _restore_checks_before(
        self, plan: pl.FlowPlan, form: forms.RestoreForm, values: dict[str, str]
    ) -> CheckReport:
        """The restore checks before anything starts, where the restore will run: in place
        with the form's metadata; after a copy, in the destination's account and Region with
        the names the restore will create and the user's --metadata (the rest of the metadata
        is the copy's, read once it exists, when these checks run again)."""
        from drconsole.checks.runner import run_restore_checks

        role = pl.role_arn(plan.final_account, plan.restore_role, plan.partition)
        if not plan.route.hops:
            return run_restore_checks(
                self.sessions,
                plan.source.arn,
                role_arn=role,
                metadata={**forms.emptied(plan.metadata), **forms.metadata_for(form, values)},
                account_hint=plan.source.account_id,
            )
        assert plan.destination is not None
        names = {f.key: values[f.key] for f in form.fields if f.new_name and values.get(f.key)}
        return run_restore_checks(
            self.sessions,
            plan.source.arn,
            role_arn=role,
            metadata={**names, **plan.metadata},
            account_hint=plan.source.account_id,
            after_copy_to=plan.destination.arn,
        )

    def begin(self, prepared: Prepared) -> str:
        """Journal the plan and the requests the operator confirmed (the flow exists from now
        on; those requests are the ones sent) and return the flow id."""
        self.refuse_read_only()
        flow_id = prepared.flow_id
        plan_json = prepared.plan.to_json()
        # Read back as the journal keeps it: only a secret metadata value may differ.
        as_written = json.loads(json.dumps(redact(plan_json), default=str))
        withheld = {
            k: REDACTED if is_secret_name(k) else v for k, v in plan_json["metadata"].items()
        }
        if pl.FlowPlan.from_json(as_written).to_json() != {**plan_json, "metadata": withheld}:
            raise UsageError(
                f"the plan of flow {flow_id} would not read back from the journal the same: "
                "nothing was started"
            )
        for request in prepared.requests:
            refuse_unfaithful(flow_id, request)  # what is journaled is what is sent
        # Secret metadata is journaled redacted: this process keeps it to send it as confirmed.
        self.remember_secrets(flow_id, {**prepared.plan.metadata, **prepared.form_values})
        for request in prepared.requests:
            self.remember_secrets(flow_id, dict(request.parameters.get("Metadata") or {}))
        self.journal.append(flow_id, "plan", plan=plan_json, origin=self.origin())
        self.journal.append(
            flow_id, "confirmed", requests=[request.to_json() for request in prepared.requests]
        )
        for acceptance in prepared.accepted:
            self.journal.append(flow_id, "caution-accepted", **acceptance.to_json())
        for step, report in prepared.reports:
            if report.ok:
                checked = {"ok": True, "failed": [], "passed": report.passed_ids}
                self.journal.append(flow_id, "checks", step=step, **checked)
                # Only the first step's checks stand for its start: the restore is checked
                # again with the final metadata, a second hop again on the copy it sends.
                if step == "hop1":
                    self._checked.add(f"{flow_id}:0:{step}")
        self.emit(ev.FlowPlanned(flow_id, plan_json, tuple(r.to_json() for r in prepared.requests)))
        for acceptance in prepared.accepted:
            self.emit(ev.CautionAccepted(flow_id, **acceptance.to_json()))
        for step, report in prepared.reports:
            self.emit(ev.ChecksDone(flow_id, step, report.ok, report.checks))
        return flow_id

    # Running ----------------------------------------------------------------------------------

    def run(
        self,
        flow_id: str,
        *,
        confirm_request: Callable[[JobRequest], bool] | None = None,
        ask_form: FormAsker | None = None,
        ask_form_again: FormAsker | None = None,
    ) -> FlowOutcome:
        """Drive the flow from where its journal stands to its end (or a failing check).

        Requests confirmed with the plan are sent as they are. One built later (the restore
        after a copy, from the copy's own restore metadata; the hops of a fall-back route) is
        handed to `confirm_request` before it is journaled and sent, the very object sent;
        False leaves the flow unfinished ("stopped"), to be resumed later.

        The restore form of a restore after a copy is handed to `ask_form`, which waits for the
        operator with the flow's lock held (the flow is driven, not interrupted, meanwhile);
        without an asker, the form's defaults are sent (`jobs --resume`, `--yes`). A form whose
        answers the restore checks blocked (no restore request confirmed yet) is asked again,
        prefilled with them, of `ask_form_again` (else of `ask_form`).
        """
        self.refuse_read_only()
        self._confirm_request = confirm_request
        self._ask_form = ask_form
        self._ask_form_again = ask_form_again or ask_form
        lock = jr.FlowLock(self.state_dir, flow_id)
        if not lock.acquire():
            raise FlowBusy(f"flow {flow_id} is being run by another drconsole process")
        try:
            return self._run_locked(flow_id)
        except (*AWS_FAILURES, AwsError) as exc:
            return self._interrupted(flow_id, exc)
        finally:
            self._at_step.pop(flow_id, None)
            lock.release()

    def _run_locked(self, flow_id: str) -> FlowOutcome:
        state = self._state(flow_id)
        if state.status in jr.FINISHED_STATUSES:
            return self._ended(state)
        self.check_origin(state)
        for key in self.form_changes:
            refusal = restore_answers.form_changes_refusal(state, key)
            if refusal is not None:
                raise UsageError(refusal)
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
        return self._restore(state, plan, final_arn)
