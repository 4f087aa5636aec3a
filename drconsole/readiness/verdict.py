"""The verdict rules: from a row's resources and checks to one verdict and its causes (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from drconsole.models import CauseCode, Check, CheckStatus
from drconsole.readiness.model import (
    CopyCheckRun,
    DrCopy,
    ResourceReadiness,
    RestoreCheckRun,
    Verdict,
    handled_by_drconsole,
)


def decide(
    resources: Sequence[ResourceReadiness],
    runs: Sequence[CopyCheckRun | RestoreCheckRun],
    unreadable: Sequence[tuple[str, CauseCode]] = (),
    copies_known: bool = True,
) -> tuple[Verdict, tuple[CauseCode, ...], tuple[str, ...]]:
    """(verdict, the causes that decided it, one line per cause).

    Any FAIL: NOT READY. Else anything unreadable (a check UNKNOWN, a listing refused):
    UNKNOWN, never READY. Else no DR copy, the RPO objective exceeded (by a newest backup or
    a newest DR copy) or a WARN: AT RISK. Else READY.
    """
    levels: dict[Verdict, Counter[CauseCode]] = {v: Counter() for v in Verdict}
    lines: dict[CauseCode, str] = {}
    for run in runs:
        for check in run.checks:
            level = _level(check)
            if level is None:
                continue
            cause = check.cause or CauseCode.UNKNOWN
            levels[level][cause] += 1
            lines.setdefault(cause, f"{check.title}: {check.evidence}")
    for message, cause in unreadable:
        levels[Verdict.UNKNOWN][cause] += 1
        lines.setdefault(cause, message)
    uncopied = [r for r in resources if r.dr_copy is None and r.dr_copy_known]
    uncopied = uncopied if copies_known else []
    if uncopied:
        levels[Verdict.AT_RISK][CauseCode.NO_DR_COPY] += len(uncopied)
        names = ", ".join(r.resource_name or r.resource_arn for r in uncopied[:3])
        more = f" and {len(uncopied) - 3} more" if len(uncopied) > 3 else ""
        lines.setdefault(
            CauseCode.NO_DR_COPY,
            f"{len(uncopied)} resource(s) without a copy in the backup account: {names}{more}",
        )
    stale = [r for r in resources if r.over_objective]
    if stale:
        levels[Verdict.AT_RISK][CauseCode.RPO_EXCEEDED] += len(stale)
        lines.setdefault(
            CauseCode.RPO_EXCEEDED,
            f"{len(stale)} resource(s) with a newest backup older than the RPO objective: "
            f"{_some(stale)}",
        )
    old_copies = [r for r in resources if r.dr_copy is not None and r.copy_over_objective]
    if old_copies:
        levels[Verdict.AT_RISK][CauseCode.DR_COPY_STALE] += len(old_copies)
        lines.setdefault(
            CauseCode.DR_COPY_STALE,
            f"{len(old_copies)} resource(s) whose newest copy in the backup account is older "
            f"than the RPO objective: {_some(old_copies)}",
        )
    for verdict in (Verdict.NOT_READY, Verdict.UNKNOWN, Verdict.AT_RISK):
        counted = levels[verdict]
        if counted:
            causes = tuple(cause for cause, _ in counted.most_common())
            return verdict, causes, tuple(f"{cause}: {lines[cause]}" for cause in causes)
    return Verdict.READY, (), ()


def _level(check: Check) -> Verdict | None:
    if check.status is CheckStatus.FAIL:
        return Verdict.NOT_READY
    if check.status is CheckStatus.UNKNOWN:
        return Verdict.UNKNOWN
    if check.status is CheckStatus.WARN and not handled_by_drconsole(check):
        return Verdict.AT_RISK
    return None


def copy_over_objective(copy: DrCopy | None, now: datetime, objective: timedelta) -> bool:
    """True when a DR copy's data is older than the objective at `now`, or of no known date
    (an age that cannot be read is not within any objective). False without a copy."""
    if copy is None:
        return False
    return copy.data_time is None or now - copy.data_time > objective


def _some(resources: Sequence[ResourceReadiness]) -> str:
    """The first three resources by name, and how many more."""
    names = ", ".join(r.resource_name or r.resource_arn for r in resources[:3])
    return names + (f" and {len(resources) - 3} more" if len(resources) > 3 else "")
