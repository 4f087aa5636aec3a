"""What the jobs screen shows of a job: its cells, the text a filter matches, its row key, and
what each column sorts by."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from rich.text import Text

from drconsole.aws.job_history import job_kind, job_resource
from drconsole.diagnose import job_diagnosis

if TYPE_CHECKING:
    from drconsole.aws.job_history import Job

# (key, header) of the jobs table, in order.
JOB_COLUMNS = (
    ("time", "Time (UTC)"),
    ("kind", "Kind"),
    ("account", "Account"),
    ("state", "State"),
    ("cause", "Cause"),
    ("resource", "Resource"),
    ("region", "Region"),
    ("message", "Message"),
)
# Shift+letter -> the column it sorts by.
JOB_SORT_KEYS = {
    "T": "time",
    "K": "kind",
    "A": "account",
    "S": "state",
    "C": "cause",
    "N": "resource",
    "R": "region",
    "M": "message",
}
STATE_STYLE = {"FAILED": "bold red", "EXPIRED": "bold red", "ABORTED": "red", "PARTIAL": "yellow"}


def job_key(job: Job) -> str:
    """The job's row key: the same job keeps it across refreshes and sorts."""
    return f"{job_kind(job)}:{job.account_id}:{job.region}:{job.id}"


def job_cause(job: Job) -> str:
    """`CAUSE: explanation` of a job that went wrong (from `explain`), else ''."""
    diagnosis = job_diagnosis(job)
    return "" if diagnosis is None else f"{diagnosis.cause.value}: {diagnosis.explanation}"


def job_time(moment: datetime | None, now: datetime) -> str:
    """`17:39` within the last day, else `11-29` (UTC)."""
    if moment is None:
        return "-"
    moment = moment.astimezone(UTC)
    return f"{moment:%H:%M}" if now - moment < timedelta(hours=23) else f"{moment:%m-%d}"


def job_cells(job: Job, names: dict[str, str], now: datetime) -> tuple[Any, ...]:
    """The job's cells, in JOB_COLUMNS order."""
    diagnosis = job_diagnosis(job)
    state = job.state
    if getattr(job, "percent_done", None) is not None and state == "RUNNING":
        state = f"RUNNING {job.percent_done:.0f}%"  # type: ignore[union-attr]
    return (
        job_time(job.created, now),
        job_kind(job),
        names.get(job.account_id) or job.account_id,
        Text(state, style=STATE_STYLE.get(job.state, "")),
        Text(diagnosis.cause.value, style="bold") if diagnosis else "",
        job_resource(job)[0],
        job.region,
        job.status_message,
    )


def job_sort_value(job: Job, column: str, names: dict[str, str]) -> Any:
    """What column `column` sorts `job` by (None: no value, sorted last)."""
    if column == "time":
        return job.created
    if column == "kind":
        return job_kind(job)
    if column == "account":
        return names.get(job.account_id) or job.account_id
    if column == "state":
        return job.state
    if column == "cause":
        diagnosis = job_diagnosis(job)
        return diagnosis.cause.value if diagnosis else None
    if column == "resource":
        return job_resource(job)[0]
    if column == "region":
        return job.region
    return job.status_message


def search_text(job: Job, names: dict[str, str]) -> str:
    """The lowercase text the `/` filter matches."""
    diagnosis = job_diagnosis(job)
    cause = diagnosis.cause.value if diagnosis else ""
    parts = (job_kind(job), names.get(job.account_id, ""), job.account_id, job.region)
    rest = (job.state, job_resource(job)[0], cause, job.status_message, job.id)
    return " ".join((*parts, *rest)).lower()
