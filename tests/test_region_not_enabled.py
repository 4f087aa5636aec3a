"""AWS answers "The security token included in the request is invalid" for a call into an
opt-in Region the account has not enabled: while the caller's own credentials are taken, that
is one account's and Region's UNKNOWN, not expired credentials that stop every other row.
Real `drconsole` processes against the demo sandbox, which refuses such calls as AWS does."""

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

EU, NORTH, OPT_IN = "eu-central-1", "eu-north-1", "me-south-1"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    for sb, info in demo_sandbox():
        # prod has not enabled me-south-1; the backup account has not "enabled" eu-north-1
        # (not an opt-in Region on AWS: the sandbox's stand-in for one holding its DR vault).
        sb.options.disabled_regions = {
            info.accounts["prod"]: {OPT_IN},
            info.accounts["backup"]: {NORTH},
        }
        yield sb, info


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_readiness_judges_the_other_rows_and_says_why_one_is_unknown(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    done = run(env_for(sb, info, tmp_path), "readiness", "--region", f"{EU},{OPT_IN}", "--json")
    assert done.returncode == 1, (done.returncode, done.stderr[-600:])
    rows = {(r["account_id"], r["region"]): r for r in json.loads(done.stdout)["rows"]}
    prod = info.accounts["prod"]
    assert rows[prod, EU]["verdict"] == "NOT READY", rows[prod, EU]
    unknown = rows[prod, OPT_IN]
    assert unknown["verdict"] == "UNKNOWN" and unknown["causes"] == ["UNKNOWN"], unknown
    (line,) = unknown["explanation"]
    assert "The security token included in the request is invalid" in line
    assert "opt-in Region" in line and "aws account enable-region" in line
    assert len({r["account_id"] for r in rows.values()}) >= 3  # the other accounts are judged


def test_a_check_into_such_a_region_is_unknown_not_expired_credentials(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    backup = sb.client("backup", info.accounts["prod"], EU)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    rp = next(p for p in points["RecoveryPoints"] if p["ResourceType"] == "EFS")
    to = f"arn:aws:backup:{NORTH}:{info.accounts['backup']}:backup-vault:dr-{NORTH}"
    done = run(
        env_for(sb, info, tmp_path),
        "check",
        "copy",
        "--recovery-point",
        rp["RecoveryPointArn"],
        "--to",
        to,
        "--json",
    )
    assert done.returncode == 1, (done.returncode, done.stderr[-600:])
    checks = {c["id"]: c for c in json.loads(done.stdout)["checks"]}
    vault = checks["dest.vault"]
    assert vault["status"] == "UNKNOWN" and vault["cause"] == "UNKNOWN", vault
    assert "opt-in Region" in vault["remediation"]
    assert checks["source.copy-role"]["status"] == "PASS"  # prod's own reads still answered


def vault_arns(sb: Sandbox, accounts: list[str], region: str) -> set[str]:
    """Every vault of `accounts` in `region`, as plain boto3 lists them."""
    return {
        vault["BackupVaultArn"]
        for account in accounts
        for vault in sb.client("backup", account, region).list_backup_vaults()["BackupVaultList"]
    }


def test_ls_shows_the_refusal_on_its_account_and_region_and_lists_the_others(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    env = env_for(sb, info, tmp_path)
    prod = info.accounts["prod"]
    members = [a for role, a in info.accounts.items() if role != "management"]
    document = run(env, "ls", "vaults", "--region", f"{EU},{OPT_IN}", "--json")
    assert document.returncode == 0, document.stderr[-600:]
    listed = json.loads(document.stdout)
    (error,) = listed["errors"]
    assert (error["account_id"], error["region"]) == (prod, OPT_IN), error
    assert error["code"] == "UnrecognizedClientException"
    assert error["cause"] == "UNKNOWN", error
    assert "opt-in Region" in error["remedy"] and "aws account enable-region" in error["remedy"]
    assert {v["arn"] for v in listed["items"]} == vault_arns(sb, members, EU)

    table = run(env, "ls", "vaults", "--region", f"{EU},{OPT_IN}")
    assert table.returncode == 0, table.stderr[-600:]
    assert "CREDENTIALS_EXPIRED" not in table.stderr
    (line,) = [x for x in table.stderr.splitlines() if x.startswith("drconsole: account")]
    assert line.startswith(f"drconsole: account {prod} (prod) {OPT_IN}: ListBackupVaults")
    assert "The security token included in the request is invalid. [UNKNOWN] (" in line
    assert "aws account enable-region" in line
    for role in ("dev", "qa", "prod", "backup"):
        assert f"│ {role} " in table.stdout, table.stdout


def test_streamed_recovery_points_place_the_refusal_on_its_account_and_region(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    prod = info.accounts["prod"]
    done = run(
        env_for(sb, info, tmp_path),
        "ls",
        "recovery-points",
        "--region",
        f"{EU},{OPT_IN}",
        "--account",
        "prod,dev",
        "--json",
    )
    assert done.returncode == 0, done.stderr[-600:]
    listed = json.loads(done.stdout)
    (error,) = listed["errors"]
    assert (error["account_id"], error["region"], error["cause"]) == (prod, OPT_IN, "UNKNOWN")
    assert "aws account enable-region" in error["remedy"]
    expected = {
        point["RecoveryPointArn"]
        for account in (prod, info.accounts["dev"])
        for vault in vault_arns(sb, [account], EU)
        for point in sb.client("backup", account, EU).list_recovery_points_by_backup_vault(
            BackupVaultName=vault.rsplit(":", 1)[-1]
        )["RecoveryPoints"]
    }
    assert expected and {p["arn"] for p in listed["items"]} == expected


def test_refused_caller_credentials_still_stop_ls(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    caller = info.accounts["management"]
    disabled = sb.options.disabled_regions
    # AWS's answer to expired caller credentials: the caller's own calls are not recognized,
    # in every Region its STS calls may go to (those scanned and the partition's default).
    sb.options.disabled_regions = {**disabled, caller: {EU, OPT_IN, "us-east-1"}}
    try:
        done = run(env_for(sb, info, tmp_path), "ls", "vaults", "--region", f"{EU},{OPT_IN}")
    finally:
        sb.options.disabled_regions = disabled
    assert done.returncode == 3, (done.returncode, done.stderr[-600:])
    assert done.stdout == ""
    (line,) = done.stderr.strip().splitlines()
    assert line.endswith(
        "are expired or invalid: export fresh ones, or unset them and use a "
        "profile [CREDENTIALS_EXPIRED]"
    ), line
