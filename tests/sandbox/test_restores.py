"""Restores in the sandbox: metadata, validation, failures, and real resources seen over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from drconsole.sandbox.resources import create_source_resource, find_file_system_by_token
from drconsole.sandbox.restores import (
    create_restored_resource,
    restore_failure,
    restore_metadata,
    restore_start_error,
)
from drconsole.sandbox.scenarios.iam_roles import ensure_aws_managed_policies
from drconsole.sandbox.server import Sandbox
from drconsole.sandbox.store import aws_owned_key_arn
from tests.sandbox.conftest import empty_sandbox

ACCOUNT = "111111111111"
OTHER = "222222222222"
REGION = "eu-central-1"
RP = f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:0f6b2a47-1b0e-4f4e-9d4b-5f3f0b0c1a2d"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "backup.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with empty_sandbox(REGION) as box:
        yield box


def make_role(sandbox: Sandbox, account: str, name: str, trust: dict[str, Any] = TRUST) -> str:
    """A role in the account, created over HTTP; returns its ARN."""
    iam = sandbox.client("iam", account)
    return str(
        iam.create_role(
            RoleName=name, Path="/service-role/", AssumeRolePolicyDocument=json.dumps(trust)
        )["Role"]["Arn"]
    )


def s3_restore_policy(sandbox: Sandbox, account: str) -> str:
    """AWS's AWSBackupServiceRolePolicyForS3Restore document as a customer managed policy.

    moto loads AWS managed policies only when asked to (MOTO_IAM_LOAD_MANAGED_POLICIES).
    """
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    document = json.loads(aws_managed_policies_data)["AWSBackupServiceRolePolicyForS3Restore"]
    iam = sandbox.client("iam", account)
    created = iam.create_policy(
        PolicyName="BackupS3Restore", PolicyDocument=json.dumps(document["Document"])
    )
    return str(created["Policy"]["Arn"])


@pytest.fixture(scope="module")
def s3_policy(sandbox: Sandbox) -> str:
    return s3_restore_policy(sandbox, ACCOUNT)


RESTORE_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"


@pytest.fixture(scope="module")
def role(sandbox: Sandbox) -> str:
    """The default service role with AWS's restore policy: without an Allow of the call that
    creates the resource, a restore fails."""
    arn = make_role(sandbox, ACCOUNT, "AWSBackupDefaultServiceRole")
    ensure_aws_managed_policies(ACCOUNT)
    sandbox.client("iam", ACCOUNT).attach_role_policy(
        RoleName="AWSBackupDefaultServiceRole", PolicyArn=RESTORE_POLICY_ARN
    )
    return arn


def restored_visible(sandbox: Sandbox, account: str, resource_type: str, arn: str) -> Any:
    """Describe the restored resource over HTTP as `account` (raises ClientError if absent)."""
    name = arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    if resource_type == "EBS":
        return sandbox.client("ec2", account).describe_volumes(VolumeIds=[name])["Volumes"][0]
    if resource_type == "EC2":
        reservations = sandbox.client("ec2", account).describe_instances(InstanceIds=[name])
        return reservations["Reservations"][0]["Instances"][0]
    if resource_type == "RDS":
        rds = sandbox.client("rds", account)
        return rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]
    if resource_type == "Aurora":
        rds = sandbox.client("rds", account)
        return rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]
    if resource_type == "DynamoDB":
        return sandbox.client("dynamodb", account).describe_table(TableName=name)["Table"]
    if resource_type == "EFS":
        efs = sandbox.client("efs", account)
        return efs.describe_file_systems(FileSystemId=name)["FileSystems"][0]
    return sandbox.client("s3", account).head_bucket(Bucket=arn.split(":::", 1)[1])


RENAMES = {
    "EBS": {},
    "EC2": {},
    "RDS": {"DBInstanceIdentifier": "orders-db-restored"},
    "Aurora": {"DBClusterIdentifier": "ledger-restored"},
    "DynamoDB": {"targetTableName": "sessions-restored"},
    "EFS": {"CreationToken": "shared-files-restored"},
    "S3": {"DestinationBucketName": "assets-restored-111111111111"},
}
SOURCE_NAMES = {
    "EBS": "data-volume",
    "EC2": "web-1",
    "RDS": "orders-db",
    "Aurora": "ledger",
    "DynamoDB": "sessions",
    "EFS": "shared-files",
    "S3": "assets-111111111111",
}
ARN_PREFIX = {
    "EBS": f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/vol-",
    "EC2": f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-",
    "RDS": f"arn:aws:rds:{REGION}:{ACCOUNT}:db:orders-db-restored",
    "Aurora": f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:ledger-restored",
    "DynamoDB": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/sessions-restored",
    "EFS": f"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:file-system/fs-",
    "S3": "arn:aws:s3:::assets-restored-111111111111",
}


@pytest.mark.parametrize("resource_type", list(RENAMES))
def test_restore_creates_the_real_resource(
    sandbox: Sandbox, role: str, s3_policy: str, resource_type: str
) -> None:
    kms = sandbox.client("kms", ACCOUNT)
    key = kms.create_key()["KeyMetadata"]["Arn"]
    source = create_source_resource(
        ACCOUNT, REGION, resource_type, SOURCE_NAMES[resource_type], key
    )
    restored_visible(sandbox, ACCOUNT, resource_type, source)
    metadata = restore_metadata(resource_type, source, SOURCE_NAMES[resource_type], key, REGION)
    metadata.update(RENAMES[resource_type])
    if resource_type == "S3":
        sandbox.client("iam", ACCOUNT).attach_role_policy(
            RoleName="AWSBackupDefaultServiceRole",
            PolicyArn=s3_policy,
        )
    assert restore_start_error(ACCOUNT, REGION, resource_type, metadata, role) is None
    assert restore_failure(ACCOUNT, REGION, resource_type, metadata, role) is None

    arn = create_restored_resource(
        ACCOUNT, REGION, resource_type, metadata, RP, source_resource_arn=source
    )

    assert arn.startswith(ARN_PREFIX[resource_type]) and arn != source
    described = restored_visible(sandbox, ACCOUNT, resource_type, arn)
    if resource_type == "EBS":
        assert described["Encrypted"] and described["KmsKeyId"] == key
        assert described["AvailabilityZone"] == metadata["availabilityZone"]
    if resource_type == "EC2":
        assert described["SubnetId"] == metadata["SubnetId"]
        assert described["InstanceType"] == metadata["InstanceType"]
    if resource_type == "DynamoDB":
        assert described["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    # Other accounts do not see it (S3 bucket names are global: it is absent from their list).
    if resource_type == "S3":
        bucket = arn.split(":::", 1)[1]
        mine = sandbox.client("s3", ACCOUNT).list_buckets()["Buckets"]
        theirs = sandbox.client("s3", OTHER).list_buckets()["Buckets"]
        assert bucket in {b["Name"] for b in mine} - {b["Name"] for b in theirs}
    else:
        with pytest.raises(ClientError):
            restored_visible(sandbox, OTHER, resource_type, arn)


def test_a_new_file_system_needs_no_creation_token(sandbox: Sandbox, role: str) -> None:
    """StartRestoreJob's reference does not require CreationToken: the restore makes one up, and
    two such restores make two file systems."""
    kms = sandbox.client("kms", ACCOUNT)
    key = kms.create_key()["KeyMetadata"]["Arn"]
    source = create_source_resource(ACCOUNT, REGION, "EFS", "tokenless-files", key)
    metadata = restore_metadata("EFS", source, "tokenless-files", key, REGION)
    metadata.pop("CreationToken")
    assert restore_start_error(ACCOUNT, REGION, "EFS", metadata, role) is None
    made = set()
    for _ in range(2):
        assert restore_failure(ACCOUNT, REGION, "EFS", metadata, role) is None
        made.add(
            create_restored_resource(
                ACCOUNT, REGION, "EFS", metadata, RP, source_resource_arn=source
            )
        )
    assert len(made) == 2
    tokens = {restored_visible(sandbox, ACCOUNT, "EFS", arn)["CreationToken"] for arn in made}
    assert len(tokens) == 2 and all(tokens), tokens


def test_metadata_uses_aws_backup_keys_and_the_source_configuration(sandbox: Sandbox) -> None:
    volume = create_source_resource(ACCOUNT, REGION, "EBS", "meta-volume")
    ebs = restore_metadata("EBS", volume, "meta-volume", None, REGION)
    assert ebs["volumeId"] == volume.rsplit("/", 1)[1]
    assert ebs["availabilityZone"] == f"{REGION}a" and ebs["volumeSize"] == "8"
    assert ebs["volumeType"] == "gp3" and ebs["encrypted"] == "false"
    # A copy restored in another Region gets an Availability Zone of that Region.
    assert restore_metadata("EBS", volume, "", None, "eu-north-1")["availabilityZone"] == (
        "eu-north-1a"
    )
    db = create_source_resource(ACCOUNT, REGION, "RDS", "meta-db")
    rds = restore_metadata("RDS", db, "meta-db", None, REGION)
    assert rds["DBInstanceIdentifier"] == "meta-db" and rds["Engine"] == "postgres"
    assert rds["DBInstanceClass"] == "db.t3.micro"
    key = "arn:aws:kms:eu-central-1:111111111111:key/0b1d2a8e-1111-4c3b-9d2e-123456789abc"
    table = restore_metadata(
        "DynamoDB", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/t1", "", key, REGION
    )
    assert table == {
        "originalTableName": "t1",
        "targetTableName": "t1",
        "encryptionType": "KMS",
        "kmsMasterKeyArn": key,
        "deletionProtection": "false",
    }
    efs = restore_metadata(
        "EFS", f"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:file-system/fs-0a1b", "", None, REGION
    )
    assert efs["file-system-id"] == "fs-0a1b" and efs["newFileSystem"] == "true"
    assert set(efs) >= {"Encrypted", "PerformanceMode", "CreationToken"}
    s3 = restore_metadata("S3", "arn:aws:s3:::my-bucket", "my-bucket", None, REGION)
    assert s3["DestinationBucketName"] == "my-bucket" and s3["EncryptionType"] == "SSE-S3"


INVALID = [
    ("EBS", {"volumeSize": "8"}, "Restore metadata is missing required key availabilityZone."),
    ("EBS", {"availabilityZone": "us-east-1a"}, "for restore metadata key availabilityZone"),
    ("EBS", {"availabilityZone": f"{REGION}z"}, "must be an Availability Zone of eu-central-1"),
    ("EBS", {"availabilityZone": f"{REGION}a", "volumeType": "gp9"}, "key volumeType"),
    (
        "EBS",
        {"availabilityZone": f"{REGION}a", "kmsKeyId": "k", "encrypted": "false"},
        "key encrypted",
    ),
    ("EC2", {}, "missing required key InstanceType"),
    ("EC2", {"InstanceType": "t3.micro", "SubnetId": "vpc-1"}, "key SubnetId"),
    ("EC2", {"InstanceType": "t3.micro", "SecurityGroupIds": '["x"]'}, "key SecurityGroupIds"),
    ("RDS", {}, "missing required key DBInstanceIdentifier"),
    ("RDS", {"DBInstanceIdentifier": "1db"}, "key DBInstanceIdentifier"),
    ("RDS", {"DBInstanceIdentifier": "db--x"}, "key DBInstanceIdentifier"),
    ("RDS", {"DBInstanceIdentifier": "db", "Port": "80"}, "key Port"),
    ("Aurora", {"DBClusterIdentifier": "c", "Engine": "mysql"}, "key Engine"),
    ("DynamoDB", {"targetTableName": "ab"}, "key targetTableName"),
    ("DynamoDB", {"targetTableName": "abc", "encryptionType": "KMS"}, "key kmsMasterKeyArn"),
    ("EFS", {"file-system-id": "fs-01"}, "missing required key newFileSystem"),
    ("EFS", {"file-system-id": "fs-01", "newFileSystem": "yes"}, "key newFileSystem"),
    (
        "S3",
        {"DestinationBucketName": "Bad_Bucket", "NewBucket": "true"},
        "key DestinationBucketName",
    ),
    # AWS's choices are original, SSE-S3 and SSE-KMS (restoring-s3.html); SSE-KMS needs no
    # KMSKey (it then uses aws/s3), so a type outside the three is what is refused.
    (
        "S3",
        {"DestinationBucketName": "b-1", "NewBucket": "true", "EncryptionType": "AES256"},
        "key EncryptionType",
    ),
    (
        "S3",
        {"DestinationBucketName": "b-1", "RestoreLatestVersionsUpTo": "0"},
        "key RestoreLatestVersionsUpTo",
    ),
]


@pytest.mark.parametrize(("resource_type", "metadata", "expected"), INVALID)
def test_invalid_metadata_is_refused_naming_the_key(
    role: str, resource_type: str, metadata: dict[str, str], expected: str
) -> None:
    error = restore_start_error(ACCOUNT, REGION, resource_type, metadata, role)
    assert error is not None and error[0] == "InvalidParameterValueException"
    assert expected in error[1]


def test_metadata_keys_match_without_regard_to_case(role: str) -> None:
    metadata = {"AvailabilityZone": f"{REGION}b", "VolumeType": "gp2"}
    assert restore_start_error(ACCOUNT, REGION, "EBS", metadata, role) is None


def test_restore_role_must_exist_in_the_account_and_trust_backup(
    sandbox: Sandbox, role: str
) -> None:
    metadata = {"availabilityZone": f"{REGION}a"}
    untrusted = make_role(
        sandbox,
        ACCOUNT,
        "lambda-only",
        {
            **TRUST,
            "Statement": [
                {**TRUST["Statement"][0], "Principal": {"Service": "lambda.amazonaws.com"}}
            ],
        },
    )
    foreign = make_role(sandbox, OTHER, "AWSBackupDefaultServiceRole")
    for arn in (None, f"arn:aws:iam::{ACCOUNT}:role/missing", untrusted, foreign):
        assert restore_start_error(ACCOUNT, REGION, "EBS", metadata, arn) == (
            "InvalidParameterValueException",
            f"IAM Role {arn} cannot be assumed by AWS Backup",
        )
    assert restore_start_error(ACCOUNT, REGION, "EBS", metadata, role) is None


def test_taken_names_fail_the_restore(sandbox: Sandbox, role: str, s3_policy: str) -> None:
    create_source_resource(ACCOUNT, REGION, "DynamoDB", "taken-table")
    create_source_resource(ACCOUNT, REGION, "RDS", "taken-db")
    create_source_resource(ACCOUNT, REGION, "Aurora", "taken-cluster")
    create_source_resource(OTHER, REGION, "S3", "someone-elses-bucket")
    create_source_resource(ACCOUNT, REGION, "S3", "my-own-bucket")
    create_source_resource(ACCOUNT, REGION, "EFS", "taken-token")
    s3_role = make_role(sandbox, ACCOUNT, "s3-restore")
    sandbox.client("iam", ACCOUNT).attach_role_policy(
        RoleName="s3-restore",
        PolicyArn=s3_policy,
    )
    cases = [
        ("DynamoDB", {"targetTableName": "taken-table"}, role, "Table already exists: taken-table"),
        ("RDS", {"DBInstanceIdentifier": "taken-db"}, role, "DB instance already exists"),
        ("Aurora", {"DBClusterIdentifier": "taken-cluster"}, role, "DB cluster already exists"),
        (
            "S3",
            {"DestinationBucketName": "someone-elses-bucket", "NewBucket": "true"},
            s3_role,
            "The requested bucket name is not available. The bucket namespace is shared by all "
            "users of the system. Please select a different name and try again",
        ),
        (
            "S3",
            {"DestinationBucketName": "my-own-bucket", "NewBucket": "true"},
            s3_role,
            "Your previous request to create the named bucket succeeded and you already own it.",
        ),
        (
            "EFS",
            {"file-system-id": "fs-0123", "newFileSystem": "true", "CreationToken": "taken-token"},
            role,
            "File system '{fs}' already exists with creation token 'taken-token'",
        ),
        (
            "EFS",
            {"file-system-id": "fs-0123", "newFileSystem": "false"},
            role,
            "File system 'fs-0123' does not exist.",
        ),
        (
            "EC2",
            {"InstanceType": "t3.micro", "SubnetId": "subnet-0abc"},
            role,
            "The subnet ID 'subnet-0abc' does not exist",
        ),
        (
            "EC2",
            {"InstanceType": "t3.micro", "SecurityGroupIds": '["sg-0abc"]'},
            role,
            "The security group 'sg-0abc' does not exist",
        ),
    ]
    taken_fs = find_file_system_by_token(ACCOUNT, REGION, "taken-token").file_system_id
    for resource_type, metadata, role_arn, message in cases:
        expected = message.format(fs=taken_fs) if "{fs}" in message else message
        assert restore_failure(ACCOUNT, REGION, resource_type, metadata, role_arn) == expected
    # A free name restores, into an existing bucket too.
    free = {"DestinationBucketName": "my-own-bucket", "NewBucket": "false"}
    assert restore_failure(ACCOUNT, REGION, "S3", free, s3_role) is None


def test_s3_restore_needs_the_s3_restore_permissions(sandbox: Sandbox, role: str) -> None:
    bare = make_role(sandbox, ACCOUNT, "no-s3")
    metadata = {"DestinationBucketName": "fresh-bucket-111", "NewBucket": "true"}
    assert restore_failure(ACCOUNT, REGION, "S3", metadata, bare) == (
        f"IAM Role {bare} does not have sufficient permissions to execute the restore."
    )
    sandbox.client("iam", ACCOUNT).put_role_policy(
        RoleName="no-s3",
        PolicyName="s3",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            }
        ),
    )
    assert restore_failure(ACCOUNT, REGION, "S3", metadata, bare) is None


def test_unusable_key_fails_the_restore(sandbox: Sandbox, role: str) -> None:
    kms = sandbox.client("kms", ACCOUNT)
    key = kms.create_key()["KeyMetadata"]
    metadata = {"availabilityZone": f"{REGION}a", "encrypted": "true", "kmsKeyId": key["Arn"]}
    assert restore_failure(ACCOUNT, REGION, "EBS", metadata, role) is None
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    assert restore_failure(ACCOUNT, REGION, "EBS", metadata, role) == (
        "KMS key is either disabled or pending deletion or access to KMS key is denied"
    )


def test_an_aws_owned_key_of_the_restore_region_does_not_fail_the_restore(role: str) -> None:
    """A logically air-gapped vault's AWS owned key, which its points' metadata names: AWS
    Backup manages its use, in restores as in copies; KMS keys stay Regional all the same."""
    metadata = {
        "targetTableName": "ledger-restored",
        "encryptionType": "KMS",
        "kmsMasterKeyArn": aws_owned_key_arn(REGION),
    }
    assert restore_failure(ACCOUNT, REGION, "DynamoDB", metadata, role) is None
    elsewhere = {**metadata, "kmsMasterKeyArn": aws_owned_key_arn("eu-north-1")}
    assert restore_failure(ACCOUNT, REGION, "DynamoDB", elsewhere, role) == (
        "KMS key is either disabled or pending deletion or access to KMS key is denied"
    )


def test_restored_table_keeps_the_key_schema_of_the_protected_table(
    sandbox: Sandbox, role: str
) -> None:
    from datetime import UTC, datetime

    from drconsole.sandbox.store import seed_recovery_point

    dynamodb = sandbox.client("dynamodb", ACCOUNT)
    schema = [
        {"AttributeName": "tenant", "KeyType": "HASH"},
        {"AttributeName": "ts", "KeyType": "RANGE"},
    ]
    table = dynamodb.create_table(
        TableName="events",
        KeySchema=schema,
        AttributeDefinitions=[
            {"AttributeName": "tenant", "AttributeType": "S"},
            {"AttributeName": "ts", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )["TableDescription"]["TableArn"]
    sandbox.client("backup", ACCOUNT).create_backup_vault(BackupVaultName="tables")
    point = seed_recovery_point(
        ACCOUNT,
        REGION,
        "tables",
        resource_arn=table,
        resource_type="DynamoDB",
        created=datetime.now(UTC),
        encryption_key_arn=None,
        size_bytes=1024,
    )
    metadata = restore_metadata("DynamoDB", table, "events", None, REGION)
    metadata["targetTableName"] = "events-restored"

    arn = create_restored_resource(ACCOUNT, REGION, "DynamoDB", metadata, point)

    described = dynamodb.describe_table(TableName="events-restored")["Table"]
    assert described["TableArn"] == arn
    assert described["KeySchema"] == schema


def test_the_network_a_restore_names_must_fit_one_vpc(sandbox: Sandbox, role: str) -> None:
    """EC2 and RDS refuse a subnet, security group or option group of another VPC, a missing
    one, a zone the subnet is not in, and no default VPC, each with AWS's message."""
    ec2 = sandbox.client("ec2", ACCOUNT)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24", AvailabilityZone=f"{REGION}a")
    other_subnet = subnet["Subnet"]["SubnetId"]
    ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.2.0/24", AvailabilityZone=f"{REGION}b")
    group = ec2.create_security_group(GroupName="isolated", Description="x", VpcId=vpc)["GroupId"]
    default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])
    default_vpc_id = default_vpc["Vpcs"][0]["VpcId"]
    default_group = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [default_vpc_id]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"][0]["GroupId"]
    rds = sandbox.client("rds", ACCOUNT)
    subnets = [
        s["SubnetId"]
        for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    ]
    rds.create_db_subnet_group(
        DBSubnetGroupName="isolated-db", DBSubnetGroupDescription="x", SubnetIds=subnets
    )
    rds.create_option_group(
        OptionGroupName="isolated-options",
        EngineName="postgres",
        MajorEngineVersion="13",
        OptionGroupDescription="x",
    )
    from moto.rds.models import rds_backends

    rds_backends[ACCOUNT][REGION].option_groups["isolated-options"].vpc_id = vpc
    instance = {"InstanceType": "t3.micro"}
    zone_b = json.dumps({"AvailabilityZone": f"{REGION}b"})
    database = {"DBInstanceIdentifier": "network-db"}
    cases = [
        ({**instance, "SubnetId": other_subnet, "SecurityGroupIds": f'["{default_group}"]'}, "EC2",
         f"Security group {default_group} and subnet {other_subnet} belong to different networks."),
        ({**instance, "SecurityGroupIds": f'["{group}"]'}, "EC2",
         f"The security group '{group}' does not exist in VPC '{default_vpc_id}'"),
        ({**instance, "SubnetId": other_subnet, "Placement": zone_b}, "EC2",
         f"Value ({REGION}b) for parameter availabilityZone is invalid. Subnet "
         f"'{other_subnet}' is in the availability zone {REGION}a"),
        ({**database, "VpcSecurityGroupIds": f'["{group}"]'}, "RDS",
         f"The DB instance and EC2 security group are in different VPCs. The DB instance is in "
         f"{default_vpc_id} and the EC2 security group is in {vpc}"),
        ({**database, "DBSubnetGroupName": "missing-group"}, "RDS",
         "DB subnet group 'missing-group' does not exist."),
        ({**database, "OptionGroupName": "isolated-options"}, "RDS",
         "The option group isolated-options is associated with a different VPC than the request."),
        ({**database, "OptionGroupName": "no-such-options"}, "RDS",
         "The specified option group could not be found."),
        ({"DBClusterIdentifier": "network-cluster", "VpcSecurityGroupIds": f'["{group}"]'},
         "Aurora",
         f"The DB instance and EC2 security group are in different VPCs. The DB instance is in "
         f"{default_vpc_id} and the EC2 security group is in {vpc}"),
    ]  # fmt: skip
    for metadata, resource_type, message in cases:
        assert restore_failure(ACCOUNT, REGION, resource_type, metadata, role) == message
    fitting = [
        ({**instance, "SubnetId": other_subnet, "SecurityGroupIds": f'["{group}"]'}, "EC2"),
        ({**database, "DBSubnetGroupName": "isolated-db", "VpcSecurityGroupIds": f'["{group}"]',
          "OptionGroupName": "isolated-options"}, "RDS"),
    ]  # fmt: skip
    for metadata, resource_type in fitting:
        assert restore_failure(ACCOUNT, REGION, resource_type, metadata, role) is None

    # Without a default VPC, a restore that names no subnet has nowhere to go.
    from moto.ec2.models import ec2_backends

    backend = ec2_backends[ACCOUNT][REGION]
    backend.get_default_vpc().is_default = False
    try:
        assert (
            restore_failure(ACCOUNT, REGION, "EC2", instance, role)
            == "No default VPC for this user"
        )
        assert restore_failure(ACCOUNT, REGION, "RDS", database, role) == (
            "No default subnet detected in VPC. Please contact AWS Support to recreate default "
            "Subnets."
        )
    finally:
        backend.vpcs[default_vpc_id].is_default = True
