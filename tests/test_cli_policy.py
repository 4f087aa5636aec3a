"""`drconsole policy simulate`, run as a user runs it: the real CLI in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests import forked_cli

POLICIES = Path(__file__).parent / "data" / "policies"
ORG_PATHS = POLICIES / "docs-share-vault-org-paths.json"
KEY_POLICY = POLICIES / "blog-key-policy-shared-with-backup-account-slr.json"
SCP = POLICIES / "docs-scp-deny-untagged-destination.json"
OU_B = "o-a1b2c3d4e5/r-f6g7h8i9j0example/ou-def0-awsbbbbb/"
SLR_SESSION = "arn:aws:sts::222222222222:assumed-role/AWSServiceRoleForBackup/AWSBackup-copy"


def simulate(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `drconsole policy simulate ARGS` and capture its output."""
    return forked_cli.run(
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
        "needs_identity_allow": False,
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


def simulate_document(
    tmp_path: Path, document: object, *args: str
) -> subprocess.CompletedProcess[str]:
    """Write `document` as the policy file and simulate it."""
    path = tmp_path / "policy.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return simulate("--policy", str(path), *args)


KEY_SHARED_WITH_ACCOUNT = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "ShareWithDest",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
            "Action": ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey"],
            "Resource": "*",
        },
        {
            "Sid": "DestCopyRole",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::222222222222:role/CopyRole"},
            "Action": "kms:ReEncryptFrom",
            "Resource": "*",
        },
        {
            "Sid": "OwnAuditor",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111111111111:role/Auditor"},
            "Action": "kms:GetKeyPolicy",
            "Resource": "*",
        },
    ],
}
KEY_ARN = "arn:aws:kms:eu-central-1:111111111111:key/11111111-2222-3333-4444-555555555555"


def test_an_allow_through_the_principals_account_needs_its_identity_policy(
    tmp_path: Path,
) -> None:
    """A key policy naming account 222222222222 only delegates to that account's IAM policies:
    "You must also attach an identity-based policy to the identity that acts as the principal
    in the request" (IAM, cross-account policy evaluation). The answer is not a bare allow: this
    policy's decision stays `allow` (exit 0, the three decisions of the command-line contract)
    and says that the principal's own policy must allow it too."""
    role = "arn:aws:iam::222222222222:role/AnyRole"
    run = simulate_document(
        tmp_path, KEY_SHARED_WITH_ACCOUNT, "--action", "kms:Decrypt", "--principal", role, "--json"
    )
    assert run.returncode == 0, run.stdout + run.stderr
    answer = json.loads(run.stdout)
    assert answer["decision"] == "allow"
    assert answer["needs_identity_allow"] is True
    assert [s["sid"] for s in answer["statements"]] == ["ShareWithDest"]
    (warning,) = answer["warnings"]
    assert warning.startswith(f"allowed only if an identity-based policy of {role}")
    assert "name only account 222222222222" in warning
    people = simulate_document(
        tmp_path, KEY_SHARED_WITH_ACCOUNT, "--action", "kms:Decrypt", "--principal", role
    )
    assert people.returncode == 0 and people.stderr == ""
    assert people.stdout.startswith(
        f"ALLOW (only if the principal's own IAM policy allows it too) kms:Decrypt by {role}"
    )
    assert "\nWARN allowed only if an identity-based policy of" in people.stdout
    # The key's own account is no different: "Enable IAM User Permissions" delegates too.
    own = simulate_document(
        tmp_path, KEY_SHARED_WITH_ACCOUNT, "--action", "kms:Decrypt",
        "--principal", "arn:aws:iam::111111111111:role/Admin", "--resource", KEY_ARN, "--json",
    )  # fmt: skip
    assert own.returncode == 0, own.stdout
    assert json.loads(own.stdout)["needs_identity_allow"] is True


def test_a_direct_grant_needs_the_identity_policy_only_across_accounts(tmp_path: Path) -> None:
    """A role named in the key policy: enough in the key's own account; from another account
    its own IAM policy must allow too; with the key's account unknown, a warning says so."""
    cross = simulate_document(
        tmp_path, KEY_SHARED_WITH_ACCOUNT, "--action", "kms:ReEncryptFrom",
        "--principal", "arn:aws:iam::222222222222:role/CopyRole", "--resource", KEY_ARN, "--json",
    )  # fmt: skip
    assert cross.returncode == 0, cross.stdout
    assert json.loads(cross.stdout)["needs_identity_allow"] is True
    (warning,) = json.loads(cross.stdout)["warnings"]
    assert "the resource is in account 111111111111, not 222222222222" in warning
    same = simulate_document(
        tmp_path, KEY_SHARED_WITH_ACCOUNT, "--action", "kms:GetKeyPolicy",
        "--principal", "arn:aws:iam::111111111111:role/Auditor", "--resource", KEY_ARN, "--json",
    )  # fmt: skip
    assert same.returncode == 0, same.stdout
    assert json.loads(same.stdout)["warnings"] == []
    given = simulate_document(
        tmp_path, KEY_SHARED_WITH_ACCOUNT, "--action", "kms:GetKeyPolicy",
        "--principal", "arn:aws:iam::111111111111:role/Auditor",
        "--context", "aws:ResourceAccount=111111111111", "--json",
    )  # fmt: skip
    assert (given.returncode, json.loads(given.stdout)["warnings"]) == (0, [])
    unknown = simulate_document(
        tmp_path, KEY_SHARED_WITH_ACCOUNT, "--action", "kms:GetKeyPolicy",
        "--principal", "arn:aws:iam::111111111111:role/Auditor", "--json",
    )  # fmt: skip
    assert unknown.returncode == 0, unknown.stdout
    (warning,) = json.loads(unknown.stdout)["warnings"]
    assert warning.startswith("the resource's account is not known")


def test_an_identity_policy_or_a_service_principal_is_allowed_without_more(
    tmp_path: Path,
) -> None:
    identity = {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
    }
    run = simulate_document(
        tmp_path, identity, "--action", "kms:Decrypt",
        "--principal", "arn:aws:iam::222222222222:role/AnyRole", "--json",
    )  # fmt: skip
    assert run.returncode == 0 and json.loads(run.stdout)["needs_identity_allow"] is False
    service = simulate_document(
        tmp_path, KEY_SHARED_WITH_ACCOUNT | {"Statement": [
            {"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"},
             "Action": "kms:Decrypt", "Resource": "*"}
        ]},
        "--action", "kms:Decrypt", "--principal", "backup.amazonaws.com", "--json",
    )  # fmt: skip
    assert (service.returncode, json.loads(service.stdout)["warnings"]) == (0, [])


def test_notprincipal_with_allow_is_refused_not_evaluated(tmp_path: Path) -> None:
    """IAM: "NotPrincipal must be used with "Effect":"Deny". Using it with "Effect":"Allow" is
    not supported." Evaluated, it would allow everyone but the listed principals."""
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Deny", "NotPrincipal": {"AWS": "111111111111"}, "Action": "kms:*"},
            {
                "Effect": "Allow",
                "NotPrincipal": {"AWS": "arn:aws:iam::999999999999:root"},
                "Action": "backup:CopyIntoBackupVault",
                "Resource": "*",
            },
        ],
    }
    run = simulate_document(
        tmp_path, document, "--action", "backup:CopyIntoBackupVault",
        "--principal", "arn:aws:iam::111111111111:role/CopyRole",
    )  # fmt: skip
    assert (run.returncode, run.stdout) == (2, ""), run.stdout
    (line,) = run.stderr.strip().splitlines()
    assert 'Statement[1]: NotPrincipal with "Effect": "Allow" is not supported by AWS' in line
    assert "Traceback" not in run.stderr


def test_aws_username_of_an_iam_user_principal_is_known(tmp_path: Path) -> None:
    """ "IAM uses the friendly name of the authenticated user in place of the variable
    ${aws:username}": the classic home-folder policy allows alice her folder, not bob's."""
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::home-bucket/${aws:username}/*",
            }
        ],
    }
    args = ("--action", "s3:GetObject", "--principal", "arn:aws:iam::111111111111:user/team/alice")
    own = simulate_document(
        tmp_path, document, *args, "--resource", "arn:aws:s3:::home-bucket/alice/notes.txt"
    )
    assert own.returncode == 0, own.stdout
    other = simulate_document(
        tmp_path, document, *args, "--resource", "arn:aws:s3:::home-bucket/bob/notes.txt"
    )
    assert other.returncode == 1, other.stdout
    assert "home-bucket/bob/notes.txt does not match Resource" in other.stdout


def test_a_policy_larger_than_aws_stores_is_evaluated_with_a_warning(tmp_path: Path) -> None:
    """AWS stores no policy over 32 KB (a KMS key policy's limit, the largest); up to the
    1 MiB input limit it is still evaluated, with a WARN line naming its size."""
    statements = [
        {
            "Sid": f"S{i}",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::b{i}/*",
        }
        for i in range(600)
    ]
    document = json.dumps({"Version": "2012-10-17", "Statement": statements})
    size = len(document.encode())
    assert 32 * 1024 < size < 1024 * 1024
    args = (
        "--action",
        "s3:GetObject",
        "--principal",
        "111111111111",
        "--resource",
        "arn:aws:s3:::b7/x",
    )
    people = simulate_document(tmp_path, document, *args)
    assert people.returncode == 0, people.stderr
    assert people.stdout.startswith("ALLOW") and "bytes" not in people.stdout
    (line,) = people.stderr.splitlines()
    assert line.startswith(f"WARN policy {tmp_path / 'policy.json'} is {size} bytes")
    assert "32,768 bytes for a KMS key policy" in line
    as_json = simulate_document(tmp_path, document, *args, "--json")
    assert as_json.returncode == 0
    assert json.loads(as_json.stdout)["warnings"] == [line.removeprefix("WARN ")]
    small = simulate_document(
        tmp_path, {"Version": "2012-10-17", "Statement": statements[:5]}, *args[:4]
    )
    assert small.stderr == ""


def test_a_sessions_identity_policy_is_its_roles(tmp_path: Path) -> None:
    """The destination's AWSServiceRoleForBackup using a key of the source account: the key
    policy names the role, and the role's own policies must allow it too (another account)."""
    run = simulate(
        "--policy", str(KEY_POLICY), "--action", "kms:CreateGrant", "--principal", SLR_SESSION,
        "--context", "kms:GrantIsForAWSResource=true", "--resource", KEY_ARN, "--json",
    )  # fmt: skip
    assert run.returncode == 0, run.stdout
    assert json.loads(run.stdout)["needs_identity_allow"] is True
    (warning,) = json.loads(run.stdout)["warnings"]
    role = "arn:aws:iam::222222222222:role/aws-service-role/backup.amazonaws.com/" + (
        "AWSServiceRoleForBackup"
    )
    assert warning.startswith(f"allowed only if an identity-based policy of {role} ")
