"""Fixes for the concurrency limits of the services AWS Backup copies and restores through."""

from __future__ import annotations

import re

from drconsole.diagnose.facts import Facts
from drconsole.diagnose.network_remedies import region_of
from drconsole.models import CauseCode, Diagnosis

# (words of the message, service, what is limited, scope, the call that lists what is in flight)
LIMITS = (
    (
        "snapshot copies",
        "Amazon EBS",
        "snapshot copies in progress",
        "per destination Region",
        "aws ec2 describe-snapshots --owner-ids self --filters Name=status,Values=pending"
        " --region {region} --query 'Snapshots[].[SnapshotId,Progress,Description]'",
    ),
    (
        "snapshots across regions",
        "Amazon RDS",
        "snapshot copies across Regions",
        "per destination Region",
        "aws rds describe-db-snapshots --region {region}"
        " --query \"DBSnapshots[?Status!='available']"
        '.[DBSnapshotIdentifier,Status,PercentProgress]"',
    ),
    (
        "tables can be created",
        "Amazon DynamoDB",
        "tables created, updated or deleted at once (a restore creates a table)",
        "per account and Region",
        "aws backup list-restore-jobs --by-status RUNNING --region {region}",
    ),
)


def _limit(match: re.Match[str] | None) -> str | None:
    groups = match.groupdict() if match else {}
    return next((v for k, v in sorted(groups.items()) if k.startswith("limit") and v), None)


def service_concurrency_limit(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """The service under the job refused one more concurrent copy or table creation."""
    text = facts.text.lower()
    _words, service, what, scope, listing = next(
        (limit for limit in LIMITS if limit[0] in text), LIMITS[0]
    )
    region = region_of(facts)
    limit = _limit(match)
    at_most = f"at most {limit}" if limit else "a limited number of"
    return Diagnosis(
        CauseCode.TOO_MANY_JOBS,
        f"{service} allows {at_most} {what} {scope}, and that many were already running: the"
        " copy or restore AWS Backup started on your behalf was refused, not misconfigured.",
        "Let the running ones finish, then start this job again (scheduled copies: run fewer"
        " resources or plans in the same window):\n"
        f"  {listing.format(region=region)}\n"
        f"  aws backup list-copy-jobs --by-state RUNNING --region {region}\n"
        f"If {f'a limit of {limit}' if limit else 'the limit'} is too low for your backup window,"
        f" ask for more in Service"
        f" Quotas ({service}) or through AWS Support.",
    )
