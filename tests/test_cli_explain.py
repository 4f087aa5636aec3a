"""`drconsole explain` run as a user runs it: a subprocess, arguments or stdin, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

SEED = "Copy job failed. Cross-account copy feature is not enabled for the current organization."
KEY = "arn:aws:kms:eu-central-1:111111111111:key/159f9as4-697q-f354-a448-example"


def explain(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "drconsole", "explain", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_json_output_is_the_documented_object() -> None:
    result = explain("--json", SEED)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload) == {"cause", "explanation", "remediation", "matched", "error_code"}
    assert payload["cause"] == "CROSS_ACCOUNT_DISABLED"
    assert payload["matched"] == "cross-account-disabled"
    assert "isCrossAccountBackupEnabled=true" in payload["remediation"]
    assert payload["error_code"] is None


def test_words_are_joined_and_the_wrapper_gives_the_error_code() -> None:
    message = (
        "An error occurred (InvalidParameterValueException) when calling the StartCopyJob"
        " operation: Copy job from eu-central-1 to eu-north-1 cannot be initiated for RDS"
        " resources. Feature is not supported for provided resource type."
    )
    words = message.split(" ")
    payload = json.loads(explain("--json", *words).stdout)
    assert payload["cause"] == "UNSUPPORTED_COPY_ROUTE"
    assert payload["error_code"] == "InvalidParameterValueException"
    assert "eu-north-1" in payload["remediation"]


def test_stdin_with_dash_and_readable_output_for_people() -> None:
    message = f"The source snapshot KMS key [{KEY}]\n does not exist, is not enabled or you do"
    result = explain("-", stdin=message + " not have permissions to access it.\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("SOURCE_KEY_NOT_SHARED")
    assert "Fix:" in result.stdout
    assert f"aws kms put-key-policy --key-id {KEY}" in result.stdout
    # JSON brackets of the policy survive (no markup swallowed them)
    assert '"kms:CreateGrant"' in result.stdout


def test_unknown_message_exits_1_and_says_so() -> None:
    result = explain("--json", "the", "coffee", "machine", "is", "empty")
    assert result.returncode == 1
    payload = json.loads(result.stdout)
    assert payload["cause"] == "UNKNOWN"
    assert payload["matched"] is None


def test_empty_message_is_a_usage_error() -> None:
    for args, stdin in ((("",), None), ((), None), (("-",), "  \n")):
        result = explain(*args, stdin=stdin)
        assert result.returncode == 2
        assert result.stdout == ""
        assert "MESSAGE is empty" in result.stderr
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
