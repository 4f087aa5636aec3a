"""Restore metadata: what GetRecoveryPointRestoreMetadata returns, and its validation.

The keys are AWS Backup's documented ones per resource type, matched without regard to case as
AWS Backup does. Values come from the protected resource in moto when it still exists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from drconsole.sandbox import resources

RESTORABLE = ("EBS", "EC2", "RDS", "Aurora", "DynamoDB", "EFS", "S3")
EBS_VOLUME_TYPES = ("gp2", "gp3", "io1", "io2", "st1", "sc1", "standard")
BOOLEANS = ("true", "false")
# "Options are original (same encryption as the original object), SSE-S3, or SSE-KMS"
# (https://docs.aws.amazon.com/aws-backup/latest/devguide/restoring-s3.html).
S3_ENCRYPTION_TYPES = ("original", "SSE-S3", "SSE-KMS")


class Metadata:
    """Restore metadata looked up without regard to the keys' case."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = {key.lower(): (key, str(value)) for key, value in values.items()}

    def get(self, key: str, default: str = "") -> str:
        """The value for key (any case), or default."""
        return self._values.get(key.lower(), (key, default))[1]

    def has(self, key: str) -> bool:
        """True when the key is present with a non-empty value."""
        return bool(self.get(key).strip())

    def flag(self, key: str, default: bool = False) -> bool:
        """A boolean value ("true"/"false")."""
        return self.get(key, str(default)).strip().lower() == "true"

    def json_list(self, key: str) -> list[str]:
        """A JSON list value (AWS Backup serializes lists as JSON text), or a comma list."""
        raw = self.get(key).strip()
        if not raw:
            return []
        if raw.startswith("["):
            return [str(v) for v in json.loads(raw)]
        return [part.strip() for part in raw.split(",") if part.strip()]


# --- GetRecoveryPointRestoreMetadata ----------------------------------------------------------


def arn_parts(resource_arn: str) -> tuple[str, str, str]:
    """(region, account, resource id) of a resource ARN; S3 ARNs have no Region or account."""
    parts = resource_arn.split(":", 5)
    if len(parts) < 6:
        return "", "", resource_arn
    tail = parts[5]
    resource_id = re.split(r"[:/]", tail, maxsplit=1)[-1] if re.search(r"[:/]", tail) else tail
    return parts[3], parts[4], resource_id


def _bool(value: Any) -> str:
    return "true" if value else "false"


def restore_metadata(
    resource_type: str,
    resource_arn: str,
    resource_name: str,
    encryption_key_arn: str | None,
    region: str,
) -> dict[str, str]:
    """What GetRecoveryPointRestoreMetadata returns for a recovery point of this resource."""
    source_region, account_id, resource_id = arn_parts(resource_arn)
    name = resource_name or resource_id
    key = encryption_key_arn or ""
    readers: dict[str, Callable[[], dict[str, str]]] = {
        "EBS": lambda: _ebs_metadata(account_id, source_region, resource_id, key, region),
        "EC2": lambda: _ec2_metadata(account_id, source_region, resource_id, region),
        "RDS": lambda: _rds_metadata(account_id, source_region, resource_id, name, key, region),
        "Aurora": lambda: _aurora_metadata(account_id, source_region, resource_id, key, region),
        "DynamoDB": lambda: _dynamodb_metadata(resource_id, key),
        "EFS": lambda: _efs_metadata(account_id, source_region, resource_id, key),
        "S3": lambda: _s3_metadata(resource_id, key),
    }
    reader = readers.get(resource_type)
    return reader() if reader else {}


def _ebs_metadata(
    account: str, source_region: str, volume_id: str, key: str, region: str
) -> dict[str, str]:
    volume = None
    if account and source_region:
        volume = resources.find_volume(account, source_region, volume_id)
    zone = f"{region}a"
    if volume is not None and source_region == region:
        zone = volume.zone.name
    metadata = {
        "volumeId": volume_id,
        "availabilityZone": zone,
        "volumeType": volume.volume_type if volume else "gp3",
        "volumeSize": str(volume.size if volume else 8),
        "encrypted": _bool(bool(key) or (volume is not None and volume.encrypted)),
        "multiAttachEnabled": _bool(volume is not None and volume.multi_attach_enabled),
    }
    if key:
        metadata["kmsKeyId"] = key
    if volume is not None and volume.iops:
        metadata["iops"] = str(volume.iops)
    if volume is not None and volume.throughput:
        metadata["throughput"] = str(volume.throughput)
    return metadata


def _ec2_metadata(
    account: str, source_region: str, instance_id: str, region: str
) -> dict[str, str]:
    instance = resources.find_instance(account, source_region, instance_id) if account else None
    if instance is None:
        return {"InstanceType": resources.DEFAULT_INSTANCE_TYPE, "RequireIMDSv2": "false"}
    metadata = {
        "InstanceType": instance.instance_type,
        "ImageId": instance.image_id,
        "RequireIMDSv2": "false",
        "DisableApiTermination": _bool(instance.disable_api_termination),
        "InstanceInitiatedShutdownBehavior": instance.instance_initiated_shutdown_behavior,
    }
    # AWS Backup records the instance profile by name, so a copy restored in another account
    # still names the original account's profile.
    profile = resources.instance_profile_of(account, source_region, instance_id)
    if profile:
        metadata["IamInstanceProfileName"] = profile
    # And the key pair by name too, though EC2 key pairs are per account and Region: a copy
    # restored in another account or Region names the source's key pair.
    if instance.key_name:
        metadata["KeyName"] = str(instance.key_name)
    if source_region == region:
        metadata["SubnetId"] = instance.subnet_id or ""
        metadata["SecurityGroupIds"] = json.dumps([group.id for group in instance.security_groups])
        metadata["Placement"] = json.dumps(
            {"AvailabilityZone": instance.placement.availability_zone}
        )
        # The instance's primary interface, as AWS Backup records it beside the subnet.
        metadata["NetworkInterfaces"] = json.dumps(
            [
                {
                    "DeviceIndex": 0,
                    "SubnetId": instance.subnet_id or "",
                    "Groups": [group.id for group in instance.security_groups],
                    "PrivateIpAddresses": [
                        {"Primary": True, "PrivateIpAddress": instance.private_ip_address}
                    ],
                }
            ]
        )
    return metadata


def _rds_metadata(
    account: str, source_region: str, identifier: str, name: str, key: str, region: str
) -> dict[str, str]:
    database = resources.find_db_instance(account, source_region, identifier) if account else None
    metadata = {
        "DBInstanceIdentifier": identifier or name,
        "DBInstanceClass": database.db_instance_class if database else resources.DEFAULT_DB_CLASS,
        "Engine": database.engine if database else "postgres",
        "Port": str(database.port if database else 5432),
        "MultiAZ": _bool(database is not None and database.multi_az),
        "StorageType": (database.storage_type if database else None) or "gp2",
        "PubliclyAccessible": "false",
        "CopyTagsToSnapshot": "true",
        "DeletionProtection": "false",
    }
    if database is not None and source_region == region:
        metadata["AvailabilityZone"] = database.availability_zone
        metadata["VpcSecurityGroupIds"] = json.dumps(list(database.vpc_security_group_ids))
    if key:
        metadata["KmsKeyId"] = key
    return metadata


def _aurora_metadata(
    account: str, source_region: str, identifier: str, key: str, region: str
) -> dict[str, str]:
    cluster = resources.find_db_cluster(account, source_region, identifier) if account else None
    metadata = {
        "DBClusterIdentifier": identifier,
        "Engine": cluster.engine if cluster else "aurora-postgresql",
        "EngineVersion": (cluster.engine_version if cluster else None) or "",
        "EngineMode": (cluster.engine_mode if cluster else None) or "provisioned",
        "Port": str((cluster.port if cluster else None) or 5432),
        "DeletionProtection": "false",
        "CopyTagsToSnapshot": "true",
    }
    if cluster is not None and cluster.database_name:
        metadata["DatabaseName"] = cluster.database_name
    if cluster is not None:
        # A copy in another Region carries its source's zones too: AWS does not document that
        # it adapts them, and a restore that sends them there fails (the worse case, modelled).
        metadata["AvailabilityZones"] = json.dumps(list(cluster.availability_zones))
    # Security groups belong to a VPC of the source's Region: a copy elsewhere has none.
    if cluster is not None and source_region == region and cluster.vpc_security_group_ids:
        metadata["VpcSecurityGroupIds"] = json.dumps(list(cluster.vpc_security_group_ids))
    if key:
        metadata["KmsKeyId"] = key
    return metadata


def _dynamodb_metadata(table_name: str, key: str) -> dict[str, str]:
    metadata = {
        "originalTableName": table_name,
        "targetTableName": table_name,
        "encryptionType": "KMS" if key else "Default",
        "deletionProtection": "false",
    }
    if key:
        metadata["kmsMasterKeyArn"] = key
    return metadata


def _efs_metadata(
    account: str, source_region: str, file_system_id: str, key: str
) -> dict[str, str]:
    file_system = (
        resources.find_file_system(account, source_region, file_system_id) if account else None
    )
    metadata = {
        "file-system-id": file_system_id,
        "Encrypted": _bool(bool(key) or (file_system is not None and file_system.encrypted)),
        "PerformanceMode": file_system.performance_mode if file_system else "generalPurpose",
        "CreationToken": f"{file_system_id}-restore",
        "newFileSystem": "true",
    }
    if key:
        metadata["KmsKeyId"] = key
    return metadata


def _s3_metadata(bucket: str, key: str) -> dict[str, str]:
    metadata = {
        "DestinationBucketName": bucket,
        "NewBucket": "true",
        "Encrypted": "true",
        "EncryptionType": "SSE-KMS" if key else "SSE-S3",
        "CreationToken": f"{bucket}-restore",
    }
    if key:
        metadata["KMSKey"] = key
    return metadata


# --- StartRestoreJob's synchronous validation ------------------------------------------------

# A Region's name and a letter, or a Local Zone's name (us-west-2-lax-1a).
_AZ = r"[a-z]{2,4}(-[a-z]+)+-\d{1,2}(-[a-z]+-\d{1,2})?[a-z]"
_DB_IDENTIFIER = re.compile(r"[A-Za-z](?!.*--)[A-Za-z0-9-]{0,62}(?<!-)")
_TABLE_NAME = re.compile(r"[A-Za-z0-9_.-]{3,255}")
_BUCKET_NAME = re.compile(r"(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


def _in_region(zone: str, region: str) -> bool:
    known = resources.availability_zones(region)
    if known:
        return zone in known
    return bool(re.fullmatch(_AZ, zone)) and zone.startswith(region)


class _Invalid(Exception):
    """A restore metadata problem, worded as AWS Backup's InvalidParameterValueException."""


def _required(metadata: Metadata, key: str) -> str:
    if not metadata.has(key):
        raise _Invalid(f"Restore metadata is missing required key {key}.")
    return metadata.get(key).strip()


def _check(ok: bool, metadata: Metadata, key: str, expectation: str) -> None:
    if not ok:
        raise _Invalid(
            f"Invalid value '{metadata.get(key)}' for restore metadata key {key}: {expectation}."
        )


def _check_bool(metadata: Metadata, key: str) -> None:
    if metadata.has(key):
        _check(
            metadata.get(key).strip().lower() in BOOLEANS, metadata, key, "must be true or false"
        )


def _check_int(metadata: Metadata, key: str, low: int, high: int) -> None:
    if metadata.has(key):
        value = metadata.get(key).strip()
        ok = value.isascii() and value.isdigit() and low <= int(value) <= high
        _check(ok, metadata, key, f"must be an integer from {low} to {high}")


def _check_json_list(metadata: Metadata, key: str, prefix: str) -> None:
    if not metadata.has(key):
        return
    try:
        values, ok = metadata.json_list(key), True
    except ValueError:
        values, ok = [], False
    ok = ok and all(v.startswith(prefix) for v in values)
    _check(ok, metadata, key, f"must be a JSON list of {prefix}... identifiers")


def _check_key_needs_encryption(metadata: Metadata, key_name: str, flag: str) -> None:
    if metadata.has(key_name):
        _check(metadata.flag(flag), metadata, flag, f"must be true when {key_name} is set")


def _validate_ebs(metadata: Metadata, region: str) -> None:
    zone = _required(metadata, "availabilityZone")
    _check(
        _in_region(zone, region),
        metadata,
        "availabilityZone",
        f"must be an Availability Zone of {region}",
    )
    if metadata.has("volumeType"):
        ok = metadata.get("volumeType") in EBS_VOLUME_TYPES
        _check(ok, metadata, "volumeType", f"must be one of {', '.join(EBS_VOLUME_TYPES)}")
    _check_int(metadata, "volumeSize", 1, 65536)
    _check_int(metadata, "iops", 100, 256000)
    _check_int(metadata, "throughput", 125, 2000)
    _check_bool(metadata, "encrypted")
    _check_key_needs_encryption(metadata, "kmsKeyId", "encrypted")


def _validate_ec2(metadata: Metadata, region: str) -> None:
    instance_type = _required(metadata, "InstanceType")
    # A metal size may carry a variant (m7i.metal-24xl), as in EC2's InstanceType enum.
    ok = bool(re.fullmatch(r"[a-z][a-z0-9-]*\.[a-z0-9]+(-[a-z0-9]+)?", instance_type))
    _check(ok, metadata, "InstanceType", "must be an instance type such as t3.micro")
    if metadata.has("SubnetId"):
        ok = bool(re.fullmatch(r"subnet-[0-9a-f]+", metadata.get("SubnetId")))
        _check(ok, metadata, "SubnetId", "must be a subnet ID (subnet-...)")
    if metadata.has("ImageId"):
        ok = bool(re.fullmatch(r"ami-[0-9a-f]+", metadata.get("ImageId")))
        _check(ok, metadata, "ImageId", "must be an AMI ID (ami-...)")
    _check_json_list(metadata, "SecurityGroupIds", "sg-")
    _check_bool(metadata, "RequireIMDSv2")


def _validate_db_identifier(metadata: Metadata, key: str) -> None:
    identifier = _required(metadata, key)
    ok = bool(_DB_IDENTIFIER.fullmatch(identifier))
    expectation = (
        "must be 1 to 63 letters, digits or hyphens, start with a letter, and not end with a "
        "hyphen or contain two consecutive hyphens"
    )
    _check(ok, metadata, key, expectation)


def _validate_rds(metadata: Metadata, region: str) -> None:
    _validate_db_identifier(metadata, "DBInstanceIdentifier")
    if metadata.has("DBInstanceClass"):
        # Metal variants (db.m7i.metal-24xl) and RDS for Oracle's preconfigured classes
        # (db.r5b.4xlarge.tpc2.mem2x) are classes too.
        pattern = r"db\.[a-z0-9-]+\.[a-z0-9]+(-[a-z0-9]+)?(\.tpc\d+\.mem\d+x)?"
        ok = bool(re.fullmatch(pattern, metadata.get("DBInstanceClass")))
        _check(ok, metadata, "DBInstanceClass", "must be a DB instance class such as db.t3.micro")
    _check_int(metadata, "Port", 1150, 65535)
    _check_bool(metadata, "MultiAZ")
    if metadata.has("AvailabilityZone"):
        ok = _in_region(metadata.get("AvailabilityZone"), region)
        _check(ok, metadata, "AvailabilityZone", f"must be an Availability Zone of {region}")
    _check_json_list(metadata, "VpcSecurityGroupIds", "sg-")


def _validate_aurora(metadata: Metadata, region: str) -> None:
    _validate_db_identifier(metadata, "DBClusterIdentifier")
    if metadata.has("Engine"):
        engines = ("aurora-mysql", "aurora-postgresql")
        ok = metadata.get("Engine") in engines
        _check(ok, metadata, "Engine", f"must be one of {', '.join(engines)}")
    _check_int(metadata, "Port", 1150, 65535)
    _check_json_list(metadata, "VpcSecurityGroupIds", "sg-")
    if metadata.has("AvailabilityZones"):
        try:
            zones = metadata.json_list("AvailabilityZones")
        except ValueError:
            zones = [""]
        ok = all(_in_region(zone, region) for zone in zones)
        _check(ok, metadata, "AvailabilityZones", f"must be Availability Zones of {region}")


def _validate_dynamodb(metadata: Metadata, region: str) -> None:
    name = _required(metadata, "targetTableName")
    ok = bool(_TABLE_NAME.fullmatch(name))
    expectation = "must be 3 to 255 letters, digits, underscores, hyphens or periods"
    _check(ok, metadata, "targetTableName", expectation)
    encryption = metadata.get("encryptionType", "Default") or "Default"
    _check(encryption in ("Default", "KMS"), metadata, "encryptionType", "must be Default or KMS")
    if encryption == "KMS":
        _required(metadata, "kmsMasterKeyArn")


def _validate_efs(metadata: Metadata, region: str) -> None:
    file_system_id = _required(metadata, "file-system-id")
    ok = bool(re.fullmatch(r"fs-[0-9a-f]+", file_system_id))
    _check(ok, metadata, "file-system-id", "must be a file system ID (fs-...)")
    _required(metadata, "newFileSystem")
    _check_bool(metadata, "newFileSystem")
    _check_bool(metadata, "Encrypted")
    _check_key_needs_encryption(metadata, "KmsKeyId", "Encrypted")
    if metadata.has("PerformanceMode"):
        modes = ("generalPurpose", "maxIO")
        ok = metadata.get("PerformanceMode") in modes
        _check(ok, metadata, "PerformanceMode", f"must be one of {', '.join(modes)}")


def _validate_s3(metadata: Metadata, region: str) -> None:
    bucket = _required(metadata, "DestinationBucketName")
    # S3's general purpose bucket naming rules: no IP address form, no reserved prefix or
    # suffix (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
    ok = (
        bool(_BUCKET_NAME.fullmatch(bucket))
        and not re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", bucket)
        and not bucket.startswith(("xn--", "sthree-", "amzn-s3-demo-"))
        and not bucket.endswith(("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"))
    )
    _check(ok, metadata, "DestinationBucketName", "must be a valid S3 bucket name")
    # Only DestinationBucketName is mandatory, and KMSKey is "Only needed if encryption is
    # SSE-KMS": without it SSE-KMS uses the AWS managed key aws/s3, as the console offers
    # (restoring-s3.html).
    _check_bool(metadata, "NewBucket")
    _check_bool(metadata, "Encrypted")
    _check_bool(metadata, "RestoreACLs")
    if metadata.has("EncryptionType"):
        ok = metadata.get("EncryptionType") in S3_ENCRYPTION_TYPES
        _check(ok, metadata, "EncryptionType", f"must be one of {', '.join(S3_ENCRYPTION_TYPES)}")
    if metadata.has("RestoreLatestVersionsUpTo"):
        # "1 (to restore the latest version); n, where n is any positive integer greater than
        # 1 [...]; all (to restore all versions)"
        value = metadata.get("RestoreLatestVersionsUpTo").strip()
        ok = value == "all" or (value.isascii() and value.isdigit() and int(value) >= 1)
        _check(ok, metadata, "RestoreLatestVersionsUpTo", "must be a positive integer or all")


def _refuse_original_on_copy(metadata: Metadata, copied_from_region: str) -> None:
    """AWS's rule for a copy from another Region ("The original encryption method cannot be
    used to restore a recovery point (backup) copied from another Region", restoring-s3.html);
    AWS publishes no error message for it, so this wording is the sandbox's own."""
    if copied_from_region and metadata.get("EncryptionType").strip() == "original":
        _check(
            False,
            metadata,
            "EncryptionType",
            "the original encryption method cannot be used to restore a recovery point copied "
            f"from another Region ({copied_from_region}); use SSE-S3 or SSE-KMS",
        )


_VALIDATORS: dict[str, Callable[[Metadata, str], None]] = {
    "EBS": _validate_ebs,
    "EC2": _validate_ec2,
    "RDS": _validate_rds,
    "Aurora": _validate_aurora,
    "DynamoDB": _validate_dynamodb,
    "EFS": _validate_efs,
    "S3": _validate_s3,
}


def validate_metadata(
    resource_type: str, metadata: Mapping[str, str], region: str, copied_from_region: str = ""
) -> str | None:
    """The InvalidParameterValueException message for bad restore metadata, else None
    (`copied_from_region`: the Region the recovery point was copied from, for a copy from
    another Region)."""
    validator = _VALIDATORS.get(resource_type)
    if validator is None:
        return f"Unsupported resource type: {resource_type}"
    try:
        validator(Metadata(metadata), region)
        if resource_type == "S3":
            _refuse_original_on_copy(Metadata(metadata), copied_from_region)
    except _Invalid as problem:
        return str(problem)
    return None
