"""Organization-wide job counts from AWS Backup's job summaries, one call per kind and Region.

ListBackupJobSummaries, ListCopyJobSummaries and ListRestoreJobSummaries asked from the
organization's management account with `AccountId=ANY` count every account's jobs by state,
in UTC-day windows: far fewer calls than listing each job, so they answer first. AWS counts
other accounts' jobs only for the management account (or a delegated administrator) with
cross-account monitoring on (trusted access for AWS Backup); anywhere else it silently counts
the caller's own jobs. So the summaries are asked only from the management account, with the
monitoring setting read beside them, and otherwise said to be unavailable, with why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from drconsole.aws.answers import required
from drconsole.aws.errors import account_error
from drconsole.aws.runner import Step, Task, run_tasks
from drconsole.aws.session import AwsSessions
from drconsole.models import AccountError, CauseCode, Organization

KINDS = ("backup", "copy", "restore")
BACKUP_SERVICE = "backup.amazonaws.com"
OPERATION = {
    "backup": "ListBackupJobSummaries",
    "copy": "ListCopyJobSummaries",
    "restore": "ListRestoreJobSummaries",
}
KIND_OF_OPERATION = {operation: kind for kind, operation in OPERATION.items()}
_METHOD = {
    "backup": "list_backup_job_summaries",
    "copy": "list_copy_job_summaries",
    "restore": "list_restore_job_summaries",
}
_MEMBER = {
    "backup": "BackupJobSummaries",
    "copy": "CopyJobSummaries",
    "restore": "RestoreJobSummaries",
}
# The states shown, in this order: what went wrong first, then what went right.
SHOWN_STATES = ("FAILED", "ABORTED", "EXPIRED", "PARTIAL", "COMPLETED")
PROBLEM_STATES = frozenset({"FAILED", "ABORTED", "EXPIRED", "PARTIAL"})
PAGE_SIZE = 1000


def aggregation_period(period: timedelta) -> str:
    """AWS's AggregationPeriod for a look-back: a day or less reads the daily counts, a week
    or less SEVEN_DAYS, anything longer FOURTEEN_DAYS (the longest AWS summarizes)."""
    if period <= timedelta(days=1):
        return "ONE_DAY"
    return "SEVEN_DAYS" if period <= timedelta(days=7) else "FOURTEEN_DAYS"


# Why there are no summaries yet: asked again once the console has read the organization.
ORGANIZATION_NOT_READ = "the organization is not read yet"


@dataclass(frozen=True)
class SummaryRow:
    """A count of one kind's jobs in one Region, account and state over [start, end)."""

    kind: str
    region: str
    account_id: str
    state: str
    count: int
    start: datetime | None
    end: datetime | None


@dataclass(frozen=True)
class JobSummaries:
    """The summaries that answered, or why there are none (`unavailable`, with its cause).

    `errors`: (Region, kind) calls that failed while others answered.
    """

    period: str
    rows: tuple[SummaryRow, ...] = ()
    errors: tuple[AccountError, ...] = ()
    unavailable: str = ""
    cause: CauseCode | None = None
    calls: int = 0
    kinds: tuple[str, ...] = KINDS
    regions: tuple[str, ...] = field(default_factory=tuple)

    @property
    def available(self) -> bool:
        """True when AWS answered for the organization (at least one Region and kind)."""
        return not self.unavailable

    def window(self) -> tuple[datetime | None, datetime | None]:
        """The earliest start and latest end of the counted windows."""
        starts = [r.start for r in self.rows if r.start is not None]
        ends = [r.end for r in self.rows if r.end is not None]
        return (min(starts) if starts else None, max(ends) if ends else None)

    def counts(self, kind: str) -> Counter[str]:
        """Jobs of `kind` by state, across accounts and Regions."""
        found: Counter[str] = Counter()
        for row in self.rows:
            if row.kind == kind:
                found[row.state] += row.count
        return found

    def unread(self) -> tuple[tuple[str, str], ...]:
        """The (kind, Region) pairs whose counts could not be read, in the order asked."""
        failed = {(KIND_OF_OPERATION.get(e.operation, ""), e.region) for e in self.errors}
        return tuple((k, r) for k in self.kinds for r in self.regions if (k, r) in failed)

    def unread_regions(self, kind: str) -> tuple[str, ...]:
        """The Regions whose counts of `kind` could not be read."""
        return tuple(region for k, region in self.unread() if k == kind)

    def problem_accounts(self) -> Counter[str]:
        """Accounts with failed, aborted, expired or partial jobs, with how many."""
        found: Counter[str] = Counter()
        for row in self.rows:
            if row.state in PROBLEM_STATES:
                found[row.account_id] += row.count
        return found


def read_job_summaries(
    sessions: AwsSessions,
    organization: Organization | None,
    regions: Sequence[str],
    period: timedelta,
    now: datetime,
    kinds: Sequence[str] = KINDS,
    max_workers: int = 16,
) -> JobSummaries:
    """The organization's job counts over `period` before `now`, or why AWS cannot give them.

    Daily counts (ONE_DAY) are kept for the days that overlap the period; the longer periods
    come as one window each.
    """
    aws_period = aggregation_period(period)
    kinds = tuple(kinds)
    caller = sessions.caller_account_id()
    if organization is None:
        return JobSummaries(aws_period, unavailable=ORGANIZATION_NOT_READ, kinds=kinds)
    if not organization.management_account_id:
        return JobSummaries(
            aws_period,
            unavailable=f"account {caller} is not in an organization drconsole can read",
            kinds=kinds,
        )
    if caller != organization.management_account_id:
        name = next((a.name for a in organization.accounts if a.id == caller), "")
        label = f"{name} ({caller})" if name else caller
        return JobSummaries(
            aws_period,
            unavailable=f"{label} is not the management account, for which alone AWS counts "
            "every account's jobs",
            kinds=kinds,
        )
    tasks = [_monitoring_task(sessions)]
    tasks += [
        _summary_task(sessions, kind, region, aws_period) for region in regions for kind in kinds
    ]
    rows: list[SummaryRow] = []
    errors: list[AccountError] = []
    monitoring: bool | AccountError = True
    calls = 0
    for answer in run_tasks(tasks, max_workers):
        if isinstance(answer, _Monitoring):
            monitoring, calls = answer.enabled, calls + 1
        elif isinstance(answer, _Answered):
            rows.extend(answer.rows)
            calls += answer.calls
        else:
            errors.append(answer)
            calls += 1
    base = JobSummaries(aws_period, kinds=kinds, regions=tuple(regions), calls=calls)
    if isinstance(monitoring, AccountError):
        return _unavailable(
            base, f"cross-account monitoring could not be read: {monitoring.message}", monitoring
        )
    if not monitoring:
        return _unavailable(
            base,
            "cross-account monitoring is off (AWS Backup settings of the management account, "
            f"or `aws organizations enable-aws-service-access --service-principal "
            f"{BACKUP_SERVICE}`)",
            None,
        )
    if errors and len(errors) == len(tasks) - 1:
        first = errors[0]
        return _unavailable(base, f"refused: {first.message}", first)
    if aws_period == "ONE_DAY":
        since = now - period
        rows = [r for r in rows if r.end is None or r.end > since]
    return JobSummaries(
        aws_period,
        rows=tuple(rows),
        errors=tuple(errors),
        calls=calls,
        kinds=kinds,
        regions=tuple(regions),
    )


def _unavailable(base: JobSummaries, reason: str, error: AccountError | None) -> JobSummaries:
    return JobSummaries(
        base.period,
        unavailable=reason,
        cause=error.cause if error is not None else None,
        errors=(error,) if error is not None else (),
        calls=base.calls,
        kinds=base.kinds,
        regions=base.regions,
    )


@dataclass(frozen=True)
class _Monitoring:
    enabled: bool | AccountError


@dataclass(frozen=True)
class _Answered:
    rows: tuple[SummaryRow, ...]
    calls: int


def _monitoring_task(sessions: AwsSessions) -> Task:
    """Whether trusted access for AWS Backup (cross-account monitoring) is on."""

    def work() -> Any:
        try:
            client = sessions.client("organizations")
            enabled: list[str] = []
            token: str | None = None
            while True:
                answer = client.list_aws_service_access_for_organization(
                    **({"NextToken": token} if token else {})
                )
                enabled += [
                    s.get("ServicePrincipal", "")
                    for s in required(
                        answer,
                        "EnabledServicePrincipals",
                        "ListAWSServiceAccessForOrganization",
                    )
                ]
                token = answer.get("NextToken")
                if not token:
                    return _Monitoring(BACKUP_SERVICE in enabled)
        except (ClientError, BotoCoreError) as exc:
            region = sessions.global_region()
            caller = sessions.caller_account_id()
            return _Monitoring(
                account_error(caller, region, "ListAWSServiceAccessForOrganization", exc)
            )

    return Task(-1.0, work, lambda answer: Step(emit=[answer]))


def _summary_task(sessions: AwsSessions, kind: str, region: str, period: str) -> Task:
    """Every page of one kind's summaries in one Region, counted by account and state."""

    def work() -> Any:
        params: dict[str, Any] = {
            "AccountId": "ANY",
            "State": "ANY",
            "ResourceType": "AGGREGATE_ALL",
            "AggregationPeriod": period,
            "MaxResults": PAGE_SIZE,
        }
        if kind != "restore":
            params["MessageCategory"] = "AGGREGATE_ALL"
        rows: list[SummaryRow] = []
        calls = 0
        try:
            client = sessions.client("backup", None, region)
            call = getattr(client, _METHOD[kind])
            while True:
                answer = call(**params)
                calls += 1
                for item in answer.get(_MEMBER[kind], []):
                    rows.append(
                        SummaryRow(
                            kind,
                            item.get("Region") or region,
                            item.get("AccountId", ""),
                            item.get("State", ""),
                            int(item.get("Count", 0)),
                            item.get("StartTime"),
                            item.get("EndTime"),
                        )
                    )
                token = answer.get("NextToken")
                if not token:
                    return _Answered(tuple(rows), calls)
                params["NextToken"] = token
        except (ClientError, BotoCoreError) as exc:
            return account_error(sessions.caller_account_id(), region, OPERATION[kind], exc)

    return Task(0.0, work, lambda answer: Step(emit=[answer]))
