"""The copy checks judge each request with the context AWS sends: the keys in every request
(aws:RequestedRegion, aws:CurrentTime, aws:ResourceAccount, aws:ResourceOrgID...), the
recovery point (not the destination vault) as CopyFromBackupVault's resource, and UNKNOWN, never
PASS or FAIL, when the decision hinges on a key whose value could not be read."""

from __future__ import annotations

from dataclasses import replace

from drconsole.checks import copy as checks
from drconsole.checks.copy_destination import check_destination_access_policy
from drconsole.models import CauseCode, CheckStatus
from tests.test_checks_copy import (
    DEST,
    FULL_ACCESS,
    ORG,
    OTHER,
    OWNER,
    SRC,
    SRC_KEY,
    KeyFacts,
    OrgMembership,
    ScpLevel,
    Unreadable,
    good_facts,
    policy,
    with_vault,
)

REFUSED = Unreadable(
    "organizations:DescribeOrganization", "AccessDeniedException", "not authorized"
)
SOURCE_OU = f"{ORG}/r-ab12/ou-ab12-prod1234/"


def _with_scp(document: str) -> object:
    level = ScpLevel("r-ab12", (("FullAWSAccess", FULL_ACCESS), ("extra", document)))
    return replace(good_facts(), source_scps=(level,))


def test_a_region_restriction_scp_listing_both_regions_of_the_copy_passes() -> None:
    # AWS Organizations' example "Deny access to AWS based on the requested AWS Region";
    # good_facts copies eu-central-1 -> eu-north-1.
    scp = policy(
        {
            "Sid": "DenyAllOutsideEU",
            "Effect": "Deny",
            "NotAction": ["iam:*", "organizations:*", "route53:*", "support:*", "sts:*"],
            "Resource": "*",
            "Condition": {
                "StringNotEquals": {"aws:RequestedRegion": ["eu-central-1", "eu-north-1"]}
            },
        }
    )
    assert checks.check_scps(_with_scp(scp)).status is CheckStatus.PASS
    # Each request is judged in its own Region: leaving out the destination's FAILs the copy.
    one_region = scp.replace('"eu-central-1", "eu-north-1"', '"eu-central-1"')
    check = checks.check_scps(_with_scp(one_region))
    assert check.status is CheckStatus.FAIL, check
    assert "denies backup:CopyIntoBackupVault" in check.evidence


def test_resource_perimeter_and_resource_account_scps_pass_a_copy_inside_the_organization() -> None:
    perimeter = policy(
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringNotEqualsIfExists": {"aws:ResourceOrgID": ORG}},
        }
    )
    accounts = policy(
        {
            "Effect": "Deny",
            "Action": "backup:*",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:ResourceAccount": [SRC, DEST]}},
        }
    )
    for scp in (perimeter, accounts):
        check = checks.check_scps(_with_scp(scp))
        assert check.status is CheckStatus.PASS, check.evidence
    elsewhere = accounts.replace(f'"{DEST}"', f'"{OTHER}"')
    assert checks.check_scps(_with_scp(elsewhere)).status is CheckStatus.FAIL


def test_copy_from_backup_vault_is_judged_with_the_recovery_points_tags_not_the_vaults() -> None:
    scp = policy(
        {
            "Effect": "Deny",
            "Action": "backup:CopyFromBackupVault",
            "Resource": "*",
            "Condition": {"Null": {"aws:ResourceTag/dr-approved": "true"}},
        }
    )
    facts = replace(_with_scp(scp), dest_vault_tags=(("dr-approved", "yes"),))
    check = checks.check_scps(facts)
    assert check.status is CheckStatus.UNKNOWN, check
    assert check.cause is CauseCode.UNKNOWN
    assert "aws:ResourceTag/dr-approved" in check.evidence
    assert "statement #1" in check.evidence and "recovery point's tags" in check.evidence


def test_destination_vault_tags_that_could_not_be_read_are_unknown_not_absent() -> None:
    scp = policy(
        {
            "Effect": "Deny",
            "Action": "backup:CopyIntoBackupVault",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:ResourceTag/tier": "dr"}},
        }
    )
    refused = Unreadable("backup:ListTags", "AccessDeniedException", "no")
    check = checks.check_scps(replace(_with_scp(scp), dest_vault_tags=refused))
    assert check.status is CheckStatus.UNKNOWN, check
    assert check.cause is CauseCode.ROLE_PERMISSIONS
    assert checks.check_scps(replace(_with_scp(scp), dest_vault_tags=(("tier", "dr"),))).status is (
        CheckStatus.PASS
    )


def test_vault_policies_limited_in_time_or_to_the_copy_regions_pass() -> None:
    grant = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{SRC}:root"},
        "Action": "backup:CopyIntoBackupVault",
        "Resource": "*",
    }
    until_2099 = {"DateLessThan": {"aws:CurrentTime": "2099-01-01T00:00:00Z"}}
    regions = {"StringEquals": {"aws:RequestedRegion": ["eu-central-1", "eu-north-1"]}}
    for condition in (until_2099, regions):
        document = policy({**grant, "Condition": condition})
        check = check_destination_access_policy(with_vault(good_facts(), access_policy=document))
        assert check.status is CheckStatus.PASS, check.evidence
    lapsed = policy({**grant, "Condition": {"DateLessThan": {"aws:CurrentTime": "2020-01-01"}}})
    check = check_destination_access_policy(with_vault(good_facts(), access_policy=lapsed))
    assert check.status is CheckStatus.FAIL


def test_a_deny_on_an_unknown_ou_path_makes_the_vault_policy_unknown_not_pass() -> None:
    document = policy(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "backup:CopyIntoBackupVault",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}},
        },
        {
            "Sid": "NotFromProd",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "backup:CopyIntoBackupVault",
            "Resource": "*",
            "Condition": {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": SOURCE_OU + "*"}},
        },
    )
    facts = with_vault(good_facts(), access_policy=document)
    assert check_destination_access_policy(facts).status is CheckStatus.FAIL  # path known
    unknown_path = replace(facts, source_org=OrgMembership(SRC, ORG, OTHER, None))
    check = check_destination_access_policy(unknown_path)
    assert check.status is CheckStatus.UNKNOWN, check
    assert 'statement "NotFromProd"' in check.evidence and "aws:PrincipalOrgPaths" in check.evidence
    assert "OU path of account" in check.evidence


def test_an_unreadable_organization_makes_org_conditioned_denies_unknown_not_fail() -> None:
    deny_outside = {
        "Effect": "Deny",
        "Principal": "*",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": ORG}},
    }
    allow_source = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{SRC}:root"},
        "Action": "backup:CopyIntoBackupVault",
        "Resource": "*",
    }
    into = policy(allow_source, {**deny_outside, "Action": "backup:CopyIntoBackupVault"})
    out = policy({**deny_outside, "Action": "backup:CopyFromBackupVault"})
    facts = replace(good_facts(), source_org=REFUSED, source_vault_policy=out)
    for check in (
        check_destination_access_policy(with_vault(facts, access_policy=into)),
        checks.check_source_vault_policy(facts),
    ):
        assert check.status is CheckStatus.UNKNOWN, check
        assert check.cause is CauseCode.ROLE_PERMISSIONS, check
        assert "aws:PrincipalOrgID" in check.evidence and "AccessDeniedException" in check.evidence
    readable = replace(facts, source_org=good_facts().source_org)
    assert checks.check_source_vault_policy(readable).status is CheckStatus.PASS


def test_an_scp_on_copy_target_org_paths_is_unknown_when_the_destination_is_unreadable() -> None:
    dest_ou = f"{ORG}/r-ab12/ou-ab12-sec12345/"
    scp = policy(
        {
            "Effect": "Deny",
            "Action": "backup:CopyFromBackupVault",
            "Resource": "*",
            "Condition": {
                "ForAllValues:StringNotLike": {"backup:CopyTargetOrgPaths": [dest_ou + "*"]}
            },
        }
    )
    facts = _with_scp(scp)
    assert checks.check_scps(facts).status is CheckStatus.PASS  # path known
    check = checks.check_scps(replace(facts, dest_org=REFUSED))
    assert check.status is CheckStatus.UNKNOWN, check
    assert "backup:CopyTargetOrgPaths" in check.evidence
    assert check.cause is CauseCode.ROLE_PERMISSIONS


def test_a_vault_policy_granting_the_copy_through_a_wildcard_action_warns() -> None:
    document = policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{SRC}:root"},
            "Action": "backup:Copy*",
            "Resource": "*",
        }
    )
    check = check_destination_access_policy(with_vault(good_facts(), access_policy=document))
    assert check.status is CheckStatus.WARN, check
    assert "don't support a wildcard in the Action key" in check.evidence
    assert "statement #0" in check.evidence and "backup:Copy*" in check.evidence
    assert '"backup:CopyIntoBackupVault"' in check.remediation
    named = document.replace('"backup:Copy*"', '["backup:Copy*", "backup:CopyIntoBackupVault"]')
    check = check_destination_access_policy(with_vault(good_facts(), access_policy=named))
    assert check.status is CheckStatus.PASS


def test_a_key_shared_through_a_service_only_is_unknown_not_failed_as_not_shared() -> None:
    shared = policy(
        OWNER,
        {
            "Sid": "AllowDestinationThroughEC2",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "kms:CallerAccount": DEST,
                    "kms:ViaService": "ec2.eu-central-1.amazonaws.com",
                }
            },
        },
    )
    facts = good_facts("EBS", source_key=KeyFacts(SRC_KEY, "CUSTOMER", "Enabled", shared))
    check = checks.check_source_key(facts)
    assert check.status is CheckStatus.UNKNOWN, check
    assert "kms:ViaService" in check.evidence and "AllowDestinationThroughEC2" in check.evidence
