"""Start calls a drill journaled as sent whose answer it never journaled (the process was killed
in between, or the answer was lost after the request reached AWS): the job may run in AWS with
its id unknown to the journal. Clean-up looks for it with ListCopyJobs / ListRestoreJobs in the
account and Region the request was sent to, and never sends a Start call again (with the same
IdempotencyToken that would start the job had it never started).

A job can be the request's only if AWS created it between the first time the call was journaled
and the last time it was, plus the longest the call can take (every attempt's connect and read
timeouts and back-off) — both widened by CLOCK_SKEW; a person started it (no backup plan or
restore testing plan in its CreatedBy); it has the request's recovery point, role and
destination vault (copies) or resource type and Metadata (restores, GetRestoreJobMetadata). A
job listed without its role or restore metadata cannot be told apart: it is a possible match.

One job matching and no possible other: its id is journaled (the flow journal's usual `job`
record) and it is waited for like any unended job. None, once the last call is SETTLE_AFTER
old (AWS's job lists lag): the request started no job, journaled as such; before that, the call
is left unresolved and a later `drill cleanup` looks again. More than one (someone started the
same job at the same time): clean-up cannot tell which is the drill's and leaves the step to
the operator; a lookup that fails leaves it unknown, and a later `drill cleanup` looks again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from drconsole.aws.drill_reads import AWS_ERRORS
from drconsole.aws.errors import describe
from drconsole.aws.jobs import JobsApi
from drconsole.aws.session import CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS
from drconsole.config import DEFAULT_RETRY_MAX_ATTEMPTS
from drconsole.drills.journal import DrillState
from drconsole.drills.unended_jobs import drill_steps
from drconsole.flows.journal import FlowState, Journal, StepState
from drconsole.models import CopyJob, RestoreJob

# AWS's clock and this machine's may differ: jobs created this long before the request was
# first journaled, or after it can last have reached AWS, are listed too.
CLOCK_SKEW = timedelta(minutes=5)
# botocore's longest wait between two attempts (its retry back-off is capped at 20 s).
MAX_BACKOFF = timedelta(seconds=20)
# How long AWS's job lists may take to show a job it has created.
LISTING_LAG = timedelta(minutes=5)


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
    requested: str  # when it was first journaled, before it was sent
    last_requested: str  # when it was last journaled (sent again on resume)

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
    """A Start call whose job clean-up could not pin down: several jobs match it, the lookup
    failed (`cause`, `error`), or AWS lists none yet and may still (until `settles`)."""

    start: UnjournaledStart
    matches: tuple[str, ...] = ()
    cause: str | None = None
    error: str | None = None
    settles: str | None = None  # when no job listed means it started none (UTC, ISO)

    def line(self, run_id: str) -> str:
        """What the operator is told."""
        if self.settles is not None:
            return (
                f"{self.start.describe()}, and AWS lists no {self.start.kind} job of it yet: "
                f"AWS's job lists lag, so from {self.settles[:16].replace('T', ' ')} UTC "
                f"drconsole drill cleanup {run_id} takes it as having started none"
            )
        if self.cause is not None:
            return (
                f"{self.start.describe()}, and its job could not be looked up ({self.cause}: "
                f"{self.error}): what it may have made is not deleted; drconsole drill cleanup "
                f"{run_id} looks again"
            )
        if len(self.matches) == 1:
            return (
                f"{self.start.describe()}, and {self.start.kind} job {self.matches[0]} may be its "
                "job (AWS lists too little of it to tell): nothing it makes is deleted; see to it "
                "by hand"
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
            "settles": self.settles,
        }


def unjournaled_starts(state_dir: Path, state: DrillState) -> list[UnjournaledStart]:
    """The drill's steps journaled as requested with no job id and not known to have started
    no job (a request AWS refused at once, which the route fall-back read, is not one)."""
    from drconsole.drills.resume import journaled_flows

    return unjournaled_in(state, journaled_flows(state_dir, state))


def unjournaled_in(state: DrillState, flows: Mapping[str, FlowState]) -> list[UnjournaledStart]:
    """Those of `flows` (by flow id, as journaled)."""
    found: list[UnjournaledStart] = []
    for name, flow, step_name, step in drill_steps(state, flows):
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
                    str(step.last_requested or step.requested),
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
    call = longest_call(max(sessions.settings.retry_max_attempts, DEFAULT_RETRY_MAX_ATTEMPTS))
    unresolved: list[UnresolvedStart] = []
    for start in starts:
        try:
            found = [
                (job.id, sure)
                for job, sure in _candidates(jobs, start, call)
                if job.id not in known
            ]
        except AWS_ERRORS as exc:
            cause = diagnose_exception(exc).cause.value
            unresolved.append(UnresolvedStart(start, cause=cause, error=describe(exc)))
            continue
        settles = _when(start.last_requested) + call + LISTING_LAG
        if len(found) == 1 and found[0][1]:
            ((job_id, _),) = found
            flows.append(start.flow_id, "job", step=start.step, job_id=job_id)
            known.add(job_id)
            say(f"{start.describe()}: AWS lists {start.kind} job {job_id} for it, journaled now")
        elif found:
            matches = tuple(sorted(job_id for job_id, _ in found))
            unresolved.append(UnresolvedStart(start, matches=matches))
        elif datetime.now(UTC) < settles:
            unresolved.append(UnresolvedStart(start, settles=settles.isoformat()))
        else:
            reason = (
                f"no {start.kind} job in account {start.account_id}, Region {start.region} "
                "matches the request"
            )
            flows.append(start.flow_id, "no-job", step=start.step, reason=reason)
            say(f"{start.describe()}: it never started a job ({reason}), nothing to wait for")
    for left in unresolved:
        say(left.line(run_id))
    return unresolved


def longest_call(attempts: int) -> timedelta:
    """The longest a Start call can take from its journal record to AWS's last attempt:
    every attempt's connect and read timeouts, and the back-off before each retry."""
    per_attempt = timedelta(seconds=CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS)
    return attempts * per_attempt + (attempts - 1) * MAX_BACKOFF


def _journaled_job_ids(flows: Iterable[FlowState]) -> set[str]:
    return {step.job_id for flow in flows for step in flow.steps.values() if step.job_id}


def _when(journaled: str) -> datetime:
    moment = datetime.fromisoformat(journaled)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _candidates(
    jobs: JobsApi, start: UnjournaledStart, call: timedelta
) -> list[tuple[CopyJob | RestoreJob, bool]]:
    """The jobs of the start's account and Region that its exact request could have started,
    each with whether it surely matches (False: AWS lists too little of it to tell)."""
    window = {
        "ByCreatedAfter": _when(start.requested) - CLOCK_SKEW,
        "ByCreatedBefore": _when(start.last_requested) + call + CLOCK_SKEW,
    }
    request = start.request
    if start.kind == "copy":
        copies = jobs.list_copy_jobs(
            start.account_id,
            start.region,
            **window,
            ByDestinationVaultArn=request["DestinationBackupVaultArn"],
            BySourceRecoveryPointArn=request["RecoveryPointArn"],
        )
        return [
            (job, bool(job.iam_role_arn))
            for job in copies
            if not job.created_by_plan and _copy_matches(job, request)
        ]
    if request.get("ResourceType"):
        window["ByResourceType"] = request["ResourceType"]
    found: list[tuple[CopyJob | RestoreJob, bool]] = []
    for job in jobs.list_restore_jobs(start.account_id, start.region, **window):
        if job.created_by_plan or not _restore_matches(job, request):
            continue
        metadata = jobs.restore_job_metadata(start.account_id, start.region, job.id)
        same = _same_metadata(metadata, dict(request.get("Metadata") or {}))
        if same is not False:
            found.append((job, same is True and bool(job.iam_role_arn)))
    return found


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
    # a job listed without its role (AWS leaves it out for some) may be the request's: it is
    # a possible match, never a sure one
    return not listed or listed == request.get("IamRoleArn")


def _same_metadata(job: dict[str, str], requested: dict[str, Any]) -> bool | None:
    """False when a key both hold differs (another restore: another table name, say); True
    when every key the request holds is the job's too, the same; None when AWS answers too
    little to tell."""
    shared = job.keys() & requested.keys()
    if any(job[key] != str(requested[key]) for key in shared):
        return False
    return True if requested and shared == requested.keys() else None
