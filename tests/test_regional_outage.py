"""A Regional outage: the workload Region (AWS_REGION, the first Region configured) does not
answer — its connections closed without an answer, or 503 ServiceUnavailable — while the DR
Region and the global services do. The sandbox's `regions_down` knob plays it; the real CLI in
a subprocess must still list, check, copy back and restore in the DR Region."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

from drconsole.aws.errors import RegionFailing, RegionUnreachable, classify
from drconsole.aws.refused_roles import from_memory
from drconsole.aws.region_health import RegionHealth
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


def sessions_on(sb: Sandbox, info: ScenarioInfo, state: Path) -> AwsSessions:
    """drconsole's sessions on the sandbox as the management account, two attempts a call."""
    settings = Settings(
        regions=(DOWN, DR),
        endpoint_url=sb.endpoint_url,
        static_credentials=Credentials.from_mapping(
            sb.credentials_for(info.accounts["management"])
        ),
        state_dir=state,
        retry_max_attempts=2,
    )
    return AwsSessions(settings)


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


@pytest.mark.parametrize("outage", MODES, indirect=True)
def test_check_copy_into_the_region_down_lists_every_check(
    sandbox: tuple[Sandbox, ScenarioInfo], outage: str, tmp_path: Path
) -> None:
    """`check copy` of a DR copy into a vault of the Region down stopped at its first read
    that could not reach it (exit 3, one line): every check is listed, those whose reads did
    not reach the Region UNKNOWN with the cause and where (account, Region); an unreachable
    Region is still exit 3 (an AWS failure, one line on stderr), a 503 an UNKNOWN (exit 1)."""
    sb, info = sandbox
    env = env_for(sb, info, tmp_path)
    prod = info.accounts["prod"]
    source = newest_dr_copy(sb, info, "EBS")
    into_dr = run(
        env, "check", "copy", "--recovery-point", source, "--to",
        f"arn:aws:backup:{DR}:{prod}:backup-vault:prod-vault", "--json",
    )  # fmt: skip
    assert into_dr.returncode == 0, into_dr.stderr[-800:]
    every = [c["id"] for c in json.loads(into_dr.stdout)["checks"]]
    done = run(
        env, "check", "copy", "--recovery-point", source, "--to",
        f"arn:aws:backup:{DOWN}:{prod}:backup-vault:prod-vault", "--json", "--restore",
    )  # fmt: skip
    cause = "NETWORK" if outage == "reset" else "SERVICE_ERROR"
    assert done.returncode == (3 if outage == "reset" else 1), (done.returncode, done.stderr)
    document = json.loads(done.stdout)
    checks = {c["id"]: c for c in document["checks"]}
    assert list(checks) == every, (list(checks), every)
    unknown = {i: c for i, c in checks.items() if c["status"] == "UNKNOWN"}
    assert {"dest.vault", "dest.access-policy"} <= set(unknown), checks
    assert all(c["status"] == "PASS" for i, c in checks.items() if i not in unknown), checks
    for check in unknown.values():
        assert check["cause"] == cause, check
        assert f"in account {prod}, {DOWN}:" in check["evidence"], check
        assert "health.aws.amazon.com" in check["remediation"], check
    restore = document["restore"]["checks"]
    assert any(c["status"] == "UNKNOWN" and c["cause"] == cause for c in restore), restore
    # The caller could not be read there either: said as such, not as a blank.
    assert not any("whether  may" in c["evidence"] for c in restore), restore
    if outage == "reset":
        (line,) = done.stderr.strip().splitlines()
        assert line.startswith("drconsole: ") and line.endswith("[NETWORK]"), line
        assert f"account {prod}, {DOWN} could not be reached" in line, line
    else:
        assert not done.stderr.strip(), done.stderr


def dr_drill(info: ScenarioInfo, home: Path) -> Path:
    """A drill of the DR copies in the DR Region, restored in the recovery account there: an
    EFS file system validated against its source (in the workload Region), a volume not."""
    path = home / "drill.yaml"
    path.write_text(
        "name: outage\ncleanup: always\n"
        f'source: {{account: "{info.accounts["backup"]}", region: {DR}, vault: dr-{DR}}}\n'
        f'restore_to: {{account: "{info.accounts["recovery"]}", region: {DR}, '
        "vault: recovery-vault}\n"
        "targets:\n"
        f'  - name: files\n    resource: {{account: "{info.accounts["prod"]}", type: EFS, '
        "name: prod-shared-files}\n"
        "    validate: {builtin: true, compare_with_source: true}\n"
        f'  - name: volume\n    resource: {{account: "{info.accounts["prod"]}", type: EBS, '
        "name: prod-web-data}\n"
    )
    return path


@pytest.mark.parametrize("outage", MODES, indirect=True)
def test_drill_plan_foresees_a_validation_that_reads_the_region_down(
    sandbox: tuple[Sandbox, ScenarioInfo], outage: str, tmp_path: Path
) -> None:
    """`compare_with_source` reads the source resource in its own Region: with that Region
    down `drill run` ends the target INTERRUPTED after its restore. `drill plan` says so (a
    WARN naming the validation and the Region); the target can still start (exit 0)."""
    sb, info = sandbox
    env = env_for(sb, info, tmp_path)
    prod = info.accounts["prod"]
    path = dr_drill(info, tmp_path)
    cause = "NETWORK" if outage == "reset" else "SERVICE_ERROR"
    text = run(env, "drill", "plan", str(path))
    assert text.returncode == 0, (text.returncode, text.stdout[-1500:], text.stderr[-800:])
    warned_lines = [line for line in text.stdout.splitlines() if line.startswith("  WARN")]
    assert len(warned_lines) == 1, text.stdout
    (warned,) = warned_lines
    assert warned.startswith(f"  WARN compare_with_source [{cause}]: "), warned
    assert f"in account {prod}, {DOWN}, which does not answer" in warned, warned
    assert "INTERRUPTED" in warned and "drill resume" in warned, warned
    assert "the validation of files would be interrupted" in text.stdout.splitlines()[-1]
    data = run(env, "drill", "plan", str(path), "--json")
    assert data.returncode == 0, data.stderr[-800:]
    targets = {t["target"]: t for t in json.loads(data.stdout)["targets"]}
    (warning,) = targets["files"]["warnings"]
    assert (warning["validation"], warning["cause"], warning["region"]) == (
        "compare_with_source",
        cause,
        DOWN,
    )
    assert targets["files"]["ok"] and targets["volume"]["warnings"] == []


def test_drill_plan_warns_of_nothing_while_the_source_region_answers(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    env = env_for(sb, info, tmp_path)
    data = run(env, "drill", "plan", str(dr_drill(info, tmp_path)), "--json")
    assert data.returncode == 0, data.stderr[-800:]
    assert all(t["warnings"] == [] for t in json.loads(data.stdout)["targets"])


def spawn(env: dict[str, str], out: Path, *args: str) -> subprocess.Popen[str]:
    """`drconsole ARGS` started in the background, its stdout into `out`."""
    return subprocess.Popen(
        [sys.executable, "-m", "drconsole", *args],
        env=env,
        stdout=out.open("w"),
        stderr=subprocess.PIPE,
        text=True,
    )


def journaled_job(env: dict[str, str], home: Path, *args: str) -> None:
    """Start a flow (`copy` or `restore` ARGS) with its jobs held running, and stop it with
    SIGTERM once its job is journaled: a flow in flight, as after a dropped session."""
    started = spawn(env, home / "flow.out", *args, "--yes", "--json")
    path = home / "state" / "drconsole" / "journal.jsonl"
    deadline = time.monotonic() + TIMEOUT
    while not (path.exists() and '"type": "job"' in path.read_text()):
        if started.poll() is not None:
            raise AssertionError((home / "flow.out").read_text()[-800:] + started.stderr.read())
        assert time.monotonic() < deadline, "no job journaled"
        time.sleep(0.1)
    started.send_signal(signal.SIGTERM)
    assert started.wait(TIMEOUT) == 128 + signal.SIGTERM


@pytest.mark.parametrize("outage", MODES, indirect=True)
def test_jobs_watch_follows_a_job_in_the_dr_region_and_says_the_region_down_once(
    sandbox: tuple[Sandbox, ScenarioInfo], outage: str, tmp_path: Path
) -> None:
    """A copy in the DR Region watched while the workload Region is down: the organization-
    wide listing of the Region down is one `not-listed` (it was then asked of every account
    there, one failure each, and `--json` said none of them); the copy is followed to its
    end, exit 0."""
    sb, info = sandbox
    env = env_for(sb, info, tmp_path)
    prod = info.accounts["prod"]
    # A resource type per mode: the same copy twice is refused (a duplicate copy).
    source = newest_dr_copy(sb, info, {"reset": "S3", "unavailable": "EC2"}[outage])
    sb.options.regions_down = {}
    sb.hold_jobs("copy")
    try:
        journaled_job(
            env, tmp_path, "copy", "--recovery-point", source, "--to",
            f"arn:aws:backup:{DR}:{prod}:backup-vault:prod-vault",
        )  # fmt: skip
        sb.options.regions_down = {DOWN: outage}
        watch = spawn(env, tmp_path / "watch.out", "jobs", "--watch", "--json")
        time.sleep(2)
    finally:
        sb.release_jobs()
    assert watch.wait(TIMEOUT) == 0, watch.stderr.read() if watch.stderr else ""
    events = [json.loads(line) for line in (tmp_path / "watch.out").read_text().splitlines()]
    unlisted = [e for e in events if e["event"] == "not-listed"]
    cause = "NETWORK" if outage == "reset" else "SERVICE_ERROR"
    assert [(e["account"], e["region"], e["cause"]) for e in unlisted] == [(None, DOWN, cause)]
    (finished,) = [e for e in events if e["event"] == "job-finished"]
    assert finished["job"]["state"] == "COMPLETED" and finished["job"]["region"] == DR


def test_jobs_watch_says_a_job_in_the_region_down_cannot_be_read_and_follows_it_back(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """A restore in the workload Region, in flight when the Region went down: `jobs --watch`
    polled it without a word (failed polls were dropped), for as long as the outage lasted.
    It says once that the job cannot be read and is still watched, and once the Region
    answers, follows it to its end."""
    sb, info = sandbox
    env = env_for(sb, info, tmp_path)
    prod = info.accounts["prod"]
    points = sb.client("backup", prod, DOWN).list_recovery_points_by_backup_vault(
        BackupVaultName="prod-vault"
    )["RecoveryPoints"]
    point = max((p for p in points if p["ResourceType"] == "EBS"), key=lambda p: p["CreationDate"])
    sb.options.regions_down = {}
    sb.hold_jobs("restore")
    try:
        journaled_job(env, tmp_path, "restore", "--recovery-point", point["RecoveryPointArn"])
        sb.options.regions_down = {DOWN: "reset"}
        out = tmp_path / "watch.out"
        watch = spawn(env, out, "jobs", "--watch", "--poll-interval", "0.2")
        deadline = time.monotonic() + 60
        while "cannot be read" not in out.read_text():
            assert watch.poll() is None and time.monotonic() < deadline, out.read_text()
            time.sleep(0.2)
        time.sleep(2)  # more failed polls: said once
    finally:
        sb.options.regions_down = {}
        sb.release_jobs()
    assert watch.wait(TIMEOUT) == 0, out.read_text()
    lines = out.read_text().splitlines()
    unreadable = [line for line in lines if "cannot be read" in line]
    assert len(unreadable) == 1, lines
    assert "restore job " in unreadable[0] and f"in {prod} {DOWN}" in unreadable[0]
    assert unreadable[0].endswith("[NETWORK]") and "still watched" in unreadable[0]
    assert lines[-1].startswith("  restore: COMPLETED"), lines


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


@pytest.mark.parametrize("outage", MODES, indirect=True)
def test_the_region_down_is_reported_in_seconds_not_after_every_accounts_retries(
    sandbox: tuple[Sandbox, ScenarioInfo], outage: str, tmp_path: Path
) -> None:
    """With botocore's full retries (AWS_MAX_ATTEMPTS unset: 10 attempts, backing off), each
    account's call into the Region down waited out its own retries (60 calls, 17 s on the
    sandbox; minutes on AWS, where each attempt can wait out the connect timeout). A Region
    answering 503 did so too (21 s): its server errors are counted as connection failures are."""
    sb, info = sandbox
    cause, said = {
        "reset": ("NETWORK", "eu-central-1 could not be reached"),
        "unavailable": ("SERVICE_ERROR", "eu-central-1 is failing"),
    }[outage]
    env = {k: v for k, v in env_for(sb, info, tmp_path).items() if k != "AWS_MAX_ATTEMPTS"}
    mark = sb.request_log.mark()
    started = time.monotonic()
    listed = run(env, "ls", "vaults", "--json")
    took = time.monotonic() - started
    assert listed.returncode == 0, (listed.returncode, listed.stderr[-800:])
    answer = json.loads(listed.stdout)
    errors = answer["errors"]
    assert {(e["region"], e["cause"]) for e in errors} == {(DOWN, cause)}, errors
    assert len(errors) == len(info.accounts), errors
    assert all(said in e["message"] for e in errors), errors
    assert {v["region"] for v in answer["items"]} == {DR}, answer["items"]
    sent = calls_into(sb, mark, DOWN)["backup:ListBackupVaults"]
    assert sent <= 2 * len(info.accounts), sent  # was 10 per account
    assert took < 10, took
    # What it means and what to do, as `explain` tells it from the line shown.
    explained = run(env, "explain", errors[0]["message"], "--json")
    assert explained.returncode == 0, explained.stderr
    diagnosis = json.loads(explained.stdout)
    assert diagnosis["cause"] == cause, diagnosis
    assert "--region DR_REGION" in json.dumps(diagnosis), diagnosis


def test_a_call_refused_without_being_sent_is_not_counted_as_a_failed_poll(
    sandbox: tuple[Sandbox, ScenarioInfo], outage: str, tmp_path: Path
) -> None:
    """Once the Region is marked down its calls fail without being sent; a job watcher that
    gives up after five failed polls in a row must not count those (one blip of three failed
    attempts would otherwise end a flow's watch within seconds)."""
    sb, info = sandbox
    sessions = sessions_on(sb, info, tmp_path)
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


def sent_since(sb: Sandbox, mark: int, name: str, region: str) -> int:
    """Requests of `name` ("backup:ListBackupVaults") signed for `region` since `mark`."""
    return calls_into(sb, mark, region)[name]


def test_server_errors_of_several_calls_in_a_row_mark_the_service_down_in_that_region(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """500s and 503s count toward the breaker as connection failures do, once they come from
    more than one call: one account's one operation failing again and again (its retries, the
    next poll) is asked each time; a success in between clears the count; a second account
    failing alike marks backup in that Region down, and only there."""
    sb, info = sandbox
    sessions = sessions_on(sb, info, tmp_path)
    prod, qa = info.accounts["prod"], info.accounts["qa"]
    sessions.client("backup", account_id=prod, region=DOWN).list_backup_plans()  # roles assumed
    sessions.client("backup", account_id=qa, region=DOWN).list_backup_plans()
    sb.fail_operation("backup:ListBackupVaults", "error")
    try:
        mark = sb.request_log.mark()
        own = sessions.client("backup", region=DOWN)
        for _ in range(3):  # one caller, one operation: each call takes its own retries
            with pytest.raises(ClientError) as failed:
                own.list_backup_vaults()
            assert failed.value.response["Error"]["Code"] == "ServiceUnavailable"
        assert sent_since(sb, mark, "backup:ListBackupVaults", DOWN) == 6
        assert sessions.region_health.regions_down("backup") == {}
        # A success clears the count: one more account's failure then is no streak of two.
        sessions.client("backup", account_id=prod, region=DOWN).list_backup_plans()
        with pytest.raises(ClientError):
            sessions.client("backup", account_id=qa, region=DOWN).list_backup_vaults()
        assert sessions.region_health.regions_down("backup") == {}
        # A second account failing alike, with no answer in between: backup in DOWN is down.
        mark = sb.request_log.mark()
        with pytest.raises(RegionFailing) as refused:
            sessions.client("backup", account_id=prod, region=DOWN).list_backup_vaults()
        assert sent_since(sb, mark, "backup:ListBackupVaults", DOWN) == 1  # its retry refused
        assert classify(refused.value).value == "SERVICE_ERROR" and from_memory(refused.value)
        assert "backup in eu-central-1 is failing" in str(refused.value)
        assert "ServiceUnavailable" in str(refused.value)
        assert sessions.region_health.regions_down("backup") == {DOWN: "SERVICE_ERROR"}
        # Every operation of every account there, without a request; other Regions answer.
        mark = sb.request_log.mark()
        with pytest.raises(RegionFailing):
            sessions.client("backup", account_id=qa, region=DOWN).list_backup_plans()
        assert not calls_into(sb, mark, DOWN), "refused without being sent"
        assert "BackupPlansList" in sessions.client("backup", region=DR).list_backup_plans()
        assert sessions.client("ec2", region=DOWN).describe_vpcs()["Vpcs"] is not None
    finally:
        sb.clear_faults()
    sessions.region_health.forget()
    assert "BackupVaultList" in sessions.client("backup", region=DOWN).list_backup_vaults()


def test_throttling_is_no_outage_whatever_its_status(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """EC2's RequestLimitExceeded and S3's SlowDown come with a 503, Backup's
    ThrottlingException with a 400: throttled calls of several accounts in a row do not mark
    a service down."""
    sb, info = sandbox
    sessions = sessions_on(sb, info, tmp_path)
    accounts = [None, info.accounts["prod"], info.accounts["qa"]]
    reads = {
        "ec2:DescribeVpcs": lambda c: c.describe_vpcs(),
        "s3:ListBuckets": lambda c: c.list_buckets(),
        "backup:ListBackupVaults": lambda c: c.list_backup_vaults(),
    }
    for operation in reads:
        sb.fail_operation(operation, "throttle")
    try:
        for operation, read in reads.items():
            for account in accounts:
                client = sessions.client(operation.split(":")[0], account_id=account, region=DR)
                with pytest.raises(ClientError) as throttled:
                    read(client)
                assert classify(throttled.value).value == "THROTTLED", throttled.value
    finally:
        sb.clear_faults()
    for service in ("ec2", "s3", "backup"):
        assert sessions.region_health.regions_down(service) == {}, service
    mark = sb.request_log.mark()
    for operation, read in reads.items():
        read(sessions.client(operation.split(":")[0], account_id=accounts[2], region=DR))
        assert sent_since(sb, mark, operation, DR) == 1, operation


def test_a_global_endpoint_is_one_endpoint_whatever_region_its_client_names() -> None:
    """IAM's clients of every Region talk to one global endpoint, signed for us-east-1: its
    server errors mark that endpoint down, named as it is, not the Region a client names (and
    a Regional outage, which spares it, is never pinned on it). The sandbox serves every
    service on one URL signed for the client's Region, so AWS's endpoints are resolved here
    by botocore itself and answered by a stand-in for the network."""
    health = RegionHealth()
    sent: list[str] = []

    def answer_500(request: Any, **_: Any) -> AWSResponse:
        sent.append(request.url)
        body = b"<ErrorResponse><Error><Code>InternalFailure</Code><Message>oops</Message>"
        body += b"</Error></ErrorResponse>"
        return AWSResponse(request.url, 500, {}, _Raw(body))

    session = botocore.session.get_session()
    clients = {}
    for region in (DOWN, DR):
        client = session.create_client(
            "iam",
            region_name=region,
            aws_access_key_id=f"AKIA{region.upper().replace('-', '')}",
            aws_secret_access_key="not-a-secret",
            config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
        )
        health.watch(client)
        client.meta.events.register("before-send.iam", answer_500)
        clients[region] = client
    for region, read in ((DOWN, "list_roles"), (DR, "list_users")):
        with pytest.raises(ClientError):
            getattr(clients[region], read)()
    with pytest.raises(ClientError):
        clients[DOWN].list_roles()
    assert health.regions_down("iam") == {"us-east-1": "SERVICE_ERROR"}
    with pytest.raises(RegionFailing) as refused:
        clients[DR].list_roles()
    assert "iam in us-east-1 is failing" in str(refused.value), refused.value
    assert len(sent) == 3 and {url.split("/")[2] for url in sent} == {"iam.amazonaws.com"}


class _Raw:
    """The body of an HTTP answer, as urllib3 streams it to botocore."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, *_: Any, **__: Any) -> Iterator[bytes]:
        yield self._body


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
