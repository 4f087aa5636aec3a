"""A recovery point, vault or Region of another partition (aws-cn, aws-us-gov) than the
credentials in use (aws) is one line and exit 2, with no call sent there: those credentials
cannot hold in it, and AWS's refusal used to be blamed on the member role or on an opt-in
Region to enable. Real `drconsole` processes against the demo sandbox; its refusal of a Region
an account has not enabled stands in for AWS's answer to aws credentials at a China or GovCloud
endpoint ("The security token included in the request is invalid")."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from tests import forked_cli
from tests.test_drill_run import demo_sandbox, env_for

EU = "eu-central-1"
OTHERS = [("aws-cn", "cn-north-1"), ("aws-us-gov", "us-gov-west-1")]
POINT_ID = "0053641b-bb8f-4e4a-9b5c-7409887bab27"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    for sb, info in demo_sandbox():
        sb.options.disabled_regions = {
            account: {region for _, region in OTHERS} for account in info.accounts.values()
        }
        yield sb, info


def run_logged(
    sb: Sandbox, env: dict[str, str], *args: str
) -> tuple[subprocess.CompletedProcess[str], list[tuple[str, str | None]]]:
    """The command's outcome and every (call, signing Region) the sandbox received for it."""
    mark = sb.request_log.mark()
    done = forked_cli.run(
        [sys.executable, "-m", "drconsole", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done, [(seen.name, seen.region) for seen in sb.request_log.since(mark)]


def our_efs_point(sb: Sandbox, info: ScenarioInfo) -> str:
    points = sb.client("backup", info.accounts["prod"], EU).list_recovery_points_by_backup_vault(
        BackupVaultName="prod-vault"
    )["RecoveryPoints"]
    return str(next(p for p in points if p["ResourceType"] == "EFS")["RecoveryPointArn"])


def refused_in_one_line(done: subprocess.CompletedProcess[str], flag: str, partition: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stderr[-800:])
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"drconsole: {flag}"), line
    assert f"partition {partition}" in line and "are in partition aws:" in line, line
    assert "AWS_ACCESS_KEY_ID from the environment" in line, line


@pytest.mark.parametrize(("partition", "region"), OTHERS)
@pytest.mark.parametrize("command", ["check restore", "check copy", "restore", "copy"])
def test_a_recovery_point_of_another_partition_is_refused_before_any_call_there(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, command: str, partition: str, region: str
) -> None:
    sb, info = sandbox
    prod, backup = info.accounts["prod"], info.accounts["backup"]
    point = f"arn:{partition}:backup:{region}:{prod}:recovery-point:{POINT_ID}"
    to = f"arn:aws:backup:{EU}:{backup}:backup-vault:central-{EU}"
    args = [*command.split(), "--recovery-point", point]
    args += ["--to", to] if "copy" in command else []
    args += ["--yes", "--json"] if command in ("copy", "restore") else []
    done, sent = run_logged(sb, env_for(sb, info, tmp_path), *args)
    refused_in_one_line(done, "--recovery-point", partition)
    assert sent == [("sts:GetCallerIdentity", EU)], sent  # who the caller is; nothing else


@pytest.mark.parametrize(("partition", "region"), OTHERS)
def test_a_destination_vault_of_another_partition_is_refused_before_any_call_there(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, partition: str, region: str
) -> None:
    sb, info = sandbox
    to = f"arn:{partition}:backup:{region}:{info.accounts['backup']}:backup-vault:central"
    point = our_efs_point(sb, info)
    done, sent = run_logged(
        sb, env_for(sb, info, tmp_path), "check", "copy", "--recovery-point", point, "--to", to
    )
    refused_in_one_line(done, "--to", partition)
    assert sent == [("sts:GetCallerIdentity", EU)], sent


@pytest.mark.parametrize(("partition", "region"), OTHERS)
@pytest.mark.parametrize("command", ["ls vaults", "readiness"])
@pytest.mark.parametrize("with_ours", [True, False], ids=["with-eu-central-1", "alone"])
def test_regions_of_another_partition_are_refused_not_scanned(
    sandbox: tuple[Sandbox, ScenarioInfo],
    tmp_path: Path,
    command: str,
    partition: str,
    region: str,
    with_ours: bool,
) -> None:
    """Alone, the Region is not asked either: the caller's STS calls go first to the
    partition of AWS_REGION (eu-central-1), the credentials' own."""
    sb, info = sandbox
    regions = f"{EU},{region}" if with_ours else region
    done, sent = run_logged(
        sb, env_for(sb, info, tmp_path), *command.split(), "--region", regions, "--json"
    )
    assert done.returncode == 2, (done.returncode, done.stderr[-800:])
    assert done.stdout == ""
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"drconsole: --region: {region} (partition {partition}), but the "), line
    assert "are in partition aws: scan it with credentials of that partition" in line, line
    assert not [call for call in sent if call[1] == region], sent
