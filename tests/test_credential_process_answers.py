"""An AWS profile's `credential_process` that answers something botocore cannot use.

Each odd answer is one line naming the profile's credential_process and what its answer got
wrong, cause CREDENTIALS_EXPIRED, exit 3 (as for a program that fails) — not "a defect of
drconsole" nor a line blaming an AWS_ environment variable — and no key is quoted. The real
command line in process; the program is a real one, run by botocore.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.bad_input import CONTROL_CHARACTERS, Case, run_in_process

SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def answer(**changes: object) -> str:
    fields: dict[str, object] = {
        "Version": 1,
        "AccessKeyId": "AKIAIOSFODNN7EXAMPLE",
        "SecretAccessKey": SECRET_KEY,
        "SessionToken": "tok",
    }
    fields.update(changes)
    return json.dumps(fields)


@pytest.mark.parametrize(
    ("printed", "problem"),
    [
        (answer(Expiration=12), "an Expiration that is not an ISO 8601 date text: 12"),
        (answer(Expiration="not-a-date"), "an Expiration that is not a date: 'not-a-date'"),
        (answer(Expiration="2099-01-01T00:00:00"), "an Expiration without a time zone"),
        (answer(Expiration="2020-01-01T00:00:00Z"), "credentials that expired at 2020-01-01"),
        (answer(AccessKeyId=5), "an AccessKeyId that is not text"),
        (answer(SessionToken=["t"]), "a SessionToken that is not text"),
        ("[1, 2]", "an answer that is not a JSON object"),
        ("not json", "an answer that is not a JSON object"),
    ],
    ids=["number", "not-a-date", "no-zone", "expired", "key-id", "token", "list", "text"],
)
def test_an_odd_answer_is_one_credential_line_naming_the_profile(
    printed: str, problem: str, tmp_path: Path
) -> None:
    program = tmp_path / "helper.py"
    program.write_text(f"print({printed!r})\n")
    aws_config = (
        f"[default]\nregion = eu-central-1\ncredential_process = {sys.executable} {program}\n"
    )
    case = Case(
        ("ls", "vaults"),
        env={"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None},
        files={"aws-config": aws_config.encode()},
    )
    outcome = run_in_process(case, tmp_path)
    assert "a defect of drconsole" not in outcome.stderr, outcome.stderr
    assert "AWS_ environment variable" not in outcome.stderr, outcome.stderr
    assert outcome.code == 3, outcome.stderr
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1 and lines[0].endswith("[CREDENTIALS_EXPIRED]"), outcome.stderr
    assert "the credential_process of AWS profile 'default' gave " + problem in lines[0]
    assert SECRET_KEY not in outcome.stderr + outcome.stdout
    assert not any(c in outcome.stderr for c in CONTROL_CHARACTERS)


def test_a_short_token_of_any_shape_is_never_quoted(tmp_path: Path) -> None:
    """A helper's token that is not AWS-shaped (short, a stray newline that http.client refuses
    and quotes whole in its error): the credentials a session signs with are secrets, whatever
    their shape."""
    token = "FwoGZXIvYXdzEShortTokenSecret0123456789"
    program = tmp_path / "helper.py"
    program.write_text(f"print({answer(SessionToken=token + chr(10))!r})\n")
    aws_config = (
        f"[default]\nregion = eu-central-1\ncredential_process = {sys.executable} {program}\n"
    )
    case = Case(
        ("ls", "accounts"),
        env={
            "AWS_ACCESS_KEY_ID": None,
            "AWS_SECRET_ACCESS_KEY": None,
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        },
        files={"aws-config": aws_config.encode()},
    )
    outcome = run_in_process(case, tmp_path)
    assert outcome.code == 3, outcome.stderr
    assert "Invalid header value" in outcome.stderr  # what http.client said, without the token
    assert token not in outcome.stderr + outcome.stdout, outcome.stderr
    assert SECRET_KEY not in outcome.stderr + outcome.stdout


def test_the_caller_s_and_member_accounts_signing_credentials_are_known_secrets(
    tmp_path: Path,
) -> None:
    """Static caller credentials (the sandbox's, or any endpoint's) and each member account's
    assumed-role credentials are registered as they sign, as a profile's are: a short or odd
    token from an STS-compatible endpoint is removed from every text whatever its shape."""
    from drconsole import redact
    from drconsole.aws.session import AwsSessions
    from drconsole.sandbox.scenarios import start_sandbox
    from drconsole.sandbox.server import SandboxOptions
    from tests.tui.conftest import sandbox_settings

    sandbox, info = start_sandbox("demo", SandboxOptions())
    try:
        settings = sandbox_settings(sandbox, info, tmp_path)
        sessions = AwsSessions(settings)
        sessions.client("backup", None, info.region).list_backup_vaults()
        static = settings.static_credentials
        assert static is not None and static.secret_access_key in redact._KNOWN_SET
        before = set(redact._KNOWN_SET)
        sessions.client("backup", info.accounts["prod"], info.region).list_backup_vaults()
        # The role's session token at least is new to this process (its secret key may have
        # been met by an earlier test in the same process: the sandbox's keys repeat).
        assert redact._KNOWN_SET - before, "the member account's credentials not registered"
    finally:
        sandbox.stop()
