"""Drill coverage for readiness: the newest passing drill that restored each resource."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from drconsole.drills.journal import DrillJournal, parse_time
from drconsole.drills.report import is_abandoned, is_report_of, read_report
from drconsole.readiness.model import DrillCoverage


def drill_coverage(state_dir: Path) -> dict[str, DrillCoverage]:
    """Resource ARN -> the newest finished drill whose target restoring it passed, in a
    drill that missed no required manual step (a step fails the whole drill, every target).

    Read from the drill journal under the state dir and each run's report.json; a run whose
    report cannot be read, or whose `finished` is not a time with its zone, counts as no
    evidence (never as a pass).
    """
    newest: dict[str, DrillCoverage] = {}
    for state in DrillJournal(state_dir).runs():
        if state.end is None or is_abandoned(state):
            continue  # unfinished or abandoned: no target of it was let finish as a drill
        path = Path(str(state.end.get("report_dir", ""))) / "report.json"
        try:
            report = read_report(path)
            finished = zoned_time(report["finished"])
            targets = list(report["targets"])
        except (OSError, ValueError, KeyError, TypeError, RecursionError, OverflowError):
            continue
        book = report.get("runbook")
        runbook = str(book.get("name", "")) if isinstance(book, dict) else ""
        if not is_report_of(report, state.run_id, state.start.get("runbook")):
            continue  # another run's report in this run's place: no evidence of this run
        if report.get("required_manual_steps_not_performed", []) != []:
            # A required manual step (the team's application check, often) failed the whole
            # drill: no target of it passed as a drill, whatever its own verdict says.
            continue
        for target in targets:
            if not isinstance(target, dict) or target.get("verdict") != "passed":
                continue
            point = target.get("recovery_point")
            resource = point.get("resource_arn") if isinstance(point, dict) else None
            if not resource or not isinstance(resource, str):
                continue
            known = newest.get(resource)
            if known is None or finished > known.finished:
                newest[resource] = DrillCoverage(state.run_id, runbook, finished)
    return newest


def zoned_time(value: Any) -> datetime:
    """A report's time in UTC; ValueError when it is no ISO time or has no zone (a report
    edited by hand or written by another tool: its age cannot be measured against now),
    OverflowError when UTC cannot hold it (year 1 at +14:00)."""
    moment = parse_time(value) if isinstance(value, str) else None
    if moment is None or moment.utcoffset() is None:
        raise ValueError(f"not a time with its zone: {str(value)[:40]!r}")
    return moment.astimezone(UTC)
