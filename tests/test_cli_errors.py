"""AWS failures on the command line: one line on stderr that names the cause code, exit 3."""

from __future__ import annotations

import contextlib
import http.server
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import EndpointConnectionError

from drconsole.aws.errors import aws_error
from drconsole.cli import cause_suffix
from drconsole.errors import AwsError, UsageError
from tests import forked_cli
from tests.bad_input import Case, assert_one_line_usage_error, run_in_process

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
    done = forked_cli.run(
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


def env_with_endpoint(home: Path, endpoint: str, **more: str) -> dict[str, str]:
    """This environment without AWS_ or proxy variables, keys for `endpoint`, and `more`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AWS_") and not key.lower().endswith("_proxy")
    }
    return env | {
        "HOME": str(home),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_ENDPOINT_URL": endpoint,
        **more,
    }


def one_line_of_ls_accounts(env: dict[str, str]) -> str:
    """`drconsole ls accounts` in `env` ending with exit 3: its one line on stderr."""
    done = forked_cli.run(
        [sys.executable, "-m", "drconsole", "ls", "accounts"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 3, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_dead_endpoint_is_reported_within_seconds(tmp_path: Path) -> None:
    # A closed port: every connection is refused.
    started = time.monotonic()
    line = one_line_of_ls_accounts(env_with_endpoint(tmp_path, "http://127.0.0.1:1"))
    elapsed = time.monotonic() - started
    assert line.endswith("[NETWORK]")
    # Every adaptive retry spent on "connection refused" took 8 to 15 s; at once it takes under
    # a second, and a start-up on a loaded machine took up to 3.5 s.
    assert elapsed < 6, f"took {elapsed:.1f} s"


def test_a_proxy_that_cannot_be_reached_is_a_network_failure(tmp_path: Path) -> None:
    # A closed port as the proxy: botocore's ProxyConnectionError, not an endpoint's.
    env = env_with_endpoint(tmp_path, "http://192.0.2.10:8080", HTTP_PROXY="http://127.0.0.1:1")
    line = one_line_of_ls_accounts(env)
    assert "proxy" in line and line.endswith("[NETWORK]"), line


CALLER_IDENTITY = b"""<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ops</Arn><UserId>AIDAEXAMPLE</UserId>
<Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"""
# What an endpoint that is not AWS answers with 200: a web page, some other XML or JSON.
FOREIGN_ANSWERS = {
    "html": b"<html><body>Welcome to nginx</body></html>",
    "xml": b'<?xml version="1.0"?><Other><X>1</X></Other>',
    "json": b'{"Accounts": 5, "BackupVaultList": "x", "Organization": []}',
}


@contextlib.contextmanager
def foreign_endpoint(body: bytes, *, answers_sts: bool) -> Iterator[str]:
    """A local HTTP server answering 200 with `body` to every request (STS's GetCallerIdentity
    answered as AWS does when `answers_sts`), as a proxy page or a mistyped endpoint does."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            request = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            sts = answers_sts and b"Action=GetCallerIdentity" in request
            answer = CALLER_IDENTITY if sts else body
            self.send_response(200)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_GET = do_POST

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("answers_sts", [False, True], ids=["sts", "organizations"])
@pytest.mark.parametrize("kind", sorted(FOREIGN_ANSWERS))
def test_an_endpoint_that_is_not_aws_is_a_service_error(
    kind: str, answers_sts: bool, tmp_path: Path
) -> None:
    with foreign_endpoint(FOREIGN_ANSWERS[kind], answers_sts=answers_sts) as url:
        bad = Case(("ls", "accounts"), {"AWS_ENDPOINT_URL": url, "AWS_MAX_ATTEMPTS": "1"})
        outcome = run_in_process(bad, tmp_path)
    assert "unexpected error" not in outcome.stderr
    assert outcome.code == 3, outcome.stderr
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1, outcome.stderr
    assert lines[0].endswith("[SERVICE_ERROR]"), lines[0]


@pytest.mark.parametrize(
    "name", ["AWS_METADATA_SERVICE_TIMEOUT", "AWS_METADATA_SERVICE_NUM_ATTEMPTS"]
)
def test_a_number_botocore_cannot_read_names_its_variable(name: str, tmp_path: Path) -> None:
    """`AWS_METADATA_SERVICE_TIMEOUT=abc`: one line that says which variable holds 'abc' (it
    said only "invalid literal for int()")."""
    case = Case(("ls", "vaults"), {name: "abc"})
    outcome = run_in_process(case, tmp_path)
    assert_one_line_usage_error(outcome, case)
    assert f"'abc' (set in {name})" in outcome.stderr
