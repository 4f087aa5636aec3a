"""A recovery point as the sandbox keeps it, and one vault's points in listing order."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DAY = 86400.0

RecoveryPointKey = tuple[float, str]
LIST_OPERATION = "ListRecoveryPointsByBackupVault"


@dataclass(slots=True)
class RecoveryPoint:
    """One recovery point, as DescribeRecoveryPoint reports it (times are epoch seconds)."""

    arn: str
    account_id: str
    region: str
    vault_name: str
    vault_arn: str
    resource_arn: str
    resource_type: str
    resource_name: str
    created: float
    completed: float
    encryption_key_arn: str | None
    size_bytes: int
    status: str = "COMPLETED"
    source_backup_vault_arn: str | None = None
    iam_role_arn: str | None = None
    delete_after_days: int | None = None
    move_to_cold_after_days: int | None = None
    status_message: str | None = None
    last_restore_time: float | None = None
    created_by: dict[str, str] | None = None
    # The vault's kind, as its DescribeBackupVault gives it (set when the point is stored), and
    # IsEncrypted when it is not "has a key ARN" (an AMI whose snapshots name no one key).
    vault_type: str = "BACKUP_VAULT"
    encryption_key_type: str | None = None
    is_encrypted: bool | None = None
    # An RDS DB snapshot's OptionGroupName (None: not a DB instance snapshot of the sandbox).
    option_group: str | None = None
    # (the mutable fields it was made from, the JSON of this point in a list page)
    _listed: tuple[tuple[Any, ...], str] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @property
    def key(self) -> RecoveryPointKey:
        """Sort key: newest first, then by ARN so that equal times keep a stable order."""
        return (-self.created, self.arn)

    def lifecycle(self) -> dict[str, Any] | None:
        """The Lifecycle structure, or None when the point never expires."""
        if self.delete_after_days is None and self.move_to_cold_after_days is None:
            return None
        return {
            "DeleteAfterDays": self.delete_after_days,
            "MoveToColdStorageAfterDays": self.move_to_cold_after_days,
        }

    def calculated_lifecycle(self) -> dict[str, Any] | None:
        """CalculatedLifecycle: the dates at which the lifecycle acts."""
        if self.delete_after_days is None and self.move_to_cold_after_days is None:
            return None
        out: dict[str, Any] = {}
        if self.delete_after_days is not None:
            out["DeleteAt"] = self.created + self.delete_after_days * DAY
        if self.move_to_cold_after_days is not None:
            out["MoveToColdStorageAt"] = self.created + self.move_to_cold_after_days * DAY
        return out

    def storage_class(self, now: float) -> str:
        """WARM, or COLD once the lifecycle has moved the point to cold storage: only types that
        transition to cold storage do; "AWS Backup ignores this expression for other resource
        types" (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_Lifecycle.html)."""
        tiered = self.resource_type == "EFS" or (
            self.resource_type == "DynamoDB" and ":recovery-point:" in self.arn
        )
        if not tiered:
            return "WARM"
        cold_at = self.calculated_lifecycle() or {}
        moved = cold_at.get("MoveToColdStorageAt")
        return "COLD" if moved is not None and now >= moved else "WARM"

    def describe(self) -> dict[str, Any]:
        """The fields of DescribeRecoveryPoint / ListRecoveryPointsByBackupVault."""
        return {
            "RecoveryPointArn": self.arn,
            "BackupVaultName": self.vault_name,
            "BackupVaultArn": self.vault_arn,
            "SourceBackupVaultArn": self.source_backup_vault_arn,
            "ResourceArn": self.resource_arn,
            "ResourceType": self.resource_type,
            "ResourceName": self.resource_name or None,
            "CreatedBy": self.created_by,
            "IamRoleArn": self.iam_role_arn,
            "Status": self.status,
            "StatusMessage": self.status_message,
            "CreationDate": self.created,
            "InitiationDate": self.created,
            "CompletionDate": self.completed,
            "BackupSizeInBytes": self.size_bytes,
            "Lifecycle": self.lifecycle(),
            "CalculatedLifecycle": self.calculated_lifecycle(),
            "EncryptionKeyArn": self.encryption_key_arn,
            "EncryptionKeyType": self.encryption_key_type,
            "IsEncrypted": (
                self.encryption_key_arn is not None
                if self.is_encrypted is None
                else self.is_encrypted
            ),
            "LastRestoreTime": self.last_restore_time,
            "IsParent": False,
            "VaultType": self.vault_type,
        }

    def _mutable_state(self) -> tuple[Any, ...]:
        # The fields that change after a point is stored (status, lifecycle, restores);
        # the others (ARNs, vault, resource, times, key, size) are fixed at creation.
        created_by = self.created_by
        return (
            self.status,
            self.status_message,
            self.delete_after_days,
            self.move_to_cold_after_days,
            self.last_restore_time,
            None if created_by is None else tuple(sorted(created_by.items())),
        )

    def list_fragment(self) -> str:
        """This point's JSON in a ListRecoveryPointsByBackupVault page, walked once and kept.

        The text is remade when a mutable field changed since it was made.
        """
        state = self._mutable_state()
        listed = self._listed
        if listed is not None and listed[0] == state:
            return listed[1]
        from .shapes import item_fragment

        text = item_fragment(LIST_OPERATION, "RecoveryPoints", self.describe())
        self._listed = (state, text)
        return text

    def by_resource(self) -> dict[str, Any]:
        """The fields of ListRecoveryPointsByResource (note BackupSizeBytes, as AWS names it)."""
        return {
            "RecoveryPointArn": self.arn,
            "CreationDate": self.created,
            "Status": self.status,
            "StatusMessage": self.status_message,
            "EncryptionKeyArn": self.encryption_key_arn,
            "BackupSizeBytes": self.size_bytes,
            "BackupVaultName": self.vault_name,
            "IsParent": False,
            "ResourceName": self.resource_name or None,
            "VaultType": self.vault_type,
        }


class VaultPoints:
    """The recovery points of one vault, kept in listing order (newest first) for cheap paging.

    Points are appended and the key list is sorted once on the next read when an append broke
    the order (Python's sort is linear on presorted runs), so seeding 300,000 points is cheap.
    """

    def __init__(self) -> None:
        self.items: dict[str, RecoveryPoint] = {}
        self._keys: list[RecoveryPointKey] = []
        self._ordered = True

    def __len__(self) -> int:
        return len(self.items)

    def add(self, point: RecoveryPoint) -> None:
        """Insert a point (its ARN must be new)."""
        key = point.key
        if self._keys and key < self._keys[-1]:
            self._ordered = False
        self._keys.append(key)
        self.items[point.arn] = point

    def keys(self) -> list[RecoveryPointKey]:
        """The sort keys in listing order."""
        if not self._ordered:
            self._keys.sort()
            self._ordered = True
        return self._keys

    def remove(self, arn: str) -> RecoveryPoint:
        """Drop a point; KeyError when absent."""
        point = self.items.pop(arn)
        keys = self.keys()
        index = bisect_left(keys, point.key)
        del keys[index]
        return point

    def page(
        self,
        after: RecoveryPointKey | None,
        limit: int,
        matches: Callable[[RecoveryPoint], bool],
        created_after: float | None = None,
        created_before: float | None = None,
    ) -> tuple[list[RecoveryPoint], RecoveryPointKey | None]:
        """Up to `limit` matching points after the key `after`, and the key to continue from."""
        keys = self.keys()
        start = 0 if after is None else bisect_right(keys, after)
        if created_before is not None:
            start = max(start, bisect_right(keys, (-created_before, "\U0010ffff")))
        stop = len(keys) if created_after is None else bisect_left(keys, (-created_after, ""))
        found: list[RecoveryPoint] = []
        index = start
        while index < stop and len(found) < limit:
            point = self.items[keys[index][1]]
            if matches(point):
                found.append(point)
            index += 1
        more = index < stop and found and len(found) == limit
        return found, (found[-1].key if more else None)
