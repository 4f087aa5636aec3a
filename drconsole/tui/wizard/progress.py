"""What the wizard's progress log says of each flow event."""

from __future__ import annotations

from drconsole.flows import events as ev
from drconsole.models import CopyJob


def event_lines(event: ev.FlowEvent) -> list[str]:
    """The progress log's lines for `event` (none for progress polls: the status line under
    the log shows those)."""
    if isinstance(event, ev.FlowPlanned):
        return [f"flow {event.flow_id}: {event.plan.get('route_reason', '')}"]
    if isinstance(event, ev.ChecksDone):
        verdict = "all pass" if event.ok else "a check blocks the flow"
        return [f"checks before {event.step}: {verdict}"]
    if isinstance(event, ev.RouteChanged):
        return [f"AWS refused one copy job; two hops via {event.intermediate}"]
    if isinstance(event, ev.JobStarted):
        again = " (from the journal)" if event.resumed else ""
        return [f"{event.step}: {event.kind} job {event.job_id} started{again}"]
    if isinstance(event, ev.JobFinished) and event.job is not None:
        job = event.job
        made = (
            job.destination_recovery_point_arn
            if isinstance(job, CopyJob)
            else job.created_resource_arn
        )
        lines = [f"{event.step}: {job.state} after {event.polls} polls  {made or ''}"]
        if job.status_message:
            lines.append(f"  {job.status_message}")
        return lines
    if isinstance(event, ev.CleanupDone):
        return [f"intermediate copy: {event.reason}"]
    return []
