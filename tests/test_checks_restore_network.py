"""Restore verdicts on the network, names, engine version, key access and iam:PassRole: pure
paths, no AWS."""

from __future__ import annotations

import pytest

from drconsole.checks import restore as checks
from drconsole.checks.facts import (
    EngineVersions,
    KeyAccess,
    KeyFacts,
    NetworkPart,
    RestoreNetwork,
    TargetName,
    Unreadable,
)
from drconsole.checks.restore_access import check_pass_role, check_restore_key, key_policy_allows
from drconsole.checks.restore_engine import check_engine_version, engine_versions, version_key
from drconsole.checks.restore_network import check_restore_network, network_request
from drconsole.diagnose import diagnose
from drconsole.models import CauseCode, CheckStatus
from drconsole.sandbox import rds_api, restore_network
from drconsole.sandbox import restore_access as sandbox_access
from tests.test_checks_restore import KEY, ROLE, SRC, good_restore

VPC, OTHER = "vpc-0aaa", "vpc-0bbb"
ZONES = ("eu-central-1a", "eu-central-1b")
DEFAULT = NetworkPart("default VPC", VPC, VPC, ZONES)
SUBNET = NetworkPart("subnet", "subnet-0a", VPC, ("eu-central-1a",))
GROUP = NetworkPart("security group", "sg-0a", VPC)


def network(**changes: object) -> RestoreNetwork:
    fields: dict[str, object] = {
        "placement": SUBNET,
        "attached": (GROUP,),
        "default_vpc": None,
        "zone_key": "Placement",
    }
    fields.update(changes)
    return RestoreNetwork(**fields)  # type: ignore[arg-type]


def test_metadata_names_the_network_per_type() -> None:
    ec2 = network_request(
        "EC2",
        {
            "subnetid": "subnet-0a",
            "SecurityGroupIds": '["sg-0a", "sg-0b"]',
            "Placement": '{"AvailabilityZone": "eu-central-1b"}',
        },
    )
    assert ec2 is not None
    assert (ec2.subnet, ec2.security_groups, ec2.zones) == (
        "subnet-0a",
        ("sg-0a", "sg-0b"),
        ("eu-central-1b",),
    )
    rds = network_request(
        "RDS",
        {"DBSubnetGroupName": "db", "VpcSecurityGroupIds": "sg-1,sg-2", "OptionGroupName": "o"},
    )
    assert rds is not None
    assert (rds.subnet_group, rds.security_groups, rds.option_group) == (
        "db",
        ("sg-1", "sg-2"),
        "o",
    )
    assert network_request("DynamoDB", {}) is None


@pytest.mark.parametrize(
    ("net", "words"),
    [
        (network(attached=(NetworkPart("security group", "sg-0b", OTHER),)),
         f"security group sg-0b (in {OTHER}) not in the VPC of subnet subnet-0a ({VPC})"),
        (network(placement=NetworkPart("subnet", "subnet-0z", None)), "subnet subnet-0z not found"),
        (network(attached=(NetworkPart("option group", "og", OTHER),), zone_key="DBSubnetGroupName",
                 placement=NetworkPart("DB subnet group", "db", VPC, ZONES)),
         "option group og (in vpc-0bbb)"),
        (network(placement=None, default_vpc=None), "has no default VPC"),
        (network(placement=None, default_vpc=NetworkPart("default VPC", VPC, VPC, ())),
         "has no default subnets"),
        (network(requested_zones=("eu-central-1b",)),
         "asks for eu-central-1b, but subnet subnet-0a has subnets only in eu-central-1a"),
        (network(placement=None, default_vpc=DEFAULT,
                 attached=(NetworkPart("security group", "sg-0b", OTHER),)),
         f"not in the VPC of the default VPC {VPC}"),
    ],
)  # fmt: skip
def test_network_fails_with_restore_network(net: RestoreNetwork, words: str) -> None:
    result = check_restore_network(good_restore("EC2", network=net))
    assert result.status is CheckStatus.FAIL, result
    assert result.cause is CauseCode.RESTORE_NETWORK
    assert words in result.evidence
    assert "--region eu-central-1" in result.remediation or "--metadata" in result.remediation


def test_network_of_another_vpc_names_the_commands_that_list_the_right_ones() -> None:
    net = network(attached=(NetworkPart("security group", "sg-0b", OTHER),))
    result = check_restore_network(good_restore("EC2", network=net))
    assert (
        f"aws ec2 describe-security-groups --region eu-central-1 --filters Name=vpc-id,Values={VPC}"
        in result.remediation
    )


def test_network_that_fits_passes_and_unreadable_is_unknown() -> None:
    fits = check_restore_network(good_restore("EC2", network=network()))
    assert fits.status is CheckStatus.PASS, fits
    assert "sg-0a" in fits.evidence and VPC in fits.evidence
    default = check_restore_network(
        good_restore("RDS", network=network(placement=None, default_vpc=DEFAULT))
    )
    assert default.status is CheckStatus.PASS and f"the default VPC {VPC}" in default.evidence
    denied = Unreadable("ec2:DescribeSubnets", "UnauthorizedOperation", "not authorized")
    unknown = check_restore_network(good_restore("EC2", network=denied))
    assert unknown.status is CheckStatus.UNKNOWN and unknown.cause is CauseCode.ROLE_PERMISSIONS
    assert check_restore_network(good_restore()).status is CheckStatus.PASS  # no network


@pytest.mark.parametrize(
    ("kind", "key"),
    [
        ("DynamoDB table", "targetTableName"),
        ("RDS DB instance", "DBInstanceIdentifier"),
        ("DB cluster", "DBClusterIdentifier"),
        ("S3 bucket", "DestinationBucketName"),
        ("EFS file system", "CreationToken"),
    ],
)
def test_taken_names_say_which_metadata_key_takes_a_free_one(kind: str, key: str) -> None:
    result = checks.check_target_names(
        good_restore(target_names=(TargetName(kind, "orders", True),))
    )
    assert (result.status, result.cause) == (CheckStatus.FAIL, CauseCode.RESOURCE_ALREADY_EXISTS)
    assert f"--metadata {key}=orders-restored" in result.remediation
    assert "--region eu-central-1" in result.remediation


def test_engine_versions_compare_as_numbers_and_words() -> None:
    assert version_key("13.12") > version_key("13.7")
    assert version_key("8.0.mysql_aurora.3.08.2") > version_key("8.0.mysql_aurora.3.08.0")
    aws = {"Engine": "aurora-postgresql", "EngineVersion": "14.9"}
    assert engine_versions("Aurora", aws, {**aws, "engineversion": "13.12"}) == (
        "aurora-postgresql",
        "14.9",
        "13.12",
    )
    assert engine_versions("Aurora", aws, aws) is None  # the snapshot's own
    assert engine_versions("RDS", aws, {**aws, "EngineVersion": "13.12"}) is None


def test_engine_version_older_or_not_offered_fails() -> None:
    older = check_engine_version(
        good_restore("Aurora", engine=EngineVersions("aurora-postgresql", "14.9", "13.12", True))
    )
    assert (older.status, older.cause) == (CheckStatus.FAIL, CauseCode.ENGINE_VERSION)
    assert "older than the snapshot's aurora-postgresql 14.9" in older.evidence
    assert "--metadata EngineVersion=14.9" in older.remediation
    missing = check_engine_version(
        good_restore("Aurora", engine=EngineVersions("aurora-postgresql", "14.9", "15.99", False))
    )
    assert (missing.status, missing.cause) == (CheckStatus.FAIL, CauseCode.ENGINE_VERSION)
    assert "not offered in eu-central-1" in missing.evidence
    newer = check_engine_version(
        good_restore("Aurora", engine=EngineVersions("aurora-postgresql", "14.9", "15.4", True))
    )
    assert newer.status is CheckStatus.PASS
    denied = Unreadable("rds:DescribeDBEngineVersions", "AccessDenied", "no")
    unknown = check_engine_version(
        good_restore("Aurora", engine=EngineVersions("aurora-postgresql", "14.9", "15.4", denied))
    )
    assert unknown.status is CheckStatus.UNKNOWN


POLICY_ROOT = (
    '{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root"},'
    ' "Action": "kms:*", "Resource": "*"}]}'
)


def test_key_policy_admits_the_account_root_and_not_a_stranger() -> None:
    key = KeyFacts(KEY, "CUSTOMER", "Enabled", POLICY_ROOT % SRC)
    assert key_policy_allows(key, ROLE, SRC).allowed is True
    other = "arn:aws:iam::999988887777:role/service-role/AWSBackupDefaultServiceRole"
    assert key_policy_allows(key, other, "999988887777").allowed is False
    assert key_policy_allows(KeyFacts(KEY, "AWS", "Enabled"), other, "999988887777").allowed


def test_key_not_usable_by_the_restore_role_fails_with_the_statement_to_add() -> None:
    denied = (KeyAccess(ROLE, False, "key policy: implicit-deny"),)
    result = check_restore_key(good_restore(key_access=denied))
    assert (result.status, result.cause) == (CheckStatus.FAIL, CauseCode.KMS_KEY_UNUSABLE)
    assert f"{ROLE} may not use it" in result.evidence
    assert '"kms:CreateGrant"' in result.remediation and ROLE in result.remediation
    allowed = (KeyAccess(ROLE, True, "key policy statement #0"),)
    assert check_restore_key(good_restore(key_access=allowed)).status is CheckStatus.PASS
    unread = (KeyAccess(ROLE, Unreadable("kms:GetKeyPolicy", "AccessDeniedException", "no")),)
    assert check_restore_key(good_restore(key_access=unread)).status is CheckStatus.UNKNOWN


def test_pass_role_as_iam_simulates_it() -> None:
    caller = f"arn:aws:iam::{SRC}:role/operator"
    refused = check_pass_role(good_restore(pass_role=False, caller_arn=caller))
    assert (refused.status, refused.cause) == (CheckStatus.FAIL, CauseCode.ROLE_PERMISSIONS)
    assert "aws iam put-role-policy --role-name operator" in refused.remediation
    assert ROLE in refused.remediation and "iam:PassedToService" in refused.remediation
    assert (
        check_pass_role(good_restore(pass_role=True, caller_arn=caller)).status is CheckStatus.PASS
    )
    denied = Unreadable("iam:SimulatePrincipalPolicy", "AccessDenied", "no")
    unknown = check_pass_role(good_restore(pass_role=denied, caller_arn=caller))
    assert (unknown.status, unknown.cause) == (CheckStatus.UNKNOWN, CauseCode.ROLE_PERMISSIONS)


# Every refusal the sandbox's restore rules can give, with the cause the check gives for it:
# `explain` reads AWS's message back to the same cause.
SANDBOX_REFUSALS = {
    restore_network.MSG_SUBNET_MISSING: CauseCode.RESTORE_NETWORK,
    restore_network.MSG_SECURITY_GROUP_MISSING: CauseCode.RESTORE_NETWORK,
    restore_network.MSG_GROUP_NOT_IN_DEFAULT_VPC: CauseCode.RESTORE_NETWORK,
    restore_network.MSG_GROUP_OTHER_NETWORK: CauseCode.RESTORE_NETWORK,
    restore_network.MSG_NO_DEFAULT_VPC: CauseCode.RESTORE_NETWORK,
    restore_network.MSG_ZONE_NOT_SUBNETS: CauseCode.RESTORE_NETWORK,
    restore_network.MSG_DB_SUBNET_GROUP_MISSING: CauseCode.RESTORE_NETWORK,
    restore_network.MSG_DB_NO_DEFAULT_SUBNET: CauseCode.RESTORE_NETWORK,
    restore_network.MSG_DB_GROUP_MISSING: CauseCode.RESTORE_NETWORK,
    restore_network.MSG_DB_GROUP_OTHER_VPC: CauseCode.RESTORE_NETWORK,
    restore_network.MSG_OPTION_GROUP_MISSING: CauseCode.RESTORE_NETWORK,
    restore_network.MSG_OPTION_GROUP_OTHER_VPC: CauseCode.RESTORE_NETWORK,
    restore_network.MSG_INTERFACES_WITH_SUBNET: CauseCode.RESTORE_NETWORK,
    restore_network.MSG_INTERFACES_WITH_GROUPS: CauseCode.RESTORE_NETWORK,
    rds_api.MSG_ENGINE_VERSION_EARLIER: CauseCode.ENGINE_VERSION,
    rds_api.MSG_ENGINE_VERSION_NOT_FOUND: CauseCode.ENGINE_VERSION,
    sandbox_access.MSG_PASS_ROLE_DENIED: CauseCode.ROLE_PERMISSIONS,
}
FILL = {
    "subnet_id": "subnet-0a1b2c3d4e5f60718",
    "group_id": "sg-0123456789abcdef0",
    "vpc_id": "vpc-0aaa",
    "group_vpc_id": "vpc-0bbb",
    "zone": "eu-central-1b",
    "subnet_zone": "eu-central-1a",
    "name": "prod-isolated-options",
    "asked": "11.9",
    "snapshot": "12.7",
    "engine": "aurora-postgresql",
    "caller": f"arn:aws:sts::{SRC}:assumed-role/restore-operator/drconsole",
    "role_arn": ROLE,
}


def test_every_sandbox_restore_refusal_is_explained_with_the_checks_cause() -> None:
    produced = {
        value
        for module in (restore_network, rds_api, sandbox_access)
        for name, value in vars(module).items()
        if name.startswith("MSG_")
    }
    assert produced == set(SANDBOX_REFUSALS)
    for template, cause in SANDBOX_REFUSALS.items():
        message = template.format(**FILL)
        assert diagnose(message).cause is cause, message


def test_key_policy_that_cannot_be_judged_gives_unknown_not_fail() -> None:
    # NotPrincipal in an Allow is not supported by AWS and refused by the evaluator: no
    # verdict either way.
    unjudged = (
        '{"Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": "111122223333"},'
        ' "Action": "kms:*", "Resource": "*"}]}'
    )
    access = key_policy_allows(KeyFacts(KEY, "CUSTOMER", "Enabled", unjudged), ROLE, SRC)
    assert isinstance(access.allowed, Unreadable)
    result = check_restore_key(good_restore(key_access=(access,)))
    assert result.status is CheckStatus.UNKNOWN
