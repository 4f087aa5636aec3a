"""The flow journal: append-only JSON lines, each fsynced, written BEFORE the call it protects.

`<state_dir>/journal.jsonl` holds every flow's plan, its route changes, every check verdict,
every IdempotencyToken (with the exact request) before its Start call, every job id after it,
every job's end, the restore form, and the flow's end. Folding a flow's records gives its state
(`FlowState`), from which `drconsole jobs --resume` carries on: a step whose job id is known is
watched, a step whose token is known is started again with the same token (AWS then returns the
job the first call created), and only a step with neither is started afresh.

One process at a time drives a flow: `FlowLock` holds an exclusive lock file per flow that the
operating system releases when the process dies (SIGKILL included).

Records are typed (`journal_records`): each is decoded before it is written, and a damaged line
is skipped with one warning naming it (logger `drconsole.journal`), the rest still read.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

import msgspec

from drconsole.aws.audit import redact
from drconsole.errors import UsageError
from drconsole.flows import journal_records as jrec
from drconsole.flows.ids import is_flow_id, is_run_id
from drconsole.private_files import open_private
from drconsole.state_dir import checked_state_dir

JOURNAL_FILE = "journal.jsonl"
# A step's `token` is the job's IdempotencyToken (a UUID written before the call), not a secret.
JOURNAL_NOT_SECRET = ("token",)
LOCK_DIR = "flow-locks"
_LOCK = threading.Lock()
LOG = logging.getLogger("drconsole.journal")
LOG.addHandler(logging.NullHandler())
_WARNED: set[tuple[str, int]] = set()
R = TypeVar("R")

# Flow statuses.
RUNNING = "running"  # unfinished: a resume carries on
BLOCKED = "blocked"  # a check failed: a resume re-checks and carries on
COMPLETED = "completed"
FAILED = "failed"
FINISHED_STATUSES = (COMPLETED, FAILED)


class FlowEnded(UsageError):
    """A flow asked to be abandoned has ended (completed or failed) meanwhile."""

    def __init__(self, flow_id: str, status: str) -> None:
        super().__init__(f"flow {flow_id} has {status} meanwhile: it was not abandoned")
        self.flow_id = flow_id
        self.status = status


def new_flow_id() -> str:
    """A short unique flow id."""
    return uuid.uuid4().hex[:12]


def idempotency_token(flow_id: str, generation: int, step: str) -> str:
    """The stable IdempotencyToken of one step of one route generation of a flow."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"drconsole:{flow_id}:{generation}:{step}"))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class RecordFile(Generic[R]):
    """Append fsynced JSON lines to `<state_dir>/journal.jsonl` and read them back through a
    decoder that names each damaged line (the flow journal; the drill journal reads loosely)."""

    def __init__(self, state_dir: Path, decode: Callable[[bytes, bool], R]) -> None:
        self.state_dir = checked_state_dir(Path(state_dir))
        self.path = self.state_dir / JOURNAL_FILE
        self.decode = decode
        self.damaged: list[jrec.Damage] = []  # the damaged lines of the last read

    def append(self, flow_id: str, record_type: str, **data: Any) -> dict[str, Any]:
        """Write one record and fsync it before returning (secrets redacted).

        The encoded record is decoded first: one that could not be read back (and so could not
        be carried on) is refused with a UsageError and nothing is written.
        """
        record = {
            "time": _now(),
            "flow": flow_id,
            "type": record_type,
            **redact(data, keep=JOURNAL_NOT_SECRET),
        }
        line = json.dumps(record, sort_keys=True, default=str) + "\n"
        try:
            self.decode(line.encode().rstrip(b"\n"), False)
        except ValueError as error:
            raise UsageError(
                f"the {record_type!r} record of {flow_id} cannot be journaled ({error}): "
                "nothing was written"
            ) from None
        with _LOCK:
            fd = open_private(self.path, os.O_RDWR | os.O_APPEND)
            try:
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    line = "\n" + line  # a crash tore the last line: start a fresh one
                os.write(fd, line.encode())
                os.fsync(fd)
            finally:
                os.close(fd)
        return record

    def records(self) -> Iterator[R]:
        """Every readable record, oldest first; each damaged line is warned about once."""
        records, damaged = jrec.read_records(self.path, self.decode)
        self.damaged = damaged
        for damage in damaged:
            key = (str(damage.path), damage.line)
            if key not in _WARNED:
                _WARNED.add(key)
                LOG.warning("%s", damage)
        yield from records


class Journal(RecordFile[jrec.AnyRecord]):
    """The flow journal, `<state_dir>/journal.jsonl`, with strictly typed records."""

    def __init__(self, state_dir: Path) -> None:
        super().__init__(state_dir, jrec.decode_line)

    def flows(self) -> list[FlowState]:
        """Every flow's state, oldest first (records of a flow whose plan is unreadable are
        skipped with it)."""
        states: dict[str, FlowState] = {}
        for record in self.records():
            state = states.get(record.flow)
            if state is None:
                if not isinstance(record, jrec.PlanRecord):
                    continue
                state = states[record.flow] = FlowState(record.flow)
            state.apply(record)
        return list(states.values())

    def flow(self, flow_id: str) -> FlowState | None:
        """One flow's state (None when the journal has no plan for it)."""
        return next((f for f in self.flows() if f.flow_id == flow_id), None)

    def abandon(self, flow_id: str, reason: str = "abandoned by the operator") -> None:
        """Mark an unfinished flow as failed, so that nothing resumes it (jobs already started
        in AWS go on; they are not cancelled).

        The flow is read again here: one that ended meanwhile (another process resumed it while
        the operator was asked) is refused with `FlowEnded`, never turned into a failure. Call it
        under the flow's lock, so that nothing ends the flow between this read and the write.
        """
        state = self.flow(flow_id)
        if state is not None and state.status in FINISHED_STATUSES:
            raise FlowEnded(flow_id, state.status)
        self.append(flow_id, "failed", step="", cause="UNKNOWN", message=reason, abandoned=True)

    def unfinished(self) -> list[FlowState]:
        """Flows that are neither completed nor failed."""
        return [f for f in self.flows() if f.status not in FINISHED_STATUSES]


@dataclass
class StepState:
    """What the journal says about one step (a copy hop or the restore)."""

    name: str
    token: str | None = None
    request: dict[str, Any] | None = None
    account_id: str = ""
    region: str = ""
    job_id: str | None = None
    state: str | None = None  # the finished job's state
    status_message: str = ""
    result_arn: str | None = None  # destination recovery point / created resource
    refused: str | None = None  # the Start call was refused synchronously with this message
    audit_intent: str | None = None  # the audit log's intent entry of the first Start call
    requested: str | None = None  # when the Start call was journaled, before it was sent
    last_requested: str | None = None  # when it was last journaled (sent again on resume)
    no_job: str | None = None  # the call's answer was lost and AWS lists no job of it: why
    job_started: str | None = None  # when the Start call was answered (the journal's time)
    job_finished: str | None = None  # when the job was seen at its end state

    @property
    def finished(self) -> bool:
        """True when the step's job reached an end state."""
        return self.state is not None


@dataclass
class FlowState:
    """A flow folded from its journal records."""

    flow_id: str
    plan: dict[str, Any] = field(default_factory=dict)
    created: str = ""
    updated: str = ""
    status: str = RUNNING
    generation: int = 0
    hops: list[dict[str, str]] = field(default_factory=list)  # [{"source":arn,"destination":arn}]
    steps: dict[str, StepState] = field(default_factory=dict)
    restore_metadata: dict[str, str] | None = None
    confirmed: dict[str, dict[str, Any]] = field(default_factory=dict)  # step -> request
    blocked_by: list[dict[str, Any]] = field(default_factory=list)
    blocked_step: str = ""  # the step whose checks block the flow ("" when none does)
    result: dict[str, Any] = field(default_factory=dict)
    failure: dict[str, Any] = field(default_factory=dict)
    cleanups: list[dict[str, Any]] = field(default_factory=list)
    origin: jrec.Origin | None = None  # who started the flow, and where
    last_error: dict[str, Any] = field(default_factory=dict)  # the latest AWS error at a step
    accepted_cautions: list[dict[str, str]] = field(default_factory=list)  # said and accepted
    passed_checks: dict[str, list[str]] = field(default_factory=dict)  # "gen:step" -> check ids

    def step(self, name: str) -> StepState:
        """The step's state (created empty on first use)."""
        key = f"{self.generation}:{name}"
        if key not in self.steps:
            self.steps[key] = StepState(name)
        return self.steps[key]

    def apply(self, record: jrec.AnyRecord) -> None:
        """Fold one record into the state."""
        self.updated = record.time
        if not isinstance(record, jrec.AwsErrorRecord):
            self.last_error = {}  # the flow moved on since
        if isinstance(record, jrec.PlanRecord):
            self.plan = dict(record.plan)
            self.origin = record.origin
            self.created = self.updated
            self.hops = [
                {"source": h["source"], "destination": h["destination"]} for h in self.plan["hops"]
            ]
        elif isinstance(record, jrec.ConfirmedRecord):
            for request in record.requests:
                self.confirmed[request.step] = msgspec.structs.asdict(request)
        elif isinstance(record, jrec.CautionAcceptedRecord):
            self.accepted_cautions.append(
                {"code": record.code, "message": record.message, "accepted_by": record.accepted_by}
            )
        elif isinstance(record, jrec.RouteRecord):
            self.generation = record.generation
            self.hops = [{"source": h.source, "destination": h.destination} for h in record.hops]
            self.status = RUNNING
        elif isinstance(record, jrec.ChecksRecord):
            self.passed_checks[f"{self.generation}:{record.step}"] = list(record.passed)
            if record.ok:
                if self.status == BLOCKED:
                    self.status = RUNNING
                self.blocked_by = []
                self.blocked_step = ""
            else:
                self.status = BLOCKED
                self.blocked_by = [msgspec.structs.asdict(check) for check in record.failed]
                self.blocked_step = record.step
        elif isinstance(record, jrec.StartRecord):
            step = self.step(record.step)
            step.token = record.token
            step.request = dict(record.request)
            step.account_id = record.account
            step.region = record.region
            step.audit_intent = record.audit_intent
            step.requested = step.requested or record.time
            step.last_requested = record.time
        elif isinstance(record, jrec.RefusedRecord):
            self.step(record.step).refused = record.message
        elif isinstance(record, jrec.JobRecord):
            step = self.step(record.step)
            step.job_id = record.job_id
            step.job_started = record.time
            step.no_job = None
        elif isinstance(record, jrec.NoJobRecord):
            self.step(record.step).no_job = record.reason
        elif isinstance(record, jrec.FinishedRecord):
            step = self.step(record.step)
            step.state = record.state
            step.job_finished = record.time
            step.status_message = record.status_message
            step.result_arn = record.result_arn
        elif isinstance(record, jrec.RestoreFormRecord):
            self.restore_metadata = dict(record.metadata)
        elif isinstance(record, jrec.CleanupRecord):
            self.cleanups.append(
                {
                    "recovery_point": record.recovery_point,
                    "deleted": record.deleted,
                    "reason": record.reason,
                }
            )
        elif isinstance(record, jrec.DoneRecord):
            self.status = COMPLETED
            self.result = dict(record.result)
        elif isinstance(record, jrec.FailedRecord):
            self.status = FAILED
            self.failure = {
                key: value
                for key, value in msgspec.structs.asdict(record).items()
                if key not in ("flow",)
            }
        elif isinstance(record, jrec.AwsErrorRecord):
            self.last_error = {
                "step": record.step,
                "operation": record.operation,
                "cause": record.cause,
                "message": record.message,
                "explanation": record.explanation,
                "remediation": record.remediation,
                "time": record.time,
            }

    @property
    def hop_names(self) -> list[str]:
        """The copy steps of the current route: hop1, hop2..."""
        return [f"hop{i + 1}" for i in range(len(self.hops))]

    def current_step(self) -> str:
        """The first step not finished yet ("done" when every step is)."""
        for name in self.hop_names:
            if not self.step(name).finished:
                return name
        if self.plan.get("restore") and not self.step("restore").finished:
            return "restore"
        return "done"

    def summary(self) -> dict[str, Any]:
        """The flow for `drconsole jobs --json` and the jobs screen."""
        steps = []
        for name in [*self.hop_names, *(["restore"] if self.plan.get("restore") else [])]:
            step = self.step(name)
            steps.append(
                {
                    "step": name,
                    "job_id": step.job_id,
                    "account": step.account_id,
                    "region": step.region,
                    "state": step.state or ("STARTED" if step.job_id else "PENDING"),
                    "status_message": step.status_message,
                    "result_arn": step.result_arn,
                }
            )
        return {
            "flow": self.flow_id,
            "kind": self.plan.get("kind", "copy"),
            "status": self.status,
            "current_step": self.current_step(),
            "recovery_point": self.plan.get("recovery_point"),
            "destination": self.plan.get("destination"),
            "resource_type": self.plan.get("resource_type"),
            "created": self.created,
            "updated": self.updated,
            "steps": steps,
            "blocked_by": self.blocked_by,
            "result": self.result,
            "failure": self.failure,
            "last_error": self.last_error or None,
        }


class FlowLock:
    """An exclusive, non-blocking lock on one flow (released by the OS if the process dies)."""

    def __init__(self, state_dir: Path, flow_id: str) -> None:
        if not (is_flow_id(flow_id) or is_run_id(flow_id)):
            # Journals are decoded with their ids checked: an id of another form is a defect.
            raise ValueError(f"not a flow or drill run id: {flow_id[:40]!r}")
        self.path = Path(state_dir) / LOCK_DIR / f"{flow_id}.lock"
        self._fd: int | None = None

    def acquire(self) -> bool:
        """True when this process now drives the flow; False when another one does."""
        fd = open_private(self.path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def is_held(self) -> bool:
        """True when a live process holds the lock; asked without writing anything.

        No lock file: nobody ever drove the flow from this state dir. Otherwise a shared lock
        on a read-only descriptor is refused exactly while another process holds it; the file
        is neither made nor chmodded (a `--read-only` listing writes nothing).
        """
        try:
            # Never follow a symlink nor wait on a FIFO put in the lock's place.
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        finally:
            os.close(fd)
        return False

    def release(self) -> None:
        """Let another process drive the flow."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> FlowLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
