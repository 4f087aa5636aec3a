"""The evaluator with keys whose value is unknown: a statement testing one may or may not apply,
and the decision is unknown exactly when its two extremes differ."""

from __future__ import annotations

from typing import Any

from drconsole.policy import Request, evaluate

ACCT = "111122223333"
ROLE = f"arn:aws:iam::{ACCT}:role/CopyRole"
ORG = "o-abc123defg"
ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}
DENY_OUTSIDE_ORG = {
    "Sid": "DenyOutsideOrg",
    "Effect": "Deny",
    "Action": "*",
    "Resource": "*",
    "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": ORG}},
}


def _decide(*statements: dict[str, Any], unknown: frozenset[str] = frozenset(), **context: Any):
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    keys = {k.replace("__", ":"): v for k, v in context.items()}
    return evaluate(document, Request("backup:CopyFromBackupVault", ROLE, "*", keys, unknown))


def test_without_unknown_keys_an_absent_key_is_absent_as_before() -> None:
    assert _decide(ALLOW_ALL, DENY_OUTSIDE_ORG).decision == "explicit-deny"
    assert _decide(ALLOW_ALL, DENY_OUTSIDE_ORG, aws__PrincipalOrgID=ORG).decision == "allow"


def test_a_deny_testing_an_unknown_key_makes_an_allow_unknown_with_both_extremes() -> None:
    decision = _decide(ALLOW_ALL, DENY_OUTSIDE_ORG, unknown=frozenset({"aws:PrincipalOrgID"}))
    assert decision.decision == "unknown" and not decision.allowed
    assert decision.bounds == ("explicit-deny", "allow")
    (undetermined,) = decision.statements
    assert undetermined.sid == "DenyOutsideOrg" and undetermined.unknown_keys == (
        "aws:PrincipalOrgID",
    )


def test_an_unknown_key_that_cannot_change_the_decision_leaves_it_known() -> None:
    # A certain explicit deny decides whatever the unknown statement does.
    certain_deny = {"Effect": "Deny", "Action": "*", "Resource": "*"}
    unknown = frozenset({"aws:principalorgid"})
    assert _decide(certain_deny, DENY_OUTSIDE_ORG, unknown=unknown).decision == "explicit-deny"
    # A statement whose known condition fails does not apply, whatever its unknown one holds.
    elsewhere = {
        **DENY_OUTSIDE_ORG,
        "Condition": {
            "StringNotEquals": {"aws:PrincipalOrgID": ORG},
            "StringEquals": {"aws:RequestedRegion": "us-east-1"},
        },
    }
    decision = _decide(ALLOW_ALL, elsewhere, unknown=unknown, aws__RequestedRegion="eu-north-1")
    assert decision.decision == "allow"


def test_an_allow_testing_an_unknown_key_is_unknown_between_implicit_deny_and_allow() -> None:
    allow_org = {**ALLOW_ALL, "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}}}
    decision = _decide(allow_org, unknown=frozenset({"aws:PrincipalOrgID"}))
    assert decision.bounds == ("implicit-deny", "allow")


def test_a_family_of_unknown_keys_and_policy_variables_are_unknown_too() -> None:
    tagged = {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"Null": {"aws:ResourceTag/dr-approved": "true"}},
    }
    decision = _decide(ALLOW_ALL, tagged, unknown=frozenset({"aws:ResourceTag/"}))
    assert decision.decision == "unknown"
    own_org = {
        **ALLOW_ALL,
        "Resource": "arn:aws:backup:*:*:backup-vault:${aws:PrincipalOrgID}",
    }
    document = {"Version": "2012-10-17", "Statement": [own_org]}
    request = Request(
        "backup:CopyIntoBackupVault",
        ROLE,
        f"arn:aws:backup:eu-north-1:{ACCT}:backup-vault:{ORG}",
        {},
        frozenset({"aws:PrincipalOrgID"}),
    )
    assert evaluate(document, request).bounds == ("implicit-deny", "allow")


def test_a_resource_entry_with_an_unknown_variable_leaves_a_matching_entry_in_force() -> None:
    # Resource entries are ORed: another entry that matches decides, whatever the unknown holds.
    vault = f"arn:aws:backup:eu-north-1:{ACCT}:backup-vault:central"
    either = {
        **ALLOW_ALL,
        "Resource": ["arn:aws:backup:*:*:backup-vault:${aws:PrincipalOrgID}", vault],
    }
    document = {"Version": "2012-10-17", "Statement": [either]}
    request = Request(
        "backup:CopyIntoBackupVault", ROLE, vault, {}, frozenset({"aws:PrincipalOrgID"})
    )
    assert evaluate(document, request).decision == "allow"
    other = Request(
        "backup:CopyIntoBackupVault",
        ROLE,
        f"arn:aws:backup:eu-north-1:{ACCT}:backup-vault:other",
        {},
        frozenset({"aws:PrincipalOrgID"}),
    )
    assert evaluate(document, other).bounds == ("implicit-deny", "allow")


def test_a_condition_value_with_an_unknown_variable_is_moot_when_another_value_decides() -> None:
    unknown = frozenset({"aws:PrincipalOrgID"})
    either = ["${aws:PrincipalOrgID}", ORG]
    # A positive operator that holds on the other value holds whatever the unknown one is.
    allow = {**ALLOW_ALL, "Condition": {"StringEquals": {"aws:ResourceOrgID": either}}}
    assert _decide(allow, unknown=unknown, aws__ResourceOrgID=ORG).decision == "allow"
    undecided = _decide(allow, unknown=unknown, aws__ResourceOrgID="o-other")
    assert undecided.bounds == ("implicit-deny", "allow")
    # A negated one that fails on the other value fails whatever the unknown one is.
    deny = {**DENY_OUTSIDE_ORG, "Condition": {"StringNotEquals": {"aws:ResourceOrgID": either}}}
    assert _decide(ALLOW_ALL, deny, unknown=unknown, aws__ResourceOrgID=ORG).decision == "allow"
    assert _decide(ALLOW_ALL, deny, unknown=unknown, aws__ResourceOrgID="o-x").bounds == (
        "explicit-deny",
        "allow",
    )
    # The set operators alike; a key the request lacks is judged without the values.
    any_of = {**ALLOW_ALL, "Condition": {"ForAnyValue:StringLike": {"aws:TagKeys": either}}}
    assert _decide(any_of, unknown=unknown, aws__TagKeys=["x", ORG]).decision == "allow"
    absent = {**DENY_OUTSIDE_ORG, "Condition": {"StringNotEqualsIfExists": {"k:k": either}}}
    assert _decide(ALLOW_ALL, absent, unknown=unknown).decision == "explicit-deny"
