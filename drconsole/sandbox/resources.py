"""Real moto resources: those the scenarios' recovery points protect, and those restores create.

Everything is created in moto's backends of the given account and Region, in this process, so it
is visible through moto's ordinary API over HTTP as that account. Each builder returns the ARN
AWS gives the resource (the CreatedResourceArn of a restore job).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

DEFAULT_INSTANCE_TYPE = "t3.micro"
DEFAULT_DB_CLASS = "db.t3.micro"


def aws_managed_key(account_id: str, region: str, alias: str = "aws/backup") -> str:
    """The ARN of the AWS-managed key `alias` (e.g. aws/backup, aws/ebs) of an account and Region.

    AWS creates these keys itself and no API can; moto creates some of them on first use but
    marks them customer managed. The key is created once, KeyManager AWS, with its alias.
    """
    from moto.kms.models import kms_backends

    backend = kms_backends[account_id][region]
    alias_name = f"alias/{alias}"
    for key in backend.keys.values():
        if alias_name in key.aliases:
            key.key_manager = "AWS"
            return str(key.arn)
    key = backend.create_key(
        None, "ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT", f"Default key for {alias}", None
    )
    key.key_manager = "AWS"
    backend.create_alias(key.id, alias_name)
    return str(key.arn)


def _ec2(account_id: str, region: str) -> Any:
    from moto.ec2.models import ec2_backends

    return ec2_backends[account_id][region]


def availability_zones(region: str) -> list[str]:
    """The Availability Zones moto's EC2 knows in the Region (without creating a backend)."""
    from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend

    return [zone.name for zone in RegionsAndZonesBackend.zones.get(region, [])]


def default_subnet(account_id: str, region: str, zone: str | None = None) -> Any:
    """The default VPC's subnet in `zone` (or the first zone) of the account and Region."""
    subnets = _ec2(account_id, region).get_default_subnets()
    if zone and zone in subnets:
        return subnets[zone]
    return subnets[sorted(subnets)[0]]


def default_security_group(account_id: str, region: str) -> Any:
    """The default VPC's default security group."""
    backend = _ec2(account_id, region)
    vpc = backend.get_default_vpc()
    return backend.get_security_group_from_name("default", vpc.id if vpc else None)


def ebs_volume(
    account_id: str,
    region: str,
    *,
    zone: str,
    size_gib: int = 8,
    volume_type: str = "gp3",
    kms_key_id: str | None = None,
    encrypted: bool = False,
    iops: int | None = None,
    throughput: int | None = None,
    name: str = "",
) -> str:
    """An EBS volume; returns arn:aws:ec2:REGION:ACCOUNT:volume/vol-..."""
    backend = _ec2(account_id, region)
    volume = backend.create_volume(
        size=size_gib,
        zone_name=zone,
        encrypted=encrypted or bool(kms_key_id),
        kms_key_id=kms_key_id,
        volume_type=volume_type,
        iops=iops,
        throughput=throughput,
    )
    if name:
        volume.add_tags({"Name": name})
    return f"arn:aws:ec2:{region}:{account_id}:volume/{volume.id}"


def any_image_id(account_id: str, region: str) -> str:
    """An AMI that exists in the Region (moto ships Amazon's public ones)."""
    amis = _ec2(account_id, region).amis
    return str(sorted(amis)[0])


def ec2_instance(
    account_id: str,
    region: str,
    *,
    instance_type: str = DEFAULT_INSTANCE_TYPE,
    subnet_id: str | None = None,
    security_group_ids: Sequence[str] = (),
    image_id: str | None = None,
    name: str = "",
    instance_profile: str = "",
    key_name: str = "",
) -> str:
    """A running EC2 instance (with the account's instance profile and key pair of those names,
    if given); returns arn:aws:ec2:REGION:ACCOUNT:instance/i-..."""
    backend = _ec2(account_id, region)
    subnet = backend.get_subnet(subnet_id) if subnet_id else default_subnet(account_id, region)
    groups = list(security_group_ids) or [default_security_group(account_id, region).id]
    reservation = backend.run_instances(
        image_id or any_image_id(account_id, region),
        1,
        None,
        [],
        instance_type=instance_type,
        is_instance_type_default=False,
        subnet_id=subnet.id,
        security_group_ids=groups,
        region_name=region,
        tags={"instance": {"Name": name}} if name else {},
        key_name=key_name or None,
    )
    instance = reservation.instances[0]
    if instance_profile:
        backend.associate_iam_instance_profile(
            instance.id, iam_instance_profile_name=instance_profile
        )
    return f"arn:aws:ec2:{region}:{account_id}:instance/{instance.id}"


def _rds(account_id: str, region: str) -> Any:
    from moto.rds.models import rds_backends

    return rds_backends[account_id][region]


def rds_instance(
    account_id: str,
    region: str,
    *,
    identifier: str,
    instance_class: str = DEFAULT_DB_CLASS,
    engine: str = "postgres",
    port: int | None = None,
    multi_az: bool = False,
    kms_key_id: str | None = None,
    availability_zone: str | None = None,
    security_group_ids: Sequence[str] = (),
    allocated_storage: int = 20,
) -> str:
    """An RDS DB instance; returns arn:aws:rds:REGION:ACCOUNT:db:IDENTIFIER."""
    database = _rds(account_id, region).create_db_instance(
        {
            "db_instance_identifier": identifier,
            "db_instance_class": instance_class,
            "engine": engine,
            "port": port,
            "multi_az": multi_az,
            "allocated_storage": allocated_storage,
            "storage_encrypted": bool(kms_key_id),
            "kms_key_id": kms_key_id,
            "availability_zone": availability_zone,
            "vpc_security_group_ids": list(security_group_ids),
            "master_username": "dbadmin",
            "master_user_password": "sandbox-password",
        }
    )
    return str(database.db_instance_arn)


def aurora_cluster(
    account_id: str,
    region: str,
    *,
    identifier: str,
    engine: str = "aurora-postgresql",
    port: int | None = None,
    kms_key_id: str | None = None,
    database_name: str | None = None,
    security_group_ids: Sequence[str] = (),
    engine_version: str | None = None,
) -> str:
    """An Aurora DB cluster; returns arn:aws:rds:REGION:ACCOUNT:cluster:IDENTIFIER."""
    cluster = _rds(account_id, region).create_db_cluster(
        {
            "db_cluster_identifier": identifier,
            "engine": engine,
            "engine_version": engine_version,
            "port": port,
            "storage_encrypted": bool(kms_key_id),
            "kms_key_id": kms_key_id,
            "database_name": database_name,
            "vpc_security_group_ids": list(security_group_ids),
            "master_username": "dbadmin",
            "master_user_password": "sandbox-password",
        }
    )
    return str(cluster.db_cluster_arn)


def _dynamodb(account_id: str, region: str) -> Any:
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[account_id][region]


def dynamodb_table(
    account_id: str,
    region: str,
    *,
    name: str,
    key_schema: Sequence[dict[str, str]] = ({"AttributeName": "id", "KeyType": "HASH"},),
    attributes: Sequence[dict[str, str]] = ({"AttributeName": "id", "AttributeType": "S"},),
    kms_key_id: str | None = None,
) -> str:
    """An on-demand DynamoDB table; returns arn:aws:dynamodb:REGION:ACCOUNT:table/NAME."""
    sse = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": kms_key_id} if kms_key_id else None
    table = _dynamodb(account_id, region).create_table(
        name,
        schema=list(key_schema),
        throughput=None,
        attr=list(attributes),
        global_indexes=None,
        indexes=None,
        streams=None,
        billing_mode="PAY_PER_REQUEST",
        sse_specification=sse,
        tags=[],
        deletion_protection_enabled=False,
        warm_throughput=None,
    )
    return str(table.table_arn)


def _efs(account_id: str, region: str) -> Any:
    from moto.efs.models import efs_backends

    return efs_backends[account_id][region]


def efs_file_system(
    account_id: str,
    region: str,
    *,
    creation_token: str,
    performance_mode: str = "generalPurpose",
    encrypted: bool = False,
    kms_key_id: str | None = None,
    name: str = "",
) -> str:
    """An EFS file system; returns arn:aws:elasticfilesystem:REGION:ACCOUNT:file-system/fs-..."""
    file_system = _efs(account_id, region).create_file_system(
        creation_token=creation_token,
        performance_mode=performance_mode,
        encrypted=encrypted or bool(kms_key_id),
        kms_key_id=kms_key_id,
        throughput_mode="bursting",
        provisioned_throughput_in_mibps=0,
        availability_zone_name="",
        backup=False,
        tags=[{"Key": "Name", "Value": name}] if name else [],
    )
    return (
        f"arn:aws:elasticfilesystem:{region}:{account_id}:file-system/{file_system.file_system_id}"
    )


def _s3(account_id: str) -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[account_id]["aws"]


def s3_bucket(
    account_id: str,
    region: str,
    *,
    name: str,
    kms_key_id: str | None = None,
    sse_kms: bool = False,
    versioned: bool = False,
) -> str:
    """An S3 bucket (SSE-KMS when a key is given or `sse_kms`, on the AWS managed key aws/s3
    when no key is given; else SSE-S3; versioning enabled when asked); returns arn:aws:s3:::NAME."""
    backend = _s3(account_id)
    backend.create_bucket(name, region)
    if versioned:
        backend.put_bucket_versioning(name, "Enabled")
    rule: dict[str, Any] = {"SSEAlgorithm": "AES256"}
    if kms_key_id or sse_kms:
        rule = {"SSEAlgorithm": "aws:kms"}
    if kms_key_id:
        rule["KMSMasterKeyID"] = kms_key_id
    backend.put_bucket_encryption(name, {"Rule": {"ApplyServerSideEncryptionByDefault": rule}})
    return f"arn:aws:s3:::{name}"


def _safe_name(name: str, allowed: str, limit: int) -> str:
    cleaned = re.sub(f"[^{allowed}]", "-", name).strip("-") or "resource"
    return cleaned[:limit]


def _sample_count(name: str) -> int:
    """How many items or objects a source table or bucket holds (3 to 9, fixed by its name)."""
    return 3 + sum(name.encode()) % 7


def copy_table_items(source: Any, account_id: str, region: str, table: str) -> int:
    """Put every item of the moto table `source` into `table`; returns how many."""
    backend = _dynamodb(account_id, region)
    items = list(source.all_items())
    for item in items:
        backend.put_item(table, item.to_json()["Attributes"])
    return len(items)


def copy_bucket_objects(source_bucket: str, account_id: str, bucket: str) -> int:
    """Copy every object of `source_bucket` (any owner) into `bucket`; returns how many."""
    owner = bucket_owner(source_bucket)
    if owner is None:
        return 0
    keys = list(_s3(owner).get_bucket(source_bucket).keys.values())
    for key in keys:
        _s3(account_id).put_object(bucket, key.name, key.value)
    return len(keys)


def create_source_resource(
    account_id: str, region: str, resource_type: str, name: str, kms_key_arn: str | None = None
) -> str:
    """A real moto resource of that AWS Backup resource type, for scenarios; returns its ARN."""
    zone = f"{region}a"
    if resource_type == "EBS":
        return ebs_volume(account_id, region, zone=zone, kms_key_id=kms_key_arn, name=name)
    if resource_type == "EC2":
        return ec2_instance(account_id, region, name=name)
    db_name = _safe_name(name, "a-zA-Z0-9-", 63).lower()
    if not db_name[0].isalpha():
        db_name = f"db-{db_name}"[:63]
    if resource_type == "RDS":
        return rds_instance(account_id, region, identifier=db_name, kms_key_id=kms_key_arn)
    if resource_type == "Aurora":
        return aurora_cluster(account_id, region, identifier=db_name, kms_key_id=kms_key_arn)
    if resource_type == "Neptune":
        return aurora_cluster(
            account_id, region, identifier=db_name, engine="neptune", kms_key_id=kms_key_arn
        )
    if resource_type == "DynamoDB":
        table = _safe_name(name, "a-zA-Z0-9_.-", 255)
        arn = dynamodb_table(account_id, region, name=table, kms_key_id=kms_key_arn)
        for index in range(_sample_count(name)):
            _dynamodb(account_id, region).put_item(
                table, {"id": {"S": f"{name}-{index:03d}"}, "n": {"N": str(index)}}
            )
        return arn
    if resource_type == "EFS":
        return efs_file_system(
            account_id, region, creation_token=name, kms_key_id=kms_key_arn, name=name
        )
    if resource_type == "S3":
        bucket = _safe_name(name.lower(), "a-z0-9.-", 63)
        arn = s3_bucket(account_id, region, name=bucket, kms_key_id=kms_key_arn)
        for index in range(_sample_count(name)):
            body = f"{name} object {index}\n".encode() * (index + 1)
            _s3(account_id).put_object(bucket, f"data/{index:03d}.txt", body)
        return arn
    raise ValueError(f"the sandbox cannot create {resource_type} resources")


# --- Lookups of existing resources (None when absent) -----------------------------------------


def find_volume(account_id: str, region: str, volume_id: str) -> Any | None:
    """The moto EBS volume, or None."""
    return _ec2(account_id, region).volumes.get(volume_id)


def find_instance(account_id: str, region: str, instance_id: str) -> Any | None:
    """The moto EC2 instance, or None."""
    backend = _ec2(account_id, region)
    return next((i for i in backend.all_instances() if i.id == instance_id), None)


def instance_profile_of(account_id: str, region: str, instance_id: str) -> str:
    """The name of the instance profile associated with the instance ("" : none)."""
    association = _ec2(account_id, region).iam_instance_profile_associations.get(instance_id)
    profile = association.iam_instance_profile if association is not None else None
    return str(profile.name) if profile is not None else ""


def key_pair_exists(account_id: str, region: str, name: str) -> bool:
    """Whether the account has an EC2 key pair of that name in the Region."""
    return name in _ec2(account_id, region).key_pairs


def find_instance_profile(account_id: str, name: str) -> Any | None:
    """The moto IAM instance profile of that name in the account, or None."""
    from moto.iam.models import iam_backends

    profiles = iam_backends[account_id]["global"].instance_profiles.values()
    return next((p for p in profiles if p.name == name), None)


def find_subnet(account_id: str, region: str, subnet_id: str) -> Any | None:
    """The moto subnet, or None."""
    for subnets in _ec2(account_id, region).subnets.values():
        if subnet_id in subnets:
            return subnets[subnet_id]
    return None


def find_security_group(account_id: str, region: str, group_id: str) -> Any | None:
    """The moto security group, or None."""
    return _ec2(account_id, region).get_security_group_from_id(group_id)


def image_exists(account_id: str, region: str, image_id: str) -> bool:
    """True when the AMI exists in the Region."""
    return bool(image_id) and image_id in _ec2(account_id, region).amis


def find_db_instance(account_id: str, region: str, identifier: str) -> Any | None:
    """The moto RDS DB instance, or None."""
    return _rds(account_id, region).databases.get(identifier)


def find_db_cluster(account_id: str, region: str, identifier: str) -> Any | None:
    """The moto RDS/Aurora DB cluster, or None."""
    return _rds(account_id, region).clusters.get(identifier)


def find_table(account_id: str, region: str, name: str) -> Any | None:
    """The moto DynamoDB table, or None."""
    return _dynamodb(account_id, region).tables.get(name)


def find_file_system(account_id: str, region: str, file_system_id: str) -> Any | None:
    """The moto EFS file system, or None."""
    return _efs(account_id, region).file_systems_by_id.get(file_system_id)


def find_file_system_by_token(account_id: str, region: str, creation_token: str) -> Any | None:
    """The moto EFS file system created with that creation token, or None."""
    systems = _efs(account_id, region).file_systems_by_id.values()
    return next((fs for fs in systems if fs.creation_token == creation_token), None)


def bucket_owner(bucket: str) -> str | None:
    """The account owning the bucket (bucket names are global), or None."""
    from moto.s3.models import s3_backends

    owner = s3_backends.bucket_accounts.get(bucket)
    return owner[1] if owner else None
