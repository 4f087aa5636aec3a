"""The sandbox's Backup browsing operations over HTTP: shapes, isolation, paging, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from drconsole.sandbox.server import Sandbox, SandboxOptions
from drconsole.sandbox.store import seed_recovery_point

from .shape_walk import RawAnswers

MANAGEMENT = "123456789012"
REGION = "eu-central-1"
NOW = datetime.now(UTC)


class World:
    """A sandbox with an organization of two members, vaults and seeded recovery points."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        org = sandbox.client("organizations", MANAGEMENT)
        org.create_organization(FeatureSet="ALL")
        self.member_a = org.create_account(AccountName="a", Email="a@example.com")[
            "CreateAccountStatus"
        ]["AccountId"]
        self.member_b = org.create_account(AccountName="b", Email="b@example.com")[
            "CreateAccountStatus"
        ]["AccountId"]
        self.backup_a = self.client(self.member_a)
        self.raw = RawAnswers(self.backup_a)
        self.backup_a.create_backup_vault(BackupVaultName="small")
        self.backup_a.create_backup_vault(BackupVaultName="big")
        self.client(self.member_b).create_backup_vault(BackupVaultName="b-only")
        self.volume = f"arn:aws:ec2:{REGION}:{self.member_a}:volume/vol-0123456789abcdef0"
        self.table = f"arn:aws:dynamodb:{REGION}:{self.member_a}:table/orders"
        self.small: list[str] = []
        for hours, (arn, kind, name) in enumerate(
            [(self.volume, "EBS", "data"), (self.table, "DynamoDB", "orders")] * 3
        ):
            self.small.append(
                seed_recovery_point(
                    self.member_a,
                    REGION,
                    "small",
                    resource_arn=arn,
                    resource_type=kind,
                    resource_name=name,
                    created=NOW - timedelta(hours=hours),
                    encryption_key_arn=None,
                    size_bytes=2**30,
                    delete_after_days=35,
                )
            )
        # 2,500 points in reverse creation order, several sharing a timestamp, to page through
        self.big = [
            seed_recovery_point(
                self.member_a,
                REGION,
                "big",
                resource_arn=f"arn:aws:s3:::bucket-{i % 7}",
                resource_type="S3",
                created=NOW - timedelta(days=30) + timedelta(minutes=i // 3),
                encryption_key_arn=None,
                size_bytes=i,
            )
            for i in range(2500)
        ]

    def client(self, account_id: str) -> Any:
        """A Backup client of the account."""
        return self.sandbox.client("backup", account_id, REGION)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    sandbox = Sandbox(SandboxOptions(region=REGION))
    sandbox.start()
    sandbox.reset()  # no state left by another module in this process
    try:
        yield World(sandbox)
    finally:
        sandbox.stop()
        sandbox.reset()


def test_recovery_point_arns_follow_aws_formats(world: World) -> None:
    ebs, ddb = world.small[0], world.small[1]
    assert (
        ebs.startswith(f"arn:aws:ec2:{REGION}::snapshot/snap-") and len(ebs.split("snap-")[1]) == 17
    )
    assert ddb.startswith(f"arn:aws:backup:{REGION}:{world.member_a}:recovery-point:")


def test_vaults_report_their_real_number_of_recovery_points(world: World) -> None:
    client = world.backup_a
    described = client.describe_backup_vault(BackupVaultName="small")
    assert described["NumberOfRecoveryPoints"] == 6
    assert described["EncryptionKeyArn"].startswith(f"arn:aws:kms:{REGION}:{world.member_a}:key/")
    assert world.raw.check("DescribeBackupVault") == []
    listed = {v["BackupVaultName"]: v for v in client.list_backup_vaults()["BackupVaultList"]}
    assert listed["big"]["NumberOfRecoveryPoints"] == 2500
    paged = client.get_paginator("list_backup_vaults").paginate(PaginationConfig={"PageSize": 1})
    assert [v["BackupVaultName"] for p in paged for v in p["BackupVaultList"]] == ["big", "small"]
    assert client.list_backup_vaults(ByVaultType="BACKUP_VAULT")["BackupVaultList"]
    assert client.list_backup_vaults(ByShared=True)["BackupVaultList"] == []
    assert world.raw.check("ListBackupVaults") == []


def test_vault_without_key_uses_the_aws_managed_backup_key(world: World) -> None:
    kms = world.sandbox.client("kms", world.member_a, REGION)
    key_arn = world.backup_a.describe_backup_vault(BackupVaultName="small")["EncryptionKeyArn"]
    metadata = kms.describe_key(KeyId=key_arn)["KeyMetadata"]
    assert metadata["KeyManager"] == "AWS"
    aliases = kms.list_aliases(KeyId=metadata["KeyId"])["Aliases"]
    assert [a["AliasName"] for a in aliases] == ["alias/aws/backup"]


def test_list_and_describe_recovery_points_match_botocore_shapes(world: World) -> None:
    client = world.backup_a
    listed = client.list_recovery_points_by_backup_vault(BackupVaultName="small")
    assert [p["RecoveryPointArn"] for p in listed["RecoveryPoints"]] == world.small
    assert world.raw.check("ListRecoveryPointsByBackupVault") == []
    point = client.describe_recovery_point(BackupVaultName="small", RecoveryPointArn=world.small[0])
    assert point["ResourceArn"] == world.volume and point["ResourceType"] == "EBS"
    assert point["Lifecycle"]["DeleteAfterDays"] == 35
    assert point["CalculatedLifecycle"]["DeleteAt"] > point["CreationDate"]
    assert world.raw.check("DescribeRecoveryPoint") == []
    by_resource = client.list_recovery_points_by_resource(ResourceArn=world.table)
    assert [p["RecoveryPointArn"] for p in by_resource["RecoveryPoints"]] == world.small[1::2]
    assert world.raw.check("ListRecoveryPointsByResource") == []
    protected = {r["ResourceArn"]: r for r in client.list_protected_resources()["Results"]}
    assert protected[world.volume]["LastRecoveryPointArn"] == world.small[0]
    assert world.raw.check("ListProtectedResources") == []


def test_filters(world: World) -> None:
    client = world.backup_a
    by_type = client.list_recovery_points_by_backup_vault(
        BackupVaultName="small", ByResourceType="DynamoDB"
    )["RecoveryPoints"]
    assert [p["RecoveryPointArn"] for p in by_type] == world.small[1::2]
    by_arn = client.list_recovery_points_by_backup_vault(
        BackupVaultName="small", ByResourceArn=world.volume
    )["RecoveryPoints"]
    assert [p["RecoveryPointArn"] for p in by_arn] == world.small[0::2]
    window = client.list_recovery_points_by_backup_vault(
        BackupVaultName="small",
        ByCreatedAfter=NOW - timedelta(hours=3, minutes=30),
        ByCreatedBefore=NOW - timedelta(minutes=30),
    )["RecoveryPoints"]
    assert [p["RecoveryPointArn"] for p in window] == world.small[1:4]


def test_paging_past_a_thousand_points_has_no_duplicates_or_gaps(world: World) -> None:
    paginator = world.backup_a.get_paginator("list_recovery_points_by_backup_vault")
    pages = [
        [p["RecoveryPointArn"] for p in page["RecoveryPoints"]]
        for page in paginator.paginate(BackupVaultName="big")
    ]
    assert [len(page) for page in pages] == [1000, 1000, 500]
    seen = [arn for page in pages for arn in page]
    assert len(seen) == len(set(seen)) == 2500
    assert set(seen) == set(world.big)
    assert seen[0] == world.big[-1]  # newest first
    small_pages = list(
        paginator.paginate(BackupVaultName="big", PaginationConfig={"PageSize": 333})
    )
    assert sum(len(p["RecoveryPoints"]) for p in small_pages) == 2500


def test_foreign_next_tokens_are_refused(world: World) -> None:
    client = world.backup_a
    vault_token = client.list_backup_vaults(MaxResults=1)["NextToken"]
    for bad in (vault_token, "not-a-token"):
        with pytest.raises(ClientError) as error:
            client.list_recovery_points_by_backup_vault(BackupVaultName="big", NextToken=bad)
        assert error.value.response["Error"]["Code"] == "InvalidParameterValueException"
    point_token = client.list_recovery_points_by_backup_vault(BackupVaultName="big", MaxResults=1)[
        "NextToken"
    ]
    with pytest.raises(ClientError) as error:
        client.list_protected_resources(NextToken=point_token)
    assert error.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_max_results_out_of_bounds_is_refused(world: World) -> None:
    with pytest.raises(ClientError) as error:
        world.backup_a.list_recovery_points_by_backup_vault(BackupVaultName="big", MaxResults=1001)
    assert error.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_accounts_see_only_their_own_vaults_and_points(world: World) -> None:
    other = world.client(world.member_b)
    assert [v["BackupVaultName"] for v in other.list_backup_vaults()["BackupVaultList"]] == [
        "b-only"
    ]
    with pytest.raises(ClientError) as error:
        other.list_recovery_points_by_backup_vault(BackupVaultName="small")
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert other.list_recovery_points_by_resource(ResourceArn=world.table)["RecoveryPoints"] == []
    assert other.list_protected_resources()["Results"] == []
    with pytest.raises(ClientError) as error:
        other.describe_recovery_point(BackupVaultName="b-only", RecoveryPointArn=world.small[0])
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_regions_are_separate(world: World) -> None:
    north = world.sandbox.client("backup", world.member_a, "eu-north-1")
    assert north.list_backup_vaults()["BackupVaultList"] == []


def test_access_policy_round_trip(world: World) -> None:
    client = world.backup_a
    with pytest.raises(ClientError) as error:
        client.get_backup_vault_access_policy(BackupVaultName="small")
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "backup:CopyIntoBackupVault",
                    "Resource": "*",
                }
            ],
        }
    )
    client.put_backup_vault_access_policy(BackupVaultName="small", Policy=policy)
    assert world.raw.check("PutBackupVaultAccessPolicy") == []
    got = client.get_backup_vault_access_policy(BackupVaultName="small")
    assert json.loads(got["Policy"]) == json.loads(policy)
    assert got["BackupVaultArn"].endswith(":backup-vault:small")
    assert world.raw.check("GetBackupVaultAccessPolicy") == []
    with pytest.raises(ClientError) as error:
        client.put_backup_vault_access_policy(BackupVaultName="small", Policy="{not json")
    assert error.value.response["Error"]["Code"] == "InvalidParameterValueException"
    client.delete_backup_vault_access_policy(BackupVaultName="small")
    assert world.raw.check("DeleteBackupVaultAccessPolicy") == []
    with pytest.raises(ClientError):
        client.get_backup_vault_access_policy(BackupVaultName="small")


def test_global_settings_come_from_the_management_account(world: World) -> None:
    member = world.backup_a
    settings = member.describe_global_settings()["GlobalSettings"]
    assert settings["isCrossAccountBackupEnabled"] == "false"
    assert world.raw.check("DescribeGlobalSettings") == []
    with pytest.raises(ClientError) as error:
        member.update_global_settings(GlobalSettings={"isCrossAccountBackupEnabled": "true"})
    assert error.value.response["Error"]["Code"] == "InvalidRequestException"
    management = world.client(MANAGEMENT)
    raw = RawAnswers(management)
    management.update_global_settings(GlobalSettings={"isCrossAccountBackupEnabled": "true"})
    assert raw.check("UpdateGlobalSettings") == []
    described = management.describe_global_settings()
    assert described["LastUpdateTime"].year >= 2026
    assert member.describe_global_settings()["GlobalSettings"]["isCrossAccountBackupEnabled"] == (
        "true"
    )
    outsider = world.client("999999999999")
    assert outsider.describe_global_settings()["GlobalSettings"]["isCrossAccountBackupEnabled"] == (
        "false"
    )
    management.update_global_settings(GlobalSettings={"isCrossAccountBackupEnabled": "false"})


def test_region_settings(world: World) -> None:
    client = world.backup_a
    settings = client.describe_region_settings()
    assert settings["ResourceTypeOptInPreference"]["EBS"] is True
    assert settings["ResourceTypeManagementPreference"]["DynamoDB"] is True
    assert world.raw.check("DescribeRegionSettings") == []
    client.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": False})
    assert world.raw.check("UpdateRegionSettings") == []
    settings = client.describe_region_settings()
    assert settings["ResourceTypeManagementPreference"]["DynamoDB"] is False
    client.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})
    with pytest.raises(ClientError) as error:
        client.update_region_settings(ResourceTypeManagementPreference={"EBS": True})
    assert error.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_describe_protected_resource(world: World) -> None:
    described = world.backup_a.describe_protected_resource(ResourceArn=world.table)
    assert described["ResourceType"] == "DynamoDB"
    assert described["LastRecoveryPointArn"] == world.small[1]
    assert world.raw.check("DescribeProtectedResource") == []
    with pytest.raises(ClientError) as error:
        world.backup_a.describe_protected_resource(ResourceArn=f"{world.table}-missing")
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_lifecycle_update_and_delete(world: World) -> None:
    client = world.backup_a
    target = world.small[-1]
    answer = client.update_recovery_point_lifecycle(
        BackupVaultName="small", RecoveryPointArn=target, Lifecycle={"DeleteAfterDays": 400}
    )
    assert answer["Lifecycle"]["DeleteAfterDays"] == 400
    assert world.raw.check("UpdateRecoveryPointLifecycle") == []
    client.delete_recovery_point(BackupVaultName="small", RecoveryPointArn=target)
    assert world.raw.check("DeleteRecoveryPoint") == []
    assert client.describe_backup_vault(BackupVaultName="small")["NumberOfRecoveryPoints"] == 5
    with pytest.raises(ClientError) as error:
        client.describe_recovery_point(BackupVaultName="small", RecoveryPointArn=target)
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
    world.small.pop()


def test_a_vault_with_points_cannot_be_deleted(world: World) -> None:
    with pytest.raises(ClientError) as error:
        world.backup_a.delete_backup_vault(BackupVaultName="small")
    assert error.value.response["Error"]["Code"] == "InvalidRequestException"


def test_missing_vault_is_resource_not_found(world: World) -> None:
    with pytest.raises(ClientError) as error:
        world.backup_a.describe_backup_vault(BackupVaultName="nope")
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
