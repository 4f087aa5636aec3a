"""Facts the checks judge: frozen dataclasses gathered by `drconsole.aws.facts`.

A fact that could not be read is an `Unreadable` in place of its value, so that every verdict
must decide what an unreadable fact means (UNKNOWN, never PASS).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from drconsole.partitions import (
    BACKUP_SLR_NAME,
    RESTORE_POLICY,
    S3_RESTORE_POLICY,
    backup_service_linked_role,
    backup_vault,
    iam_role,
    managed_policy,
    of_arn,
)
from drconsole.resource_types import DATABASE_TYPES

T = TypeVar("T")

# Resource types AWS Backup manages fully: their recovery points are encrypted with the vault's
# key (independent encryption), so a vault on aws/backup can receive them. DynamoDB joins them
# only with advanced features turned on. Names as GetSupportedResourceTypes spells them (SAP HANA
# databases on EC2 are backed up by AWS Backup itself, not as EC2 snapshots).
FULLY_MANAGED_TYPES = frozenset(
    {"S3", "EFS", "Timestream", "VirtualMachine", "CloudFormation", "SAP HANA on Amazon EC2"}
)
# Database engines that historically cannot copy across account AND Region in one job.
RDS_FAMILY_TYPES = DATABASE_TYPES

SERVICE_LINKED_ROLE_NAME = BACKUP_SLR_NAME
# DescribeBackupVault's and DescribeRecoveryPoint's EncryptionKeyType of an AWS owned key, and
# the manager drconsole gives such a key (not "AWS": an AWS managed key is another thing).
AWS_OWNED_KEY_TYPE = "AWS_OWNED_KMS_KEY"
AWS_OWNED_MANAGER = "AWS_OWNED"
DEFAULT_SERVICE_ROLE_NAME = "AWSBackupDefaultServiceRole"


def copied_from_region(region: str, source_vault_arn: str | None) -> str:
    """The Region of a copy's source vault (its SourceBackupVaultArn) when it is not the
    copy's own `region`: the copy was made from another Region ("" otherwise)."""
    parts = (source_vault_arn or "").split(":")
    source_region = parts[3] if len(parts) > 5 else ""
    return source_region if source_region and source_region != region else ""


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A fact drconsole could not read, and why (AccessDenied, throttling...)."""

    operation: str
    code: str
    message: str
    # Where the call was sent ("account 336580474362, eu-central-1"), said when its Region did
    # not answer (NETWORK, SERVICE_ERROR): which Region is down, and for whom.
    where: str = ""

    def describe(self) -> str:
        """One line for evidence: which call failed and how."""
        where = f" in {self.where}" if self.where else ""
        return f"{self.operation} failed{where}: {self.code}: {self.message}"


# A fact a builder of facts did not read (readiness judges no SCP of a restore): UNKNOWN, never
# a vacuous PASS.
NOT_READ = Unreadable("not read", "NotRead", "this fact was not read")


def slr_arn(account_id: str, partition: str) -> str:
    """The ARN of AWS Backup's service-linked role in an account."""
    return backup_service_linked_role(account_id, partition)


def default_role_arn(account_id: str, partition: str) -> str:
    """The ARN of the default AWS Backup service role in an account."""
    return iam_role(account_id, f"service-role/{DEFAULT_SERVICE_ROLE_NAME}", partition)


def restore_policy_arns(resource_type: str, partition: str) -> list[str]:
    """The AWS managed policies a restore role needs for a resource type."""
    names = [RESTORE_POLICY, S3_RESTORE_POLICY] if resource_type == "S3" else [RESTORE_POLICY]
    return [managed_policy(name, partition) for name in names]


@dataclass(frozen=True, slots=True)
class RecoveryPointFacts:
    """The recovery point being copied or restored, as DescribeRecoveryPoint reports it."""

    arn: str
    account_id: str
    region: str
    vault_name: str
    resource_type: str
    resource_arn: str
    resource_name: str
    status: str
    encryption_key_arn: str | None
    delete_after_days: int | None = None
    storage_class: str = ""  # DescribeRecoveryPoint's StorageClass: WARM | COLD | DELETED
    source_vault_arn: str = ""  # DescribeRecoveryPoint's SourceBackupVaultArn (a copy's)
    # DescribeRecoveryPoint's CreationDate (UTC); a copy keeps its source's, and a copy's
    # DeleteAfterDays counts from it.
    creation_date: datetime | None = None
    # DescribeRecoveryPoint's EncryptionKeyType (CUSTOMER_MANAGED_KMS_KEY | AWS_OWNED_KMS_KEY,
    # "" when AWS does not say) and IsEncrypted (None when absent): a point can be encrypted
    # without a key ARN (an AMI, whose snapshots each have their own key).
    encryption_key_type: str = ""
    is_encrypted: bool | None = None
    # A foreseen copy (a two-hop route's second hop, before the first has made it): the ARN of
    # the recovery point it will be copied from, whose DB snapshot is the one read for what
    # the copy carries ("" : the point exists and is read itself).
    copied_from: str = ""
    # DescribeRecoveryPoint's CreatedBy: the backup plan and rule that made it ("" : made on
    # demand, or a copy). The rule's copy actions are the DR copies AWS makes of it.
    created_by_plan: str = ""
    created_by_rule: str = ""

    @property
    def copied_from_region(self) -> str:
        """The Region this recovery point was copied from, when it is a copy made from another
        Region ("" otherwise)."""
        return copied_from_region(self.region, self.source_vault_arn)

    @property
    def vault_arn(self) -> str:
        """The ARN of the vault holding the recovery point."""
        return backup_vault(self.region, self.account_id, self.vault_name, self.partition)

    @property
    def partition(self) -> str:
        """The partition of the recovery point, which every ARN of its copy or restore is in."""
        return of_arn(self.arn)


@dataclass(frozen=True, slots=True)
class KeyFacts:
    """A KMS key: who manages it, whether it can be used, and its key policy."""

    arn: str
    manager: str  # "AWS" | "CUSTOMER" | AWS_OWNED_MANAGER
    state: str  # Enabled | Disabled | PendingDeletion ...
    policy: str | Unreadable | None = None  # key policy JSON; None when not read
    aliases: tuple[str, ...] = ()

    @property
    def aws_managed(self) -> bool:
        """True for an AWS managed key (aws/ebs, aws/rds, aws/backup...)."""
        return self.manager == "AWS"

    @property
    def aws_owned(self) -> bool:
        """True for an AWS owned key (a logically air-gapped vault's by default): it lives in
        an AWS service account and AWS Backup manages its use."""
        return self.manager == AWS_OWNED_MANAGER

    @property
    def usable(self) -> bool:
        """True when the key can encrypt and decrypt."""
        return self.state == "Enabled"


@dataclass(frozen=True, slots=True)
class ImageSnapshot:
    """One EBS snapshot of an EC2 recovery point's AMI and the key it is encrypted with: an
    AMI's snapshots each keep their volume's key, and every one of them is copied."""

    snapshot_id: str
    device_name: str
    key_arn: str  # "" when the snapshot is not encrypted
    key: KeyFacts | Unreadable | None  # None: not encrypted


@dataclass(frozen=True, slots=True)
class VaultFacts:
    """A destination (or intermediate) vault and what guards it."""

    arn: str
    name: str
    account_id: str
    region: str
    encryption_key_arn: str
    key: KeyFacts | Unreadable | None
    access_policy: str | Unreadable | None  # None: no policy set
    locked: bool = False
    min_retention_days: int | None = None
    max_retention_days: int | None = None
    vault_type: str = ""  # DescribeBackupVault's VaultType ("" when AWS does not say)


@dataclass(frozen=True, slots=True)
class BoundaryFacts:
    """A role's permissions boundary (GetRole's PermissionsBoundaryArn) and the document of the
    policy's default version (GetPolicy, GetPolicyVersion), or why it could not be read."""

    arn: str
    document: str | Unreadable


@dataclass(frozen=True, slots=True)
class IdentityPolicy:
    """One identity policy of a role: an attached managed policy (its ARN, the document of its
    default version) or an inline one (its name, GetRolePolicy's document), or why its
    document could not be read."""

    name: str  # the managed policy's ARN, or the inline policy's name
    inline: bool
    document: str | Unreadable

    @property
    def described(self) -> str:
        """How evidence names it."""
        return f"inline policy {self.name}" if self.inline else f"policy {self.name}"


@dataclass(frozen=True, slots=True)
class RoleFacts:
    """An IAM role: its trust policy, the managed policies attached to it, its permissions
    boundary (None: the role has none), and the documents of its identity policies (None: not
    read; Unreadable: the lists of its policies could not be read)."""

    arn: str
    trust_policy: str
    attached_policy_arns: tuple[str, ...] = ()
    inline_policy_names: tuple[str, ...] = ()
    boundary: BoundaryFacts | None = None
    identity_policies: tuple[IdentityPolicy, ...] | Unreadable | None = None


@dataclass(frozen=True, slots=True)
class OrgMembership:
    """What one account sees of its organization."""

    account_id: str
    org_id: str | None  # None: the account is in no organization
    management_account_id: str | None = None
    org_path: str | None = None  # aws:PrincipalOrgPaths form, when the path could be read


@dataclass(frozen=True, slots=True)
class ScpLevel:
    """The service (or resource) control policies attached at one level (root, an OU, the
    account)."""

    target_id: str
    policies: tuple[tuple[str, str], ...]  # (policy name, JSON document)


@dataclass(frozen=True, slots=True)
class SnapshotOptionGroup:
    """The option group an RDS DB snapshot carries, and what a copy into another Region needs
    of it: its persistent or permanent options, and the option group of the same name where
    the copy is made."""

    name: str
    # The persistent or permanent options of the group (TDE, Timezone, OLS...), which a DB
    # snapshot copied into another Region needs a target option group to hold.
    lasting_options: tuple[str, ...] | Unreadable = ()
    other_options: tuple[str, ...] = ()
    engine: str = ""
    major_engine_version: str = ""
    # The options of the option group of that name in the destination account and Region
    # (None: there is none; also None, unasked, when the group has no lasting option).
    destination_options: tuple[str, ...] | Unreadable | None = None

    @property
    def default(self) -> bool:
        """True for an engine's default option group (default:<engine>-<major version>), which
        every Region has."""
        return self.name.startswith("default:")


@dataclass(frozen=True, slots=True)
class CopyJobLoad:
    """Copy jobs already in flight that this copy competes with."""

    for_resource: tuple[str, ...]  # ids of CREATED/RUNNING copy jobs of the same resource
    to_destination_region: int  # CREATED/RUNNING copy jobs of the account into the dest Region


@dataclass(frozen=True, slots=True)
class CopyFacts:
    """Everything the copy checks judge, for one recovery point and one destination vault."""

    recovery_point: RecoveryPointFacts
    dest_vault_arn: str
    dest_account_id: str
    dest_region: str
    dest_vault_name: str
    copy_role_arn: str
    cross_account_enabled: bool | Unreadable
    source_org: OrgMembership | Unreadable
    dest_org: OrgMembership | Unreadable
    dest_vault: VaultFacts | Unreadable | None  # None: the vault does not exist
    source_vault_policy: str | Unreadable | None
    source_scps: tuple[ScpLevel, ...] | Unreadable | None  # None: no SCPs apply (management)
    source_key: KeyFacts | Unreadable | None  # None: the recovery point is not encrypted
    dest_slr_exists: bool | Unreadable
    copy_role: RoleFacts | Unreadable | None  # None: the role does not exist
    job_load: CopyJobLoad | Unreadable
    marketplace_product_codes: tuple[str, ...] | Unreadable = ()
    # The option group of the RDS DB snapshot, read for a copy into another Region only (None:
    # not read, or the recovery point is no DB instance snapshot or carries no option group).
    snapshot_option_group: SnapshotOptionGroup | Unreadable | None = None
    # The source Region's DynamoDB advanced-features setting: not read for the verdicts, which
    # rest on the recovery point's ARN (a backup keeps the features it was made with).
    dynamodb_advanced: bool | Unreadable = False
    # The destination vault's tags, for SCP aws:ResourceTag conditions on CopyIntoBackupVault.
    dest_vault_tags: tuple[tuple[str, str], ...] | Unreadable = ()
    # The destination account's effective tag policy (DescribeEffectivePolicy's PolicyContent,
    # JSON; None: no tag policy applies) and the recovery point's tags, which the copy carries
    # into that account.
    dest_tag_policy: str | Unreadable | None = None
    recovery_point_tags: tuple[tuple[str, str], ...] | Unreadable = ()
    intermediate_vaults: tuple[str, ...] = ()  # candidate vault ARNs for a two-hop route
    lifecycle_delete_after_days: int | None = None  # the copy's retention (None: kept forever)
    # The identity that starts the copy in the source account, and whether it may pass the copy
    # role to AWS Backup (iam:PassRole); None: not judged (the account's root).
    caller_arn: str = ""
    pass_role: bool | Unreadable | None = None
    # The destination vault's access policy as the source group reads it for a same-account
    # copy, where it may allow the copy role's CopyIntoBackupVault (None: no policy, or a
    # cross-account copy, where it does not stand in for the role's own Allow).
    dest_vault_policy: str | Unreadable | None = None
    # The EBS snapshots of an EC2 recovery point's AMI with their keys (None: not an AMI, not
    # read, or the AMI no longer exists).
    image_snapshots: tuple[ImageSnapshot, ...] | Unreadable | None = None
    # The RCPs on the OU path of the source account, where AWS Backup assumes the copy role
    # (None: none apply, as in the management account).
    copy_role_rcps: tuple[ScpLevel, ...] | Unreadable | None = None

    @property
    def cross_account(self) -> bool:
        """True when the copy leaves the source account."""
        return self.recovery_point.account_id != self.dest_account_id

    @property
    def cross_region(self) -> bool:
        """True when the copy leaves the source Region."""
        return self.recovery_point.region != self.dest_region


# Per resource type, the metadata key that names what a restore creates and that every
# drconsole restore (the wizard's form, `drconsole restore`, copy --restore, drills) fills with
# `<original>-restored-<flow id>` unless a name is given: AWS's default is the original's name.
NAMED_ANEW_ON_RESTORE = {
    "RDS": "DBInstanceIdentifier",
    "Aurora": "DBClusterIdentifier",
    "DynamoDB": "targetTableName",
    "EFS": "CreationToken",
    "S3": "DestinationBucketName",
}


# The kind of target a restore goes into rather than creates (EFS, newFileSystem false): it
# must exist where the restore runs.
EXISTING_FILE_SYSTEM = "EFS file system to restore into"


@dataclass(frozen=True, slots=True)
class TargetName:
    """A name the restore will create, and whether something already holds it."""

    kind: str  # "DynamoDB table" | "RDS DB instance" | "Aurora DB cluster" | "S3 bucket" ...
    name: str
    taken: bool | Unreadable


@dataclass(frozen=True, slots=True)
class NetworkPart:
    """A subnet, DB subnet group, security group or option group the restore metadata names,
    as EC2 or RDS reports it in the restoring account and Region."""

    kind: str  # "subnet" | "DB subnet group" | "security group" | "option group"
    name: str
    vpc_id: str | None  # None: it does not exist; "": not tied to a VPC
    zones: tuple[str, ...] = ()  # the Availability Zones of its subnets


@dataclass(frozen=True, slots=True)
class RestoreNetwork:
    """Where the restored instance or database will sit: what the metadata names, and the
    default VPC AWS falls back on when it names no subnet (or DB subnet group)."""

    placement: NetworkPart | None  # the subnet or DB subnet group named
    attached: tuple[NetworkPart, ...]  # security groups and option group named
    default_vpc: NetworkPart | None  # the default VPC and its subnets' zones; None: none
    requested_zones: tuple[str, ...] = ()  # Availability Zone(s) the metadata asks for
    zone_key: str = ""  # the metadata key that asks for them


@dataclass(frozen=True, slots=True)
class EngineVersions:
    """The engine version a database restore asks for, against its snapshot's."""

    engine: str
    snapshot_version: str  # as GetRecoveryPointRestoreMetadata reports it
    requested_version: str
    offered: bool | Unreadable | None = None  # None: not asked (same version as the snapshot)


@dataclass(frozen=True, slots=True)
class KeyAccess:
    """Whether a principal may use the destination key, per its key policy and grants."""

    principal: str
    allowed: bool | Unreadable
    how: str = ""  # the statement or grant that allows it, or why not
    # The key policy's decision: allow, explicit-deny, implicit-deny, unknown, or
    # explicit-deny too when it hinges on a key not known and may be one. A grant counts only
    # when the policy cannot deny explicitly: "An explicit deny in any policy overrides any
    # allows" (IAM evaluation logic), and a grant is an allow.
    decision: str = ""


@dataclass(frozen=True, slots=True)
class PassedRole:
    """A role the restore hands to what it creates, and whether the restore role may pass it."""

    role_arn: str
    allowed: bool | Unreadable  # iam:SimulatePrincipalPolicy of the restore role


@dataclass(frozen=True, slots=True)
class InstanceProfileFacts:
    """The instance profile an EC2 restore names, as the restoring account has it."""

    name: str
    exists: bool | Unreadable  # iam:GetInstanceProfile in the restoring account
    roles: tuple[PassedRole, ...] = ()


@dataclass(frozen=True, slots=True)
class KeyPairFacts:
    """The EC2 key pair an EC2 restore names, as the restoring account and Region have it."""

    name: str
    exists: bool | Unreadable  # ec2:DescribeKeyPairs in the restoring account and Region
    # The restore leaves KeyName out (`--metadata KeyName=`) and `name` is the backed-up one:
    # what AWS Backup launches with then is not documented.
    left_out: bool = False


@dataclass(frozen=True, slots=True)
class OtherKey:
    """Another key a restore uses besides its own — of an EC2 recovery point's AMI snapshots,
    or (readiness's restore in place of a vault) of another resource type's recovery point —
    with what the restore needs of it (the restore role's and AWSServiceRoleForBackup's use,
    the RCPs on its account)."""

    snapshots: str  # the AMI snapshots on it, as `snap-… (/dev/sdf)` ("" for a point's key)
    key_arn: str
    key: KeyFacts | Unreadable
    key_access: tuple[KeyAccess, ...] = ()
    key_rcps: tuple[ScpLevel, ...] | Unreadable | None = None
    # How a verdict names what is on it, when not `snapshot … of AMI <the recovery point's>`:
    # the snapshots of several AMIs, or another recovery point.
    label: str = ""


@dataclass(frozen=True, slots=True)
class RestoreFacts:
    """Everything the restore checks judge."""

    recovery_point: RecoveryPointFacts
    restoring_account_id: str
    role_arn: str
    role: RoleFacts | Unreadable | None  # None: the role does not exist
    metadata: dict[str, str] | Unreadable  # AWS's restore metadata merged with the user's
    user_metadata_keys: frozenset[str] = frozenset()
    # AWS's own restore metadata, before the user's (the backed-up volume's size), if read.
    aws_metadata: dict[str, str] | None = None
    target_names: tuple[TargetName, ...] = ()
    # (kind, AWS's default name) of names the restore creates anew (`<name>-restored-<flow id>`)
    # because none was given: judged free, not AWS's default.
    new_names: tuple[tuple[str, str], ...] = ()
    restore_key: KeyFacts | Unreadable | None = None  # None: nothing encrypted with a KMS key
    # The ARN of that key, kept for a key that could not be read (to name it in the remedy).
    restore_key_arn: str = ""
    copy_back_vaults: tuple[str, ...] = field(default_factory=tuple)  # vaults to copy into first
    restoring_region: str = ""  # where the restore runs ("" : the recovery point's Region)
    after_copy_to: str = ""  # the vault ARN the recovery point is copied into before the restore
    network: RestoreNetwork | Unreadable | None = None  # None: the type has no network
    engine: EngineVersions | Unreadable | None = None  # None: no engine version asked
    key_access: tuple[KeyAccess, ...] = ()  # the restore role and AWSServiceRoleForBackup
    pass_role: bool | Unreadable | None = None  # None: not judged (the caller is a root)
    caller_arn: str = ""  # the identity that calls StartRestoreJob (for iam:PassRole)
    # None: the restore names no instance profile (or the type has none)
    instance_profile: InstanceProfileFacts | Unreadable | None = None
    # None: the restore names no key pair (or the type has none)
    key_pair: KeyPairFacts | Unreadable | None = None
    # The restoring account's organization (its OU path), and the SCPs on that path (None: no
    # SCPs apply, as to the management account); not read until gathered.
    restoring_org: OrgMembership | Unreadable | None = None
    restoring_scps: tuple[ScpLevel, ...] | Unreadable | None = NOT_READ
    # The RCPs on the OU path of the account owning the restore's customer managed key (None:
    # none apply, or the restore role makes no KMS call drconsole judges, or not gathered:
    # readiness does not read them).
    key_rcps: tuple[ScpLevel, ...] | Unreadable | None = None
    # The RCPs on the OU path of the restoring account, where AWS Backup assumes the restore
    # role (None: none apply, as in the management account).
    role_rcps: tuple[ScpLevel, ...] | Unreadable | None = None
    # The other keys the restore uses, each judged as the restore's key is: an EC2 restore in
    # place's AMI snapshots' (empty: one key, not an AMI, or after a copy, whose snapshots are
    # all on its vault's key), or why the snapshots could not be read; readiness's restore in
    # place of a vault adds its other resource types' recovery points' keys.
    other_keys: tuple[OtherKey, ...] | Unreadable = ()
