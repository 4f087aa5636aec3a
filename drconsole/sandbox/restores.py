"""Restores in the sandbox: restore metadata, its validation, failures, and the restored resource.

`restore_metadata` is what GetRecoveryPointRestoreMetadata returns for a resource type, read from
the protected resource in moto when it still exists. `restore_start_error` is what
StartRestoreJob refuses at once; `restore_failure` the StatusMessage of a restore job that then
FAILS; `create_restored_resource` creates the real resource in moto and returns the
CreatedResourceArn. Metadata keys are AWS Backup's documented ones (matched without regard to
case, as AWS Backup does).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

from drconsole.sandbox import rds_api, resources, restore_network
from drconsole.sandbox.access import (
    Caller,
    Request,
    allows,
    find_role_by_arn,
    is_aws_managed_key,
    is_aws_owned_key,
    key_is_usable,
    role_trusts_service,
)
from drconsole.sandbox.restore_metadata import (
    RESTORABLE,
    Metadata,
    arn_parts,
    restore_metadata,
    validate_metadata,
)

__all__ = [
    "RESTORABLE",
    "create_restored_resource",
    "restore_failure",
    "restore_metadata",
    "restore_start_error",
]

MSG_ROLE_CANNOT_BE_ASSUMED = "IAM Role {role_arn} cannot be assumed by AWS Backup"
MSG_KMS_KEY_UNUSABLE = (
    "KMS key is either disabled or pending deletion or access to KMS key is denied"
)
MSG_ROLE_PERMISSIONS = (
    "IAM Role {role_arn} does not have sufficient permissions to execute the restore."
)
# The services' own messages, which AWS Backup passes on as the job's StatusMessage.
MSG_TABLE_EXISTS = "Table already exists: {name}"
MSG_DB_INSTANCE_EXISTS = "DB instance already exists"
MSG_DB_CLUSTER_EXISTS = "DB cluster already exists"
# EC2's own, for a subnet or security group named by the metadata that does not exist (the
# other network rules are in restore_network.py).
MSG_SUBNET_MISSING = restore_network.MSG_SUBNET_MISSING
MSG_SECURITY_GROUP_MISSING = restore_network.MSG_SECURITY_GROUP_MISSING
# EC2 RunInstances' InvalidParameterValue for an instance profile the account does not have.
MSG_INSTANCE_PROFILE_MISSING = (
    "Value ({name}) for parameter iamInstanceProfile.name is invalid. "
    "Invalid IAM Instance Profile name"
)
# EC2 RunInstances' InvalidKeyPair.NotFound for a key pair the account and Region do not have.
MSG_KEY_PAIR_MISSING = "The key pair '{name}' does not exist"
# AWS Backup's StatusMessage when its role is denied a call of the restore (for an EC2 restore,
# most often iam:PassRole on the instance profile's role); the encoded part is made up here.
MSG_ROLE_NOT_AUTHORIZED = (
    "You are not authorized to perform this operation. Please consult the permissions "
    "associated with your AWS Backup role(s), and refer to the AWS Backup documentation for "
    "more details. Encoded authorization failure message: {encoded}"
)
# EC2's refusal of a volume smaller than its snapshot (EC2 names the snapshot too, as
# `explain`'s rule volume-smaller-than-snapshot knows; the recovery point is not known here).
MSG_VOLUME_SMALLER_THAN_SNAPSHOT = (
    "Volume of size {size}GB is smaller than snapshot, expect size >= {floor}GB"
)
MSG_FILE_SYSTEM_MISSING = "File system '{file_system_id}' does not exist."
# EFS CreateFileSystem's FileSystemAlreadyExists.
MSG_FILE_SYSTEM_EXISTS = (
    "File system '{file_system_id}' already exists with creation token '{creation_token}'"
)
MSG_BUCKET_TAKEN = (
    "The requested bucket name is not available. The bucket namespace is shared by all users of "
    "the system. Please select a different name and try again"
)
MSG_BUCKET_OWNED = (
    "Your previous request to create the named bucket succeeded and you already own it."
)
MSG_BUCKET_MISSING = "The specified bucket does not exist"


def copied_from_region(region: str, source_vault_arn: str | None) -> str:
    """The Region of a copy's source vault when it is not the copy's own ("" otherwise)."""
    source_region = arn_parts(source_vault_arn or "")[0]
    return source_region if source_region and source_region != region else ""


def restore_start_error(
    account_id: str,
    region: str,
    resource_type: str,
    metadata: dict[str, str],
    iam_role_arn: str | None,
    copied_from_region: str = "",
) -> tuple[str, str] | None:
    """(error code, message) for what StartRestoreJob refuses synchronously, else None
    (`copied_from_region`: the Region the recovery point was copied from, for a copy from
    another Region)."""
    role = find_role_by_arn(iam_role_arn or "")
    if role is None or role.account_id != account_id or not role_trusts_service(role):
        return (
            "InvalidParameterValueException",
            MSG_ROLE_CANNOT_BE_ASSUMED.format(role_arn=iam_role_arn),
        )
    problem = validate_metadata(resource_type, metadata, region, copied_from_region)
    if problem is not None:
        return ("InvalidParameterValueException", problem)
    return None


# AWS's value for "as backed up" (its StartRestoreJob example for EC2 sends
# "IamInstanceProfileName": "UseBackedUpValue").
USE_BACKED_UP = "UseBackedUpValue"


def backed_up_values_put_in(metadata: dict[str, str], own: dict[str, str]) -> dict[str, str]:
    """The restore metadata with each UseBackedUpValue replaced by the recovery point's own
    value (the key dropped when the point has none)."""
    if USE_BACKED_UP not in metadata.values():
        return metadata
    return {
        key: own[key] if value == USE_BACKED_UP else value
        for key, value in metadata.items()
        if value != USE_BACKED_UP or own.get(key)
    }


# --- Restore jobs that FAIL, and the restored resource ----------------------------------------


def restore_failure(
    account_id: str,
    region: str,
    resource_type: str,
    metadata: dict[str, str],
    iam_role_arn: str | None,
    snapshot_metadata: dict[str, str] | None = None,
    point_arn: str = "",
    point_key: str = "",
) -> str | None:
    """The StatusMessage AWS gives when this restore job FAILS, else None (it completes).
    `snapshot_metadata` is the recovery point's own restore metadata (its engine version);
    `point_arn` the recovery point's ARN (a DynamoDB backup with advanced features is
    AWS Backup's own)."""
    from drconsole.sandbox.restore_access import key_admits_restore
    from drconsole.sandbox.role_assumption import rcp_refuses_assumption

    # AWS Backup works as the restore role: an RCP denying it the role fails the job first.
    if iam_role_arn and rcp_refuses_assumption(iam_role_arn, region):
        return MSG_ROLE_CANNOT_BE_ASSUMED.format(role_arn=iam_role_arn)
    values = Metadata(metadata)
    for key_name in ("kmsKeyId", "KmsKeyId", "kmsMasterKeyArn", "KMSKey"):
        key = values.get(key_name)
        if is_aws_owned_key(key) and key.split(":")[3] == region:
            continue  # AWS Backup manages its use, as in copies (a logically air-gapped vault's)
        # A key of another Region: the services encrypt only with a key of the resource's
        # own Region. AWS's exact message for it is not documented; the job is taken to fail
        # with AWS Backup's message for a key it cannot use.
        if key.startswith("arn:aws:kms:") and (
            key.split(":")[3] != region
            or not key_is_usable(key)
            or not key_admits_restore(key, account_id, iam_role_arn or "")
        ):
            return MSG_KMS_KEY_UNUSABLE
    if resource_type == "EBS":
        floor, asked = Metadata(snapshot_metadata or {}).get("volumeSize"), values.get("volumeSize")
        if floor.isdigit() and asked.strip().isdigit() and int(asked) < int(floor):
            return MSG_VOLUME_SMALLER_THAN_SNAPSHOT.format(size=int(asked), floor=int(floor))
    if resource_type == "Aurora":
        snapshot = Metadata(snapshot_metadata or {})
        engine = values.get("Engine") or snapshot.get("Engine")
        refused = rds_api.cluster_engine_failure(
            engine, values.get("EngineVersion").strip(), snapshot.get("EngineVersion").strip()
        )
        if refused is not None:
            return refused
    refused = _guarded_call(account_id, region, resource_type, metadata, iam_role_arn, point_arn)
    if refused is not None:
        return refused
    if _key_use_refused(account_id, region, resource_type, values, iam_role_arn, point_key):
        return MSG_KMS_KEY_UNUSABLE
    if resource_type == "EC2" and _image_key_refused(account_id, region, point_arn, iam_role_arn):
        return MSG_KMS_KEY_UNUSABLE
    check = _FAILURES.get(resource_type)
    if check is None:
        return None
    return check(account_id, region, values, iam_role_arn or "")


def _guarded_call(
    account_id: str,
    region: str,
    resource_type: str,
    metadata: dict[str, str],
    role_arn: str | None,
    point_arn: str,
) -> str | None:
    """AWS Backup's StatusMessage when an identity policy of the restore role denies the call
    creating the resource or none allows it, or its permissions boundary or an SCP on the
    account's path does not allow it (else None)."""
    from drconsole.sandbox import restore_guards

    call = restore_guards.creating_call(account_id, region, resource_type, metadata, point_arn)
    if call is None or not role_arn:
        return None
    action, resource = call
    request = restore_guards.role_request(account_id, region, action, resource)
    if (
        restore_guards.identity_denies(role_arn, request)
        or not restore_guards.identity_allows(role_arn, request)
        or not restore_guards.boundary_allows(role_arn, request)
        or restore_guards.scp_refusal(account_id, region, role_arn, action, resource)
    ):
        return MSG_ROLE_NOT_AUTHORIZED.format(encoded=uuid.uuid4().hex + uuid.uuid4().hex)
    return None


def _key_use_refused(
    account_id: str,
    region: str,
    resource_type: str,
    metadata: Metadata,
    role_arn: str | None,
    point_key: str,
) -> bool:
    """True when the restore role may not use the customer managed key an EBS volume (or an EC2
    instance's volumes) is restored with: the metadata's key, else the recovery point's.
    AWS Backup's StatusMessage for it is not documented; the job is taken to fail with its
    message for a key it cannot use (MSG_KMS_KEY_UNUSABLE)."""
    from drconsole.sandbox import restore_guards

    if resource_type not in ("EBS", "EC2") or not role_arn:
        return False
    key = (metadata.get("kmsKeyId").strip() or point_key).strip()  # any case, as AWS reads it
    if not key.startswith("arn:"):
        return False
    return restore_guards.key_use_refused(account_id, region, role_arn, key)


def _image_key_refused(account_id: str, region: str, point_arn: str, role_arn: str | None) -> bool:
    """True when a key of the EC2 recovery point's AMI snapshots (each volume is made with its
    snapshot's key) is disabled, or its policy or the restore role's may not let the role use
    it. AWS's message for it is taken to be its message for a key it cannot use."""
    from drconsole.sandbox import restore_guards
    from drconsole.sandbox.backup_images import image_key_arns
    from drconsole.sandbox.restore_access import key_admits_restore

    for key in image_key_arns(account_id, region, point_arn) or ():
        if not key or is_aws_managed_key(key):
            continue
        if not key_is_usable(key) or not key_admits_restore(key, account_id, role_arn or ""):
            return True
        if role_arn and restore_guards.key_use_refused(account_id, region, role_arn, key):
            return True
    return False


def _ec2_failure(account_id: str, region: str, metadata: Metadata, role_arn: str) -> str | None:
    refused = restore_network.ec2_network_failure(account_id, region, metadata)
    if refused is None:
        refused = _instance_profile_failure(account_id, metadata, role_arn)
    return refused if refused is not None else _key_pair_failure(account_id, region, metadata)


def _key_pair_failure(account_id: str, region: str, metadata: Metadata) -> str | None:
    """EC2's refusal of a key pair the restoring account and Region do not have."""
    name = metadata.get("KeyName").strip()
    if not name or resources.key_pair_exists(account_id, region, name):
        return None
    return MSG_KEY_PAIR_MISSING.format(name=name)


def _instance_profile_failure(account_id: str, metadata: Metadata, role_arn: str) -> str | None:
    """EC2's refusal of an instance profile the restoring account lacks, or AWS Backup's when
    the restore role may not pass the profile's role to EC2."""
    name = metadata.get("IamInstanceProfileName").strip()
    if not name:
        return None
    profile = resources.find_instance_profile(account_id, name)
    if profile is None:
        return MSG_INSTANCE_PROFILE_MISSING.format(name=name)
    context = {"iam:PassedToService": "ec2.amazonaws.com"}
    for role in profile.roles:
        if not role_allows(role_arn, "iam:PassRole", role.arn, context):
            return MSG_ROLE_NOT_AUTHORIZED.format(encoded=uuid.uuid4().hex + uuid.uuid4().hex)
    return None


def _rds_failure(account_id: str, region: str, metadata: Metadata, role_arn: str) -> str | None:
    identifier = metadata.get("DBInstanceIdentifier")
    if resources.find_db_instance(account_id, region, identifier) is not None:
        return MSG_DB_INSTANCE_EXISTS
    return restore_network.database_network_failure(account_id, region, metadata, True)


def _aurora_failure(account_id: str, region: str, metadata: Metadata, role_arn: str) -> str | None:
    identifier = metadata.get("DBClusterIdentifier")
    if resources.find_db_cluster(account_id, region, identifier) is not None:
        return MSG_DB_CLUSTER_EXISTS
    return restore_network.database_network_failure(account_id, region, metadata, False)


def _dynamodb_failure(
    account_id: str, region: str, metadata: Metadata, role_arn: str
) -> str | None:
    name = metadata.get("targetTableName")
    if resources.find_table(account_id, region, name) is not None:
        return MSG_TABLE_EXISTS.format(name=name)
    return None


def _efs_failure(account_id: str, region: str, metadata: Metadata, role_arn: str) -> str | None:
    if not metadata.flag("newFileSystem"):
        file_system_id = metadata.get("file-system-id")
        if resources.find_file_system(account_id, region, file_system_id) is None:
            return MSG_FILE_SYSTEM_MISSING.format(file_system_id=file_system_id)
        return None
    token = metadata.get("CreationToken")
    if not token:
        return None  # AWS makes up a token of its own: nothing can already hold it
    existing = resources.find_file_system_by_token(account_id, region, token)
    if existing is not None:
        return MSG_FILE_SYSTEM_EXISTS.format(
            file_system_id=existing.file_system_id, creation_token=token
        )
    return None


def _s3_failure(account_id: str, region: str, metadata: Metadata, role_arn: str) -> str | None:
    bucket = metadata.get("DestinationBucketName")
    owner = resources.bucket_owner(bucket)
    if metadata.flag("NewBucket"):
        if owner is not None:
            return MSG_BUCKET_OWNED if owner == account_id else MSG_BUCKET_TAKEN
        needed = [("s3:CreateBucket", f"arn:aws:s3:::{bucket}")]
    else:
        if owner != account_id:
            return MSG_BUCKET_MISSING
        needed = []
    needed.append(("s3:PutObject", f"arn:aws:s3:::{bucket}/*"))
    if not all(role_allows(role_arn, action, resource) for action, resource in needed):
        return MSG_ROLE_PERMISSIONS.format(role_arn=role_arn)
    return None


_FAILURES: dict[str, Callable[[str, str, Metadata, str], str | None]] = {
    "EC2": _ec2_failure,
    "RDS": _rds_failure,
    "Aurora": _aurora_failure,
    "DynamoDB": _dynamodb_failure,
    "EFS": _efs_failure,
    "S3": _s3_failure,
}


def role_allows(
    role_arn: str, action: str, resource: str, context: dict[str, str] | None = None
) -> bool:
    """True when one of the role's policies (inline or attached) allows the action (with the
    request's `context`, e.g. iam:PassedToService), none denies it, and the role's permissions
    boundary, if it has one, allows it."""
    from drconsole.sandbox.restore_guards import boundary_allows, identity_documents

    role = find_role_by_arn(role_arn)
    if role is None:
        return False
    documents = identity_documents(role)
    request = Request(caller=Caller(), action=action, resource=resource, context=context or {})
    if not boundary_allows(role_arn, request):
        return False  # IAM allows only what the boundary allows too
    allowed = False
    for document in documents:
        parsed = json.loads(document) if isinstance(document, str) else document
        statements = parsed.get("Statement", [])
        statements = [statements] if isinstance(statements, dict) else statements
        if any(
            s.get("Effect") == "Deny" and allows({"Statement": [{**s, "Effect": "Allow"}]}, request)
            for s in statements
        ):
            return False
        allowed = allowed or allows(parsed, request)
    return allowed


def create_restored_resource(
    account_id: str,
    region: str,
    resource_type: str,
    metadata: dict[str, str],
    recovery_point_arn: str,
    *,
    source_resource_arn: str | None = None,
) -> str:
    """Create the restored resource in moto and return its ARN (the CreatedResourceArn).

    The protected resource (`source_resource_arn`, else the one the recovery point names) lets a
    restored DynamoDB table keep its source's key schema.
    """
    values = Metadata(metadata)
    builder = _BUILDERS.get(resource_type)
    if builder is None:
        raise ValueError(f"the sandbox cannot restore {resource_type} recovery points")
    if source_resource_arn is None:
        from drconsole.sandbox import store

        point = store.find_point(account_id, region, recovery_point_arn)
        source_resource_arn = point.resource_arn if point is not None else ""
    return builder(account_id, region, values, source_resource_arn)


def _key_or_none(metadata: Metadata, key: str) -> str | None:
    return metadata.get(key).strip() or None


def _build_ebs(account_id: str, region: str, metadata: Metadata, source: str) -> str:
    volume_type = metadata.get("volumeType", "gp3") or "gp3"
    iops = (
        int(metadata.get("iops"))
        if metadata.has("iops") and volume_type in ("gp3", "io1", "io2")
        else None
    )
    throughput = (
        int(metadata.get("throughput"))
        if metadata.has("throughput") and volume_type == "gp3"
        else None
    )
    if volume_type in ("io1", "io2") and iops is None:
        iops = 3000
    return resources.ebs_volume(
        account_id,
        region,
        zone=metadata.get("availabilityZone"),
        size_gib=int(metadata.get("volumeSize", "8") or 8),
        volume_type=volume_type,
        encrypted=metadata.flag("encrypted"),
        kms_key_id=_key_or_none(metadata, "kmsKeyId"),
        iops=iops,
        throughput=throughput,
    )


def _build_ec2(account_id: str, region: str, metadata: Metadata, source: str) -> str:
    image_id = metadata.get("ImageId")
    if not resources.image_exists(account_id, region, image_id):
        image_id = resources.any_image_id(account_id, region)
    # Without a subnet of its own, the instance goes where its network interface says.
    interface = restore_network.primary_interface(metadata) or {}
    groups = metadata.json_list("SecurityGroupIds") or [str(g) for g in interface.get("Groups", [])]
    return resources.ec2_instance(
        account_id,
        region,
        instance_type=metadata.get("InstanceType"),
        subnet_id=_key_or_none(metadata, "SubnetId") or interface.get("SubnetId") or None,
        security_group_ids=groups,
        image_id=image_id,
        instance_profile=metadata.get("IamInstanceProfileName").strip(),
        key_name=metadata.get("KeyName").strip(),
    )


def _build_rds(account_id: str, region: str, metadata: Metadata, source: str) -> str:
    return resources.rds_instance(
        account_id,
        region,
        identifier=metadata.get("DBInstanceIdentifier"),
        instance_class=metadata.get("DBInstanceClass") or resources.DEFAULT_DB_CLASS,
        engine=metadata.get("Engine") or "postgres",
        port=int(metadata.get("Port")) if metadata.has("Port") else None,
        multi_az=metadata.flag("MultiAZ"),
        kms_key_id=_key_or_none(metadata, "KmsKeyId"),
        availability_zone=_key_or_none(metadata, "AvailabilityZone"),
        security_group_ids=metadata.json_list("VpcSecurityGroupIds"),
    )


def _build_aurora(account_id: str, region: str, metadata: Metadata, source: str) -> str:
    return resources.aurora_cluster(
        account_id,
        region,
        identifier=metadata.get("DBClusterIdentifier"),
        engine=metadata.get("Engine") or "aurora-postgresql",
        port=int(metadata.get("Port")) if metadata.has("Port") else None,
        kms_key_id=_key_or_none(metadata, "KmsKeyId"),
        database_name=_key_or_none(metadata, "DatabaseName"),
        security_group_ids=metadata.json_list("VpcSecurityGroupIds"),
        engine_version=_key_or_none(metadata, "EngineVersion"),
    )


def _build_dynamodb(account_id: str, region: str, metadata: Metadata, source: str) -> str:
    source_region, source_account, table_name = arn_parts(source)
    table = (
        resources.find_table(source_account, source_region, table_name) if source_account else None
    )
    kms = (
        _key_or_none(metadata, "kmsMasterKeyArn")
        if metadata.get("encryptionType") == "KMS"
        else None
    )
    if table is None:
        return resources.dynamodb_table(
            account_id, region, name=metadata.get("targetTableName"), kms_key_id=kms
        )
    arn = resources.dynamodb_table(
        account_id,
        region,
        name=metadata.get("targetTableName"),
        key_schema=table.schema,
        attributes=table.attr,
        kms_key_id=kms,
    )
    # The restored table holds the source's items (the sandbox keeps no data per backup).
    resources.copy_table_items(table, account_id, region, metadata.get("targetTableName"))
    return arn


def _build_efs(account_id: str, region: str, metadata: Metadata, source: str) -> str:
    if not metadata.flag("newFileSystem"):
        # Restored into a directory of the existing file system.
        file_system_id = metadata.get("file-system-id")
        return f"arn:aws:elasticfilesystem:{region}:{account_id}:file-system/{file_system_id}"
    return resources.efs_file_system(
        account_id,
        region,
        # StartRestoreJob does not require a CreationToken for a new file system.
        creation_token=metadata.get("CreationToken") or f"restore-{uuid.uuid4()}",
        performance_mode=metadata.get("PerformanceMode") or "generalPurpose",
        encrypted=metadata.flag("Encrypted"),
        kms_key_id=_key_or_none(metadata, "KmsKeyId"),
    )


def _build_s3(account_id: str, region: str, metadata: Metadata, source: str) -> str:
    bucket = metadata.get("DestinationBucketName")
    if not metadata.flag("NewBucket"):
        return f"arn:aws:s3:::{bucket}"
    sse_kms = metadata.get("EncryptionType") == "SSE-KMS"
    kms = _key_or_none(metadata, "KMSKey") if sse_kms else None
    # AWS Backup backs up versioned buckets only, and the bucket a restore creates has
    # versioning enabled as well (its restore role is granted s3:PutBucketVersioning for it).
    arn = resources.s3_bucket(
        account_id, region, name=bucket, kms_key_id=kms, sse_kms=sse_kms, versioned=True
    )
    if source.startswith("arn:aws:s3:::"):
        # The restored bucket holds the source bucket's objects (none kept per backup).
        resources.copy_bucket_objects(source.split(":::", 1)[1], account_id, bucket)
    return arn


_BUILDERS: dict[str, Callable[[str, str, Metadata, str], str]] = {
    "EBS": _build_ebs,
    "EC2": _build_ec2,
    "RDS": _build_rds,
    "Aurora": _build_aurora,
    "DynamoDB": _build_dynamodb,
    "EFS": _build_efs,
    "S3": _build_s3,
}
