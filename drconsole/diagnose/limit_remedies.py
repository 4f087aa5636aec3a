"""Fixes for the concurrency limits of the services AWS Backup copies and restores through."""

from __future__ import annotations

import re

from drconsole.diagnose.facts import Facts
from drconsole.diagnose.network_remedies import region_of
from drconsole.models import CauseCode, Diagnosis

# (words of the message, service, what is limited, scope, the call that lists what is in flight,
# the Region that call is for: where the copies arrive, or where the restore runs)
LIMITS = (
    (
        "snapshot copies",
        "Amazon EBS",
        "snapshot copies in progress",
        "per destination Region",
        "aws ec2 describe-snapshots --owner-ids self --filters Name=status,Values=pending"
        " --region {region} --query 'Snapshots[].[SnapshotId,Progress,Description]'",
        "DESTINATION_REGION",
    ),
    (
        "snapshots across regions",
        "Amazon RDS",
        "snapshot copies across Regions",
        "per destination Region",
        "aws rds describe-db-snapshots --region {region}"
        " --query \"DBSnapshots[?Status!='available']"
        '.[DBSnapshotIdentifier,Status,PercentProgress]"',
        "DESTINATION_REGION",
    ),
    (
        "tables can be created",
        "Amazon DynamoDB",
        "tables created, updated or deleted at once (a restore creates a table)",
        "per account and Region",
        "aws backup list-restore-jobs --by-status RUNNING --region {region}",
        "RESTORE_REGION",
    ),
)


def _limit(match: re.Match[str] | None) -> str | None:
    groups = match.groupdict() if match else {}
    return next((v for k, v in sorted(groups.items()) if k.startswith("limit") and v), None)


def service_concurrency_limit(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """The service under the job refused one more concurrent copy or table creation."""
    text = facts.text.lower()
    _words, service, what, scope, listing, listed_in = next(
        (limit for limit in LIMITS if limit[0] in text), LIMITS[0]
    )
    limit = _limit(match)
    at_most = f"at most {limit}" if limit else "a limited number of"
    return Diagnosis(
        CauseCode.TOO_MANY_JOBS,
        f"{service} allows {at_most} {what} {scope}, and that many were already running: the"
        " copy or restore AWS Backup started on your behalf was refused, not misconfigured.",
        "Let the running ones finish, then start this job again (scheduled copies: run fewer"
        " resources or plans in the same window):\n"
        f"  {listing.format(region=region_of(facts, listed_in))}\n"
        # Copy jobs run, and are listed, in the source account's Region.
        "  aws backup list-copy-jobs --by-state RUNNING --region"
        f" {region_of(facts, 'SOURCE_REGION')}\n"
        f"If {f'a limit of {limit}' if limit else 'the limit'} is too low for your backup window,"
        f" ask for more in Service"
        f" Quotas ({service}) or through AWS Support.",
    )


def rds_manual_snapshot_quota(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """RDS refused one more manual snapshot: an AWS Backup copy of a database is one."""
    region = region_of(facts, "DESTINATION_REGION")
    limit = _limit(match)
    return Diagnosis(
        CauseCode.TOO_MANY_JOBS,
        "A copy of an RDS, Aurora, DocumentDB or Neptune recovery point is a manual DB (cluster)"
        " snapshot in the destination account and Region, and that account already holds as many"
        f" manual snapshots as its RDS quota allows ({limit or 100} per account and Region"
        f"{'' if limit else ' by default'}). This is a quota on snapshots kept, not on jobs"
        " running: waiting does not help.",
        f"In the destination account, Region {region}: delete manual snapshots that are no"
        " longer needed (those named awsbackup:... are AWS Backup recovery points: delete them"
        " with aws backup delete-recovery-point so their vault stays right), or raise the quota;"
        " then start the copy again.\n"
        f"  aws rds describe-db-cluster-snapshots --snapshot-type manual --region {region}"
        " --query 'DBClusterSnapshots[].[DBClusterSnapshotIdentifier,SnapshotCreateTime]'\n"
        f"  aws rds describe-db-snapshots --snapshot-type manual --region {region}"
        " --query 'DBSnapshots[].[DBSnapshotIdentifier,SnapshotCreateTime]'\n"
        "  aws rds delete-db-cluster-snapshot --db-cluster-snapshot-identifier"
        " <UNNEEDED_SNAPSHOT_ID>"
        f" --region {region}   (instances: aws rds delete-db-snapshot --db-snapshot-identifier)\n"
        "Quota: Service Quotas > Amazon RDS > 'Manual DB cluster snapshots' or 'Manual DB"
        " instance snapshots':\n"
        f"  aws service-quotas list-service-quotas --service-code rds --region {region}"
        " --query \"Quotas[?contains(QuotaName,'anual')].[QuotaName,QuotaCode,Value]\"\n"
        "  aws service-quotas request-service-quota-increase --service-code rds --quota-code"
        f" <QUOTA_CODE> --desired-value <N> --region {region}",
    )
