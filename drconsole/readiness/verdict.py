"""The verdict rules: from a row's resources and checks to one verdict and its causes (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from drconsole.models import CauseCode, Check, CheckStatus
from drconsole.readiness.model import (
    CopyCheckRun,
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
    UNKNOWN, never READY. Else no DR copy, the RPO objective exceeded or a WARN: AT RISK.
    Else READY.
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
        names = ", ".join(r.resource_name or r.resource_arn for r in stale[:3])
        more = f" and {len(stale) - 3} more" if len(stale) > 3 else ""
        lines.setdefault(
            CauseCode.RPO_EXCEEDED,
            f"{len(stale)} resource(s) with a newest backup older than the RPO objective: "
            f"{names}{more}",
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
