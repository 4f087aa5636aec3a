"""Endpoints as the AWS CLI resolves them, and no endpoint password anywhere (the real CLI
against the sandbox).

`AWS_ENDPOINT_URL_<SERVICE>` beats `AWS_ENDPOINT_URL`; `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`
ignores both; the config file's `endpoint_url` comes below them all. A URL's user name and
password never reach the terminal or the journal.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.server import SandboxOptions
from tests import forked_cli
from tests.cli_box import EU, NORTH, Box, journal, json_lines

DEAD = "http://127.0.0.1:1"
PASSWORD = "S3cretEndpointPass"


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0))
    try:
        yield Box(sandbox, info)
    finally:
        sandbox.stop()


@pytest.fixture(autouse=True)
def no_fault_left(box: Box) -> Iterator[None]:
    yield
    box.sandbox.clear_faults()


def with_userinfo(url: str, user: str = "alice", password: str = PASSWORD) -> str:
    return url.replace("http://", f"http://{user}:{password}@")


def test_a_service_endpoint_beats_the_global_one(box: Box, tmp_path: Path) -> None:
    done = box.cli(tmp_path, "ls", "vaults", "--json", AWS_ENDPOINT_URL_BACKUP=DEAD)
    assert done.returncode == 3, done.stdout + done.stderr
    errors = json.loads(done.stdout)["errors"]
    assert errors and all(e["cause"] == "NETWORK" for e in errors), errors
    assert all("127.0.0.1:1/" in e["message"] for e in errors), errors
    # The organization (the global endpoint) was read: only Backup's calls failed.
    accounts = box.cli(tmp_path, "ls", "accounts", AWS_ENDPOINT_URL_BACKUP=DEAD)
    assert accounts.returncode == 0, accounts.stderr


def test_ignoring_configured_endpoints_ignores_both(box: Box, tmp_path: Path) -> None:
    # AWS's own endpoints are https: a dead proxy keeps the test off the internet.
    done = box.cli(
        tmp_path,
        "ls",
        "accounts",
        AWS_ENDPOINT_URL_STS=box.sandbox.endpoint_url,
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS="true",
        HTTPS_PROXY=DEAD,
    )
    assert done.returncode == 3, done.stdout + done.stderr
    assert "proxy" in done.stderr and done.stderr.rstrip().endswith("[NETWORK]")
    # Without it, the same environment reads the sandbox.
    again = box.cli(tmp_path, "ls", "accounts", HTTPS_PROXY=DEAD)
    assert again.returncode == 0, again.stderr


def test_the_config_files_endpoint_comes_below_the_aws_ones(box: Box, tmp_path: Path) -> None:
    config = tmp_path / "xdg-config" / "drconsole" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'endpoint_url = "{box.sandbox.endpoint_url}"\n')
    env = box.env(tmp_path, AWS_ENDPOINT_URL_BACKUP=DEAD)
    del env["AWS_ENDPOINT_URL"]
    done = forked_cli.run(
        [sys.executable, "-m", "drconsole", "ls", "vaults"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 3 and "[NETWORK]" in done.stderr, done.stderr


def test_a_password_in_the_endpoint_never_reaches_the_terminal(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_DEFAULT_REGION": EU,
        "AWS_ENDPOINT_URL": with_userinfo(DEAD),
    }
    done = forked_cli.run(
        [sys.executable, "-m", "drconsole", "ls", "accounts"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3, done.stderr
    assert PASSWORD not in done.stderr + done.stdout and "alice" not in done.stderr
    assert '"http://***:***@127.0.0.1:1/"' in done.stderr and "[NETWORK]" in done.stderr


def interrupted_copy(box: Box, state: Path, n: int, **env: str) -> str:
    """A copy stopped by AccessDenied on its StartCopyJob: its flow id."""
    rp = box.newest("dr-eu-north-1", NORTH, "EFS", n=n)
    box.sandbox.fail_operation("backup:StartCopyJob", "denied")
    first = box.cli(
        state, "copy", "--recovery-point", rp, "--to", box.vault("prod", "prod-vault"),
        "--yes", "--json", **env,
    )  # fmt: skip
    box.sandbox.clear_faults()
    assert first.returncode == 3, first.stderr
    assert PASSWORD not in first.stdout + first.stderr
    return str(json_lines(first.stdout)[-1]["flow"])


def test_the_journal_keeps_the_endpoint_without_its_password(box: Box, tmp_path: Path) -> None:
    endpoint = box.sandbox.endpoint_url
    flow = interrupted_copy(box, tmp_path, 7, AWS_ENDPOINT_URL=with_userinfo(endpoint))
    (plan,) = [r for r in journal(tmp_path) if r["type"] == "plan"]
    assert plan["origin"]["endpoint"] == endpoint
    journal_text = (tmp_path / "xdg-state" / "drconsole" / "journal.jsonl").read_text()
    assert PASSWORD not in journal_text
    # Elsewhere (another host, another password): refused, and neither password is shown.
    elsewhere = with_userinfo(endpoint.replace("127.0.0.1", "localhost"), "bob", "0therPassw0rd")
    for extra in ((), ("--json",)):
        refused = box.cli(tmp_path, "jobs", "--resume", *extra, AWS_ENDPOINT_URL=elsewhere)
        assert refused.returncode == 2, refused.stderr
        text = refused.stdout + refused.stderr
        assert f"flow {flow}" in text and "was started as" in text
        assert PASSWORD not in text and "0therPassw0rd" not in text and "bob" not in text
        assert f"on {endpoint}," in text
    # The same endpoint with another password is the same endpoint.
    resumed = box.cli(
        tmp_path, "jobs", "--resume", "--json", "--poll-interval", "0.1",
        AWS_ENDPOINT_URL=with_userinfo(endpoint, "carol", "Yet4notherOne"),
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert json_lines(resumed.stdout)[-1]["status"] == "completed"


# A bearer token or a JWT used as a proxy's or an endpoint's password passes 2 KB easily. (Dots
# keep it from looking like a session token, which is redacted by its shape alone.)
LONG_PASSWORD = "Jwt.Like.Pw." + "x" * 2100


def leaks_long_password(text: str) -> bool:
    return "Like.Pw" in text or "x" * 20 in text


def test_a_password_of_any_length_never_reaches_the_terminal_nor_the_journal(
    box: Box, tmp_path: Path
) -> None:
    dead = box.cli(
        tmp_path, "ls", "accounts", AWS_ENDPOINT_URL=with_userinfo(DEAD, password=LONG_PASSWORD)
    )
    assert dead.returncode == 3, dead.stderr
    assert not leaks_long_password(dead.stdout + dead.stderr), dead.stderr[:300]
    assert '"http://***:***@127.0.0.1:1/"' in dead.stderr
    endpoint = box.sandbox.endpoint_url
    flow = interrupted_copy(
        box, tmp_path, 9, AWS_ENDPOINT_URL=with_userinfo(endpoint, password=LONG_PASSWORD)
    )
    (plan,) = [r for r in journal(tmp_path) if r["type"] == "plan"]
    assert plan["origin"]["endpoint"] == endpoint
    journal_text = (tmp_path / "xdg-state" / "drconsole" / "journal.jsonl").read_text()
    assert not leaks_long_password(journal_text)
    jobs = box.cli(
        tmp_path, "jobs", AWS_ENDPOINT_URL=with_userinfo(endpoint, password=LONG_PASSWORD)
    )
    assert flow in jobs.stdout and not leaks_long_password(jobs.stdout + jobs.stderr)


def test_the_journal_names_the_endpoint_backup_calls_went_to(box: Box, tmp_path: Path) -> None:
    # Backup's own endpoint differs from the global one (the same sandbox, by another name).
    backup = box.sandbox.endpoint_url.replace("127.0.0.1", "localhost")
    interrupted_copy(box, tmp_path, 8, AWS_ENDPOINT_URL_BACKUP=backup)
    (plan,) = [r for r in journal(tmp_path) if r["type"] == "plan"]
    assert plan["origin"]["endpoint"] == backup
    # A resume whose Backup calls go elsewhere is refused, though AWS_ENDPOINT_URL is the same.
    refused = box.cli(tmp_path, "jobs", "--resume", "--json")
    assert refused.returncode == 2, refused.stderr
    (result,) = json_lines(refused.stdout)
    assert result["status"] == "refused" and backup in result["message"]
