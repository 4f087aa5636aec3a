"""Recovery points, access policies and settings kept in moto's Backup backend; seeding."""

from __future__ import annotations

import base64
import random
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from moto.backup.models import BackupBackend, backup_backends

from .access import AWS_OWNED_KEY_ACCOUNT
from .point_records import RecoveryPoint, RecoveryPointKey, VaultPoints

# Guards every structure below: moto's server answers each request on its own thread.
LOCK = threading.RLock()
LAG_VAULT_TYPE = "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"
AWS_OWNED_KEY_TYPE = "AWS_OWNED_KMS_KEY"


def aws_owned_key_arn(region: str) -> str:
    """The ARN of the AWS owned key the sandbox's logically air-gapped vaults use."""
    return f"arn:aws:kms:{region}:{AWS_OWNED_KEY_ACCOUNT}:key/aws-owned-backup-key"


RDS_CLUSTER_TYPES = frozenset({"Aurora", "DocumentDB", "Neptune"})
RESOURCE_TYPES = (
    "EBS",
    "EC2",
    "RDS",
    "Aurora",
    "DynamoDB",
    "EFS",
    "S3",
    "DocumentDB",
    "Neptune",
    "FSx",
)
# Recovery point ids: a generator of our own, so tests seeding `random` cannot repeat them;
# scenario builds seed it (seed_ids) so that a build's ARNs are the same from run to run.
_IDS = random.Random()


def seed_ids(seed: int) -> None:
    """Make the recovery point ARNs made from now on repeat for the same seed."""
    with LOCK:
        _IDS.seed(seed)


def id_generator_state() -> Any:
    """The recovery point id generator's state (a built scenario's copy keeps it)."""
    with LOCK:
        return _IDS.getstate()


def set_id_generator_state(state: Any) -> None:
    """Put the recovery point id generator back where `id_generator_state` found it."""
    with LOCK:
        _IDS.setstate(state)


def _uuid() -> uuid.UUID:
    """A random (version 4) UUID drawn from the seedable id generator."""
    return uuid.UUID(int=_IDS.getrandbits(128), version=4)


def encode_token(key: RecoveryPointKey | int | str) -> str:
    """An opaque NextToken for a sort key, an offset or an id."""
    return base64.urlsafe_b64encode(repr(key).encode()).decode()


def decode_token(token: str | None) -> Any:
    """Read back a NextToken made by encode_token; ValueError when it is not one."""
    import ast

    if not token:
        return None
    try:
        return ast.literal_eval(base64.urlsafe_b64decode(token.encode()).decode())
    except (ValueError, SyntaxError, UnicodeDecodeError) as exc:
        raise ValueError("invalid NextToken") from exc


@dataclass
class ProtectedResource:
    """A resource with at least one recovery point in an account and Region."""

    resource_arn: str
    resource_type: str
    resource_name: str
    last_backup_time: float
    last_vault_arn: str
    last_recovery_point_arn: str


@dataclass
class BackupExtras:
    """What drconsole adds to one account and Region of moto's Backup backend."""

    vault_points: dict[str, VaultPoints] = field(default_factory=dict)
    points: dict[str, RecoveryPoint] = field(default_factory=dict)
    by_resource: dict[str, dict[str, RecoveryPoint]] = field(default_factory=dict)
    protected: dict[str, ProtectedResource] = field(default_factory=dict)
    access_policies: dict[str, str] = field(default_factory=dict)
    global_settings: dict[str, str] = field(default_factory=dict)
    global_settings_updated: float | None = None
    jobs: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {"backup": {}, "copy": {}, "restore": {}}
    )
    idempotency: dict[tuple[str, str], tuple[str, Any]] = field(default_factory=dict)
    # DescribeRegionSettings: accounts opted in to every type; DynamoDB advanced features and
    # EFS cold storage on, as AWS sets them for accounts that start using Backup today.
    opt_in_preference: dict[str, bool] = field(
        default_factory=lambda: dict.fromkeys(RESOURCE_TYPES, True)
    )
    management_preference: dict[str, bool] = field(
        default_factory=lambda: {"DynamoDB": True, "EFS": True}
    )
    # Vaults that are not plain backup vaults: name -> (VaultType, EncryptionKeyType).
    vault_kinds: dict[str, tuple[str, str]] = field(default_factory=dict)


class SandboxBackupBackend(BackupBackend):
    """moto's Backup backend with recovery points, access policies, settings and jobs."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.extras = BackupExtras()

    @property
    def _url_module(self) -> Any:
        # moto finds a backend's routes next to its models module; ours are moto's own, extended
        import moto.backup.urls

        return moto.backup.urls

    def create_backup_vault(
        self,
        backup_vault_name: str,
        backup_vault_tags: dict[str, str],
        encryption_key_arn: str,
        creator_request_id: str,
    ) -> Any:
        """Create a vault; without a key AWS encrypts it with the AWS managed key aws/backup."""
        key_arn = encryption_key_arn or managed_backup_key_arn(self.account_id, self.region_name)
        with LOCK:
            vault = super().create_backup_vault(
                backup_vault_name, backup_vault_tags, key_arn, creator_request_id
            )
            self.extras.vault_points[backup_vault_name] = VaultPoints()
        return vault

    def create_logically_air_gapped_backup_vault(
        self,
        name: str,
        tags: dict[str, str],
        encryption_key_arn: str,
        retention_days: tuple[int, int],
        creator_request_id: str,
    ) -> Any:
        """A logically air-gapped vault: on an AWS owned key unless a customer managed key is
        given, its retention locked in compliance mode ("each vault is equipped with AWS
        Backup Vault Lock's compliance mode")."""
        key_type = "CUSTOMER_MANAGED_KMS_KEY" if encryption_key_arn else AWS_OWNED_KEY_TYPE
        key_arn = encryption_key_arn or aws_owned_key_arn(self.region_name)
        with LOCK:
            vault = self.create_backup_vault(name, tags, key_arn, creator_request_id)
            vault.min_retention_days, vault.max_retention_days = retention_days
            vault.locked = True
            self.extras.vault_kinds[name] = (LAG_VAULT_TYPE, key_type)
        return vault

    def delete_backup_vault(self, backup_vault_name: str) -> None:
        """Delete an empty vault, as AWS does (it refuses while recovery points remain)."""
        from .shapes import invalid_request, not_found

        with LOCK:
            if backup_vault_name not in self.vaults:
                raise not_found(f"Backup vault {backup_vault_name} does not exist")
            if len(self.points_of(backup_vault_name)):
                raise invalid_request(
                    "Backup vault cannot be deleted because it contains recovery points"
                )
            super().delete_backup_vault(backup_vault_name)
            self.extras.vault_points.pop(backup_vault_name, None)
            self.extras.access_policies.pop(backup_vault_name, None)
            self.extras.vault_kinds.pop(backup_vault_name, None)

    def points_of(self, vault_name: str) -> VaultPoints:
        """The recovery points of a vault of this account and Region."""
        return self.extras.vault_points.setdefault(vault_name, VaultPoints())

    def add_point(self, point: RecoveryPoint) -> None:
        """Store a recovery point and update the counts and the protected-resource summary.

        Its list-page JSON is made now, so listing a vault only joins kept texts; a point in a
        logically air-gapped vault takes the vault's kind and key type, as AWS reports them.
        """
        kind = self.extras.vault_kinds.get(point.vault_name)
        if kind is not None:
            point.vault_type, point.encryption_key_type = kind
        point.list_fragment()
        with LOCK:
            self.points_of(point.vault_name).add(point)
            self.extras.points[point.arn] = point
            self.extras.by_resource.setdefault(point.resource_arn, {})[point.arn] = point
            self.vaults[point.vault_name].num_of_recovery_points += 1
            self._note_protected(point)

    def remove_point(self, arn: str) -> RecoveryPoint:
        """Delete a recovery point; KeyError when it is not in this account and Region."""
        with LOCK:
            point = self.extras.points.pop(arn)
            self.points_of(point.vault_name).remove(arn)
            same_resource = self.extras.by_resource.get(point.resource_arn, {})
            same_resource.pop(arn, None)
            vault = self.vaults.get(point.vault_name)
            if vault is not None:
                vault.num_of_recovery_points -= 1
            self.extras.protected.pop(point.resource_arn, None)
            for other in same_resource.values():
                self._note_protected(other)
            if not same_resource:
                self.extras.by_resource.pop(point.resource_arn, None)
            return point

    def _note_protected(self, point: RecoveryPoint) -> None:
        current = self.extras.protected.get(point.resource_arn)
        if current is None or point.created >= current.last_backup_time:
            self.extras.protected[point.resource_arn] = ProtectedResource(
                point.resource_arn,
                point.resource_type,
                point.resource_name,
                point.created,
                point.vault_arn,
                point.arn,
            )


def backend_for(account_id: str, region: str) -> SandboxBackupBackend:
    """The sandbox Backup backend of an account and Region (created on first use)."""
    # Plain dict lookups first: moto's own lookup takes a lock and lists every account.
    account = dict.get(backup_backends, account_id)
    if account is not None:
        backend = dict.get(account, region)
        if backend is not None:
            return cast(SandboxBackupBackend, backend)
    return cast(SandboxBackupBackend, backup_backends[account_id][region])


def iter_backends() -> Iterator[tuple[str, str, SandboxBackupBackend]]:
    """Every Backup backend created so far: (account id, Region, backend)."""
    for account_id, region, backend in list(backup_backends.iter_backends()):
        yield account_id, region, cast(SandboxBackupBackend, backend)


def managed_backup_key_arn(account_id: str, region: str) -> str:
    """The ARN of the account's AWS managed key aws/backup in a Region, created on first use."""
    from .resources import aws_managed_key

    with LOCK:
        return aws_managed_key(account_id, region, "aws/backup")


def recovery_point_arn(
    account_id: str,
    region: str,
    resource_type: str,
    resource_arn: str = "",
    dynamodb_advanced: bool = True,
) -> str:
    """A new recovery point ARN in the format AWS uses for the resource type.

    A DynamoDB backup made without AWS Backup's advanced DynamoDB features is DynamoDB's own,
    named by DynamoDB: "Backup resource names (ARNs) will change from arn:aws:dynamodb to
    arn:aws:backup" only once the features are on (Amazon DynamoDB developer guide,
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/UsageNotesAWS.html).
    """
    if resource_type == "DynamoDB" and not dynamodb_advanced:
        table = resource_arn.rsplit("/", 1)[-1] or "table"
        backup_id = f"{_IDS.getrandbits(40):013d}-{_IDS.getrandbits(32):08x}"
        return f"arn:aws:dynamodb:{region}:{account_id}:table/{table}/backup/{backup_id}"
    if resource_type == "EBS":
        return f"arn:aws:ec2:{region}::snapshot/snap-{_IDS.getrandbits(68):017x}"
    if resource_type == "EC2":
        return f"arn:aws:ec2:{region}::image/ami-{_IDS.getrandbits(68):017x}"
    # An RDS resource that is a DB cluster (a Multi-AZ DB cluster: arn:aws:rds:...:cluster:ID)
    # is backed up as a DB cluster snapshot, as Aurora, DocumentDB and Neptune are.
    multi_az_cluster = resource_type == "RDS" and ":cluster:" in resource_arn
    if resource_type == "RDS" and not multi_az_cluster:
        return f"arn:aws:rds:{region}:{account_id}:snapshot:awsbackup:job-{_uuid()}"
    if resource_type in RDS_CLUSTER_TYPES or multi_az_cluster:
        return f"arn:aws:rds:{region}:{account_id}:cluster-snapshot:awsbackup:job-{_uuid()}"
    if resource_type == "FSx":
        return f"arn:aws:fsx:{region}:{account_id}:backup/backup-{_IDS.getrandbits(68):017x}"
    return f"arn:aws:backup:{region}:{account_id}:recovery-point:{_uuid()}"


def seed_recovery_point(
    account_id: str,
    region: str,
    vault_name: str,
    *,
    resource_arn: str,
    resource_type: str,
    created: datetime,
    encryption_key_arn: str | None,
    size_bytes: int,
    resource_name: str = "",
    source_backup_vault_arn: str | None = None,
    iam_role_arn: str | None = None,
    delete_after_days: int | None = None,
    status: str = "COMPLETED",
    completed: datetime | None = None,
    continuous: bool = False,
    is_encrypted: bool | None = None,
) -> str:
    """Store a recovery point as if AWS Backup had made it at `created`; returns its ARN.

    `is_encrypted`: DescribeRecoveryPoint's IsEncrypted when it is not "has a key ARN".

    `continuous`: a continuous backup (point-in-time recovery) of RDS, Aurora, S3 or SAP HANA,
    which AWS names arn:aws:backup:REGION:ACCOUNT:recovery-point:continuous:ID.

    No AWS API creates an old recovery point, so scenarios seed them here. The vault must exist
    (made with CreateBackupVault); KeyError otherwise. A copy keeps its source's `created` (as
    AWS does) and gets its own `completed`.
    """
    # AWS adds resource types over the years and its answers carry them as they are: a point of
    # any named type can be seeded (RESOURCE_TYPES are those the Region settings opt in to).
    if not resource_type.strip():
        raise ValueError("a recovery point needs a resource type")
    backend = backend_for(account_id, region)
    vault = backend.vaults.get(vault_name)
    if vault is None:
        raise KeyError(f"backup vault {vault_name!r} does not exist in {account_id}/{region}")
    created_at = created.timestamp()
    arn = recovery_point_arn(
        account_id,
        region,
        resource_type,
        resource_arn,
        backend.extras.management_preference.get("DynamoDB", True),
    )
    if continuous:
        name = resource_arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1] or "resource"
        suffix = f"{name}-{_IDS.getrandbits(32):08x}"
        arn = f"arn:aws:backup:{region}:{account_id}:recovery-point:continuous:{suffix}"
    point = RecoveryPoint(
        arn=arn,
        account_id=account_id,
        region=region,
        vault_name=vault_name,
        vault_arn=vault.backup_vault_arn,
        resource_arn=resource_arn,
        resource_type=resource_type,
        resource_name=resource_name,
        created=created_at,
        completed=(completed or created + timedelta(minutes=5 + size_bytes // 2**30)).timestamp(),
        encryption_key_arn=encryption_key_arn,
        size_bytes=size_bytes,
        status=status,
        source_backup_vault_arn=source_backup_vault_arn,
        iam_role_arn=iam_role_arn,
        delete_after_days=delete_after_days,
        is_encrypted=is_encrypted,
        option_group=option_group_of(region, resource_type, arn, resource_arn),
    )
    backend.add_point(point)
    return point.arn


def option_group_of(region: str, resource_type: str, arn: str, resource_arn: str) -> str | None:
    """The option group an RDS DB snapshot made now of `resource_arn` carries (None: none)."""
    if resource_type != "RDS" or ":snapshot:" not in arn:
        return None
    from .option_groups import snapshot_option_group

    return snapshot_option_group(region, resource_arn)


def find_point(account_id: str, region: str, arn: str) -> RecoveryPoint | None:
    """A recovery point of an account and Region by ARN, or None."""
    return backend_for(account_id, region).extras.points.get(arn)


def management_account_of(account_id: str) -> str | None:
    """The management account of the organization the account belongs to, or None."""
    from moto.organizations.models import organizations_backends

    if account_id in organizations_backends.master_accounts:
        return organizations_backends.master_accounts[account_id][0]
    if account_id in organizations_backends:
        org = organizations_backends[account_id]["aws"].org
        if org is not None and org.master_account_id == account_id:
            return account_id
    return None


def organization_id_of(account_id: str) -> str | None:
    """The organization id (o-...) of the account's organization, or None."""
    from moto.organizations.models import organizations_backends

    management = management_account_of(account_id)
    if management is None:
        return None
    org = organizations_backends[management]["aws"].org
    return None if org is None else str(org.id)


GLOBAL_SETTING_NAMES = (
    "isCrossAccountBackupEnabled",
    "isMpaEnabled",
    "isDelegatedAdministratorEnabled",
)


def global_settings(account_id: str) -> tuple[dict[str, str], float | None]:
    """The organization-wide Backup settings that apply to the account, and their update time."""
    management = management_account_of(account_id) or account_id
    extras = backend_for(management, "us-east-1").extras
    settings = {name: "false" for name in GLOBAL_SETTING_NAMES}
    settings.update(extras.global_settings)
    return settings, extras.global_settings_updated


def cross_account_backup_enabled(account_id: str) -> bool:
    """Whether the account's organization has turned on cross-account backup."""
    settings, _ = global_settings(account_id)
    return settings["isCrossAccountBackupEnabled"].lower() == "true"
