"""The job watcher: one thread polling many copy and restore jobs, adaptively.

Each job has its own schedule: polled at once, then after `min_interval`, the interval growing by
`backoff` at every poll that shows no change up to `max_interval`, and reset to `min_interval`
when the job's state changes. A poll is exactly one Describe call for one job, so no job is ever
asked about twice in one round. Updates go to a callback (from the watcher's thread); a finished
job is reported once and dropped. `stop()` ends the thread cleanly.

Jobs started elsewhere are found with ListCopyJobs / ListRestoreJobs (`discover`), for the whole
organization from the management account (ByAccountId="*") where AWS allows it, else per account.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError, ClientError

from drconsole.aws.errors import classify, describe
from drconsole.aws.jobs import JobRef, JobsApi, is_finished
from drconsole.aws.refused_roles import from_memory
from drconsole.errors import AwsError, DrConsoleError
from drconsole.models import OUTAGE_CAUSES, CauseCode, CopyJob, RestoreJob

DEFAULT_MIN_INTERVAL = 1.0
DEFAULT_MAX_INTERVAL = 30.0
DEFAULT_BACKOFF = 1.5
MAX_CONSECUTIVE_ERRORS = 5
IN_FLIGHT_COPY = ("CREATED", "RUNNING")
IN_FLIGHT_RESTORE = ("PENDING", "RUNNING")


@dataclass(frozen=True, slots=True)
class JobUpdate:
    """What one poll saw: the job, polls so far, and whether it changed or finished."""

    ref: JobRef
    job: CopyJob | RestoreJob | None
    polls: int
    changed: bool
    finished: bool
    error: str = ""  # a Describe failure (the job stays watched)
    cause: CauseCode | None = None
    seen_at: float = 0.0  # time.time() when the answer arrived
    interval: float = 0.0  # seconds until this job's next poll, as scheduled after this one
    # The error is a role refusal remembered, not a new answer (aws/refused_roles.py): not
    # counted by those who give up after a few failed polls in a row.
    from_memory: bool = False


UpdateCallback = Callable[[JobUpdate], None]


@dataclass
class _Watched:
    ref: JobRef
    callback: UpdateCallback
    due: float
    interval: float
    polls: int = 0
    state: str = ""
    percent: float | None = None
    extra: dict[str, float] = field(default_factory=dict)


class JobWatcher:
    """Polls watched jobs on one background thread until they finish or `stop()`."""

    def __init__(
        self,
        jobs: JobsApi,
        *,
        min_interval: float = DEFAULT_MIN_INTERVAL,
        max_interval: float = DEFAULT_MAX_INTERVAL,
        backoff: float = DEFAULT_BACKOFF,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.jobs = jobs
        self.min_interval = min_interval
        self.max_interval = max(max_interval, min_interval)
        self.backoff = max(backoff, 1.0)
        self.clock = clock
        self._watched: dict[str, _Watched] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        # Every poll made, per job key (kept after the job finishes, for measurements).
        self.polls: dict[str, int] = {}

    # Lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the polling thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="drconsole-job-watcher", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop polling and wait for the thread (a Describe in flight finishes first)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            # (stopped by Ctrl-C while it was being started: not joinable, it sees _stopping)
            with contextlib.suppress(RuntimeError):
                self._thread.join(timeout)
            self._thread = None

    def __enter__(self) -> JobWatcher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # Watching -------------------------------------------------------------------------------

    def watch(self, ref: JobRef, callback: UpdateCallback) -> None:
        """Watch a job (polled at once); watching a job already watched changes nothing."""
        with self._lock:
            if ref.key not in self._watched:
                self._watched[ref.key] = _Watched(ref, callback, self.clock(), self.min_interval)
        self.start()
        self._wake.set()

    def unwatch(self, ref: JobRef) -> None:
        """Stop watching one job."""
        with self._lock:
            self._watched.pop(ref.key, None)

    @property
    def watching(self) -> list[JobRef]:
        """The jobs being watched."""
        with self._lock:
            return [w.ref for w in self._watched.values()]

    def _run(self) -> None:
        while not self._stopping.is_set():
            now = self.clock()
            with self._lock:
                due = [w for w in self._watched.values() if w.due <= now]
                upcoming = min((w.due for w in self._watched.values()), default=None)
            for watched in due:
                if self._stopping.is_set():
                    return
                self._poll(watched)
            if due:
                continue
            wait = None if upcoming is None else max(0.0, upcoming - self.clock())
            self._wake.wait(wait)
            self._wake.clear()

    def _poll(self, watched: _Watched) -> None:
        """One Describe call for one job, then its next due time."""
        watched.polls += 1
        self.polls[watched.ref.key] = watched.polls
        try:
            job = self.jobs.describe(watched.ref)
        # drconsole's own errors too (a credential_process that cannot run, a keyring gone): a
        # job that cannot be read is reported, never a watcher thread ended without a word.
        except (ClientError, BotoCoreError, DrConsoleError) as exc:
            watched.interval = min(watched.interval * self.backoff, self.max_interval)
            watched.due = self.clock() + watched.interval
            update = JobUpdate(
                watched.ref,
                None,
                watched.polls,
                False,
                False,
                describe(exc),
                classify(exc),
                time.time(),
                watched.interval,
                from_memory(exc),
            )
            self._deliver(watched, update)
            return
        changed = job.state != watched.state or _percent(job) != watched.percent
        state_changed = job.state != watched.state
        watched.state, watched.percent = job.state, _percent(job)
        finished = is_finished(job)
        if state_changed:
            watched.interval = self.min_interval
        else:
            watched.interval = min(watched.interval * self.backoff, self.max_interval)
        watched.due = self.clock() + watched.interval
        if finished:
            with self._lock:
                self._watched.pop(watched.ref.key, None)
        update = JobUpdate(
            watched.ref,
            job,
            watched.polls,
            changed,
            finished,
            seen_at=time.time(),
            interval=watched.interval,
        )
        self._deliver(watched, update)

    @staticmethod
    def _deliver(watched: _Watched, update: JobUpdate) -> None:
        try:
            watched.callback(update)
        except Exception:  # a broken listener must not stop the other jobs' polling
            return


def _percent(job: CopyJob | RestoreJob) -> float | None:
    return job.percent_done if isinstance(job, RestoreJob) else None


def wait_for(
    watcher: JobWatcher,
    ref: JobRef,
    on_update: UpdateCallback | None = None,
    max_errors: int = MAX_CONSECUTIVE_ERRORS,
) -> CopyJob | RestoreJob:
    """Watch one job until it finishes; `on_update` hears every poll. Returns the final job.

    After `max_errors` Describe failures in a row (the job is gone, access was lost) the job
    is dropped and AwsError raised: a resumed flow can watch it again later. A role refusal
    answered from memory is not one of them (the poll after the memory's time asks AWS).
    """
    done = threading.Event()
    final: list[CopyJob | RestoreJob] = []
    errors: list[JobUpdate] = []

    def listen(update: JobUpdate) -> None:
        if on_update is not None:
            on_update(update)
        if update.error and update.from_memory:
            return
        if update.error:
            errors.append(update)
            if len(errors) >= max_errors:
                watcher.unwatch(ref)
                done.set()
            return
        errors.clear()
        if update.finished and update.job is not None:
            final.append(update.job)
            done.set()

    watcher.watch(ref, listen)
    while not done.wait(0.5):
        if watcher._stopping.is_set():
            raise InterruptedError("the job watcher was stopped")
    if not final:
        last = errors[-1]
        raise AwsError(
            f"{ref.kind} job {ref.job_id} in {ref.account_id} {ref.region} could not be read "
            f"{len(errors)} times in a row: {last.error}",
            (last.cause or CauseCode.UNKNOWN).value,
        )
    return final[0]


# Jobs started elsewhere --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Unlisted:
    """Jobs that could not be listed: in one account of a Region, or ("" account) in the whole
    Region (organization-wide)."""

    account_id: str
    region: str
    cause: CauseCode
    message: str

    def __str__(self) -> str:
        where = self.account_id or "organization-wide listing in"
        return f"{where} {self.region}: {self.message} [{self.cause.value}]"


@dataclass(frozen=True, slots=True)
class Discovered:
    """Jobs in flight found by listing, and the accounts/Regions that could not be listed."""

    copy_jobs: tuple[CopyJob, ...]
    restore_jobs: tuple[RestoreJob, ...]
    errors: tuple[Unlisted, ...]
    organization_wide: bool


# Failures of the organization-wide listing that say its Region does not answer: asking each
# account there instead would meet the same outage, once per account.
REGION_DOWN = OUTAGE_CAUSES


def discover(
    jobs: JobsApi,
    regions: Iterable[str],
    accounts: Iterable[str] = (),
    *,
    include_finished: bool = False,
) -> Discovered:
    """Copy and restore jobs in flight in the Regions: organization-wide when AWS allows it
    (ListCopyJobs ByAccountId="*" from the management account), else in each account. A
    Region that does not answer is one error, not one per account."""
    copies: dict[str, CopyJob] = {}
    restores: dict[str, RestoreJob] = {}
    errors: list[Unlisted] = []
    org_wide = True
    for region in regions:
        try:
            _collect(jobs, None, region, {"ByAccountId": "*"}, include_finished, copies, restores)
        except (ClientError, BotoCoreError) as exc:
            if classify(exc) in REGION_DOWN:
                errors.append(Unlisted("", region, classify(exc), describe(exc)))
                continue
            org_wide = False
            targets = list(accounts) or [jobs.sessions.caller_account_id()]
            for account in targets:
                try:
                    _collect(jobs, account, region, {}, include_finished, copies, restores)
                except (ClientError, BotoCoreError) as inner:
                    errors.append(Unlisted(account, region, classify(inner), describe(inner)))
            if not accounts:
                errors.append(Unlisted("", region, classify(exc), describe(exc)))
    return Discovered(tuple(copies.values()), tuple(restores.values()), tuple(errors), org_wide)


def _collect(
    jobs: JobsApi,
    account: str | None,
    region: str,
    filters: dict[str, str],
    include_finished: bool,
    copies: dict[str, CopyJob],
    restores: dict[str, RestoreJob],
) -> None:
    copy_states = (None,) if include_finished else IN_FLIGHT_COPY
    for state in copy_states:
        extra = dict(filters, ByState=state) if state else dict(filters)
        for job in jobs.list_copy_jobs(account, region, **extra):
            copies[job.id] = job
    restore_states = (None,) if include_finished else IN_FLIGHT_RESTORE
    for state in restore_states:
        extra = dict(filters, ByStatus=state) if state else dict(filters)
        for restore in jobs.list_restore_jobs(account, region, **extra):
            restores[restore.id] = restore
