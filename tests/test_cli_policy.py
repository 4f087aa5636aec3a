"""`drconsole policy simulate`, run as a user runs it: the real CLI in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

POLICIES = Path(__file__).parent / "data" / "policies"
ORG_PATHS = POLICIES / "docs-share-vault-org-paths.json"
KEY_POLICY = POLICIES / "blog-key-policy-shared-with-backup-account-slr.json"
SCP = POLICIES / "docs-scp-deny-untagged-destination.json"
OU_B = "o-a1b2c3d4e5/r-f6g7h8i9j0example/ou-def0-awsbbbbb/"
SLR_SESSION = "arn:aws:sts::222222222222:assumed-role/AWSServiceRoleForBackup/AWSBackup-copy"


def simulate(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `drconsole policy simulate ARGS` and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "drconsole", "policy", "simulate", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_allow_prints_the_deciding_statement_and_exits_0() -> None:
    run = simulate(
        "--policy", str(KEY_POLICY),
        "--action", "kms:CreateGrant",
        "--principal", SLR_SESSION,
        "--context", "kms:GrantIsForAWSResource=true",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("ALLOW kms:CreateGrant by " + SLR_SESSION)
    assert 'Statement[1] "Allow attachment of persistent resources" (Allow)' in run.stdout
    assert run.stderr == ""


def test_implicit_deny_exits_1_and_says_why() -> None:
    run = simulate(
        "--policy", str(KEY_POLICY), "--action", "kms:CreateGrant", "--principal", SLR_SESSION
    )  # fmt: skip
    assert run.returncode == 1
    assert run.stdout.startswith("IMPLICIT-DENY")
    assert "kms:GrantIsForAWSResource" in run.stdout and "key absent" in run.stdout


def test_explicit_deny_exits_1_with_json() -> None:
    vault = "arn:aws:backup:eu-north-1:222222222222:backup-vault:central"
    run = simulate(
        "--policy", str(SCP), "--action", "backup:CopyIntoBackupVault",
        "--principal", "111111111111", "--resource", vault, "--json",
    )  # fmt: skip
    assert run.returncode == 1
    document = json.loads(run.stdout)
    assert document == {
        "decision": "explicit-deny",
        "statements": [
            {
                "sid": None,
                "index": 0,
                "effect": "Deny",
                "matched": True,
                "reason": document["statements"][0]["reason"],
            }
        ],
        "action": "backup:CopyIntoBackupVault",
        "principal": "111111111111",
        "resource": vault,
        "warnings": [],
    }
    assert "Null aws:ResourceTag/DestinationBackupVault" in document["statements"][0]["reason"]


def test_policy_from_stdin_and_repeated_context_key_makes_a_list() -> None:
    outside = "o-a1b2c3d4e5/r-f6g7h8i9j0example/ou-other-awszzzzz/"
    base = [
        "--policy",
        "-",
        "--action",
        "backup:CopyIntoBackupVault",
        "--principal",
        "111111111111",
    ]
    one = simulate(*base, "--context", f"aws:PrincipalOrgPaths={outside}", "--json",
                   stdin=ORG_PATHS.read_text())  # fmt: skip
    assert one.returncode == 1
    assert json.loads(one.stdout)["decision"] == "implicit-deny"
    both = simulate(
        *base,
        "--context", f"aws:PrincipalOrgPaths={outside}",
        "--context", f"aws:principalorgpaths={OU_B}",
        "--json",
        stdin=ORG_PATHS.read_text(),
    )  # fmt: skip
    assert both.returncode == 0, both.stdout
    assert json.loads(both.stdout)["decision"] == "allow"


BROKEN_JSON = '{\n  "Statement": [\n    {"Effect": "Allow",,}\n'
TYPO_OPERATOR = json.dumps(
    {"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"StringEqualz": {"a:b": "c"}}}}
)
MISSING = "/nonexistent/policy.json"
BAD_INPUT = [
    (["--policy", MISSING], None, f"--policy {MISSING}: no such file"),
    (["--policy", "-"], BROKEN_JSON, "policy stdin: invalid JSON at line 3, column 24"),
    (["--policy", "-"], TYPO_OPERATOR, "Statement.Condition: unknown operator 'StringEqualz'"),
    (["--policy", str(SCP), "--context", "aws:PrincipalOrgID"], None, "expected KEY=VALUE"),
    (["--policy", str(SCP), "--context", "=o-1"], None, "--context '=o-1': expected KEY=VALUE"),
    (["--policy", str(SCP), "--principal", "arn:aws:iam:::1:root"], None, "principal 'arn:aws"),
    (["--policy", str(SCP), "--action", "CopyIntoBackupVault"], None, "action 'CopyIntoBackup"),
]


@pytest.mark.parametrize(("args", "stdin", "message"), BAD_INPUT)
def test_bad_input_is_one_line_exit_2(args: list[str], stdin: str | None, message: str) -> None:
    defaults = {"--action": "backup:CopyIntoBackupVault", "--principal": "111111111111"}
    for flag, value in defaults.items():
        if flag not in args:
            args = [*args, flag, value]
    run = simulate(*args, stdin=stdin)
    assert run.returncode == 2
    assert run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert message in lines[0]
    assert "Traceback" not in run.stderr


def test_missing_required_flag_is_a_usage_error() -> None:
    run = simulate("--policy", str(SCP))
    assert run.returncode == 2
    assert "--action" in run.stderr and "Traceback" not in run.stderr


def test_accepts_aws_cli_get_policy_output_as_is() -> None:
    wrapped = json.dumps({"Policy": KEY_POLICY.read_text(), "PolicyName": "default"})
    run = simulate(
        "--policy", "-", "--action", "kms:CreateGrant", "--principal", SLR_SESSION,
        "--context", "kms:GrantIsForAWSResource=true", "--json",
        stdin=wrapped,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["statements"][0]["index"] == 1
