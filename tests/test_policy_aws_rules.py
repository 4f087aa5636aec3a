"""The evaluator against rules of AWS's IAM policy reference that it once read otherwise."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from drconsole.checks.copy import copy_verdicts
from drconsole.checks.facts import ScpLevel
from drconsole.policy import Request, evaluate
from tests import forked_cli
from tests.test_checks_copy import good_facts, with_vault

ACCT = "111122223333"
ROLE = f"arn:aws:iam::{ACCT}:role/Operator"
ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}


def decide(statements: list[dict[str, Any]], request: Request) -> str:
    """The decision of a 2012-10-17 policy made of `statements`."""
    return evaluate({"Version": "2012-10-17", "Statement": statements}, request).decision


def simulate(
    tmp_path: Path, policy: dict[str, Any], *args: str
) -> subprocess.CompletedProcess[str]:
    """`drconsole policy simulate` on `policy`, run as a user runs it."""
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(policy))
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", "policy", "simulate", "--policy", str(path), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# --- policy variables with no value ----------------------------------------------------------
# IAM User Guide, "Policy variables with no value": the value "is effectively null. There is
# no equal or like value"; "Inverted condition operators like StringNotEquals or StringNotLike
# do match against a null value"; in Resource or NotResource "the resource that includes a
# policy variable with no value will not match any resource".


def test_a_negated_operator_matches_a_variable_with_no_value(tmp_path: Path) -> None:
    # AWS's own example: "Access is explicitly denied when aws:principaltag/Team is not set."
    deny = {
        "Effect": "Deny",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
        "Condition": {"StringNotEquals": {"s3:ExistingObjectTag/Team": "${aws:PrincipalTag/Team}"}},
    }
    policy = {"Version": "2012-10-17", "Statement": [ALLOW_ALL, deny]}
    run = simulate(
        tmp_path, policy,
        "--action", "s3:GetObject",
        "--principal", ROLE,
        "--resource", "arn:aws:s3:::amzn-s3-demo-bucket/report",
        "--context", "s3:ExistingObjectTag/Team=red",
    )  # fmt: skip
    assert run.returncode == 1, run.stdout + run.stderr
    assert run.stdout.startswith("EXPLICIT-DENY s3:GetObject")
    assert "${aws:PrincipalTag/Team} has no value" in run.stdout
    tagged = Request(
        "s3:GetObject",
        ROLE,
        "arn:aws:s3:::amzn-s3-demo-bucket/report",
        {"s3:ExistingObjectTag/Team": "red", "aws:PrincipalTag/Team": "red"},
    )
    assert decide([ALLOW_ALL, deny], tagged) == "allow"
    # A role has no aws:username: StringNotLike on it matches, a positive operator does not.
    home = {"StringNotLike": {"s3:prefix": "home/${aws:username}/*"}}
    request = Request("s3:ListBucket", ROLE, "arn:aws:s3:::b", {"s3:prefix": "home/bob/"})
    assert decide([ALLOW_ALL, {**ALLOW_ALL, "Effect": "Deny", "Condition": home}], request) == (
        "explicit-deny"
    )
    like = {**ALLOW_ALL, "Condition": {"StringLike": {"s3:prefix": "home/${aws:username}/*"}}}
    assert decide([like], request) == "implicit-deny"


def test_a_value_with_no_value_leaves_the_other_values_of_the_condition_in_force() -> None:
    either = {"StringEquals": {"aws:ResourceAccount": ["${aws:PrincipalTag/home}", ACCT]}}
    request = Request("backup:StartCopyJob", ROLE, None, {"aws:ResourceAccount": ACCT})
    assert decide([{**ALLOW_ALL, "Condition": either}], request) == "allow"
    other = Request("backup:StartCopyJob", ROLE, None, {"aws:ResourceAccount": "444455556666"})
    assert decide([{**ALLOW_ALL, "Condition": either}], other) == "implicit-deny"


def test_a_resource_entry_with_no_value_matches_nothing_in_resource_and_not_resource() -> None:
    team = "arn:aws:s3:::shared/${aws:PrincipalTag/team}/*"
    public = "arn:aws:s3:::shared/public/*"
    request = Request("s3:GetObject", ROLE, "arn:aws:s3:::shared/public/readme")
    # The other entry of the list still matches.
    assert decide([{**ALLOW_ALL, "Resource": [team, public]}], request) == "allow"
    assert decide([{**ALLOW_ALL, "Resource": team}], request) == "implicit-deny"
    # Outside a NotResource entry that matches nothing: a Deny with it applies to everything.
    deny_elsewhere = {"Effect": "Deny", "Action": "s3:*", "NotResource": team}
    assert decide([ALLOW_ALL, deny_elsewhere], request) == "explicit-deny"
    tagged = Request(
        "s3:GetObject", ROLE, "arn:aws:s3:::shared/red/x", {"aws:PrincipalTag/team": "red"}
    )
    assert decide([ALLOW_ALL, deny_elsewhere], tagged) == "allow"


# --- BinaryEquals ------------------------------------------------------------------------------
# IAM User Guide, condition operators: "The BinaryEquals condition operator ... compares the
# value of the specified key byte for byte against a base-64 encoded representation of the
# binary value in the policy. If the specified condition key is not present in the request
# context, the key is evaluated as false."


def test_binary_equals_is_an_operator_not_bad_input(tmp_path: Path) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": {
            **ALLOW_ALL,
            "Condition": {"BinaryEquals": {"test:Blob": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}},
        },
    }
    base = ("--action", "s3:GetObject", "--principal", ROLE)
    same = simulate(tmp_path, policy, *base, "--context", "test:Blob=QmluYXJ5VmFsdWVJbkJhc2U2NA==")
    assert same.returncode == 0, same.stdout + same.stderr
    other = simulate(tmp_path, policy, *base, "--context", "test:Blob=QmluYXJ5")
    assert other.returncode == 1, other.stdout + other.stderr
    absent = simulate(tmp_path, policy, *base)
    assert absent.returncode == 1 and absent.stdout.startswith("IMPLICIT-DENY")
    if_exists = {
        **policy["Statement"],
        "Condition": {"BinaryEqualsIfExists": {"test:Blob": "AA=="}},
    }
    assert decide([if_exists], Request("s3:GetObject", ROLE)) == "allow"
    policy["Statement"]["Condition"] = {"BinaryEquals": {"test:Blob": "not base-64!"}}
    bad = simulate(tmp_path, policy, *base)
    assert bad.returncode == 2 and bad.stdout == "", bad.stdout
    assert "Statement.Condition.BinaryEquals.test:Blob: 'not base-64!' is not a valid" in bad.stderr
    assert "Traceback" not in bad.stderr


# --- keys AWS puts in every request -------------------------------------------------------------
# Global condition keys: aws:CurrentTime and aws:EpochTime, "This key is always included in the
# request context."


def test_simulate_gives_the_request_the_time_it_is_made(tmp_path: Path) -> None:
    expired = {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {
            "DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
            "NumericGreaterThan": {"aws:EpochTime": "1577836800"},
        },
    }
    policy = {"Version": "2012-10-17", "Statement": [ALLOW_ALL, expired]}
    base = ("--action", "backup:StartCopyJob", "--principal", ROLE)
    now = simulate(tmp_path, policy, *base)
    assert now.returncode == 1 and now.stdout.startswith("EXPLICIT-DENY"), now.stdout
    # A time given (any case) is the request's, for both keys independently.
    before = simulate(
        tmp_path, policy, *base,
        "--context", "AWS:CURRENTTIME=2019-06-01T00:00:00Z",
        "--context", "aws:EpochTime=1559347200",
    )  # fmt: skip
    assert before.returncode == 0 and before.stdout.startswith("ALLOW"), before.stdout


# --- where policy variables are substituted ----------------------------------------------------
# IAM User Guide, policy variables, Condition element: "You can use a policy variable for
# Condition values in any condition that involves the string operators or the ARN operators
# ... You can't use a policy variable with other operators, such as Numeric, Date, Boolean,
# Binary, IP Address, or Null operators."


def test_a_variable_in_a_numeric_date_bool_ip_or_null_value_is_bad_input(tmp_path: Path) -> None:
    base = ("--action", "s3:ListBucket", "--principal", ROLE)
    tagged = ("--context", "aws:PrincipalTag/limit=100", "--context", "s3:max-keys=10")
    for operator, key in (
        ("NumericLessThanEquals", "s3:max-keys"),
        ("DateLessThan", "aws:CurrentTime"),
        ("Bool", "aws:SecureTransport"),
        ("IpAddress", "aws:SourceIp"),
        ("Null", "s3:max-keys"),
    ):
        condition = {operator: {key: "${aws:PrincipalTag/limit}"}}
        policy = {"Version": "2012-10-17", "Statement": {**ALLOW_ALL, "Condition": condition}}
        run = simulate(tmp_path, policy, *base, *tagged)
        assert run.returncode == 2 and run.stdout == "", (operator, run.stdout)
        assert (
            f"Statement.Condition.{operator}.{key}: '${{aws:PrincipalTag/limit}}' is not a valid"
            f" {operator} value (policy variables are substituted only in String and Arn"
            " conditions)"
        ) in run.stderr, run.stderr
        assert "Traceback" not in run.stderr
    # In String and Arn conditions they are substituted.
    arn = {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::${aws:PrincipalTag/limit}-*"}}
    policy = {"Version": "2012-10-17", "Statement": {**ALLOW_ALL, "Condition": arn}}
    run = simulate(
        tmp_path, policy, *base, *tagged, "--context", "aws:SourceArn=arn:aws:s3:::100-b"
    )
    assert run.returncode == 0, run.stdout + run.stderr


# --- a statement needs Resource or NotResource -------------------------------------------------
# IAM policy reference, Resource: "Statements must include either a Resource or a NotResource
# element"; a role's trust policy, whose statements name a Principal, goes without.


def test_an_identity_statement_without_resource_is_bad_input(tmp_path: Path) -> None:
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "backup:*"}]}
    run = simulate(tmp_path, policy, "--action", "backup:StartCopyJob", "--principal", ROLE)
    assert run.returncode == 2 and run.stdout == "", run.stdout
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert "Statement[0]: needs Resource or NotResource" in run.stderr
    trust = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Principal": {"Service": "backup.amazonaws.com"},
            "Action": "sts:AssumeRole",
        },
    }
    assumed = simulate(
        tmp_path, trust, "--action", "sts:AssumeRole", "--principal", "backup.amazonaws.com"
    )
    assert assumed.returncode == 0, assumed.stdout + assumed.stderr


def test_a_variable_may_name_any_tag_key_aws_allows(tmp_path: Path) -> None:
    # AWS tag keys may hold spaces and `_ . : / = + - @`; such a key is a valid variable.
    statement = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::shared/${aws:PrincipalTag/cost center}/*",
        "Condition": {
            "StringEquals": {"s3:ExistingObjectTag/owner": "${aws:PrincipalTag/team@corp}"}
        },
    }
    policy = {"Version": "2012-10-17", "Statement": statement}
    run = simulate(
        tmp_path, policy,
        "--action", "s3:GetObject",
        "--principal", ROLE,
        "--resource", "arn:aws:s3:::shared/cc-42/report",
        "--context", "aws:PrincipalTag/cost center=cc-42",
        "--context", "aws:PrincipalTag/team@corp=red",
        "--context", "s3:ExistingObjectTag/owner=red",
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr


# --- set operators on single-valued keys ------------------------------------------------------
# IAM User Guide, single-valued vs. multivalued context keys: "Do not use condition set
# operators ForAllValues or ForAnyValue with single-valued context keys. Using condition set
# operators with single-valued context keys can lead to overly permissive policies."


def test_a_set_operator_on_a_single_valued_key_is_warned(tmp_path: Path) -> None:
    org_only = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "backup:CopyIntoBackupVault",
        "Resource": "*",
        "Condition": {"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-abc123defg"}},
    }
    policy = {"Version": "2012-10-17", "Statement": [org_only]}
    run = simulate(
        tmp_path, policy,
        "--action", "backup:CopyIntoBackupVault",
        "--principal", "arn:aws:iam::444455556666:role/Outsider",
        "--json",
    )  # fmt: skip
    document = json.loads(run.stdout)
    # AWS evaluates it so: the request without the key is allowed. The decision says so, and
    # the warning names the trap.
    assert document["decision"] == "allow"
    assert document["warnings"][0] == (
        "Statement[0].Condition: ForAllValues:StringEquals on aws:PrincipalOrgID, a single-valued"
        ' key: AWS advises against set operators on single-valued keys ("can lead to overly'
        ' permissive policies"); with ForAllValues the condition holds when the request lacks'
        " the key, whatever the operator; probably meant StringEquals"
    )
    # The copy check that judges such a vault policy warns instead of passing.
    facts = with_vault(good_facts(), access_policy=json.dumps(policy))
    check = {c.id: c for c in copy_verdicts(facts)}["dest.access-policy"]
    assert check.status.value == "WARN", check
    assert "a single-valued key" in check.evidence
    assert "without the set operator" in check.remediation


def test_an_scp_statement_without_resource_is_read_as_every_resource() -> None:
    # Whether Organizations stores such an SCP statement is not documented; the SCP check
    # reads it as `"Resource": "*"` rather than refusing the level. (StartCopyJob passes the
    # copy role: the SCP must allow iam:PassRole too.)
    allow = {"Effect": "Allow", "Action": ["backup:*", "iam:PassRole"]}
    no_resource = json.dumps({"Version": "2012-10-17", "Statement": [allow]})
    facts = good_facts(source_scps=(ScpLevel("r-ab12", (("BackupOnly", no_resource),)),))
    check = {c.id: c for c in copy_verdicts(facts)}["source.scps"]
    assert check.status.value == "PASS", check
