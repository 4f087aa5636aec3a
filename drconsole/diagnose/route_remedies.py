"""The fix for "Feature is not supported for provided resource type", by the type it names."""

from __future__ import annotations

import re

from drconsole.diagnose.facts import Facts, fill
from drconsole.models import CauseCode, Diagnosis
from drconsole.resource_types import restorable

# Only these engines cross account AND Region in two hops where one job is refused ("For Amazon
# RDS and Aurora snapshots, AWS Backup only supports automating either cross-account or
# cross-Region copies", recov-point-create-a-copy).
_DATABASE_WORDS = ("rds", "aurora", "docdb", "documentdb", "neptune")

# The service's own copy of a backup, for a type AWS Backup does not copy on this route
# (keyed by a word of the type as the message names it).
_SERVICE_COPIES = (
    (
        "fsx",
        "FSx copies its own backups across Regions:\n"
        "  aws fsx copy-backup --source-backup-id <FSX_BACKUP_ID> --source-region {source}"
        " --region {dest}",
    ),
    (
        "efs",
        "EFS replicates a file system to another Region:\n"
        "  aws efs create-replication-configuration --source-file-system-id <FILE_SYSTEM_ID>"
        " --destinations Region={dest} --region {source}",
    ),
    (
        "ebs",
        "EBS copies snapshots across Regions:\n"
        "  aws ec2 copy-snapshot --source-snapshot-id <SNAPSHOT_ID> --source-region {source}"
        " --region {dest}",
    ),
    (
        "ec2",
        "EC2 copies images across Regions:\n"
        "  aws ec2 copy-image --source-image-id <AMI_ID> --source-region {source}"
        " --region {dest} --name <NAME>",
    ),
    (
        "s3",
        "S3 replicates a bucket to another Region or account (S3 console > bucket > Management >"
        " Replication rules).",
    ),
)


def _group(match: re.Match[str] | None, name: str) -> str | None:
    value = match.groupdict().get(name) if match else None
    return value.strip() if value else None


def is_database(kind: str) -> bool:
    """True when the type named in the message is RDS, Aurora, DocumentDB or Neptune."""
    return any(word in kind.lower() for word in _DATABASE_WORDS)


def _two_hops(source: str, dest: str) -> str:
    return (
        "When the copy crosses both account and Region, copy in two hops: (1) across accounts"
        f" inside the source Region {source}, into a vault of the destination account; (2) inside"
        f" the destination account, from {source} to {dest}. drconsole plans and runs both hops:\n"
        "  drconsole check copy --recovery-point <RECOVERY_POINT_ARN> --to <VAULT_ARN>\n"
        "  drconsole copy --recovery-point <RECOVERY_POINT_ARN> --to <VAULT_ARN>\n"
        "A copy that crosses only one of them is not offered for this engine between these"
        " Regions: restore the recovery point where it is."
    )


def _dynamodb(source: str) -> str:
    return (
        "DynamoDB backups copy across Regions or accounts only when made with AWS Backup's"
        " advanced DynamoDB features:"
        " aws backup update-region-settings --resource-type-management-preference DynamoDB=true"
        f" --region {source}; then take a new backup (older backups stay non-copyable) and copy"
        " that one."
    )


def _final(kind: str, source: str, dest: str) -> str:
    own = next(
        (text for word, text in _SERVICE_COPIES if word in kind.lower().split()),
        "Use the service's own copy or export to move the data.",
    )
    # drconsole restores only the types it has a restore form for: AWS Backup restores the rest.
    restore = (
        "drconsole restore --recovery-point <RECOVERY_POINT_ARN>"
        if restorable(kind)
        else "aws backup start-restore-job --recovery-point-arn <RECOVERY_POINT_ARN>"
        " --iam-role-arn <ROLE_ARN> --metadata file://metadata.json (from aws backup"
        " get-recovery-point-restore-metadata; drconsole has no restore form for this type)"
    )
    return (
        f"Do not retry in two hops: AWS Backup does not copy {kind} recovery points on this"
        " route, and a type it cannot copy across Regions or accounts it copies in no scenario,"
        " so a second hop meets the same refusal after a full intermediate copy. Restore the"
        " recovery point where it is (its own account and Region):\n"
        f"  {restore}\n"
        f"or move the data outside AWS Backup. {own.format(source=source, dest=dest)}\n"
        "AWS Backup's 'Feature availability by resource' table lists the copies each type"
        " supports in each Region."
    )


def unsupported_route(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """AWS Backup refused the copy for its type: two hops only for the database engines."""
    source_region = _group(match, "src") or facts.region(0)
    dest_region = _group(match, "dst") or facts.region(1)
    source = fill(source_region, "SOURCE_REGION")
    dest = fill(dest_region, "DESTINATION_REGION")
    kind = _group(match, "type") or ""
    what = f"{kind} recovery points" if kind else "this resource type"
    route = f" from {source_region} to {dest_region}" if source_region and dest_region else ""
    if "dynamo" in kind.lower() or "dynamodb" in facts.text.lower():
        fix = _dynamodb(source)
    elif is_database(kind):
        fix = _two_hops(source, dest)
    elif kind:
        fix = _final(kind, source, dest)
    else:
        fix = (
            f"For RDS, Aurora, DocumentDB and Neptune: {_two_hops(source, dest)}\n"
            f"For DynamoDB: {_dynamodb(source)}\n"
            "For any other type two hops do not help: restore the recovery point where it is."
        )
    return Diagnosis(
        cause=CauseCode.UNSUPPORTED_COPY_ROUTE,
        explanation=f"AWS Backup does not support copying {what}{route} in one job. RDS, Aurora,"
        " DocumentDB and Neptune have not always been able to copy across accounts and Regions"
        " in the same job; DynamoDB without advanced backup features cannot copy across Regions"
        " or accounts; a type AWS Backup cannot copy across Regions or accounts (or not in these"
        " Regions) it does not copy at all.",
        remediation=fix,
    )
