"""AWS Organizations lets two accounts share a name: `--account NAME` names every account of
that name, in `readiness` as in `ls`. Real `drconsole` processes against the demo sandbox."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from tests import forked_cli
from tests.test_drill_run import demo_sandbox, env_for


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[Sandbox, ScenarioInfo, str]]:
    """The demo organization plus a second, empty account named prod (its id third)."""
    for sb, info in demo_sandbox():
        org = sb.client("organizations", info.accounts["management"], "eu-central-1")
        status = org.create_account(Email="second-prod@example.com", AccountName="prod")
        second = str(status["CreateAccountStatus"]["AccountId"])
        # A vault of the same name as the real prod's: rows that only a table's ids tell apart.
        sb.client("backup", second, "eu-central-1").create_backup_vault(
            BackupVaultName="prod-vault"
        )
        yield sb, info, second


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("name", ["prod", "PROD"])
def test_readiness_judges_every_account_of_the_name(
    sandbox: tuple[Sandbox, ScenarioInfo, str], tmp_path: Path, name: str
) -> None:
    sb, info, second = sandbox
    done = run(env_for(sb, info, tmp_path), "readiness", "--account", name, "--json")
    report = json.loads(done.stdout)
    assert sorted(report["scope"]["accounts"]) == sorted([info.accounts["prod"], second])
    judged = {row["account_id"] for row in report["rows"]}
    assert info.accounts["prod"] in judged, report["rows"]
    # The real prod account is NOT READY in the demo: the gate does not pass.
    assert done.returncode == 1, (done.returncode, done.stderr[-500:])


def test_ls_and_readiness_name_the_same_accounts(
    sandbox: tuple[Sandbox, ScenarioInfo, str], tmp_path: Path
) -> None:
    sb, info, second = sandbox
    env = env_for(sb, info, tmp_path)
    listed = json.loads(run(env, "ls", "accounts", "--account", "prod", "--json").stdout)
    judged = json.loads(run(env, "readiness", "--account", "prod", "--json").stdout)
    assert second in judged["scope"]["accounts"]
    assert sorted(listed["scope"]["accounts"]) == sorted(judged["scope"]["accounts"])


def test_an_unknown_account_name_is_one_line_exit_2(
    sandbox: tuple[Sandbox, ScenarioInfo, str], tmp_path: Path
) -> None:
    sb, info, _ = sandbox
    done = run(env_for(sb, info, tmp_path), "readiness", "--account", "nobody")
    assert done.returncode == 2
    assert (
        done.stderr.strip() == "drconsole: --account 'nobody': no such account in the organization"
    )


def test_ls_tables_tell_accounts_of_one_name_apart_by_their_id(
    sandbox: tuple[Sandbox, ScenarioInfo, str], tmp_path: Path
) -> None:
    sb, info, second = sandbox
    prod = info.accounts["prod"]
    env = {**env_for(sb, info, tmp_path), "COLUMNS": "200"}
    done = run(env, "ls", "vaults", "--account", "prod", "--region", "eu-central-1")
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if "prod-vault" in line]
    accounts = sorted(row.split("│")[1].strip() for row in rows)
    assert accounts == sorted([f"prod ({prod})", f"prod ({second})"]), rows
    assert f"prod ({prod})" in done.stderr and f"prod ({second})" in done.stderr, done.stderr
    # A name no other account has stays as it was.
    qa = run(env, "ls", "vaults", "--account", "qa", "--region", "eu-central-1")
    assert "│ qa " in qa.stdout and info.accounts["qa"] not in qa.stdout, qa.stdout
