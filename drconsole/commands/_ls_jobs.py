"""`drconsole ls jobs`: backup, copy and restore jobs across the organization, with causes.

JSON: each item is `job_json` below; the listing's scope adds `job_scope` (README: ls jobs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from drconsole.aws.job_history import (
    Job,
    JobPage,
    JobQuery,
    iter_job_history,
    job_kind,
    job_resource,
)
from drconsole.aws.session import AwsSessions
from drconsole.diagnose import job_diagnosis
from drconsole.models import Account, AccountError, BackupJob, CopyJob, RestoreJob


def iso(moment: datetime | None) -> str | None:
    """UTC ISO 8601 with a trailing Z, or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class JobListing:
    """The jobs found, the failures, and how each (Region, kind) was listed."""

    jobs: list[Job] = field(default_factory=list)
    errors: list[AccountError] = field(default_factory=list)
    organization_wide: set[tuple[str, str]] = field(default_factory=set)  # (region, kind)
    per_account: set[tuple[str, str]] = field(default_factory=set)

    def failed_units(self) -> set[tuple[str, str]]:
        """(account, Region) pairs with a listing failure."""
        return {(e.account_id, e.region) for e in self.errors if not e.skipped}


def gather_jobs(
    sessions: AwsSessions,
    query: JobQuery,
    accounts: Sequence[Account],
    regions: Sequence[str],
    max_workers: int,
) -> JobListing:
    """Every job matching `query` in `accounts` and `regions`, newest first."""
    listing = JobListing()
    ids = [a.id for a in accounts]
    for page in iter_job_history(sessions, query, ids, regions, max_workers):
        if isinstance(page, JobPage):
            listing.jobs.extend(page.jobs)
            target = listing.organization_wide if page.organization_wide else listing.per_account
            target.add((page.region, page.kind))
        else:
            listing.errors.append(page)
    oldest = datetime.min.replace(tzinfo=UTC)
    listing.jobs.sort(key=lambda job: job.created or oldest, reverse=True)
    return listing


def job_scope(listing: JobListing, query: JobQuery) -> dict[str, Any]:
    """What `ls jobs` adds to the listing's scope: kinds, states, since, and whether the jobs
    were listed organization-wide (one call per Region and kind) or account by account."""
    if listing.organization_wide and not listing.per_account:
        how = "organization-wide"
    elif listing.per_account and not listing.organization_wide:
        how = "per-account"
    else:
        how = "mixed" if listing.organization_wide else "none"
    return {
        "kinds": list(query.kinds),
        "states": list(query.states),
        "since": iso(query.since),
        # Which time `since` was matched against: AWS lists by one per call, so both are asked.
        "since_matches": "created_or_completed" if query.since else None,
        "listing": how,
    }


def job_json(job: Job, names: dict[str, str]) -> dict[str, Any]:
    """JSON of one backup, copy or restore job; fields of the other kinds are null."""
    backup = job if isinstance(job, BackupJob) else None
    copy = job if isinstance(job, CopyJob) else None
    restore = job if isinstance(job, RestoreJob) else None
    if copy is not None:
        recovery_point_arn: str | None = copy.source_recovery_point_arn
    elif restore is not None:
        recovery_point_arn = restore.recovery_point_arn
    else:
        recovery_point_arn = backup.recovery_point_arn if backup else None
    sized = backup or copy
    diagnosis = job_diagnosis(job)
    resource_name, resource_arn = job_resource(job)
    return {
        "kind": job_kind(job),
        "id": job.id,
        "account_id": job.account_id,
        "account_name": names.get(job.account_id, ""),
        "region": job.region,
        "state": job.state,
        "status_message": job.status_message,
        "cause": str(diagnosis.cause) if diagnosis else None,
        "explanation": diagnosis.explanation if diagnosis else None,
        "remediation": diagnosis.remediation if diagnosis else None,
        # Causes AWS's same text fits too (its copy "Access Denied": the vault's policy or the
        # copy role's); only a run that knows which check passed can tell them apart.
        "also_possible": [cause.value for cause in diagnosis.also] if diagnosis else [],
        "resource_type": job.resource_type,
        "resource_name": resource_name,
        "resource_arn": resource_arn or None,
        "created": iso(job.created),
        "completed": iso(job.completed),
        "iam_role_arn": job.iam_role_arn,
        "recovery_point_arn": recovery_point_arn,
        "vault_arn": backup.vault_arn if backup else None,
        "source_vault_arn": copy.source_vault_arn if copy else None,
        "destination_vault_arn": copy.destination_vault_arn if copy else None,
        "destination_recovery_point_arn": copy.destination_recovery_point_arn if copy else None,
        "size_bytes": sized.size_bytes if sized else None,
        "percent_done": restore.percent_done if restore else None,
        "expected_minutes": restore.expected_minutes if restore else None,
        "created_resource_arn": restore.created_resource_arn if restore else None,
    }
