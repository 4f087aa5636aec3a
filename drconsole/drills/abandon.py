"""`drill cleanup RUN_ID`, for the CLI and the Drills screen alike: an unfinished drill is
abandoned (its unfinished flows and its end journaled as abandoned), the jobs its flows started
and never saw end are waited for (AWS cannot cancel them: what they make is journaled so that it
is deleted too) — a job whose Start call was sent but whose id was never journaled is looked up
first (`unjournaled_jobs`) — then what it created is deleted and its evidence written again with
that verdict."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drconsole.drills.cleanup import clean_up, created_by
from drconsole.drills.finish import destinations, journaled_run, publish
from drconsole.drills.journal import DrillJournal, DrillState
from drconsole.drills.parse import format_duration
from drconsole.drills.report import ABANDONED, build_report
from drconsole.drills.resume import journaled_flows, runbook_to_resume
from drconsole.drills.run_base import drill_lock
from drconsole.drills.runner import interrupted_seconds
from drconsole.drills.unended_jobs import DEFAULT_WAIT, UnendedJob, unended_jobs, wait_for
from drconsole.drills.unjournaled_jobs import UnresolvedStart, resolve_starts, unjournaled_starts
from drconsole.drills.validate import now_iso
from drconsole.errors import DrConsoleError, UsageError
from drconsole.flows.journal import FlowLock, Journal
from drconsole.redact import safe_line


def question(run_id: str) -> str:
    """What is asked before an unfinished drill is abandoned (terminal and console alike)."""
    return f"Abandon drill {run_id} and delete what it created?"


@dataclass(frozen=True)
class CleanupOutcome:
    """What one `drill cleanup` did."""

    run_id: str
    abandoned: bool  # this clean-up ended the unfinished drill
    results: list[dict[str, Any]]  # each delete's outcome
    report: str | None  # where the report was written again, or why not; None: not written
    running: list[UnendedJob]  # jobs still running in AWS: what they make is not deleted
    left: list[dict[str, str]]  # what the drill created and is still there
    # Start calls sent whose job clean-up could not pin down (several match, or the lookup
    # failed): what such a job makes is not deleted
    unresolved: list[UnresolvedStart] = field(default_factory=list)

    @property
    def done(self) -> bool:
        """Nothing the drill created is left, no job of it still runs, and every Start call it
        sent is known to have started its job or none."""
        return not self.left and not self.running and not self.unresolved


def clean_up_run(
    sessions: Any,
    state_dir: Path,
    run_id: str,
    *,
    confirm: Callable[[], bool],
    say: Callable[[str], None],
    wait_seconds: float = DEFAULT_WAIT,
    stop: threading.Event | None = None,
    done_one: Callable[[dict[str, Any]], None] | None = None,
) -> CleanupOutcome | None:
    """Delete what the drill created and left, whatever its clean-up policy; an unfinished
    drill is abandoned first, if `confirm()` (None when it says no: nothing done). Each delete's
    outcome is handed to `done_one` as it comes. Holds the drill's lock (DrillBusy while another
    process runs, resumes or cleans it up); refused in read-only mode before anything is
    journaled or asked of AWS."""
    if sessions.read_only:
        from drconsole.errors import ReadOnlyViolation

        raise ReadOnlyViolation(
            "read-only mode is on: drill cleanup deletes what a drill created, so it was refused "
            "before any AWS call"
        )
    journal = DrillJournal(state_dir)
    with drill_lock(state_dir, run_id):
        state = journal.run(run_id)
        if state is None:
            raise UsageError(f"no drill {run_id} in the drill journal")
        abandoning = state.end is None
        if abandoning:
            if not confirm():
                return None
            directory = _end_abandoned(state_dir, state)
        else:
            directory = Path(str((state.end or {}).get("report_dir") or ""))
        state = journaled_run(journal, run_id)
        # A finished drill may have left a flow unfinished (a target failed on it): its jobs'
        # ids and ends are journaled here, so no `jobs --resume` may drive that flow meanwhile.
        flows = Journal(state_dir)
        with _unfinished_flows_locked(flows, state, "nothing was deleted") as unfinished:
            # Start calls sent whose answer was never journaled: their jobs are looked up
            # first, so that one found is waited for with the others.
            starts = unjournaled_starts(state_dir, state)
            unresolved = resolve_starts(sessions, state_dir, run_id, starts, say)
            waited = unended_jobs(state_dir, state)
            running = _wait(sessions, state_dir, waited, wait_seconds, say, stop)
            # Such a flow is ended now: `jobs --resume` would otherwise send its journaled
            # Start call again, starting a job after this clean-up said none was started.
            for flow_id in unfinished:
                flows.abandon(flow_id, f"drill {run_id} was cleaned up")
        if running:
            say(_still_running(run_id, running, wait_seconds, stop))
        state = journaled_run(journal, run_id)
        results = clean_up(sessions, state_dir, state, done_one=done_one)
        state = journaled_run(journal, run_id)
        report = None
        # (again when a job it waited for ended: the report shows AWS's account of it)
        stale = (
            (state.reported or {}).get("verdict") != ABANDONED
            or len(running) < len(waited)
            or len(unresolved) < len(starts)
        )
        rewritten = abandoning or results or stale
        # A finished drill's report is written again too once its clean-up tried a delete:
        # the evidence says what the drill left and what was deleted after.
        if state.end is not None and ((state.end.get(ABANDONED) and rewritten) or results):
            report = _write_report(sessions, state_dir, run_id, directory)
    created = created_by(state, journaled_flows(state_dir, state))
    left = [item for item in created if item["arn"] not in state.settled()]
    return CleanupOutcome(run_id, abandoning, results, report, running, left, unresolved)


def _end_abandoned(state_dir: Path, state: DrillState) -> Path:
    """Journal the drill's unfinished flows failed and its end abandoned; its report folder."""
    run_id = state.run_id
    directory, _ = destinations(state_dir, state, None, None)
    flows = Journal(state_dir)
    with _unfinished_flows_locked(flows, state, "nothing was abandoned") as unfinished:
        # Its flows are ended too: `jobs --resume` would otherwise carry one on without its copy.
        for flow_id in unfinished:
            flows.abandon(flow_id, f"drill {run_id} was abandoned")
        # The end before the waits and the deletes: should one fail, or the process die or be
        # stopped, the drill stays ended (resume refuses it) and `drill cleanup` waits for its
        # jobs and retries the deletes as for any finished drill.
        DrillJournal(state_dir).append(
            run_id, "drill-end", finished=now_iso(), report_dir=str(directory), **{ABANDONED: True}
        )
    return directory


def _wait(
    sessions: Any,
    state_dir: Path,
    jobs: list[UnendedJob],
    wait_seconds: float,
    say: Callable[[str], None],
    stop: threading.Event | None,
) -> list[UnendedJob]:
    """Wait for the jobs the drill started and never saw end; those still running after."""
    if not jobs:
        return []
    for job in jobs:
        say(
            f"Waiting for {job.describe()}: AWS cannot cancel it; {job.makes} is deleted "
            "once it ends"
        )
    say(f"(waiting at most {format_duration(wait_seconds)})")
    return wait_for(sessions, state_dir, jobs, wait_seconds, say, stop)


def _still_running(
    run_id: str,
    running: list[UnendedJob],
    wait_seconds: float,
    stop: threading.Event | None,
) -> str:
    why = (
        "Stopped waiting"
        if stop is not None and stop.is_set()
        else f"Not seen ended within {format_duration(wait_seconds)}"
    )
    jobs = "; ".join(f"{job.describe()}: {job.makes} is not deleted" for job in running)
    ended = "it has ended" if len(running) == 1 else "they have ended"
    return f"{why}: {jobs}. Once {ended}, drconsole drill cleanup {run_id} deletes what is left."


@contextmanager
def _unfinished_flows_locked(
    flows: Journal, state: DrillState, refused: str
) -> Iterator[list[str]]:
    """The drill's unfinished flows, each locked; UsageError ending with `refused`, with
    nothing changed, when another process drives one (`drconsole jobs --resume`)."""
    ours = {record.flow_id for record in state.targets.values() if record.flow_id}
    unfinished = [f.flow_id for f in flows.unfinished() if f.flow_id in ours]
    with ExitStack() as locks:
        for flow_id in unfinished:
            lock = FlowLock(flows.state_dir, flow_id)
            if not lock.acquire():
                raise UsageError(
                    f"drill {state.run_id}: its flow {flow_id} is being run by another drconsole "
                    f"process; {refused}"
                )
            locks.callback(lock.release)
        yield unfinished


def _write_report(sessions: Any, state_dir: Path, run_id: str, directory: Path) -> str:
    """report.json, report.html and the run's JUnit file written again as the journal now
    says (abandoned, or what clean-up deleted); or why they could not be."""
    try:
        runbook, state = runbook_to_resume(state_dir, run_id)
    except (DrConsoleError, OSError, ValueError) as exc:
        # The journal still says abandoned (history, readiness), only the files are stale.
        return f"report not written again: {exc}"
    report = build_report(sessions, state_dir, runbook, state, interrupted_seconds(state))
    _, junit = destinations(state_dir, state, None, None)
    try:
        publish(DrillJournal(state_dir), state_dir, runbook.name, report, directory, junit)
    except OSError as exc:  # the folder cannot be written (a file in its place, no room)
        return f"report not written again: {safe_line(str(exc))}"
    return f"report in {directory}"
