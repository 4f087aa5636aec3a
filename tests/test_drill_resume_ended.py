"""`drconsole drill resume` of targets and drills that have already ended, as a user runs it
against the demo sandbox: a target whose restore failed before the drill was killed stays failed
with its cause, is not validated, and its copy is cleaned up; a drill that has finished is not
finished again."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from tests.test_drill_run import (
    DRILL,
    EU,
    _runbook,
    copy_jobs,
    demo_sandbox,
    drill,
    env_for,
    restore_jobs,
    result_of,
    table_runbook,
)

FAILURE = "Restore failed: an internal error occurred"


sandbox = pytest.fixture(scope="module", name="sandbox")(demo_sandbox)


def records(path: Path) -> list[dict[str, Any]]:
    """The records of a journal file (none yet when it does not exist)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wait_for(what: str, found: Any, seconds: float = 90) -> Any:
    """Poll `found()` until it returns something true."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_target_whose_restore_failed_before_the_kill_stays_failed_unvalidated_and_cleaned(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    backup, recovery = info.accounts["backup"], info.accounts["recovery"]
    path = _runbook(
        tmp_path,
        info,
        "",
        '  - name: broken\n    resource: {account: "PROD", type: DynamoDB, name: prod-sessions}\n'
        "    metadata: {targetTableName: resume-broken-table}\n"
        '  - name: slow\n    resource: {account: "PROD", type: S3, name: prod-assets}\n'
        "    validate: {command: 'sleep 10', timeout: 1m}\n",
    )
    env = env_for(sb, info, tmp_path)
    state = tmp_path / "state" / "drconsole"
    drills, flows = state / "drills" / "journal.jsonl", state / "journal.jsonl"
    copies_before = {j["CopyJobId"] for j in copy_jobs(sb, backup)}
    restores_before = {j["RestoreJobId"] for j in restore_jobs(sb, recovery)}
    sb.options.time_scale = 40  # copies last a few seconds: the failure is injected meanwhile
    try:
        process = subprocess.Popen(
            [*DRILL, "run", str(path), "--yes", "--json", "--poll-interval", "0.2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            flow_of_broken = wait_for(
                "the broken target's flow",
                lambda: next(
                    (
                        r
                        for r in records(drills)
                        if r["type"] == "target-flow" and r["target"] == "broken"
                    ),
                    None,
                ),
            )["flow_ref"]
            wait_for(
                "the broken target's copy job",
                lambda: any(
                    r["type"] == "job" and r["flow"] == flow_of_broken for r in records(flows)
                ),
            )
            resolved = next(
                r["resolved"]
                for r in records(drills)
                if r["type"] == "target-resolved" and r["target"] == "broken"
            )
            # The copy has started: the next job of the table, its restore, fails.
            sb.inject_job_failure(resolved["resource_arn"], FAILURE)
            failed = wait_for(
                "the broken target's failed restore",
                lambda: next(
                    (
                        r
                        for r in records(drills)
                        if r["type"] == "target-restored" and r["target"] == "broken"
                    ),
                    None,
                ),
            )
        finally:
            process.send_signal(signal.SIGKILL)  # the slow target goes on meanwhile
            process.wait(timeout=30)
    finally:
        sb.options.time_scale = 600
    assert failed["status"] == "failed" and FAILURE in failed["message"]
    before_resume = records(drills)
    assert not [r for r in before_resume if r["type"] == "drill-end"]
    run_id = before_resume[0]["flow"]

    done = drill(env, "resume", run_id, "--yes", "--json", "--poll-interval", "0.1")
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr
    result = result_of(done)
    verdicts = {t["target"]: (t["verdict"], t["cause"]) for t in result["targets"]}
    assert verdicts == {"broken": ("failed", failed["cause"]), "slow": ("passed", None)}
    report = json.loads((Path(result["report_dir"]) / "report.json").read_text())
    broken = next(t for t in report["targets"] if t["target"] == "broken")
    # Failed with its original cause and message; no validation was run or journaled for it.
    assert broken["cause"] == failed["cause"] and broken["validations"] == []
    assert broken["failures"] == [f"the flow failed: {failed['message']}"]
    assert not [r for r in records(drills) if r["type"] == "validation" and r["target"] == "broken"]
    assert report["interrupted"]
    # One copy job per target, one restore job each (the broken one FAILED), none started twice.
    new_copies = [j for j in copy_jobs(sb, backup) if j["CopyJobId"] not in copies_before]
    new_restores = [
        j for j in restore_jobs(sb, recovery) if j["RestoreJobId"] not in restores_before
    ]
    assert len(new_copies) == 2 and len(new_restores) == 2
    assert sorted(j["Status"] for j in new_restores) == ["COMPLETED", "FAILED"]
    # Clean-up deleted the copy the failed target left (cleanup: always), asked with boto3.
    (copy,) = broken["cleanup"]
    assert copy["kind"] == "recovery-point" and copy["deleted"]
    left = sb.client("backup", recovery, EU).list_recovery_points_by_backup_vault(
        BackupVaultName="recovery-vault"
    )["RecoveryPoints"]
    assert copy["arn"] not in {p["RecoveryPointArn"] for p in left}


def test_resuming_a_drill_that_has_finished_says_so_and_writes_nothing(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    recovery = info.accounts["recovery"]
    path = table_runbook(tmp_path, info, "finished-table")
    sb.client("dynamodb", recovery, EU).create_table(
        TableName="finished-table",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    env = env_for(sb, info, tmp_path)
    ran = drill(env, "run", str(path), "--yes", "--json")
    assert ran.returncode == 1, ran.stdout[-3000:] + ran.stderr
    result = result_of(ran)
    state = tmp_path / "state" / "drconsole"
    journal = (state / "drills" / "journal.jsonl").read_bytes()
    evidence = Path(result["report_dir"])
    written = {p.name: p.read_bytes() for p in evidence.iterdir()}

    for flags in (("--yes", "--json"), ()):
        done = drill(env, "resume", result["run"], *flags)
        assert done.returncode == 2, done.stdout + done.stderr
        assert done.stdout == ""
        assert done.stderr.splitlines() == [
            f"drconsole: drill {result['run']} has already finished: its report is in {evidence}"
        ]
    # Nothing was written: the drill journal and the evidence are as the run left them.
    assert (state / "drills" / "journal.jsonl").read_bytes() == journal
    assert {p.name: p.read_bytes() for p in evidence.iterdir()} == written
