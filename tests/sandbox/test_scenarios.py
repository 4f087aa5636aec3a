"""Scenario `demo` over HTTP: the organization, IAM, keys, vaults, backups and the five faults."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.scenarios.clients import ScenarioClients
from drconsole.sandbox.server import Sandbox, SandboxOptions

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
REGION = "eu-central-1"
DR_REGION = "eu-north-1"
SLR_PATH = "/aws-service-role/backup.amazonaws.com/"
TYPES = ("EBS", "EC2", "RDS", "Aurora", "DynamoDB", "EFS", "S3")


class Demo:
    """The demo scenario in a running sandbox, with helpers to reach each account."""

    def __init__(self, sandbox: Sandbox, info: ScenarioInfo) -> None:
        self.sandbox = sandbox
        self.info = info
        self.clients = ScenarioClients(sandbox)

    def client(self, service: str, role: str, region: str = REGION) -> Any:
        return self.clients.client(service, self.info.accounts[role], region)

    def recovery_points(self, role: str, vault: str, region: str = REGION) -> list[dict[str, Any]]:
        backup = self.client("backup", role, region)
        pages = backup.get_paginator("list_recovery_points_by_backup_vault").paginate(
            BackupVaultName=vault
        )
        return [point for page in pages for point in page["RecoveryPoints"]]

    def key_aliases(self, role: str, key_arn: str, region: str = REGION) -> list[str]:
        kms = self.client("kms", role, region)
        return [alias["AliasName"] for alias in kms.list_aliases(KeyId=key_arn)["Aliases"]]


@pytest.fixture(scope="module")
def demo() -> Iterator[Demo]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0), now=NOW)
    try:
        yield Demo(sandbox, info)
    finally:
        sandbox.stop()
        sandbox.reset()


def test_accounts_and_scenario_info(demo: Demo) -> None:
    info = demo.info
    assert info.name == "demo"
    assert (info.region, info.dr_region) == (REGION, DR_REGION)
    assert set(info.accounts) == {"management", "backup", "prod", "qa", "dev", "recovery"}
    assert info.accounts["management"] == "123456789012"
    assert len(set(info.accounts.values())) == 6
    assert info.org_id.startswith("o-")
    assert info.recovery_point_count > 500


def test_organization_tree(demo: Demo) -> None:
    org = demo.client("organizations", "management")
    assert org.describe_organization()["Organization"]["Id"] == demo.info.org_id
    root = org.list_roots()["Roots"][0]["Id"]

    def children(parent: str) -> dict[str, str]:
        units = org.list_organizational_units_for_parent(ParentId=parent)
        return {unit["Name"]: unit["Id"] for unit in units["OrganizationalUnits"]}

    def accounts_in(parent: str) -> set[str]:
        return {a["Name"] for a in org.list_accounts_for_parent(ParentId=parent)["Accounts"]}

    top = children(root)
    assert set(top) == {"Security", "Prod", "Non-Prod"}
    non_prod = children(top["Non-Prod"])
    assert set(non_prod) == {"QA", "Dev"}
    assert accounts_in(root) == {"management"}
    assert accounts_in(top["Security"]) == {"backup", "recovery"}
    assert accounts_in(top["Prod"]) == {"prod"}
    assert accounts_in(non_prod["QA"]) == {"qa"}
    assert accounts_in(non_prod["Dev"]) == {"dev"}
    assert accounts_in(top["Non-Prod"]) == set()


def test_cross_account_backup_is_enabled(demo: Demo) -> None:
    for role in ("management", "prod"):
        settings = demo.client("backup", role).describe_global_settings()["GlobalSettings"]
        assert settings["isCrossAccountBackupEnabled"] == "true"


def test_management_account_monitors_every_members_jobs(demo: Demo) -> None:
    organizations = demo.client("organizations", "management")
    principals = [
        s["ServicePrincipal"]
        for s in organizations.list_aws_service_access_for_organization()[
            "EnabledServicePrincipals"
        ]
    ]
    assert "backup.amazonaws.com" in principals
    # Organization-wide job listing works from the management account only.
    demo.client("backup", "management").list_copy_jobs(ByAccountId="*")
    with pytest.raises(ClientError) as denied:
        demo.client("backup", "prod").list_copy_jobs(ByAccountId="*")
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"


@pytest.mark.parametrize("role", ["management", "backup", "prod", "qa", "dev", "recovery"])
def test_every_account_has_backup_service_role_and_member_access_role(
    demo: Demo, role: str
) -> None:
    iam = demo.client("iam", role)
    service_role = iam.get_role(RoleName="AWSBackupDefaultServiceRole")["Role"]
    trust = service_role["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"][0]["Principal"] == {"Service": "backup.amazonaws.com"}
    attached = {
        p["PolicyName"]
        for p in iam.list_attached_role_policies(RoleName="AWSBackupDefaultServiceRole")[
            "AttachedPolicies"
        ]
    }
    assert attached == {
        "AWSBackupServiceRolePolicyForBackup",
        "AWSBackupServiceRolePolicyForRestores",
        "AWSBackupServiceRolePolicyForS3Backup",
        "AWSBackupServiceRolePolicyForS3Restore",
    }
    access = iam.get_role(RoleName="OrganizationAccountAccessRole")["Role"]
    access_trust = access["AssumeRolePolicyDocument"]
    access_trust = json.loads(access_trust) if isinstance(access_trust, str) else access_trust
    assert access_trust["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}


@pytest.mark.parametrize("role", ["management", "backup", "prod", "qa"])
def test_healthy_accounts_have_the_service_linked_role(demo: Demo, role: str) -> None:
    iam = demo.client("iam", role)
    slr = iam.get_role(RoleName="AWSServiceRoleForBackup")["Role"]
    account_id = demo.info.accounts[role]
    assert slr["Path"] == SLR_PATH
    assert slr["Arn"] == f"arn:aws:iam::{account_id}:role{SLR_PATH}AWSServiceRoleForBackup"
    attached = iam.list_attached_role_policies(RoleName="AWSServiceRoleForBackup")
    assert [p["PolicyName"] for p in attached["AttachedPolicies"]] == [
        "AWSBackupServiceLinkedRolePolicyForBackup"
    ]
    # moto's own service-linked role name must not appear instead.
    names = {r["RoleName"] for r in iam.list_roles()["Roles"]}
    assert "AWSServiceRoleForbackup" not in names


def test_fault_dev_has_no_service_linked_role(demo: Demo) -> None:
    dev = demo.info.accounts["dev"]
    assert demo.info.faults["service_linked_role_missing"] == (
        f"arn:aws:iam::{dev}:role{SLR_PATH}AWSServiceRoleForBackup"
    )
    iam = demo.client("iam", "dev")
    with pytest.raises(ClientError) as caught:
        iam.get_role(RoleName="AWSServiceRoleForBackup")
    assert caught.value.response["Error"]["Code"] == "NoSuchEntity"
    # The copy that meets the fault: a copy back from the central vault into dev.
    point = demo.info.fault_recovery_points["service_linked_role_missing"]
    described = demo.client("backup", "backup").describe_recovery_point(
        BackupVaultName="central-eu-central-1", RecoveryPointArn=point
    )
    assert described["SourceBackupVaultArn"].endswith(f":{dev}:backup-vault:dev-vault")


def test_central_vaults_use_customer_managed_keys_and_an_org_wide_policy(demo: Demo) -> None:
    for region, name in ((REGION, "central-eu-central-1"), (DR_REGION, "dr-eu-north-1")):
        backup = demo.client("backup", "backup", region)
        vault = backup.describe_backup_vault(BackupVaultName=name)
        kms = demo.client("kms", "backup", region)
        key = kms.describe_key(KeyId=vault["EncryptionKeyArn"])["KeyMetadata"]
        assert key["KeyManager"] == "CUSTOMER"
        policy = json.loads(backup.get_backup_vault_access_policy(BackupVaultName=name)["Policy"])
        statement = policy["Statement"][0]
        assert statement["Action"] == "backup:CopyIntoBackupVault"
        assert statement["Condition"] == {
            "StringEquals": {"aws:PrincipalOrgID": [demo.info.org_id]}
        }
        # Copy back: members' service-linked roles may use the vault key.
        key_policy = kms.get_key_policy(KeyId=vault["EncryptionKeyArn"], PolicyName="default")
        for member in ("prod", "qa", "dev"):
            assert f"arn:aws:iam::{demo.info.accounts[member]}:root" in key_policy["Policy"]


@pytest.mark.parametrize(
    ("role", "region", "vault"),
    [
        ("prod", REGION, "prod-vault"),
        ("prod", DR_REGION, "prod-vault"),
        ("qa", REGION, "qa-vault"),
        ("dev", REGION, "dev-vault"),
    ],
)
def test_member_vaults_let_the_backup_account_copy_back(
    demo: Demo, role: str, region: str, vault: str
) -> None:
    backup = demo.client("backup", role, region)
    policy = json.loads(backup.get_backup_vault_access_policy(BackupVaultName=vault)["Policy"])
    statement = policy["Statement"][0]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "backup:CopyIntoBackupVault"
    assert statement["Principal"] == {"AWS": f"arn:aws:iam::{demo.info.accounts['backup']}:root"}
    key_arn = backup.describe_backup_vault(BackupVaultName=vault)["EncryptionKeyArn"]
    key = demo.client("kms", role, region).describe_key(KeyId=key_arn)["KeyMetadata"]
    assert key["KeyManager"] == "CUSTOMER"


def test_fault_vault_encrypted_with_aws_backup_key(demo: Demo) -> None:
    arn = demo.info.faults["vault_aws_managed_key"]
    assert arn.endswith(":backup-vault:qa-legacy-vault")
    backup = demo.client("backup", "qa")
    vault = backup.describe_backup_vault(BackupVaultName="qa-legacy-vault")
    assert vault["BackupVaultArn"] == arn
    key = demo.client("kms", "qa").describe_key(KeyId=vault["EncryptionKeyArn"])["KeyMetadata"]
    assert key["KeyManager"] == "AWS"
    assert demo.key_aliases("qa", vault["EncryptionKeyArn"]) == ["alias/aws/backup"]
    # Only the key is at fault: the vault does let the backup account copy in.
    assert backup.get_backup_vault_access_policy(BackupVaultName="qa-legacy-vault")["Policy"]
    point = demo.info.fault_recovery_points["vault_aws_managed_key"]
    described = demo.client("backup", "backup").describe_recovery_point(
        BackupVaultName="central-eu-central-1", RecoveryPointArn=point
    )
    assert described["ResourceType"] == "EBS"


def test_fault_vault_without_access_policy(demo: Demo) -> None:
    arn = demo.info.faults["vault_without_access_policy"]
    assert arn.endswith(":backup-vault:qa-archive-vault")
    backup = demo.client("backup", "qa")
    with pytest.raises(ClientError) as caught:
        backup.get_backup_vault_access_policy(BackupVaultName="qa-archive-vault")
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
    vault = backup.describe_backup_vault(BackupVaultName="qa-archive-vault")
    key = demo.client("kms", "qa").describe_key(KeyId=vault["EncryptionKeyArn"])["KeyMetadata"]
    assert key["KeyManager"] == "CUSTOMER"


def test_fault_source_key_not_shared_with_the_backup_account(demo: Demo) -> None:
    backup_id = demo.info.accounts["backup"]
    key_arn = demo.info.faults["source_key_not_shared"]
    kms = demo.client("kms", "qa")
    assert demo.key_aliases("qa", key_arn) == ["alias/qa-analytics"]
    unshared = kms.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"]
    assert backup_id not in unshared
    assert len(json.loads(unshared)["Statement"]) == 1
    shared_arn = kms.describe_key(KeyId="alias/qa-data")["KeyMetadata"]["Arn"]
    shared = json.loads(kms.get_key_policy(KeyId=shared_arn, PolicyName="default")["Policy"])
    grant = next(s for s in shared["Statement"] if "kms:CreateGrant" in s["Action"])
    assert grant["Principal"] == {"AWS": f"arn:aws:iam::{backup_id}:root"}
    assert grant["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    # Its recovery points are in qa's vault, and none was copied to the backup account.
    point = demo.info.fault_recovery_points["source_key_not_shared"]
    described = demo.client("backup", "qa").describe_recovery_point(
        BackupVaultName="qa-vault", RecoveryPointArn=point
    )
    assert described["EncryptionKeyArn"] == key_arn
    central = demo.recovery_points("backup", "central-eu-central-1")
    assert all(p["ResourceArn"] != described["ResourceArn"] for p in central)


def test_prod_key_is_shared_with_the_backup_service_linked_role(demo: Demo) -> None:
    kms = demo.client("kms", "prod")
    arn = kms.describe_key(KeyId="alias/prod-data")["KeyMetadata"]["Arn"]
    policy = json.loads(kms.get_key_policy(KeyId=arn, PolicyName="default")["Policy"])
    grant = next(s for s in policy["Statement"] if "kms:CreateGrant" in s["Action"])
    backup_id = demo.info.accounts["backup"]
    assert grant["Principal"] == {
        "AWS": f"arn:aws:iam::{backup_id}:role{SLR_PATH}AWSServiceRoleForBackup"
    }


def test_fault_snapshot_encrypted_with_aws_ebs(demo: Demo) -> None:
    point_arn = demo.info.faults["aws_managed_resource_key"]
    assert demo.info.fault_recovery_points["aws_managed_resource_key"] == point_arn
    point = demo.client("backup", "prod").describe_recovery_point(
        BackupVaultName="prod-vault", RecoveryPointArn=point_arn
    )
    assert point["ResourceType"] == "EBS"
    assert point["ResourceName"] == "prod-legacy-data"
    key = demo.client("kms", "prod").describe_key(KeyId=point["EncryptionKeyArn"])["KeyMetadata"]
    assert key["KeyManager"] == "AWS"
    assert demo.key_aliases("prod", point["EncryptionKeyArn"]) == ["alias/aws/ebs"]
    # The source volume is a real one, encrypted with that key.
    volume_id = point["ResourceArn"].rsplit("/", 1)[1]
    volume = demo.client("ec2", "prod").describe_volumes(VolumeIds=[volume_id])["Volumes"][0]
    assert volume["Encrypted"] is True
    assert volume["KmsKeyId"] == point["EncryptionKeyArn"]


@pytest.mark.parametrize("role", ["prod", "qa", "dev"])
def test_recovery_points_of_every_type_spread_over_30_days(demo: Demo, role: str) -> None:
    points = demo.recovery_points(role, f"{role}-vault")
    by_type: dict[str, list[datetime]] = defaultdict(list)
    for point in points:
        by_type[point["ResourceType"]].append(point["CreationDate"])
        assert point["Status"] == "COMPLETED"
        assert point["CreationDate"].second == 0
    assert set(by_type) == set(TYPES)
    for kind, dates in by_type.items():
        assert len(dates) >= 8, kind
        assert max(dates) - min(dates) >= timedelta(days=24), kind
        assert NOW - timedelta(days=31) < min(dates) and max(dates) < NOW, kind


def test_source_resources_are_real(demo: Demo) -> None:
    points = demo.recovery_points("prod", "prod-vault")
    arns = {p["ResourceType"]: p["ResourceArn"] for p in points}
    rds = demo.client("rds", "prod")
    db_id = arns["RDS"].rsplit(":", 1)[1]
    assert rds.describe_db_instances(DBInstanceIdentifier=db_id)["DBInstances"]
    cluster_id = arns["Aurora"].rsplit(":", 1)[1]
    assert rds.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"]
    table = arns["DynamoDB"].rsplit("/", 1)[1]
    assert demo.client("dynamodb", "prod").describe_table(TableName=table)["Table"]
    bucket = arns["S3"].rsplit(":", 1)[1]
    demo.client("s3", "prod").head_bucket(Bucket=bucket)


def test_copies_in_the_backup_account_follow_their_sources(demo: Demo) -> None:
    prod = demo.info.accounts["prod"]
    member = {p["RecoveryPointArn"]: p for p in demo.recovery_points("prod", "prod-vault")}
    newest_source: dict[str, datetime] = {}
    for point in member.values():
        newest_source.setdefault(point["ResourceArn"], point["CreationDate"])
        newest_source[point["ResourceArn"]] = max(
            newest_source[point["ResourceArn"]], point["CreationDate"]
        )
    central = demo.recovery_points("backup", "central-eu-central-1")
    prod_copies = [p for p in central if f":{prod}:" in p["SourceBackupVaultArn"]]
    assert {p["ResourceType"] for p in prod_copies} == set(TYPES)
    central_key = demo.client("backup", "backup").describe_backup_vault(
        BackupVaultName="central-eu-central-1"
    )["EncryptionKeyArn"]
    for copy in prod_copies:
        assert copy["EncryptionKeyArn"] == central_key
        assert copy["SourceBackupVaultArn"].endswith(f":{prod}:backup-vault:prod-vault")
    newest_copy = max(
        (p for p in prod_copies if p["ResourceType"] == "RDS"), key=lambda p: p["CreationDate"]
    )
    # A copy keeps its source's creation date (as AWS does); it completed minutes later.
    assert newest_copy["CreationDate"] == newest_source[newest_copy["ResourceArn"]]
    lag = newest_copy["CompletionDate"] - newest_copy["CreationDate"]
    assert timedelta(minutes=1) < lag < timedelta(hours=4)


@pytest.mark.parametrize("kind", ["RDS", "Aurora"])
def test_prod_databases_have_copies_in_the_eu_north_1_vault(demo: Demo, kind: str) -> None:
    prod = demo.info.accounts["prod"]
    points = [
        p
        for p in demo.recovery_points("backup", "dr-eu-north-1", DR_REGION)
        if p["ResourceType"] == kind and f":{prod}:" in p["ResourceArn"]
    ]
    assert len(points) >= 25
    newest = max(points, key=lambda p: p["CreationDate"])
    assert newest["BackupVaultArn"].startswith(f"arn:aws:backup:{DR_REGION}:")
    # Database copies reach the other Region in a second hop from the central vault.
    assert newest["SourceBackupVaultArn"].endswith(":backup-vault:central-eu-central-1")


def test_faults_name_the_arn_they_concern(demo: Demo) -> None:
    assert set(demo.info.faults) == {
        "vault_aws_managed_key",
        "vault_without_access_policy",
        "source_key_not_shared",
        "aws_managed_resource_key",
        "service_linked_role_missing",
    }
    assert set(demo.info.fault_recovery_points) == set(demo.info.faults)
    assert all(arn.startswith("arn:aws:") for arn in demo.info.faults.values())


def test_aws_cli_style_client_reaches_the_whole_organization(
    demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As the AWS CLI would be set up: AWS_ENDPOINT_URL and the management credentials only.
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", demo.sandbox.endpoint_url)
    credentials = demo.sandbox.credentials_for(demo.info.accounts["management"])
    session = boto3.session.Session(region_name=REGION, **credentials)
    accounts = session.client("organizations").list_accounts()["Accounts"]
    assert {a["Id"] for a in accounts} == set(demo.info.accounts.values())
    assert session.client("sts").get_caller_identity()["Account"] == "123456789012"
    prod = demo.info.accounts["prod"]
    assumed = session.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{prod}:role/OrganizationAccountAccessRole", RoleSessionName="cli"
    )["Credentials"]
    member = boto3.session.Session(
        region_name=REGION,
        aws_access_key_id=assumed["AccessKeyId"],
        aws_secret_access_key=assumed["SecretAccessKey"],
        aws_session_token=assumed["SessionToken"],
    )
    assert member.client("sts").get_caller_identity()["Account"] == prod
    vaults = member.client("backup").list_backup_vaults()["BackupVaultList"]
    assert [v["BackupVaultName"] for v in vaults] == ["prod-vault"]


def test_the_recovery_account_is_ready_for_drills(demo: Demo) -> None:
    """A `recovery` account in the Security OU: its own CMK-encrypted vault in each Region,
    open to the backup account, and AWS Backup's roles (the restore target of the drills)."""
    org = demo.client("organizations", "management")
    recovery = demo.info.accounts["recovery"]
    (parent,) = org.list_parents(ChildId=recovery)["Parents"]
    assert (
        org.describe_organizational_unit(OrganizationalUnitId=parent["Id"])["OrganizationalUnit"][
            "Name"
        ]
        == "Security"
    )
    for region in (REGION, DR_REGION):
        backup = demo.client("backup", "recovery", region)
        vault = backup.describe_backup_vault(BackupVaultName="recovery-vault")
        key = demo.client("kms", "recovery", region).describe_key(KeyId=vault["EncryptionKeyArn"])
        assert key["KeyMetadata"]["KeyManager"] == "CUSTOMER"
        policy = json.loads(
            backup.get_backup_vault_access_policy(BackupVaultName="recovery-vault")["Policy"]
        )
        assert demo.info.accounts["backup"] in json.dumps(policy)
        assert (
            backup.list_recovery_points_by_backup_vault(BackupVaultName="recovery-vault")[
                "RecoveryPoints"
            ]
            == []
        )
    iam = demo.client("iam", "recovery")
    assert iam.get_role(RoleName="AWSServiceRoleForBackup")["Role"]["Path"].startswith(
        "/aws-service-role/"
    )


def test_prod_has_a_second_vpc_and_a_taken_db_name_for_restore_checks(demo: Demo) -> None:
    ec2 = demo.client("ec2", "prod")
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["prod-isolated"]}])["Vpcs"]
    assert len(vpcs) == 1 and not vpcs[0]["IsDefault"]
    vpc = vpcs[0]["VpcId"]
    in_vpc = [{"Name": "vpc-id", "Values": [vpc]}]
    zones = {s["AvailabilityZone"] for s in ec2.describe_subnets(Filters=in_vpc)["Subnets"]}
    assert zones == {f"{REGION}a", f"{REGION}b"}
    groups = ec2.describe_security_groups(Filters=in_vpc)["SecurityGroups"]
    assert "prod-isolated-app" in {g["GroupName"] for g in groups}
    rds = demo.client("rds", "prod")
    group = rds.describe_db_subnet_groups(DBSubnetGroupName="prod-isolated-db")["DBSubnetGroups"]
    assert group[0]["VpcId"] == vpc
    options = rds.describe_option_groups(OptionGroupName="prod-isolated-options")
    assert options["OptionGroupsList"][0]["VpcId"] == vpc
    taken = rds.describe_db_instances(DBInstanceIdentifier="prod-orders-db-restore-test")
    assert taken["DBInstances"]
