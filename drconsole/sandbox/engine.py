"""The job engine: backup, copy and restore jobs advancing over scaled time.

A job's timeline (real seconds) is fixed when it starts, from sandbox durations divided by the
time scale. Its state is computed from the clock whenever it is read, and every request to the
sandbox first settles the jobs that are due, so completion side effects (the destination
recovery point, the restored resource) happen once, under the store lock, whoever looks first.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import store

if TYPE_CHECKING:
    from .server import SandboxOptions

GIB = 2**30

# Sandbox-time durations (seconds) of each phase, before the time scale applies.
COPY_QUEUED = 20.0
COPY_BASE = 60.0
RESTORE_QUEUED = 30.0
RESTORE_BASE = 120.0
BACKUP_QUEUED = 10.0
BACKUP_BASE = 60.0
PER_GIB = 1.0
LONGEST = 1800.0

_options: SandboxOptions | None = None
_injected: dict[str, deque[str]] = {}
# resource ARN -> messages of restores that create their resource, then fail
_after_create: dict[str, deque[str]] = {}
# StatusMessages AWS gives with a restore it ends COMPLETED (S3: some or no objects restored)
_completion_messages: dict[str, deque[str]] = {}
# resource ARN -> (state, StatusMessage) its next copy or restore job ends in, other than
# COMPLETED or FAILED: a PARTIAL copy (a composite whose nested copies did not all finish) or an
# ABORTED restore
_endings: dict[str, deque[tuple[str, str | None]]] = {}
# The endings AWS gives each kind of job besides COMPLETED and FAILED (CopyJobState;
# RestoreJobStatus in the AWS Backup API reference).
INJECTABLE_ENDINGS = {"copy": frozenset({"PARTIAL"}), "restore": frozenset({"ABORTED"})}
_due: list[tuple[float, int, Job]] = []
_order = itertools.count()
# Kinds of job ("restore", ...) kept RUNNING past their end until released: a test that must
# act while a job runs does not race the clock, however slow the machine.
_held: set[str] = set()

JOB_ID_MEMBER = {"backup": "BackupJobId", "copy": "CopyJobId", "restore": "RestoreJobId"}
FINISHED = frozenset({"COMPLETED", "FAILED", "ABORTED", "PARTIAL", "EXPIRED"})


def configure(options: SandboxOptions) -> None:
    """Use these (live) options for time scale and the database copy route."""
    global _options
    _options = options


def options() -> SandboxOptions:
    """The options in force (defaults before a sandbox starts)."""
    global _options
    if _options is None:
        from .server import SandboxOptions

        _options = SandboxOptions()
    return _options


def time_scale() -> float:
    """Sandbox seconds per real second (at least a tiny positive number)."""
    return max(float(options().time_scale), 1e-6)


def reset() -> None:
    """Forget every scheduled job and injected failure."""
    with store.LOCK:
        _injected.clear()
        _after_create.clear()
        _completion_messages.clear()
        _endings.clear()
        _due.clear()
        _held.clear()


def has_state() -> bool:
    """Whether any job is scheduled or any failure, ending or hold is waiting."""
    with store.LOCK:
        return bool(_due or _injected or _after_create or _completion_messages or _endings or _held)


def hold(kind: str) -> None:
    """Keep every job of `kind` running past its end until `release()`."""
    with store.LOCK:
        _held.add(kind)


def release() -> None:
    """Let held jobs end: each one due settles at the next request."""
    with store.LOCK:
        _held.clear()


def inject_failure(resource_arn: str, message: str) -> None:
    """The next copy or restore job of the resource fails with `message`."""
    with store.LOCK:
        _injected.setdefault(resource_arn, deque()).append(message)


def inject_failure_after_create(resource_arn: str, message: str) -> None:
    """The next restore of the resource creates its resource, then fails with `message` (as
    an RDS restore left `incompatible-restore` does: AWS names the resource it made)."""
    with store.LOCK:
        _after_create.setdefault(resource_arn, deque()).append(message)


def take_injected_failure_after_create(resource_arn: str) -> str | None:
    """Consume the failure after creation injected for the resource's next restore, if any."""
    return _take(_after_create, resource_arn)


def take_injected_failure(resource_arn: str) -> str | None:
    """Consume the failure injected for the resource's next job, if any."""
    return _take(_injected, resource_arn)


def inject_completion_message(resource_arn: str, message: str) -> None:
    """The next restore job of the resource ends COMPLETED with `message` as its StatusMessage
    (as AWS does when an S3 restore left objects out or found none to restore)."""
    with store.LOCK:
        _completion_messages.setdefault(resource_arn, deque()).append(message)


def take_injected_completion_message(resource_arn: str) -> str | None:
    """Consume the completion message injected for the resource's next restore, if any."""
    return _take(_completion_messages, resource_arn)


def inject_ending(resource_arn: str, state: str, message: str | None = None) -> None:
    """The next copy or restore job of the resource ends in `state` (PARTIAL for a copy,
    ABORTED for a restore) with `message` as its StatusMessage."""
    if state not in INJECTABLE_ENDINGS["copy"] | INJECTABLE_ENDINGS["restore"]:
        raise ValueError(f"no job ending {state!r}: copies end PARTIAL, restores ABORTED")
    with store.LOCK:
        _endings.setdefault(resource_arn, deque()).append((state, message))


def take_injected_ending(kind: str, resource_arn: str) -> tuple[str, str | None] | None:
    """Consume the ending injected for the resource's next job of `kind`, if it is one that
    kind of job has (a copy's PARTIAL waits for the next copy, a restore's ABORTED for the
    next restore)."""
    with store.LOCK:
        queue = _endings.get(resource_arn)
        if not queue or queue[0][0] not in INJECTABLE_ENDINGS[kind]:
            return None
        ending = queue.popleft()
        if not queue:
            _endings.pop(resource_arn, None)
        return ending


def _take(queues: dict[str, deque[str]], resource_arn: str) -> str | None:
    with store.LOCK:
        queue = queues.get(resource_arn)
        if not queue:
            return None
        message = queue.popleft()
        if not queue:
            queues.pop(resource_arn, None)
        return message


def phase_durations(queued: float, base: float, size_bytes: int) -> tuple[float, float]:
    """Real seconds spent queued and running, for sandbox durations and a size."""
    running = min(base + PER_GIB * size_bytes / GIB, LONGEST)
    scale = time_scale()
    return queued / scale, running / scale


@dataclass(eq=False)
class Job:
    """One job; `fields` hold the AWS members fixed at start, the rest derive from the clock."""

    kind: str  # "backup", "copy" or "restore"
    job_id: str
    account_id: str
    region: str
    created: float
    start_at: float
    end_at: float
    fields: dict[str, Any]
    on_complete: Callable[[Job], None]
    failure: str | None = None
    completion_message: str | None = None  # the StatusMessage of a COMPLETED end
    # An injected end other than COMPLETED or FAILED: (state, StatusMessage)
    ending: tuple[str, str | None] | None = None
    expected_minutes: int = 1
    settled: bool = False
    state: str = ""
    status_message: str | None = None
    completed: float | None = None
    results: dict[str, Any] = field(default_factory=dict)
    # A restore's Metadata as it was started with (GetRestoreJobMetadata, never listed)
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def queued_state(self) -> str:
        """The state while waiting: PENDING for restores, CREATED for the others."""
        return "PENDING" if self.kind == "restore" else "CREATED"

    def refresh(self, now: float | None = None) -> None:
        """Bring the state up to the clock, settling the job when its time has come."""
        now = time.time() if now is None else now
        if self.settled:
            return
        if now >= self.end_at and self.kind not in _held:
            self.settle()
        elif now >= self.start_at:
            self.state = "RUNNING"
        else:
            self.state = self.queued_state

    def settle(self) -> None:
        """Finish the job once: FAILED with its message, or COMPLETED after its side effects."""
        with store.LOCK:
            if self.settled:
                return
            self.settled = True
            self.completed = self.end_at
            if self.failure is not None:
                self.state, self.status_message = "FAILED", self.failure
                return
            if self.ending is not None and self.ending[0] == "ABORTED":
                # stopped before it finished: nothing made
                self.state, self.status_message = self.ending
                return
            try:
                self.on_complete(self)
            except JobFailed as exc:
                self.state, self.status_message = "FAILED", str(exc)
                return
            except Exception as exc:  # a broken side effect must not leave the job RUNNING
                self.state = "FAILED"
                self.status_message = f"An internal error occurred: {type(exc).__name__}: {exc}"
                return
            # Settled on the first request after its end: what it created exists from now, so
            # it completes now, as on AWS, where a job's resource is created before it completes.
            self.completed = max(self.end_at, time.time())
            self.state, self.status_message = "COMPLETED", self.completion_message
            if self.ending is not None:  # PARTIAL: it made what it made (its side effect)
                self.state, self.status_message = self.ending

    def percent_done(self, now: float) -> str:
        """PercentDone as AWS reports it (a string such as "42.00%")."""
        if self.state in FINISHED:
            return "100.00%" if self.state == "COMPLETED" else f"{self._fraction(now):.2f}%"
        return f"{self._fraction(now):.2f}%"

    def _fraction(self, now: float) -> float:
        if now <= self.start_at:
            return 0.0
        span = max(self.end_at - self.start_at, 1e-9)
        return min(99.0, 100.0 * (now - self.start_at) / span)

    def describe(self) -> dict[str, Any]:
        """The job's AWS members now (the caller holds the store lock)."""
        now = time.time()
        self.refresh(now)
        out = dict(self.fields)
        out.update(self.results)
        out["CreationDate"] = self.created
        out["StatusMessage"] = self.status_message
        if self.completed is not None:
            out["CompletionDate"] = self.completed
        if self.kind == "restore":
            out["Status"] = self.state
            out["PercentDone"] = self.percent_done(now)
            out["ExpectedCompletionTimeMinutes"] = self.expected_minutes
        else:
            out["State"] = self.state
            if self.kind == "backup":
                out["PercentDone"] = self.percent_done(now)
        return out


class JobFailed(Exception):
    """Raised by a completion side effect: the job ends FAILED with this message."""


def schedule(
    kind: str,
    job_id: str,
    account_id: str,
    region: str,
    size_bytes: int,
    fields: dict[str, Any],
    on_complete: Callable[[Job], None],
    failure: str | None,
    completion_message: str | None = None,
    ending: tuple[str, str | None] | None = None,
) -> Job:
    """Create a job starting now and register it for settling when due."""
    queued, running = {
        "copy": (COPY_QUEUED, COPY_BASE),
        "restore": (RESTORE_QUEUED, RESTORE_BASE),
        "backup": (BACKUP_QUEUED, BACKUP_BASE),
    }[kind]
    fields = {**fields, JOB_ID_MEMBER[kind]: job_id}
    wait, run = phase_durations(queued, running, size_bytes)
    now = time.time()
    sandbox_total = (wait + run) * time_scale()
    job = Job(
        kind=kind,
        job_id=job_id,
        account_id=account_id,
        region=region,
        created=now,
        start_at=now + wait,
        end_at=now + wait + run,
        fields=fields,
        on_complete=on_complete,
        failure=failure,
        completion_message=completion_message,
        ending=ending,
        expected_minutes=max(1, round(sandbox_total / 60)),
    )
    job.state = job.queued_state
    with store.LOCK:
        store.backend_for(account_id, region).extras.jobs[kind][job_id] = job
        heapq.heappush(_due, (job.end_at, next(_order), job))
    return job


def advance_due() -> None:
    """Settle every job whose end time has passed (called before each request is served)."""
    try:
        if _due[0][0] > time.time():
            return
    except IndexError:  # nothing scheduled (or another thread just took the last one)
        return
    with store.LOCK:
        now = time.time()
        kept: list[tuple[float, int, Job]] = []
        while _due and _due[0][0] <= now:
            entry = heapq.heappop(_due)
            if entry[2].kind in _held:
                kept.append(entry)
            else:
                entry[2].settle()
        for entry in kept:
            heapq.heappush(_due, entry)


def seed_finished_job(
    kind: str,
    job_id: str,
    account_id: str,
    region: str,
    fields: dict[str, Any],
    *,
    created: float,
    completed: float,
    state: str,
    status_message: str | None = None,
) -> Job:
    """Store a job that ended in the past (scenarios seed the night before), as AWS lists it.

    No AWS API creates an old job, so scenarios seed them here; the job never changes again.
    """
    job = Job(
        kind=kind,
        job_id=job_id,
        account_id=account_id,
        region=region,
        created=created,
        start_at=created,
        end_at=completed,
        fields={**fields, JOB_ID_MEMBER[kind]: job_id},
        on_complete=lambda _job: None,
        settled=True,
        state=state,
        status_message=status_message,
        completed=completed,
        expected_minutes=max(1, round((completed - created) / 60)),
    )
    with store.LOCK:
        store.backend_for(account_id, region).extras.jobs[kind][job_id] = job
    return job
