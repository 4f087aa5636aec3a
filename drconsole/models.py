"""Frozen records shared by every layer; no raw boto3 dicts travel past `aws/`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

import msgspec

from drconsole.partitions import backup_vault, of_arn


class CheckStatus(StrEnum):
    """Outcome of one prerequisite check. A fact that could not be read is UNKNOWN."""

    PASS = "PASS"
    FAIL = "FAIL"
    WARN = "WARN"
    UNKNOWN = "UNKNOWN"


class CauseCode(StrEnum):
    """Cause codes shared by checks, failed jobs and `explain` (DESIGN.md section 6)."""

    CROSS_ACCOUNT_DISABLED = "CROSS_ACCOUNT_DISABLED"
    NOT_SAME_ORG = "NOT_SAME_ORG"
    VAULT_POLICY_DENIES_COPY = "VAULT_POLICY_DENIES_COPY"
    UNSUPPORTED_COPY_ROUTE = "UNSUPPORTED_COPY_ROUTE"
    RDS_OPTION_GROUP = "RDS_OPTION_GROUP"
    SOURCE_KEY_NOT_SHARED = "SOURCE_KEY_NOT_SHARED"
    DEST_VAULT_AWS_MANAGED_KEY = "DEST_VAULT_AWS_MANAGED_KEY"
    AWS_MANAGED_RESOURCE_KEY = "AWS_MANAGED_RESOURCE_KEY"
    KMS_KEY_UNUSABLE = "KMS_KEY_UNUSABLE"
    PRINCIPAL_DOES_NOT_EXIST = "PRINCIPAL_DOES_NOT_EXIST"
    SERVICE_LINKED_ROLE_MISSING = "SERVICE_LINKED_ROLE_MISSING"
    MARKETPLACE_AMI = "MARKETPLACE_AMI"
    VAULT_LOCK_RETENTION = "VAULT_LOCK_RETENTION"
    TOO_MANY_JOBS = "TOO_MANY_JOBS"
    ROLE_PERMISSIONS = "ROLE_PERMISSIONS"
    CROSS_ACCOUNT_RESTORE = "CROSS_ACCOUNT_RESTORE"
    RESTORE_NETWORK = "RESTORE_NETWORK"
    RESOURCE_ALREADY_EXISTS = "RESOURCE_ALREADY_EXISTS"
    ENGINE_VERSION = "ENGINE_VERSION"
    # Readiness (`drconsole readiness`): a resource without a copy in the backup account, and
    # a newest backup older than the RPO objective.
    NO_DR_COPY = "NO_DR_COPY"
    RPO_EXCEEDED = "RPO_EXCEEDED"
    # Readiness: the newest copy in the backup account holds data older than the objective
    # (copies stopped coming while local backups go on).
    DR_COPY_STALE = "DR_COPY_STALE"
    THROTTLED = "THROTTLED"
    CREDENTIALS_EXPIRED = "CREDENTIALS_EXPIRED"
    # AWS refused a request signed too far from its clock: this machine's clock is wrong.
    CLOCK_SKEW = "CLOCK_SKEW"
    NETWORK = "NETWORK"
    SERVICE_ERROR = "SERVICE_ERROR"
    UNKNOWN = "UNKNOWN"


# The causes that say a Region did not answer (an outage), not what was asked of it.
OUTAGE_CAUSES = frozenset({CauseCode.NETWORK, CauseCode.SERVICE_ERROR})


class KeyType(StrEnum):
    """Who manages a KMS key."""

    CUSTOMER_MANAGED = "customer-managed"
    AWS_MANAGED = "aws-managed"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class OrgUnit:
    """An organizational unit; `path` is the display path (e.g. `Root/Non-Prod/QA`)."""

    id: str
    name: str
    parent_id: str
    path: str
    # aws:PrincipalOrgPaths form: o-xxx/r-xxx/ou-xxx/
    org_path: str


@dataclass(frozen=True, slots=True)
class Account:
    """An AWS account of the organization (or a plain profile)."""

    id: str
    name: str
    email: str = ""
    status: str = "ACTIVE"
    ou_id: str = ""
    ou_path: str = ""
    org_path: str = ""
    role: str = "member"  # management | backup | member
    profile: str | None = None


@dataclass(frozen=True, slots=True)
class Organization:
    """The AWS Organization seen from the management (or delegated-admin) account."""

    id: str
    management_account_id: str
    root_id: str
    accounts: tuple[Account, ...]
    units: tuple[OrgUnit, ...]
    # OUs and accounts the walk's answers held without an id (left out), where they were
    skipped: tuple[AccountError, ...] = ()


@dataclass(frozen=True, slots=True)
class AccountError:
    """A failure confined to one account and Region (AccessDenied, throttling...)."""

    account_id: str
    region: str
    operation: str
    code: str
    message: str
    cause: CauseCode
    # Records of the answer skipped because they lacked what identifies them; the rest of the
    # answer was read, so the account and Region did not fail.
    skipped: int = 0
    # What to do about it, when drconsole knows better than AWS's message (a Region the
    # account has not enabled); empty otherwise.
    remedy: str = ""


@dataclass(frozen=True, slots=True)
class Vault:
    """A backup vault in one account and Region."""

    arn: str
    name: str
    account_id: str
    region: str
    encryption_key_arn: str
    key_type: KeyType
    locked: bool
    min_retention_days: int | None
    max_retention_days: int | None
    has_access_policy: bool | None  # None: could not be read
    recovery_point_count: int
    created: datetime | None = None
    # False when only listed: the key type and access policy are read when a screen shows them
    # (`Inventory.vault_details`); until then they say unknown, not unreadable.
    details_read: bool = True


class RecoveryPoint(msgspec.Struct, frozen=True, gc=False):
    """One recovery point (a backup or a copy) in a vault.

    A msgspec Struct, not a dataclass like the other records: a listing makes hundreds of
    thousands of them, and a Struct is made seven times faster (2.7 -> 0.2-0.4 µs) and, holding no
    container, is never tracked by the garbage collector (`gc=False`).
    """

    arn: str
    vault_name: str
    account_id: str
    region: str
    resource_arn: str
    resource_type: str
    resource_name: str
    created: datetime
    status: str
    size_bytes: int | None
    encryption_key_arn: str
    is_encrypted: bool
    source_vault_arn: str | None
    expires: datetime | None
    iam_role_arn: str | None = None
    completion_date: datetime | None = None

    @property
    def vault_arn(self) -> str:
        """The ARN of the vault holding this recovery point."""
        return backup_vault(self.region, self.account_id, self.vault_name, of_arn(self.arn))


@dataclass(frozen=True, slots=True)
class ProtectedResource:
    """A resource with at least one recovery point, and its newest one."""

    resource_arn: str
    resource_type: str
    resource_name: str
    account_id: str
    region: str
    last_backup: datetime | None
    last_recovery_point_arn: str | None
    last_vault_arn: str | None = None  # the vault holding the newest recovery point


@dataclass(frozen=True, slots=True)
class CopyJob:
    """A copy job as AWS reports it. Copy jobs have no percentage."""

    id: str
    account_id: str
    region: str
    state: str  # CREATED | RUNNING | COMPLETED | FAILED | PARTIAL | ABORTED
    status_message: str
    source_recovery_point_arn: str
    source_vault_arn: str
    destination_vault_arn: str
    destination_recovery_point_arn: str | None
    resource_arn: str
    resource_type: str
    created: datetime | None
    completed: datetime | None
    size_bytes: int | None
    iam_role_arn: str
    parent_job_id: str | None = None
    is_parent: bool = False
    child_states: tuple[tuple[str, int], ...] = ()
    resource_name: str = ""
    created_by_plan: str = ""  # the backup plan that started it (CreatedBy); "": a person


@dataclass(frozen=True, slots=True)
class RestoreJob:
    """A restore job as AWS reports it."""

    id: str
    account_id: str
    region: str
    state: str  # PENDING | RUNNING | COMPLETED | ABORTED | FAILED
    status_message: str
    recovery_point_arn: str
    resource_type: str
    percent_done: float | None
    expected_minutes: int | None
    created: datetime | None
    completed: datetime | None
    created_resource_arn: str | None
    iam_role_arn: str
    source_resource_arn: str = ""  # the resource the recovery point was made of
    created_by_plan: str = ""  # the restore testing plan that started it (CreatedBy); "": a person


@dataclass(frozen=True, slots=True)
class BackupJob:
    """A backup job as AWS reports it (ListBackupJobs / DescribeBackupJob)."""

    id: str
    account_id: str
    region: str
    # CREATED | PENDING | RUNNING | ABORTING | ABORTED | COMPLETED | FAILED | EXPIRED | PARTIAL
    state: str
    status_message: str
    resource_arn: str
    resource_type: str
    resource_name: str
    vault_arn: str
    recovery_point_arn: str | None
    created: datetime | None
    completed: datetime | None
    size_bytes: int | None
    iam_role_arn: str
    message_category: str = ""


@dataclass(frozen=True, slots=True)
class Check:
    """One prerequisite check with its verdict, evidence and remediation."""

    id: str
    title: str
    status: CheckStatus
    evidence: str
    cause: CauseCode | None = None
    remediation: str = ""
    fix_id: str | None = None  # set when drconsole can apply the fix itself
    details: tuple[tuple[str, str], ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """An AWS error or job StatusMessage explained."""

    cause: CauseCode
    explanation: str
    remediation: str
    matched: str = ""  # the pattern or error code that matched, for transparency
    # Other causes AWS's text fits as well: the message alone cannot tell them from `cause`
    # (a flow that knows which check passed narrows it).
    also: tuple[CauseCode, ...] = ()


@dataclass(frozen=True, slots=True)
class VaultBatch:
    """The vaults of one account and Region, as the inventory hands them over."""

    account_id: str
    region: str
    vaults: tuple[Vault, ...]
