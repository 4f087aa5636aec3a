"""The stable `drconsole readiness --json` document (schema in the README)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from drconsole.checks.runner import check_to_json
from drconsole.models import Check, CheckStatus
from drconsole.readiness.model import (
    CopyCheckRun,
    CopyRule,
    ReadinessReport,
    ReadinessRow,
    ResourceReadiness,
    RestoreCheckRun,
    Verdict,
)

SCHEMA = "drconsole.readiness/1"


def when(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def seconds(span: timedelta | None) -> int | None:
    """Whole seconds, or None."""
    return None if span is None else int(span.total_seconds())


def report_to_json(report: ReadinessReport) -> dict[str, Any]:
    """The whole report."""
    counts = report.counts()
    return {
        "schema": SCHEMA,
        "generated_at": when(report.generated_at),
        "scope": {
            "regions": list(report.scope.regions),
            "accounts": list(report.scope.accounts) if report.scope.accounts else None,
            "backup_account": report.scope.backup_account_id,
        },
        "calls": report.calls,
        "seconds": report.seconds,
        "ready": report.ready,
        "summary": {verdict.value: counts[verdict] for verdict in Verdict},
        "rows": [row_to_json(row) for row in report.rows],
        "unmatched_objectives": list(report.unmatched_objectives),
        "unprotected_accounts": [
            {
                "account_id": account.id,
                "account_name": account.name,
                "ou_path": account.ou_path,
                "named": account in report.named_unprotected,
            }
            for account in report.unprotected
        ],
        # what the organization's answers left out (no id): why `ready` is false with no row
        # to blame
        "skipped": [
            {
                "account_id": error.account_id,
                "region": error.region,
                "operation": error.operation,
                "cause": str(error.cause),
                "message": error.message,
            }
            for error in report.skipped
        ],
    }


def row_to_json(row: ReadinessRow) -> dict[str, Any]:
    """One row, with every check it was decided from."""
    now = row.evaluated_at
    return {
        "account_id": row.account_id,
        "account_name": row.account_name,
        "ou_path": row.ou_path,
        "region": row.region,
        "verdict": row.verdict.value,
        "causes": [cause.value for cause in row.causes],
        "explanation": list(row.explanation),
        "evaluated_at": when(now),
        "rpo_objective_seconds": seconds(row.rpo_objective),
        "protection": {
            "resources": row.protected,
            "over_objective": row.over_objective,
            "with_copy": row.with_copy,
            # null while a copy not found may be in a backup-account Region that was unreadable
            "without_copy": None if row.copy_unknown else len(row.without_copy),
            "copy_unknown": len(row.copy_unknown),
            "copy_over_objective": len(row.stale_copies),
            "drilled": row.drilled,
        },
        "resources": [resource_to_json(r, now) for r in row.resources],
        "copy_back": [copy_run_to_json(run) for run in row.copy_back],
        "dr_copy": [copy_run_to_json(run) for run in row.dr_copy],
        "restore": [restore_run_to_json(run) for run in row.restore],
        "unreadable": list(row.unreadable),
    }


def resource_to_json(resource: ResourceReadiness, now: datetime) -> dict[str, Any]:
    """One protected resource: current RPO, DR copy and drill."""
    copy = resource.dr_copy
    drill = resource.drill
    return {
        "resource_arn": resource.resource_arn,
        "resource_type": resource.resource_type,
        "resource_name": resource.resource_name,
        "last_backup": when(resource.last_backup),
        "backup_age_seconds": seconds(resource.backup_age(now)),
        "over_objective": resource.over_objective,
        "rpo_objective_seconds": seconds(resource.rpo_objective),
        "rpo_objective_runbook": resource.rpo_objective_runbook,
        "last_recovery_point": resource.last_recovery_point_arn,
        "last_vault": resource.last_vault_arn,
        # false: no copy found, but the backup account could not be read everywhere
        "dr_copy_known": resource.dr_copy_known,
        "dr_copy": None
        if copy is None
        else {
            "recovery_point": copy.recovery_point_arn,
            "vault": copy.vault_arn,
            "region": copy.region,
            "data_time": when(copy.data_time),
            "data_age_seconds": seconds(resource.copy_age(now)),
            "over_objective": resource.copy_over_objective,
        },
        "drill": None
        if drill is None
        else {
            "run_id": drill.run_id,
            "runbook": drill.runbook,
            "finished": when(drill.finished),
            "age_seconds": seconds(now - drill.finished),
        },
    }


def copy_run_to_json(run: CopyCheckRun) -> dict[str, Any]:
    """One copy check run (copy-back or DR copy)."""
    return {
        "direction": run.direction,
        "resource_type": run.resource_type,
        "recovery_point": run.recovery_point_arn,
        "source_vault": run.source_vault_arn,
        "destination_vault": run.destination_vault_arn,
        "hops": run.hops,
        "intermediate": run.intermediate,
        "copy_rule": None if run.copy_rule is None else copy_rule_to_json(run.copy_rule),
        "status": run.worst.value,
        **checks_to_json(run.checks),
    }


def copy_rule_to_json(rule: CopyRule) -> dict[str, Any]:
    """The backup plan rule whose copy action a DR copy run judges."""
    return {
        "plan_id": rule.plan_id,
        "plan_name": rule.plan_name,
        "rule_id": rule.rule_id,
        "rule_name": rule.rule_name,
        "destinations": list(rule.destinations),
    }


def restore_run_to_json(run: RestoreCheckRun) -> dict[str, Any]:
    """One restore check run."""
    return {
        "destination_vault": run.destination_vault_arn,
        "in_place": run.in_place,
        "status": run.worst.value,
        **checks_to_json(run.checks),
    }


def checks_to_json(checks: tuple[Check, ...]) -> dict[str, Any]:
    """The checks that did not pass in full, the ids of those that passed: a large
    organization's thousands of runs stay a readable size (the full evidence of a passing
    check is one `drconsole check copy --json` away)."""
    return {
        "checks": [check_to_json(c) for c in checks if c.status is not CheckStatus.PASS],
        "passed": [c.id for c in checks if c.status is CheckStatus.PASS],
    }
