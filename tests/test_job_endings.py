"""Copies that end PARTIAL and restores that end ABORTED (the sandbox's `inject_job_ending`):
`copy --restore` stops before the restore and says so, `jobs` lists the ending, `jobs --resume`
starts nothing again, `restore` fails, `jobs --watch` ends (one sandbox, CLI in subprocesses)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests import forked_cli
from tests.demo_cli import demo_cli_env

CENTRAL = "central-eu-central-1"
PARTIAL_MESSAGE = "Copy job completed with 1 of 3 nested recovery points not copied"
ABORTED_MESSAGE = "Restore job was stopped before it finished"


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    try:
        yield sandbox, info
    finally:
        sandbox.stop()
        sandbox.reset()


def cli_env(sandbox: Sandbox, info: ScenarioInfo, home: Path) -> dict[str, str]:
    return {**demo_cli_env(sandbox, info, home), "COLUMNS": "200"}


def drconsole(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )


def point_of(sandbox: Sandbox, info: ScenarioInfo, name: str) -> dict[str, Any]:
    """The central backup account's copy of the prod resource `name` (copied back to prod)."""
    backup = sandbox.client("backup", info.accounts["backup"], info.region)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName=CENTRAL)
    return dict(
        next(
            p
            for p in points["RecoveryPoints"]
            if p["ResourceType"] == "EBS" and p.get("ResourceName") == name
        )
    )


def journal(home: Path) -> list[dict[str, Any]]:
    path = home / "state" / "drconsole" / "journal.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def copy_jobs(sandbox: Sandbox, info: ScenarioInfo, point_arn: str) -> list[dict[str, Any]]:
    backup = sandbox.client("backup", info.accounts["backup"], info.region)
    return list(backup.list_copy_jobs(BySourceRecoveryPointArn=point_arn)["CopyJobs"])


def restore_jobs(sandbox: Sandbox, info: ScenarioInfo, account: str) -> list[dict[str, Any]]:
    backup = sandbox.client("backup", account, info.region)
    return list(backup.list_restore_jobs()["RestoreJobs"])


def test_a_partial_copy_stops_copy_restore_before_the_restore(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sandbox, info = demo
    env = cli_env(sandbox, info, tmp_path)
    point = point_of(sandbox, info, "prod-web-data")
    dest = f"arn:aws:backup:{info.region}:{info.accounts['prod']}:backup-vault:prod-vault"
    restores_before = len(restore_jobs(sandbox, info, info.accounts["prod"]))
    copies_before = len(copy_jobs(sandbox, info, point["RecoveryPointArn"]))
    sandbox.inject_job_ending(point["ResourceArn"], "PARTIAL", PARTIAL_MESSAGE)
    done = drconsole(
        env,
        "copy",
        "--recovery-point",
        point["RecoveryPointArn"],
        "--to",
        dest,
        "--allow-duplicate-copy",
        "--restore",
        "--yes",
        "--poll-interval",
        "0.2",
    )
    said = done.stdout + done.stderr
    assert done.returncode == 1, said
    # One line names the state, the job and what AWS said; the restore was never started.
    stop = [line for line in said.splitlines() if "failed at hop1" in line]
    jobs = [
        j for j in copy_jobs(sandbox, info, point["RecoveryPointArn"]) if j["State"] == "PARTIAL"
    ]
    assert len(jobs) == 1, jobs
    assert stop == [
        f"flow {stop[0].split()[1]} failed at hop1: copy job {jobs[0]['CopyJobId']} ended "
        f"PARTIAL: {PARTIAL_MESSAGE}"
    ], said
    assert "why: Only part of a composite job finished" in said, said
    assert "restore" not in [r.get("step") for r in journal(tmp_path) if r["type"] == "job"]
    assert len(restore_jobs(sandbox, info, info.accounts["prod"])) == restores_before
    # The copy AWS made is marked PARTIAL, as AWS marks a composite copied in part.
    backup = sandbox.client("backup", info.accounts["prod"], info.region)
    made = backup.describe_recovery_point(
        BackupVaultName="prod-vault",
        RecoveryPointArn=jobs[0]["DestinationRecoveryPointArn"],
    )
    assert made["Status"] == "PARTIAL"
    # The journal keeps the ending: `jobs` lists it, `jobs --resume` starts no copy again.
    listed = drconsole(env, "jobs", "--all")
    assert "PARTIAL" in listed.stdout, listed.stdout + listed.stderr
    resumed = drconsole(env, "jobs", "--resume")
    assert resumed.returncode in (0, 1), resumed.stdout + resumed.stderr
    assert len(copy_jobs(sandbox, info, point["RecoveryPointArn"])) == copies_before + 1
    assert len(restore_jobs(sandbox, info, info.accounts["prod"])) == restores_before


def test_an_aborted_restore_fails_the_restore_and_watch_ends(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sandbox, info = demo
    env = cli_env(sandbox, info, tmp_path)
    prod = info.accounts["prod"]
    backup = sandbox.client("backup", prod, info.region)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    point = next(
        p
        for p in points["RecoveryPoints"]
        if p["ResourceType"] == "EBS" and p.get("ResourceName") == "prod-web-data"
    )
    sandbox.inject_job_ending(point["ResourceArn"], "ABORTED")
    done = drconsole(
        env,
        "restore",
        "--recovery-point",
        point["RecoveryPointArn"],
        "--yes",
        "--poll-interval",
        "0.2",
    )
    said = done.stdout + done.stderr
    assert done.returncode == 1, said
    aborted = [j for j in restore_jobs(sandbox, info, prod) if j["Status"] == "ABORTED"]
    assert len(aborted) == 1, aborted
    failed = [line for line in said.splitlines() if "failed at restore" in line]
    assert failed and failed[0].endswith(
        f"restore job {aborted[0]['RestoreJobId']} ended ABORTED"
    ), said
    assert "why: The restore was stopped before it finished" in said, said
    listed = drconsole(env, "jobs", "--all")
    assert "ABORTED" in listed.stdout, listed.stdout + listed.stderr
    # `jobs --watch` has nothing left running: it ends, and `--resume` starts nothing.
    watched = drconsole(env, "jobs", "--watch")
    assert watched.returncode in (0, 1), watched.stdout + watched.stderr
    restores = len(restore_jobs(sandbox, info, prod))
    resumed = drconsole(env, "jobs", "--resume")
    assert resumed.returncode in (0, 1), resumed.stdout + resumed.stderr
    assert len(restore_jobs(sandbox, info, prod)) == restores
    assert [j["Status"] for j in restore_jobs(sandbox, info, prod)].count("ABORTED") == 1


def test_watch_ends_on_a_partial_copy_and_resume_stops_before_the_restore(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """The flow is killed while its copy runs; `jobs --watch` ends when the copy ends PARTIAL,
    and `jobs --resume` journals the ending and fails the flow, starting no copy or restore."""
    sandbox, info = demo
    env = cli_env(sandbox, info, tmp_path)
    point = point_of(sandbox, info, "prod-web-data")
    dest = f"arn:aws:backup:{info.region}:{info.accounts['prod']}:backup-vault:prod-vault"
    copies = len(copy_jobs(sandbox, info, point["RecoveryPointArn"]))
    restores = len(restore_jobs(sandbox, info, info.accounts["prod"]))
    sandbox.inject_job_ending(point["ResourceArn"], "PARTIAL", PARTIAL_MESSAGE)
    sandbox.hold_jobs("copy")
    try:
        flow = subprocess.Popen(
            [
                *(sys.executable, "-m", "drconsole", "copy", "--to", dest, "--restore"),
                *("--recovery-point", point["RecoveryPointArn"], "--allow-duplicate-copy"),
                *("--yes", "--poll-interval", "0.2"),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while not any(r["type"] == "job" for r in journal_if_any(tmp_path)):
            assert flow.poll() is None and time.monotonic() < deadline, "no copy job journaled"
            time.sleep(0.05)
        flow.send_signal(signal.SIGKILL)
        flow.wait(10)
        watch = subprocess.Popen(
            [sys.executable, "-m", "drconsole", "jobs", "--watch"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(1.0)
        assert watch.poll() is None, watch.communicate()
    finally:
        sandbox.release_jobs()
    out, err = watch.communicate(timeout=120)
    assert watch.returncode == 1, out + err
    assert "hop1: PARTIAL" in out, out + err
    resumed = drconsole(env, "jobs", "--resume", "--poll-interval", "0.2")
    said = resumed.stdout + resumed.stderr
    assert resumed.returncode == 1, said
    assert "ended PARTIAL: " + PARTIAL_MESSAGE in said, said
    assert len(copy_jobs(sandbox, info, point["RecoveryPointArn"])) == copies + 1
    assert len(restore_jobs(sandbox, info, info.accounts["prod"])) == restores
    finished = [r for r in journal(tmp_path) if r["type"] in ("finished", "failed")]
    assert [(r["type"], r.get("state")) for r in finished] == [
        ("finished", "PARTIAL"),
        ("failed", None),
    ], finished
    # Resumed again: the journaled ending is final, nothing is started.
    again = drconsole(env, "jobs", "--resume", "--poll-interval", "0.2")
    assert again.returncode in (0, 1), again.stdout + again.stderr
    assert len(copy_jobs(sandbox, info, point["RecoveryPointArn"])) == copies + 1
    assert len(restore_jobs(sandbox, info, info.accounts["prod"])) == restores


def journal_if_any(home: Path) -> list[dict[str, Any]]:
    path = home / "state" / "drconsole" / "journal.jsonl"
    return journal(home) if path.exists() else []
