"""A drill's restore checks judged before its copy: a prerequisite the copy cannot change that
FAILs blocks the target, and the failing checks are said in the order `drill plan` says them."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from drconsole.checks.runner import CheckReport
from drconsole.drills.before_copy import restore_blocked_before_copy
from drconsole.drills.planner import TargetPlan
from drconsole.models import CauseCode, Check, CheckStatus

RP = "arn:aws:backup:eu-central-1:111111111111:recovery-point:rp-1"
VAULT = "arn:aws:backup:eu-central-1:222222222222:backup-vault:restore-here"
PASS, FAIL, UNKNOWN = CheckStatus.PASS, CheckStatus.FAIL, CheckStatus.UNKNOWN


def check(check_id: str, status: CheckStatus, cause: CauseCode | None = None) -> Check:
    return Check(check_id, check_id, status, f"{check_id} evidence", cause)


def report(kind: str, *checks: Check) -> CheckReport:
    return CheckReport(kind, RP, VAULT, checks, None, {})  # type: ignore[arg-type]


def prepared(restore_checks: tuple[Check, ...], hops: int = 1) -> Any:
    """A flow's plan (`Prepared`) that copies (`hops`) then restores."""
    reports = (("hop1", report("copy", check("copy.role", PASS))),) if hops else ()
    return SimpleNamespace(
        plan=SimpleNamespace(route=SimpleNamespace(hops=(object(),) * hops)),
        reports=(*reports, ("restore", report("restore", *restore_checks))),
    )


def plan_first_failure(flow: Any) -> tuple[str, str]:
    """What `drill plan` names as stopping a target with the same checks."""
    return TargetPlan(None, reports=flow.reports).first_failure()  # type: ignore[arg-type]


def test_metadata_and_a_taken_name_failing_are_said_in_the_plans_order() -> None:
    flow = prepared(
        (
            check("restore.account", PASS),
            check("restore.role", PASS),
            check("restore.metadata", FAIL, CauseCode.UNKNOWN),
            check("restore.target-name", FAIL, CauseCode.RESOURCE_ALREADY_EXISTS),
            check("restore.network", PASS),
        )
    )
    blocked = restore_blocked_before_copy(flow)
    assert [c.id for c in blocked] == ["restore.metadata", "restore.target-name"]
    first = blocked[0]
    cause = first.cause.value if first.cause else "UNKNOWN"
    # the drill's block message (runner._block) is the plan's first failure
    message = f"restore check {first.id} {first.status.value}: {first.evidence}"
    assert (cause, message) == plan_first_failure(flow)


def test_an_unknown_before_a_failing_name_comes_first_as_in_the_plan() -> None:
    flow = prepared(
        (
            check("restore.role", UNKNOWN, CauseCode.THROTTLED),
            check("restore.target-name", FAIL, CauseCode.RESOURCE_ALREADY_EXISTS),
        )
    )
    blocked = restore_blocked_before_copy(flow)
    assert [c.id for c in blocked] == ["restore.role", "restore.target-name"]
    assert plan_first_failure(flow)[1].startswith("restore check restore.role UNKNOWN")


def test_only_what_the_copy_can_change_failing_does_not_block() -> None:
    for restore_checks in (
        (check("restore.metadata", FAIL, CauseCode.UNKNOWN),),
        (check("restore.role", UNKNOWN, CauseCode.THROTTLED),),
        (check("restore.target-name", PASS), check("restore.key", PASS)),
    ):
        assert restore_blocked_before_copy(prepared(restore_checks)) == []


def test_a_restore_in_place_is_not_judged_here() -> None:
    taken = (check("restore.target-name", FAIL, CauseCode.RESOURCE_ALREADY_EXISTS),)
    assert restore_blocked_before_copy(prepared(taken, hops=0)) == []
