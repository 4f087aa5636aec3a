"""Abandoning an unfinished drill: its unfinished flows and its end journaled as abandoned, then
what it created deleted and its evidence written again with that verdict."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from drconsole.drills.cleanup import clean_up
from drconsole.drills.finish import journaled_run, publish, report_dir_for
from drconsole.drills.journal import DrillJournal, DrillState
from drconsole.drills.report import ABANDONED, build_report
from drconsole.drills.resume import runbook_to_resume
from drconsole.drills.runner import interrupted_seconds
from drconsole.drills.validate import now_iso
from drconsole.errors import DrConsoleError, UsageError
from drconsole.flows.journal import FlowLock, Journal


def abandon(sessions: Any, state_dir: Path, state: DrillState) -> tuple[list[dict[str, Any]], str]:
    """End the unfinished drill as abandoned and delete what it created; the outcome of each
    delete, and what became of its report. Call with the drill's lock held."""
    journal = DrillJournal(state_dir)
    run_id = state.run_id
    runbook_name = str(state.start.get("runbook", ""))
    directory = Path(
        str((state.reported or {}).get("report_dir") or "")
        or report_dir_for(state_dir, runbook_name, run_id)
    )
    flows = Journal(state_dir)
    with _unfinished_flows_locked(flows, state) as unfinished:
        # Its flows are ended too: `jobs --resume` would otherwise carry one on without its copy.
        for flow_id in unfinished:
            flows.abandon(flow_id, f"drill {run_id} was abandoned")
        # The end before the deletes: should one fail or the process die, the drill stays ended
        # (resume refuses it) and `drill cleanup` retries the deletes as for any finished drill.
        journal.append(
            run_id, "drill-end", finished=now_iso(), report_dir=str(directory), **{ABANDONED: True}
        )
    results = clean_up(sessions, state_dir, journaled_run(journal, run_id))
    return results, _write_report(sessions, state_dir, run_id, directory)


@contextmanager
def _unfinished_flows_locked(flows: Journal, state: DrillState) -> Iterator[list[str]]:
    """The drill's unfinished flows, each locked; UsageError, with nothing changed, when another
    process drives one (`drconsole jobs --resume`)."""
    ours = {record.flow_id for record in state.targets.values() if record.flow_id}
    unfinished = [f.flow_id for f in flows.unfinished() if f.flow_id in ours]
    with ExitStack() as locks:
        for flow_id in unfinished:
            lock = FlowLock(flows.state_dir, flow_id)
            if not lock.acquire():
                raise UsageError(
                    f"drill {state.run_id}: its flow {flow_id} is being run by another drconsole "
                    "process; nothing was abandoned"
                )
            locks.callback(lock.release)
        yield unfinished


def _write_report(sessions: Any, state_dir: Path, run_id: str, directory: Path) -> str:
    """report.json and report.html written again, abandoned; or why they could not be."""
    try:
        runbook, state = runbook_to_resume(state_dir, run_id)
    except (DrConsoleError, OSError, ValueError) as exc:
        # The journal still says abandoned (history, readiness), only the files are stale.
        return f"report not written again: {exc}"
    report = build_report(sessions, state_dir, runbook, state, interrupted_seconds(state))
    publish(DrillJournal(state_dir), state_dir, runbook.name, report, directory, None)
    return f"report in {directory}"
