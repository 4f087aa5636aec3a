"""Backup, copy and restore jobs across the organization: what ran, what failed, and where.

From the management account (trusted access for AWS Backup on) one ListBackupJobs /
ListCopyJobs / ListRestoreJobs call per Region and kind with `ByAccountId="*"` answers for
every account; where AWS refuses that (a member account, monitoring off) the listing falls back
to each account in turn. Each (Region, kind) listing streams as a `JobPage` saying how it was
read, so a screen or command can say which accounts and Regions it covered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from drconsole.aws.answers import skipped_records
from drconsole.aws.convert import backup_job_from, copy_job_from, restore_job_from
from drconsole.aws.refusals import failure_on
from drconsole.aws.runner import Step, Task, run_tasks
from drconsole.aws.session import AwsSessions
from drconsole.models import AccountError, BackupJob, CopyJob, RestoreJob

Job = BackupJob | CopyJob | RestoreJob

KINDS = ("backup", "copy", "restore")
# botocore's BackupJobState, CopyJobState and RestoreJobStatus enums (a test compares them).
STATES: dict[str, tuple[str, ...]] = {
    "backup": (
        "CREATED",
        "PENDING",
        "RUNNING",
        "ABORTING",
        "ABORTED",
        "COMPLETED",
        "FAILED",
        "EXPIRED",
        "PARTIAL",
    ),
    "copy": ("CREATED", "RUNNING", "COMPLETED", "FAILED", "PARTIAL"),
    "restore": ("PENDING", "RUNNING", "COMPLETED", "ABORTED", "FAILED"),
}
# States in which a job did not do what it was for.
PROBLEM_STATES = frozenset({"FAILED", "ABORTED", "EXPIRED", "PARTIAL"})
IN_FLIGHT_STATES = frozenset({"CREATED", "PENDING", "RUNNING", "ABORTING"})
PAGE_SIZE = 1000
_OPERATION = {"backup": "ListBackupJobs", "copy": "ListCopyJobs", "restore": "ListRestoreJobs"}
_METHOD = {"backup": "list_backup_jobs", "copy": "list_copy_jobs", "restore": "list_restore_jobs"}
_MEMBER = {"backup": "BackupJobs", "copy": "CopyJobs", "restore": "RestoreJobs"}
_STATE_PARAM = {"backup": "ByState", "copy": "ByState", "restore": "ByStatus"}
_ID_FIELD = {"backup": "BackupJobId", "copy": "CopyJobId", "restore": "RestoreJobId"}
_CONVERT: dict[str, Callable[[Any, str, str], Job]] = {
    "backup": backup_job_from,
    "copy": copy_job_from,
    "restore": restore_job_from,
}


def job_kind(job: Job) -> str:
    """ "backup", "copy" or "restore"."""
    if isinstance(job, BackupJob):
        return "backup"
    return "copy" if isinstance(job, CopyJob) else "restore"


def job_resource(job: Job) -> tuple[str, str]:
    """The resource a job concerns: (name, ARN)."""
    if isinstance(job, RestoreJob):
        arn = job.source_resource_arn or job.recovery_point_arn
        return arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1], arn
    name = job.resource_name or job.resource_arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    return name, job.resource_arn


@dataclass(frozen=True)
class JobQuery:
    """Which jobs: kinds, states (empty: any), created or completed since, accounts (empty:
    all). A job that ended in the window but started before it (a copy AWS retried for hours,
    a large backup) is one of "what failed overnight", so `since` matches either time."""

    kinds: tuple[str, ...] = KINDS
    states: tuple[str, ...] = ()
    since: datetime | None = None
    account_ids: tuple[str, ...] = ()

    def states_for(self, kind: str) -> tuple[str, ...] | None:
        """The states asked for that jobs of `kind` can have; None when any state will do."""
        if not self.states:
            return None
        return tuple(s for s in self.states if s in STATES[kind])

    def keep(self, job: Job) -> bool:
        """True when the job passes the filters (applied locally as well as by AWS)."""
        if self.account_ids and job.account_id not in self.account_ids:
            return False
        if self.states and job.state not in self.states:
            return False
        if self.since is None:
            return True
        return any(at is not None and at >= self.since for at in (job.created, job.completed))


@dataclass(frozen=True)
class JobPage:
    """The jobs of one kind in one Region, and how they were read.

    `organization_wide`: one call from the management account covered every account;
    otherwise `account_id` is the one account this page covers.
    """

    kind: str
    region: str
    jobs: tuple[Job, ...]
    organization_wide: bool
    account_id: str | None = None


def iter_job_history(
    sessions: AwsSessions,
    query: JobQuery,
    account_ids: Sequence[str],
    regions: Sequence[str],
    max_workers: int = 16,
) -> Iterator[JobPage | AccountError]:
    """Every matching job of `account_ids` in `regions`, one page per (Region, kind) listing.

    Tries the organization-wide listing first and, where AWS refuses it, lists each account.
    A failure confined to one account and Region is yielded as an AccountError.
    """
    tasks = [
        _org_task(sessions, query, tuple(account_ids), region, kind)
        for region in regions
        for kind in query.kinds
        if query.states_for(kind) != ()
    ]
    yield from run_tasks(tasks, max_workers)


@dataclass
class _Listed:
    """The jobs of one listing, and how many AWS sent without their id (left out: a job is
    known, shown and followed by its id)."""

    jobs: list[Job]
    skipped: int = 0


def _list_all(
    client: Any, kind: str, params: dict[str, Any], query: JobQuery, owner: str
) -> _Listed:
    """Every page of one listing, converted and filtered (`owner`: whose jobs, when AWS's
    answer does not say)."""
    call = getattr(client, _METHOD[kind])
    convert = _CONVERT[kind]
    region = client.meta.region_name
    listed = _Listed([])
    seen: set[str] = set()
    for window in _windows(query):
        asked = {"MaxResults": PAGE_SIZE, **params, **window}
        while True:
            answer = call(**asked)
            for item in answer.get(_MEMBER[kind], []):
                job = convert(item, owner, region)
                if not job.id:
                    listed.skipped += 1
                elif job.id not in seen and query.keep(job):
                    seen.add(job.id)
                    listed.jobs.append(job)
            token = answer.get("NextToken")
            if not token:
                break
            asked["NextToken"] = token
    return listed


def _windows(query: JobQuery) -> list[dict[str, Any]]:
    """The listings that together cover `since`: the jobs created after it, then those
    completed after it (AWS filters on one time per call; the union, by job id)."""
    if query.since is None:
        return [{}]
    return [{"ByCreatedAfter": query.since}, {"ByCompleteAfter": query.since}]


def _skipped_jobs(account_id: str, region: str, kind: str, skipped: int) -> list[AccountError]:
    """The report of a listing's jobs AWS sent without their id (none when there were none)."""
    if not skipped:
        return []
    field = _ID_FIELD[kind]
    return [skipped_records(account_id, region, _OPERATION[kind], skipped, "job(s)", field)]


def _server_filters(query: JobQuery, kind: str) -> dict[str, Any]:
    params: dict[str, Any] = {}
    states = query.states_for(kind)
    if states is not None and len(states) == 1:
        params[_STATE_PARAM[kind]] = states[0]
    return params


def _org_task(
    sessions: AwsSessions,
    query: JobQuery,
    account_ids: tuple[str, ...],
    region: str,
    kind: str,
) -> Task:
    """One organization-wide listing; on refusal, a listing per account."""
    wanted = account_ids if query.account_ids == () else query.account_ids

    def work() -> Any:
        params = _server_filters(query, kind)
        params["ByAccountId"] = wanted[0] if len(wanted) == 1 else "*"
        try:
            client = sessions.client("backup", None, region)
            return _list_all(client, kind, params, query, "")
        except (ClientError, BotoCoreError) as exc:
            return exc

    def then(answer: Any) -> Step:
        if isinstance(answer, BaseException):
            return Step(tasks=[_account_task(sessions, query, a, region, kind) for a in wanted])
        jobs = tuple(job for job in answer.jobs if job.account_id in wanted)
        # reported on the account that listed the organization's jobs
        skipped = _skipped_jobs(sessions.caller_account_id(), region, kind, answer.skipped)
        return Step(emit=[JobPage(kind, region, jobs, organization_wide=True), *skipped])

    return Task(-1.0, work, then)


def _account_task(
    sessions: AwsSessions, query: JobQuery, account_id: str, region: str, kind: str
) -> Task:
    def work() -> Any:
        try:
            client = sessions.client("backup", account_id, region)
            params = _server_filters(query, kind)
            return _list_all(client, kind, params, query, account_id)
        except (ClientError, BotoCoreError) as exc:
            return failure_on(sessions, account_id, region, _OPERATION[kind], exc)

    def then(answer: Any) -> Step:
        if isinstance(answer, AccountError):
            return Step(emit=[answer])
        page = JobPage(kind, region, tuple(answer.jobs), False, account_id)
        return Step(emit=[page, *_skipped_jobs(account_id, region, kind, answer.skipped)])

    return Task(0.0, work, then)
