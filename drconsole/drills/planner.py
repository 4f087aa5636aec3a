"""`drill plan`: every target resolved, routed and checked, with nothing changed (read-only).

The copy checks of the first hop and the restore checks (where the restore will run) run now;
so do those of the two hops `drill run` falls back to when AWS refuses a database copy across
account and Region in one job (the intermediate vault chosen as the flow chooses it, the second
hop foreseen: `hop_checks.fall_back`). The restore is checked again with the copy's own
metadata, so the plan says that the flow runs it again right before its step.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from drconsole.checks.facts import copied_from_region
from drconsole.checks.runner import CheckReport, run_restore_checks
from drconsole.drills.backup_account import REFUSED, accepted, backup_account_restores
from drconsole.drills.interruption import INTERRUPTING_CAUSES, unreadable_only
from drconsole.drills.ownership import drill_metadata
from drconsole.drills.plan_validation import ValidationWarning, source_unanswered
from drconsole.drills.resolve import Resolved, ResolveError, resolve_target
from drconsole.drills.runbook import Runbook, Target
from drconsole.errors import AwsError, UsageError
from drconsole.flows import hop_checks
from drconsole.flows import plan as pl
from drconsole.flows.form_verdict import with_form_verdict
from drconsole.flows.routes import VaultRef, may_fall_back
from drconsole.models import CauseCode

# The steps of the two-hop route a refused single copy falls back to ("fall-back hop2").
FALL_BACK = "fall-back"


@dataclass(frozen=True)
class TargetPlan:
    """One target: its recovery point, route, checks and what it creates; or why not."""

    target: Target
    resolved: Resolved | None = None
    flow: pl.FlowPlan | None = None
    reports: tuple[tuple[str, CheckReport], ...] = ()
    deferred: tuple[str, ...] = ()
    cause: str | None = None
    message: str = ""
    rpo_now_seconds: float | None = None
    creates: tuple[str, ...] = ()
    cleanup_deletes: tuple[str, ...] = ()
    caution: str = ""  # why the restore would be in the central backup account
    # The two-hop route `drill run` falls back to when AWS refuses the single copy: its
    # intermediate vault (None when no candidate passes both hops' checks), and why there is
    # none to try at all ("": there is a candidate, or no fall-back).
    fall_back: tuple[VaultRef | None, str] | None = None
    # What `drill run` will not be able to validate (a source in a Region that does not answer):
    # said, not blocking the start (the drill stops INTERRUPTED there, and resumes).
    warnings: tuple[ValidationWarning, ...] = ()

    @property
    def no_fall_back(self) -> str:
        """Why the copy has no vault to fall back through ("" when it has one, or needs none)."""
        return self.fall_back[1] if self.fall_back is not None else ""

    @property
    def refused(self) -> bool:
        """True when `drill run` refuses the target's restore in the backup account (the
        runbook does not state it)."""
        return bool(self.caution) and not accepted(self.target)

    @property
    def ok(self) -> bool:
        """True when the target resolved, every check that could run passed, and its restore
        is not in the backup account unless the runbook says so."""
        return (
            self.cause is None
            and not self.refused
            and not self.no_fall_back
            and all(report.ok for _, report in self.reports)
        )

    @property
    def unanswered(self) -> bool:
        """True when the target cannot start only because AWS did not answer (throttled, the
        network, expired credentials, an AWS internal error): nothing about it is decided."""
        if self.ok or self.refused or self.no_fall_back:
            return False
        if self.cause is not None:
            return self.cause in INTERRUPTING_CAUSES
        failing = [
            {"status": check.status.value, "cause": check.cause.value if check.cause else None}
            for _, report in self.reports
            for check in report.checks
            if check.status.value in ("FAIL", "UNKNOWN")
        ]
        return unreadable_only(failing) is not None

    def first_failure(self) -> tuple[str, str]:
        """(cause, message) of what stops the target."""
        if self.cause is not None:
            return self.cause, self.message
        if self.refused:
            return "", f"{self.caution}; {REFUSED}"
        for step, report in self.reports:
            for check in report.checks:
                if check.status.value in ("FAIL", "UNKNOWN"):
                    cause = check.cause.value if check.cause else CauseCode.UNKNOWN.value
                    return cause, f"{step} check {check.id} {check.status.value}: {check.evidence}"
        if self.no_fall_back:
            return CauseCode.UNSUPPORTED_COPY_ROUTE.value, self.no_fall_back
        return "", ""


@dataclass(frozen=True)
class DrillPlan:
    """The plan of a whole runbook."""

    runbook: Runbook
    planned_at: datetime
    targets: tuple[TargetPlan, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """True when every target can start."""
        return all(t.ok for t in self.targets)

    def copy_turns(self) -> list[tuple[str, tuple[str, ...]]]:
        """(resource ARN, targets) of each resource that several targets copy: `drill run`
        copies it for one target after another (`drills.copy_turns`)."""
        copying: dict[str, list[str]] = {}
        for item in self.targets:
            if item.resolved and item.flow and item.flow.route.hops:
                arn = item.resolved.point.resource_arn
                copying.setdefault(arn, []).append(item.target.name)
        return [(arn, tuple(names)) for arn, names in copying.items() if arn and len(names) > 1]

    @property
    def unanswered(self) -> bool:
        """True when the targets that cannot start are held back only by AWS not answering
        (`drill plan` exits 3, as for an AWS failure: nothing says a target cannot start)."""
        blocked = [t for t in self.targets if not t.ok]
        return bool(blocked) and all(t.unanswered for t in blocked)


def destination_of(target: Target, resolved: Resolved) -> VaultRef | None:
    """The destination vault, or None when the recovery point already sits in it."""
    dest = VaultRef.from_arn(target.restore_to.vault_arn)
    if dest == VaultRef.from_arn(resolved.point.vault_arn):
        return None
    return dest


def plan_drill(sessions: Any, runbook: Runbook) -> DrillPlan:
    """Resolve and check every target concurrently (reads only)."""
    now = datetime.now(UTC)
    restores = backup_account_restores(sessions, runbook)
    with ThreadPoolExecutor(max_workers=max(1, min(8, len(runbook.targets)))) as pool:
        plans = list(pool.map(lambda t: plan_target(sessions, runbook, t, now), runbook.targets))
    plans = [replace(p, caution=restores.get(p.target.name, "")) for p in plans]
    return DrillPlan(runbook, now, tuple(plans))


def retention_days(created: datetime, expires: datetime | None) -> int | None:
    """A recovery point's DeleteAfterDays, from the listing's CreationDate and DeleteAt."""
    if expires is None:
        return None
    return max(1, round((expires - created).total_seconds() / 86400))


def plan_target(sessions: Any, runbook: Runbook, target: Target, now: datetime) -> TargetPlan:
    """One target's plan; a failure to resolve or check is the plan's cause, never raised."""
    try:
        resolved = resolve_target(sessions, target)
    except ResolveError as exc:
        return TargetPlan(target, cause=exc.cause, message=str(exc))
    except AwsError as exc:
        return TargetPlan(target, cause=exc.cause, message=str(exc))
    source = pl.SourcePoint(
        arn=resolved.point.arn,
        account_id=resolved.point.account_id,
        region=resolved.point.region,
        vault_name=resolved.point.vault_name,
        resource_type=resolved.point.resource_type,
        resource_arn=resolved.point.resource_arn,
        resource_name=resolved.point.resource_name,
        copied_from_region=copied_from_region(
            resolved.point.region, resolved.point.source_vault_arn
        ),
        # What the copy's default retention is counted from (flows.plan.plan_flow): without
        # them the drill's copy would get no Lifecycle, and AWS keeps its source's delete date,
        # which an old point reaches before the drill validates and cleans up.
        delete_after_days=retention_days(resolved.point.created, resolved.point.expires),
        creation_date=resolved.point.created.isoformat(),
    )
    dest = destination_of(target, resolved)
    metadata = drill_metadata(resolved.point.resource_type, dict(target.metadata))
    flow = pl.plan_flow(
        source,
        dest,
        restore=True,
        metadata=metadata,
        copy_role=target.copy_role,
        restore_role=target.restore_role,
        delete_after_days=target.copy_retention_days,
    )
    reports: list[tuple[str, CheckReport]] = []
    deferred: list[str] = []
    fall_back: tuple[VaultRef | None, str] | None = None
    try:
        after_copy_to = None
        if flow.route.hops:
            # The first hop judged as the flow judges it before starting it.
            hop = flow.route.hops[0]
            first_hop = hop_checks.first_hop_runner(sessions, flow)
            reports.append(("hop1", first_hop(source.arn, hop.destination, source.account_id)))
            # The restore checks run now where the restore will run (the destination's account
            # and Region); the flow runs them again with the copy's own metadata once it exists.
            assert flow.destination is not None
            after_copy_to = flow.destination.arn
            deferred.extend(f"hop{i + 1}" for i in range(1, len(flow.route.hops)))
            deferred.append("restore")
        restore_checks = run_restore_checks(
            sessions,
            source.arn,
            role_arn=pl.role_arn(flow.final_account, flow.restore_role, flow.partition),
            metadata=metadata or None,
            account_hint=source.account_id,
            after_copy_to=after_copy_to,
        )
        reports.append(("restore", with_form_verdict(restore_checks, metadata)))
        # After the restore's: `drill run` judges the fall-back only once AWS has refused the
        # single copy, after the restore checks that block a target before its copy.
        if may_fall_back(source.resource_type, flow.route, flow.route_mode):
            fall_back = _fall_back(sessions, flow, reports)
    except (AwsError, UsageError) as exc:
        cause = getattr(exc, "cause", CauseCode.UNKNOWN.value)
        return TargetPlan(target, resolved, flow, cause=str(cause), message=str(exc))
    intermediate = fall_back[0] if fall_back is not None else None
    creates, deletes = _effects(flow, runbook.cleanup, intermediate)
    unanswered = source_unanswered(sessions, target, resolved, flow.final_region)
    return TargetPlan(
        target,
        resolved,
        flow,
        tuple(reports),
        tuple(deferred),
        rpo_now_seconds=(now - resolved.data_time).total_seconds(),
        creates=creates,
        cleanup_deletes=deletes,
        fall_back=fall_back,
        warnings=(unanswered,) if unanswered else (),
    )


def _fall_back(
    sessions: Any, flow: pl.FlowPlan, reports: list[tuple[str, CheckReport]]
) -> tuple[VaultRef | None, str]:
    """The two hops `drill run` falls back to when AWS refuses `flow`'s single database copy
    (where AWS offers no single-action copy across account and Region), judged now as the flow
    judges them then: their reports join `reports` as steps `fall-back hop1` and `fall-back
    hop2`. Returns the intermediate vault (None when none passes) and why there is no vault
    to try at all ("" when there is one)."""
    assert flow.destination is not None
    chosen, judged = hop_checks.fall_back(sessions, flow)
    reports.extend((f"{FALL_BACK} {step}", report) for step, report in judged)
    missing = "" if judged else hop_checks.no_intermediate(flow.source, flow.destination)
    return chosen, missing


def _effects(
    flow: pl.FlowPlan, cleanup: str, intermediate: VaultRef | None = None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What the drill will create, and what clean-up will delete of it (the copy in the
    intermediate vault of the fall-back too: clean-up deletes every hop's copy)."""
    creates = [f"a copy of the recovery point in {hop.destination.arn}" for hop in flow.route.hops]
    if intermediate is not None:
        creates.append(
            f"if AWS refuses the single copy job: a copy of the recovery point in "
            f"{intermediate.arn} (the two hops' first)"
        )
    creates.append(
        f"a restored {flow.source.resource_type} (new name, from {flow.source.resource_name}) "
        f"in account {flow.final_account} {flow.final_region}"
    )
    if cleanup == "never":
        return tuple(creates), ()
    when = "always" if cleanup == "always" else "when the drill passes"
    deletes = [f"{item} ({when}; kept in a locked vault)" for item in creates[:-1]]
    deletes.append(f"{creates[-1]} ({when})")
    return tuple(creates), tuple(deletes)
