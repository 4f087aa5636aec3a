"""The sandbox's copy rules against real organizations, IAM and KMS state in a moto server."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from drconsole.sandbox import copy_guards
from drconsole.sandbox import copy_rules as rules
from drconsole.sandbox.access import (
    Caller,
    Request,
    allows,
    organization_of,
    service_linked_role_arn,
)
from drconsole.sandbox.copy_rules import (
    MSG_VAULT_POLICY_DENIES,
    CopyAttempt,
    copy_failure,
    copy_start_error,
)
from drconsole.sandbox.resources import aws_managed_key
from drconsole.sandbox.scenarios.iam_roles import ensure_aws_managed_policies

COPY_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"
MANAGEMENT = "123456789012"
OUTSIDER = "210987654321"  # an account in no organization
SRC_REGION = "eu-central-1"
DST_REGION = "eu-north-1"
BACKUP_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "backup.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@dataclass
class World:
    """The organization and the resources the tests copy between."""

    endpoint: str
    org_id: str
    root_id: str
    prod_ou: str
    other_ou: str
    prod: str
    backup: str
    dev: str
    copy_role: str
    untrusted_role: str
    shared_key: str
    unshared_key: str
    ebs_default_key: str
    rds_default_key: str
    dest_key: str
    dest_backup_key: str
    source_backup_key: str

    def client(self, service: str, account_id: str, region: str = SRC_REGION) -> Any:
        """A boto3 client over HTTP as that account."""
        creds = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        if account_id != MANAGEMENT:
            sts = boto3.client("sts", region_name=region, endpoint_url=self.endpoint, **creds)
            role = f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole"
            got = sts.assume_role(RoleArn=role, RoleSessionName="tests")["Credentials"]
            creds = {
                "aws_access_key_id": got["AccessKeyId"],
                "aws_secret_access_key": got["SecretAccessKey"],
                "aws_session_token": got["SessionToken"],
            }
        return boto3.client(service, region_name=region, endpoint_url=self.endpoint, **creds)


def org_policy(org_id: str) -> str:
    """The seeds' organization-wide vault access policy."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "backup:CopyIntoBackupVault",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:PrincipalOrgID": [org_id]}},
                }
            ],
        }
    )


def shared_key_policy(owner: str, dest: str) -> str:
    """A default key policy plus the seed's grant statement for the destination's SLR."""
    slr = f"arn:aws:iam::{dest}:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup"
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Enable IAM User Permissions",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{owner}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Sid": "Allow attachment of persistent resources",
                    "Effect": "Allow",
                    "Principal": {"AWS": slr},
                    "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                    "Resource": "*",
                    "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
                },
            ],
        }
    )


def _reset(endpoint: str) -> None:
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    urllib.request.urlopen(request).close()


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    _reset(endpoint)
    try:
        yield _build(endpoint)
    finally:
        _reset(endpoint)
        server.stop()


def _build(endpoint: str) -> World:
    w = World(endpoint, *([""] * 16))
    orgs = w.client("organizations", MANAGEMENT, "us-east-1")
    w.org_id = orgs.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    w.root_id = orgs.list_roots()["Roots"][0]["Id"]
    w.prod_ou = orgs.create_organizational_unit(ParentId=w.root_id, Name="Prod")[
        "OrganizationalUnit"
    ]["Id"]
    w.other_ou = orgs.create_organizational_unit(ParentId=w.root_id, Name="Non-Prod")[
        "OrganizationalUnit"
    ]["Id"]
    ids = {}
    for name in ("prod", "backup", "dev"):
        status = orgs.create_account(AccountName=name, Email=f"{name}@example.com")
        ids[name] = status["CreateAccountStatus"]["AccountId"]
    w.prod, w.backup, w.dev = ids["prod"], ids["backup"], ids["dev"]
    orgs.move_account(AccountId=w.prod, SourceParentId=w.root_id, DestinationParentId=w.prod_ou)

    iam = w.client("iam", w.prod)
    w.copy_role = iam.create_role(
        RoleName="AWSBackupDefaultServiceRole",
        Path="/service-role/",
        AssumeRolePolicyDocument=json.dumps(BACKUP_TRUST),
    )["Role"]["Arn"]
    # AWS's policy for backups and copies: without an Allow of its two Backup actions, the
    # copy role's job fails.
    ensure_aws_managed_policies(w.prod)
    iam.attach_role_policy(RoleName="AWSBackupDefaultServiceRole", PolicyArn=COPY_POLICY_ARN)
    ec2_trust = json.loads(json.dumps(BACKUP_TRUST))
    ec2_trust["Statement"][0]["Principal"] = {"Service": "ec2.amazonaws.com"}
    w.untrusted_role = iam.create_role(
        RoleName="ec2-only", AssumeRolePolicyDocument=json.dumps(ec2_trust)
    )["Role"]["Arn"]
    w.client("iam", w.backup).create_role(
        RoleName="AWSServiceRoleForBackup",
        Path="/aws-service-role/backup.amazonaws.com/",
        AssumeRolePolicyDocument=json.dumps(BACKUP_TRUST),
    )

    kms = w.client("kms", w.prod)
    w.shared_key = kms.create_key(Policy=shared_key_policy(w.prod, w.backup))["KeyMetadata"]["Arn"]
    w.unshared_key = kms.create_key()["KeyMetadata"]["Arn"]
    w.ebs_default_key = kms.describe_key(KeyId="alias/aws/ebs")["KeyMetadata"]["Arn"]
    w.rds_default_key = kms.describe_key(KeyId="alias/aws/rds")["KeyMetadata"]["Arn"]
    w.source_backup_key = aws_managed_key(w.prod, SRC_REGION, "aws/backup")
    w.dest_key = w.client("kms", w.backup, DST_REGION).create_key()["KeyMetadata"]["Arn"]
    w.dest_backup_key = aws_managed_key(w.backup, DST_REGION, "aws/backup")
    return w


def attempt(w: World, **changes: Any) -> CopyAttempt:
    """A prod -> backup, eu-central-1 -> eu-north-1 EBS copy that breaks no rule."""
    base = CopyAttempt(
        source_account_id=w.prod,
        source_region=SRC_REGION,
        source_vault_name="prod-vault",
        dest_account_id=w.backup,
        dest_region=DST_REGION,
        dest_vault_name="dr-eu-north-1",
        dest_vault_key_arn=w.dest_key,
        dest_vault_access_policy=org_policy(w.org_id),
        cross_account_enabled=True,
        single_action_db_copy=True,
        resource_type="EBS",
        resource_arn=f"arn:aws:ec2:{SRC_REGION}:{w.prod}:volume/vol-0123456789abcdef0",
        source_key_arn=w.shared_key,
        iam_role_arn=w.copy_role,
    )
    return replace(base, **changes)


def outcome(a: CopyAttempt) -> tuple[str, str] | str | None:
    """What AWS does with the copy: the synchronous refusal, else the failure message, else None."""
    return copy_start_error(a) or copy_failure(a)


def test_a_copy_breaking_no_rule_completes(world: World) -> None:
    assert outcome(attempt(world)) is None


def test_organization_path_is_read_from_moto(world: World) -> None:
    membership = organization_of(world.prod)
    assert membership is not None
    assert membership.org_id == world.org_id
    assert membership.org_path == f"{world.org_id}/{world.root_id}/{world.prod_ou}/"
    management = organization_of(MANAGEMENT)
    assert management is not None and management.org_path == f"{world.org_id}/{world.root_id}/"
    assert organization_of(OUTSIDER) is None


def test_same_account_copy_needs_no_sharing(world: World) -> None:
    a = attempt(
        world,
        dest_account_id=world.prod,
        dest_vault_access_policy=None,
        source_key_arn=world.ebs_default_key,
        dest_vault_key_arn=world.source_backup_key,
    )
    assert outcome(a) is None


@pytest.mark.parametrize("role", ["missing", "untrusted"])
def test_copy_role_must_exist_and_trust_backup(world: World, role: str) -> None:
    arn = world.untrusted_role if role == "untrusted" else f"arn:aws:iam::{world.prod}:role/nope"
    assert copy_start_error(attempt(world, iam_role_arn=arn)) == (
        "InvalidParameterValueException",
        f"IAM Role {arn} cannot be assumed by AWS Backup",
    )


def test_cross_account_disabled(world: World) -> None:
    assert copy_failure(attempt(world, cross_account_enabled=False)) == (
        "Copy job failed. Cross-account copy feature is not enabled for the current organization."
    )
    # Same-account copies do not need the organization's setting.
    assert outcome(attempt(world, cross_account_enabled=False, dest_account_id=world.prod)) is None


def test_accounts_not_in_the_same_organization(world: World) -> None:
    assert copy_failure(attempt(world, dest_account_id=OUTSIDER)) == (
        "Copy job failed. Both source and destination account must be a member of the same "
        "organization."
    )


def _policy(statements: list[dict[str, Any]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def _allow(principal: Any, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "backup:CopyIntoBackupVault",
        "Resource": "*",
    }
    if condition:
        statement["Condition"] = condition
    return statement


def test_vault_access_policy(world: World) -> None:
    denied = "Access Denied trying to call AWS Backup service."
    w = world
    prod_path = f"{w.org_id}/{w.root_id}/{w.prod_ou}/"
    other_path = f"{w.org_id}/{w.root_id}/{w.other_ou}/"
    cases: list[tuple[str | None, str | None]] = [
        (None, denied),
        (_policy([_allow({"AWS": f"arn:aws:iam::{w.dev}:root"})]), denied),
        (_policy([_allow({"AWS": f"arn:aws:iam::{w.prod}:root"})]), None),
        (_policy([_allow({"AWS": w.prod})]), None),
        (_policy([_allow({"AWS": [w.copy_role]})]), None),
        (org_policy("o-someoneelse"), denied),
        (
            _policy(
                [_allow("*", {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": [prod_path]}})]
            ),
            None,
        ),
        (
            _policy(
                [
                    _allow(
                        "*",
                        {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": [f"{other_path}*"]}},
                    )
                ]
            ),
            denied,
        ),
        (
            _policy(
                [
                    _allow("*", {"StringEquals": {"aws:PrincipalOrgID": w.org_id}}),
                    {**_allow({"AWS": f"arn:aws:iam::{w.prod}:root"}), "Effect": "Deny"},
                ]
            ),
            denied,
        ),
    ]
    for policy, expected in cases:
        assert copy_failure(attempt(w, dest_vault_access_policy=policy)) == expected, policy


def test_destination_vault_on_aws_backup_key(world: World) -> None:
    message = (
        "Copy job failed because the destination Backup vault is encrypted with the default "
        "Backup service managed key. The contents of this vault cannot be copied. Only the "
        "contents of a Backup vault encrypted by an AWS KMS key may be copied."
    )
    on_default = {"dest_vault_key_arn": world.dest_backup_key}
    for resource_type in ("EBS", "EC2", "RDS", "Aurora"):
        assert copy_failure(attempt(world, resource_type=resource_type, **on_default)) == message
    # Fully managed resource types re-encrypt with the vault key: aws/backup is fine.
    for resource_type in (
        "S3",
        "EFS",
        "Timestream",
        "VirtualMachine",
        "CloudFormation",
        "SAP HANA on Amazon EC2",
    ):
        a = attempt(world, resource_type=resource_type, source_key_arn=None, **on_default)
        assert copy_failure(a) is None
    dynamodb = attempt(world, resource_type="DynamoDB", dest_region=SRC_REGION, **on_default)
    assert copy_failure(dynamodb) == message
    assert (
        copy_failure(replace(dynamodb, dynamodb_advanced_features=True, source_key_arn=None))
        is None
    )


def test_destination_service_linked_role_missing(world: World) -> None:
    slr = service_linked_role_arn(world.dev)
    assert slr.endswith(":role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup")
    key = world.client("kms", world.prod).create_key(
        Policy=shared_key_policy(world.prod, world.dev)
    )["KeyMetadata"]["Arn"]
    dest_key = world.client("kms", world.dev, DST_REGION).create_key()["KeyMetadata"]["Arn"]
    a = attempt(world, dest_account_id=world.dev, dest_vault_key_arn=dest_key, source_key_arn=key)
    assert copy_failure(a) == f"The provided role {slr} cannot be assumed by AWS Backup."
    # moto's own CreateServiceLinkedRole spells the name AWSServiceRoleForbackup: not the real one.
    iam = world.client("iam", world.dev)
    iam.create_service_linked_role(AWSServiceName="backup.amazonaws.com")
    assert copy_failure(a) == f"The provided role {slr} cannot be assumed by AWS Backup."
    iam.create_role(
        RoleName="AWSServiceRoleForBackup",
        Path="/aws-service-role/backup.amazonaws.com/",
        AssumeRolePolicyDocument=json.dumps(BACKUP_TRUST),
    )
    assert copy_failure(a) is None


def test_source_key_not_shared_with_the_destination(world: World) -> None:
    kms = world.client("kms", world.prod)
    key = kms.create_key()["KeyMetadata"]
    expected = {
        "EBS": "Given key ID is not accessible",
        "EC2": "Given key ID is not accessible",
        "RDS": f"The source snapshot KMS key [{key['Arn']}] does not exist, is not enabled or you "
        "do not have permissions to access it.",
        "Aurora": f"The source snapshot KMS key [{key['Arn']}] does not exist, is not enabled or "
        "you do not have permissions to access it.",
        "S3": "KMS key is either disabled or pending deletion or access to KMS key is denied",
    }
    for resource_type, message in expected.items():
        a = attempt(
            world, resource_type=resource_type, source_key_arn=key["Arn"], dest_region=SRC_REGION
        )
        assert copy_failure(a) == message, resource_type
    kms.put_key_policy(
        KeyId=key["KeyId"], PolicyName="default", Policy=shared_key_policy(world.prod, world.backup)
    )
    for resource_type in expected:
        a = attempt(
            world, resource_type=resource_type, source_key_arn=key["Arn"], dest_region=SRC_REGION
        )
        assert copy_failure(a) is None, resource_type


def test_source_key_shared_with_the_whole_destination_account(world: World) -> None:
    kms = world.client("kms", world.prod)
    policy = json.loads(shared_key_policy(world.prod, world.backup))
    policy["Statement"][1]["Principal"] = {"AWS": f"arn:aws:iam::{world.backup}:root"}
    key = kms.create_key(Policy=json.dumps(policy))["KeyMetadata"]["Arn"]
    assert copy_failure(attempt(world, source_key_arn=key)) is None


def test_aws_managed_source_key(world: World) -> None:
    cases = {
        (
            "EBS",
            world.ebs_default_key,
        ): "Encrypted snapshots with Amazon EBS default key cannot be shared",
        ("EC2", world.ebs_default_key): "AMI snapshot copy failed with error: Given key ID is not "
        "accessible. You must have DescribeKey permissions on the default key",
        ("RDS", world.rds_default_key): "Snapshots encrypted with the AWS managed key can't be "
        "shared. Specify another snapshot.",
    }
    for (resource_type, key), message in cases.items():
        a = attempt(world, resource_type=resource_type, source_key_arn=key, dest_region=SRC_REGION)
        assert copy_failure(a) == message, resource_type
    # A fully managed backup in an aws/backup vault can be copied: AWS Backup re-encrypts it.
    s3 = attempt(world, resource_type="S3", source_key_arn=world.source_backup_key)
    assert copy_failure(s3) is None


@pytest.mark.parametrize("resource_type", sorted(rules.RDS_FAMILY))
def test_database_copy_across_account_and_region_in_one_job(
    world: World, resource_type: str
) -> None:
    a = attempt(world, resource_type=resource_type, single_action_db_copy=False)
    assert copy_start_error(a) == (
        "InvalidParameterValueException",
        f"Copy job from {SRC_REGION} to {DST_REGION} cannot be initiated for {resource_type} "
        "resources. Feature is not supported for provided resource type.",
    )
    assert copy_start_error(replace(a, single_action_db_copy=True)) is None
    # Either hop alone is allowed.
    assert outcome(replace(a, dest_region=SRC_REGION)) is None
    assert copy_start_error(replace(a, dest_account_id=world.prod)) is None


def test_dynamodb_across_regions(world: World) -> None:
    a = attempt(world, resource_type="DynamoDB", dest_account_id=world.prod, source_key_arn=None)
    assert copy_start_error(a) == (
        "InvalidParameterValueException",
        f"Copy job from {SRC_REGION} to {DST_REGION} cannot be initiated for DynamoDB "
        "resources. Feature is not supported for provided resource type.",
    )
    assert outcome(replace(a, dynamodb_advanced_features=True)) is None
    # Copied nowhere: not even to another vault of its own account and Region.
    assert copy_start_error(replace(a, dest_region=SRC_REGION)) is not None


@pytest.mark.parametrize(
    ("other_account", "other_region"),
    [(False, False), (False, True), (True, False), (True, True)],
    ids=["same account and Region", "cross-Region", "cross-account", "cross-account and Region"],
)
def test_dynamodb_is_copied_only_with_advanced_features(
    world: World, other_account: bool, other_region: bool
) -> None:
    """ "If a resource type does not support cross-Region or cross-account copy in AWS Backup,
    then copy operations for that resource type are not supported in any scenario, including
    same-Region and same-account copies to a different vault" (AWS Backup, "Backup and tag
    copy", recov-point-create-a-copy)."""
    a = attempt(
        world,
        resource_type="DynamoDB",
        resource_arn=f"arn:aws:dynamodb:{SRC_REGION}:{world.prod}:table/orders",
        dest_account_id=world.backup if other_account else world.prod,
        dest_region=DST_REGION if other_region else SRC_REGION,
        dynamodb_advanced_features=False,
    )
    refused = (
        "InvalidParameterValueException",
        f"Copy job from {SRC_REGION} to {a.dest_region} cannot be initiated for DynamoDB "
        "resources. Feature is not supported for provided resource type.",
    )
    assert copy_start_error(a) == refused
    assert copy_start_error(replace(a, dynamodb_advanced_features=True)) is None


def test_disabled_keys_fail_the_copy(world: World) -> None:
    message = "KMS key is either disabled or pending deletion or access to KMS key is denied"
    kms = world.client("kms", world.backup, DST_REGION)
    key = kms.create_key()["KeyMetadata"]
    a = attempt(world, dest_vault_key_arn=key["Arn"])
    assert copy_failure(a) is None
    kms.disable_key(KeyId=key["KeyId"])
    assert copy_failure(a) == message
    kms.enable_key(KeyId=key["KeyId"])
    assert copy_failure(a) is None


def test_retention_outside_the_destination_vault_lock(world: World) -> None:
    message = (
        "Copy job failed. The retention specified in the job is not within the range specified "
        "for the target Backup Vault."
    )
    locked = {"dest_vault_min_retention_days": 7, "dest_vault_max_retention_days": 365}
    assert copy_failure(attempt(world, delete_after_days=3, **locked)) == message
    assert copy_failure(attempt(world, delete_after_days=400, **locked)) == message
    assert copy_failure(attempt(world, delete_after_days=None, **locked)) == message
    assert copy_failure(attempt(world, delete_after_days=30, **locked)) is None
    assert copy_failure(attempt(world, delete_after_days=None)) is None


def test_copy_role_of_another_account_is_refused(world: World) -> None:
    # A role that exists and trusts AWS Backup, but in the destination account.
    foreign = world.client("iam", world.backup).create_role(
        RoleName="copy-role", AssumeRolePolicyDocument=json.dumps(BACKUP_TRUST)
    )["Role"]["Arn"]
    assert copy_start_error(attempt(world, iam_role_arn=foreign)) == (
        "InvalidParameterValueException",
        f"IAM Role {foreign} cannot be assumed by AWS Backup",
    )


def test_marketplace_ami(world: World) -> None:
    a = attempt(world, resource_type="EC2", marketplace_ami=True)
    assert copy_failure(a) == "Images from AWS Marketplace cannot be copied to another AWS account."
    assert copy_failure(replace(a, dest_account_id=world.prod)) is None


def test_missing_destination_vault_in_the_same_account(world: World) -> None:
    a = attempt(world, dest_account_id=world.prod, dest_vault_key_arn=None)
    error = copy_start_error(a)
    assert error is not None and error[0] == "ResourceNotFoundException"
    # Across accounts the source cannot see the vault: the copy fails on access instead.
    crossed = attempt(world, dest_vault_key_arn=None, dest_vault_access_policy=None)
    assert copy_failure(crossed) == "Access Denied trying to call AWS Backup service."


# --- The matcher on the seeds' policies ---------------------------------------------------------

SEED_ACCOUNT_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {
                "AWS": ["arn:aws:iam::444455556666:root", "arn:aws:iam::111122223333:role/SomeRole"]
            },
            "Action": "backup:CopyIntoBackupVault",
            "Resource": "*",
        }
    ],
}
SEED_OU_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "backup:CopyIntoBackupVault",
            "Resource": "*",
            "Condition": {
                "ForAnyValue:StringLike": {
                    "aws:PrincipalOrgPaths": [
                        "o-a1b2c3d4e5/r-f6g7h8i9j0example/ou-def0-awsbbbbb/",
                        "o-a1b2c3d4e5/r-f6g7h8i9j0example/ou-def0-awsbbbbb/ou-jkl0-awsddddd/*",
                    ]
                }
            },
        }
    ],
}


@pytest.mark.parametrize(
    ("policy", "caller", "context", "expected"),
    [
        (SEED_ACCOUNT_POLICY, Caller("444455556666"), {}, True),
        (SEED_ACCOUNT_POLICY, Caller("111122223333"), {}, False),
        (
            SEED_ACCOUNT_POLICY,
            Caller("111122223333", "arn:aws:iam::111122223333:role/SomeRole"),
            {},
            True,
        ),
        (
            SEED_OU_POLICY,
            Caller("111122223333"),
            {"aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/r-f6g7h8i9j0example/ou-def0-awsbbbbb/"]},
            True,
        ),
        (
            SEED_OU_POLICY,
            Caller("111122223333"),
            {
                "aws:PrincipalOrgPaths": [
                    "o-a1b2c3d4e5/r-f6g7h8i9j0example/ou-def0-awsbbbbb/ou-jkl0-awsddddd/ou-x/"
                ]
            },
            True,
        ),
        (
            SEED_OU_POLICY,
            Caller("111122223333"),
            {"aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/r-f6g7h8i9j0example/ou-def0-awscccc/"]},
            False,
        ),
        (SEED_OU_POLICY, Caller("111122223333"), {}, False),
    ],
)
def test_matcher_on_seed_policies(
    policy: dict[str, Any], caller: Caller, context: dict[str, Any], expected: bool
) -> None:
    request = Request(
        caller, "backup:CopyIntoBackupVault", "arn:aws:backup:r:1:backup-vault:v", context
    )
    assert allows(policy, request) is expected


def test_matcher_actions_wildcards_and_negated_operators() -> None:
    policy = {
        "Statement": {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "Backup:Copy*",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "999999999999"}},
        }
    }
    assert allows(policy, Request(Caller("111122223333"), "backup:CopyIntoBackupVault"))
    assert not allows(policy, Request(Caller("111122223333"), "backup:DeleteBackupVault"))
    denied = Request(
        Caller("999999999999"),
        "backup:CopyIntoBackupVault",
        context={"aws:PrincipalAccount": "999999999999"},
    )
    assert not allows(policy, denied)
    service_only = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "backup.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ]
    }
    assert allows(service_only, Request(Caller(service="backup.amazonaws.com"), "sts:AssumeRole"))
    assert not allows(service_only, Request(Caller("111122223333"), "sts:AssumeRole"))


def test_matcher_not_principal_leaves_out_only_a_fully_listed_caller() -> None:
    # IAM's NotPrincipal: AWS checks the account, then the role; a Deny spares the caller only
    # when both are listed (naming just the account, or just the role, still denies the role).
    account = "111122223333"
    role = f"arn:aws:iam::{account}:role/service-role/AWSBackupDefaultServiceRole"
    caller = Caller(account, role)

    def allowed(excepted: list[str]) -> bool:
        policy = {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "backup:CopyIntoBackupVault",
                    "Resource": "*",
                },
                {
                    "Effect": "Deny",
                    "NotPrincipal": {"AWS": excepted},
                    "Action": "backup:CopyIntoBackupVault",
                    "Resource": "*",
                },
            ]
        }
        return allows(policy, Request(caller, "backup:CopyIntoBackupVault"))

    assert allowed([f"arn:aws:iam::{account}:root", role])
    assert allowed([account, role])
    assert not allowed([f"arn:aws:iam::{account}:root"])
    assert not allowed([role])
    assert not allowed(["arn:aws:iam::444455556666:root"])


def test_same_account_copy_is_refused_by_an_explicit_deny(world: World) -> None:
    """No statement needs to allow a same-account copy, but "An explicit deny in any policy
    overrides any allows" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html)."""
    same = {"dest_account_id": world.prod, "source_key_arn": world.ebs_default_key}
    deny = _policy(
        [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "backup:CopyIntoBackupVault",
                "Resource": "*",
            }
        ]
    )
    assert outcome(attempt(world, dest_vault_access_policy=deny, **same)) == MSG_VAULT_POLICY_DENIES
    other = _policy(
        [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "backup:DeleteRecoveryPoint",
                "Resource": "*",
            }
        ]
    )
    assert outcome(attempt(world, dest_vault_access_policy=other, **same)) is None


@contextmanager
def scp_on_prod_ou(
    world: World, statements: list[dict[str, Any]], full_access: bool = True
) -> Iterator[None]:
    """An SCP of `statements` on prod's OU (SCPs enabled at the root), with or without
    FullAWSAccess left beside it there; everything undone after."""
    orgs = world.client("organizations", MANAGEMENT, "us-east-1")
    orgs.enable_policy_type(RootId=world.root_id, PolicyType="SERVICE_CONTROL_POLICY")
    policy = orgs.create_policy(
        Name="CopyGuard",
        Description="copy guard",
        Type="SERVICE_CONTROL_POLICY",
        Content=_policy(statements),
    )["Policy"]["PolicySummary"]["Id"]
    orgs.attach_policy(PolicyId=policy, TargetId=world.prod_ou)
    if not full_access:
        orgs.detach_policy(PolicyId="p-FullAWSAccess", TargetId=world.prod_ou)
    try:
        yield
    finally:
        if not full_access:
            orgs.attach_policy(PolicyId="p-FullAWSAccess", TargetId=world.prod_ou)
        orgs.detach_policy(PolicyId=policy, TargetId=world.prod_ou)
        orgs.delete_policy(PolicyId=policy)
        orgs.disable_policy_type(RootId=world.root_id, PolicyType="SERVICE_CONTROL_POLICY")


def test_an_scp_judges_the_copy_roles_calls_with_the_copy_targets(world: World) -> None:
    """AWS's examples (seeds/aws-backup-docs-cross-account.txt): copies out only to vaults named
    `dr-*` of the backup account (backup:CopyTargets), and only to accounts at the root
    (backup:CopyTargetOrgPaths): a copy into prod's own vault is refused by the second."""
    targets = {
        "Effect": "Deny",
        "Action": "backup:CopyFromBackupVault",
        "Resource": "*",
        "Condition": {
            "ForAllValues:ArnNotLike": {
                "backup:CopyTargets": [f"arn:aws:backup:*:{world.backup}:backup-vault:dr-*"]
            }
        },
    }
    with scp_on_prod_ou(world, [targets]):
        assert outcome(attempt(world)) is None
        other = attempt(world, dest_vault_name="archive")
        assert outcome(other) == MSG_VAULT_POLICY_DENIES
    paths = {
        "Effect": "Deny",
        "Action": "backup:CopyFromBackupVault",
        "Resource": "*",
        "Condition": {
            "ForAllValues:StringNotLike": {
                "backup:CopyTargetOrgPaths": [f"{world.org_id}/{world.root_id}/"]
            }
        },
    }
    same = {"dest_account_id": world.prod, "source_key_arn": world.ebs_default_key}
    with scp_on_prod_ou(world, [paths]):
        assert outcome(attempt(world)) is None
        assert outcome(attempt(world, **same)) == MSG_VAULT_POLICY_DENIES
    assert outcome(attempt(world, **same)) is None


def test_an_scp_refuses_start_copy_job_and_passing_the_role_at_once(world: World) -> None:
    caller = f"arn:aws:sts::{world.prod}:assumed-role/Operator/me"
    point = f"arn:aws:ec2:{SRC_REGION}::snapshot/snap-0123456789abcdef0"

    def refusal() -> str | None:
        return copy_guards.start_refusal(world.prod, SRC_REGION, caller, point, world.copy_role, {})

    assert refusal() is None  # SCPs not enabled
    deny = {"Effect": "Deny", "Action": "backup:StartCopyJob", "Resource": "*"}
    with scp_on_prod_ou(world, [deny]):
        refused = refusal()
    assert refused == (
        f"User: {caller} is not authorized to perform: backup:StartCopyJob on resource: {point} "
        "with an explicit deny in a service control policy"
    )
    backup_only = {"Effect": "Allow", "Action": "backup:*", "Resource": "*"}
    with scp_on_prod_ou(world, [backup_only], full_access=False):
        refused = refusal()
    assert refused is not None and refused.endswith(
        f"iam:PassRole on resource: {world.copy_role} because no service control policy "
        "allows the iam:PassRole action"
    )


def test_the_copy_roles_boundary_and_denies_fail_the_copy(world: World) -> None:
    iam = world.client("iam", world.prod)
    role = iam.create_role(
        RoleName="GuardedCopyRole", AssumeRolePolicyDocument=json.dumps(BACKUP_TRUST)
    )
    role_arn = role["Role"]["Arn"]
    iam.attach_role_policy(RoleName="GuardedCopyRole", PolicyArn=COPY_POLICY_ARN)
    narrow = iam.create_policy(
        PolicyName="CopyFromOnly",
        PolicyDocument=_policy(
            [{"Effect": "Allow", "Action": "backup:CopyFromBackupVault", "Resource": "*"}]
        ),
    )["Policy"]["Arn"]
    wide = iam.create_policy(
        PolicyName="AllBackup",
        PolicyDocument=_policy([{"Effect": "Allow", "Action": "backup:*", "Resource": "*"}]),
    )["Policy"]["Arn"]
    guarded = attempt(world, iam_role_arn=role_arn)
    assert outcome(guarded) is None
    iam.put_role_permissions_boundary(RoleName="GuardedCopyRole", PermissionsBoundary=narrow)
    assert outcome(guarded) == MSG_VAULT_POLICY_DENIES
    iam.put_role_permissions_boundary(RoleName="GuardedCopyRole", PermissionsBoundary=wide)
    assert outcome(guarded) is None
    # A Deny of CopyIntoBackupVault into one vault only, by the copy targets.
    deny = {
        "Effect": "Deny",
        "Action": "backup:CopyIntoBackupVault",
        "Resource": "*",
        "Condition": {"ForAnyValue:ArnLike": {"backup:CopyTargets": ["*:backup-vault:archive"]}},
    }
    iam.put_role_policy(
        RoleName="GuardedCopyRole", PolicyName="NoArchive", PolicyDocument=_policy([deny])
    )
    assert outcome(guarded) is None
    assert outcome(replace(guarded, dest_vault_name="archive")) == MSG_VAULT_POLICY_DENIES
