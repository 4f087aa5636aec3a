"""The IAM policy evaluator, rule by rule (AWS's documented evaluation logic)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from drconsole.errors import UsageError
from drconsole.policy import (
    Decision,
    PolicyError,
    Request,
    evaluate,
    evaluate_resource_policy,
    parse_policy,
)

ACCT = "111122223333"
OTHER = "444455556666"
ROLE = f"arn:aws:iam::{ACCT}:role/SomeRole"
SESSION = f"arn:aws:sts::{ACCT}:assumed-role/SomeRole/copy-job"
USER = f"arn:aws:iam::{ACCT}:user/alice"
VAULT = f"arn:aws:backup:eu-central-1:{ACCT}:backup-vault:central"


def policy_of(**statement: Any) -> dict[str, Any]:
    """A 2012-10-17 policy with one statement (Effect Allow, Action/Resource * by default)."""
    body = {"Effect": "Allow", "Action": "*", "Resource": "*", **statement}
    return {"Version": "2012-10-17", "Statement": [body]}


def decide(
    policy: Any,
    action: str = "backup:CopyIntoBackupVault",
    principal: str = ACCT,
    resource: str | None = None,
    **context: str | list[str],
) -> str:
    """The decision string for a request; context keys use `__` for `:` and `_S_` for `/`."""
    keys = {k.replace("__", ":").replace("_S_", "/"): v for k, v in context.items()}
    return evaluate(policy, Request(action, principal, resource, keys)).decision


def cond(operator: str, key: str, values: Any) -> dict[str, Any]:
    """A one-test condition policy."""
    return policy_of(Condition={operator: {key: values}})


# --- decisions and structure ---------------------------------------------------------------


def test_allow_names_the_deciding_statement() -> None:
    result = evaluate(policy_of(Sid="Open"), Request("backup:ListBackupVaults", ACCT))
    assert isinstance(result, Decision)
    assert result.decision == "allow" and result.allowed
    assert [(s.sid, s.index, s.effect, s.matched) for s in result.statements] == [
        ("Open", 0, "Allow", True)
    ]


def test_explicit_deny_beats_allow_and_lists_only_denies() -> None:
    policy = {
        "Statement": [
            {"Effect": "Allow", "Action": "backup:*", "Resource": "*"},
            {"Sid": "NoDelete", "Effect": "Deny", "Action": "backup:Delete*", "Resource": "*"},
        ]
    }
    result = evaluate(policy, Request("backup:DeleteBackupVault", ACCT))
    assert result.decision == "explicit-deny"
    assert [s.sid for s in result.statements] == ["NoDelete"]
    assert len(result.evaluated) == 2
    assert decide(policy, "backup:ListBackupVaults") == "allow"


def test_implicit_deny_explains_every_statement() -> None:
    result = evaluate(policy_of(Action="kms:Decrypt"), Request("kms:Encrypt", ACCT))
    assert result.decision == "implicit-deny"
    assert len(result.statements) == 1 and not result.statements[0].matched
    assert "kms:Encrypt is not in Action" in result.statements[0].reason


def test_statement_may_be_a_single_object() -> None:
    statement = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    policy = {"Version": "2012-10-17", "Statement": statement}
    assert decide(policy, "s3:GetObject") == "allow"
    assert parse_policy(json.dumps(policy)).statements[0].index == 0


def test_json_text_and_dict_agree() -> None:
    policy = policy_of(Action="kms:CreateGrant")
    assert decide(json.dumps(policy), "kms:CreateGrant") == decide(policy, "kms:CreateGrant")


# --- Principal / NotPrincipal ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("principal_element", "requester", "expected"),
    [
        ("*", ACCT, "allow"),
        ("*", "backup.amazonaws.com", "allow"),
        ({"AWS": "*"}, SESSION, "allow"),
        ({"AWS": ACCT}, USER, "allow"),
        ({"AWS": ACCT}, SESSION, "allow"),
        ({"AWS": ACCT}, f"arn:aws:iam::{OTHER}:root", "implicit-deny"),
        ({"AWS": f"arn:aws:iam::{ACCT}:root"}, ACCT, "allow"),
        ({"AWS": f"arn:aws:iam::{ACCT}:root"}, ROLE, "allow"),
        ({"AWS": f"arn:aws:iam::{ACCT}:root"}, "backup.amazonaws.com", "implicit-deny"),
        ({"AWS": ROLE}, ROLE, "allow"),
        ({"AWS": ROLE}, SESSION, "allow"),
        ({"AWS": ROLE}, f"arn:aws:sts::{ACCT}:assumed-role/OtherRole/copy-job", "implicit-deny"),
        ({"AWS": ROLE}, f"arn:aws:sts::{OTHER}:assumed-role/SomeRole/copy-job", "implicit-deny"),
        ({"AWS": ROLE}, ACCT, "implicit-deny"),
        ({"AWS": f"arn:aws:iam::{ACCT}:role/service-role/path/SomeRole"}, SESSION, "allow"),
        ({"AWS": SESSION}, SESSION, "allow"),
        ({"AWS": SESSION}, f"arn:aws:sts::{ACCT}:assumed-role/SomeRole/other", "implicit-deny"),
        ({"AWS": SESSION}, ROLE, "implicit-deny"),
        ({"AWS": USER}, USER, "allow"),
        ({"AWS": USER}, f"arn:aws:iam::{ACCT}:user/bob", "implicit-deny"),
        ({"Service": "backup.amazonaws.com"}, "backup.amazonaws.com", "allow"),
        ({"Service": "backup.amazonaws.com"}, "ec2.amazonaws.com", "implicit-deny"),
        ({"Service": "backup.amazonaws.com"}, ACCT, "implicit-deny"),
        ({"AWS": [f"arn:aws:iam::{OTHER}:root", ROLE]}, SESSION, "allow"),
        ({"AWS": [f"arn:aws:iam::{OTHER}:root", ROLE]}, f"arn:aws:iam::{OTHER}:user/x", "allow"),
        ({"AWS": [OTHER], "Service": ["backup.amazonaws.com"]}, "backup.amazonaws.com", "allow"),
        ({"Federated": "accounts.google.com"}, "accounts.google.com", "allow"),
        ({"Federated": "accounts.google.com"}, "backup.amazonaws.com", "implicit-deny"),
        (
            {"Federated": f"arn:aws:iam::{ACCT}:saml-provider/Okta"},
            f"arn:aws:iam::{ACCT}:saml-provider/Okta",
            "allow",
        ),
        ({"CanonicalUser": "a" * 64}, "a" * 64, "allow"),
    ],
)
def test_principal(principal_element: Any, requester: str, expected: str) -> None:
    assert decide(policy_of(Principal=principal_element), principal=requester) == expected


def test_statement_without_principal_applies_to_any_requester() -> None:
    assert decide(policy_of(), principal="backup.amazonaws.com") == "allow"
    assert decide(policy_of(), principal=SESSION) == "allow"


@pytest.mark.parametrize(
    ("not_principal", "requester", "expected"),
    [
        # A Deny with NotPrincipal denies everyone whose identity chain is not fully listed.
        ({"AWS": f"arn:aws:iam::{OTHER}:root"}, ACCT, "explicit-deny"),
        ({"AWS": f"arn:aws:iam::{ACCT}:root"}, ACCT, "allow"),
        # A session is also its role and its account: AWS requires each to be listed.
        ({"AWS": [ROLE]}, SESSION, "explicit-deny"),
        ({"AWS": [SESSION, ROLE]}, SESSION, "explicit-deny"),
        ({"AWS": [SESSION, ROLE, f"arn:aws:iam::{ACCT}:root"]}, SESSION, "allow"),
        ({"AWS": ACCT}, USER, "explicit-deny"),
        ({"AWS": [USER, ACCT]}, USER, "allow"),
        ({"Service": "backup.amazonaws.com"}, "backup.amazonaws.com", "allow"),
        ({"Service": "backup.amazonaws.com"}, ROLE, "explicit-deny"),
        ("*", ACCT, "allow"),
    ],
)
def test_not_principal_with_deny(not_principal: Any, requester: str, expected: str) -> None:
    policy = {
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "NotPrincipal": not_principal, "Action": "*", "Resource": "*"},
        ]
    }
    assert decide(policy, principal=requester) == expected


def test_not_principal_with_allow_is_refused_as_aws_does_not_support_it() -> None:
    # IAM: "NotPrincipal must be used with "Effect":"Deny". Using it with "Effect":"Allow" is
    # not supported." Evaluated, it would allow everyone but the listed principals.
    policy = policy_of(NotPrincipal={"AWS": f"arn:aws:iam::{OTHER}:root"})
    with pytest.raises(PolicyError, match=r'^Statement\[0\]: NotPrincipal with "Effect": "Allow"'):
        decide(policy, principal=ACCT)
    single = {"Statement": {"Effect": "Allow", "NotPrincipal": "*", "Action": "*"}}
    with pytest.raises(PolicyError, match=r"^Statement: NotPrincipal"):
        parse_policy(single)


# --- Action / NotAction, Resource / NotResource ----------------------------------------------


@pytest.mark.parametrize(
    ("actions", "requested", "expected"),
    [
        ("*", "kms:Decrypt", "allow"),
        ("kms:*", "kms:Decrypt", "allow"),
        ("kms:*", "backup:StartCopyJob", "implicit-deny"),
        ("KMS:decrypt", "kms:Decrypt", "allow"),
        ("kms:Decrypt", "KMS:DECRYPT", "allow"),
        ("kms:ReEncrypt*", "kms:ReEncryptFrom", "allow"),
        ("kms:Re?ncrypt*", "kms:ReEncryptTo", "allow"),
        ("kms:Re?ncrypt", "kms:ReEncryptTo", "implicit-deny"),
        ("backup:*Backup*", "backup:CopyIntoBackupVault", "allow"),
        (["kms:Encrypt", "kms:Decrypt"], "kms:Decrypt", "allow"),
    ],
)
def test_action_wildcards_ignore_case(actions: Any, requested: str, expected: str) -> None:
    assert decide(policy_of(Action=actions), requested) == expected


def test_not_action_matches_every_other_action() -> None:
    policy = {"Statement": {"Effect": "Deny", "NotAction": ["kms:Describe*"], "Resource": "*"}}
    assert decide(policy, "kms:ScheduleKeyDeletion") == "explicit-deny"
    assert decide(policy, "kms:describekey") == "implicit-deny"


@pytest.mark.parametrize(
    ("resources", "requested", "expected"),
    [
        ("*", VAULT, "allow"),
        (f"arn:aws:backup:*:{ACCT}:backup-vault:*", VAULT, "allow"),
        (f"arn:aws:backup:eu-central-1:{ACCT}:backup-vault:centra?", VAULT, "allow"),
        (f"arn:aws:backup:eu-central-1:{ACCT}:backup-vault:CENTRAL", VAULT, "implicit-deny"),
        (f"arn:aws:backup:eu-north-1:{ACCT}:backup-vault:*", VAULT, "implicit-deny"),
        ("arn:aws:ec2:*:snapshot/*", "arn:aws:ec2:eu-central-1::snapshot/snap-0abc", "allow"),
        (["arn:aws:s3:::a", VAULT], VAULT, "allow"),
        ("*", None, "allow"),
        (VAULT, None, "implicit-deny"),
    ],
)
def test_resource_wildcards_are_case_sensitive(
    resources: Any, requested: str | None, expected: str
) -> None:
    assert decide(policy_of(Resource=resources), resource=requested) == expected


def test_not_resource() -> None:
    policy = {"Statement": {"Effect": "Deny", "Action": "*", "NotResource": f"{VAULT}*"}}
    assert decide(policy, resource=VAULT) == "implicit-deny"
    assert decide(policy, resource=VAULT.replace("central", "other")) == "explicit-deny"


def test_trust_policy_without_resource_applies_to_any_resource() -> None:
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
    assert decide(trust, "sts:AssumeRole", "backup.amazonaws.com", ROLE) == "allow"
    assert decide(trust, "sts:AssumeRole", "ec2.amazonaws.com", ROLE) == "implicit-deny"


# --- condition operators: present keys --------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "policy_values", "request_value", "held"),
    [
        ("StringEquals", "o-a1b2c3d4e5", "o-a1b2c3d4e5", True),
        ("StringEquals", "o-a1b2c3d4e5", "O-A1B2C3D4E5", False),
        ("StringEquals", ["o-1", "o-2"], "o-2", True),
        ("StringNotEquals", "o-1", "o-2", True),
        ("StringNotEquals", ["o-1", "o-2"], "o-2", False),
        ("StringEqualsIgnoreCase", "Prod", "PROD", True),
        ("StringNotEqualsIgnoreCase", "Prod", "PROD", False),
        ("StringNotEqualsIgnoreCase", "Prod", "dev", True),
        ("StringLike", "o-*/r-?bcd/*", "o-1/r-abcd/ou-x/", True),
        ("StringLike", "o-*/r-?bcd/*", "o-1/r-bcd/ou-x/", False),
        ("StringLike", "prod", "prod-eu", False),
        ("StringNotLike", ["dev*", "qa*"], "prod", True),
        ("StringNotLike", ["dev*", "qa*"], "qa-2", False),
        (
            "ArnEquals",
            "arn:aws:iam::*:role/Backup*",
            "arn:aws:iam::111122223333:role/BackupX",
            True,
        ),
        (
            "ArnLike",
            "arn:aws:backup:*:112233445566:backup-vault:cab-*",
            "arn:aws:backup:eu-west-1:112233445566:backup-vault:cab-prod",
            True,
        ),
        (
            "ArnLike",
            "arn:aws:backup:*:112233445566:backup-vault:cab-*",
            "arn:aws:backup:eu-west-1:999999999999:backup-vault:cab-prod",
            False,
        ),
        # Each ARN component is matched on its own: a * cannot swallow a colon.
        (
            "ArnLike",
            "arn:aws:backup:*:backup-vault:x",
            "arn:aws:backup:eu-west-1:1:backup-vault:x",
            False,
        ),
        ("ArnLike", "arn:aws:s3:::bucket", "not-an-arn", False),
        ("ArnNotEquals", "arn:aws:iam::1:role/A", "arn:aws:iam::1:role/B", True),
        ("ArnNotLike", "arn:aws:iam::*:role/A*", "arn:aws:iam::1:role/Admin", False),
        ("Bool", "true", "true", True),
        ("Bool", "true", "TRUE", True),
        ("Bool", True, "true", True),
        ("Bool", "true", "false", False),
        ("Bool", "false", "false", True),
        ("Bool", "true", "yes", False),
        ("NumericEquals", "10", "10.0", True),
        ("NumericNotEquals", "10", "11", True),
        ("NumericLessThan", 10, "9", True),
        ("NumericLessThan", "10", "10", False),
        ("NumericLessThanEquals", "10", "10", True),
        ("NumericGreaterThan", "10", "10.5", True),
        ("NumericGreaterThanEquals", "10", "9", False),
        ("NumericEquals", "10", "ten", False),
        ("DateEquals", "2026-01-01T00:00:00Z", "1767225600", True),
        ("DateNotEquals", "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z", True),
        ("DateLessThan", "2026-01-01T00:00:00Z", "2025-12-31T23:59:59Z", True),
        ("DateLessThan", "2026-01-01", "2026-01-01T00:00:00+00:00", False),
        ("DateLessThanEquals", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00+01:00", True),
        ("DateGreaterThan", "1767225600", "2026-06-01T00:00:00Z", True),
        ("DateGreaterThanEquals", "2026-01-01T00:00:00Z", "2025-01-01T00:00:00Z", False),
        ("DateGreaterThan", "2026-01-01T00:00:00Z", "tomorrow", False),
        ("IpAddress", "203.0.113.0/24", "203.0.113.7", True),
        ("NotIpAddress", "203.0.113.0/24", "198.51.100.1", True),
    ],
)
def test_operator_with_key_present(
    operator: str, policy_values: Any, request_value: str, held: bool
) -> None:
    expected = "allow" if held else "implicit-deny"
    assert decide(cond(operator, "test:Key", policy_values), test__Key=request_value) == expected


# --- absent keys, IfExists and Null -----------------------------------------------------------

ABSENT_CASES = [
    # A missing key makes a positive operator false and a negated one true (AWS's rule).
    ("StringEquals", "x", False),
    ("StringNotEquals", "x", True),
    ("StringEqualsIgnoreCase", "x", False),
    ("StringNotEqualsIgnoreCase", "x", True),
    ("StringLike", "x*", False),
    ("StringNotLike", "x*", True),
    ("ArnEquals", "arn:aws:iam::1:role/x", False),
    ("ArnLike", "arn:aws:iam::*:role/x", False),
    ("ArnNotEquals", "arn:aws:iam::1:role/x", True),
    ("ArnNotLike", "arn:aws:iam::*:role/x", True),
    ("Bool", "true", False),
    ("NumericEquals", "1", False),
    ("NumericNotEquals", "1", True),
    ("NumericLessThan", "1", False),
    ("NumericGreaterThanEquals", "1", False),
    ("DateEquals", "2026-01-01", False),
    ("DateNotEquals", "2026-01-01", True),
    ("DateLessThan", "2026-01-01", False),
    ("IpAddress", "10.0.0.0/8", False),
    ("NotIpAddress", "10.0.0.0/8", True),
    # IfExists: an absent key satisfies the test, whatever the operator.
    ("StringEqualsIfExists", "x", True),
    ("StringNotEqualsIfExists", "x", True),
    ("ArnLikeIfExists", "arn:aws:iam::*:role/x", True),
    ("BoolIfExists", "true", True),
    ("NumericLessThanIfExists", "1", True),
    ("DateGreaterThanIfExists", "2026-01-01", True),
    # Set operators: ForAllValues holds on an empty set, ForAnyValue needs a value.
    ("ForAllValues:StringEquals", "x", True),
    ("ForAllValues:StringNotLike", "x*", True),
    ("ForAllValues:ArnNotLike", "arn:aws:iam::*:role/x", True),
    ("ForAnyValue:StringEquals", "x", False),
    ("ForAnyValue:StringNotEquals", "x", False),
    ("ForAnyValue:StringLike", "x*", False),
    ("ForAnyValue:StringLikeIfExists", "x*", True),
    # Null checks presence.
    ("Null", "true", True),
    ("Null", "false", False),
]


@pytest.mark.parametrize(("operator", "value", "held"), ABSENT_CASES)
def test_operator_with_key_absent(operator: str, value: str, held: bool) -> None:
    assert decide(cond(operator, "test:Missing", value)) == ("allow" if held else "implicit-deny")


def test_if_exists_still_checks_a_present_key() -> None:
    policy = cond("StringEqualsIfExists", "test:Key", "x")
    assert decide(policy, test__Key="x") == "allow"
    assert decide(policy, test__Key="y") == "implicit-deny"


def test_null_with_key_present() -> None:
    assert decide(cond("Null", "test:Key", "false"), test__Key="v") == "allow"
    assert decide(cond("Null", "test:Key", "true"), test__Key="v") == "implicit-deny"


def test_empty_list_in_context_is_an_absent_key() -> None:
    assert decide(cond("Null", "test:Key", "true"), test__Key=[]) == "allow"
    assert decide(cond("ForAllValues:StringEquals", "test:Key", "a"), test__Key=[]) == "allow"


# --- set operators over multi-valued keys -----------------------------------------------------

PATHS = ["o-1/r-1/ou-a/", "o-1/r-1/ou-b/*"]


@pytest.mark.parametrize(
    ("operator", "request_values", "held"),
    [
        ("ForAnyValue:StringLike", ["o-1/r-1/ou-a/"], True),
        ("ForAnyValue:StringLike", ["o-1/r-1/ou-z/", "o-1/r-1/ou-b/ou-c/"], True),
        ("ForAnyValue:StringLike", ["o-1/r-1/ou-z/"], False),
        ("ForAllValues:StringLike", ["o-1/r-1/ou-a/", "o-1/r-1/ou-b/x/"], True),
        ("ForAllValues:StringLike", ["o-1/r-1/ou-a/", "o-1/r-1/ou-z/"], False),
        # Negated: each request value must match none of the policy values.
        ("ForAllValues:StringNotLike", ["o-1/r-1/ou-z/", "o-2/r-2/"], True),
        ("ForAllValues:StringNotLike", ["o-1/r-1/ou-z/", "o-1/r-1/ou-a/"], False),
        ("ForAnyValue:StringNotLike", ["o-1/r-1/ou-z/", "o-1/r-1/ou-a/"], True),
        ("ForAnyValue:StringNotLike", ["o-1/r-1/ou-a/"], False),
        # Without a set operator, a list behaves as "any value matches" / "none matches".
        ("StringLike", ["o-1/r-1/ou-z/", "o-1/r-1/ou-a/"], True),
        ("StringNotLike", ["o-1/r-1/ou-z/", "o-1/r-1/ou-a/"], False),
    ],
)
def test_set_operators(operator: str, request_values: list[str], held: bool) -> None:
    policy = cond(operator, "aws:PrincipalOrgPaths", PATHS)
    got = decide(policy, aws__PrincipalOrgPaths=request_values)
    assert got == ("allow" if held else "implicit-deny")


@pytest.mark.parametrize(
    ("operator", "held"), [("ForAllValues:StringEquals", True), ("ForAnyValue:StringEquals", False)]
)
def test_set_operators_read_an_empty_string_as_an_empty_set(operator: str, held: bool) -> None:
    expected = "allow" if held else "implicit-deny"
    assert decide(cond(operator, "aws:TagKeys", "a"), aws__TagKeys="") == expected
    assert decide(cond(operator, "aws:TagKeys", "a"), aws__TagKeys=["", ""]) == expected
    # Without a set operator an empty string is a value like any other.
    assert decide(cond("Null", "aws:TagKeys", "false"), aws__TagKeys="") == "allow"


def test_single_value_counts_as_a_one_element_set() -> None:
    policy = cond("ForAllValues:StringLike", "aws:PrincipalOrgPaths", PATHS)
    assert decide(policy, aws__PrincipalOrgPaths="o-1/r-1/ou-a/") == "allow"


# --- keys, values and blocks ------------------------------------------------------------------


def test_condition_keys_are_case_insensitive() -> None:
    policy = cond("StringEquals", "AWS:PrincipalOrgID", "o-1")
    assert decide(policy, aws__principalorgid="o-1") == "allow"
    assert decide(policy, AWS__PRINCIPALORGID="o-1") == "allow"


def test_keys_and_operators_are_anded_values_ored() -> None:
    policy = policy_of(
        Condition={
            "StringEquals": {"a:One": ["1", "one"], "a:Two": "2"},
            "Bool": {"a:Flag": "true"},
        }
    )
    assert decide(policy, a__One="one", a__Two="2", a__Flag="true") == "allow"
    assert decide(policy, a__One="1", a__Two="2", a__Flag="false") == "implicit-deny"
    assert decide(policy, a__One="1", a__Two="3", a__Flag="true") == "implicit-deny"


def test_derived_principal_keys() -> None:
    policy = cond("StringEquals", "aws:PrincipalAccount", ACCT)
    assert decide(policy, principal=SESSION) == "allow"
    assert decide(policy, principal=f"arn:aws:iam::{OTHER}:root") == "implicit-deny"
    service = cond("Bool", "aws:PrincipalIsAWSService", "true")
    assert decide(service, principal="backup.amazonaws.com") == "allow"
    assert decide(service, principal=ROLE) == "implicit-deny"
    arn = cond("ArnLike", "aws:PrincipalArn", f"arn:aws:iam::{ACCT}:role/Some*")
    assert decide(arn, principal=SESSION) == "allow"
    # A context value given by the caller wins over the derived one.
    assert decide(policy, principal=SESSION, aws__PrincipalAccount=OTHER) == "implicit-deny"


# --- policy variables -------------------------------------------------------------------------


def test_variables_are_substituted_in_2012_10_17() -> None:
    policy = policy_of(Resource="arn:aws:backup:*:${aws:PrincipalAccount}:backup-vault:*")
    mine = f"arn:aws:backup:eu-central-1:{ACCT}:backup-vault:v"
    theirs = f"arn:aws:backup:eu-central-1:{OTHER}:backup-vault:v"
    assert decide(policy, resource=mine, principal=SESSION) == "allow"
    assert decide(policy, resource=theirs, principal=SESSION) == "implicit-deny"


def test_variables_in_condition_values() -> None:
    policy = cond("StringEquals", "aws:ResourceAccount", "${aws:PrincipalAccount}")
    assert decide(policy, principal=ROLE, aws__ResourceAccount=ACCT) == "allow"
    assert decide(policy, principal=ROLE, aws__ResourceAccount=OTHER) == "implicit-deny"


def test_variables_are_literal_before_2012_10_17() -> None:
    policy = {
        "Version": "2008-10-17",
        "Statement": {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::${aws:userid}"},
    }
    assert decide(policy, resource="arn:aws:s3:::${aws:userid}", aws__userid="u") == "allow"
    assert decide(policy, resource="arn:aws:s3:::u", aws__userid="u") == "implicit-deny"


def test_missing_variable_makes_the_statement_not_apply_unless_defaulted() -> None:
    missing = policy_of(Resource="arn:aws:s3:::${aws:username}/*")
    result = evaluate(missing, Request("s3:GetObject", ROLE, "arn:aws:s3:::bob/x"))
    assert result.decision == "implicit-deny"
    assert "${aws:username}" in result.statements[0].reason
    defaulted = policy_of(Resource="arn:aws:s3:::${aws:username, 'shared'}/*")
    assert decide(defaulted, "s3:GetObject", ROLE, "arn:aws:s3:::shared/x") == "allow"


@pytest.mark.parametrize(
    ("requester", "username", "userid"),
    [
        # IAM's principal key values: a user's friendly name (its unique id AIDA... is not in
        # its ARN); the root user's account id; a federated user's ACCOUNT:NAME.
        (f"arn:aws:iam::{ACCT}:user/team/alice", "alice", None),
        (ACCT, None, ACCT),
        (f"arn:aws:iam::{ACCT}:root", None, ACCT),
        (f"arn:aws:sts::{ACCT}:federated-user/carol", None, f"{ACCT}:carol"),
        # A session's aws:userid is ROLEID:SESSION: the role's unique id is in no ARN.
        (SESSION, None, None),
        (ROLE, None, None),
        ("backup.amazonaws.com", None, None),
    ],
)
def test_aws_username_and_userid_are_derived_where_the_arn_tells_them(
    requester: str, username: str | None, userid: str | None
) -> None:
    for key, value in (("aws:username", username), ("aws:userid", userid)):
        present = policy_of(Condition={"Null": {key: "false"}})
        assert decide(present, principal=requester) == ("allow" if value else "implicit-deny")
        if value:
            equal = policy_of(Condition={"StringEquals": {key: value}})
            assert decide(equal, principal=requester) == "allow"
    # A value given in the request context wins over the derived one.
    given = policy_of(Condition={"StringEquals": {"aws:userid": "AIDAEXAMPLE"}})
    assert decide(given, principal=requester, aws__userid="AIDAEXAMPLE") == "allow"


def test_substituted_values_and_escapes_are_not_wildcards() -> None:
    policy = cond("StringLike", "test:Key", "${test:Prefix}-${*}")
    assert decide(policy, test__Key="a*-*", test__Prefix="a*") == "allow"
    assert decide(policy, test__Key="abc-*", test__Prefix="a*") == "implicit-deny"
    assert decide(policy, test__Key="a*-x", test__Prefix="a*") == "implicit-deny"


# --- resource-based policies across accounts --------------------------------------------------


def test_resource_policy_for_a_principal_in_another_account() -> None:
    vault_policy = policy_of(
        Principal={"AWS": f"arn:aws:iam::{OTHER}:root"}, Action="backup:CopyIntoBackupVault"
    )
    request = Request("backup:CopyIntoBackupVault", f"arn:aws:iam::{OTHER}:role/Copier", VAULT)
    result = evaluate_resource_policy(vault_policy, request, ACCT)
    assert result.allowed and result.needs_identity_allow
    anyone = policy_of(Principal="*")
    same = evaluate_resource_policy(anyone, Request("backup:X", ROLE, VAULT), ACCT)
    assert same.allowed and not same.needs_identity_allow
    denied = evaluate_resource_policy(
        vault_policy, Request("backup:CopyIntoBackupVault", ROLE), ACCT
    )
    assert denied.decision == "implicit-deny" and not denied.needs_identity_allow


def test_resource_policy_fills_resource_account() -> None:
    policy = policy_of(Principal="*", Condition={"StringEquals": {"aws:ResourceAccount": ACCT}})
    assert evaluate_resource_policy(policy, Request("kms:Decrypt", ROLE), ACCT).allowed
    assert not evaluate_resource_policy(policy, Request("kms:Decrypt", ROLE), OTHER).allowed


# --- malformed policies and requests ----------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ('{"Statement": [', "invalid JSON at line 1, column 16"),
        ("[]", "must be a JSON object"),
        ({"Version": "2012-10-17"}, "no Statement"),
        ({"Version": "2020-01-01", "Statement": []}, "Version"),
        ({"Statement": []}, "Statement: must be an object or a non-empty list"),
        ({"Statement": [{"Effect": "Allow", "Action": "*"}], "Foo": 1}, "'Foo'"),
        (
            {
                "Statement": [
                    {"Effect": "Allow", "Action": "*", "Resource": "*"},
                    {"Effect": "Permit", "Action": "*"},
                ]
            },
            "Statement[1].Effect",
        ),
        ({"Statement": [{"Effect": "Allow"}]}, "Statement[0]: needs Action or NotAction"),
        (
            # AWS: "Statements must include either a Resource or a NotResource element".
            {"Statement": [{"Effect": "Deny", "Action": "*"}]},
            "Statement[0]: needs Resource or NotResource (only a trust policy, with a Principal,"
            " goes without)",
        ),
        ({"Statement": [{"Effect": "Allow", "Action": "*", "Actions": "*"}]}, "'Actions'"),
        ({"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "*"}]}, "both"),
        ({"Statement": [{"Effect": "Allow", "Action": "CopyIntoBackupVault"}]}, "invalid action"),
        (
            {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "vault"}]},
            "neither an ARN",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": "*", "Principal": {"AWS": "account-id"}}]},
            "Statement[0].Principal.AWS: invalid principal 'account-id'",
        ),
        (
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "*",
                        "Principal": {"AWS": "arn:aws:iam::111122223333:role/*"},
                    }
                ]
            },
            "wildcards are not allowed here",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": "*", "Principal": {"Users": "x"}}]},
            "unknown principal type 'Users'",
        ),
        (
            {
                "Statement": [
                    {"Effect": "Allow", "Action": "*", "Resource": "*"},
                    {"Effect": "Allow", "Action": "*", "Condition": {"StringEqualz": {"a:b": "c"}}},
                ]
            },
            "Statement[1].Condition: unknown operator 'StringEqualz'",
        ),
        (
            {
                "Statement": {
                    "Effect": "Allow",
                    "Action": "*",
                    "Condition": {"ForSomeValues:StringLike": {"a:b": "c"}},
                }
            },
            "unknown set operator 'ForSomeValues'",
        ),
        (
            {
                "Statement": {
                    "Effect": "Allow",
                    "Action": "*",
                    "Condition": {"NumericLessThan": {"a:b": "ten"}},
                }
            },
            "'ten' is not a valid NumericLessThan value",
        ),
        (
            {
                "Statement": {
                    "Effect": "Allow",
                    "Action": "*",
                    "Condition": {"DateLessThan": {"a:b": "soon"}},
                }
            },
            "not a valid DateLessThan value",
        ),
        (
            {
                "Statement": {
                    "Effect": "Allow",
                    "Action": "*",
                    "Condition": {"Bool": {"a:b": "yes"}},
                }
            },
            "not a valid Bool value",
        ),
        (
            {
                "Statement": {
                    "Effect": "Allow",
                    "Action": "*",
                    "Condition": {"Null": {"a:b": "maybe"}},
                }
            },
            "not a valid Null value",
        ),
        (
            {
                "Statement": {
                    "Effect": "Allow",
                    "Action": "*",
                    "Condition": {"StringEquals": {"a:b": []}},
                }
            },
            "no values",
        ),
        (
            {
                "Statement": {
                    "Effect": "Allow",
                    "Action": "*",
                    "Condition": {"StringEquals": {"a:b": {"x": 1}}},
                }
            },
            "condition values must be strings",
        ),
        (
            {
                "Version": "2012-10-17",
                "Statement": {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::${}"},
            },
            "invalid policy variable",
        ),
    ],
)
def test_malformed_policy_names_what_and_where(policy: Any, message: str) -> None:
    with pytest.raises(PolicyError, match=None) as caught:
        evaluate(policy, Request("backup:CopyIntoBackupVault", ACCT))
    assert message in str(caught.value)
    assert isinstance(caught.value, UsageError) and caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("action", "principal", "message"),
    [
        ("CopyIntoBackupVault", ACCT, "action 'CopyIntoBackupVault'"),
        ("backup:*", ACCT, "action 'backup:*'"),
        ("backup:X", "arn:aws:iam:::1:root", "principal 'arn:aws:iam:::1:root'"),
        ("backup:X", "12345", "principal '12345'"),
    ],
)
def test_malformed_request(action: str, principal: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        evaluate(policy_of(), Request(action, principal))
    assert message in str(caught.value)


def test_naming_only_the_account_delegates_to_its_iam_policies() -> None:
    key_policy = policy_of(Principal={"AWS": f"arn:aws:iam::{ACCT}:root"}, Action="kms:*")
    own = evaluate_resource_policy(key_policy, Request("kms:Decrypt", SESSION), ACCT)
    assert own.allowed and own.needs_identity_allow
    named = policy_of(Principal={"AWS": ROLE}, Action="kms:*")
    direct = evaluate_resource_policy(named, Request("kms:Decrypt", SESSION), ACCT)
    assert direct.allowed and not direct.needs_identity_allow
    assert direct.statements[0].grant == "principal" and own.statements[0].grant == "account"
    service = policy_of(Principal={"Service": "backup.amazonaws.com"}, Action="kms:*")
    by_service = evaluate_resource_policy(
        service, Request("kms:Decrypt", "backup.amazonaws.com"), ACCT
    )
    assert by_service.allowed and not by_service.needs_identity_allow


def test_context_values_may_be_python_scalars() -> None:
    policy = policy_of(Condition={"Bool": {"a:Flag": "true"}, "NumericEquals": {"a:N": "3"}})
    decision = evaluate(policy, Request("s3:GetObject", ACCT, None, {"a:Flag": True, "a:N": 3}))  # type: ignore[dict-item]
    assert decision.allowed


@pytest.mark.parametrize("value", ["nan", "inf", "1_000", "0x10", ""])
def test_numeric_values_must_be_decimal_numbers(value: str) -> None:
    assert decide(cond("NumericLessThanIfExists", "a:N", "10"), a__N=value) == "implicit-deny"
    with pytest.raises(PolicyError):
        parse_policy(cond("NumericEquals", "a:N", value))


def test_resource_policy_statements_need_a_principal() -> None:
    with pytest.raises(PolicyError, match=r"Statement\[0\]: a resource-based policy needs"):
        evaluate_resource_policy(policy_of(), Request("kms:Decrypt", ROLE), ACCT)


DELETED_ROLE_ID = "AROADBQP57FF2AEXAMPLE"


def test_a_deleted_role_shown_by_its_unique_id_matches_no_one() -> None:
    # AWS replaces the ARN of a deleted role with its unique id in the policies that named it;
    # the rest of the policy keeps working and the id matches no principal, not even a new
    # role of the same name.
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": [DELETED_ROLE_ID, f"arn:aws:iam::{OTHER}:root"]},
                "Action": "backup:CopyIntoBackupVault",
                "Resource": "*",
            },
            {
                "Effect": "Allow",
                "Principal": {"AWS": DELETED_ROLE_ID},
                "Action": "kms:*",
                "Resource": "*",
            },
        ],
    }
    assert decide(document, principal=f"arn:aws:iam::{OTHER}:role/Any") == "allow"
    assert decide(document, principal=ROLE) == "implicit-deny"
    assert decide(document, action="kms:Decrypt", principal=SESSION) == "implicit-deny"
    excluded = policy_of(Effect="Deny", NotPrincipal={"AWS": [DELETED_ROLE_ID]})
    assert decide(excluded, principal=ROLE) == "explicit-deny"


def test_a_key_written_twice_in_one_object_is_warned_and_read_last() -> None:
    text = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Effect": "Allow", '
        '"Action": "backup:*", "Action": "backup:CopyIntoBackupVault", "Resource": "*", '
        '"Principal": {"AWS": "*"}}]}'
    )
    request = Request("backup:CopyIntoBackupVault", "arn:aws:iam::111122223333:root", "*")
    decision = evaluate(text, request)
    assert decision.allowed  # the last Effect, as Python's JSON reader gives it
    assert [w.split("'")[1] for w in decision.warnings] == ["Effect", "Action"]
    single = text.replace('"Effect": "Deny", ', "").replace('"Action": "backup:*", ', "")
    assert evaluate(single, request).warnings == ()
