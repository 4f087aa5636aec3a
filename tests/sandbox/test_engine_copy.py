"""Copy and backup jobs through the sandbox's API: lifecycle, side effects, rules, idempotency."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from drconsole.sandbox import copy_rules as rules
from drconsole.sandbox.scenarios.iam_roles import SERVICE_ROLE_POLICIES, ensure_aws_managed_policies
from drconsole.sandbox.server import Sandbox, SandboxOptions
from drconsole.sandbox.store import seed_recovery_point

from .shape_walk import RawAnswers

MANAGEMENT = "123456789012"
OUTSIDER = "999999999999"
SRC = "eu-central-1"
DST = "eu-north-1"
FAST = 3000.0  # a 1 GiB copy takes about 30 ms
FINISHED = {"COMPLETED", "FAILED", "ABORTED", "PARTIAL"}
BACKUP_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "backup.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def org_vault_policy(org_id: str, action: str = "backup:CopyIntoBackupVault") -> str:
    """The seeds' organization-wide vault access policy."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": action,
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:PrincipalOrgID": [org_id]}},
                }
            ],
        }
    )


def key_policy(owner: str, *share_with: str) -> str:
    """A default key policy, plus the grant statement for the destinations' service-linked roles."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{owner}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    if share_with:
        roles = [
            f"arn:aws:iam::{a}:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup"
            for a in share_with
        ]
        statements.append(
            {
                "Sid": "Allow attachment of persistent resources",
                "Effect": "Allow",
                "Principal": {"AWS": roles},
                "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                "Resource": "*",
                "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


class World:
    """An organization (prod, backup, dev without SLR), an outsider, vaults, keys and points."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        orgs = sandbox.client("organizations", MANAGEMENT, "us-east-1")
        self.org_id = orgs.create_organization(FeatureSet="ALL")["Organization"]["Id"]
        ids = {}
        for name in ("prod", "backup", "dev"):
            status = orgs.create_account(AccountName=name, Email=f"{name}@example.com")
            ids[name] = status["CreateAccountStatus"]["AccountId"]
        self.prod, self.backup, self.dev = ids["prod"], ids["backup"], ids["dev"]
        self.set_cross_account(True)

        self.role = self.iam(self.prod).create_role(
            RoleName="AWSBackupDefaultServiceRole",
            Path="/service-role/",
            AssumeRolePolicyDocument=BACKUP_TRUST,
        )["Role"]["Arn"]
        # AWS's policies of the default service role: without an Allow of what a job does, the
        # job fails.
        ensure_aws_managed_policies(self.prod)
        for policy in SERVICE_ROLE_POLICIES:
            self.iam(self.prod).attach_role_policy(
                RoleName="AWSBackupDefaultServiceRole", PolicyArn=policy
            )
        for account in (self.backup, OUTSIDER, self.prod):
            self.create_slr(account)

        kms = sandbox.client("kms", self.prod, SRC)
        self.shared_key = kms.create_key(Policy=key_policy(self.prod, self.backup, self.dev))[
            "KeyMetadata"
        ]["Arn"]
        self.unshared_key = kms.create_key(Policy=key_policy(self.prod))["KeyMetadata"]["Arn"]
        self.ebs_key = kms.describe_key(KeyId="alias/aws/ebs")["KeyMetadata"]["Arn"]

        self.prod_vault = self.make_vault(self.prod, SRC, "prod-vault", cmk=True)
        self.prod_dr_vault = self.make_vault(self.prod, DST, "prod-dr", cmk=True)
        self.dr_vault = self.make_vault(self.backup, DST, "dr", cmk=True, policy=True)
        self.central_vault = self.make_vault(self.backup, SRC, "central", cmk=True, policy=True)
        self.plain_vault = self.make_vault(self.backup, DST, "plain", cmk=False, policy=True)
        self.bare_vault = self.make_vault(self.backup, DST, "no-policy", cmk=True)
        self.dev_vault = self.make_vault(self.dev, DST, "dev-vault", cmk=True, policy=True)
        self.outsider_vault = self.make_vault(OUTSIDER, DST, "outside", cmk=True, policy=True)
        self.source = self.sandbox.client("backup", self.prod, SRC)
        self.raw = RawAnswers(self.source)

    def iam(self, account: str) -> Any:
        return self.sandbox.client("iam", account, "us-east-1")

    def create_slr(self, account: str) -> None:
        """AWS Backup's service-linked role, with AWS's exact name and path."""
        self.iam(account).create_role(
            RoleName="AWSServiceRoleForBackup",
            Path="/aws-service-role/backup.amazonaws.com/",
            AssumeRolePolicyDocument=BACKUP_TRUST,
        )

    def set_cross_account(self, enabled: bool) -> None:
        self.sandbox.client("backup", MANAGEMENT, "us-east-1").update_global_settings(
            GlobalSettings={"isCrossAccountBackupEnabled": "true" if enabled else "false"}
        )

    def make_vault(
        self, account: str, region: str, name: str, cmk: bool, policy: bool = False
    ) -> str:
        backup = self.sandbox.client("backup", account, region)
        args: dict[str, Any] = {"BackupVaultName": name}
        if cmk:
            key = self.sandbox.client("kms", account, region).create_key()["KeyMetadata"]["Arn"]
            args["EncryptionKeyArn"] = key
        arn: str = backup.create_backup_vault(**args)["BackupVaultArn"]
        if policy:
            backup.put_backup_vault_access_policy(
                BackupVaultName=name, Policy=org_vault_policy(self.org_id)
            )
        return arn

    def seed(self, kind: str = "EBS", key: str | None = None, name: str = "data") -> str:
        resource = {
            "EBS": f"arn:aws:ec2:{SRC}:{self.prod}:volume/vol-0{len(name):016x}",
            "RDS": f"arn:aws:rds:{SRC}:{self.prod}:db:{name}",
            "DynamoDB": f"arn:aws:dynamodb:{SRC}:{self.prod}:table/{name}",
            "S3": f"arn:aws:s3:::{name}",
        }[kind]
        return seed_recovery_point(
            self.prod,
            SRC,
            "prod-vault",
            resource_arn=resource,
            resource_type=kind,
            resource_name=name,
            created=datetime.now(UTC) - timedelta(days=1),
            encryption_key_arn=self.shared_key if key is None else key,
            size_bytes=2**30,
        )

    def copy(self, point: str, dest_vault: str, **extra: Any) -> str:
        answer = self.source.start_copy_job(
            RecoveryPointArn=point,
            SourceBackupVaultName="prod-vault",
            DestinationBackupVaultArn=dest_vault,
            IamRoleArn=self.role,
            **extra,
        )
        job_id: str = answer["CopyJobId"]
        return job_id

    def finished_copy(self, job_id: str, client: Any = None) -> dict[str, Any]:
        client = client or self.source
        deadline = time.time() + 60  # a hang guard, not a timing expectation
        while time.time() < deadline:
            job: dict[str, Any] = client.describe_copy_job(CopyJobId=job_id)["CopyJob"]
            if job["State"] in FINISHED:
                return job
            time.sleep(0.02)
        raise AssertionError(f"copy job {job_id} did not finish")


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    sandbox = Sandbox(SandboxOptions(time_scale=FAST, region=SRC))
    sandbox.start()
    sandbox.reset()  # no state left by another module in this process
    try:
        yield World(sandbox)
    finally:
        sandbox.stop()
        sandbox.reset()


def test_copy_job_advances_and_creates_the_destination_point(world: World) -> None:
    point = world.seed()
    # 20 sandbox seconds queued, 61 running: 2 s CREATED then 6 s RUNNING, so that each state
    # outlasts a Describe call even on a loaded machine.
    world.sandbox.options.time_scale = 10.0
    try:
        job_id = world.copy(point, world.dr_vault)
        seen: list[str] = []
        deadline = time.time() + 60  # a hang guard, not a timing expectation
        while (not seen or seen[-1] not in FINISHED) and time.time() < deadline:
            state = world.source.describe_copy_job(CopyJobId=job_id)["CopyJob"]["State"]
            if not seen or seen[-1] != state:
                seen.append(state)
            time.sleep(0.05)
    finally:
        world.sandbox.options.time_scale = FAST
    assert seen == ["CREATED", "RUNNING", "COMPLETED"]
    assert world.raw.check("StartCopyJob") == []
    job = world.finished_copy(job_id)
    assert world.raw.check("DescribeCopyJob") == []
    assert "PercentDone" not in job
    dest = world.sandbox.client("backup", world.backup, DST)
    copied = dest.describe_recovery_point(
        BackupVaultName="dr", RecoveryPointArn=job["DestinationRecoveryPointArn"]
    )
    vault = dest.describe_backup_vault(BackupVaultName="dr")
    assert copied["EncryptionKeyArn"] == vault["EncryptionKeyArn"] != world.shared_key
    assert copied["SourceBackupVaultArn"] == world.prod_vault
    assert copied["ResourceArn"] == job["ResourceArn"] and copied["ResourceType"] == "EBS"
    # AWS: a copy keeps its source's creation date; its completion is the copy's own.
    source = world.source.describe_recovery_point(
        BackupVaultName="prod-vault", RecoveryPointArn=point
    )
    assert copied["CreationDate"] == source["CreationDate"] < job["CreationDate"]
    assert copied["CompletionDate"] >= job["CreationDate"]
    # The destination's protected resource is as old as the data, not as the copy.
    protected = dest.describe_protected_resource(ResourceArn=copied["ResourceArn"])
    assert protected["LastBackupTime"] == source["CreationDate"]
    assert copied["RecoveryPointArn"].startswith(f"arn:aws:ec2:{DST}::snapshot/snap-")
    assert vault["NumberOfRecoveryPoints"] >= 1


def test_completion_happens_once_whoever_reads_first(world: World) -> None:
    point = world.seed(name="once")
    job_id = world.copy(point, world.dr_vault)
    time.sleep(0.2)
    dest = world.sandbox.client("backup", world.backup, DST)
    before = dest.describe_backup_vault(BackupVaultName="dr")["NumberOfRecoveryPoints"]
    # Any request settles due jobs; reading the job several times adds nothing more.
    arns = {world.finished_copy(job_id)["DestinationRecoveryPointArn"] for _ in range(3)}
    after = dest.describe_backup_vault(BackupVaultName="dr")["NumberOfRecoveryPoints"]
    assert len(arns) == 1 and after == before


def test_idempotency_token_returns_the_same_job(world: World) -> None:
    point = world.seed(name="idem")
    first = world.copy(point, world.dr_vault, IdempotencyToken="token-1")
    again = world.copy(point, world.dr_vault, IdempotencyToken="token-1")
    assert first == again
    jobs = world.source.list_copy_jobs(BySourceRecoveryPointArn=point)["CopyJobs"]
    assert [j["CopyJobId"] for j in jobs] == [first]
    world.finished_copy(first)
    assert world.copy(point, world.dr_vault, IdempotencyToken="token-1") == first
    with pytest.raises(ClientError) as error:
        world.copy(point, world.central_vault, IdempotencyToken="token-1")
    assert error.value.response["Error"]["Code"] == "InvalidRequestException"


def test_jobs_are_visible_only_to_their_account(world: World) -> None:
    job_id = world.copy(world.seed(name="private"), world.dr_vault)
    other = world.sandbox.client("backup", world.backup, SRC)
    with pytest.raises(ClientError) as error:
        other.describe_copy_job(CopyJobId=job_id)
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert job_id not in [j["CopyJobId"] for j in other.list_copy_jobs()["CopyJobs"]]
    mine = world.source.list_copy_jobs()
    assert job_id in [j["CopyJobId"] for j in mine["CopyJobs"]]
    assert world.raw.check("ListCopyJobs") == []
    with pytest.raises(ClientError) as error:
        other.list_copy_jobs(ByAccountId=world.prod)
    assert error.value.response["Error"]["Code"] == "AccessDeniedException"


def test_management_account_lists_jobs_org_wide_with_trusted_access(world: World) -> None:
    job_id = world.copy(world.seed(name="monitored"), world.dr_vault)
    management = world.sandbox.client("backup", MANAGEMENT, SRC)
    with pytest.raises(ClientError):
        management.list_copy_jobs(ByAccountId=world.prod)
    orgs = world.sandbox.client("organizations", MANAGEMENT, "us-east-1")
    orgs.enable_aws_service_access(ServicePrincipal="backup.amazonaws.com")
    listed = management.list_copy_jobs(ByAccountId=world.prod)["CopyJobs"]
    assert job_id in [j["CopyJobId"] for j in listed]
    everyone = management.list_copy_jobs(ByAccountId="*")["CopyJobs"]
    assert {j["AccountId"] for j in everyone} == {world.prod}


def test_list_copy_jobs_filters(world: World) -> None:
    point = world.seed(name="filtered")
    job_id = world.copy(point, world.central_vault)
    world.finished_copy(job_id)
    by_dest = world.source.list_copy_jobs(ByDestinationVaultArn=world.central_vault)["CopyJobs"]
    assert job_id in [j["CopyJobId"] for j in by_dest]
    assert all(j["DestinationBackupVaultArn"] == world.central_vault for j in by_dest)
    failed = world.source.list_copy_jobs(ByState="FAILED")["CopyJobs"]
    assert job_id not in [j["CopyJobId"] for j in failed]
    future = world.source.list_copy_jobs(ByCreatedAfter=datetime.now(UTC) + timedelta(hours=1))
    assert future["CopyJobs"] == []


def test_injected_failure_fails_the_next_job_only(world: World) -> None:
    point = world.seed(name="injected")
    resource = world.source.describe_recovery_point(
        BackupVaultName="prod-vault", RecoveryPointArn=point
    )["ResourceArn"]
    world.sandbox.inject_job_failure(resource, "An internal failure occurred")
    failed = world.finished_copy(world.copy(point, world.dr_vault))
    assert (failed["State"], failed["StatusMessage"]) == ("FAILED", "An internal failure occurred")
    assert "DestinationRecoveryPointArn" not in failed
    assert world.finished_copy(world.copy(point, world.dr_vault))["State"] == "COMPLETED"


def test_missing_inputs_give_aws_errors(world: World) -> None:
    point = world.seed(name="errors")
    with pytest.raises(ClientError) as error:
        world.source.start_copy_job(
            RecoveryPointArn=point,
            SourceBackupVaultName="nope",
            DestinationBackupVaultArn=world.dr_vault,
            IamRoleArn=world.role,
        )
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as error:
        world.copy(point, "not-an-arn")
    assert error.value.response["Error"]["Code"] == "InvalidParameterValueException"
    with pytest.raises(ClientError) as error:
        world.source.describe_copy_job(CopyJobId="00000000-0000-0000-0000-000000000000")
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_backup_job_creates_a_recovery_point_when_it_completes(world: World) -> None:
    volume = f"arn:aws:ec2:{SRC}:{world.prod}:volume/vol-0aaaaaaaaaaaaaaaa"
    started = world.source.start_backup_job(
        BackupVaultName="prod-vault", ResourceArn=volume, IamRoleArn=world.role
    )
    assert world.raw.check("StartBackupJob") == []
    deadline = time.time() + 60  # a hang guard, not a timing expectation
    while time.time() < deadline:
        job = world.source.describe_backup_job(BackupJobId=started["BackupJobId"])
        if job["State"] in FINISHED:
            break
        time.sleep(0.02)
    assert job["State"] == "COMPLETED"
    assert world.raw.check("DescribeBackupJob") == []
    point = world.source.describe_recovery_point(
        BackupVaultName="prod-vault", RecoveryPointArn=started["RecoveryPointArn"]
    )
    assert point["ResourceArn"] == volume and point["ResourceType"] == "EBS"
    listed = world.source.list_backup_jobs(ByResourceArn=volume)["BackupJobs"]
    assert [j["BackupJobId"] for j in listed] == [started["BackupJobId"]]
    assert world.raw.check("ListBackupJobs") == []


# ---- fidelity: each copy rule, broken then repaired ---------------------------------------


def outcome(world: World, point: str, dest_vault: str) -> tuple[str, str | None]:
    """("REFUSED", message) when StartCopyJob refuses, else the job's final state and message."""
    try:
        job_id = world.copy(point, dest_vault)
    except ClientError as exc:
        return "REFUSED", exc.response["Error"]["Message"]
    job = world.finished_copy(job_id)
    return job["State"], job.get("StatusMessage")


def test_rule_cross_account_backup_disabled(world: World) -> None:
    point = world.seed(name="xacct")
    world.set_cross_account(False)
    try:
        assert outcome(world, point, world.dr_vault) == ("FAILED", rules.MSG_CROSS_ACCOUNT_DISABLED)
    finally:
        world.set_cross_account(True)
    assert outcome(world, point, world.dr_vault) == ("COMPLETED", None)


def test_rule_accounts_not_in_the_same_organization(world: World) -> None:
    point = world.seed(name="org", key=world.shared_key)
    assert outcome(world, point, world.outsider_vault) == ("FAILED", rules.MSG_NOT_SAME_ORG)
    assert outcome(world, point, world.dr_vault) == ("COMPLETED", None)


def test_rule_destination_access_policy(world: World) -> None:
    point = world.seed(name="policy")
    dest = world.sandbox.client("backup", world.backup, DST)
    assert outcome(world, point, world.bare_vault) == ("FAILED", rules.MSG_VAULT_POLICY_DENIES)
    dest.put_backup_vault_access_policy(
        BackupVaultName="no-policy",
        Policy=org_vault_policy(world.org_id, action="backup:DescribeBackupVault"),
    )
    assert outcome(world, point, world.bare_vault) == ("FAILED", rules.MSG_VAULT_POLICY_DENIES)
    dest.put_backup_vault_access_policy(
        BackupVaultName="no-policy", Policy=org_vault_policy(world.org_id)
    )
    assert outcome(world, point, world.bare_vault) == ("COMPLETED", None)


@pytest.mark.parametrize("kind", ["EBS", "RDS"])
def test_rule_destination_vault_on_the_aws_backup_key(world: World, kind: str) -> None:
    point = world.seed(kind=kind, name=f"plain-{kind.lower()}")
    assert outcome(world, point, world.plain_vault) == (
        "FAILED",
        rules.MSG_DEST_VAULT_AWS_MANAGED_KEY,
    )
    assert outcome(world, point, world.dr_vault) == ("COMPLETED", None)


def test_rule_source_key_not_shared_with_the_destination(world: World) -> None:
    point = world.seed(name="unshared", key=world.unshared_key)
    assert outcome(world, point, world.dr_vault) == ("FAILED", rules.MSG_EBS_KEY_NOT_ACCESSIBLE)
    kms = world.sandbox.client("kms", world.prod, SRC)
    kms.put_key_policy(
        KeyId=world.unshared_key,
        PolicyName="default",
        Policy=key_policy(world.prod, world.backup),
    )
    assert outcome(world, point, world.dr_vault) == ("COMPLETED", None)


def test_rule_aws_managed_source_key(world: World) -> None:
    broken = world.seed(name="awsebs", key=world.ebs_key)
    assert outcome(world, broken, world.dr_vault) == ("FAILED", rules.MSG_EBS_AWS_MANAGED_KEY)
    repaired = world.seed(name="awsebs", key=world.shared_key)
    assert outcome(world, repaired, world.dr_vault) == ("COMPLETED", None)


def test_rule_database_copy_across_account_and_region(world: World) -> None:
    point = world.seed(kind="RDS", name="orders-db")
    world.sandbox.options.single_action_db_copy = False
    try:
        expected = rules.MSG_UNSUPPORTED_ROUTE.format(
            source_region=SRC, dest_region=DST, resource_type="RDS"
        )
        assert outcome(world, point, world.dr_vault) == ("REFUSED", expected)
        assert outcome(world, point, world.central_vault) == ("COMPLETED", None)  # one hop
    finally:
        world.sandbox.options.single_action_db_copy = True
    assert outcome(world, point, world.dr_vault) == ("COMPLETED", None)


def test_rule_dynamodb_across_regions_needs_advanced_features(world: World) -> None:
    """A backup made with the features off is DynamoDB's own (arn:aws:dynamodb:...) and never
    leaves its Region; one made with them (arn:aws:backup) copies whatever the setting is now
    (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/UsageNotesAWS.html)."""
    world.source.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": False})
    try:
        plain = world.seed(kind="DynamoDB", name="orders")
        assert plain.startswith(f"arn:aws:dynamodb:{SRC}:{world.prod}:table/orders/backup/")
        expected = rules.MSG_UNSUPPORTED_ROUTE.format(
            source_region=SRC, dest_region=DST, resource_type="DynamoDB"
        )
        assert outcome(world, plain, world.prod_dr_vault) == ("REFUSED", expected)
    finally:
        world.source.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})
    # Turned on later: the old backup still has no advanced features.
    assert outcome(world, plain, world.prod_dr_vault) == ("REFUSED", expected)
    advanced = world.seed(kind="DynamoDB", name="orders")
    assert ":recovery-point:" in advanced
    world.source.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": False})
    try:
        # Turned off after the backup was made: it keeps its features.
        assert outcome(world, advanced, world.prod_dr_vault) == ("COMPLETED", None)
    finally:
        world.source.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})


def test_rule_dynamodb_across_accounts_needs_advanced_features(world: World) -> None:
    world.source.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": False})
    try:
        plain = world.seed(kind="DynamoDB", name="carts")
        expected = rules.MSG_UNSUPPORTED_ROUTE.format(
            source_region=SRC, dest_region=SRC, resource_type="DynamoDB"
        )
        assert outcome(world, plain, world.central_vault) == ("REFUSED", expected)
    finally:
        world.source.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})
    advanced = world.seed(kind="DynamoDB", name="carts")
    assert outcome(world, advanced, world.central_vault) == ("COMPLETED", None)


def test_rule_destination_service_linked_role_missing(world: World) -> None:
    point = world.seed(name="slr")
    expected = rules.MSG_SLR_CANNOT_BE_ASSUMED.format(
        role_arn=f"arn:aws:iam::{world.dev}:role/aws-service-role/backup.amazonaws.com/"
        "AWSServiceRoleForBackup"
    )
    assert outcome(world, point, world.dev_vault) == ("FAILED", expected)
    world.create_slr(world.dev)
    assert outcome(world, point, world.dev_vault) == ("COMPLETED", None)


def test_rule_retention_outside_the_destination_vault_lock(world: World) -> None:
    point = world.seed(name="locked")
    locked = world.make_vault(world.backup, DST, "locked", cmk=True, policy=True)
    dest = world.sandbox.client("backup", world.backup, DST)
    dest.put_backup_vault_lock_configuration(
        BackupVaultName="locked", MinRetentionDays=30, MaxRetentionDays=365
    )
    short = world.finished_copy(world.copy(point, locked, Lifecycle={"DeleteAfterDays": 7}))
    assert (short["State"], short["StatusMessage"]) == (
        "FAILED",
        rules.MSG_RETENTION_OUT_OF_RANGE,
    )
    fitting = world.finished_copy(world.copy(point, locked, Lifecycle={"DeleteAfterDays": 90}))
    assert fitting["State"] == "COMPLETED"
    copied = dest.describe_recovery_point(
        BackupVaultName="locked", RecoveryPointArn=fitting["DestinationRecoveryPointArn"]
    )
    assert copied["Lifecycle"]["DeleteAfterDays"] == 90


def test_concurrent_copy_quota_per_destination_region(world: World) -> None:
    point = world.seed(name="quota")
    world.sandbox.options.time_scale = 0.5  # these copies stay queued for the whole test
    try:
        for _ in range(100):
            world.copy(point, world.prod_dr_vault)
        # botocore retries LimitExceededException as throttling: ask once, without retries
        once = boto3.client(
            "backup",
            region_name=SRC,
            endpoint_url=world.sandbox.endpoint_url,
            config=Config(retries={"total_max_attempts": 1}),
            **world.sandbox.credentials_for(world.prod),
        )
        with pytest.raises(ClientError) as error:
            once.start_copy_job(
                RecoveryPointArn=point,
                SourceBackupVaultName="prod-vault",
                DestinationBackupVaultArn=world.prod_dr_vault,
                IamRoleArn=world.role,
            )
        assert error.value.response["Error"]["Code"] == "LimitExceededException"
        assert "Too many concurrent copy jobs" in error.value.response["Error"]["Message"]
    finally:
        world.sandbox.options.time_scale = FAST


def test_rule_cold_storage_points_are_not_copied(world: World) -> None:
    """ "backups in cold storage or archive tiers cannot be copied" (AWS Backup, "Backup and tag
    copy", https://docs.aws.amazon.com/aws-backup/latest/devguide/recov-point-create-a-copy.html):
    a point the lifecycle has moved to cold storage says StorageClass COLD and is refused."""
    s3 = world.seed(kind="S3", name="warm")
    point = world.seed(kind="DynamoDB", name="cold")
    described = world.source.describe_recovery_point(
        BackupVaultName="prod-vault", RecoveryPointArn=point
    )
    assert described["StorageClass"] == "WARM"
    world.source.update_recovery_point_lifecycle(
        BackupVaultName="prod-vault",
        RecoveryPointArn=point,
        Lifecycle={"MoveToColdStorageAfterDays": 1, "DeleteAfterDays": 91},
    )
    described = world.source.describe_recovery_point(
        BackupVaultName="prod-vault", RecoveryPointArn=point
    )
    assert described["StorageClass"] == "COLD"
    state, message = outcome(world, point, world.prod_dr_vault)
    assert state == "REFUSED" and message is not None and "cold storage" in message
    # S3 backups do not move to cold storage: AWS Backup ignores the expression for them.
    world.source.update_recovery_point_lifecycle(
        BackupVaultName="prod-vault",
        RecoveryPointArn=s3,
        Lifecycle={"MoveToColdStorageAfterDays": 1, "DeleteAfterDays": 91},
    )
    warm = world.source.describe_recovery_point(BackupVaultName="prod-vault", RecoveryPointArn=s3)
    assert warm["StorageClass"] == "WARM"


def test_copy_lifecycle_keeps_90_days_in_cold_storage(world: World) -> None:
    """DeleteAfterDays "must be at least 90 days after the number of days specified in
    MoveToColdStorageAfterDays" (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_Lifecycle.html)."""
    point = world.seed(name="lifecycle")
    with pytest.raises(ClientError) as error:
        world.copy(
            point,
            world.central_vault,
            Lifecycle={"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 100},
        )
    assert error.value.response["Error"]["Code"] == "InvalidParameterValueException"
    job = world.copy(
        point,
        world.central_vault,
        Lifecycle={"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 120},
    )
    assert world.finished_copy(job)["State"] == "COMPLETED"


def test_list_copy_jobs_by_parent_job_and_source_recovery_point(world: World) -> None:
    point = world.seed(name="parented")
    job_id = world.copy(point, world.central_vault)
    world.finished_copy(job_id)
    mine = world.source.list_copy_jobs(BySourceRecoveryPointArn=point)["CopyJobs"]
    assert [j["CopyJobId"] for j in mine] == [job_id]
    # A single copy job has no parent: asked for a parent's children, AWS lists none of it.
    children = world.source.list_copy_jobs(ByParentJobId=job_id)["CopyJobs"]
    assert children == []
