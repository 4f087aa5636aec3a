"""The caller's STS calls (GetCallerIdentity, AssumeRole into every member) go to a Region its
account can use, whatever the order of `--region`: an opt-in Region the management account has
not enabled refuses its credentials ("The security token included in the request is invalid"),
which is that Region's row, not expired credentials that stop the command. Real `drconsole`
processes against the demo sandbox, which refuses such calls as AWS does."""

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
from tests.test_region_not_enabled import vault_arns

EU, OPT_IN = "eu-central-1", "me-south-1"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    for sb, info in demo_sandbox():
        # The management account (the caller) has not enabled me-south-1; its members have.
        sb.options.disabled_regions = {info.accounts["management"]: {OPT_IN}}
        yield sb, info


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def sts_regions(sb: Sandbox, mark: int) -> list[tuple[str, str | None]]:
    """(operation, signing Region) of every STS call since `mark`, in order."""
    return [(s.operation, s.region) for s in sb.request_log.since(mark) if s.service == "sts"]


def test_an_opt_in_region_listed_first_is_its_row_not_the_end_of_the_listing(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    management = info.accounts["management"]
    mark = sb.request_log.mark()
    done = run(env_for(sb, info, tmp_path), "ls", "vaults", "--region", f"{OPT_IN},{EU}", "--json")
    assert done.returncode == 0, (done.returncode, done.stderr[-600:])
    listed = json.loads(done.stdout)
    in_eu = {v["arn"] for v in listed["items"] if v["region"] == EU}
    assert in_eu == vault_arns(sb, list(info.accounts.values()), EU)
    (error,) = listed["errors"]
    assert (error["account_id"], error["region"], error["cause"]) == (management, OPT_IN, "UNKNOWN")
    assert "opt-in Region" in error["remedy"] and "aws account enable-region" in error["remedy"]
    # AWS_REGION (eu-central-1) is scanned: every STS call of the caller went there.
    sent = sts_regions(sb, mark)
    assert ("AssumeRole", EU) in sent and {region for _, region in sent} == {EU}, sent


def test_an_aws_region_the_caller_has_not_enabled_falls_back_to_the_partitions_default(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """Only the shell's AWS_REGION names the opt-in Region; the copy and its accounts are all
    in eu-central-1: the check is made, its STS calls in us-east-1 once me-south-1 refused."""
    sb, info = sandbox
    prod, backup = info.accounts["prod"], info.accounts["backup"]
    points = sb.client("backup", prod, EU).list_recovery_points_by_backup_vault(
        BackupVaultName="prod-vault"
    )["RecoveryPoints"]
    rp = next(p for p in points if p["ResourceType"] == "EFS")["RecoveryPointArn"]
    vault = f"arn:aws:backup:{EU}:{backup}:backup-vault:central-{EU}"
    env = {**env_for(sb, info, tmp_path), "AWS_REGION": OPT_IN}
    mark = sb.request_log.mark()
    done = run(env, "check", "copy", "--recovery-point", rp, "--to", vault, "--json")
    assert done.returncode in (0, 1), (done.returncode, done.stderr[-600:])
    checks = {c["id"]: c for c in json.loads(done.stdout)["checks"]}
    assert checks["dest.vault"]["status"] == "PASS", checks["dest.vault"]
    assert "CREDENTIALS_EXPIRED" not in done.stdout + done.stderr
    sent = sts_regions(sb, mark)
    assert sent[0] == ("GetCallerIdentity", OPT_IN), sent  # refused: not enabled
    assert ("GetCallerIdentity", "us-east-1") in sent, sent
    assumed = {region for operation, region in sent if operation == "AssumeRole"}
    assert assumed == {"us-east-1"}, sent
