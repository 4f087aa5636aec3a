"""Gather the facts the restore checks judge, with boto3 through `AwsSessions`."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from drconsole.aws.answers import required
from drconsole.aws.facts import FactReader
from drconsole.aws.restore_access import AccessReader
from drconsole.aws.restore_image_keys import image_keys
from drconsole.aws.restore_network import NetworkReader
from drconsole.checks.arns import RecoveryPointArn, VaultArn
from drconsole.checks.facts import (
    AWS_OWNED_KEY_TYPE,
    EXISTING_FILE_SYSTEM,
    NAMED_ANEW_ON_RESTORE,
    EngineVersions,
    InstanceProfileFacts,
    KeyFacts,
    KeyPairFacts,
    OrgMembership,
    RecoveryPointFacts,
    RestoreFacts,
    RestoreNetwork,
    ScpLevel,
    TargetName,
    Unreadable,
    default_role_arn,
)
from drconsole.checks.request_context import account_of
from drconsole.checks.restore_access import key_uses
from drconsole.checks.restore_engine import engine_versions
from drconsole.checks.restore_key_calls import EBS_TYPES
from drconsole.checks.restore_key_pair import key_pair_named
from drconsole.checks.restore_network import network_request
from drconsole.checks.restore_profile import profile_named

# Metadata keys that may name the KMS key of the restored resource, per AWS's metadata.
KEY_METADATA = ("KmsKeyId", "kmsKeyId", "kmsMasterKeyArn", "KMSKey", "KmsKey")


def _true(value: str | None) -> bool:
    return str(value or "").lower() == "true"


class RestoreFactReader(FactReader, NetworkReader, AccessReader):
    """FactReader plus the reads only a restore needs."""

    def restore_metadata(self, rp: RecoveryPointFacts) -> dict[str, str] | Unreadable:
        """GetRecoveryPointRestoreMetadata in the recovery point's account."""
        backup = self.client("backup", rp.account_id, rp.region)
        answer = self.read(
            "backup:GetRecoveryPointRestoreMetadata",
            lambda: backup.get_recovery_point_restore_metadata(
                BackupVaultName=rp.vault_name, RecoveryPointArn=rp.arn
            ).get("RestoreMetadata", {}),
        )
        if answer is None:
            return {}
        return answer if isinstance(answer, Unreadable) else {k: str(v) for k, v in answer.items()}

    def key_pair(self, account: str, region: str, name: str) -> KeyPairFacts:
        """Whether the EC2 key pair `name` exists in the account and Region (DescribeKeyPairs,
        which answers InvalidKeyPair.NotFound for a name it does not have)."""
        ec2 = self.client("ec2", account, region)
        found = self.read(
            "ec2:DescribeKeyPairs",
            lambda: [
                str(pair.get("KeyName", ""))
                for pair in ec2.describe_key_pairs(KeyNames=[name]).get("KeyPairs") or []
            ],
            ("InvalidKeyPair.NotFound",),
        )
        return KeyPairFacts(name, found if isinstance(found, Unreadable) else name in (found or []))

    def engine_offered(
        self, account: str, region: str, engine: str, version: str
    ) -> bool | Unreadable:
        """Whether RDS offers that engine version in the Region (DescribeDBEngineVersions)."""
        rds = self.client("rds", account, region)
        found = self.read(
            "rds:DescribeDBEngineVersions",
            lambda: rds.describe_db_engine_versions(Engine=engine, EngineVersion=version)[
                "DBEngineVersions"
            ],
        )
        if isinstance(found, Unreadable):
            return found
        return bool(found)

    def name_taken(self, account: str, region: str, kind: str, name: str) -> bool | Unreadable:
        """Whether a table, DB instance, DB cluster or bucket of that name exists."""
        calls: dict[str, tuple[str, str, Any, tuple[str, ...]]] = {
            "DynamoDB table": (
                "dynamodb",
                "dynamodb:DescribeTable",
                lambda c: c.describe_table(TableName=name),
                ("ResourceNotFoundException",),
            ),
            "RDS DB instance": (
                "rds",
                "rds:DescribeDBInstances",
                lambda c: c.describe_db_instances(DBInstanceIdentifier=name),
                ("DBInstanceNotFound", "DBInstanceNotFoundFault"),
            ),
            "DB cluster": (
                "rds",
                "rds:DescribeDBClusters",
                lambda c: c.describe_db_clusters(DBClusterIdentifier=name),
                ("DBClusterNotFoundFault", "DBClusterNotFound"),
            ),
            "EFS file system": (
                "efs",
                "elasticfilesystem:DescribeFileSystems",
                lambda c: (
                    required(
                        c.describe_file_systems(CreationToken=name),
                        "FileSystems",
                        "DescribeFileSystems",
                    )
                    or None
                ),
                ("FileSystemNotFound",),
            ),
            EXISTING_FILE_SYSTEM: (
                "efs",
                "elasticfilesystem:DescribeFileSystems",
                lambda c: (
                    required(
                        c.describe_file_systems(FileSystemId=name),
                        "FileSystems",
                        "DescribeFileSystems",
                    )
                    or None
                ),
                ("FileSystemNotFound",),
            ),
            "S3 bucket": (
                "s3",
                "s3:HeadBucket",
                lambda c: c.head_bucket(Bucket=name),
                ("404", "NoSuchBucket", "NotFound"),
            ),
        }
        service, operation, call, missing = calls[kind]
        client = self.client(service, account, region)
        answer = self.read(operation, lambda: call(client), missing)
        if isinstance(answer, Unreadable):
            # A bucket name held by another account answers 403: it is taken.
            return True if kind == "S3 bucket" and answer.code in ("403", "Forbidden") else answer
        return answer is not None


def merge_metadata(aws: dict[str, str], given: dict[str, str]) -> dict[str, str]:
    """AWS's restore metadata with the user's values replacing keys of any case."""
    overridden = {key.lower() for key in given}
    return {**{k: v for k, v in aws.items() if k.lower() not in overridden}, **given}


def named_by_the_restore(
    resource_type: str, named: dict[str, str] | Unreadable, given: dict[str, str]
) -> tuple[dict[str, str] | Unreadable, tuple[tuple[str, str], ...]]:
    """The metadata whose names are looked up, and (kind, AWS's default name) of the names
    the restore creates anew instead: those of `NAMED_ANEW_ON_RESTORE` that are not given."""
    key = NAMED_ANEW_ON_RESTORE.get(resource_type, "").lower()
    if isinstance(named, Unreadable) or not key or key in {k.lower() for k in given}:
        return named, ()
    kept = {k: v for k, v in named.items() if k.lower() != key}
    return kept, tuple(target_names(resource_type, named))


def target_names(resource_type: str, metadata: dict[str, str]) -> list[tuple[str, str]]:
    """(kind, name) of the named resources a restore of this type creates."""
    canonical = {
        key.lower(): key
        for key in (
            "targetTableName",
            "DBInstanceIdentifier",
            "DBClusterIdentifier",
            "DestinationBucketName",
            "NewBucket",
            "newFileSystem",
            "CreationToken",
        )
    }
    metadata = {canonical.get(k.lower(), k): v for k, v in metadata.items()}
    pairs: list[tuple[str, str]] = []
    if resource_type == "DynamoDB" and metadata.get("targetTableName"):
        pairs.append(("DynamoDB table", metadata["targetTableName"]))
    elif resource_type == "RDS" and metadata.get("DBInstanceIdentifier"):
        pairs.append(("RDS DB instance", metadata["DBInstanceIdentifier"]))
    elif resource_type in ("Aurora", "DocumentDB", "Neptune") and metadata.get(
        "DBClusterIdentifier"
    ):
        pairs.append(("DB cluster", metadata["DBClusterIdentifier"]))
    elif (
        resource_type == "S3"
        and metadata.get("DestinationBucketName")
        and _true(metadata.get("NewBucket", "true"))
    ):
        pairs.append(("S3 bucket", metadata["DestinationBucketName"]))
    elif (
        resource_type == "EFS"
        and metadata.get("CreationToken")
        and _true(metadata.get("newFileSystem", "true"))
    ):
        pairs.append(("EFS file system", metadata["CreationToken"]))
    return pairs


def file_system_restored_into(resource_type: str, metadata: dict[str, str]) -> str:
    """The `file-system-id` of an EFS restore into an existing file system (newFileSystem
    false), else ""."""
    if resource_type != "EFS":
        return ""
    lowered = {key.lower(): str(value).strip() for key, value in metadata.items()}
    if _true(lowered.get("newfilesystem", "true") or "true"):
        return ""
    return lowered.get("file-system-id", "")


def gather_restore_facts(
    reader: RestoreFactReader,
    rp_arn: RecoveryPointArn,
    restoring_account: str | None = None,
    role_arn: str | None = None,
    user_metadata: dict[str, str] | None = None,
    account_hint: str | None = None,
    after_copy_to: VaultArn | None = None,
) -> RestoreFacts:
    """Every fact the restore checks need, read where the restore will run: the recovery
    point's own account and Region, or, for a restore after a copy (`after_copy_to`), the
    destination vault's account and Region (its role, its names, the key the copy will have)."""
    rp = reader.recovery_point(rp_arn, account_hint)
    if after_copy_to is not None:
        account, region = after_copy_to.account_id, after_copy_to.region
    else:
        account, region = restoring_account or rp.account_id, rp.region
    partition = rp.partition
    role = role_arn or default_role_arn(account, partition)
    given = dict(user_metadata or {})
    metadata = reader.restore_metadata(rp)
    merged: dict[str, str] | Unreadable = (
        metadata if isinstance(metadata, Unreadable) else merge_metadata(metadata, given)
    )
    # After a copy, AWS's names are the original's: the flow restores under a new name (or
    # the one given), checked again on the copy itself; here only the given names are asked.
    named = given if after_copy_to is not None else merged
    # In place too, a name not given is `<original>-restored-<flow id>`, not AWS's default:
    # only the names the restore would really ask for are looked up.
    judged, new_names = named_by_the_restore(rp.resource_type, named, given)
    # A restore in place in another account fails restore.account: its names, network and
    # key use are judged on the copy, where the restore can run.
    elsewhere = after_copy_to is None and account != rp.account_id
    where = (account, region)
    with ThreadPoolExecutor(max_workers=8) as pool:
        role_read = pool.submit(reader.role, role)
        names_read = pool.submit(_names, reader, rp.resource_type, where, judged, elsewhere, merged)
        key_read = pool.submit(_restore_key, reader, rp, merged, given, after_copy_to, where)
        network_read = pool.submit(_network, reader, rp.resource_type, where, named, elsewhere)
        engine_read = pool.submit(_engine, reader, rp.resource_type, where, metadata, merged)
        pass_read = pool.submit(reader.pass_role, account, region, role)
        profile_read = pool.submit(
            _instance_profile, reader, rp.resource_type, account, merged, metadata, role
        )
        key_pair_read = pool.submit(_key_pair, reader, rp.resource_type, where, merged, metadata)
        org_read = pool.submit(_organization, reader, account)
        key_arn, key = key_read.result()
        # Who uses the key: the restore role and AWS Backup's service-linked role.
        uses = () if elsewhere else key_uses(key, role, account, partition)
        access = [pool.submit(reader.key_access, used, who, account) for used, who in uses]
        caller, may_pass = pass_read.result()
        results = (role_read.result(), names_read.result(), network_read.result())
        engine, key_access = engine_read.result(), tuple(a.result() for a in access)
        profile, key_pair = profile_read.result(), key_pair_read.result()
        restoring_org, scps = org_read.result()
        key_rcps = (
            None
            if elsewhere
            else key_rcps_of(reader, rp.resource_type, key, restoring_org, account)
        )
        # AWS Backup assumes the restore role in the restoring account: its RCPs judge that.
        role_rcps = reader.resource_control_policies(account, restoring_org)
        # In place, on the recovery point's own key: the AMI's other snapshot keys as well.
        on_own_key = after_copy_to is None and key_arn == (rp.encryption_key_arn or "")
        other_keys = (
            image_keys(reader, rp, (key_arn, key), role, (account, restoring_org))
            if on_own_key and not elsewhere and rp.resource_type == "EC2"
            else ()
        )
    role_facts, names, network = results
    return RestoreFacts(
        recovery_point=rp,
        restoring_account_id=account,
        role_arn=role,
        role=role_facts,
        metadata=merged,
        user_metadata_keys=frozenset(given),
        aws_metadata=metadata if isinstance(metadata, dict) else None,
        target_names=names,
        new_names=() if elsewhere else new_names,
        restore_key=key,
        restore_key_arn=key_arn,
        copy_back_vaults=(
            reader.vault_arns(account, rp.region)
            if account != rp.account_id and after_copy_to is None
            else ()
        ),
        restoring_region=region,
        after_copy_to=after_copy_to.arn if after_copy_to is not None else "",
        network=network,
        engine=engine,
        key_access=key_access,
        pass_role=may_pass,
        caller_arn=caller,
        instance_profile=profile,
        key_pair=key_pair,
        restoring_org=restoring_org,
        restoring_scps=scps,
        key_rcps=key_rcps,
        role_rcps=role_rcps,
        other_keys=other_keys,
    )


def _organization(
    reader: RestoreFactReader, account: str
) -> tuple[OrgMembership | Unreadable, tuple[ScpLevel, ...] | Unreadable | None]:
    """The restoring account's organization and the SCPs on its OU path (None: none apply)."""
    membership = reader.membership(account)
    return membership, reader.service_control_policies(account, membership)


def key_rcps_of(
    reader: RestoreFactReader,
    resource_type: str,
    key: KeyFacts | Unreadable | None,
    membership: OrgMembership | Unreadable,
    account: str,
) -> tuple[ScpLevel, ...] | Unreadable | None:
    """The RCPs on the OU path of the account owning the customer managed key the restore role
    uses for EBS volumes; None when the restore makes no such call (other types' KMS calls are
    not documented per call, and RCPs "do not apply to AWS managed keys": "Resource control
    policies in AWS KMS", https://docs.aws.amazon.com/kms/latest/developerguide/
    resource-control-policies.html)."""
    if resource_type not in EBS_TYPES or not isinstance(key, KeyFacts) or key.manager != "CUSTOMER":
        return None
    return reader.resource_control_policies(account_of(key.arn) or account, membership)


def _instance_profile(
    reader: RestoreFactReader,
    resource_type: str,
    account: str,
    merged: dict[str, str] | Unreadable,
    backed_up: dict[str, str] | Unreadable,
    role: str,
) -> InstanceProfileFacts | Unreadable | None:
    """The instance profile an EC2 restore names, read in the restoring account. After a copy
    AWS's value is kept: a profile is named, not numbered, so the destination account may well
    hold one of that name (an empty value given drops it from the request). AWS's
    UseBackedUpValue names the backed-up profile."""
    if resource_type != "EC2":
        return None
    if isinstance(merged, Unreadable):
        return merged
    name = profile_named(merged, backed_up if isinstance(backed_up, dict) else None)
    return reader.instance_profile(account, name, role) if name else None


def _key_pair(
    reader: RestoreFactReader,
    resource_type: str,
    where: tuple[str, str],
    merged: dict[str, str] | Unreadable,
    backed_up: dict[str, str] | Unreadable,
) -> KeyPairFacts | Unreadable | None:
    """The key pair an EC2 restore names, read in the restoring account and Region. After a
    copy AWS's value is kept: it is the source's name, which the destination may well lack
    (EC2 key pairs are per account and Region). A KeyName left out of the restore reads the
    backed-up one all the same (`left_out`)."""
    if resource_type != "EC2":
        return None
    if isinstance(merged, Unreadable):
        return merged
    name = key_pair_named(merged)
    if name:
        return reader.key_pair(*where, name)
    original = key_pair_named(backed_up) if isinstance(backed_up, dict) else ""
    return replace(reader.key_pair(*where, original), left_out=True) if original else None


def _names(
    reader: RestoreFactReader,
    resource_type: str,
    where: tuple[str, str],
    named: dict[str, str] | Unreadable,
    elsewhere: bool,
    merged: dict[str, str] | Unreadable,
) -> tuple[TargetName, ...]:
    """Each name the restore creates, and whether something holds it already; and the file
    system an EFS restore goes into, and whether it exists where the restore runs (AWS's
    `file-system-id` after a copy is the source's, of another account or Region)."""
    if not isinstance(named, dict) or elsewhere:
        return ()
    found = tuple(
        TargetName(kind, name, reader.name_taken(*where, kind, name))
        for kind, name in target_names(resource_type, named)
    )
    into = file_system_restored_into(resource_type, merged) if isinstance(merged, dict) else ""
    if into:
        exists = reader.name_taken(*where, EXISTING_FILE_SYSTEM, into)
        found += (TargetName(EXISTING_FILE_SYSTEM, into, exists),)
    return found


def _network(
    reader: RestoreFactReader,
    resource_type: str,
    where: tuple[str, str],
    named: dict[str, str] | Unreadable,
    elsewhere: bool,
) -> RestoreNetwork | Unreadable | None:
    """The network the metadata names (after a copy: only the names given, AWS's metadata
    names the source account's network)."""
    if elsewhere:
        return None
    if isinstance(named, Unreadable):
        return named
    request = network_request(resource_type, named)
    return reader.restore_network(*where, request) if request is not None else None


def _engine(
    reader: RestoreFactReader,
    resource_type: str,
    where: tuple[str, str],
    metadata: dict[str, str] | Unreadable,
    merged: dict[str, str] | Unreadable,
) -> EngineVersions | None:
    """The engine version asked for against the snapshot's, when they differ."""
    if not isinstance(metadata, dict) or not isinstance(merged, dict):
        return None
    asked = engine_versions(resource_type, metadata, merged)
    if asked is None:
        return None
    engine, snapshot, requested = asked
    offered = reader.engine_offered(*where, engine, requested)
    return EngineVersions(engine, snapshot, requested, offered)


def _restore_key(
    reader: RestoreFactReader,
    rp: RecoveryPointFacts,
    merged: dict[str, str] | Unreadable,
    given: dict[str, str],
    after_copy_to: VaultArn | None,
    where: tuple[str, str],
) -> tuple[str, KeyFacts | Unreadable | None]:
    """The key the restored resource will use, with its ARN: the metadata's (after a copy:
    only a given one, AWS's names a key of the source account), else the recovery point's
    (after a copy: the destination vault's, which encrypts the copy). A key named by its id or
    alias is the one of that name where the restore runs (`where`: account, Region), as the
    service reads it. A key in an account drconsole cannot enter is described from the
    restoring account; an AWS owned one (EncryptionKeyType) is taken unread."""
    source = given if after_copy_to is not None else merged
    lowered = {k.lower(): v for k, v in source.items()} if isinstance(source, dict) else {}
    key_arn = next((lowered[k.lower()] for k in KEY_METADATA if lowered.get(k.lower())), None)
    if key_arn is not None and not key_arn.strip().startswith("arn:"):
        key_arn = qualified_key(key_arn.strip(), rp.partition, *where)
    if key_arn is not None:
        # AWS's metadata names the recovery point's own key: its EncryptionKeyType tells an
        # AWS owned one (a logically air-gapped vault's), which no customer account may read.
        own = key_arn == rp.encryption_key_arn and after_copy_to is None
        return key_arn, reader.key(key_arn, True, where[0], rp.encryption_key_type if own else "")
    if after_copy_to is not None:
        vault = reader.vault(after_copy_to)
        if isinstance(vault, Unreadable):
            return "", vault
        # Read with the vault: its EncryptionKeyType, and from the vault's account (where
        # the restore runs) when the key's own cannot be entered.
        return (vault.encryption_key_arn, vault.key) if vault is not None else ("", None)
    key_type = rp.encryption_key_type
    if not rp.encryption_key_arn and key_type != AWS_OWNED_KEY_TYPE:
        return "", None
    return rp.encryption_key_arn or "", reader.key(
        rp.encryption_key_arn or "", True, where[0], key_type
    )


def qualified_key(named: str, partition: str, account: str, region: str) -> str:
    """The ARN of a KMS key named by its id (`1234abcd-…`, `mrk-…`) or an alias (`alias/NAME`)
    in `account` and `region`."""
    resource = named if named.startswith("alias/") else f"key/{named}"
    return f"arn:{partition}:kms:{region}:{account}:{resource}"
