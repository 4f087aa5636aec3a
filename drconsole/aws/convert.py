"""Turn AWS Backup API answers into drconsole's frozen dataclasses (no raw dicts past `aws/`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from drconsole.aws.answers import text_of, vault_name
from drconsole.aws.fastparse import WireRecoveryPoint, utc_timestamp
from drconsole.models import (
    BackupJob,
    CopyJob,
    KeyType,
    ProtectedResource,
    RecoveryPoint,
    RestoreJob,
    Vault,
)
from drconsole.redact import redact_text

# Sort key for a missing time (aware, so it compares with AWS's aware datetimes).
EPOCH = datetime.min.replace(tzinfo=UTC)
# The status of a record AWS sent that drconsole cannot read (a date or number out of range).
UNREADABLE = "UNREADABLE"
# What reading one record may raise on values out of range or of the wrong type.
RECORD_ERRORS = (
    ValueError,
    OverflowError,
    OSError,
    TypeError,
    KeyError,
    AttributeError,
    RuntimeError,
)


def unreadable_point(item: object, account_id: str, region: str, vault_name: str) -> RecoveryPoint:
    """A recovery point that could not be read, listed as UNREADABLE with what could be read:
    one bad record never breaks a listing."""

    def text(key: str) -> str:
        value = item.get(key) if isinstance(item, Mapping) else getattr(item, key, None)
        return value if isinstance(value, str) else ""

    return RecoveryPoint(
        text("RecoveryPointArn") or "(unreadable record)",
        text("BackupVaultName") or vault_name,
        account_id,
        region,
        text("ResourceArn"),
        text("ResourceType"),
        text("ResourceName"),
        EPOCH,
        UNREADABLE,
        None,
        text("EncryptionKeyArn"),
        False,
        None,
        None,
    )


def arn_account(arn: str) -> str:
    """The account id field of an ARN ('' when absent)."""
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 else ""


def arn_region(arn: str) -> str:
    """The Region field of an ARN ('' when absent)."""
    parts = arn.split(":")
    return parts[3] if len(parts) > 5 else ""


# Every converter below is total: a record AWS (or an endpoint standing in for it) sends with
# a field missing or of an unexpected type still converts, with that field empty, so one odd
# record never stops a listing, a screen or a flow ("a defect of drconsole: KeyError" before).


def _int_or_none(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _percent(value: Any) -> float | None:
    """RestoreJob's PercentDone ("45.00%" in AWS's answers), or None when unreadable. The
    model makes it a string: "NaN%" or "1e999%" would be NaN or Infinity, which no JSON holds
    (the `--json` stream printed them bare) and no progress bar can draw."""
    if value in (None, ""):
        return None
    try:
        percent = float(str(value).rstrip("%"))
    except (TypeError, ValueError, OverflowError):
        return None
    return percent if 0.0 <= percent <= 100.0 else None


def _date(value: Any) -> datetime | None:
    """A datetime from botocore, or from raw JSON (epoch number or ISO text); None when it
    cannot be read."""
    if value is None or isinstance(value, datetime):
        return value
    try:
        return utc_timestamp(value)
    except RECORD_ERRORS:
        return None


def _counts(value: Any) -> tuple[tuple[str, int], ...]:
    """A copy job's ChildJobsInState as sorted (state, count) pairs; unreadable pairs left out."""
    if not isinstance(value, Mapping):
        return ()
    pairs = ((str(state), _int_or_none(count)) for state, count in value.items())
    return tuple(sorted((state, count) for state, count in pairs if count is not None))


def vault_from(
    item: Mapping[str, Any],
    account_id: str,
    region: str,
    key_type: KeyType,
    has_access_policy: bool | None,
    details_read: bool = True,
) -> Vault:
    """A Vault from a ListBackupVaults member plus what KMS and the access policy told us
    (`details_read` False: neither was asked yet)."""
    arn = text_of(item, "BackupVaultArn")
    return Vault(
        arn=arn,
        name=vault_name(item),
        account_id=account_id,
        region=region,
        encryption_key_arn=text_of(item, "EncryptionKeyArn"),
        key_type=key_type,
        locked=item.get("Locked") is True,
        min_retention_days=_int_or_none(item.get("MinRetentionDays")),
        max_retention_days=_int_or_none(item.get("MaxRetentionDays")),
        has_access_policy=has_access_policy,
        recovery_point_count=_int_or_none(item.get("NumberOfRecoveryPoints")) or 0,
        created=_date(item.get("CreationDate")),
        details_read=details_read,
    )


def recovery_point_from(
    item: Mapping[str, Any], account_id: str, region: str, vault_name: str
) -> RecoveryPoint:
    """A RecoveryPoint from a ListRecoveryPointsByBackupVault member (KeyError without the
    RecoveryPointArn it is known by)."""
    lifecycle = item.get("CalculatedLifecycle") or {}
    return RecoveryPoint(
        arn=item["RecoveryPointArn"],
        vault_name=item.get("BackupVaultName") or vault_name,
        account_id=account_id,
        region=region,
        resource_arn=item.get("ResourceArn") or "",
        resource_type=item.get("ResourceType") or "",
        resource_name=item.get("ResourceName") or "",
        created=_date(item.get("CreationDate")) or EPOCH,
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
        resource_arn=text_of(item, "ResourceArn"),
        resource_type=text_of(item, "ResourceType"),
        resource_name=text_of(item, "ResourceName"),
        account_id=account_id,
        region=region,
        last_backup=_date(item.get("LastBackupTime")),
        last_recovery_point_arn=text_of(item, "LastRecoveryPointArn") or None,
        last_vault_arn=text_of(item, "LastBackupVaultArn") or None,
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
            last_vault_arn=point.vault_arn,
        )
        for point in newest.values()
    ]
    resources.sort(key=lambda r: r.last_backup or EPOCH, reverse=True)
    return resources


def status_message_of(item: Mapping[str, Any]) -> str:
    """A job's StatusMessage, redacted: AWS's words may quote what the job was given (a
    presigned URL, a bearer token), and every screen, listing and `--json` shows them."""
    return redact_text(text_of(item, "StatusMessage"))


def copy_job_from(item: Mapping[str, Any], account_id: str, region: str) -> CopyJob:
    """A CopyJob from a ListCopyJobs / DescribeCopyJob member."""
    return CopyJob(
        id=text_of(item, "CopyJobId"),
        account_id=text_of(item, "AccountId") or account_id,
        region=region,
        state=text_of(item, "State"),
        status_message=status_message_of(item),
        source_recovery_point_arn=text_of(item, "SourceRecoveryPointArn"),
        source_vault_arn=text_of(item, "SourceBackupVaultArn"),
        destination_vault_arn=text_of(item, "DestinationBackupVaultArn"),
        destination_recovery_point_arn=text_of(item, "DestinationRecoveryPointArn") or None,
        resource_arn=text_of(item, "ResourceArn"),
        resource_type=text_of(item, "ResourceType"),
        created=_date(item.get("CreationDate")),
        completed=_date(item.get("CompletionDate")),
        size_bytes=_int_or_none(item.get("BackupSizeInBytes")),
        iam_role_arn=text_of(item, "IamRoleArn"),
        parent_job_id=text_of(item, "ParentJobId") or None,
        is_parent=item.get("IsParent") is True,
        child_states=_counts(item.get("ChildJobsInState")),
        resource_name=text_of(item, "ResourceName"),
        created_by_plan=_plan_of(item, "BackupPlanArn", "BackupPlanId"),
    )


def restore_job_from(item: Mapping[str, Any], account_id: str, region: str) -> RestoreJob:
    """A RestoreJob from a ListRestoreJobs / DescribeRestoreJob member."""
    return RestoreJob(
        id=text_of(item, "RestoreJobId"),
        account_id=text_of(item, "AccountId") or account_id,
        region=region,
        state=text_of(item, "Status"),
        status_message=status_message_of(item),
        recovery_point_arn=text_of(item, "RecoveryPointArn"),
        resource_type=text_of(item, "ResourceType"),
        percent_done=_percent(item.get("PercentDone")),
        expected_minutes=_int_or_none(item.get("ExpectedCompletionTimeMinutes")),
        created=_date(item.get("CreationDate")),
        completed=_date(item.get("CompletionDate")),
        created_resource_arn=text_of(item, "CreatedResourceArn") or None,
        iam_role_arn=text_of(item, "IamRoleArn"),
        source_resource_arn=text_of(item, "SourceResourceArn"),
        created_by_plan=_plan_of(item, "RestoreTestingPlanArn"),
    )


def _plan_of(item: Mapping[str, Any], *keys: str) -> str:
    """The plan a job's CreatedBy names (the first of `keys` it holds), or ""."""
    created_by = item.get("CreatedBy")
    if not isinstance(created_by, Mapping):
        return ""
    return next((str(created_by[key]) for key in keys if created_by.get(key)), "")


def backup_job_from(item: Mapping[str, Any], account_id: str, region: str) -> BackupJob:
    """A BackupJob from a ListBackupJobs member or a DescribeBackupJob answer."""
    return BackupJob(
        id=text_of(item, "BackupJobId"),
        account_id=text_of(item, "AccountId") or account_id,
        region=region,
        state=text_of(item, "State"),
        status_message=status_message_of(item),
        resource_arn=text_of(item, "ResourceArn"),
        resource_type=text_of(item, "ResourceType"),
        resource_name=text_of(item, "ResourceName"),
        vault_arn=text_of(item, "BackupVaultArn"),
        recovery_point_arn=text_of(item, "RecoveryPointArn") or None,
        created=_date(item.get("CreationDate")),
        completed=_date(item.get("CompletionDate")),
        size_bytes=_int_or_none(item.get("BackupSizeInBytes")),
        iam_role_arn=text_of(item, "IamRoleArn"),
        message_category=text_of(item, "MessageCategory"),
    )


def recovery_points_from_raw(
    items: Iterable[Mapping[str, Any]], account_id: str, region: str, vault_name: str
) -> list[RecoveryPoint]:
    """RecoveryPoints from raw JSON items (timestamps as epoch numbers), fast.

    The hot loop of a large inventory: field access is inlined and epoch numbers go straight
    to UTC datetimes. Values that are not epoch numbers take the general path. An item without
    the RecoveryPointArn it is known by is left out (the caller counts what is missing).
    """
    stamp = datetime.fromtimestamp  # raises on a date out of range: the record is UNREADABLE
    points: list[RecoveryPoint] = []
    append = points.append

    def when(value: Any) -> datetime | None:
        if value is None:
            return None
        if value.__class__ is float or value.__class__ is int:
            return stamp(value, UTC)
        return _date(value)

    for item in items:
        # a dict by its exact type (a few ns); the Mapping check (an ABC's, ~70 ns) only for
        # anything else
        is_mapping = type(item) is dict or isinstance(item, Mapping)
        arn = item.get("RecoveryPointArn") if is_mapping else None
        if not arn or not isinstance(arn, str):
            continue
        try:  # free in CPython 3.11 unless raised
            get = item.get
            lifecycle = get("CalculatedLifecycle")
            size = get("BackupSizeInBytes")
            point = RecoveryPoint(
                arn,
                get("BackupVaultName") or vault_name,
                account_id,
                region,
                get("ResourceArn") or "",
                get("ResourceType") or "",
                get("ResourceName") or "",
                when(item["CreationDate"]) or datetime.min.replace(tzinfo=UTC),
                get("Status") or "",
                None if size is None else int(size),
                get("EncryptionKeyArn") or "",
                bool(get("IsEncrypted", False)),
                get("SourceBackupVaultArn") or None,
                when(lifecycle.get("DeleteAt")) if lifecycle else None,
                get("IamRoleArn") or None,
                when(get("CompletionDate")),
            )
        except RECORD_ERRORS:
            point = unreadable_point(item, account_id, region, vault_name)
        append(point)
    return points


def recovery_points_from_page(
    items: Sequence[WireRecoveryPoint | Mapping[str, Any]],
    account_id: str,
    region: str,
    vault_name: str,
) -> list[RecoveryPoint]:
    """RecoveryPoints from a page decoded by `fastparse.decode_page` (structs or raw dicts)."""
    if items and not isinstance(items[0], WireRecoveryPoint):
        return recovery_points_from_raw(
            cast(Sequence[Mapping[str, Any]], items), account_id, region, vault_name
        )
    points: list[RecoveryPoint] = []
    append = points.append
    for wire in cast(Sequence[WireRecoveryPoint], items):
        lifecycle = wire.calculated_lifecycle
        append(
            RecoveryPoint(
                wire.recovery_point_arn,
                wire.backup_vault_name or vault_name,
                account_id,
                region,
                wire.resource_arn or "",
                wire.resource_type or "",
                wire.resource_name or "",
                wire.creation_date,
                wire.status or "",
                wire.backup_size_in_bytes,
                wire.encryption_key_arn or "",
                wire.is_encrypted,
                wire.source_backup_vault_arn or None,
                lifecycle.delete_at if lifecycle is not None else None,
                wire.iam_role_arn or None,
                wire.completion_date,
            )
        )
    return points
