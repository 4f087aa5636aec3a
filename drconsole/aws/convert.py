"""Turn AWS Backup API answers into drconsole's frozen dataclasses (no raw dicts past `aws/`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from drconsole.models import (
    CopyJob,
    KeyType,
    ProtectedResource,
    RecoveryPoint,
    RestoreJob,
    Vault,
)


def arn_account(arn: str) -> str:
    """The account id field of an ARN ('' when absent)."""
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 else ""


def arn_region(arn: str) -> str:
    """The Region field of an ARN ('' when absent)."""
    parts = arn.split(":")
    return parts[3] if len(parts) > 5 else ""


def _int_or_none(value: Any) -> int | None:
    return int(value) if value is not None else None


def _date(value: Any) -> datetime | None:
    return value if isinstance(value, datetime) else None


def vault_from(
    item: Mapping[str, Any],
    account_id: str,
    region: str,
    key_type: KeyType,
    has_access_policy: bool | None,
) -> Vault:
    """A Vault from a ListBackupVaults member plus what KMS and the access policy told us."""
    return Vault(
        arn=item["BackupVaultArn"],
        name=item["BackupVaultName"],
        account_id=account_id,
        region=region,
        encryption_key_arn=item.get("EncryptionKeyArn") or "",
        key_type=key_type,
        locked=bool(item.get("Locked", False)),
        min_retention_days=_int_or_none(item.get("MinRetentionDays")),
        max_retention_days=_int_or_none(item.get("MaxRetentionDays")),
        has_access_policy=has_access_policy,
        recovery_point_count=int(item.get("NumberOfRecoveryPoints") or 0),
        created=_date(item.get("CreationDate")),
    )


def recovery_point_from(
    item: Mapping[str, Any], account_id: str, region: str, vault_name: str
) -> RecoveryPoint:
    """A RecoveryPoint from a ListRecoveryPointsByBackupVault member."""
    lifecycle = item.get("CalculatedLifecycle") or {}
    return RecoveryPoint(
        arn=item["RecoveryPointArn"],
        vault_name=item.get("BackupVaultName") or vault_name,
        account_id=account_id,
        region=region,
        resource_arn=item.get("ResourceArn") or "",
        resource_type=item.get("ResourceType") or "",
        resource_name=item.get("ResourceName") or "",
        created=item["CreationDate"],
        status=item.get("Status") or "",
        size_bytes=_int_or_none(item.get("BackupSizeInBytes")),
        encryption_key_arn=item.get("EncryptionKeyArn") or "",
        is_encrypted=bool(item.get("IsEncrypted", False)),
        source_vault_arn=item.get("SourceBackupVaultArn") or None,
        expires=_date(lifecycle.get("DeleteAt")),
        iam_role_arn=item.get("IamRoleArn") or None,
        completion_date=_date(item.get("CompletionDate")),
    )


def protected_resource_from(
    item: Mapping[str, Any], account_id: str, region: str
) -> ProtectedResource:
    """A ProtectedResource from a ListProtectedResources member."""
    return ProtectedResource(
        resource_arn=item["ResourceArn"],
        resource_type=item.get("ResourceType") or "",
        resource_name=item.get("ResourceName") or "",
        account_id=account_id,
        region=region,
        last_backup=_date(item.get("LastBackupTime")),
        last_recovery_point_arn=item.get("LastRecoveryPointArn") or None,
    )


def newest_per_resource(points: Iterable[RecoveryPoint]) -> list[ProtectedResource]:
    """Each resource's newest recovery point, computed from recovery points (newest first).

    Used where ListProtectedResources does not answer for copies (the backup account's vaults
    hold other accounts' resources).
    """
    newest: dict[str, RecoveryPoint] = {}
    for point in points:
        if not point.resource_arn:
            continue
        known = newest.get(point.resource_arn)
        if known is None or point.created > known.created:
            newest[point.resource_arn] = point
    resources = [
        ProtectedResource(
            resource_arn=point.resource_arn,
            resource_type=point.resource_type,
            resource_name=point.resource_name,
            account_id=point.account_id,
            region=point.region,
            last_backup=point.created,
            last_recovery_point_arn=point.arn,
        )
        for point in newest.values()
    ]
    resources.sort(key=lambda r: r.last_backup or datetime.min, reverse=True)
    return resources


def copy_job_from(item: Mapping[str, Any], account_id: str, region: str) -> CopyJob:
    """A CopyJob from a ListCopyJobs / DescribeCopyJob member."""
    children = item.get("ChildJobsInState") or {}
    return CopyJob(
        id=item["CopyJobId"],
        account_id=item.get("AccountId") or account_id,
        region=region,
        state=item.get("State") or "",
        status_message=item.get("StatusMessage") or "",
        source_recovery_point_arn=item.get("SourceRecoveryPointArn") or "",
        source_vault_arn=item.get("SourceBackupVaultArn") or "",
        destination_vault_arn=item.get("DestinationBackupVaultArn") or "",
        destination_recovery_point_arn=item.get("DestinationRecoveryPointArn") or None,
        resource_arn=item.get("ResourceArn") or "",
        resource_type=item.get("ResourceType") or "",
        created=_date(item.get("CreationDate")),
        completed=_date(item.get("CompletionDate")),
        size_bytes=_int_or_none(item.get("BackupSizeInBytes")),
        iam_role_arn=item.get("IamRoleArn") or "",
        parent_job_id=item.get("ParentJobId") or None,
        is_parent=bool(item.get("IsParent", False)),
        child_states=tuple(sorted((str(k), int(v)) for k, v in children.items())),
    )


def restore_job_from(item: Mapping[str, Any], account_id: str, region: str) -> RestoreJob:
    """A RestoreJob from a ListRestoreJobs / DescribeRestoreJob member."""
    percent = item.get("PercentDone")
    expected = item.get("ExpectedCompletionTimeMinutes")
    return RestoreJob(
        id=item["RestoreJobId"],
        account_id=item.get("AccountId") or account_id,
        region=region,
        state=item.get("Status") or "",
        status_message=item.get("StatusMessage") or "",
        recovery_point_arn=item.get("RecoveryPointArn") or "",
        resource_type=item.get("ResourceType") or "",
        percent_done=float(str(percent).rstrip("%")) if percent not in (None, "") else None,
        expected_minutes=_int_or_none(expected),
        created=_date(item.get("CreationDate")),
        completed=_date(item.get("CompletionDate")),
        created_resource_arn=item.get("CreatedResourceArn") or None,
        iam_role_arn=item.get("IamRoleArn") or "",
    )
