"""The checks predict the sandbox: every fault fails its check, fails the copy, and is explained
with the same cause; once repaired, every check passes and the copy completes.

The sandbox enforces AWS's copy rules with its own code (it imports neither the checks, nor the
policy evaluator, nor the diagnosis), so this agreement is evidence, not a tautology. The
agreement matrix is printed (run with `pytest -s` to see it) and written to a file.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from drconsole.aws.audit import AuditLog
from drconsole.aws.fixes import apply_fix
from drconsole.aws.session import AwsSessions
from drconsole.checks import remedies
from drconsole.checks.facts import RestoreFacts, restore_policy_arns
from drconsole.checks.fixes import plan_fix
from drconsole.checks.runner import CheckReport, run_copy_checks, run_restore_checks
from drconsole.config import Credentials, Settings
from drconsole.diagnose import diagnose
from drconsole.flows import restore_forms as forms
from drconsole.flows import restore_metadata_rules as metadata_rules
from drconsole.models import CauseCode, CheckStatus
from drconsole.partitions import BACKUP_POLICY, managed_policy
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.scenarios.keys import key_policy
from drconsole.sandbox.scenarios.vaults import create_vault, org_wide_access_policy
from drconsole.sandbox.server import Sandbox, SandboxOptions
from drconsole.sandbox.store import seed_recovery_point
from tests.policies import trusting
from tests.rds_option_groups import TIMEZONE, backed_up_database, option_group

# The AWS managed restore policies in the `aws` partition (the sandbox's), and the one whose
# statements allow a copy role its two Backup actions.
RESTORE_POLICY_ARN, S3_RESTORE_POLICY_ARN = restore_policy_arns("S3", "aws")
COPY_POLICY_ARN = managed_policy(BACKUP_POLICY, "aws")

OUTSIDER = "999988887777"
FINISHED = ("COMPLETED", "FAILED", "ABORTED", "PARTIAL")


@dataclass
class World:
    """The running sandbox, its scenario, and drconsole's sessions on it."""

    sandbox: Sandbox
    info: ScenarioInfo
    sessions: AwsSessions
    audit: AuditLog
    operators: dict[str, AwsSessions] = field(default_factory=dict)

    def sessions_for(self, operator: str | None) -> AwsSessions:
        """drconsole's sessions, reaching member accounts through role `operator`."""
        if operator is None:
            return self.sessions
        if operator not in self.operators:
            settings = replace(self.sessions.settings, role_name=operator)
            self.operators[operator] = AwsSessions(settings)
        return self.operators[operator]

    def account(self, role: str) -> str:
        return self.info.accounts[role]

    def vault_arn(self, role: str, name: str, region: str | None = None) -> str:
        region = region or self.info.region
        return f"arn:aws:backup:{region}:{self.account(role)}:backup-vault:{name}"

    def client(self, service: str, account: str, region: str | None = None) -> Any:
        return self.sandbox.client(service, account, region or self.info.region)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    state = tmp_path_factory.mktemp("state")
    settings = Settings(
        regions=(info.region,),
        endpoint_url=sandbox.endpoint_url,
        static_credentials=Credentials.from_mapping(
            sandbox.credentials_for(info.accounts["management"])
        ),
        management_account_id=info.accounts["management"],
        backup_account_id=info.accounts["backup"],
        state_dir=state,
        retry_max_attempts=3,
    )
    try:
        yield World(sandbox, info, AwsSessions(settings), AuditLog(state))
    finally:
        sandbox.stop()
        sandbox.reset()


# --- Copy in the sandbox ----------------------------------------------------------------------


@dataclass(frozen=True)
class CopyOutcome:
    """What the sandbox did with a copy: REFUSED at start, or the job's final state."""

    state: str
    message: str
    destination_recovery_point: str | None = None


def copy_in_sandbox(world: World, report: CheckReport, role_arn: str | None = None) -> CopyOutcome:
    """StartCopyJob as the source account, then wait for the job to finish."""
    rp = report.facts.recovery_point
    backup = world.client("backup", rp.account_id, rp.region)
    role = role_arn or report.facts.copy_role_arn
    days = report.facts.lifecycle_delete_after_days
    lifecycle = {"Lifecycle": {"DeleteAfterDays": days}} if days else {}
    try:
        job_id = backup.start_copy_job(
            RecoveryPointArn=rp.arn,
            SourceBackupVaultName=rp.vault_name,
            DestinationBackupVaultArn=report.destination,
            IamRoleArn=role,
            **lifecycle,
        )["CopyJobId"]
    except ClientError as error:
        return CopyOutcome("REFUSED", error.response["Error"]["Message"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = backup.describe_copy_job(CopyJobId=job_id)["CopyJob"]
        if job["State"] in FINISHED:
            return CopyOutcome(
                job["State"], job.get("StatusMessage", ""), job.get("DestinationRecoveryPointArn")
            )
        time.sleep(0.05)
    raise AssertionError(f"copy job {job_id} did not finish")


def check(world: World, rp: str, dest: str, **options: Any) -> CheckReport:
    return run_copy_checks(world.sessions, rp, dest, **options)


def failing(report: CheckReport) -> list[tuple[str, str, str | None]]:
    return [
        (c.id, c.status.value, c.cause.value if c.cause else None)
        for c in report.checks
        if c.status is not CheckStatus.PASS
    ]


def fix(world: World, report: CheckReport, fix_id: str) -> None:
    """Apply drconsole's own fix for the failing check that offers it."""
    assert any(c.fix_id == fix_id for c in report.checks), failing(report)
    apply_fix(world.sessions, plan_fix(fix_id, report.facts), world.audit)


def newest(world: World, role: str, vault: str, resource_type: str, name: str = "") -> str:
    """The newest recovery point of a resource type (and name) in a vault."""
    backup = world.client("backup", world.account(role))
    points = [
        p
        for page in backup.get_paginator("list_recovery_points_by_backup_vault").paginate(
            BackupVaultName=vault
        )
        for p in page["RecoveryPoints"]
        if p["ResourceType"] == resource_type
        and p["Status"] == "COMPLETED"
        and (not name or p.get("ResourceName") == name)
        and "legacy" not in p.get("ResourceName", "")
    ]
    assert points, f"no {resource_type} recovery point in {role}/{vault}"
    return max(points, key=lambda p: p["CreationDate"])["RecoveryPointArn"]


# --- Rows of the matrix -----------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A fault: how to meet it, the cause every side must give, and how to repair it."""

    name: str
    cause: CauseCode
    meet: Callable[[World], tuple[str, str]]  # -> (recovery point, destination vault)
    repair: Callable[[World, CheckReport], tuple[str, str]]  # -> what to copy after repair
    status: CheckStatus = CheckStatus.FAIL
    repair_is: str = ""
    copies_after_repair: int = 1
    before_options: dict[str, Any] = field(default_factory=dict)
    after_options: dict[str, Any] = field(default_factory=dict)
    # What `explain` says, when it knows less than the check (then its `also` names the
    # check's cause where AWS's text fits both).
    explained: CauseCode | None = None


def fault_pair(name: str) -> Callable[[World], tuple[str, str]]:
    """A demo fault: its recovery point and the destination it concerns."""

    def meet(world: World) -> tuple[str, str]:
        rp = world.info.fault_recovery_points[name]
        concerns = world.info.faults[name]
        if ":backup-vault:" in concerns:
            return rp, concerns
        if name == "service_linked_role_missing":
            return rp, world.vault_arn("dev", "dev-vault")
        return rp, world.vault_arn("backup", "central-eu-central-1")

    return meet


def by_fix(fix_id: str) -> Callable[[World, CheckReport], tuple[str, str]]:
    def repair(world: World, report: CheckReport) -> tuple[str, str]:
        fix(world, report, fix_id)
        return report.recovery_point_arn, str(report.destination)

    return repair


def to_vault(role: str, vault: str) -> Callable[[World, CheckReport], tuple[str, str]]:
    """Repair by hand: copy into a vault that meets the rule instead."""

    def repair(world: World, report: CheckReport) -> tuple[str, str]:
        return report.recovery_point_arn, world.vault_arn(role, vault)

    return repair


def backed_up_in_prod(world: World, resource: str) -> str:
    """`resource` backed up by AWS Backup into prod's prod-vault; the recovery point's ARN."""
    prod = world.account("prod")
    backup = world.client("backup", prod)
    started = backup.start_backup_job(
        BackupVaultName="prod-vault",
        ResourceArn=resource,
        IamRoleArn=f"arn:aws:iam::{prod}:role/service-role/AWSBackupDefaultServiceRole",
    )
    for _ in range(600):
        job = backup.describe_backup_job(BackupJobId=started["BackupJobId"])
        if job["State"] in FINISHED:
            break
        time.sleep(0.05)
    assert job["State"] == "COMPLETED", job
    return str(started["RecoveryPointArn"])


def reencrypt_with_customer_key(world: World, report: CheckReport) -> tuple[str, str]:
    """Repair by hand: a volume on a customer managed key, backed up anew."""
    prod = world.account("prod")
    ec2 = world.client("ec2", prod)
    volume = ec2.create_volume(
        AvailabilityZone=f"{world.info.region}a", Size=8, Encrypted=True, KmsKeyId="alias/prod-data"
    )
    resource = f"arn:aws:ec2:{world.info.region}:{prod}:volume/{volume['VolumeId']}"
    return backed_up_in_prod(world, resource), str(report.destination)


def backed_up_instance(world: World, volumes: dict[str, str | None]) -> str:
    """prod's instance with a volume per device on the key named ("aws/ebs": the account's
    default EBS key; None: not encrypted), backed up into prod-vault; the point's ARN."""
    prod = world.account("prod")
    ec2 = world.client("ec2", prod)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    mappings = []
    for device, key in volumes.items():
        ebs: dict[str, Any] = {"VolumeSize": 8, "Encrypted": key is not None}
        if key not in (None, "aws/ebs"):
            ebs["KmsKeyId"] = key
        mappings.append({"DeviceName": device, "Ebs": ebs})
    instance = ec2.run_instances(
        ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro", BlockDeviceMappings=mappings
    )["Instances"][0]
    return backed_up_in_prod(
        world, f"arn:aws:ec2:{world.info.region}:{prod}:instance/{instance['InstanceId']}"
    )


def meet_ami_data_volume_on_aws_ebs(world: World) -> tuple[str, str]:
    rp = backed_up_instance(world, {"/dev/xvda": "alias/prod-data", "/dev/sdf": "aws/ebs"})
    return rp, world.vault_arn("backup", "central-eu-central-1")


def reencrypt_the_instance(world: World, report: CheckReport) -> tuple[str, str]:
    """Repair by hand: the instance's data on the customer managed key, backed up anew."""
    rp = backed_up_instance(world, {"/dev/xvda": "alias/prod-data", "/dev/sdf": "alias/prod-data"})
    return rp, str(report.destination)


def meet_ami_data_volume_on_unshared_key(world: World) -> tuple[str, str]:
    prod = world.account("prod")
    kms = world.client("kms", prod)
    key = kms.create_key(Description="app data", Policy=key_policy(prod, []))["KeyMetadata"]
    kms.create_alias(AliasName="alias/prod-app-data", TargetKeyId=key["KeyId"])
    rp = backed_up_instance(world, {"/dev/xvda": "alias/prod-data", "/dev/sdf": key["Arn"]})
    return rp, world.vault_arn("backup", "central-eu-central-1")


def share_the_app_data_key(world: World, report: CheckReport) -> tuple[str, str]:
    kms = world.client("kms", world.account("prod"))
    key_id = kms.describe_key(KeyId="alias/prod-app-data")["KeyMetadata"]["Arn"]
    current = kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    statements = remedies.key_policy_statements(world.account("backup"), "aws")
    shared = remedies.add_statements(current, statements)
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(shared))
    return report.recovery_point_arn, str(report.destination)


def meet_cross_account_disabled(world: World) -> tuple[str, str]:
    world.client("backup", world.account("management")).update_global_settings(
        GlobalSettings={"isCrossAccountBackupEnabled": "false"}
    )
    rp = newest(world, "prod", "prod-vault", "EBS", "prod-web-data")
    return rp, world.vault_arn("backup", "central-eu-central-1")


def prepare_destination(world: World, account: str, vault: str) -> str:
    """A vault meeting every rule but organization membership: CMK, policy, SLR, shared key."""
    prod = world.account("prod")
    kms = world.client("kms", account)
    key = kms.create_key(Description="destination vault key")["KeyMetadata"]["Arn"]
    backup = world.client("backup", account)
    backup.create_backup_vault(BackupVaultName=vault, EncryptionKeyArn=key)
    statement = remedies.vault_policy_statement(prod, "aws")
    backup.put_backup_vault_access_policy(
        BackupVaultName=vault,
        Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )
    iam = world.client("iam", account)
    # The account is outside the organization but trusts the caller, so its facts can be read
    # (an account inside it already has the role).
    with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
        iam.create_role(
            RoleName="OrganizationAccountAccessRole",
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {
                                "AWS": f"arn:aws:iam::{world.account('management')}:root"
                            },
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )
    iam.create_role(
        RoleName="AWSServiceRoleForBackup",
        Path="/aws-service-role/backup.amazonaws.com/",
        AssumeRolePolicyDocument=json.dumps(
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
        ),
    )
    prod_kms = world.client("kms", prod)
    key_id = prod_kms.describe_key(KeyId="alias/prod-data")["KeyMetadata"]["Arn"]
    current = prod_kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    shared = remedies.add_statements(current, remedies.key_policy_statements(account, "aws"))
    prod_kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(shared))
    return f"arn:aws:backup:{world.info.region}:{account}:backup-vault:{vault}"


def meet_not_same_org(world: World) -> tuple[str, str]:
    dest = prepare_destination(world, OUTSIDER, "outside-vault")
    return newest(world, "prod", "prod-vault", "EBS", "prod-web-data"), dest


def into_new_org_account(world: World, report: CheckReport) -> tuple[str, str]:
    """Repair by hand: the same destination in an account of the organization."""
    orgs = world.client("organizations", world.account("management"))
    status = orgs.create_account(Email="dr-restore@example.com", AccountName="dr-restore")
    account = status["CreateAccountStatus"]["AccountId"]
    return report.recovery_point_arn, prepare_destination(world, account, "inside-vault")


def meet_vault_policy_denies(world: World) -> tuple[str, str]:
    backup = world.client("backup", world.account("backup"))
    backup.create_backup_vault(
        BackupVaultName="guarded-vault",
        EncryptionKeyArn=world.client("kms", world.account("backup")).describe_key(
            KeyId="alias/backup-vault-key"
        )["KeyMetadata"]["Arn"],
    )
    deny = {
        "Sid": "NoCopiesFromProd",
        "Effect": "Deny",
        "Principal": {"AWS": f"arn:aws:iam::{world.account('prod')}:root"},
        "Action": "backup:CopyIntoBackupVault",
        "Resource": "*",
    }
    allow_org = json.loads(
        backup.get_backup_vault_access_policy(BackupVaultName="central-eu-central-1")["Policy"]
    )["Statement"]
    backup.put_backup_vault_access_policy(
        BackupVaultName="guarded-vault",
        Policy=json.dumps({"Version": "2012-10-17", "Statement": [*allow_org, deny]}),
    )
    rp = newest(world, "prod", "prod-vault", "EBS", "prod-web-data")
    return rp, world.vault_arn("backup", "guarded-vault")


def drop_deny_statement(world: World, report: CheckReport) -> tuple[str, str]:
    """Repair by hand: remove the deny statement from the vault policy."""
    backup = world.client("backup", world.account("backup"))
    document = json.loads(
        backup.get_backup_vault_access_policy(BackupVaultName="guarded-vault")["Policy"]
    )
    document["Statement"] = [s for s in document["Statement"] if s.get("Effect") != "Deny"]
    backup.put_backup_vault_access_policy(
        BackupVaultName="guarded-vault", Policy=json.dumps(document)
    )
    return report.recovery_point_arn, str(report.destination)


def meet_rds_into_aws_managed_vault(world: World) -> tuple[str, str]:
    backup = world.client("backup", world.account("backup"))
    backup.create_backup_vault(BackupVaultName="plain-vault")  # aws/backup
    central = backup.get_backup_vault_access_policy(BackupVaultName="central-eu-central-1")
    backup.put_backup_vault_access_policy(BackupVaultName="plain-vault", Policy=central["Policy"])
    rp = newest(world, "prod", "prod-vault", "RDS")
    return rp, world.vault_arn("backup", "plain-vault")


def meet_rds_two_regions(world: World) -> tuple[str, str]:
    world.sandbox.options.single_action_db_copy = False
    rp = newest(world, "prod", "prod-vault", "RDS")
    return rp, world.vault_arn("backup", "dr-eu-north-1", world.info.dr_region)


def two_hops(world: World, report: CheckReport) -> tuple[str, str]:
    """Repair by route: hop 1 across accounts in the source Region, hop 2 across Regions."""
    hop1 = check(
        world, report.recovery_point_arn, world.vault_arn("backup", "central-eu-central-1")
    )
    assert failing(hop1) == [], failing(hop1)
    first = copy_in_sandbox(world, hop1)
    assert first.state == "COMPLETED", first
    assert first.destination_recovery_point
    return first.destination_recovery_point, str(report.destination)


def back_up_prod_dynamodb(world: World) -> str:
    """A new backup of prod's DynamoDB table, made with the Region's setting as it is now: a
    backup keeps for ever whether it had advanced DynamoDB features (its ARN form says it)."""
    prod = world.account("prod")
    backup = world.client("backup", prod)
    table = backup.describe_recovery_point(
        BackupVaultName="prod-vault",
        RecoveryPointArn=newest(world, "prod", "prod-vault", "DynamoDB"),
    )["ResourceArn"]
    return backed_up_in_prod(world, table)


def dynamodb_setting(world: World, advanced: bool) -> None:
    world.client("backup", world.account("prod")).update_region_settings(
        ResourceTypeManagementPreference={"DynamoDB": advanced}
    )


def meet_dynamodb_cross_region(world: World) -> tuple[str, str]:
    dynamodb_setting(world, False)
    rp = back_up_prod_dynamodb(world)
    assert rp.startswith("arn:aws:dynamodb:"), rp
    return rp, world.vault_arn("backup", "dr-eu-north-1", world.info.dr_region)


def meet_dynamodb_cross_account(world: World) -> tuple[str, str]:
    dynamodb_setting(world, False)
    rp = back_up_prod_dynamodb(world)
    return rp, world.vault_arn("backup", "central-eu-central-1")


def meet_dynamodb_within_account_and_region(world: World) -> tuple[str, str]:
    """A type that copies neither across Regions nor across accounts copies nowhere at all."""
    dynamodb_setting(world, False)
    rp = back_up_prod_dynamodb(world)
    backup = world.client("backup", world.account("prod"))
    with contextlib.suppress(ClientError):
        backup.create_backup_vault(BackupVaultName="prod-second-vault")
    return rp, world.vault_arn("prod", "prod-second-vault")


def meet_efs_into_default_vault(world: World) -> tuple[str, str]:
    """Another account's Default vault, even with an access policy allowing the copy."""
    backup = world.client("backup", world.account("backup"))
    with contextlib.suppress(ClientError):
        create_vault(backup, "Default", None, org_wide_access_policy(world.info.org_id))
    return newest(world, "prod", "prod-vault", "EFS"), world.vault_arn("backup", "Default")


def turn_on_dynamodb_advanced(world: World, report: CheckReport) -> tuple[str, str]:
    """Turning the features on does not change the backup already made: a new one has them."""
    dynamodb_setting(world, True)
    rp = back_up_prod_dynamodb(world)
    assert ":recovery-point:" in rp, rp
    return rp, str(report.destination)


def meet_disabled_source_key(world: World) -> tuple[str, str]:
    kms = world.client("kms", world.account("prod"))
    kms.disable_key(KeyId=kms.describe_key(KeyId="alias/prod-data")["KeyMetadata"]["KeyId"])
    rp = newest(world, "prod", "prod-vault", "EBS", "prod-web-data")
    return rp, world.vault_arn("backup", "central-eu-central-1")


def enable_source_key(world: World, report: CheckReport) -> tuple[str, str]:
    kms = world.client("kms", world.account("prod"))
    kms.enable_key(KeyId=kms.describe_key(KeyId="alias/prod-data")["KeyMetadata"]["KeyId"])
    return report.recovery_point_arn, str(report.destination)


def meet_vault_lock(world: World) -> tuple[str, str]:
    backup = world.client("backup", world.account("backup"))
    key = world.client("kms", world.account("backup")).describe_key(KeyId="alias/backup-vault-key")
    backup.create_backup_vault(
        BackupVaultName="locked-vault", EncryptionKeyArn=key["KeyMetadata"]["Arn"]
    )
    central = backup.get_backup_vault_access_policy(BackupVaultName="central-eu-central-1")
    backup.put_backup_vault_access_policy(BackupVaultName="locked-vault", Policy=central["Policy"])
    backup.put_backup_vault_lock_configuration(
        BackupVaultName="locked-vault", MinRetentionDays=7, MaxRetentionDays=30
    )
    rp = newest(world, "prod", "prod-vault", "EBS", "prod-web-data")
    return rp, world.vault_arn("backup", "locked-vault")


UNTRUSTING_ROLE = "copy-role-for-ec2"


def meet_untrusted_copy_role(world: World) -> tuple[str, str]:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam = world.client("iam", world.account("prod"))
    iam.create_role(RoleName=UNTRUSTING_ROLE, AssumeRolePolicyDocument=json.dumps(trust))
    iam.attach_role_policy(RoleName=UNTRUSTING_ROLE, PolicyArn=COPY_POLICY_ARN)
    rp = newest(world, "prod", "prod-vault", "EBS", "prod-web-data")
    return rp, world.vault_arn("backup", "central-eu-central-1")


def trust_backup(world: World, report: CheckReport) -> tuple[str, str]:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "backup.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    world.client("iam", world.account("prod")).update_assume_role_policy(
        RoleName=UNTRUSTING_ROLE, PolicyDocument=json.dumps(trust)
    )
    return report.recovery_point_arn, str(report.destination)


def meet_missing_vault(world: World) -> tuple[str, str]:
    rp = newest(world, "prod", "prod-vault", "EBS", "prod-web-data")
    return rp, world.vault_arn("backup", "not-created-yet")


def create_the_vault(world: World, report: CheckReport) -> tuple[str, str]:
    backup = world.client("backup", world.account("backup"))
    key = world.client("kms", world.account("backup")).describe_key(KeyId="alias/backup-vault-key")
    backup.create_backup_vault(
        BackupVaultName="not-created-yet", EncryptionKeyArn=key["KeyMetadata"]["Arn"]
    )
    central = backup.get_backup_vault_access_policy(BackupVaultName="central-eu-central-1")
    backup.put_backup_vault_access_policy(
        BackupVaultName="not-created-yet", Policy=central["Policy"]
    )
    return report.recovery_point_arn, str(report.destination)


def not_ready(status: str) -> Callable[[World], str]:
    """A recovery point of prod-web-data's volume in `status`, beside its newest COMPLETED one."""

    def meet(world: World) -> str:
        ready = newest(world, "prod", "prod-vault", "EBS", "prod-web-data")
        backup = world.client("backup", world.account("prod"))
        point = backup.describe_recovery_point(BackupVaultName="prod-vault", RecoveryPointArn=ready)
        return seed_recovery_point(
            world.account("prod"),
            world.info.region,
            "prod-vault",
            resource_arn=point["ResourceArn"],
            resource_type="EBS",
            resource_name="prod-web-data",
            created=point["CreationDate"],
            encryption_key_arn=point.get("EncryptionKeyArn"),
            size_bytes=point.get("BackupSizeInBytes") or 2**30,
            delete_after_days=35,
            status=status,
        )

    return meet


def meet_expired_point(world: World) -> tuple[str, str]:
    return not_ready("EXPIRED")(world), world.vault_arn("backup", "central-eu-central-1")


def meet_option_group_across_regions(world: World) -> tuple[str, str]:
    """An Oracle DB snapshot whose option group holds Timezone (persistent), copied into prod's
    vault in the DR Region, where prod has no such option group."""
    prod = world.account("prod")
    option_group(world.client("rds", prod), "agreement-tz", TIMEZONE)
    rp = backed_up_database(world.sandbox, prod, world.info.region, "agreement-db", "agreement-tz")
    return rp, world.vault_arn("prod", "prod-vault", world.info.dr_region)


def option_group_in_destination(world: World, report: CheckReport) -> tuple[str, str]:
    """The remedy: the same option group made in the destination account and Region."""
    rds = world.client("rds", report.facts.dest_account_id, report.facts.dest_region)
    option_group(rds, "agreement-tz", TIMEZONE)
    return report.recovery_point_arn, str(report.destination)


def newest_completed(world: World, report: CheckReport) -> tuple[str, str]:
    """The remedy: the resource's newest COMPLETED recovery point."""
    return newest(world, "prod", "prod-vault", "EBS", "prod-web-data"), str(report.destination)


COPY_SCP_NAME = "CopyGuardInProd"


def attach_scp_to_prods_ou(world: World, name: str, statement: dict[str, Any]) -> None:
    """An SCP holding `statement` on prod's OU (SCPs enabled at the root)."""
    orgs = world.client("organizations", world.account("management"))
    root = orgs.list_roots()["Roots"][0]["Id"]
    with contextlib.suppress(orgs.exceptions.PolicyTypeAlreadyEnabledException):
        orgs.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    ou = orgs.list_parents(ChildId=world.account("prod"))["Parents"][0]["Id"]
    policy = orgs.create_policy(
        Name=name,
        Description="copy guard",
        Type="SERVICE_CONTROL_POLICY",
        Content=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )["Policy"]["PolicySummary"]["Id"]
    orgs.attach_policy(PolicyId=policy, TargetId=ou)


def meet_scp_denying_start_copy_job(world: World) -> tuple[str, str]:
    deny = {"Effect": "Deny", "Action": "backup:StartCopyJob", "Resource": "*"}
    attach_scp_to_prods_ou(world, COPY_SCP_NAME, deny)
    rp = newest(world, "prod", "prod-vault", "EBS", "prod-web-data")
    return rp, world.vault_arn("backup", "central-eu-central-1")


def meet_scp_limiting_copy_targets(world: World) -> tuple[str, str]:
    """AWS's own example (seeds/aws-backup-docs-cross-account.txt): copies out of prod only to
    accounts of the Non-Prod OU path, by backup:CopyTargetOrgPaths; the backup account is not
    in it."""
    orgs = world.client("organizations", world.account("management"))
    qa_ou = orgs.list_parents(ChildId=world.account("qa"))["Parents"][0]["Id"]
    root = orgs.list_roots()["Roots"][0]["Id"]
    deny = {
        "Effect": "Deny",
        "Action": "backup:CopyFromBackupVault",
        "Resource": "*",
        "Condition": {
            "ForAllValues:StringNotLike": {
                "backup:CopyTargetOrgPaths": [f"{world.info.org_id}/{root}/*/{qa_ou}/*"]
            }
        },
    }
    attach_scp_to_prods_ou(world, COPY_SCP_NAME, deny)
    rp = newest(world, "prod", "prod-vault", "EBS", "prod-web-data")
    return rp, world.vault_arn("backup", "central-eu-central-1")


def detach_the_copy_scp(world: World, report: CheckReport) -> tuple[str, str]:
    orgs = world.client("organizations", world.account("management"))
    policy = next(
        p
        for p in orgs.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]
        if p["Name"] == COPY_SCP_NAME
    )
    for target in orgs.list_targets_for_policy(PolicyId=policy["Id"])["Targets"]:
        orgs.detach_policy(PolicyId=policy["Id"], TargetId=target["TargetId"])
    orgs.delete_policy(PolicyId=policy["Id"])
    return report.recovery_point_arn, str(report.destination)


def identity_perimeter(world: World, services_exempt: bool) -> str:
    """A data perimeter RCP: sts:AssumeRole only by principals of the organization; AWS's own
    example exempts AWS services (aws:PrincipalIsAWSService), the faulty one does not."""
    condition: dict[str, Any] = {
        "StringNotEqualsIfExists": {"aws:PrincipalOrgID": world.info.org_id}
    }
    if services_exempt:
        condition["BoolIfExists"] = {"aws:PrincipalIsAWSService": "false"}
    statement = {
        "Sid": "EnforceOrgIdentities", "Effect": "Deny", "Principal": "*",
        "Action": "sts:AssumeRole", "Resource": "*", "Condition": condition,
    }  # fmt: skip
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def attach_perimeter_to_prods_ou(world: World, name: str) -> None:
    """The identity perimeter without the AWS services' exemption, as the RCP `name` on prod's
    OU (RCPs enabled at the root)."""
    orgs = world.client("organizations", world.account("management"))
    root = orgs.list_roots()["Roots"][0]["Id"]
    with contextlib.suppress(orgs.exceptions.PolicyTypeAlreadyEnabledException):
        orgs.enable_policy_type(RootId=root, PolicyType="RESOURCE_CONTROL_POLICY")
    ou = orgs.list_parents(ChildId=world.account("prod"))["Parents"][0]["Id"]
    policy = orgs.create_policy(
        Name=name, Description="identity perimeter", Type="RESOURCE_CONTROL_POLICY",
        Content=identity_perimeter(world, services_exempt=False),
    )["Policy"]["PolicySummary"]["Id"]  # fmt: skip
    orgs.attach_policy(PolicyId=policy, TargetId=ou)


def exempt_aws_services(world: World, name: str) -> None:
    """The RCP `name` rewritten as AWS's data perimeter example writes it."""
    orgs = world.client("organizations", world.account("management"))
    policy = next(
        p
        for p in orgs.list_policies(Filter="RESOURCE_CONTROL_POLICY")["Policies"]
        if p["Name"] == name
    )
    orgs.update_policy(PolicyId=policy["Id"], Content=identity_perimeter(world, True))


COPY_RCP_NAME, RESTORE_RCP_NAME = "CopyRolePerimeter", "RestoreRolePerimeter"


def meet_rcp_refusing_the_copy_role(world: World) -> tuple[str, str]:
    attach_perimeter_to_prods_ou(world, COPY_RCP_NAME)
    rp = newest(world, "prod", "prod-vault", "EBS", "prod-web-data")
    return rp, world.vault_arn("backup", "central-eu-central-1")


def exempt_services_from_the_copy_rcp(world: World, report: CheckReport) -> tuple[str, str]:
    exempt_aws_services(world, COPY_RCP_NAME)
    return report.recovery_point_arn, str(report.destination)


BOUNDED_COPY_ROLE = "BoundedCopyRole"
DENIED_COPY_ROLE = "CopyIntoDeniedRole"


def meet_copy_boundary_without_copy_into(world: World) -> tuple[str, str]:
    """prod's copy role with AWS's copy policy, bounded by a policy allowing
    CopyFromBackupVault but not CopyIntoBackupVault."""
    backup_role(world, "prod", BOUNDED_COPY_ROLE, (COPY_POLICY_ARN,))
    iam = world.client("iam", world.account("prod"))
    bound = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["backup:CopyFromBackupVault", "ec2:*", "kms:*"],
             "Resource": "*"},
        ],
    }  # fmt: skip
    arn = iam.create_policy(PolicyName="NoCopiesInto", PolicyDocument=json.dumps(bound))
    iam.put_role_permissions_boundary(
        RoleName=BOUNDED_COPY_ROLE, PermissionsBoundary=arn["Policy"]["Arn"]
    )
    rp = newest(world, "prod", "prod-vault", "EBS", "prod-web-data")
    return rp, world.vault_arn("backup", "central-eu-central-1")


def remove_the_copy_boundary(world: World, report: CheckReport) -> tuple[str, str]:
    iam = world.client("iam", world.account("prod"))
    iam.delete_role_permissions_boundary(RoleName=BOUNDED_COPY_ROLE)
    return report.recovery_point_arn, str(report.destination)


def meet_inline_deny_of_copy_into(world: World) -> tuple[str, str]:
    """prod's copy role with AWS's copy policy and an inline policy denying
    CopyIntoBackupVault."""
    backup_role(world, "prod", DENIED_COPY_ROLE, (COPY_POLICY_ARN,))
    deny = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "backup:CopyIntoBackupVault", "Resource": "*"}],
    }
    world.client("iam", world.account("prod")).put_role_policy(
        RoleName=DENIED_COPY_ROLE, PolicyName="NoCopiesInto", PolicyDocument=json.dumps(deny)
    )
    rp = newest(world, "prod", "prod-vault", "EBS", "prod-web-data")
    return rp, world.vault_arn("backup", "central-eu-central-1")


def delete_the_copy_deny(world: World, report: CheckReport) -> tuple[str, str]:
    iam = world.client("iam", world.account("prod"))
    iam.delete_role_policy(RoleName=DENIED_COPY_ROLE, PolicyName="NoCopiesInto")
    return report.recovery_point_arn, str(report.destination)


ALLOWLESS_COPY_ROLE = "CopyRoleAllowingNothing"


def meet_copy_role_allowing_nothing(world: World) -> tuple[str, str]:
    """prod's copy role trusted by AWS Backup whose only policy allows no Backup action: IAM
    denies its CopyFromBackupVault and CopyIntoBackupVault for want of an Allow."""
    backup_role(world, "prod", ALLOWLESS_COPY_ROLE)
    unrelated = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "ec2:DescribeSnapshots", "Resource": "*"}],
    }
    world.client("iam", world.account("prod")).put_role_policy(
        RoleName=ALLOWLESS_COPY_ROLE, PolicyName="ReadSnapshots",
        PolicyDocument=json.dumps(unrelated),
    )  # fmt: skip
    rp = newest(world, "prod", "prod-vault", "EBS", "prod-web-data")
    return rp, world.vault_arn("backup", "central-eu-central-1")


def attach_the_copy_policy(world: World, report: CheckReport) -> tuple[str, str]:
    iam = world.client("iam", world.account("prod"))
    iam.attach_role_policy(RoleName=ALLOWLESS_COPY_ROLE, PolicyArn=COPY_POLICY_ARN)
    return report.recovery_point_arn, str(report.destination)


CASES = [
    Case("demo: vault_aws_managed_key", CauseCode.DEST_VAULT_AWS_MANAGED_KEY,
         fault_pair("vault_aws_managed_key"), to_vault("qa", "qa-vault"),
         repair_is="by hand: copy into qa-vault (customer managed key)"),
    Case("demo: vault_without_access_policy", CauseCode.VAULT_POLICY_DENIES_COPY,
         fault_pair("vault_without_access_policy"), by_fix(remedies.FIX_VAULT_POLICY),
         repair_is="drconsole fix"),
    Case("demo: source_key_not_shared", CauseCode.SOURCE_KEY_NOT_SHARED,
         fault_pair("source_key_not_shared"), by_fix(remedies.FIX_KEY_POLICY),
         repair_is="drconsole fix"),
    Case("demo: aws_managed_resource_key", CauseCode.AWS_MANAGED_RESOURCE_KEY,
         fault_pair("aws_managed_resource_key"), reencrypt_with_customer_key,
         repair_is="by hand: volume on a customer managed key, new backup"),
    Case("demo: service_linked_role_missing", CauseCode.SERVICE_LINKED_ROLE_MISSING,
         fault_pair("service_linked_role_missing"), by_fix(remedies.FIX_SERVICE_LINKED_ROLE),
         repair_is="drconsole fix"),
    Case("cross-account disabled", CauseCode.CROSS_ACCOUNT_DISABLED,
         meet_cross_account_disabled, by_fix(remedies.FIX_CROSS_ACCOUNT),
         repair_is="drconsole fix"),
    Case("not same organization", CauseCode.NOT_SAME_ORG, meet_not_same_org,
         into_new_org_account, repair_is="by hand: same setup in an org account"),
    Case("vault policy denies", CauseCode.VAULT_POLICY_DENIES_COPY, meet_vault_policy_denies,
         drop_deny_statement, repair_is="by hand: deny statement removed"),
    Case("RDS into aws/backup vault", CauseCode.DEST_VAULT_AWS_MANAGED_KEY,
         meet_rds_into_aws_managed_vault, to_vault("backup", "central-eu-central-1"),
         repair_is="by hand: copy into the CMK vault"),
    Case("RDS cross-account+Region, no single action", CauseCode.UNSUPPORTED_COPY_ROUTE,
         meet_rds_two_regions, two_hops, status=CheckStatus.WARN,
         repair_is="two hops", copies_after_repair=2),
    Case("DynamoDB cross-Region, no advanced", CauseCode.UNSUPPORTED_COPY_ROUTE,
         meet_dynamodb_cross_region, turn_on_dynamodb_advanced,
         repair_is="by hand: advanced features on, new backup"),
    Case("DynamoDB cross-account, no advanced", CauseCode.UNSUPPORTED_COPY_ROUTE,
         meet_dynamodb_cross_account, turn_on_dynamodb_advanced,
         repair_is="by hand: advanced features on, new backup"),
    Case("DynamoDB same account and Region, no advanced", CauseCode.UNSUPPORTED_COPY_ROUTE,
         meet_dynamodb_within_account_and_region, turn_on_dynamodb_advanced,
         repair_is="by hand: advanced features on, new backup"),
    Case("EFS into another account's Default vault", CauseCode.DEST_VAULT_AWS_MANAGED_KEY,
         meet_efs_into_default_vault, to_vault("backup", "central-eu-central-1"),
         repair_is="by hand: copy into the CMK vault"),
    Case("copy kept past a locked vault's max", CauseCode.VAULT_LOCK_RETENTION, meet_vault_lock,
         lambda world, report: (report.recovery_point_arn, str(report.destination)),
         after_options={"delete_after_days": 14},
         repair_is="copy with DeleteAfterDays=14"),
    Case("copy role not trusted by AWS Backup", CauseCode.ROLE_PERMISSIONS,
         meet_untrusted_copy_role, trust_backup, repair_is="by hand: trust policy fixed",
         before_options={"role_arn": f"arn:aws:iam::{{prod}}:role/{UNTRUSTING_ROLE}"},
         after_options={"role_arn": f"arn:aws:iam::{{prod}}:role/{UNTRUSTING_ROLE}"}),
    Case("destination vault missing", CauseCode.VAULT_POLICY_DENIES_COPY, meet_missing_vault,
         create_the_vault, repair_is="by hand: vault created with CMK and policy"),
    Case("source key disabled", CauseCode.KMS_KEY_UNUSABLE, meet_disabled_source_key,
         enable_source_key, repair_is="by hand: kms enable-key"),
    Case("EC2: an AMI snapshot on aws/ebs", CauseCode.AWS_MANAGED_RESOURCE_KEY,
         meet_ami_data_volume_on_aws_ebs, reencrypt_the_instance,
         repair_is="by hand: the data volume on a customer managed key, backed up anew"),
    Case("EC2: an AMI snapshot on an unshared key", CauseCode.SOURCE_KEY_NOT_SHARED,
         meet_ami_data_volume_on_unshared_key, share_the_app_data_key,
         repair_is="by hand: that key's policy shared with the backup account"),
    Case("RDS option group across Regions", CauseCode.RDS_OPTION_GROUP,
         meet_option_group_across_regions, option_group_in_destination,
         repair_is="by hand: option group made in the destination Region"),
    Case("copy: RCP refuses AWS Backup the role", CauseCode.ROLE_PERMISSIONS,
         meet_rcp_refusing_the_copy_role, exempt_services_from_the_copy_rcp,
         repair_is="by hand: aws:PrincipalIsAWSService exempted in the RCP"),
    Case("copy: SCP denies StartCopyJob", CauseCode.ROLE_PERMISSIONS,
         meet_scp_denying_start_copy_job, detach_the_copy_scp,
         repair_is="by hand: the SCP detached"),
    # The job's message is the one AWS gives a copy denied CopyIntoBackupVault, by the vault's
    # policy or the role's: explain, reading it alone, names the vault first; a flow whose
    # dest.access-policy passed narrows it to the role (tests/test_cli_copy_role_guards.py).
    Case("copy: SCP limits CopyTargetOrgPaths", CauseCode.ROLE_PERMISSIONS,
         meet_scp_limiting_copy_targets, detach_the_copy_scp,
         explained=CauseCode.VAULT_POLICY_DENIES_COPY,
         repair_is="by hand: the SCP detached"),
    Case("copy: boundary bars CopyIntoBackupVault", CauseCode.ROLE_PERMISSIONS,
         meet_copy_boundary_without_copy_into, remove_the_copy_boundary,
         explained=CauseCode.VAULT_POLICY_DENIES_COPY,
         before_options={"role_arn": f"arn:aws:iam::{{prod}}:role/{BOUNDED_COPY_ROLE}"},
         after_options={"role_arn": f"arn:aws:iam::{{prod}}:role/{BOUNDED_COPY_ROLE}"},
         repair_is="by hand: the boundary removed"),
    Case("copy: inline Deny of CopyIntoBackupVault", CauseCode.ROLE_PERMISSIONS,
         meet_inline_deny_of_copy_into, delete_the_copy_deny,
         explained=CauseCode.VAULT_POLICY_DENIES_COPY,
         before_options={"role_arn": f"arn:aws:iam::{{prod}}:role/{DENIED_COPY_ROLE}"},
         after_options={"role_arn": f"arn:aws:iam::{{prod}}:role/{DENIED_COPY_ROLE}"},
         repair_is="by hand: the inline Deny deleted"),
    Case("copy: role allows nothing", CauseCode.ROLE_PERMISSIONS,
         meet_copy_role_allowing_nothing, attach_the_copy_policy,
         explained=CauseCode.VAULT_POLICY_DENIES_COPY,
         before_options={"role_arn": f"arn:aws:iam::{{prod}}:role/{ALLOWLESS_COPY_ROLE}"},
         after_options={"role_arn": f"arn:aws:iam::{{prod}}:role/{ALLOWLESS_COPY_ROLE}"},
         repair_is="by hand: AWSBackupServiceRolePolicyForBackup attached"),
    # AWS publishes no wording for StartCopyJob's refusal of an EXPIRED point: explain says
    # UNKNOWN rather than guess at the sandbox's own.
    Case("recovery point EXPIRED", CauseCode.UNSUPPORTED_COPY_ROUTE, meet_expired_point,
         newest_completed, explained=CauseCode.UNKNOWN,
         repair_is="the resource's newest COMPLETED point"),
]  # fmt: skip

MATRIX: list[tuple[str, ...]] = []


def fill(options: dict[str, Any], accounts: dict[str, str]) -> dict[str, Any]:
    """Options with `{prod}`-style account placeholders filled in."""
    return {k: v.format(**accounts) if isinstance(v, str) else v for k, v in options.items()}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_checks_agree_with_the_sandbox(world: World, case: Case) -> None:
    rp, dest = case.meet(world)
    accounts = world.info.accounts
    before = check(world, rp, dest, **fill(case.before_options, accounts))
    flagged = [c for c in before.checks if c.cause is case.cause and c.status is case.status]
    others = [c for c in before.checks if c.status is not CheckStatus.PASS and c not in flagged]
    assert flagged, f"{case.name}: expected {case.status} {case.cause}, got {failing(before)}"
    assert others == [], f"{case.name}: unrelated findings {failing(before)}"
    assert not before.ok or case.status is CheckStatus.WARN

    outcome = copy_in_sandbox(world, before)
    assert outcome.state in ("FAILED", "REFUSED"), outcome
    diagnosis = diagnose(outcome.message)
    explained = diagnosis.cause
    expected = case.explained or case.cause
    assert explained is expected, f"explain({outcome.message!r}) -> {explained}"
    if explained is not CauseCode.UNKNOWN:
        # Where AWS's text cannot tell the check's cause from explain's, explain names both.
        assert case.cause in (explained, *diagnosis.also), diagnosis

    rp_after, dest_after = case.repair(world, before)
    after = check(world, rp_after, dest_after, **fill(case.after_options, accounts))
    assert all(c.status is CheckStatus.PASS for c in after.checks), failing(after)
    repaired = copy_in_sandbox(world, after)
    assert repaired.state == "COMPLETED", repaired

    world.sandbox.options.single_action_db_copy = True
    MATRIX.append(
        (
            case.name,
            f"{flagged[0].status.value} {flagged[0].cause}",
            f"{outcome.state}: {outcome.message[:60]}",
            str(explained),
            f"all PASS, {case.copies_after_repair} copy COMPLETED ({case.repair_is})",
        )
    )


# --- Restores -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreSetup:
    """What to restore, where, with which role and metadata overrides."""

    recovery_point: str
    account: str | None = None
    role_arn: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    operator: str | None = None  # the role drconsole reaches the member account through


@dataclass(frozen=True)
class RestoreCase:
    """A restore fault: the check that catches it, the cause, and its repair."""

    name: str
    check_id: str
    cause: CauseCode | None
    meet: Callable[[World], RestoreSetup]
    repair: Callable[[World, RestoreSetup], RestoreSetup]
    repair_is: str
    explained: CauseCode | None = None  # what `explain` says, when it knows more than the check


def as_sent(facts: RestoreFacts) -> dict[str, str]:
    """The checked metadata without the keys of AWS's that the restore form leaves out for
    these values (the source's network interfaces beside a subnet of the restore's own)."""
    assert isinstance(facts.metadata, dict)
    resource_type = facts.recovery_point.resource_type
    if resource_type not in forms.FIELDS or facts.aws_metadata is None:
        return facts.metadata
    form = forms.build_form(resource_type, facts.aws_metadata, facts.recovery_point.region, "x")
    values = {
        k: v
        for k, v in facts.metadata.items()
        if k not in form.passthrough or k in facts.user_metadata_keys
    }
    left_out = metadata_rules.dropped_keys(resource_type, form.passthrough, form.defaults, values)
    return {k: v for k, v in facts.metadata.items() if k not in left_out}


def restore_in_sandbox(
    world: World, report: CheckReport, operator: str | None = None
) -> CopyOutcome:
    """StartRestoreJob as the restoring account (through `operator` when given) with the
    checked metadata, then wait."""
    facts = report.facts
    assert isinstance(facts, RestoreFacts) and isinstance(facts.metadata, dict)
    where = (facts.restoring_account_id, facts.recovery_point.region)
    backup = (
        world.sessions_for(operator).client("backup", account_id=where[0], region=where[1])
        if operator
        else world.client("backup", *where)
    )
    try:
        job_id = backup.start_restore_job(
            RecoveryPointArn=facts.recovery_point.arn,
            Metadata=as_sent(facts),
            IamRoleArn=facts.role_arn,
        )["RestoreJobId"]
    except ClientError as error:
        return CopyOutcome("REFUSED", error.response["Error"]["Message"])
    for _ in range(1200):
        job = backup.describe_restore_job(RestoreJobId=job_id)
        if job["Status"] in FINISHED:
            return CopyOutcome(job["Status"], job.get("StatusMessage", ""))
        time.sleep(0.05)
    raise AssertionError(f"restore job {job_id} did not finish")


def check_restore(world: World, setup: RestoreSetup) -> CheckReport:
    return run_restore_checks(
        world.sessions_for(setup.operator),
        setup.recovery_point,
        restoring_account=setup.account,
        role_arn=setup.role_arn,
        metadata=setup.metadata,
    )


def backup_role(world: World, role: str, name: str, policies: tuple[str, ...] = ()) -> str:
    """A role trusted by AWS Backup with the given managed policies."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "backup.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam = world.client("iam", world.account(role))
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    for policy in policies:
        iam.attach_role_policy(RoleName=name, PolicyArn=policy)
    return str(arn)


def meet_cross_account_restore(world: World) -> RestoreSetup:
    rp = world.info.fault_recovery_points["vault_without_access_policy"]  # qa's DB, in backup
    return RestoreSetup(rp, account=world.account("qa"))


def copy_back_first(world: World, setup: RestoreSetup) -> RestoreSetup:
    """The remediation: copy into the restoring account, then restore the copy there."""
    hop = check(world, setup.recovery_point, world.vault_arn("qa", "qa-vault"))
    assert failing(hop) == [], failing(hop)
    copied = copy_in_sandbox(world, hop)
    assert copied.state == "COMPLETED" and copied.destination_recovery_point, copied
    return RestoreSetup(
        copied.destination_recovery_point,
        metadata={"DBInstanceIdentifier": "qa-orders-db-restored"},
    )


def meet_untrusted_restore_role(world: World) -> RestoreSetup:
    role = backup_role(world, "prod", "restore-untrusted", (RESTORE_POLICY_ARN,))
    world.client("iam", world.account("prod")).update_assume_role_policy(
        RoleName="restore-untrusted",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "ec2.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )
    return RestoreSetup(newest(world, "prod", "prod-vault", "EBS", "prod-web-data"), role_arn=role)


def with_default_role(world: World, setup: RestoreSetup) -> RestoreSetup:
    return RestoreSetup(setup.recovery_point, metadata=setup.metadata)


def meet_rcp_refusing_the_restore_role(world: World) -> RestoreSetup:
    attach_perimeter_to_prods_ou(world, RESTORE_RCP_NAME)
    return RestoreSetup(newest(world, "prod", "prod-vault", "EBS", "prod-web-data"))


def exempt_services_from_the_restore_rcp(world: World, setup: RestoreSetup) -> RestoreSetup:
    exempt_aws_services(world, RESTORE_RCP_NAME)
    return setup


def meet_s3_role_without_s3_policy(world: World) -> RestoreSetup:
    role = backup_role(world, "prod", "restore-no-s3", (RESTORE_POLICY_ARN,))
    return RestoreSetup(
        newest(world, "prod", "prod-vault", "S3"),
        role_arn=role,
        metadata={"DestinationBucketName": "prod-assets-restored", "NewBucket": "true"},
    )


def attach_s3_restore_policy(world: World, setup: RestoreSetup) -> RestoreSetup:
    world.client("iam", world.account("prod")).attach_role_policy(
        RoleName="restore-no-s3", PolicyArn=S3_RESTORE_POLICY_ARN
    )
    return setup


def meet_table_exists(world: World) -> RestoreSetup:
    # The original's own name, asked for (a restore given no name creates a new one).
    rp = newest(world, "prod", "prod-vault", "DynamoDB")
    return RestoreSetup(rp, metadata={"targetTableName": "prod-sessions"})


def new_table_name(world: World, setup: RestoreSetup) -> RestoreSetup:
    return RestoreSetup(
        setup.recovery_point, metadata={"targetTableName": "prod-sessions-restored"}
    )


def meet_missing_metadata(world: World) -> RestoreSetup:
    rp = newest(world, "prod", "prod-vault", "EBS", "prod-web-data")
    return RestoreSetup(rp, metadata={"availabilityZone": ""})


def give_the_zone(world: World, setup: RestoreSetup) -> RestoreSetup:
    zone = f"{world.info.region}b"
    return RestoreSetup(setup.recovery_point, metadata={"availabilityZone": zone})


def meet_restore_key_disabled(world: World) -> RestoreSetup:
    meet_disabled_source_key(world)
    return RestoreSetup(newest(world, "prod", "prod-vault", "EBS", "prod-web-data"))


def enable_restore_key(world: World, setup: RestoreSetup) -> RestoreSetup:
    kms = world.client("kms", world.account("prod"))
    kms.enable_key(KeyId=kms.describe_key(KeyId="alias/prod-data")["KeyMetadata"]["KeyId"])
    return setup


def isolated(world: World) -> dict[str, str]:
    """The demo's second VPC in prod: its id, subnets by zone letter, and security group."""
    ec2 = world.client("ec2", world.account("prod"))
    name = [{"Name": "tag:Name", "Values": ["prod-isolated"]}]
    vpc = ec2.describe_vpcs(Filters=name)["Vpcs"][0]["VpcId"]
    in_vpc = [{"Name": "vpc-id", "Values": [vpc]}]
    found = {"vpc": vpc}
    for subnet in ec2.describe_subnets(Filters=in_vpc)["Subnets"]:
        found[subnet["AvailabilityZone"][-1]] = subnet["SubnetId"]
    groups = ec2.describe_security_groups(Filters=in_vpc)["SecurityGroups"]
    found["sg"] = next(g["GroupId"] for g in groups if g["GroupName"] == "prod-isolated-app")
    return found


def zone(world: World, letter: str) -> str:
    return json.dumps({"AvailabilityZone": f"{world.info.region}{letter}"})


def meet_subnet_of_another_vpc(world: World) -> RestoreSetup:
    """The instance's own security group (default VPC) with a subnet of prod-isolated."""
    rp = newest(world, "prod", "prod-vault", "EC2", "prod-web-1")
    return RestoreSetup(rp, metadata={"SubnetId": isolated(world)["a"]})


def with_its_security_group(world: World, setup: RestoreSetup) -> RestoreSetup:
    groups = json.dumps([isolated(world)["sg"]])
    return RestoreSetup(
        setup.recovery_point, metadata={**setup.metadata, "SecurityGroupIds": groups}
    )


def meet_zone_of_another_subnet(world: World) -> RestoreSetup:
    """Subnet prod-isolated-b, but the instance's own placement (zone a)."""
    net = isolated(world)
    rp = newest(world, "prod", "prod-vault", "EC2", "prod-web-1")
    groups = json.dumps([net["sg"]])
    return RestoreSetup(rp, metadata={"SubnetId": net["b"], "SecurityGroupIds": groups})


def placed_in_its_zone(world: World, setup: RestoreSetup) -> RestoreSetup:
    return RestoreSetup(
        setup.recovery_point, metadata={**setup.metadata, "Placement": zone(world, "b")}
    )


def meet_db_group_of_another_vpc(world: World) -> RestoreSetup:
    rp = newest(world, "prod", "prod-vault", "RDS")
    groups = json.dumps([isolated(world)["sg"]])
    names = {"DBInstanceIdentifier": "prod-orders-db-isolated", "VpcSecurityGroupIds": groups}
    return RestoreSetup(rp, metadata=names)


def into_its_subnet_group(world: World, setup: RestoreSetup) -> RestoreSetup:
    metadata = {**setup.metadata, "DBSubnetGroupName": "prod-isolated-db"}
    return RestoreSetup(setup.recovery_point, metadata=metadata)


def meet_option_group_of_another_vpc(world: World) -> RestoreSetup:
    rp = newest(world, "prod", "prod-vault", "RDS")
    names = {
        "DBInstanceIdentifier": "prod-orders-db-options",
        "OptionGroupName": "prod-isolated-options",
    }
    return RestoreSetup(rp, metadata=names)


def into_its_vpc(world: World, setup: RestoreSetup) -> RestoreSetup:
    """The DB subnet group and a security group of the option group's VPC."""
    groups = json.dumps([isolated(world)["sg"]])
    metadata = {**setup.metadata, "DBSubnetGroupName": "prod-isolated-db"}
    return RestoreSetup(setup.recovery_point, metadata={**metadata, "VpcSecurityGroupIds": groups})


def meet_db_name_taken(world: World) -> RestoreSetup:
    rp = newest(world, "prod", "prod-vault", "RDS")
    return RestoreSetup(rp, metadata={"DBInstanceIdentifier": "prod-orders-db-restore-test"})


def another_db_name(world: World, setup: RestoreSetup) -> RestoreSetup:
    return RestoreSetup(setup.recovery_point, metadata={"DBInstanceIdentifier": "prod-orders-db-2"})


def meet_creation_token_taken(world: World) -> RestoreSetup:
    rp = newest(world, "prod", "prod-vault", "EFS")
    return RestoreSetup(
        rp, metadata={"CreationToken": "prod-shared-files", "newFileSystem": "true"}
    )


def another_creation_token(world: World, setup: RestoreSetup) -> RestoreSetup:
    metadata = {**setup.metadata, "CreationToken": "prod-shared-files-restored"}
    return RestoreSetup(setup.recovery_point, metadata=metadata)


def meet_bucket_name_taken(world: World) -> RestoreSetup:
    rp = newest(world, "prod", "prod-vault", "S3")
    return RestoreSetup(rp, metadata={"DestinationBucketName": "qa-assets", "NewBucket": "true"})


def another_bucket_name(world: World, setup: RestoreSetup) -> RestoreSetup:
    metadata = {**setup.metadata, "DestinationBucketName": "prod-assets-restored-2"}
    return RestoreSetup(setup.recovery_point, metadata=metadata)


def meet_older_engine(world: World) -> RestoreSetup:
    """The cluster's snapshot is aurora-postgresql 12.7 (moto's default); 11.9 is asked."""
    rp = newest(world, "prod", "prod-vault", "Aurora")
    names = {"DBClusterIdentifier": "prod-payments-older", "EngineVersion": "11.9"}
    return RestoreSetup(rp, metadata=names)


def meet_engine_not_offered(world: World) -> RestoreSetup:
    rp = newest(world, "prod", "prod-vault", "Aurora")
    names = {"DBClusterIdentifier": "prod-payments-unknown", "EngineVersion": "13.99"}
    return RestoreSetup(rp, metadata=names)


def an_offered_newer_engine(world: World, setup: RestoreSetup) -> RestoreSetup:
    return RestoreSetup(setup.recovery_point, metadata={**setup.metadata, "EngineVersion": "13.12"})


def key_arn(world: World, role: str, alias: str) -> str:
    kms = world.client("kms", world.account(role))
    return str(kms.describe_key(KeyId=alias)["KeyMetadata"]["Arn"])


def meet_key_of_another_account(world: World) -> RestoreSetup:
    """qa's analytics key, shared with nobody, for a volume restored in prod."""
    rp = newest(world, "prod", "prod-vault", "EBS", "prod-web-data")
    return RestoreSetup(rp, metadata={"kmsKeyId": key_arn(world, "qa", "alias/qa-analytics")})


def meet_key_of_another_region(world: World) -> RestoreSetup:
    """prod's own data key, but its eu-north-1 one, for a volume restored in eu-central-1."""
    rp = newest(world, "prod", "prod-vault", "EBS", "prod-web-data")
    kms = world.client("kms", world.account("prod"), "eu-north-1")
    north = kms.describe_key(KeyId="alias/prod-data")["KeyMetadata"]["Arn"]
    return RestoreSetup(rp, metadata={"kmsKeyId": north})


def with_prods_own_key(world: World, setup: RestoreSetup) -> RestoreSetup:
    metadata = {"kmsKeyId": key_arn(world, "prod", "alias/prod-data")}
    return RestoreSetup(setup.recovery_point, metadata=metadata)


OPERATOR = "restore-operator"


def meet_operator_without_pass_role(world: World) -> RestoreSetup:
    """drconsole reaches prod through a role that may restore but not pass roles."""
    trust = trusting(world.account("management"))
    reads = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["backup:*", "iam:Get*", "iam:List*", "iam:Simulate*", "kms:*",
                           "ec2:Describe*", "rds:Describe*", "dynamodb:*", "sts:*"],
                "Resource": "*",
            }
        ],
    }  # fmt: skip
    iam = world.client("iam", world.account("prod"))
    iam.create_role(RoleName=OPERATOR, AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName=OPERATOR, PolicyName="restore", PolicyDocument=json.dumps(reads))
    rp = newest(world, "prod", "prod-vault", "DynamoDB")
    return RestoreSetup(rp, metadata={"targetTableName": "prod-sessions-op"}, operator=OPERATOR)


def let_it_pass_the_role(world: World, setup: RestoreSetup) -> RestoreSetup:
    pass_role = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}],
    }
    world.client("iam", world.account("prod")).put_role_policy(
        RoleName=OPERATOR, PolicyName="pass-role", PolicyDocument=json.dumps(pass_role)
    )
    return setup


BOUNDED_ROLE = "BoundedRestoreRole"


def meet_boundary_without_create_volume(world: World) -> RestoreSetup:
    """A restore role of prod with the restore policy, bounded by a policy that allows AWS
    Backup's calls but not EC2's: its EBS restore cannot create the volume."""
    role = backup_role(world, "prod", BOUNDED_ROLE, (RESTORE_POLICY_ARN,))
    iam = world.client("iam", world.account("prod"))
    bound = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["backup:*", "kms:*"], "Resource": "*"}],
    }
    arn = iam.create_policy(PolicyName="NoVolumes", PolicyDocument=json.dumps(bound))
    iam.put_role_permissions_boundary(
        RoleName=BOUNDED_ROLE, PermissionsBoundary=arn["Policy"]["Arn"]
    )
    rp = newest(world, "prod", "prod-vault", "EBS", "prod-web-data")
    return RestoreSetup(rp, role_arn=role, metadata={"availabilityZone": f"{world.info.region}b"})


def remove_the_boundary(world: World, setup: RestoreSetup) -> RestoreSetup:
    iam = world.client("iam", world.account("prod"))
    iam.delete_role_permissions_boundary(RoleName=BOUNDED_ROLE)
    return setup


GRANTLESS_ROLE = "GrantlessRestoreRole"


def meet_boundary_without_key_grant(world: World) -> RestoreSetup:
    """A restore role of prod with the restore policy, bounded by a policy that allows EC2's
    and AWS Backup's calls and every KMS call but kms:CreateGrant: EBS cannot make the grant on
    the customer managed key of the volume it restores."""
    role = backup_role(world, "prod", GRANTLESS_ROLE, (RESTORE_POLICY_ARN,))
    iam = world.client("iam", world.account("prod"))
    actions = ["backup:*", "ec2:*", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*",
               "kms:ReEncrypt*"]  # fmt: skip
    bound = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
    }
    arn = iam.create_policy(PolicyName="NoGrants", PolicyDocument=json.dumps(bound))
    iam.put_role_permissions_boundary(
        RoleName=GRANTLESS_ROLE, PermissionsBoundary=arn["Policy"]["Arn"]
    )
    rp = newest(world, "prod", "prod-vault", "EBS", "prod-web-data")
    return RestoreSetup(rp, role_arn=role, metadata={"availabilityZone": f"{world.info.region}b"})


def remove_the_grantless_boundary(world: World, setup: RestoreSetup) -> RestoreSetup:
    iam = world.client("iam", world.account("prod"))
    iam.delete_role_permissions_boundary(RoleName=GRANTLESS_ROLE)
    return setup


DENIED_ROLE = "VolumeDeniedRestoreRole"


def meet_inline_deny_of_create_volume(world: World) -> RestoreSetup:
    """A restore role of prod with the restore policy and an inline policy denying
    ec2:CreateVolume: its EBS restore cannot create the volume, whatever AWS's policy allows."""
    role = backup_role(world, "prod", DENIED_ROLE, (RESTORE_POLICY_ARN,))
    deny = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "ec2:CreateVolume", "Resource": "*"}],
    }
    world.client("iam", world.account("prod")).put_role_policy(
        RoleName=DENIED_ROLE, PolicyName="NoVolumes", PolicyDocument=json.dumps(deny)
    )
    rp = newest(world, "prod", "prod-vault", "EBS", "prod-web-data")
    return RestoreSetup(rp, role_arn=role, metadata={"availabilityZone": f"{world.info.region}b"})


def delete_the_inline_deny(world: World, setup: RestoreSetup) -> RestoreSetup:
    iam = world.client("iam", world.account("prod"))
    iam.delete_role_policy(RoleName=DENIED_ROLE, PolicyName="NoVolumes")
    return setup


ALLOWLESS_ROLE = "RestoreRoleAllowingNothing"


def meet_restore_role_allowing_nothing(world: World) -> RestoreSetup:
    """A restore role of prod trusted by AWS Backup whose only policy allows no EC2 call: IAM
    denies its ec2:CreateVolume for want of an Allow."""
    role = backup_role(world, "prod", ALLOWLESS_ROLE)
    unrelated = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "backup:DescribeRestoreJob", "Resource": "*"}],
    }
    world.client("iam", world.account("prod")).put_role_policy(
        RoleName=ALLOWLESS_ROLE, PolicyName="WatchRestores", PolicyDocument=json.dumps(unrelated)
    )
    rp = newest(world, "prod", "prod-vault", "EBS", "prod-web-data")
    return RestoreSetup(rp, role_arn=role, metadata={"availabilityZone": f"{world.info.region}b"})


def attach_the_restore_policy(world: World, setup: RestoreSetup) -> RestoreSetup:
    iam = world.client("iam", world.account("prod"))
    iam.attach_role_policy(RoleName=ALLOWLESS_ROLE, PolicyArn=RESTORE_POLICY_ARN)
    return setup


SCP_NAME = "NoRestoresInProd"


def meet_scp_denying_restores(world: World) -> RestoreSetup:
    """An SCP on prod's OU denying StartRestoreJob (SCPs enabled at the root)."""
    orgs = world.client("organizations", world.account("management"))
    root = orgs.list_roots()["Roots"][0]["Id"]
    with contextlib.suppress(orgs.exceptions.PolicyTypeAlreadyEnabledException):
        orgs.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    ou = orgs.list_parents(ChildId=world.account("prod"))["Parents"][0]["Id"]
    deny = {"Effect": "Deny", "Action": "backup:StartRestoreJob", "Resource": "*"}
    policy = orgs.create_policy(
        Name=SCP_NAME,
        Description="no restores in prod",
        Type="SERVICE_CONTROL_POLICY",
        Content=json.dumps({"Version": "2012-10-17", "Statement": [deny]}),
    )["Policy"]["PolicySummary"]["Id"]
    orgs.attach_policy(PolicyId=policy, TargetId=ou)
    rp = newest(world, "prod", "prod-vault", "EBS", "prod-web-data")
    return RestoreSetup(rp, metadata={"availabilityZone": f"{world.info.region}b"})


def detach_the_scp(world: World, setup: RestoreSetup) -> RestoreSetup:
    orgs = world.client("organizations", world.account("management"))
    policy = next(
        p
        for p in orgs.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]
        if p["Name"] == SCP_NAME
    )
    for target in orgs.list_targets_for_policy(PolicyId=policy["Id"])["Targets"]:
        orgs.detach_policy(PolicyId=policy["Id"], TargetId=target["TargetId"])
    orgs.delete_policy(PolicyId=policy["Id"])
    return setup


def meet_missing_instance_profile(world: World) -> RestoreSetup:
    """prod-web-1's restore naming an instance profile prod does not have."""
    rp = newest(world, "prod", "prod-vault", "EC2", "prod-web-1")
    return RestoreSetup(rp, metadata={"IamInstanceProfileName": "dr-web-gone"})


def without_an_instance_profile(world: World, setup: RestoreSetup) -> RestoreSetup:
    return RestoreSetup(setup.recovery_point, metadata={"IamInstanceProfileName": ""})


def meet_missing_key_pair(world: World) -> RestoreSetup:
    """prod-web-1's restore naming a key pair prod does not have in its Region."""
    rp = newest(world, "prod", "prod-vault", "EC2", "prod-web-1")
    return RestoreSetup(rp, metadata={"KeyName": "dr-web-key-gone"})


def import_the_key_pair(world: World, setup: RestoreSetup) -> RestoreSetup:
    """By hand, as the check's fix says: the key pair imported under that name there."""
    world.client("ec2", world.account("prod")).create_key_pair(KeyName="dr-web-key-gone")
    return setup


def meet_profile_role_not_passable(world: World) -> RestoreSetup:
    """A restore role that may not pass prod-web-profile's role (an explicit Deny)."""
    role = backup_role(world, "prod", "restore-no-pass", (RESTORE_POLICY_ARN,))
    deny = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "iam:PassRole",
                       "Resource": f"arn:aws:iam::{world.account('prod')}:role/prod-web-role"}],
    }  # fmt: skip
    world.client("iam", world.account("prod")).put_role_policy(
        RoleName="restore-no-pass", PolicyName="no-pass", PolicyDocument=json.dumps(deny)
    )
    rp = newest(world, "prod", "prod-vault", "EC2", "prod-web-1")
    return RestoreSetup(rp, role_arn=role)


def drop_the_deny(world: World, setup: RestoreSetup) -> RestoreSetup:
    world.client("iam", world.account("prod")).delete_role_policy(
        RoleName="restore-no-pass", PolicyName="no-pass"
    )
    return setup


NETWORK, TAKEN = CauseCode.RESTORE_NETWORK, CauseCode.RESOURCE_ALREADY_EXISTS


def meet_point_being_deleted(world: World) -> RestoreSetup:
    return RestoreSetup(not_ready("DELETING")(world))


def newest_completed_restore(world: World, setup: RestoreSetup) -> RestoreSetup:
    return RestoreSetup(newest(world, "prod", "prod-vault", "EBS", "prod-web-data"))


RESTORE_CASES = [
    RestoreCase("restore: other account", "restore.account", CauseCode.CROSS_ACCOUNT_RESTORE,
                meet_cross_account_restore, copy_back_first, "copy back first, then restore"),
    RestoreCase("restore: role not trusted", "restore.role", CauseCode.ROLE_PERMISSIONS,
                meet_untrusted_restore_role, with_default_role, "default service role"),
    RestoreCase("restore: RCP refuses AWS Backup the role", "restore.role",
                CauseCode.ROLE_PERMISSIONS, meet_rcp_refusing_the_restore_role,
                exempt_services_from_the_restore_rcp,
                "by hand: aws:PrincipalIsAWSService exempted in the RCP"),
    RestoreCase("restore: S3 without S3 policy", "restore.role", CauseCode.ROLE_PERMISSIONS,
                meet_s3_role_without_s3_policy, attach_s3_restore_policy,
                "by hand: S3 restore policy attached"),
    RestoreCase("restore: table name taken", "restore.target-name", TAKEN,
                meet_table_exists, new_table_name, "another targetTableName"),
    RestoreCase("restore: DB name taken", "restore.target-name", TAKEN,
                meet_db_name_taken, another_db_name, "another DBInstanceIdentifier"),
    RestoreCase("restore: EFS creation token taken", "restore.target-name", TAKEN,
                meet_creation_token_taken, another_creation_token, "another CreationToken"),
    RestoreCase("restore: bucket name taken", "restore.target-name", TAKEN,
                meet_bucket_name_taken, another_bucket_name, "another bucket name"),
    RestoreCase("restore: subnet of another VPC", "restore.network", NETWORK,
                meet_subnet_of_another_vpc, with_its_security_group,
                "security group of the subnet's VPC"),
    RestoreCase("restore: zone not the subnet's", "restore.network", NETWORK,
                meet_zone_of_another_subnet, placed_in_its_zone, "Placement in its zone"),
    RestoreCase("restore: DB security group elsewhere", "restore.network", NETWORK,
                meet_db_group_of_another_vpc, into_its_subnet_group,
                "DB subnet group of its VPC"),
    RestoreCase("restore: engine older than snapshot", "restore.engine-version",
                CauseCode.ENGINE_VERSION, meet_older_engine, an_offered_newer_engine,
                "EngineVersion 13.12"),
    RestoreCase("restore: engine not offered", "restore.engine-version",
                CauseCode.ENGINE_VERSION, meet_engine_not_offered, an_offered_newer_engine,
                "EngineVersion 13.12"),
    RestoreCase("restore: key of another account", "restore.key", CauseCode.KMS_KEY_UNUSABLE,
                meet_key_of_another_account, with_prods_own_key, "prod's own key"),
    RestoreCase("restore: key of another Region", "restore.key", CauseCode.KMS_KEY_UNUSABLE,
                meet_key_of_another_region, with_prods_own_key, "prod's key of its Region"),
    RestoreCase("restore: caller may not pass role", "restore.pass-role",
                CauseCode.ROLE_PERMISSIONS, meet_operator_without_pass_role,
                let_it_pass_the_role, "by hand: iam:PassRole allowed"),
    RestoreCase("restore: option group elsewhere", "restore.network", NETWORK,
                meet_option_group_of_another_vpc, into_its_vpc,
                "DB subnet group and security group of its VPC"),
    RestoreCase("restore: metadata missing", "restore.metadata", CauseCode.UNKNOWN,
                meet_missing_metadata, give_the_zone, "availabilityZone given"),
    RestoreCase("restore: key disabled", "restore.key", CauseCode.KMS_KEY_UNUSABLE,
                meet_restore_key_disabled, enable_restore_key, "by hand: kms enable-key"),
    RestoreCase("restore: instance profile missing", "restore.instance-profile",
                CauseCode.UNKNOWN, meet_missing_instance_profile, without_an_instance_profile,
                "IamInstanceProfileName emptied"),
    RestoreCase("restore: profile's role not passable", "restore.instance-profile",
                CauseCode.ROLE_PERMISSIONS, meet_profile_role_not_passable, drop_the_deny,
                "by hand: the Deny removed"),
    RestoreCase("restore: boundary bars the volume", "restore.role", CauseCode.ROLE_PERMISSIONS,
                meet_boundary_without_create_volume, remove_the_boundary,
                "by hand: the boundary removed"),
    # AWS Backup's message for it is inferred (README): the key's, so explain says more.
    RestoreCase("restore: boundary bars the key's grant", "restore.role",
                CauseCode.ROLE_PERMISSIONS, meet_boundary_without_key_grant,
                remove_the_grantless_boundary, "by hand: the boundary removed",
                CauseCode.KMS_KEY_UNUSABLE),
    RestoreCase("restore: inline Deny of the volume", "restore.role",
                CauseCode.ROLE_PERMISSIONS, meet_inline_deny_of_create_volume,
                delete_the_inline_deny, "by hand: the inline Deny deleted"),
    RestoreCase("restore: role allows nothing", "restore.role", CauseCode.ROLE_PERMISSIONS,
                meet_restore_role_allowing_nothing, attach_the_restore_policy,
                "by hand: AWSBackupServiceRolePolicyForRestores attached"),
    RestoreCase("restore: SCP denies StartRestoreJob", "restore.scps",
                CauseCode.ROLE_PERMISSIONS, meet_scp_denying_restores, detach_the_scp,
                "by hand: the SCP detached"),
    RestoreCase("restore: key pair missing", "restore.key-pair", CauseCode.UNKNOWN,
                meet_missing_key_pair, import_the_key_pair, "by hand: key pair imported"),
    # No cause code fits a point being deleted, and AWS publishes no wording for the refusal.
    RestoreCase("restore: point DELETING", "restore.status", None, meet_point_being_deleted,
                newest_completed_restore, "the resource's newest COMPLETED point",
                explained=CauseCode.UNKNOWN),
]  # fmt: skip


@pytest.mark.parametrize("case", RESTORE_CASES, ids=[c.name for c in RESTORE_CASES])
def test_restore_checks_agree_with_the_sandbox(world: World, case: RestoreCase) -> None:
    setup = case.meet(world)
    before = check_restore(world, setup)
    bad = [c for c in before.checks if c.status is not CheckStatus.PASS]
    assert [(c.id, c.status, c.cause) for c in bad] == [
        (case.check_id, CheckStatus.FAIL, case.cause)
    ], failing(before)

    outcome = restore_in_sandbox(world, before, setup.operator)
    assert outcome.state in ("FAILED", "REFUSED"), outcome
    diagnosis = diagnose(outcome.message)
    explained = diagnosis.cause
    expected = case.explained or case.cause
    assert explained is expected, f"explain({outcome.message!r}) -> {explained}"
    if explained is not CauseCode.UNKNOWN and case.cause is not None:
        # Where AWS's text cannot tell the check's cause from explain's, explain names both.
        assert case.cause in (explained, *diagnosis.also), diagnosis

    repaired_setup = case.repair(world, setup)
    after = check_restore(world, repaired_setup)
    assert all(c.status is CheckStatus.PASS for c in after.checks), failing(after)
    repaired = restore_in_sandbox(world, after, repaired_setup.operator)
    assert repaired.state == "COMPLETED", repaired
    MATRIX.append(
        (
            case.name,
            f"FAIL {case.cause} ({case.check_id})",
            f"{outcome.state}: {outcome.message[:60]}",
            str(explained),
            f"all PASS, restore COMPLETED ({case.repair_is})",
        )
    )


def test_print_agreement_matrix(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Runs last in this module: prints the matrix and writes it to a file."""
    assert len(MATRIX) == len(CASES) + len(RESTORE_CASES), "run the whole module for the matrix"
    header = ("fault", "check cause", "sandbox outcome", "explain cause", "repaired outcome")
    rows = [header, *MATRIX]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    text = "\n".join(lines)
    out = tmp_path_factory.mktemp("agreement") / "agreement-matrix.txt"
    out.write_text(text + "\n")
    print(f"\nAgreement matrix (also in {out}):\n{text}")
