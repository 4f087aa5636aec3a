"""The end of a drill: clean-up by its policy, the verdict, the evidence files, and history."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from drconsole.drills import report as rp
from drconsole.drills.cleanup import clean_up, left_by
from drconsole.drills.journal import DrillJournal, DrillState
from drconsole.drills.report import EVIDENCE_MODE
from drconsole.drills.report_html import render
from drconsole.drills.runbook import Runbook
from drconsole.drills.runner import interrupted_seconds
from drconsole.drills.validate import now_iso
from drconsole.output_files import replace_file


def report_dir_for(state_dir: Path, runbook: str, run_id: str) -> Path:
    """The default: `<state_dir>/drills/<runbook>/<run id>/`."""
    return Path(state_dir) / "drills" / runbook / run_id


def run_report_dir(root: Path, runbook: str, run_id: str) -> Path:
    """A run's own folder under `--report-dir ROOT`: `ROOT/<runbook>/<run id>/`. Each run keeps
    its own place, so a second drill into the same folder (two runbooks in one CI job, a weekly
    job with a fixed folder) never replaces an earlier run's evidence."""
    return Path(os.path.abspath(root)) / runbook / run_id


def destinations(
    state_dir: Path, state: DrillState, report_root: Path | None, junit: Path | None
) -> tuple[Path, Path | None]:
    """Where the run's report folder and JUnit file are: as given now, else where the run's
    last report went, else as the run was started with (journaled at its start, so that `drill
    resume RUN_ID` as printed writes where the run began writing, a killed run's too), else the
    state dir's folder."""
    runbook = str(state.start.get("runbook", ""))
    reported = state.reported or {}
    if junit is None:
        junit = _journaled_path(reported, "junit") or _journaled_path(state.start, "junit")
    if report_root is not None:
        return run_report_dir(report_root, runbook, state.run_id), junit
    if directory := _journaled_path(reported, "report_dir"):
        return directory, junit
    if root := _journaled_path(state.start, "report_root"):
        return run_report_dir(root, runbook, state.run_id), junit
    return report_dir_for(state_dir, runbook, state.run_id), junit


def _journaled_path(record: dict[str, Any], key: str) -> Path | None:
    value = record.get(key)
    return Path(value) if isinstance(value, str) and value else None


def finish(
    sessions: Any,
    state_dir: Path,
    runbook: Runbook,
    run_id: str,
    report_root: Path | None,
    junit: Path | None,
) -> dict[str, Any]:
    """Clean up as the runbook says, write the evidence, journal the end; return the report.
    `report_root` and `junit` as given (None: as the run was started with)."""
    journal = DrillJournal(state_dir)
    state = journaled_run(journal, run_id)
    report = rp.build_report(sessions, state_dir, runbook, state, interrupted_seconds(state))
    directory, junit = destinations(state_dir, state, report_root, junit)
    if not state.interrupted_targets():
        # (an interrupted drill is not finished: nothing is cleaned up — a resumed flow still
        # needs its copy — and no end is journaled, so `drill resume` carries it on; the
        # report says how it stands)
        policy = runbook.cleanup
        if policy == "always" or (policy == "on-success" and report["verdict"] == "passed"):
            clean_up(sessions, state_dir, state)
            state = journaled_run(journal, run_id)
        if state.end is None:
            journal.append(run_id, "drill-end", finished=now_iso(), report_dir=str(directory))
        state = journaled_run(journal, run_id)
        report = rp.build_report(sessions, state_dir, runbook, state, interrupted_seconds(state))
    publish(journal, state_dir, runbook.name, report, directory, junit)
    return report


def publish(
    journal: DrillJournal,
    state_dir: Path,
    runbook_name: str,
    report: dict[str, Any],
    directory: Path,
    junit: Path | None,
) -> None:
    """Journal the report's verdict and write its evidence in `directory`."""
    report["report_dir"] = str(directory)
    journal.append(
        report["run_id"],
        "drill-verdict",
        verdict=report["verdict"],
        report_dir=str(directory),
        junit=str(junit) if junit is not None else None,
    )
    write_evidence(report, directory, history(state_dir, runbook_name), junit)


def write_evidence(
    report: dict[str, Any], directory: Path, past: list[dict[str, Any]], junit: Path | None
) -> None:
    """report.json, report.html (with the trend of `past` runs) and the JUnit XML if asked."""
    rp.write_json(report, directory)
    trend = [h for h in past if h["run_id"] != report["run_id"]] + [summary(report, directory)]
    replace_file(directory / "report.html", render(report, trend).encode("utf-8"), EVIDENCE_MODE)
    if junit is not None:
        junit.parent.mkdir(parents=True, exist_ok=True)
        replace_file(junit, rp.junit_xml(report).encode("utf-8"), EVIDENCE_MODE)


def journaled_run(journal: DrillJournal, run_id: str) -> DrillState:
    """The drill as journaled (it exists: its start was journaled before)."""
    state = journal.run(run_id)
    assert state is not None
    return state


class UnreadableReport(ValueError):
    """A report.json that is not the report a drill wrote (edited, truncated, another file)."""


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    # A huge integer is no duration either (and float() of one beyond 1e308 fails).
    return value if value == value and abs(value) < 1e12 else None


def summary(report: dict[str, Any], directory: Path) -> dict[str, Any]:
    """One line of history: the slowest RTO and the oldest data of the run.

    UnreadableReport when `report` is not shaped as a drill's report: a damaged file is one
    line of history that says so, never the end of `drill history` or of the next run.
    """
    runbook = report.get("runbook") if isinstance(report, dict) else None
    targets = report.get("targets") if isinstance(report, dict) else None
    if not isinstance(runbook, dict) or not isinstance(targets, list):
        raise UnreadableReport("not a drill report")
    if not all(isinstance(target, dict) for target in targets):
        raise UnreadableReport("a target is not an object")
    if not isinstance(report.get("run_id"), str) or not isinstance(report.get("verdict"), str):
        raise UnreadableReport("no run id or verdict")
    rtos = [s for s in (_seconds(t.get("rto_seconds")) for t in targets) if s is not None]
    rpos = [s for s in (_seconds(t.get("rpo_seconds")) for t in targets) if s is not None]
    return {
        "run_id": report["run_id"],
        "runbook": str(runbook.get("name", "")),
        "started": _text_or_none(report.get("started")),
        "finished": _text_or_none(report.get("finished")),
        "verdict": report["verdict"],
        # The run's RTO is its slowest target's once every target was recovered: a run that
        # left one unfinished (failed, abandoned, interrupted) has none, or its fast targets
        # would stand in the RTO trend for the whole drill.
        "rto_seconds": max(rtos) if rtos and len(rtos) == len(targets) else None,
        "rpo_seconds": max(rpos) if rpos else None,
        "targets": len(targets),
        "interrupted": report.get("interrupted") is True,
        "report": str(directory / "report.json"),
    }


def _target_count(targets: Any) -> int:
    """How many targets a start record names (a damaged one that holds no list: none)."""
    return len(targets) if isinstance(targets, list) else 0


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def history(state_dir: Path, runbook: str | None = None) -> list[dict[str, Any]]:
    """Past runs, oldest first, from the journal and their report.json; unfinished runs say so.
    Each says how much of what it created is `left` (`drill cleanup RUN_ID` deletes it)."""
    from drconsole.flows.journal import Journal

    out: list[dict[str, Any]] = []
    # (one read of the flow journal for every run: `Journal.flow` folds it whole each time)
    flows = {flow.flow_id: flow for flow in Journal(state_dir).flows()}
    for state in DrillJournal(state_dir).runs():
        name = str(state.start.get("runbook", ""))
        if runbook is not None and name != runbook:
            continue
        if state.end is None:
            out.append(
                {
                    "run_id": state.run_id,
                    "runbook": name,
                    "started": state.start.get("started"),
                    "finished": None,
                    "verdict": "unfinished",
                    "rto_seconds": None,
                    "rpo_seconds": None,
                    "targets": _target_count(state.start.get("targets")),
                    "interrupted": bool(state.resumes),
                    # Stopped by Ctrl+C, SIGTERM, SIGHUP or the console's quit (else None).
                    "stopped": state.stopped.get("by") if state.stopped else None,
                    # An AWS error interrupted it: the report of how it stood then.
                    "report": _report_of(state.reported),
                    "left": left_by(state, flows),
                }
            )
            continue
        path = Path(str(state.end.get("report_dir", ""))) / "report.json"
        try:
            report = rp.read_report(path)
            found = summary(report, path.parent)
            if not rp.is_report_of(report, state.run_id, name):
                raise UnreadableReport("the report of another run")
            out.append(found)
        except (OSError, ValueError, RecursionError):
            # Gone or damaged: the run is still listed, as one whose report cannot be read.
            out.append(
                {
                    "run_id": state.run_id,
                    "runbook": name,
                    "started": state.start.get("started"),
                    "finished": state.end.get("finished"),
                    "verdict": "unreadable",
                    "rto_seconds": None,
                    "rpo_seconds": None,
                    "targets": _target_count(state.start.get("targets")),
                    "interrupted": bool(state.resumes),
                    "report": str(path),
                }
            )
        if rp.is_abandoned(state):
            # The journal decides: a report that could not be written again (its runbook
            # changed) still says interrupted, or is not there at all (a killed drill's).
            out[-1].update(verdict=rp.ABANDONED, finished=state.end.get("finished"))
        out[-1]["left"] = left_by(state, flows)
    return out


def _report_of(reported: dict[str, Any] | None) -> str | None:
    """The report.json an unfinished drill wrote when it was interrupted (None if none)."""
    if reported is None or not reported.get("report_dir"):
        return None
    return str(Path(str(reported["report_dir"])) / "report.json")
