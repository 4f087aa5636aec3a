"""AWS failures on the command line: one line on stderr that names the cause code, exit 3."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from botocore.exceptions import EndpointConnectionError

from drconsole.aws.errors import aws_error
from drconsole.cli import cause_suffix
from drconsole.errors import AwsError, UsageError

SSO_CONFIG = """\
[profile incident]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Admin
region = eu-central-1
[sso-session corp]
sso_start_url = https://example.awsapps.com/start
sso_region = eu-central-1
"""


def test_network_failure_names_its_cause() -> None:
    error = aws_error(EndpointConnectionError(endpoint_url="http://127.0.0.1:9/"), "reading")
    assert cause_suffix(error) == " [NETWORK]"


def test_no_suffix_without_a_known_cause() -> None:
    assert cause_suffix(AwsError("recovery point not found")) == ""
    assert cause_suffix(UsageError("--to: not an ARN")) == ""
    assert cause_suffix(AwsError("already says it [THROTTLED]", "THROTTLED")) == ""


def test_expired_sso_login_is_one_line_with_cause_and_exit_3(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text(SSO_CONFIG)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AWS_") and not key.startswith("XDG_")
    }
    env |= {
        "HOME": str(home),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        # A closed port: if anything were sent, it would fail as NETWORK instead.
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    }
    done = subprocess.run(
        [sys.executable, "-m", "drconsole", "--profile", "incident", "ls", "accounts"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 3
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert "aws sso login --profile incident" in lines[0]
    assert lines[0].endswith("[CREDENTIALS_EXPIRED]")


def test_dead_endpoint_is_reported_within_seconds(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env |= {
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_DEFAULT_REGION": "eu-central-1",
        # A closed port: every connection is refused.
        "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
    }
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "drconsole", "ls", "accounts"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    elapsed = time.monotonic() - started
    assert done.returncode == 3
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].endswith("[NETWORK]")
    # Every adaptive retry spent on "connection refused" took 8 to 15 s.
    assert elapsed < 3, f"took {elapsed:.1f} s"
