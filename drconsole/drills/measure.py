"""RPO and RTO of a drill target from the journal and AWS's own job timestamps.

RTO runs from the drill's start to the target's last validation passing. Its breakdown: manual
steps before the targets, drconsole's checks before the first job, each job from its
CreationDate to its CompletionDate (as AWS reports them), the gaps between jobs (the watcher
noticing the end, the next step's checks), and validation. What is not AWS's job time nor a
person's is drconsole's overhead, reported as such. A job AWS cannot describe when the report
is written (throttled past the retries, the network down) is given with the journal's times:
when its Start call was answered and when drconsole saw it end, and why AWS's were not read.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from drconsole.aws.errors import classify, describe
from drconsole.aws.jobs import JobRef, JobsApi
from drconsole.flows.journal import FlowState


def job_times(jobs: JobsApi, flow: FlowState) -> list[dict[str, Any]]:
    """Each started job of the flow with AWS's CreationDate and CompletionDate."""
    out: list[dict[str, Any]] = []
    steps = [*flow.hop_names, *(["restore"] if flow.plan.get("restore") else [])]
    for name in steps:
        step = flow.step(name)
        if not step.job_id:
            continue
        kind = "restore" if name == "restore" else "copy"
        entry: dict[str, Any] = {
            "step": name,
            "kind": kind,
            "job_id": step.job_id,
            "account": step.account_id,
            "region": step.region,
        }
        try:
            job = jobs.describe(JobRef(kind, step.account_id, step.region, step.job_id))
        except (ClientError, BotoCoreError) as exc:
            entry.update(
                state=step.state,
                created=step.job_started,
                completed=step.job_finished,
                unread=f"{classify(exc).value}: {describe(exc)}",
            )
        else:
            entry.update(
                state=job.state,
                created=job.created.isoformat() if job.created else None,
                completed=job.completed.isoformat() if job.completed else None,
            )
        out.append(entry)
    return out


def _seconds(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds())


def breakdown(
    drill_start: datetime,
    target_start: datetime,
    jobs: list[dict[str, Any]],
    validation_start: datetime | None,
    validation_end: datetime | None,
    manual_seconds: float,
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Timeline segments (start, end, seconds, by whom) and the totals by whom."""
    segments: list[dict[str, Any]] = []

    def add(step: str, by: str, start: datetime, end: datetime) -> None:
        if end >= start:
            segments.append(
                {
                    "step": step,
                    "by": by,
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "seconds": _seconds(start, end),
                }
            )

    manual_end = drill_start + timedelta(seconds=manual_seconds)
    if manual_seconds:
        add("manual steps", "manual", drill_start, manual_end)
    add("resolve and checks", "drconsole", manual_end, target_start)
    cursor = target_start
    for index, job in enumerate(jobs):
        if not job["created"]:
            continue
        created = datetime.fromisoformat(job["created"])
        add("start" if index == 0 else f"wait before {job['step']}", "drconsole", cursor, created)
        if job["completed"]:
            completed = datetime.fromisoformat(job["completed"])
            add(job["step"], "aws", created, completed)
            cursor = completed
        else:
            cursor = created
    if validation_start is not None:
        add("wait before validation", "drconsole", cursor, validation_start)
        if validation_end is not None:
            add("validation", "validation", validation_start, validation_end)
    totals: dict[str, float] = {}
    for segment in segments:
        totals[segment["by"]] = totals.get(segment["by"], 0.0) + segment["seconds"]
    return segments, totals
