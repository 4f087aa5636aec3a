"""`drill plan` output: the stable JSON form and the text a person reads."""

from __future__ import annotations

from typing import Any

from drconsole.checks.runner import check_to_json
from drconsole.drills.backup_account import REFUSED, accepted
from drconsole.drills.parse import format_duration
from drconsole.drills.planner import FALL_BACK, DrillPlan, TargetPlan


def objectives_json(rpo: float | None, rto: float | None) -> dict[str, Any]:
    """Objectives in seconds (null when not stated)."""
    return {"rpo_seconds": rpo, "rto_seconds": rto}


def fall_back_json(item: TargetPlan) -> dict[str, Any] | None:
    """The two-hop route `drill run` falls back to when AWS refuses the single copy: the
    intermediate vault chosen (null when none passes both hops' checks) and, when there is no
    vault to try at all, why (null when the copy needs no fall-back)."""
    if item.fall_back is None:
        return None
    chosen, missing = item.fall_back
    return {"intermediate": chosen.arn if chosen else None, "no_intermediate": missing or None}


def target_plan_json(plan: DrillPlan, item: TargetPlan) -> dict[str, Any]:
    """One target of `drill plan --json`."""
    objectives = plan.runbook.objectives_of(item.target)
    cause, message = item.first_failure()
    flow = item.flow
    return {
        "target": item.target.name,
        "ok": item.ok,
        "cause": cause or None,
        "message": message,
        "resource": item.target.resource.describe(),
        "recovery_point_choice": item.target.recovery_point.describe(),
        "resolved": item.resolved.to_json() if item.resolved else None,
        "restore_to": item.target.restore_to.vault_arn,
        "route": {
            "reason": flow.route.reason,
            "hops": [
                {"source": h.source.arn, "destination": h.destination.arn} for h in flow.route.hops
            ],
            "fall_back": fall_back_json(item),
        }
        if flow
        else None,
        "checks": [
            {"step": step, "ok": report.ok, "checks": [check_to_json(c) for c in report.checks]}
            for step, report in item.reports
        ],
        "checked_before_their_step": list(item.deferred),
        "rpo_now_seconds": item.rpo_now_seconds,
        "objectives": objectives_json(objectives.rpo_seconds, objectives.rto_seconds),
        "rpo_met_now": None
        if item.rpo_now_seconds is None or objectives.rpo_seconds is None
        else item.rpo_now_seconds <= objectives.rpo_seconds,
        "creates": list(item.creates),
        "cleanup_deletes": list(item.cleanup_deletes),
        "caution": {"message": item.caution, "accepted_by": accepted(item.target) or None}
        if item.caution
        else None,
        "warnings": [
            {"validation": w.validation, "cause": w.cause, "region": w.region, "message": w.message}
            for w in item.warnings
        ],
    }


def plan_json(plan: DrillPlan) -> dict[str, Any]:
    """The whole `drill plan --json` object."""
    runbook = plan.runbook
    return {
        "runbook": {"name": runbook.name, "path": runbook.path, "sha256": runbook.sha256},
        "planned_at": plan.planned_at.isoformat(),
        "ok": plan.ok,
        "cleanup": runbook.cleanup,
        "objectives": objectives_json(
            runbook.objectives.rpo_seconds, runbook.objectives.rto_seconds
        ),
        "manual_steps": [
            {"name": m.name, "text": m.text, "when": m.when, "required": m.required}
            for m in runbook.manual_steps
        ],
        "targets": [target_plan_json(plan, item) for item in plan.targets],
        "aws_unanswered": plan.unanswered,
        "copied_in_turn": [
            {"resource_arn": arn, "targets": list(names)} for arn, names in plan.copy_turns()
        ],
    }


def plan_lines(plan: DrillPlan) -> list[str]:
    """The plan for a person."""
    runbook = plan.runbook
    lines = [
        f"Drill {runbook.name} ({runbook.path}); clean-up: {runbook.cleanup}; "
        f"objectives RPO {format_duration(runbook.objectives.rpo_seconds)}, "
        f"RTO {format_duration(runbook.objectives.rto_seconds)}"
    ]
    for manual in runbook.manual_steps:
        need = ", required" if manual.required else ""
        lines.append(f"  manual step {manual.name} ({manual.when}{need}): {manual.text}")
    for item in plan.targets:
        lines.append("")
        verdict = "ready" if item.ok else "NOT READY"
        lines.append(f"Target {item.target.name}: {verdict} - {item.target.resource.describe()}")
        if item.caution:
            how = accepted(item.target)
            lines.append(
                f"  caution: {item.caution}; " + (f"accepted by the {how}" if how else REFUSED)
            )
        if item.resolved is None:
            lines.append(f"  cannot resolve: {item.message} [{item.cause}]")
            continue
        point = item.resolved.point
        lines.append(
            f"  recovery point {point.arn} ({item.target.recovery_point.describe()}), "
            f"{point.vault_arn}"
        )
        objectives = runbook.objectives_of(item.target)
        if objectives.rpo_seconds is None and objectives.rto_seconds is None:
            lines.append(
                "  no RPO or RTO objective (objectives: in the runbook or the target): the "
                "drill measures both and judges neither"
            )
        met = ""
        if objectives.rpo_seconds is not None and item.rpo_now_seconds is not None:
            met = " (meets)" if item.rpo_now_seconds <= objectives.rpo_seconds else " (MISSES)"
        lines.append(
            f"  RPO now {format_duration(item.rpo_now_seconds)} against "
            f"{format_duration(objectives.rpo_seconds)}{met}; data from "
            f"{item.resolved.data_time.isoformat()} ({item.resolved.data_time_basis})"
        )
        if item.flow is not None:
            lines.append(f"  route: {item.flow.route.reason}")
            for hop in item.flow.route.hops:
                lines.append(f"    copy {hop.source.arn} -> {hop.destination.arn}")
            lines.extend(_fall_back_lines(item))
        for step, report in item.reports:
            bad = [c for c in report.checks if c.status.value in ("FAIL", "UNKNOWN")]
            lines.append(
                f"  checks of {step}: {len(report.checks) - len(bad)} pass, {len(bad)} not"
            )
            for check in bad:
                cause = f" [{check.cause.value}]" if check.cause else ""
                lines.append(f"    {check.status.value} {check.id}{cause}: {check.evidence}")
                if check.remediation:
                    lines.append(f"      fix: {check.remediation}")
        if item.deferred:
            lines.append(
                f"  checked by the flow just before their step: {', '.join(item.deferred)}"
            )
        for warning in item.warnings:
            lines.append(f"  WARN {warning.validation} [{warning.cause}]: {warning.message}")
        if item.cause is not None:
            lines.append(f"  cannot check: {item.message} [{item.cause}]")
        for made in item.creates:
            lines.append(f"  creates {made}")
        for gone in item.cleanup_deletes:
            lines.append(f"  clean-up deletes {gone}")
    lines.append("")
    for arn, names in plan.copy_turns():
        lines.append(
            f"Targets {', '.join(names)} copy the same resource {arn}: their copies run one "
            "after another (AWS Backup copies a resource once at a time)."
        )
    warned = [item.target.name for item in plan.targets if item.warnings]
    if plan.ok and warned:
        lines.append(
            f"Every target can start; the validation of {', '.join(warned)} would be "
            "interrupted (WARN above)."
        )
    elif plan.ok:
        lines.append("Every target can start.")
    elif plan.unanswered:
        lines.append(
            "AWS did not answer every read (see above): nothing says a target cannot start; "
            "plan again."
        )
    else:
        lines.append("A target cannot start: see above.")
    return lines


def _fall_back_lines(item: TargetPlan) -> list[str]:
    """The route's lines about the two hops a refused single copy falls back to."""
    if item.fall_back is None:
        return []
    chosen, missing = item.fall_back
    if chosen is not None:
        return [
            f"    if AWS refuses it in one job: two hops through {chosen.arn} "
            f"(checks of {FALL_BACK} hop1 and hop2 below)"
        ]
    if missing:
        return [f"    if AWS refuses it in one job: {missing} [UNSUPPORTED_COPY_ROUTE]"]
    return [
        "    if AWS refuses it in one job: no intermediate vault passes both hops' checks "
        f"(checks of {FALL_BACK} below)"
    ]
