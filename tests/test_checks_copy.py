"""Copy verdicts: PASS, FAIL and UNKNOWN paths of every copy check, from facts alone."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drconsole.checks import copy as checks
from drconsole.checks import copy_route, remedies
from drconsole.checks.facts import (
    CopyFacts,
    CopyJobLoad,
    IdentityPolicy,
    KeyFacts,
    OrgMembership,
    RecoveryPointFacts,
    RoleFacts,
    ScpLevel,
    Unreadable,
    VaultFacts,
    slr_arn,
)
from drconsole.models import CauseCode, CheckStatus

SRC, DEST, OTHER = "111111111111", "222222222222", "333333333333"
ORG = "o-abc123defg"
REGION, DR = "eu-central-1", "eu-north-1"
SRC_KEY = f"arn:aws:kms:{REGION}:{SRC}:key/11111111-2222-3333-4444-555555555555"
DEST_KEY = f"arn:aws:kms:{DR}:{DEST}:key/aaaaaaaa-2222-3333-4444-555555555555"
DEST_VAULT = f"arn:aws:backup:{DR}:{DEST}:backup-vault:central"
DENIED = Unreadable("kms:GetKeyPolicy", "AccessDeniedException", "not authorized")
TRUST = json.dumps(
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


def policy(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ORG_VAULT_POLICY = policy(
    {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "backup:CopyIntoBackupVault",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}},
    }
)
OWNER = {
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{SRC}:root"},
    "Action": "kms:*",
    "Resource": "*",
}
SHARED_KEY_POLICY = policy(OWNER, *remedies.key_policy_statements(DEST, "aws"))
FULL_ACCESS = policy({"Effect": "Allow", "Action": "*", "Resource": "*"})


def good_facts(resource_type: str = "EBS", **changes: object) -> CopyFacts:
    """Facts of a cross-account, cross-Region copy that meets every rule."""
    arn = {
        "EBS": f"arn:aws:ec2:{REGION}::snapshot/snap-0123456789abcdef0",
        "RDS": f"arn:aws:rds:{REGION}:{SRC}:snapshot:awsbackup:job-1",
        "DynamoDB": f"arn:aws:backup:{REGION}:{SRC}:recovery-point:abc",
        "S3": f"arn:aws:backup:{REGION}:{SRC}:recovery-point:s3",
        "EC2": f"arn:aws:ec2:{REGION}::image/ami-0123456789abcdef0",
    }[resource_type]
    rp = RecoveryPointFacts(
        arn=arn,
        account_id=SRC,
        region=REGION,
        vault_name="prod-vault",
        resource_type=resource_type,
        resource_arn=f"arn:aws:ec2:{REGION}:{SRC}:volume/vol-1",
        resource_name="data",
        status="COMPLETED",
        encryption_key_arn=SRC_KEY,
        delete_after_days=35,
        creation_date=datetime.now(UTC) - timedelta(days=1),
    )
    facts = CopyFacts(
        recovery_point=rp,
        dest_vault_arn=DEST_VAULT,
        dest_account_id=DEST,
        dest_region=DR,
        dest_vault_name="central",
        copy_role_arn=f"arn:aws:iam::{SRC}:role/service-role/AWSBackupDefaultServiceRole",
        cross_account_enabled=True,
        source_org=OrgMembership(SRC, ORG, OTHER, f"{ORG}/r-ab12/ou-ab12-prod1234/"),
        dest_org=OrgMembership(DEST, ORG, OTHER, f"{ORG}/r-ab12/ou-ab12-sec12345/"),
        dest_vault=VaultFacts(
            arn=DEST_VAULT,
            name="central",
            account_id=DEST,
            region=DR,
            encryption_key_arn=DEST_KEY,
            key=KeyFacts(DEST_KEY, "CUSTOMER", "Enabled", aliases=("alias/central",)),
            access_policy=ORG_VAULT_POLICY,
        ),
        source_vault_policy=None,
        source_scps=(ScpLevel("r-ab12", (("FullAWSAccess", FULL_ACCESS),)),),
        source_key=KeyFacts(SRC_KEY, "CUSTOMER", "Enabled", SHARED_KEY_POLICY),
        dest_slr_exists=True,
        copy_role=RoleFacts(
            f"arn:aws:iam::{SRC}:role/service-role/AWSBackupDefaultServiceRole", TRUST
        ),
        job_load=CopyJobLoad((), 3),
        lifecycle_delete_after_days=35,
    )
    return replace(facts, **changes)


def with_vault(facts: CopyFacts, **changes: object) -> CopyFacts:
    assert isinstance(facts.dest_vault, VaultFacts)
    return replace(facts, dest_vault=replace(facts.dest_vault, **changes))


def test_every_check_passes_on_good_facts() -> None:
    results = checks.copy_verdicts(good_facts())
    assert [c.status for c in results if c.status is not CheckStatus.PASS] == []
    assert len({c.id for c in results}) == len(results) == 17


@pytest.mark.parametrize(
    ("verdict", "facts", "cause", "fix"),
    [
        (
            checks.check_cross_account_setting,
            good_facts(cross_account_enabled=False),
            CauseCode.CROSS_ACCOUNT_DISABLED,
            remedies.FIX_CROSS_ACCOUNT,
        ),
        (
            checks.check_same_organization,
            good_facts(dest_org=OrgMembership(DEST, "o-zzzzzzzzzz")),
            CauseCode.NOT_SAME_ORG,
            None,
        ),
        (
            checks.check_same_organization,
            good_facts(dest_org=OrgMembership(DEST, None)),
            CauseCode.NOT_SAME_ORG,
            None,
        ),
        (
            checks.check_destination_vault,
            good_facts(dest_vault=None),
            CauseCode.VAULT_POLICY_DENIES_COPY,
            None,
        ),
        (
            checks.check_destination_vault,
            with_vault(
                good_facts(),
                key=KeyFacts(DEST_KEY, "AWS", "Enabled", aliases=("alias/aws/backup",)),
            ),
            CauseCode.DEST_VAULT_AWS_MANAGED_KEY,
            None,
        ),
        (
            checks.check_destination_vault,
            with_vault(good_facts(), name="Default"),
            CauseCode.DEST_VAULT_AWS_MANAGED_KEY,
            None,
        ),
        (
            checks.check_destination_vault,
            with_vault(good_facts(), key=KeyFacts(DEST_KEY, "CUSTOMER", "Disabled")),
            CauseCode.KMS_KEY_UNUSABLE,
            None,
        ),
        (
            checks.check_destination_access_policy,
            with_vault(good_facts(), access_policy=None),
            CauseCode.VAULT_POLICY_DENIES_COPY,
            remedies.FIX_VAULT_POLICY,
        ),
        (
            checks.check_destination_access_policy,
            with_vault(
                good_facts(),
                access_policy=policy(
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
                        "Action": "backup:CopyIntoBackupVault",
                        "Resource": "*",
                    }
                ),
            ),
            CauseCode.VAULT_POLICY_DENIES_COPY,
            remedies.FIX_VAULT_POLICY,
        ),
        (
            checks.check_destination_access_policy,
            with_vault(
                good_facts(),
                access_policy=policy(
                    json.loads(ORG_VAULT_POLICY)["Statement"][0],
                    {
                        "Sid": "NoProd",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "backup:CopyIntoBackupVault",
                        "Resource": "*",
                        "Condition": {
                            "ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": ["*/ou-ab12-prod*"]}
                        },
                    },
                ),
            ),
            CauseCode.VAULT_POLICY_DENIES_COPY,
            None,
        ),
        (
            checks.check_vault_lock,
            with_vault(good_facts(), locked=True, min_retention_days=90),
            CauseCode.VAULT_LOCK_RETENTION,
            None,
        ),
        (
            checks.check_vault_lock,
            with_vault(
                good_facts(lifecycle_delete_after_days=None), locked=True, max_retention_days=400
            ),
            CauseCode.VAULT_LOCK_RETENTION,
            None,
        ),
        (
            checks.check_destination_slr,
            good_facts(dest_slr_exists=False),
            CauseCode.SERVICE_LINKED_ROLE_MISSING,
            remedies.FIX_SERVICE_LINKED_ROLE,
        ),
        (
            checks.check_source_vault_policy,
            good_facts(
                source_vault_policy=policy(
                    {
                        "Sid": "OnlyToFortKnox",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "backup:CopyFromBackupVault",
                        "Resource": "*",
                        "Condition": {
                            "ForAllValues:ArnNotLike": {
                                "backup:CopyTargets": [
                                    "arn:aws:backup:us-west-1:123456789012:backup-vault:fort-knox"
                                ]
                            }
                        },
                    }
                )
            ),
            CauseCode.VAULT_POLICY_DENIES_COPY,
            None,
        ),
        (
            checks.check_scps,
            good_facts(
                source_scps=(
                    ScpLevel("r-ab12", (("FullAWSAccess", FULL_ACCESS),)),
                    ScpLevel(
                        "ou-ab12-prod1234",
                        (
                            ("FullAWSAccess", FULL_ACCESS),
                            (
                                "LimitCopyTargets",
                                policy(
                                    {
                                        "Effect": "Deny",
                                        "Action": "backup:CopyFromBackupVault",
                                        "Resource": "*",
                                        "Condition": {
                                            "ForAllValues:StringNotLike": {
                                                "backup:CopyTargetOrgPaths": [f"{ORG}/r-ab12/ou-x/"]
                                            }
                                        },
                                    }
                                ),
                            ),
                        ),
                    ),
                )
            ),
            CauseCode.ROLE_PERMISSIONS,
            None,
        ),
        (
            checks.check_scps,
            good_facts(source_scps=(ScpLevel("ou-ab12-prod1234", ()),)),
            CauseCode.ROLE_PERMISSIONS,
            None,
        ),
        (
            checks.check_source_key,
            good_facts(source_key=KeyFacts(SRC_KEY, "AWS", "Enabled", aliases=("alias/aws/ebs",))),
            CauseCode.AWS_MANAGED_RESOURCE_KEY,
            None,
        ),
        (
            checks.check_source_key,
            good_facts(source_key=KeyFacts(SRC_KEY, "CUSTOMER", "Enabled", policy(OWNER))),
            CauseCode.SOURCE_KEY_NOT_SHARED,
            remedies.FIX_KEY_POLICY,
        ),
        (
            checks.check_source_key,
            good_facts(source_key=KeyFacts(SRC_KEY, "CUSTOMER", "PendingDeletion", policy(OWNER))),
            CauseCode.KMS_KEY_UNUSABLE,
            None,
        ),
        (
            checks.check_copy_role,
            good_facts(copy_role=None),
            CauseCode.ROLE_PERMISSIONS,
            None,
        ),
        (
            checks.check_copy_role,
            good_facts(
                copy_role=RoleFacts(
                    f"arn:aws:iam::{SRC}:role/r",
                    policy(
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "ec2.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ),
                )
            ),
            CauseCode.ROLE_PERMISSIONS,
            None,
        ),
        (
            copy_route.check_route,
            replace(
                good_facts("DynamoDB"),
                recovery_point=replace(
                    good_facts("DynamoDB").recovery_point,
                    arn=f"arn:aws:dynamodb:{REGION}:{SRC}:table/t/backup/01700000000000-abcdef12",
                ),
            ),
            CauseCode.UNSUPPORTED_COPY_ROUTE,
            None,
        ),
        (
            copy_route.check_route,
            good_facts("EC2", marketplace_product_codes=("prod-abc123",)),
            CauseCode.MARKETPLACE_AMI,
            None,
        ),
    ],
    ids=lambda value: getattr(value, "__name__", None) if callable(value) else None,
)
def test_fail_paths(verdict, facts, cause, fix) -> None:  # type: ignore[no-untyped-def]
    result = verdict(facts)
    assert result.status is CheckStatus.FAIL, result
    assert result.cause is cause
    assert result.fix_id == fix
    assert result.remediation
    assert verdict(good_facts()).status is CheckStatus.PASS


@pytest.mark.parametrize(
    ("verdict", "facts"),
    [
        (checks.check_cross_account_setting, good_facts(cross_account_enabled=DENIED)),
        (checks.check_same_organization, good_facts(dest_org=DENIED)),
        (checks.check_destination_vault, good_facts(dest_vault=DENIED)),
        (checks.check_destination_vault, with_vault(good_facts(), key=DENIED)),
        (checks.check_destination_access_policy, with_vault(good_facts(), access_policy=DENIED)),
        (checks.check_vault_lock, good_facts(dest_vault=DENIED)),
        (checks.check_destination_slr, good_facts(dest_slr_exists=DENIED)),
        (checks.check_source_vault_policy, good_facts(source_vault_policy=DENIED)),
        (checks.check_scps, good_facts(source_scps=DENIED)),
        (checks.check_source_key, good_facts(source_key=DENIED)),
        (
            checks.check_source_key,
            good_facts(source_key=KeyFacts(SRC_KEY, "CUSTOMER", "Enabled", DENIED)),
        ),
        (checks.check_copy_role, good_facts(copy_role=DENIED)),
        (copy_route.check_running_jobs, good_facts(job_load=DENIED)),
        (
            # The vault shares with the organization, whose id could not be read.
            checks.check_destination_access_policy,
            good_facts(source_org=DENIED),
        ),
    ],
)
def test_unreadable_facts_are_unknown_never_pass(verdict, facts) -> None:  # type: ignore[no-untyped-def]
    result = verdict(facts)
    assert result.status is CheckStatus.UNKNOWN, result


def test_same_account_copy_skips_cross_account_rules() -> None:
    facts = good_facts(
        dest_account_id=SRC,
        dest_vault_arn=f"arn:aws:backup:{DR}:{SRC}:backup-vault:dr",
        cross_account_enabled=False,
        dest_slr_exists=False,
        source_key=KeyFacts(SRC_KEY, "AWS", "Enabled", aliases=("alias/aws/ebs",)),
    )
    facts = with_vault(facts, access_policy=None)
    assert all(c.status is CheckStatus.PASS for c in checks.copy_verdicts(facts))


@pytest.mark.parametrize(
    ("load", "named"),
    [(CopyJobLoad(("job-1", "job-2"), 2), "job-1, job-2"), (CopyJobLoad((), 100), "quota 100")],
)
def test_copies_in_flight_warn_what_the_copy_may_wait_behind_never_fail(
    load: CopyJobLoad, named: str
) -> None:
    """AWS queues a copy past its quotas (per resource, 100 per account into a Region and then
    5 per destination vault) and documents no refusal for them: a WARN naming what it waits
    behind, with the quota."""
    result = copy_route.check_running_jobs(good_facts(job_load=load))
    assert result.status is CheckStatus.WARN, result
    assert result.cause is CauseCode.TOO_MANY_JOBS
    assert named in result.evidence and "quota" in result.evidence
    assert result.remediation


def test_rds_cross_account_and_region_warns_with_two_hop_plan() -> None:
    facts = good_facts("RDS", intermediate_vaults=(f"arn:aws:backup:{DR}:{SRC}:backup-vault:x",))
    result = copy_route.check_route(facts)
    assert result.status is CheckStatus.WARN
    assert result.cause is CauseCode.UNSUPPORTED_COPY_ROUTE
    assert "Two hops" in result.remediation and f"{SRC}:backup-vault:x" in result.remediation
    same_region = replace(facts, dest_region=REGION)
    assert copy_route.check_route(same_region).status is CheckStatus.PASS


def test_fully_managed_types_accept_aws_managed_keys() -> None:
    facts = with_vault(
        good_facts(
            "S3", source_key=KeyFacts(SRC_KEY, "AWS", "Enabled", aliases=("alias/aws/backup",))
        ),
        key=KeyFacts(DEST_KEY, "AWS", "Enabled", aliases=("alias/aws/backup",)),
    )
    assert checks.check_destination_vault(facts).status is CheckStatus.PASS
    assert checks.check_source_key(facts).status is CheckStatus.PASS
    advanced = good_facts("DynamoDB", dynamodb_advanced=True)
    assert copy_route.check_route(advanced).status is CheckStatus.PASS


ADVANCED_DYNAMODB = f"arn:aws:backup:{REGION}:{SRC}:recovery-point:0f1e2d3c"
PLAIN_DYNAMODB = f"arn:aws:dynamodb:{REGION}:{SRC}:table/orders/backup/01700000000000-abcdef12"


def dynamodb_copy(arn: str, setting: object, other_account: bool, other_region: bool) -> CopyFacts:
    """A DynamoDB copy of a backup with this ARN, the source's advanced-features setting, and
    a destination in the source's account or another, and its Region or another."""
    facts = good_facts("DynamoDB", dynamodb_advanced=setting)
    facts = replace(facts, recovery_point=replace(facts.recovery_point, arn=arn))
    facts = facts if other_account else to_account(facts, SRC)
    return facts if other_region else replace(facts, dest_region=REGION)


ROUTES = [(False, False), (False, True), (True, False), (True, True)]
ROUTE_NAMES = ["same account and Region", "cross-Region", "cross-account", "cross-account+Region"]


@pytest.mark.parametrize(("other_account", "other_region"), ROUTES, ids=ROUTE_NAMES)
def test_dynamodb_route_with_and_without_advanced_features(
    other_account: bool, other_region: bool
) -> None:
    """The backup's ARN decides, not the setting now: advanced features apply to "all new
    DynamoDB table backups you create" and give them arn:aws:backup ARNs
    (https://docs.aws.amazon.com/aws-backup/latest/devguide/advanced-ddb-backup.html,
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/UsageNotesAWS.html).
    Without them the backup is copied nowhere, not even to another vault of its own account and
    Region: "If a resource type does not support cross-Region or cross-account copy in AWS
    Backup, then copy operations for that resource type are not supported in any scenario,
    including same-Region and same-account copies to a different vault" (AWS Backup, "Backup
    and tag copy", recov-point-create-a-copy)."""
    # Made with the features, whatever the source's setting is now (turned off since, as it
    # may be in a central backup account holding copies, or not readable).
    for setting in (True, False, DENIED):
        made_with = dynamodb_copy(ADVANCED_DYNAMODB, setting, other_account, other_region)
        assert copy_route.check_route(made_with).status is CheckStatus.PASS, setting
    for setting in (False, True, DENIED):  # True: turned on after this backup was made
        result = copy_route.check_route(
            dynamodb_copy(PLAIN_DYNAMODB, setting, other_account, other_region)
        )
        assert result.status is CheckStatus.FAIL, result
        assert result.cause is CauseCode.UNSUPPORTED_COPY_ROUTE
        assert result.details == (("hops", "0"),)
        assert "--resource-type-management-preference DynamoDB=true" in result.remediation
        assert f"account {SRC}, Region {REGION}" in result.remediation
        assert "new backup" in result.remediation
        across = {
            (True, False): "across accounts",
            (False, True): "across Regions",
            (True, True): "across accounts and Regions",
            (False, False): "to another vault, even in its own account and Region",
        }
        assert result.evidence.endswith(across[(other_account, other_region)])


def test_advanced_dynamodb_backup_may_go_to_an_aws_backup_vault_across_accounts() -> None:
    """An arn:aws:backup DynamoDB backup is fully managed (re-encrypted with the vault key), so
    an aws/backup vault may receive it even when the source's setting is now off."""
    facts = dynamodb_copy(ADVANCED_DYNAMODB, False, True, False)
    facts = with_vault(
        facts, key=KeyFacts(DEST_KEY, "AWS", "Enabled", aliases=("alias/aws/backup",))
    )
    assert checks.check_destination_vault(facts).status is CheckStatus.PASS
    plain = dynamodb_copy(PLAIN_DYNAMODB, True, True, False)
    plain = with_vault(
        plain, key=KeyFacts(DEST_KEY, "AWS", "Enabled", aliases=("alias/aws/backup",))
    )
    assert checks.check_destination_vault(plain).status is CheckStatus.FAIL


def test_key_remediation_names_the_real_accounts_and_key() -> None:
    facts = good_facts(source_key=KeyFacts(SRC_KEY, "CUSTOMER", "Enabled", policy(OWNER)))
    result = checks.check_source_key(facts)
    assert SRC_KEY in result.remediation
    assert f"arn:aws:iam::{DEST}:root" in result.remediation
    assert "kms:GrantIsForAWSResource" in result.remediation
    assert slr_arn(DEST, "aws") in result.evidence


def test_vault_policy_remediation_is_exact_statement() -> None:
    result = checks.check_destination_access_policy(with_vault(good_facts(), access_policy=None))
    statement = remedies.vault_policy_statement(SRC, "aws")
    assert remedies.pretty(statement) in result.remediation
    assert "put-backup-vault-access-policy" in result.remediation


BACKUP_RP = f"arn:aws:backup:{REGION}:{SRC}:recovery-point:1a2b3cde-f405-6789-012g-3456hi789012"
# Each type's recovery point ARN as AWS Backup's access-control page gives it
# (https://docs.aws.amazon.com/aws-backup/latest/devguide/access-control.html).
NATIVE_RP = {
    "EBS": f"arn:aws:ec2:{REGION}::snapshot/snap-05f426fd8dd6b4224",
    "EC2": f"arn:aws:ec2:{REGION}::image/ami-1a2b3e4f5e6f7a890",
    "RDS": f"arn:aws:rds:{REGION}:{SRC}:snapshot:awsbackup:job-be59cf2a-2343-4402",
    "Aurora": f"arn:aws:rds:{REGION}:{SRC}:cluster-snapshot:awsbackup:job-be59cf2a-2343",
    "FSx": f"arn:aws:fsx:{REGION}:{SRC}:backup/backup-1a20e49137e31d9e0",
    "Storage Gateway": f"arn:aws:ec2:{REGION}::snapshot/snap-0d40e49137e31d9e0",
    "DynamoDB": f"arn:aws:dynamodb:{REGION}:{SRC}:table/Music/backup/01547087347000-c8b6kdk3",
}


@pytest.mark.parametrize(
    ("resource_type", "fits"),
    [
        # Full AWS Backup management: backups encrypted with the vault key (AWS Backup's
        # "Encryption for backups" table), so a vault on aws/backup may receive them.
        ("S3", True),
        ("EFS", True),
        ("Timestream", True),
        ("VirtualMachine", True),
        ("CloudFormation", True),
        ("SAP HANA on Amazon EC2", True),
        ("DynamoDB", True),  # with advanced features: an arn:aws:backup recovery point
        # "Resources that support full AWS Backup management all have recovery points in the
        # format arn:aws:backup:...:recovery-point:*": a type added since (Aurora DSQL's
        # recovery points are arn:aws:backup ones) is fully managed by that token.
        ("Aurora DSQL", True),
        # The others keep the resource's key and need a customer managed key in the vault.
        ("EBS", False),
        ("EC2", False),
        ("RDS", False),
        ("Aurora", False),
        ("FSx", False),
        ("Storage Gateway", False),
        ("DynamoDB without advanced features", False),
    ],
)
def test_destination_on_aws_backup_key_by_resource_type(resource_type: str, fits: bool) -> None:
    facts = with_vault(
        good_facts(),
        key=KeyFacts(DEST_KEY, "AWS", "Enabled", aliases=("alias/aws/backup",)),
    )
    kind = resource_type.split(" without")[0]
    point = replace(
        facts.recovery_point,
        arn=NATIVE_RP[kind] if not fits else BACKUP_RP,
        resource_type=kind,
    )
    result = checks.check_destination_vault(replace(facts, recovery_point=point))
    assert result.status is (CheckStatus.PASS if fits else CheckStatus.FAIL)
    assert result.cause is (None if fits else CauseCode.DEST_VAULT_AWS_MANAGED_KEY)


ACCOUNT_IDS = st.from_regex(r"\A[0-9]{12}\Z")


def to_account(facts: CopyFacts, account: str) -> CopyFacts:
    """The same copy into a vault of another account of the organization."""
    assert isinstance(facts.dest_vault, VaultFacts) and isinstance(facts.dest_org, OrgMembership)
    return replace(
        facts,
        dest_account_id=account,
        dest_org=replace(facts.dest_org, account_id=account),
        dest_vault=replace(facts.dest_vault, account_id=account),
    )


@settings(max_examples=50, deadline=None, derandomize=True, database=None)
@given(shared_with=ACCOUNT_IDS, dest=ACCOUNT_IDS)
def test_key_shared_by_caller_account_condition(shared_with: str, dest: str) -> None:
    # "Principal": "*" narrowed by kms:CallerAccount, which AWS KMS sets on every request.
    shared = policy(
        OWNER,
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey"],
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:CallerAccount": shared_with}},
        },
    )
    # An RDS copy: for EBS, AWS's EBS guide asks for more use actions than these (a WARN).
    facts = to_account(
        good_facts("RDS", source_key=KeyFacts(SRC_KEY, "CUSTOMER", "Enabled", shared)), dest
    )
    expected = CheckStatus.PASS if dest == shared_with else CheckStatus.FAIL
    assert checks.check_source_key(facts).status is expected
    assert checks.check_source_key(to_account(facts, shared_with)).status is CheckStatus.PASS


def seed_policy(name: str) -> str:
    return (Path(__file__).parent / "data" / "policies" / name).read_text(encoding="utf-8")


def test_seed_key_policy_granting_the_destination_slr_shares_the_key() -> None:
    # The field report's key policy: the account's own root, plus kms:CreateGrant for the
    # backup account's AWSServiceRoleForBackup on kms:GrantIsForAWSResource. It is what made
    # the cross-account copy work; the SLR decrypts through the grant it creates.
    shared = seed_policy("blog-key-policy-shared-with-backup-account-slr.json")
    for resource_type in ("RDS", "S3"):
        facts = good_facts(
            resource_type, source_key=KeyFacts(SRC_KEY, "CUSTOMER", "Enabled", shared)
        )
        result = checks.check_source_key(facts)
        assert result.status is CheckStatus.PASS, result.evidence
    # For EBS and EC2, AWS's EBS guide also asks for the use actions: a WARN, not a FAIL.
    ebs = checks.check_source_key(
        good_facts("EBS", source_key=KeyFacts(SRC_KEY, "CUSTOMER", "Enabled", shared))
    )
    assert ebs.status is CheckStatus.WARN, ebs.evidence
    # A grant does not lift an explicit deny of the key policy.
    document = json.loads(shared)
    document["Statement"].append(
        {
            "Effect": "Deny",
            "Principal": {"AWS": slr_arn(DEST, "aws")},
            "Action": "kms:Decrypt",
            "Resource": "*",
        }
    )
    denied = checks.check_source_key(
        good_facts(source_key=KeyFacts(SRC_KEY, "CUSTOMER", "Enabled", json.dumps(document)))
    )
    assert denied.status is CheckStatus.FAIL
    assert denied.cause is CauseCode.SOURCE_KEY_NOT_SHARED
    assert "kms:Decrypt denied" in denied.evidence
    # Without the grant statement the SLR has no way to use the key.
    owner_only = checks.check_source_key(
        good_facts(source_key=KeyFacts(SRC_KEY, "CUSTOMER", "Enabled", policy(OWNER)))
    )
    assert owner_only.status is CheckStatus.FAIL
    assert "kms:CreateGrant" in owner_only.evidence


# Policy texts an endpoint may answer with that are not a policy drconsole can read.
NOT_A_POLICY = st.one_of(
    st.text(max_size=40).filter(lambda t: t.strip() != ""),
    st.sampled_from(
        [
            "not json",
            "[]",
            '"a string"',
            '{"Statement": "abc"}',
            '{"Statement": [1, 2]}',
            '{"Statement": [{"Effect": "Allow"}, "x"]}',
            "[" * 100_000,
        ]
    ),
)


@settings(max_examples=150, deadline=None)
@given(NOT_A_POLICY)
def test_a_policy_text_no_one_can_read_is_never_pass_and_never_a_crash(text: str) -> None:
    facts = good_facts(
        source_key=KeyFacts(SRC_KEY, "CUSTOMER", "Enabled", text),
        source_vault_policy=text,
        source_scps=(ScpLevel("r-ab12", (("FullAWSAccess", FULL_ACCESS), ("Odd", text))),),
    )
    facts = with_vault(facts, access_policy=text)
    try:
        remedies.load_policy(text)
        readable = True
    except remedies.UnreadablePolicy:
        readable = False
    results = {c.id: c for c in checks.copy_verdicts(facts)}
    if not readable:
        for check_id in ("dest.access-policy", "source.key", "source.scps", "source.vault-policy"):
            assert results[check_id].status is not CheckStatus.PASS, results[check_id]
            assert results[check_id].fix_id is None, results[check_id]


@pytest.mark.parametrize("locked", [True, False])
def test_vault_lock_range_is_judged_whatever_locked_says(locked: bool) -> None:
    """ "If specified, Vault Lock enforces a minimum and maximum retention period for future
    backup and copy jobs that target a backup vault" (AWS Backup API reference,
    https://docs.aws.amazon.com/aws-backup/latest/devguide/API_PutBackupVaultLockConfiguration.html):
    the range decides, in governance mode as in compliance mode."""
    short = with_vault(
        good_facts(lifecycle_delete_after_days=7), locked=locked, min_retention_days=30
    )
    result = checks.check_vault_lock(short)
    assert result.status is CheckStatus.FAIL, result
    assert result.cause is CauseCode.VAULT_LOCK_RETENTION
    forever = with_vault(
        good_facts(lifecycle_delete_after_days=None), locked=locked, max_retention_days=365
    )
    assert checks.check_vault_lock(forever).status is CheckStatus.FAIL
    inside = with_vault(
        good_facts(lifecycle_delete_after_days=100),
        locked=locked,
        min_retention_days=30,
        max_retention_days=365,
    )
    assert checks.check_vault_lock(inside).status is CheckStatus.PASS
    no_range = with_vault(good_facts(lifecycle_delete_after_days=None), locked=locked)
    assert checks.check_vault_lock(no_range).status is CheckStatus.PASS


@pytest.mark.parametrize(("other_account", "other_region"), ROUTES, ids=ROUTE_NAMES)
def test_cold_storage_recovery_points_are_not_copied(
    other_account: bool, other_region: bool
) -> None:
    """ "backups in cold storage or archive tiers cannot be copied" (AWS Backup, "Backup and
    tag copy", https://docs.aws.amazon.com/aws-backup/latest/devguide/recov-point-create-a-copy.html)."""
    facts = good_facts("S3")
    facts = facts if other_account else to_account(facts, SRC)
    facts = facts if other_region else replace(facts, dest_region=REGION)
    cold = replace(facts, recovery_point=replace(facts.recovery_point, storage_class="COLD"))
    result = copy_route.check_route(cold)
    assert result.status is CheckStatus.FAIL, result
    assert result.cause is CauseCode.UNSUPPORTED_COPY_ROUTE
    assert result.details == (("hops", "0"),)
    assert "cold storage" in result.evidence
    warm = replace(facts, recovery_point=replace(facts.recovery_point, storage_class="WARM"))
    assert copy_route.check_route(warm).status is CheckStatus.PASS


def test_multi_az_db_cluster_snapshots_are_not_copied() -> None:
    """ "copying a Multi-AZ DB cluster snapshot is not supported" (AWS Backup, "Copy a backup",
    https://docs.aws.amazon.com/aws-backup/latest/devguide/recov-point-create-a-copy.html): an
    RDS (not Aurora) recovery point that is a cluster snapshot."""
    cluster = f"arn:aws:rds:{REGION}:{SRC}:cluster-snapshot:awsbackup:job-be59cf2a-2343-4402"
    for facts in (good_facts("RDS"), to_account(good_facts("RDS"), SRC)):
        multi_az = replace(facts, recovery_point=replace(facts.recovery_point, arn=cluster))
        result = copy_route.check_route(multi_az)
        assert result.status is CheckStatus.FAIL, result
        assert result.cause is CauseCode.UNSUPPORTED_COPY_ROUTE
        assert "Multi-AZ DB cluster" in result.evidence
    aurora = replace(
        good_facts("RDS"),
        recovery_point=replace(
            good_facts("RDS").recovery_point, arn=cluster, resource_type="Aurora"
        ),
    )
    assert copy_route.check_route(aurora).status is not CheckStatus.FAIL


@pytest.mark.parametrize(
    ("state", "command"),
    [
        # AWS KMS key states (https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html):
        # only Enabled keys are used; each other state has its own way back.
        ("Disabled", "aws kms enable-key"),
        ("PendingDeletion", "aws kms cancel-key-deletion"),
        ("PendingImport", "aws kms import-key-material"),
        ("Unavailable", "aws kms connect-custom-key-store"),
    ],
)
def test_unusable_key_states_fail_with_their_own_fix(state: str, command: str) -> None:
    source = good_facts(source_key=KeyFacts(SRC_KEY, "CUSTOMER", state, policy(OWNER)))
    result = checks.check_source_key(source)
    assert (result.status, result.cause) == (CheckStatus.FAIL, CauseCode.KMS_KEY_UNUSABLE)
    assert command in result.remediation, result.remediation
    vault = with_vault(good_facts(), key=KeyFacts(DEST_KEY, "CUSTOMER", state))
    result = checks.check_destination_vault(vault)
    assert (result.status, result.cause) == (CheckStatus.FAIL, CauseCode.KMS_KEY_UNUSABLE)
    assert command in result.remediation, result.remediation
    if state != "Disabled":
        assert f"enable-key --key-id {DEST_KEY}" not in result.remediation.split("&&")[0]


def test_same_account_copy_is_refused_by_an_explicit_deny_only() -> None:
    """A same-account copy needs no vault policy, but "An explicit deny in any policy overrides
    any allows" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html)."""
    same = to_account(good_facts(), SRC)
    deny = policy(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "backup:CopyIntoBackupVault",
            "Resource": "*",
        }
    )
    result = checks.check_destination_access_policy(with_vault(same, access_policy=deny))
    assert (result.status, result.cause) == (CheckStatus.FAIL, CauseCode.VAULT_POLICY_DENIES_COPY)
    for document in (
        None,
        policy(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "backup:DeleteRecoveryPoint",
                "Resource": "*",
            }
        ),
    ):
        fine = checks.check_destination_access_policy(with_vault(same, access_policy=document))
        assert fine.status is CheckStatus.PASS, fine


GRANTS_ONLY = policy(
    OWNER,
    {
        "Sid": "Allow attachment of persistent resources",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{DEST}:root"},
        "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
        "Resource": "*",
        "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
    },
)


@pytest.mark.parametrize("resource_type", ["EBS", "EC2"])
def test_a_key_shared_for_grants_only_warns_for_ebs_and_ec2(resource_type: str) -> None:
    """ "Users of your shared customer managed key who are accessing encrypted snapshots must be
    granted permissions to perform the following actions on the key: kms:DescribeKey,
    kms:CreateGrant, kms:GenerateDataKey, kms:GenerateDataKeyWithoutPlaintext, kms:ReEncrypt,
    kms:Decrypt" (https://docs.aws.amazon.com/ebs/latest/userguide/share-kms-key.html); EC2's own
    refusal names DescribeKey (aws-samples/aws-backup-automation#2)."""
    key = KeyFacts(SRC_KEY, "CUSTOMER", "Enabled", GRANTS_ONLY)
    result = checks.check_source_key(good_facts(resource_type, source_key=key))
    assert result.status is CheckStatus.WARN, result.evidence
    assert "kms:DescribeKey" in result.evidence and "kms:Decrypt" in result.evidence
    # The statement to add is the one drconsole's own fix writes, and the fix is offered.
    use = remedies.key_policy_statements(DEST, "aws")[0]
    assert f"statement {use['Sid']}" in result.remediation
    assert remedies.pretty(use) in result.remediation
    assert result.fix_id == remedies.FIX_KEY_POLICY
    # With the use statement too, nothing is missing.
    both = json.loads(GRANTS_ONLY)
    both["Statement"].append(use)
    shared = KeyFacts(SRC_KEY, "CUSTOMER", "Enabled", json.dumps(both))
    assert checks.check_source_key(good_facts(resource_type, source_key=shared)).status is (
        CheckStatus.PASS
    )


def allow_all_but(action: str, account: str) -> str:
    """An Allow with NotPrincipal: "Using it with "Effect":"Allow" is not supported" (IAM)."""
    return policy(
        {
            "Effect": "Allow",
            "NotPrincipal": {"AWS": f"arn:aws:iam::{account}:root"},
            "Action": action,
            "Resource": "*",
        }
    )


@pytest.mark.parametrize(
    ("check_id", "facts"),
    [
        (
            "dest.access-policy",
            with_vault(
                good_facts(), access_policy=allow_all_but("backup:CopyIntoBackupVault", OTHER)
            ),
        ),
        (
            "source.vault-policy",
            good_facts(source_vault_policy=allow_all_but("backup:CopyFromBackupVault", OTHER)),
        ),
        (
            "source.key",
            good_facts(
                source_key=KeyFacts(SRC_KEY, "CUSTOMER", "Enabled", allow_all_but("kms:*", OTHER))
            ),
        ),
        (
            "source.copy-role",
            good_facts(
                copy_role=RoleFacts(
                    f"arn:aws:iam::{SRC}:role/service-role/AWSBackupDefaultServiceRole",
                    allow_all_but("sts:AssumeRole", OTHER),
                )
            ),
        ),
    ],
)
def test_a_policy_allowing_with_not_principal_is_unknown_never_pass(
    check_id: str, facts: CopyFacts
) -> None:
    """AWS does not support NotPrincipal in an Allow (nor in a trust policy at all): a verdict
    resting on such a policy is UNKNOWN, as for any policy drconsole cannot read."""
    result = {c.id: c for c in checks.copy_verdicts(facts)}[check_id]
    assert result.status is CheckStatus.UNKNOWN, result
    assert 'Statement[0]: NotPrincipal with "Effect": "Allow"' in result.evidence
    assert result.fix_id is None


ROLE = f"arn:aws:iam::{SRC}:role/service-role/AWSBackupDefaultServiceRole"
COPY_ACTIONS = ["backup:CopyFromBackupVault", "backup:CopyIntoBackupVault"]
UNRELATED = policy({"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"})


def with_role_policies(facts: CopyFacts, *documents: str) -> CopyFacts:
    """The copy role holding inline policies of these documents (read, as `check copy` reads
    them)."""
    policies = tuple(IdentityPolicy(f"p{i}", True, d) for i, d in enumerate(documents))
    return replace(facts, copy_role=RoleFacts(ROLE, TRUST, identity_policies=policies))


def same_account(facts: CopyFacts, dest_policy: str | None) -> CopyFacts:
    """`facts` copied into a vault of the source account in the DR Region."""
    vault = f"arn:aws:backup:{DR}:{SRC}:backup-vault:prod-vault"
    return replace(
        facts,
        dest_vault_arn=vault,
        dest_account_id=SRC,
        dest_vault_name="prod-vault",
        dest_org=facts.source_org,
        dest_vault=VaultFacts(
            vault,
            "prod-vault",
            SRC,
            DR,
            SRC_KEY,
            KeyFacts(SRC_KEY, "CUSTOMER", "Enabled"),
            access_policy=dest_policy,
        ),
        dest_vault_policy=dest_policy,
    )


def test_a_copy_role_whose_policies_allow_the_copy_passes_naming_them() -> None:
    allowing = policy({"Effect": "Allow", "Action": COPY_ACTIONS, "Resource": "*"})
    verdict = checks.check_copy_role(with_role_policies(good_facts(), allowing))
    assert verdict.status is CheckStatus.PASS, verdict
    assert "inline policy p0 allows backup:CopyIntoBackupVault" in verdict.evidence


def test_a_copy_role_whose_policies_allow_nothing_of_the_copy_fails() -> None:
    verdict = checks.check_copy_role(with_role_policies(good_facts(), UNRELATED))
    assert (verdict.status, verdict.cause) == (CheckStatus.FAIL, CauseCode.ROLE_PERMISSIONS)
    assert f"backup:CopyIntoBackupVault on {DEST_VAULT}" in verdict.evidence
    assert "needs the role's own Allow besides the vault's" in verdict.evidence
    assert (
        "aws iam attach-role-policy --role-name AWSBackupDefaultServiceRole --policy-arn "
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"
    ) in verdict.remediation


def test_a_cross_account_vault_policy_does_not_stand_in_for_the_roles_allow() -> None:
    """The destination vault's policy names the role, but across accounts IAM needs both."""
    from_only = policy({"Effect": "Allow", "Action": COPY_ACTIONS[0], "Resource": "*"})
    facts = with_vault(with_role_policies(good_facts(), from_only), access_policy=policy(
        {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": COPY_ACTIONS[1], "Resource": "*"}
    ))  # fmt: skip
    verdict = checks.check_copy_role(facts)
    assert verdict.status is CheckStatus.FAIL, verdict


@pytest.mark.parametrize(
    ("principal", "status"),
    [
        ({"AWS": ROLE}, CheckStatus.WARN),
        ("*", CheckStatus.WARN),
        # The account as principal delegates to IAM policies: it allows nothing by itself.
        ({"AWS": f"arn:aws:iam::{SRC}:root"}, CheckStatus.FAIL),
    ],
)
def test_a_same_account_vault_policy_naming_the_role_only_warns(
    principal: object, status: CheckStatus
) -> None:
    naming = policy({"Effect": "Allow", "Principal": principal, "Action": COPY_ACTIONS,
                     "Resource": "*"})  # fmt: skip
    facts = same_account(with_role_policies(good_facts(), UNRELATED), naming)
    verdict = checks.check_copy_role(replace(facts, source_vault_policy=naming))
    assert (verdict.status, verdict.cause) == (status, CauseCode.ROLE_PERMISSIONS), verdict


def test_an_unreadable_same_account_vault_policy_is_unknown_never_pass() -> None:
    facts = same_account(with_role_policies(good_facts(), UNRELATED), None)
    verdict = checks.check_copy_role(replace(facts, dest_vault_policy=DENIED))
    assert verdict.status is CheckStatus.UNKNOWN, verdict


def test_an_allow_hinging_on_an_unknown_key_is_unknown() -> None:
    """The recovery point's tags (aws:ResourceTag of CopyFromBackupVault) are not read."""
    hinging = policy({"Effect": "Allow", "Action": COPY_ACTIONS, "Resource": "*",
                      "Condition": {"StringEquals": {"aws:ResourceTag/team": "dr"}}})  # fmt: skip
    verdict = checks.check_copy_role(with_role_policies(good_facts(), hinging))
    assert verdict.status is CheckStatus.UNKNOWN, verdict
