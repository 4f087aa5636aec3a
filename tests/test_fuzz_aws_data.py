"""Property-based: what comes FROM AWS (a vault's name and tags, an account's name) is data,
whatever it holds — control characters, escape sequences, markup, line breaks, slashes, huge
lengths. `ls` (text and `--json`) and `readiness` answer with their usual exit codes, never a
traceback nor "a defect", never a usage error blamed on a flag nobody gave, and never a raw
control character on the terminal; `--json` stays JSON. (The fuzz of bad input covers what the
operator types; this covers what AWS, or a broken endpoint in front of it, answers.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drconsole.sandbox import store
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests.bad_input import CONTROL_CHARACTERS, Case, Outcome, run_in_process

EU = "eu-central-1"
HOSTILE_PARTS = ["\x1b[2J", "\x1b]0;PWNED\x07", "\r\n", "\n", "\t", "\x9b31m", "\u202e", "\x00"]
HOSTILE = st.one_of(
    st.lists(
        st.one_of(
            st.sampled_from(HOSTILE_PARTS),
            st.sampled_from(["[/x]", "[red]", "/", "aws/", "..", "%s", "{0}", "\\", "'", '"']),
            st.text(min_size=1, max_size=12),
        ),
        min_size=1,
        max_size=6,
    ).map("".join),
    st.integers(min_value=200, max_value=5000).map(lambda n: "v" * n),
)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sb, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0))
    try:
        yield sb, info
    finally:
        sb.stop()


def run(sb: Sandbox, info: ScenarioInfo, home: Path, *argv: str) -> Outcome:
    credentials = sb.credentials_for(info.accounts["management"])
    env = {
        "AWS_ENDPOINT_URL": sb.endpoint_url,
        "AWS_ACCESS_KEY_ID": credentials["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": credentials["aws_secret_access_key"],
    }
    return run_in_process(Case(argv, env), home)


def assert_answered_as_data(outcome: Outcome, json_out: bool) -> None:
    assert outcome.code in (0, 1, 3), outcome.stderr[-2000:]
    assert "Traceback" not in outcome.stderr and "defect" not in outcome.stderr, outcome.stderr
    assert "--to" not in outcome.stderr, outcome.stderr  # no flag blamed for AWS's data
    said = outcome.stderr + ("" if json_out else outcome.stdout)
    raw = [c for c in said.replace("\n", "") if c in CONTROL_CHARACTERS or c == "\x00"]
    assert not raw, said[-2000:]
    if json_out and outcome.code != 3:
        json.loads(outcome.stdout)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(name=HOSTILE, tag=HOSTILE)
def test_a_vault_named_and_tagged_anyhow_is_listed_and_judged_as_data(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, name: str, tag: str
) -> None:
    sb, info = sandbox
    backend = store.backend_for(info.accounts["qa"], EU)
    if name not in backend.vaults:
        backend.create_backup_vault(name, {"owner": tag}, "", "fuzz")
    for argv, json_out in (
        (("ls", "vaults", "--account", "qa"), False),
        (("ls", "vaults", "--account", "qa", "--json"), True),
        (("readiness", "--account", "qa", "--region", EU, "--json"), True),
    ):
        assert_answered_as_data(run(sb, info, tmp_path, *argv), json_out)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(name=HOSTILE)
def test_an_account_named_anyhow_is_listed_as_data(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, name: str
) -> None:
    sb, info = sandbox
    organizations = sb.client("organizations", info.accounts["management"], EU)
    try:
        organizations.create_account(Email=f"fuzz{abs(hash(name))}@example.com", AccountName=name)
    except organizations.exceptions.ClientError:
        return  # refused by the sandbox's Organizations: nothing to list
    for argv, json_out in ((("ls", "accounts"), False), (("ls", "accounts", "--json"), True)):
        assert_answered_as_data(run(sb, info, tmp_path, *argv), json_out)
