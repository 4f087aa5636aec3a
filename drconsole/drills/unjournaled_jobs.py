"""Start calls a drill journaled as sent whose answer it never journaled (the process was killed
in between, or the answer was lost after the request reached AWS): the job may run in AWS with
its id unknown to the journal. Clean-up looks for it with ListCopyJobs / ListRestoreJobs in the
account and Region the request was sent to, and never sends a Start call again (with the same
IdempotencyToken that would start the job had it never started).

One job matching the journaled request: its id is journaled (the flow journal's usual `job`
record) and it is waited for like any unended job. None: the request started no job, journaled
as such. More than one (someone started the same job at the same time): clean-up cannot tell
which is the drill's and leaves the step to the operator; a lookup that fails leaves it unknown,
and a later `drill cleanup` looks again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from drconsole.aws.drill_reads import AWS_ERRORS
from drconsole.aws.errors import describe
from drconsole.aws.jobs import JobsApi
from drconsole.drills.journal import DrillState
from drconsole.flows.journal import FlowState, Journal, StepState
from drconsole.models import CopyJob, RestoreJob

# AWS's clock and this machine's may differ: jobs created this long before the request was
# journaled are listed too (the request's own fields, not the time, decide the match).
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class UnjournaledStart:
    """A Start call journaled as sent whose job id the journal never saw."""

    target: str
    flow_id: str
    step: str  # hop1, hop2 or restore
    kind: str  # copy or restore
    account_id: str
    region: str
    request: dict[str, Any]
    requested: str  # when it was journaled, before it was sent

    def describe(self) -> str:
        """`The restore request of target T (account A, Region R) was sent but its job id
        never journaled`."""
        step = "" if self.step == "restore" else f" {self.step}"
        return (
            f"The {self.kind}{step} request of target {self.target} (account "
            f"{self.account_id}, Region {self.region}) was sent but its job id never journaled"
        )


@dataclass(frozen=True, slots=True)
class UnresolvedStart:
    """A Start call whose job clean-up could not pin down: several jobs match it, or the
    lookup failed (`cause`, `error`)."""

    start: UnjournaledStart
    matches: tuple[str, ...] = ()
    cause: str | None = None
    error: str | None = None

    def line(self, run_id: str) -> str:
        """What the operator is told."""
        if self.cause is not None:
            return (
                f"{self.start.describe()}, and its job could not be looked up ({self.cause}: "
                f"{self.error}): what it may have made is not deleted; drconsole drill cleanup "
                f"{run_id} looks again"
            )
        return (
            f"{self.start.describe()}, and {len(self.matches)} {self.start.kind} jobs match it: "
            f"{', '.join(self.matches)}. Clean-up cannot tell which is the drill's: nothing they "
            "make is deleted; see to them by hand"
        )

    def as_dict(self) -> dict[str, Any]:
        """For `--json`."""
        return {
            "target": self.start.target,
            "flow": self.start.flow_id,
            "step": self.start.step,
            "kind": self.start.kind,
            "account": self.start.account_id,
            "region": self.start.region,
            "matches": list(self.matches),
            "cause": self.cause,
            "error": self.error,
        }


def unjournaled_starts(state_dir: Path, state: DrillState) -> list[UnjournaledStart]:
    """The drill's steps journaled as requested with no job id and not known to have started
    no job (a request AWS refused at once, which the route fall-back read, is not one)."""
    from drconsole.drills.resume import journaled_flows

    flows = journaled_flows(state_dir, state)
    found: list[UnjournaledStart] = []
    for name, record in state.targets.items():
        flow = flows.get(record.flow_id or "")
        if flow is None:
            continue
        for step_name in [*flow.hop_names, "restore"]:
            step = flow.step(step_name)
            if _unanswered(step):
                kind = "restore" if step_name == "restore" else "copy"
                found.append(
                    UnjournaledStart(
                        name,
                        flow.flow_id,
                        step_name,
                        kind,
                        step.account_id,
                        step.region,
                        dict(step.request or {}),
                        str(step.requested),
                    )
                )
    return found


def _unanswered(step: StepState) -> bool:
    return bool(
        step.token
        and step.request
        and step.requested
        and step.job_id is None
        and not step.finished
        and step.refused is None
        and step.no_job is None
    )


def resolve_starts(
    sessions: Any,
    state_dir: Path,
    run_id: str,
    starts: list[UnjournaledStart],
    say: Callable[[str], None],
) -> list[UnresolvedStart]:
    """Look each start's job up in AWS and journal what was found (its id, or that it started
    none); those left unresolved (several matches, or the lookup failed)."""
    if not starts:
        return []
    from drconsole.diagnose import diagnose_exception

    flows = Journal(state_dir)
    # Jobs the journal knows as another step's (an earlier drill of the same runbook, say) are
    # never taken for this one.
    known = _journaled_job_ids(flows.flows())
    jobs = JobsApi(sessions)
    unresolved: list[UnresolvedStart] = []
    for start in starts:
        try:
            matches = [job.id for job in _listed(jobs, start) if job.id not in known]
        except AWS_ERRORS as exc:
            cause = diagnose_exception(exc).cause.value
            unresolved.append(UnresolvedStart(start, cause=cause, error=describe(exc)))
            continue
        if len(matches) == 1:
            (job_id,) = matches
            flows.append(start.flow_id, "job", step=start.step, job_id=job_id)
            known.add(job_id)
            say(f"{start.describe()}: AWS lists {start.kind} job {job_id} for it, journaled now")
        elif not matches:
            reason = (
                f"no {start.kind} job in account {start.account_id}, Region {start.region} "
                "matches the request"
            )
            flows.append(start.flow_id, "no-job", step=start.step, reason=reason)
            say(f"{start.describe()}: it never started a job ({reason}), nothing to wait for")
        else:
            unresolved.append(UnresolvedStart(start, matches=tuple(sorted(matches))))
    for left in unresolved:
        say(left.line(run_id))
    return unresolved


def _journaled_job_ids(flows: Iterable[FlowState]) -> set[str]:
    return {step.job_id for flow in flows for step in flow.steps.values() if step.job_id}


def _listed(jobs: JobsApi, start: UnjournaledStart) -> list[CopyJob | RestoreJob]:
    """The jobs of the start's account and Region that its exact request could have started."""
    after = datetime.fromisoformat(start.requested) - CLOCK_SKEW
    request = start.request
    if start.kind == "copy":
        return [
            job
            for job in jobs.list_copy_jobs(
                start.account_id,
                start.region,
                ByCreatedAfter=after,
                ByDestinationVaultArn=request["DestinationBackupVaultArn"],
            )
            if _copy_matches(job, request)
        ]
    filters: dict[str, Any] = {"ByCreatedAfter": after}
    if request.get("ResourceType"):
        filters["ByResourceType"] = request["ResourceType"]
    return [
        job
        for job in jobs.list_restore_jobs(start.account_id, start.region, **filters)
        if _restore_matches(job, request)
    ]


def _copy_matches(job: CopyJob, request: dict[str, Any]) -> bool:
    vault_name = job.source_vault_arn.rsplit(":", 1)[-1]
    return (
        job.source_recovery_point_arn == request["RecoveryPointArn"]
        and job.destination_vault_arn == request["DestinationBackupVaultArn"]
        and _same_role(job.iam_role_arn, request)
        and (not job.source_vault_arn or vault_name == request.get("SourceBackupVaultName"))
    )


def _restore_matches(job: RestoreJob, request: dict[str, Any]) -> bool:
    return (
        job.recovery_point_arn == request["RecoveryPointArn"]
        and _same_role(job.iam_role_arn, request)
        and (not request.get("ResourceType") or job.resource_type == request["ResourceType"])
    )


def _same_role(listed: str, request: dict[str, Any]) -> bool:
    # a job listed without its role (AWS leaves it out for some) is matched by the rest
    return not listed or listed == request.get("IamRoleArn")
