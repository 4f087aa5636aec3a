"""A Regional outage: the workload Region (AWS_REGION, the first Region configured) does not
answer — its connections closed without an answer, or 503 ServiceUnavailable — while the DR
Region and the global services do. The sandbox's `regions_down` knob plays it; the real CLI in
a subprocess must still list, check, copy back and restore in the DR Region."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

from drconsole.aws.errors import RegionUnreachable, classify
from drconsole.aws.refused_roles import from_memory
from drconsole.aws.session import AwsSessions
from drconsole.config import Credentials, Settings
from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from tests import forked_cli
from tests.test_drill_run import demo_sandbox

DOWN, DR = "eu-central-1", "eu-north-1"
MODES = ("reset", "unavailable")
TIMEOUT = 300


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    yield from demo_sandbox()


@pytest.fixture
def outage(sandbox: tuple[Sandbox, ScenarioInfo], request: Any) -> Iterator[str]:
    """The workload Region down in the mode the test is parametrized with (reset default)."""
    sb, _ = sandbox
    mode = getattr(request, "param", "reset")
    sb.options.regions_down = {DOWN: mode}
    try:
        yield mode
    finally:
        sb.options.regions_down = {}
        sb.options.outage_global = False


def env_for(sb: Sandbox, info: ScenarioInfo, home: Path) -> dict[str, str]:
    """The CLI as on an operator's machine: AWS_REGION and the first configured Region are the
    workload Region (the one down), the DR Region second."""
    config = home / "config" / "drconsole"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text(
        f'regions = ["{DOWN}", "{DR}"]\ndr_regions = ["{DR}"]\n'
        f'backup_account_id = "{info.accounts["backup"]}"\n'
    )
    credentials = sb.credentials_for(info.accounts["management"])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "XDG_"))}
    env.update(
        AWS_ENDPOINT_URL=sb.endpoint_url,
        AWS_ACCESS_KEY_ID=credentials["aws_access_key_id"],
        AWS_SECRET_ACCESS_KEY=credentials["aws_secret_access_key"],
        AWS_REGION=DOWN,
        AWS_MAX_ATTEMPTS="2",
        XDG_STATE_HOME=str(home / "state"),
        XDG_CONFIG_HOME=str(home / "config"),
    )
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def calls_into(sb: Sandbox, mark: int, region: str) -> Counter[str]:
    """service:Operation -> calls signed for `region` since `mark`."""
    return Counter(s.name for s in sb.request_log.since(mark) if s.region == region)


def newest_dr_copy(sb: Sandbox, info: ScenarioInfo, resource_type: str) -> str:
    """The newest copy of a prod resource of that type in the backup account's DR vault."""
    points = sb.client("backup", info.accounts["backup"], DR).list_recovery_points_by_backup_vault(
        BackupVaultName=f"dr-{DR}"
    )["RecoveryPoints"]
    chosen = [p for p in points if p["ResourceType"] == resource_type]
    return str(max(chosen, key=lambda p: p["CreationDate"])["RecoveryPointArn"])


def quick_client(sb: Sandbox, service: str, account: str, region: str) -> Any:
    """A boto3 client of the sandbox that tries once."""
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=sb.endpoint_url,
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
        **sb.credentials_for(account),
    )


# The sandbox's knob ----------------------------------------------------------------------


@pytest.mark.parametrize("outage", MODES, indirect=True)
def test_the_sandbox_fails_calls_into_the_region_down_and_spares_the_rest(
    sandbox: tuple[Sandbox, ScenarioInfo], outage: str
) -> None:
    sb, info = sandbox
    backup, management = info.accounts["backup"], info.accounts["management"]
    expected = ConnectionClosedError if outage == "reset" else ClientError
    with pytest.raises(expected) as raised:
        quick_client(sb, "backup", backup, DOWN).list_backup_vaults()
    if outage == "unavailable":
        assert isinstance(raised.value, ClientError)
        assert raised.value.response["Error"]["Code"] == "ServiceUnavailable"
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    with pytest.raises(expected):  # STS's Regional endpoint is down with its Region
        quick_client(sb, "sts", management, DOWN).get_caller_identity()
    assert quick_client(sb, "backup", backup, DR).list_backup_vaults()["BackupVaultList"]
    # The global services answer: IAM, Organizations (whatever Region a client names) and
    # STS's global endpoint (signed for us-east-1).
    assert quick_client(sb, "organizations", management, DOWN).list_accounts()["Accounts"]
    assert quick_client(sb, "iam", backup, DOWN).list_roles()["Roles"]
    assert quick_client(sb, "sts", management, "us-east-1").get_caller_identity()["Account"]
    sb.options.outage_global = True
    with pytest.raises(expected):
        quick_client(sb, "organizations", management, DOWN).list_accounts()


def test_sandbox_region_down_flag_refuses_a_bad_value_in_one_line(tmp_path: Path) -> None:
    for value, said in (
        ("eu-central-1:flaky", "the mode must be reset or unavailable, not 'flaky'"),
        ("Frankfurt", "'Frankfurt' is not a Region name"),
    ):
        done = forked_cli.run(
            [sys.executable, "-m", "drconsole", "sandbox", "--region-down", value],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        assert done.returncode == 2, (value, done.stderr)
        assert said in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert not done.stdout


# The CLI with AWS_REGION in the Region down ---------------------------------------------


@pytest.mark.parametrize("outage", MODES, indirect=True)
def test_copy_back_and_restore_in_the_dr_region_while_aws_region_is_down(
    sandbox: tuple[Sandbox, ScenarioInfo], outage: str, tmp_path: Path
) -> None:
    """The caller's STS (AWS_REGION's, the first configured) does not answer: its calls go to
    the next Region, and the check, the copy and the restore of the DR copy in the DR Region
    are made without anything else asked of the Region down."""
    sb, info = sandbox
    env = env_for(sb, info, tmp_path)
    prod = info.accounts["prod"]
    # A resource type per mode: each test copies a DR copy of its own.
    source = newest_dr_copy(sb, info, {"reset": "EFS", "unavailable": "EBS"}[outage])
    destination = f"arn:aws:backup:{DR}:{prod}:backup-vault:prod-vault"
    mark = sb.request_log.mark()
    checked = run(env, "check", "copy", "--recovery-point", source, "--to", destination, "--json")
    assert checked.returncode == 0, (checked.returncode, checked.stderr[-800:])
    statuses = {c["id"]: c["status"] for c in json.loads(checked.stdout)["checks"]}
    assert set(statuses.values()) == {"PASS"}, statuses
    copied = run(env, "copy", "--recovery-point", source, "--to", destination, "--restore", "--yes")
    assert copied.returncode == 0, (copied.returncode, copied.stdout[-800:], copied.stderr[-800:])
    assert '"status": "completed"' in copied.stdout.splitlines()[-1] or (
        "completed:" in copied.stdout.splitlines()[-1]
    ), copied.stdout[-800:]
    jobs = sb.client("backup", prod, DR).list_restore_jobs()["RestoreJobs"]
    assert any(j["Status"] == "COMPLETED" and j["CreatedResourceArn"] for j in jobs), jobs
    # Only the caller's first STS call knocked on the Region down (and was answered there by
    # nothing); everything else went where it was needed.
    into_down = calls_into(sb, mark, DOWN)
    assert set(into_down) == {"sts:GetCallerIdentity"}, into_down
    assert calls_into(sb, mark, DR)["sts:AssumeRole"] >= 1


def test_listings_keep_the_dr_region_and_name_the_region_down(
    sandbox: tuple[Sandbox, ScenarioInfo], outage: str, tmp_path: Path
) -> None:
    sb, info = sandbox
    env = env_for(sb, info, tmp_path)
    listed = run(env, "ls", "vaults", "--json")
    assert listed.returncode == 0, (listed.returncode, listed.stderr[-800:])
    answer = json.loads(listed.stdout)
    regions = {v["region"] for v in answer["items"]}
    assert regions == {DR}, regions
    assert f"dr-{DR}" in {v["name"] for v in answer["items"]}
    failed = {(e["account_id"], e["region"], e["cause"]) for e in answer["errors"]}
    assert failed == {(account, DOWN, "NETWORK") for account in info.accounts.values()}, failed


def test_the_region_down_is_reported_in_seconds_not_after_every_accounts_retries(
    sandbox: tuple[Sandbox, ScenarioInfo], outage: str, tmp_path: Path
) -> None:
    """With botocore's full retries (AWS_MAX_ATTEMPTS unset: 10 attempts, backing off), each
    account's call into the Region down waited out its own retries (60 calls, 17 s on the
    sandbox; minutes on AWS, where each attempt can wait out the connect timeout)."""
    sb, info = sandbox
    env = {k: v for k, v in env_for(sb, info, tmp_path).items() if k != "AWS_MAX_ATTEMPTS"}
    mark = sb.request_log.mark()
    started = time.monotonic()
    listed = run(env, "ls", "vaults", "--json")
    took = time.monotonic() - started
    assert listed.returncode == 0, (listed.returncode, listed.stderr[-800:])
    errors = json.loads(listed.stdout)["errors"]
    assert {(e["region"], e["cause"]) for e in errors} == {(DOWN, "NETWORK")}, errors
    assert all("eu-central-1 could not be reached" in e["message"] for e in errors), errors
    sent = calls_into(sb, mark, DOWN)["backup:ListBackupVaults"]
    assert sent <= 2 * len(info.accounts), sent  # was 10 per account
    assert took < 10, took
    # What it means and what to do, as `explain` tells it from the line shown.
    explained = run(env, "explain", errors[0]["message"], "--json")
    assert explained.returncode == 0, explained.stderr
    diagnosis = json.loads(explained.stdout)
    assert diagnosis["cause"] == "NETWORK", diagnosis
    assert "--region DR_REGION" in json.dumps(diagnosis), diagnosis


def test_a_call_refused_without_being_sent_is_not_counted_as_a_failed_poll(
    sandbox: tuple[Sandbox, ScenarioInfo], outage: str, tmp_path: Path
) -> None:
    """Once the Region is marked down its calls fail without being sent; a job watcher that
    gives up after five failed polls in a row must not count those (one blip of three failed
    attempts would otherwise end a flow's watch within seconds)."""
    sb, info = sandbox
    settings = Settings(
        regions=(DOWN, DR),
        endpoint_url=sb.endpoint_url,
        static_credentials=Credentials.from_mapping(
            sb.credentials_for(info.accounts["management"])
        ),
        state_dir=tmp_path,
        retry_max_attempts=2,
    )
    sessions = AwsSessions(settings)
    backup = sessions.client("backup", region=DOWN)
    with pytest.raises(ConnectionClosedError) as sent:
        backup.list_backup_vaults()
    assert not from_memory(sent.value)
    with pytest.raises(RegionUnreachable):  # its third failed attempt marks the Region down
        backup.list_backup_vaults()
    mark = sb.request_log.mark()
    with pytest.raises(RegionUnreachable) as refused:
        backup.list_backup_vaults()
    assert not sb.request_log.since(mark), "refused without being sent"
    assert from_memory(refused.value) and classify(refused.value).value == "NETWORK"
    sessions.region_health.forget()  # the console's `r`: asked again at once
    with pytest.raises(ConnectionClosedError):
        backup.list_backup_vaults()


@pytest.mark.parametrize("outage", ["unavailable"], indirect=True)
def test_readiness_decides_the_dr_region_and_leaves_the_region_down_unknown(
    sandbox: tuple[Sandbox, ScenarioInfo], outage: str, tmp_path: Path
) -> None:
    sb, info = sandbox
    env = env_for(sb, info, tmp_path)
    done = run(env, "readiness", "--json")
    assert done.returncode == 1, (done.returncode, done.stderr[-800:])
    rows = json.loads(done.stdout)["rows"]
    down = [r for r in rows if r["region"] == DOWN]
    assert down and all(r["verdict"] == "UNKNOWN" for r in down), down
    assert {c for r in down for c in r["causes"]} == {"SERVICE_ERROR"}, down
