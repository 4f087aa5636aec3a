"""The jobs a drill's flows started and never saw end: AWS Backup cannot cancel a copy or a
restore job, so clean-up waits for them (bounded), journals what each made — a copy's
destination recovery point, a restore's created resource — in its flow's journal, and the
deletes then find it like anything else the drill created.

A job still running when the wait ends (its bound passed, or the operator stopped it) stays
journaled as started and not ended: the next `drill cleanup RUN_ID` waits for it again.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drconsole.aws.jobs import JobRef, JobsApi
from drconsole.aws.watcher import MAX_CONSECUTIVE_ERRORS, JobUpdate, JobWatcher
from drconsole.drills.journal import DrillState
from drconsole.flows.journal import FlowState, StepState
from drconsole.models import CopyJob, RestoreJob

DEFAULT_WAIT = 3600.0  # `drill cleanup --wait`: how long clean-up waits for jobs still running
MIN_POLL, MAX_POLL = 1.0, 30.0
# How long past --wait a job never answered yet may still be asked about once.
FIRST_POLL_GRACE = 30.0


@dataclass(frozen=True, slots=True)
class UnendedJob:
    """A job a drill's flow started whose end its journal never saw."""

    target: str
    flow_id: str
    step: str  # hop1, hop2 or restore
    ref: JobRef

    @property
    def makes(self) -> str:
        """What the job leaves behind when it completes."""
        return "the recovery point it copies" if self.ref.kind == "copy" else "what it restores"

    def describe(self) -> str:
        """`restore job J (account A, Region R) of target T`."""
        return (
            f"{self.ref.kind} job {self.ref.job_id} (account {self.ref.account_id}, Region "
            f"{self.ref.region}) of target {self.target}"
        )

    def as_dict(self) -> dict[str, str]:
        """For `--json`."""
        return {
            "target": self.target,
            "flow": self.flow_id,
            "step": self.step,
            "kind": self.ref.kind,
            "job_id": self.ref.job_id,
            "account": self.ref.account_id,
            "region": self.ref.region,
        }


def unended_jobs(state_dir: Path, state: DrillState) -> list[UnendedJob]:
    """The drill's jobs that were started (their id journaled) and not seen ended."""
    from drconsole.drills.resume import journaled_flows

    return unended_in(state, journaled_flows(state_dir, state))


def drill_steps(
    state: DrillState, flows: Mapping[str, FlowState]
) -> Iterator[tuple[str, FlowState, str, StepState]]:
    """Every step (its target, flow and name) of the drill's targets' journaled flows."""
    for name, record in state.targets.items():
        flow = flows.get(record.flow_id or "")
        if flow is not None:
            for step_name in [*flow.hop_names, "restore"]:
                yield name, flow, step_name, flow.step(step_name)


def unended_in(state: DrillState, flows: Mapping[str, FlowState]) -> list[UnendedJob]:
    """Those of `flows` (by flow id, as journaled)."""
    found: list[UnendedJob] = []
    for name, flow, step_name, step in drill_steps(state, flows):
        if step.job_id is None or step.finished:
            continue
        # journaled with its start: where the Start call was sent, where the job lives
        kind = "restore" if step_name == "restore" else "copy"
        ref = JobRef(kind, step.account_id, step.region, step.job_id)
        found.append(UnendedJob(name, flow.flow_id, step_name, ref))
    return found


def wait_for(
    sessions: Any,
    state_dir: Path,
    jobs: list[UnendedJob],
    wait_seconds: float,
    say: Callable[[str], None],
    stop: threading.Event | None = None,
) -> list[UnendedJob]:
    """Poll `jobs` (one Describe call per job per poll, in its own account and Region) until
    each ends, `wait_seconds` pass or `stop` is set; journal each end with what it made. The
    jobs still running then."""
    from drconsole.flows.journal import Journal

    flows = Journal(state_dir)
    pending = {job.ref.key: job for job in jobs}  # not seen ended
    watching = set(pending)  # and still polled (a job that cannot be read is given up)
    polled: set[str] = set()
    errors: dict[str, int] = {}
    updates: queue.Queue[JobUpdate] = queue.Queue()
    watcher = JobWatcher(JobsApi(sessions), min_interval=MIN_POLL, max_interval=MAX_POLL)
    deadline = time.monotonic() + max(0.0, wait_seconds)
    try:
        for job in jobs:
            watcher.watch(job.ref, updates.put)
        while watching:
            if stop is not None and stop.is_set():
                break
            # every job is asked about at least once, even with no time to wait; but never
            # waited for beyond the first poll's grace, whatever stops the answers coming
            now = time.monotonic()
            if now >= deadline and (polled >= watching or now >= deadline + FIRST_POLL_GRACE):
                break
            try:
                update = updates.get(timeout=0.2)
            except queue.Empty:
                continue
            key = update.ref.key
            if key not in watching:
                continue
            polled.add(key)
            if update.error and update.from_memory:
                continue  # a role refusal remembered: asked again once its time is over
            if update.error:
                errors[key] = errors.get(key, 0) + 1
                if errors[key] >= MAX_CONSECUTIVE_ERRORS:
                    watcher.unwatch(update.ref)
                    watching.discard(key)
                    say(f"{pending[key].describe()} cannot be read: {update.error}")
                continue
            errors[key] = 0
            if update.finished and update.job is not None:
                watching.discard(key)
                say(_ended(pending.pop(key), update.job, flows))
    finally:
        watcher.stop()
    return list(pending.values())


def _ended(job: UnendedJob, seen: CopyJob | RestoreJob, flows: Any) -> str:
    """Journal the job's end and what it made; the line that says so."""
    made = (
        seen.destination_recovery_point_arn
        if isinstance(seen, CopyJob)
        else seen.created_resource_arn
    )
    flows.append(
        job.flow_id,
        "finished",
        step=job.step,
        state=seen.state,
        status_message=seen.status_message,
        result_arn=made,
    )
    why = f": {seen.status_message}" if seen.status_message else ""
    if seen.state == "COMPLETED" and made:
        return f"{job.describe()} ended COMPLETED: {made} is deleted with the rest"
    if isinstance(seen, RestoreJob) and made:
        # A failed restore may have made its resource; AWS names it (see cleanup.created_by).
        return f"{job.describe()} ended {seen.state}{why}: {made}, which it made, is deleted"
    return f"{job.describe()} ended {seen.state}{why}: nothing of it to delete"
