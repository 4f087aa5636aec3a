"""Every policy quoted in the seeds, evaluated for realistic cross-account backup requests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from drconsole.policy import PolicyError, Request, evaluate, evaluate_resource_policy

POLICIES = Path(__file__).parent / "data" / "policies"
SEEDS = Path("/work/shared/seeds")

ORG = "o-a1b2c3d4e5"
OU_B = f"{ORG}/r-f6g7h8i9j0example/ou-def0-awsbbbbb/"
OU_D = f"{OU_B}ou-jkl0-awsddddd/"
MEMBER = "111111111111"
BACKUP = "222222222222"
SLR_PATH = "role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup"
BACKUP_SLR = f"arn:aws:iam::{BACKUP}:{SLR_PATH}"
BACKUP_SLR_SESSION = f"arn:aws:sts::{BACKUP}:assumed-role/AWSServiceRoleForBackup/AWSBackup-copy"
MEMBER_SLR_SESSION = f"arn:aws:sts::{MEMBER}:assumed-role/AWSServiceRoleForBackup/AWSBackup-copy"
COPY = "backup:CopyIntoBackupVault"
COPY_FROM = "backup:CopyFromBackupVault"
DEST_VAULT = f"arn:aws:backup:eu-north-1:{BACKUP}:backup-vault:central"
EBS_SNAPSHOT = "arn:aws:ec2:eu-central-1::snapshot/snap-0123456789abcdef0"
RDS_SNAPSHOT = f"arn:aws:rds:eu-central-1:{MEMBER}:snapshot:awsbackup:job-1"


def load(name: str) -> dict[str, Any]:
    """A policy of tests/data/policies."""
    document: dict[str, Any] = json.loads((POLICIES / name).read_text())
    return document


def decide(
    name: str, action: str, principal: str, resource: str | None = None, **context: Any
) -> str:
    """Decision for a request; `__` in a context key stands for `:` and `_S_` for `/`."""
    keys = {k.replace("__", ":").replace("_S_", "/"): v for k, v in context.items()}
    return evaluate(load(name), Request(action, principal, resource, keys)).decision


def test_every_policy_file_parses_or_is_the_known_malformed_one() -> None:
    names = sorted(p.name for p in POLICIES.glob("*.json"))
    assert len(names) == 13
    for name in names:
        if "malformed" in name:
            continue
        evaluate(load(name), Request("backup:ListBackupVaults", MEMBER))


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed texts not present")
def test_the_files_quote_the_seeds() -> None:
    """The distinctive values of each policy file appear in the seed texts."""
    text = " ".join(p.read_text() for p in SEEDS.glob("*.txt"))
    for needle in [
        "Allow account to copy into backup vault",
        "arn:aws:iam::444455556666:root",
        "ou-def0-awsbbbbb/ou-jkl0-awsddddd/*",
        '"aws:PrincipalOrgID":[ "o-a1b2c3d4e5" ]',
        "aws:ResourceTag/DestinationBackupVault",
        "arn:aws:backup:us-west-1:123456789012:backup-vault:fort-knox",
        "backup:CopyTargetOrgPaths",
        "arn:aws:iam::222222222222:role/myRole",
        "arn:aws:iam::222222222222:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup",
        "arn:aws:iam:::111111111111:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup",
        "'kms:GrantIsForAWSResource': true",
        "Enable backup vault access",
    ]:
        assert needle in text, needle


# --- vault access policies (destination vault) ------------------------------------------------


@pytest.mark.parametrize(
    ("principal", "action", "expected"),
    [
        ("111122223333", COPY, "allow"),
        ("arn:aws:iam::111122223333:root", COPY, "allow"),
        ("arn:aws:sts::111122223333:assumed-role/AWSBackupDefaultServiceRole/s", COPY, "allow"),
        ("arn:aws:iam::999999999999:root", COPY, "implicit-deny"),
        ("111122223333", "backup:DeleteBackupVault", "implicit-deny"),
    ],
)
def test_docs_vault_policy_for_one_account(principal: str, action: str, expected: str) -> None:
    assert decide("docs-copy-into-vault-account-root.json", action, principal) == expected


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        ("arn:aws:iam::444455556666:root", "allow"),
        ("arn:aws:sts::444455556666:assumed-role/AnyRole/s", "allow"),
        ("arn:aws:iam::111122223333:role/SomeRole", "allow"),
        ("arn:aws:sts::111122223333:assumed-role/SomeRole/copy", "allow"),
        ("arn:aws:sts::111122223333:assumed-role/OtherRole/copy", "implicit-deny"),
        ("111122223333", "implicit-deny"),
    ],
)
def test_docs_vault_policy_for_account_and_role(principal: str, expected: str) -> None:
    assert decide("docs-share-vault-account-and-role.json", COPY, principal) == expected


@pytest.mark.parametrize(
    ("org_paths", "expected"),
    [
        ([OU_B], "allow"),
        ([OU_D], "allow"),
        ([f"{OU_D}ou-qa00-awseeeee/"], "allow"),
        # A sibling OU under ou-def0-awsbbbbb is neither the OU itself nor under ou-jkl0-awsddddd.
        ([f"{OU_B}ou-xyz0-awsfffff/"], "implicit-deny"),
        ([f"{ORG}/r-f6g7h8i9j0example/ou-def0-awscccccc/"], "implicit-deny"),
        (None, "implicit-deny"),
    ],
)
def test_docs_vault_policy_for_org_paths(org_paths: list[str] | None, expected: str) -> None:
    context = {} if org_paths is None else {"aws__PrincipalOrgPaths": org_paths}
    got = decide("docs-share-vault-org-paths.json", COPY, f"arn:aws:iam::{MEMBER}:root", **context)
    assert got == expected


@pytest.mark.parametrize(
    "name",
    ["docs-share-vault-org-id.json", "blog-vault-org-id.json", "blog-cfn-vault-access-policy.json"],
)
def test_org_wide_vault_policies(name: str) -> None:
    member = f"arn:aws:sts::{MEMBER}:assumed-role/AWSServiceRoleForBackup/AWSBackup-copy"
    assert decide(name, COPY, member, DEST_VAULT, aws__PrincipalOrgID=ORG) == "allow"
    assert (
        decide(name, COPY, member, DEST_VAULT, aws__PrincipalOrgID="o-outsider00")
        == "implicit-deny"
    )
    assert decide(name, COPY, member, DEST_VAULT) == "implicit-deny"
    assert decide(name, "backup:DeleteRecoveryPoint", member, aws__PrincipalOrgID=ORG) == (
        "implicit-deny"
    )


def test_org_wide_vault_policy_across_accounts_needs_the_source_identity_policy() -> None:
    request = Request(COPY, f"arn:aws:iam::{MEMBER}:root", DEST_VAULT, {"aws:PrincipalOrgID": ORG})
    decision = evaluate_resource_policy(load("docs-share-vault-org-id.json"), request, BACKUP)
    assert decision.allowed and decision.needs_identity_allow


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        (f"arn:aws:iam::{MEMBER}:root", "allow"),
        (f"arn:aws:iam::{MEMBER}:user/ops", "allow"),
        (f"arn:aws:iam::{BACKUP}:role/myRole", "allow"),
        (f"arn:aws:sts::{BACKUP}:assumed-role/myRole/s", "allow"),
        (f"arn:aws:iam::{BACKUP}:role/otherRole", "implicit-deny"),
        ("333333333333", "implicit-deny"),
    ],
)
def test_blog_least_privilege_vault_principals(principal: str, expected: str) -> None:
    assert decide("blog-vault-least-privilege-principals.json", COPY, principal) == expected


# --- service control policies -----------------------------------------------------------------


def test_scp_denies_copy_into_an_untagged_vault() -> None:
    name = "docs-scp-deny-untagged-destination.json"
    assert decide(name, COPY, MEMBER, DEST_VAULT) == "explicit-deny"
    tagged = decide(name, COPY, MEMBER, DEST_VAULT, aws__ResourceTag_S_DestinationBackupVault="yes")
    assert tagged == "implicit-deny"  # not denied; an SCP alone never allows
    lower = decide(name, COPY, MEMBER, DEST_VAULT, aws__resourcetag_S_destinationbackupvault="")
    assert lower == "implicit-deny"
    assert decide(name, "backup:StartCopyJob", MEMBER, DEST_VAULT) == "implicit-deny"


@pytest.mark.parametrize(
    ("resource", "targets", "expected"),
    [
        (
            EBS_SNAPSHOT,
            ["arn:aws:backup:eu-west-1:112233445566:backup-vault:cab-prod"],
            "implicit-deny",
        ),
        (
            EBS_SNAPSHOT,
            ["arn:aws:backup:us-west-1:123456789012:backup-vault:fort-knox"],
            "implicit-deny",
        ),
        (
            EBS_SNAPSHOT,
            ["arn:aws:backup:us-east-1:123456789012:backup-vault:fort-knox"],
            "explicit-deny",
        ),
        (
            EBS_SNAPSHOT,
            ["arn:aws:backup:eu-west-1:112233445566:backup-vault:other"],
            "explicit-deny",
        ),
        (EBS_SNAPSHOT, [DEST_VAULT], "explicit-deny"),
        # ForAllValues:ArnNotLike holds only when every target is outside the list: with one
        # allowed target among others the statement does not deny (the policy as written).
        (
            EBS_SNAPSHOT,
            [DEST_VAULT, "arn:aws:backup:us-west-1:123456789012:backup-vault:fort-knox"],
            "implicit-deny",
        ),
        (EBS_SNAPSHOT, None, "explicit-deny"),  # no targets: ForAllValues holds on the empty set
        (RDS_SNAPSHOT, [DEST_VAULT], "implicit-deny"),  # Resource limits the SCP to EC2 snapshots
    ],
)
def test_scp_limits_copy_targets_by_arn(
    resource: str, targets: list[str] | None, expected: str
) -> None:
    context = {} if targets is None else {"backup__CopyTargets": targets}
    got = decide("docs-scp-limit-copy-targets-by-arn.json", COPY_FROM, MEMBER, resource, **context)
    assert got == expected


@pytest.mark.parametrize(
    ("target_paths", "expected"),
    [
        ([OU_B], "implicit-deny"),
        ([f"{OU_D}ou-x/"], "implicit-deny"),
        ([f"{ORG}/r-f6g7h8i9j0example/ou-prod-awsppppp/"], "explicit-deny"),
        ([f"{OU_B}ou-sibling/"], "explicit-deny"),
        (None, "explicit-deny"),
    ],
)
def test_scp_limits_copy_targets_by_ou(target_paths: list[str] | None, expected: str) -> None:
    context = {} if target_paths is None else {"backup__CopyTargetOrgPaths": target_paths}
    got = decide(
        "docs-scp-limit-copy-targets-by-ou.json", COPY_FROM, MEMBER, RDS_SNAPSHOT, **context
    )
    assert got == expected


# --- key policies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "principal", "context", "expected"),
    [
        # The destination (backup account) SLR may create grants for AWS resources...
        ("kms:CreateGrant", BACKUP_SLR_SESSION, {"kms:GrantIsForAWSResource": "true"}, "allow"),
        ("kms:CreateGrant", BACKUP_SLR, {"kms:GrantIsForAWSResource": "true"}, "allow"),
        ("kms:ListGrants", BACKUP_SLR_SESSION, {"kms:GrantIsForAWSResource": "true"}, "allow"),
        # ...but not for anything else, and not without the condition key.
        (
            "kms:CreateGrant",
            BACKUP_SLR_SESSION,
            {"kms:GrantIsForAWSResource": "false"},
            "implicit-deny",
        ),
        ("kms:CreateGrant", BACKUP_SLR_SESSION, {}, "implicit-deny"),
        ("kms:Decrypt", BACKUP_SLR_SESSION, {"kms:GrantIsForAWSResource": "true"}, "implicit-deny"),
        # Another role of the backup account is not the SLR.
        (
            "kms:CreateGrant",
            f"arn:aws:sts::{BACKUP}:assumed-role/Admin/s",
            {"kms:GrantIsForAWSResource": "true"},
            "implicit-deny",
        ),
        # The key's own account keeps full control (Enable IAM User Permissions).
        ("kms:Decrypt", f"arn:aws:iam::{MEMBER}:root", {}, "allow"),
        ("kms:ScheduleKeyDeletion", MEMBER_SLR_SESSION, {}, "allow"),
    ],
)
def test_blog_source_key_policy_shared_with_backup_account_slr(
    action: str, principal: str, context: dict[str, str], expected: str
) -> None:
    policy = load("blog-key-policy-shared-with-backup-account-slr.json")
    decision = evaluate(policy, Request(action, principal, None, context))
    assert decision.decision == expected
    if expected == "allow" and principal.startswith(f"arn:aws:sts::{BACKUP}"):
        assert [s.sid for s in decision.statements] == ["Allow attachment of persistent resources"]


def test_blog_key_policy_with_the_typo_principal_is_rejected() -> None:
    with pytest.raises(PolicyError) as caught:
        evaluate(
            load("blog-key-policy-copy-back-malformed-principal.json"),
            Request("kms:CreateGrant", MEMBER),
        )
    message = str(caught.value)
    assert message.startswith("Statement[0].Principal.AWS: invalid principal")
    assert "arn:aws:iam:::111111111111" in message


@pytest.mark.parametrize(
    ("action", "principal", "context", "expected"),
    [
        ("kms:Decrypt", MEMBER_SLR_SESSION, {}, "allow"),
        ("kms:ReEncryptFrom", f"arn:aws:iam::{MEMBER}:root", {}, "allow"),
        ("kms:GenerateDataKeyWithoutPlaintext", MEMBER_SLR_SESSION, {}, "allow"),
        ("kms:CreateGrant", MEMBER_SLR_SESSION, {"kms:GrantIsForAWSResource": "true"}, "allow"),
        (
            "kms:CreateGrant",
            MEMBER_SLR_SESSION,
            {"kms:GrantIsForAWSResource": "false"},
            "implicit-deny",
        ),
        ("kms:ScheduleKeyDeletion", MEMBER_SLR_SESSION, {}, "implicit-deny"),
        ("kms:ScheduleKeyDeletion", f"arn:aws:iam::{BACKUP}:root", {}, "allow"),
        ("kms:Decrypt", "arn:aws:iam::333333333333:root", {}, "implicit-deny"),
    ],
)
def test_blog_cfn_destination_key_policy(
    action: str, principal: str, context: dict[str, str], expected: str
) -> None:
    policy = load("blog-cfn-destination-key-policy.json")
    assert evaluate(policy, Request(action, principal, None, context)).decision == expected


def test_key_policy_cross_account_grant_needs_identity_allow() -> None:
    policy = load("blog-key-policy-shared-with-backup-account-slr.json")
    request = Request(
        "kms:CreateGrant", BACKUP_SLR_SESSION, None, {"kms:GrantIsForAWSResource": "true"}
    )
    decision = evaluate_resource_policy(policy, request, MEMBER)
    assert decision.allowed and decision.needs_identity_allow
