"""Evaluator corrections: a session's aws:PrincipalArn is its role's ARN with the role's path;
single-valued operators on multivalued keys are flagged, in simulate and in the copy checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from drconsole.checks import copy as checks
from drconsole.models import CheckStatus
from drconsole.policy import Request, evaluate
from tests import forked_cli
from tests.test_checks_copy import DEST, SRC, good_facts, policy, with_vault

SLR = f"arn:aws:iam::{DEST}:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup"
SLR_SESSION = f"arn:aws:sts::{DEST}:assumed-role/AWSServiceRoleForBackup/AWSBackup-copy"
SLR_PATHS = "arn:aws:iam::*:role/aws-service-role/backup.amazonaws.com/*"
NO_PATH = f"arn:aws:iam::{DEST}:role/AWSServiceRoleForBackup"
COPY_ROLE = f"arn:aws:iam::{SRC}:role/service-role/Copy"
OPS = f"arn:aws:sts::{SRC}:assumed-role/Ops/me"


def allow_if(operator: str, key: str, values: str | list[str], action: str = "kms:Decrypt") -> str:
    return policy(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": action,
            "Resource": "*",
            "Condition": {operator: {key: values}},
        }
    )


@pytest.mark.parametrize(
    ("principal", "operator", "value", "decision"),
    [
        # the service-linked role's session: its role ARN has the aws-service-role path
        (SLR_SESSION, "StringEquals", SLR, "allow"),
        (SLR_SESSION, "ArnEquals", SLR, "allow"),
        (SLR_SESSION, "ArnLike", SLR_PATHS, "allow"),
        (SLR_SESSION, "StringEquals", NO_PATH, "implicit-deny"),
        (SLR_SESSION, "ArnNotEquals", SLR, "implicit-deny"),
        # the role itself, given with its path, is its own aws:PrincipalArn
        (SLR, "StringEquals", SLR, "allow"),
        (COPY_ROLE, "ArnLike", "arn:aws:iam::*:role/service-role/*", "allow"),
        # a session of any other role: the session ARN carries no path, none is assumed
        (OPS, "StringEquals", f"arn:aws:iam::{SRC}:role/Ops", "allow"),
        # other partitions keep theirs
        (
            "arn:aws-us-gov:sts::123456789012:assumed-role/AWSServiceRoleForBackup/s",
            "StringEquals",
            "arn:aws-us-gov:iam::123456789012:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup",
            "allow",
        ),
    ],
)  # fmt: skip
def test_principal_arn_of_a_session_is_its_roles_arn_with_path(
    principal: str, operator: str, value: str, decision: str
) -> None:
    document = allow_if(operator, "aws:PrincipalArn", value)
    assert evaluate(document, Request("kms:Decrypt", principal)).decision == decision


def test_a_given_principal_arn_still_wins_and_an_unknown_path_is_said() -> None:
    path = f"arn:aws:iam::{SRC}:role/team/Ops"
    document = allow_if("StringEquals", "aws:PrincipalArn", path)
    session = f"arn:aws:sts::{SRC}:assumed-role/Ops/me"
    guessed = evaluate(document, Request("kms:Decrypt", session))
    assert not guessed.allowed
    (warning,) = guessed.warnings
    assert warning.startswith(f"aws:PrincipalArn taken as arn:aws:iam::{SRC}:role/Ops:")
    given = Request("kms:Decrypt", session, context={"aws:PrincipalArn": path})
    assert evaluate(document, given).allowed and evaluate(document, given).warnings == ()
    slr = evaluate(
        allow_if("ArnEquals", "aws:PrincipalArn", SLR), Request("kms:Decrypt", SLR_SESSION)
    )
    assert slr.allowed and slr.warnings == ()


@pytest.mark.parametrize(
    ("effect", "operator", "key", "meant"),
    [
        ("Allow", "StringEquals", "aws:PrincipalOrgPaths", "ForAnyValue:StringEquals"),
        ("Allow", "StringLike", "aws:PrincipalOrgPaths", "ForAnyValue:StringLike"),
        ("Allow", "StringNotLike", "aws:PrincipalOrgPaths", "ForAllValues:StringNotLike"),
        ("Deny", "ArnNotLike", "backup:CopyTargets", "ForAllValues:ArnNotLike"),
        ("Deny", "ArnLike", "backup:CopyTargets", "ForAnyValue:ArnLike"),
        ("Deny", "StringEqualsIfExists", "aws:TagKeys", "ForAnyValue:StringEqualsIfExists"),
        ("Allow", "ForAnyValue:StringLike", "aws:PrincipalOrgPaths", None),
        ("Deny", "ForAllValues:ArnNotLike", "backup:CopyTargets", None),
        ("Allow", "StringEquals", "aws:PrincipalOrgID", None),
        ("Allow", "Null", "aws:PrincipalOrgPaths", None),
    ],
)
def test_plain_operators_on_multivalued_keys_are_warned(
    effect: str, operator: str, key: str, meant: str | None
) -> None:
    value = "true" if operator == "Null" else "o-1/*"
    statement = {
        "Effect": effect,
        "Principal": "*",
        "Action": "backup:CopyIntoBackupVault",
        "Resource": "*",
        "Condition": {operator: {key: value}},
    }
    decision = evaluate(policy(statement), Request("backup:CopyIntoBackupVault", SRC))
    if meant is None:
        assert decision.warnings == ()
        return
    (warning,) = decision.warnings
    assert warning.startswith(f"Statement[0].Condition: {operator} on {key}")
    assert "AWS leaves the result" in warning and "undefined" in warning
    assert f"probably meant {meant}" in warning and f"in this {effect}" in warning


def test_a_key_the_request_gives_several_values_is_warned_too() -> None:
    document = allow_if("StringEquals", "aws:SourceVpce", "vpce-1")
    one = evaluate(document, Request("kms:Decrypt", SRC, context={"aws:SourceVpce": "vpce-1"}))
    assert one.warnings == ()
    two = Request("kms:Decrypt", SRC, context={"aws:SourceVpce": ["vpce-1", "vpce-2"]})
    (warning,) = evaluate(document, two).warnings
    assert "which the request gives 2 values" in warning


ORG_PATH_POLICY = policy(
    {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "backup:CopyIntoBackupVault",
        "Resource": "*",
        "Condition": {"StringLike": {"aws:PrincipalOrgPaths": "o-abc123defg/r-ab12/*"}},
    }
)


def test_copy_checks_warn_on_vault_policies_with_a_plain_operator_on_a_multivalued_key() -> None:
    allowed = checks.check_destination_access_policy(
        with_vault(good_facts(), access_policy=ORG_PATH_POLICY)
    )
    assert allowed.status is CheckStatus.WARN
    assert "the access policy of central" in allowed.evidence
    assert "probably meant ForAnyValue:StringLike" in allowed.evidence
    assert "ForAnyValue:" in allowed.remediation
    elsewhere = ORG_PATH_POLICY.replace("o-abc123defg/r-ab12/*", "o-other/*")
    denied = checks.check_destination_access_policy(
        with_vault(good_facts(), access_policy=elsewhere)
    )
    assert denied.status is CheckStatus.FAIL and "undefined" in denied.evidence
    targets = policy(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "backup:CopyFromBackupVault",
            "Resource": "*",
            "Condition": {
                "ArnNotLike": {"backup:CopyTargets": "arn:aws:backup:*:*:backup-vault:*"}
            },
        }
    )
    source = checks.check_source_vault_policy(good_facts(source_vault_policy=targets))
    assert source.status is CheckStatus.WARN
    assert "probably meant ForAllValues:ArnNotLike" in source.evidence
    # A well-formed policy keeps its PASS.
    assert checks.check_destination_access_policy(good_facts()).status is CheckStatus.PASS


def simulate(*args: str) -> subprocess.CompletedProcess[str]:
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", "policy", "simulate", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "300"},
    )


def test_simulate_matches_the_slr_session_and_prints_the_warning(tmp_path: Path) -> None:
    document = json.loads(ORG_PATH_POLICY)
    document["Statement"].append(
        {
            "Sid": "BackupRole",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "kms:CreateGrant",
            "Resource": "*",
            "Condition": {"ArnEquals": {"aws:PrincipalArn": SLR}},
        }
    )
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(document))
    people = simulate(
        "--policy", str(path), "--action", "kms:CreateGrant", "--principal", SLR_SESSION
    )
    assert people.returncode == 0, people.stderr
    assert people.stdout.startswith(f"ALLOW kms:CreateGrant by {SLR_SESSION}")
    assert 'Statement[1] "BackupRole" (Allow)' in people.stdout
    assert "WARN Statement[0].Condition: StringLike on aws:PrincipalOrgPaths" in people.stdout
    as_json = simulate(
        "--policy", str(path), "--action", "backup:CopyIntoBackupVault", "--principal", SRC,
        "--context", "aws:PrincipalOrgPaths=o-abc123defg/r-ab12/ou-1/", "--json",
    )  # fmt: skip
    assert as_json.returncode == 0, as_json.stderr
    # The other warning says the resource's account is not known (no --resource given).
    (warning,) = [w for w in json.loads(as_json.stdout)["warnings"] if "Condition" in w]
    assert "probably meant ForAnyValue:StringLike" in warning
