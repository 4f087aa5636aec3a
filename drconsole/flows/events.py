"""Flow events: frozen dataclasses that the engine hands to the CLI and the TUI alike.

Each event has `to_json()`, the stable `--json` line of `drconsole copy|restore` (README: the
event schema): an object with `event` (the event name), `flow` and the event's own members.
Secret values (a password among the restore metadata) are redacted in it, as in the journal:
what is printed or shown never carries them, while the request sent does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from drconsole.checks.runner import check_to_json
from drconsole.models import Check, CopyJob, RestoreJob
from drconsole.redact import redact_fields


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else None


def copy_job_json(job: CopyJob) -> dict[str, Any]:
    """A copy job in the stable JSON form."""
    return {
        "job_id": job.id,
        "account": job.account_id,
        "region": job.region,
        "state": job.state,
        "status_message": job.status_message,
        "source_recovery_point": job.source_recovery_point_arn,
        "destination_vault": job.destination_vault_arn,
        "destination_recovery_point": job.destination_recovery_point_arn,
        "size_bytes": job.size_bytes,
        "created": _iso(job.created),
        "completed": _iso(job.completed),
        "child_states": dict(job.child_states),
    }


def restore_job_json(job: RestoreJob) -> dict[str, Any]:
    """A restore job in the stable JSON form."""
    return {
        "job_id": job.id,
        "account": job.account_id,
        "region": job.region,
        "state": job.state,
        "status_message": job.status_message,
        "percent_done": job.percent_done,
        "expected_minutes": job.expected_minutes,
        "created_resource": job.created_resource_arn,
        "created": _iso(job.created),
        "completed": _iso(job.completed),
    }


@dataclass(frozen=True, slots=True)
class FlowEvent:
    """Base of every flow event."""

    flow_id: str

    @property
    def name(self) -> str:
        """The event's name in JSON (`flow-planned`, `hop-started`...)."""
        return _EVENT_NAMES[type(self).__name__]

    def payload(self) -> dict[str, Any]:
        """The event's own members."""
        return {}

    def to_json(self) -> dict[str, Any]:
        """The stable JSON line (secret values redacted)."""
        body: dict[str, Any] = redact_fields(self.payload())
        return {"event": self.name, "flow": self.flow_id, **body}


@dataclass(frozen=True, slots=True)
class FlowPlanned(FlowEvent):
    """The plan: route, hops and the requests confirmed with it (JobRequest.to_json())."""

    plan: dict[str, Any] = field(default_factory=dict)
    requests: tuple[dict[str, Any], ...] = ()

    def payload(self) -> dict[str, Any]:
        return {"plan": self.plan, "requests": list(self.requests)}


@dataclass(frozen=True, slots=True)
class ChecksDone(FlowEvent):
    """The prerequisite checks of one step (a hop or the restore)."""

    step: str = ""
    ok: bool = True
    checks: tuple[Check, ...] = ()

    def payload(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "ok": self.ok,
            "checks": [check_to_json(c) for c in self.checks],
        }


@dataclass(frozen=True, slots=True)
class RouteChanged(FlowEvent):
    """AWS refused the single copy job: the flow goes on in two hops."""

    message: str = ""
    hops: tuple[dict[str, str], ...] = ()
    intermediate: str = ""

    def payload(self) -> dict[str, Any]:
        return {"message": self.message, "hops": list(self.hops), "intermediate": self.intermediate}


@dataclass(frozen=True, slots=True)
class RequestReady(FlowEvent):
    """A request built after the plan was confirmed (the restore after a copy, a fall-back
    hop), exactly as it will be journaled and sent, shown before it is confirmed and sent."""

    step: str = ""
    request: dict[str, Any] = field(default_factory=dict)  # JobRequest.to_json()

    def payload(self) -> dict[str, Any]:
        return {"step": self.step, "request": self.request}


@dataclass(frozen=True, slots=True)
class JobStarted(FlowEvent):
    """A copy or restore job was started (or found again from the journal)."""

    step: str = ""
    kind: str = "copy"
    job_id: str = ""
    account: str = ""
    region: str = ""
    request: dict[str, Any] = field(default_factory=dict)
    resumed: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "kind": self.kind,
            "job_id": self.job_id,
            "account": self.account,
            "region": self.region,
            "request": self.request,
            "resumed": self.resumed,
        }


@dataclass(frozen=True, slots=True)
class JobProgress(FlowEvent):
    """A job's state from one poll: state, elapsed seconds, size / percent, child states."""

    step: str = ""
    job: CopyJob | RestoreJob | None = None
    elapsed_seconds: float = 0.0
    polls: int = 0

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "step": self.step,
            "elapsed_seconds": round(self.elapsed_seconds, 3),
            "polls": self.polls,
        }
        if isinstance(self.job, CopyJob):
            body.update(kind="copy", job=copy_job_json(self.job))
        elif isinstance(self.job, RestoreJob):
            body.update(kind="restore", job=restore_job_json(self.job))
        return body


@dataclass(frozen=True, slots=True)
class JobFinished(FlowEvent):
    """A job reached its end state."""

    step: str = ""
    job: CopyJob | RestoreJob | None = None
    polls: int = 0
    delay_seconds: float | None = None  # from the job's CompletionDate to this event

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"step": self.step, "polls": self.polls}
        if self.delay_seconds is not None:
            body["completion_to_event_seconds"] = round(self.delay_seconds, 3)
        if isinstance(self.job, CopyJob):
            body.update(kind="copy", job=copy_job_json(self.job))
        elif isinstance(self.job, RestoreJob):
            body.update(kind="restore", job=restore_job_json(self.job))
        return body


@dataclass(frozen=True, slots=True)
class JobUnreadable(FlowEvent):
    """A watched job that a poll could not read (its Region not answering, say): still
    watched; said when it starts and when its cause changes (`jobs --watch`)."""

    step: str = ""
    kind: str = ""
    job_id: str = ""
    account: str = ""
    region: str = ""
    cause: str = ""
    message: str = ""
    polls: int = 0

    def payload(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "kind": self.kind,
            "job_id": self.job_id,
            "account": self.account,
            "region": self.region,
            "cause": self.cause,
            "message": self.message,
            "polls": self.polls,
        }


@dataclass(frozen=True, slots=True)
class NotListed(FlowEvent):
    """Jobs in flight that `jobs --watch` could not list: in one account of a Region, or in
    the whole Region (`account` "")."""

    account: str = ""
    region: str = ""
    cause: str = ""
    message: str = ""

    def payload(self) -> dict[str, Any]:
        return {
            "account": self.account or None,
            "region": self.region,
            "cause": self.cause,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class RestoreFormReady(FlowEvent):
    """The restore form, prefilled from GetRecoveryPointRestoreMetadata."""

    resource_type: str = ""
    recovery_point: str = ""
    values: dict[str, str] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        return {
            "resource_type": self.resource_type,
            "recovery_point": self.recovery_point,
            "values": self.values,
        }


@dataclass(frozen=True, slots=True)
class CleanupDone(FlowEvent):
    """An intermediate copy was deleted, or kept (vault lock, failure) with the reason."""

    recovery_point: str = ""
    deleted: bool = False
    reason: str = ""

    def payload(self) -> dict[str, Any]:
        return {
            "recovery_point": self.recovery_point,
            "deleted": self.deleted,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class CautionAccepted(FlowEvent):
    """A caution (a restore in the backup account, a duplicate copy) the operator accepted
    before the flow started, and how."""

    code: str = ""
    message: str = ""
    accepted_by: str = ""  # operator | flag --allow-...

    def payload(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "accepted_by": self.accepted_by}


@dataclass(frozen=True, slots=True)
class FlowFinished(FlowEvent):
    """The end: completed (with the final recovery point / created resource), failed or blocked."""

    status: str = "completed"  # completed | failed | blocked
    step: str = ""
    result: dict[str, Any] = field(default_factory=dict)
    cause: str | None = None
    message: str = ""
    explanation: str = ""
    remediation: str = ""
    # Other causes AWS's message fits as well (explain's `also_possible`): the flow could not
    # tell them from `cause`.
    also_possible: tuple[str, ...] = ()

    def payload(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "step": self.step,
            "result": self.result,
            "cause": self.cause,
            "message": self.message,
            "explanation": self.explanation,
            "remediation": self.remediation,
            "also_possible": list(self.also_possible),
        }


_EVENT_NAMES = {
    "FlowPlanned": "flow-planned",
    "CautionAccepted": "caution-accepted",
    "ChecksDone": "checks",
    "RouteChanged": "route-changed",
    "RequestReady": "request-ready",
    "JobStarted": "job-started",
    "JobProgress": "job-progress",
    "JobFinished": "job-finished",
    "JobUnreadable": "job-unreadable",
    "NotListed": "not-listed",
    "RestoreFormReady": "restore-form",
    "CleanupDone": "cleanup",
    "FlowFinished": "flow-finished",
}
