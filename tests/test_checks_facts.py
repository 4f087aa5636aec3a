"""Facts read live from the sandbox: refused reads are UNKNOWN, SCPs, restore target names."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from drconsole.aws.session import AwsSessions
from drconsole.checks.runner import run_copy_checks, run_restore_checks
from drconsole.config import Credentials, Settings
from drconsole.errors import AwsError
from drconsole.models import CauseCode, CheckStatus
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    try:
        yield sandbox, info
    finally:
        sandbox.stop()
        sandbox.reset()


def sessions(demo: tuple[Sandbox, ScenarioInfo], state: Path) -> AwsSessions:
    sandbox, info = demo
    return AwsSessions(
        Settings(
            regions=(info.region,),
            endpoint_url=sandbox.endpoint_url,
            static_credentials=Credentials.from_mapping(
                sandbox.credentials_for(info.accounts["management"])
            ),
            management_account_id=info.accounts["management"],
            state_dir=state,
            retry_max_attempts=2,
        )
    )


def prod_point(sandbox: Sandbox, info: ScenarioInfo, resource_type: str) -> str:
    backup = sandbox.client("backup", info.accounts["prod"], info.region)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    return max(
        (
            p
            for p in points["RecoveryPoints"]
            if p["ResourceType"] == resource_type and "legacy" not in p.get("ResourceName", "")
        ),
        key=lambda p: p["CreationDate"],
    )["RecoveryPointArn"]


def central(info: ScenarioInfo) -> str:
    return (
        f"arn:aws:backup:{info.region}:{info.accounts['backup']}:backup-vault:central-eu-central-1"
    )


def test_refused_reads_are_unknown_never_pass(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sandbox, info = demo
    rp = prod_point(sandbox, info, "EBS")
    sandbox.options.access_denied_accounts = {info.accounts["backup"]}
    try:
        report = run_copy_checks(sessions(demo, tmp_path), rp, central(info))
    finally:
        sandbox.options.access_denied_accounts = set()
    by_id = {c.id: c for c in report.checks}
    for check_id in (
        "org.same-organization",
        "dest.vault",
        "dest.access-policy",
        "dest.vault-lock",
        "dest.service-linked-role",
    ):
        assert by_id[check_id].status is CheckStatus.UNKNOWN, by_id[check_id]
        assert "AccessDenied" in by_id[check_id].evidence
    assert not report.ok
    # The source side is still read and judged.
    assert by_id["source.key"].status is CheckStatus.PASS


def test_unreadable_source_account_is_an_aws_error(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sandbox, info = demo
    rp = prod_point(sandbox, info, "RDS")  # an ARN that names its account
    sandbox.options.access_denied_accounts = {info.accounts["prod"]}
    try:
        with pytest.raises(AwsError, match="cannot list the vaults"):
            run_copy_checks(sessions(demo, tmp_path), rp, central(info))
    finally:
        sandbox.options.access_denied_accounts = set()


def test_service_control_policy_denying_the_copy_fails(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sandbox, info = demo
    orgs = sandbox.client("organizations", info.accounts["management"], info.region)
    root = orgs.list_roots()["Roots"][0]["Id"]
    orgs.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    rp = prod_point(sandbox, info, "EBS")
    report = run_copy_checks(sessions(demo, tmp_path), rp, central(info))
    scps = next(c for c in report.checks if c.id == "source.scps")
    assert scps.status is CheckStatus.PASS, scps  # FullAWSAccess everywhere
    # The seeds' SCP limiting destination accounts to an OU the backup account is not in.
    prod_ou = orgs.list_parents(ChildId=info.accounts["prod"])["Parents"][0]["Id"]
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Action": "backup:CopyFromBackupVault",
                "Resource": "*",
                "Condition": {
                    "ForAllValues:StringNotLike": {
                        "backup:CopyTargetOrgPaths": [f"{info.org_id}/{root}/{prod_ou}/*"]
                    }
                },
            }
        ],
    }
    policy = orgs.create_policy(
        Name="OnlyProdTargets",
        Description="copies only to prod",
        Type="SERVICE_CONTROL_POLICY",
        Content=json.dumps(document),
    )["Policy"]["PolicySummary"]["Id"]
    orgs.attach_policy(PolicyId=policy, TargetId=prod_ou)
    try:
        report = run_copy_checks(sessions(demo, tmp_path), rp, central(info))
    finally:
        orgs.detach_policy(PolicyId=policy, TargetId=prod_ou)
    scps = next(c for c in report.checks if c.id == "source.scps")
    assert scps.status is CheckStatus.FAIL, scps
    assert scps.cause is CauseCode.ROLE_PERMISSIONS
    assert "OnlyProdTargets" in scps.evidence and prod_ou in scps.evidence


def test_a_region_restriction_scp_is_judged_in_each_requests_region(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """AWS Organizations' example SCP denying requests outside listed Regions: listing the
    copy's two Regions passes; leaving out the destination's fails CopyIntoBackupVault."""
    sandbox, info = demo
    orgs = sandbox.client("organizations", info.accounts["management"], info.region)
    root = orgs.list_roots()["Roots"][0]["Id"]
    with contextlib.suppress(orgs.exceptions.PolicyTypeAlreadyEnabledException):
        orgs.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    rp = prod_point(sandbox, info, "EBS")
    destination = info.dr_region
    dr_vault = f"arn:aws:backup:{destination}:{info.accounts['backup']}:backup-vault:dr-eu-north-1"
    verdicts = []
    for regions in ([info.region, destination], [info.region]):
        document = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyAllOutsideEU",
                    "Effect": "Deny",
                    "NotAction": ["iam:*", "organizations:*", "route53:*", "sts:*", "support:*"],
                    "Resource": "*",
                    "Condition": {"StringNotEquals": {"aws:RequestedRegion": regions}},
                }
            ],
        }
        policy = orgs.create_policy(
            Name=f"DenyOutside{len(regions)}",
            Description="AWS Organizations example",
            Type="SERVICE_CONTROL_POLICY",
            Content=json.dumps(document),
        )["Policy"]["PolicySummary"]["Id"]
        orgs.attach_policy(PolicyId=policy, TargetId=root)
        try:
            report = run_copy_checks(sessions(demo, tmp_path), rp, dr_vault)
        finally:
            orgs.detach_policy(PolicyId=policy, TargetId=root)
        verdicts.append(next(c for c in report.checks if c.id == "source.scps"))
    both, one = verdicts
    assert info.region != destination
    assert both.status is CheckStatus.PASS, both
    assert one.status is CheckStatus.FAIL and "CopyIntoBackupVault" in one.evidence, one


def test_the_destination_vault_policy_is_judged_with_the_vaults_tags(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """A vault policy denying copies into a vault not tagged tier=dr: the vault's tags are
    read for the destination checks too, so a tagged vault passes."""
    sandbox, info = demo
    backup = sandbox.client("backup", info.accounts["backup"], info.dr_region)
    name = "dr-eu-north-1"
    vault = backup.describe_backup_vault(BackupVaultName=name)["BackupVaultArn"]
    before = backup.get_backup_vault_access_policy(BackupVaultName=name)["Policy"]
    document = json.loads(before)
    document["Statement"].append(
        {
            "Sid": "OnlyIntoDrTier",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "backup:CopyIntoBackupVault",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:ResourceTag/tier": "dr"}},
        }
    )
    backup.put_backup_vault_access_policy(BackupVaultName=name, Policy=json.dumps(document))
    backup.tag_resource(ResourceArn=vault, Tags={"tier": "dr"})
    rp = prod_point(sandbox, info, "EBS")
    try:
        report = run_copy_checks(sessions(demo, tmp_path), rp, vault)
    finally:
        backup.untag_resource(ResourceArn=vault, TagKeyList=["tier"])
        backup.put_backup_vault_access_policy(BackupVaultName=name, Policy=before)
    access = next(c for c in report.checks if c.id == "dest.access-policy")
    assert access.status is CheckStatus.PASS, access


def test_restore_target_names(demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path) -> None:
    sandbox, info = demo
    prod = info.accounts["prod"]
    rp = prod_point(sandbox, info, "DynamoDB")
    report = run_restore_checks(sessions(demo, tmp_path), rp)
    target = next(c for c in report.checks if c.id == "restore.target-name")
    # AWS's metadata names the original table, which still exists; a restore given no name
    # creates a new one, so that is the one judged.
    assert target.status is CheckStatus.PASS, target
    assert "prod-sessions-restored-<flow id>" in target.evidence
    original = run_restore_checks(
        sessions(demo, tmp_path), rp, metadata={"targetTableName": "prod-sessions"}
    )
    target = next(c for c in original.checks if c.id == "restore.target-name")
    assert target.status is CheckStatus.FAIL, target
    free = run_restore_checks(
        sessions(demo, tmp_path), rp, metadata={"targetTableName": "sessions-restored"}
    )
    assert all(c.status is CheckStatus.PASS for c in free.checks), free.checks

    bucket_rp = prod_point(sandbox, info, "S3")
    sandbox.client("s3", prod, info.region).create_bucket(
        Bucket="already-here",
        CreateBucketConfiguration={"LocationConstraint": info.region},
    )
    taken = run_restore_checks(
        sessions(demo, tmp_path),
        bucket_rp,
        metadata={"DestinationBucketName": "already-here", "NewBucket": "true"},
    )
    target = next(c for c in taken.checks if c.id == "restore.target-name")
    assert target.status is CheckStatus.FAIL and "already-here" in target.evidence


def test_restore_role_without_restore_policy(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sandbox, info = demo
    prod = info.accounts["prod"]
    iam = sandbox.client("iam", prod)
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
    role = iam.create_role(RoleName="bare-restore", AssumeRolePolicyDocument=json.dumps(trust))
    rp = prod_point(sandbox, info, "EBS")
    report = run_restore_checks(sessions(demo, tmp_path), rp, role_arn=role["Role"]["Arn"])
    check = next(c for c in report.checks if c.id == "restore.role")
    assert check.status is CheckStatus.FAIL and check.cause is CauseCode.ROLE_PERMISSIONS
    assert "attach-role-policy --role-name bare-restore" in check.remediation


def test_copy_retention_defaults_to_the_recovery_points_as_copy_sends_it(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """`check copy` without --delete-after-days judges the vault lock on the retention that
    `drconsole copy` starts the copy with (the recovery point's), not on "kept forever"."""
    sandbox, info = demo
    rp = prod_point(sandbox, info, "EBS")
    prod = sandbox.client("backup", info.accounts["prod"], info.region)
    days = prod.describe_recovery_point(BackupVaultName="prod-vault", RecoveryPointArn=rp)[
        "Lifecycle"
    ]["DeleteAfterDays"]
    backup = sandbox.client("backup", info.accounts["backup"], info.region)
    key = sandbox.client("kms", info.accounts["backup"], info.region).describe_key(
        KeyId="alias/backup-vault-key"
    )["KeyMetadata"]["Arn"]
    backup.create_backup_vault(BackupVaultName="lock-range", EncryptionKeyArn=key)
    backup.put_backup_vault_access_policy(
        BackupVaultName="lock-range",
        Policy=backup.get_backup_vault_access_policy(BackupVaultName="central-eu-central-1")[
            "Policy"
        ],
    )
    backup.put_backup_vault_lock_configuration(
        BackupVaultName="lock-range", MinRetentionDays=1, MaxRetentionDays=days + 10
    )
    vault = f"arn:aws:backup:{info.region}:{info.accounts['backup']}:backup-vault:lock-range"
    state = sessions(demo, tmp_path)
    lock = {c.id: c for c in run_copy_checks(state, rp, vault).checks}["dest.vault-lock"]
    assert lock.status is CheckStatus.PASS, lock
    assert f"kept {days} days" in lock.evidence
    longer = run_copy_checks(state, rp, vault, delete_after_days=days + 11)
    lock = {c.id: c for c in longer.checks}["dest.vault-lock"]
    assert lock.status is CheckStatus.FAIL
    assert lock.cause is CauseCode.VAULT_LOCK_RETENTION


def test_one_check_run_reads_the_destination_vaults_tags_once(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """The SCPs and the vault's access policy both test its tags, in two check groups run at
    the same time: one ListTags serves both."""
    sandbox, info = demo
    checked = sessions(demo, tmp_path)
    before = sandbox.middleware.log.mark()
    report = run_copy_checks(checked, prod_point(sandbox, info, "EBS"), central(info))
    assert report.checks
    sent = [seen.name for seen in sandbox.middleware.log.since(before)]
    assert sent.count("backup:ListTags") == 1, sent
