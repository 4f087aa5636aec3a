"""A drill target interrupted by an AWS error that says nothing of its recoverability (throttling
past the retries), as a user runs it against the demo sandbox: in its planning (a read, or a
check left UNKNOWN), its flow or its validation, the drill is not finished (exit 3, report.json
`interrupted` with the command that carries it on, nothing cleaned up, history says unfinished),
and `drill resume` finishes it with no job started twice; a real failure still ends the drill,
and resume refuses it."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from drconsole.readiness.drills import drill_coverage
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

sandbox = pytest.fixture(scope="module", name="sandbox")(demo_sandbox)


def history_of(env: dict[str, str], run_id: str) -> dict[str, Any]:
    done = drill(env, "history", "--json")
    assert done.returncode == 0, done.stderr
    return next(r for r in json.loads(done.stdout)["runs"] if r["run_id"] == run_id)


def recovery_points(sb: Sandbox, account: str) -> set[str]:
    points = sb.client("backup", account, EU).list_recovery_points_by_backup_vault(
        BackupVaultName="recovery-vault"
    )["RecoveryPoints"]
    return {p["RecoveryPointArn"] for p in points}


def run_interrupted(
    sb: Sandbox, env: dict[str, str], runbook: Path, operation: str
) -> dict[str, Any]:
    """`drill run` with `operation` throttled past the retries; checks the drill is unfinished
    and says how to carry it on. Returns its report.json."""
    sb.fail_operation(operation, "throttle")
    try:
        ran = drill(env, "run", str(runbook), "--yes", "--json", "--poll-interval", "0.1")
    finally:
        sb.clear_faults()
    assert ran.returncode == 3, ran.stdout[-3000:] + ran.stderr
    result = result_of(ran)
    run_id = result["run"]
    command = f"drconsole drill resume {run_id}"
    assert result["verdict"] == "interrupted" and result["resume"] == command
    report = json.loads((Path(result["report_dir"]) / "report.json").read_text())
    assert report["verdict"] == "interrupted" and report["finished"] is None
    assert report["resume"] == command
    (target,) = report["targets"]
    assert target["verdict"] == "interrupted" and target["cause"] == "THROTTLED"
    assert target["aws_error"] and target["cleanup"] == []
    assert command in target["failures"][0]
    # The drill is listed as unfinished, with the report of how it stood.
    listed = history_of(env, run_id)
    assert listed["verdict"] == "unfinished" and listed["finished"] is None
    assert listed["report"] == str(Path(result["report_dir"]) / "report.json")
    return report


def resume_to_the_end(env: dict[str, str], run_id: str) -> dict[str, Any]:
    """`drill resume RUN_ID` finishes the drill, passed; returns its report.json."""
    done = drill(env, "resume", run_id, "--yes", "--json", "--poll-interval", "0.1")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    result = result_of(done)
    report = json.loads((Path(result["report_dir"]) / "report.json").read_text())
    assert report["verdict"] == "passed" and report["finished"] and report["resume"] is None
    assert report["interrupted"]
    (target,) = report["targets"]
    assert target["verdict"] == "passed" and target["cause"] is None
    assert target["cleanup"] and all(c["deleted"] for c in target["cleanup"])
    listed = history_of(env, run_id)
    assert listed["verdict"] == "passed" and listed["finished"] == report["finished"]
    return report


def test_a_start_restore_job_throttled_leaves_the_drill_unfinished_and_resume_finishes_it(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    backup, recovery = info.accounts["backup"], info.accounts["recovery"]
    env = {**env_for(sb, info, tmp_path), "AWS_MAX_ATTEMPTS": "2"}
    runbook = table_runbook(tmp_path, info, "throttled-restore-table")
    copies_before = {j["CopyJobId"] for j in copy_jobs(sb, backup)}
    restores_before = {j["RestoreJobId"] for j in restore_jobs(sb, recovery)}

    report = run_interrupted(sb, env, runbook, "backup:StartRestoreJob")
    (target,) = report["targets"]
    assert target["flow"] and "its flow" in target["failures"][0]
    # The copy was made and is kept for the resumed flow: nothing was deleted, no restore sent.
    (copy,) = [j for j in copy_jobs(sb, backup) if j["CopyJobId"] not in copies_before]
    assert copy["DestinationRecoveryPointArn"] in recovery_points(sb, recovery)
    assert not [j for j in restore_jobs(sb, recovery) if j["RestoreJobId"] not in restores_before]

    # Readiness does not count the unfinished drill as drill coverage; once resumed, it does.
    state_dir = tmp_path / "state" / "drconsole"
    resource = target["recovery_point"]["resource_arn"]
    assert resource not in drill_coverage(state_dir)

    done = resume_to_the_end(env, report["run_id"])
    assert done["targets"][0]["flow"] == target["flow"]  # the same flow, carried on
    assert drill_coverage(state_dir)[resource].run_id == report["run_id"]
    # With plain boto3: one copy job and one restore job, none started twice; both cleaned up.
    assert [j for j in copy_jobs(sb, backup) if j["CopyJobId"] not in copies_before] == [copy]
    (restore,) = [j for j in restore_jobs(sb, recovery) if j["RestoreJobId"] not in restores_before]
    assert restore["Status"] == "COMPLETED"
    assert copy["DestinationRecoveryPointArn"] not in recovery_points(sb, recovery)
    # AWS keeps the Metadata the restore was started with (GetRestoreJobMetadata, plain boto3).
    client = sb.client("backup", recovery, EU)
    metadata = client.get_restore_job_metadata(RestoreJobId=restore["RestoreJobId"])["Metadata"]
    assert metadata["targetTableName"] == "throttled-restore-table"
    # The Start call sent again on resume was journaled again before it was sent: its time
    # bounds when the job it may start was created.
    records = map(json.loads, (state_dir / "journal.jsonl").read_text().splitlines())
    sent = [r for r in records if r["type"] == "start" and r["step"] == "restore"]
    assert len(sent) == 2 and sent[0]["token"] == sent[1]["token"]
    assert sent[0]["time"] < sent[1]["time"]


@pytest.mark.parametrize(
    ("operation", "said", "table"),
    [
        # the restore metadata read while the target is planned
        ("backup:GetRecoveryPointRestoreMetadata", "its planning", "throttled-plan-table"),
        # the copy check of the organization's cross-account setting cannot read it: UNKNOWN,
        # with cause THROTTLED, decides nothing about the target (it was blocked)
        ("backup:DescribeGlobalSettings", "UNKNOWN", "unread-check-table"),
    ],
    ids=["restore-metadata-while-planning", "check-left-unread"],
)
def test_a_target_stopped_before_its_flow_leaves_the_drill_unfinished_and_resumable(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, operation: str, said: str, table: str
) -> None:
    sb, info = sandbox
    backup, recovery = info.accounts["backup"], info.accounts["recovery"]
    env = {**env_for(sb, info, tmp_path), "AWS_MAX_ATTEMPTS": "2"}
    runbook = table_runbook(tmp_path, info, table)
    copies_before = {j["CopyJobId"] for j in copy_jobs(sb, backup)}
    restores_before = {j["RestoreJobId"] for j in restore_jobs(sb, recovery)}

    report = run_interrupted(sb, env, runbook, operation)
    (target,) = report["targets"]
    assert target["flow"] is None and said in target["failures"][0]
    # Its flow never began: no job of any kind was started.
    assert not [j for j in copy_jobs(sb, backup) if j["CopyJobId"] not in copies_before]
    assert not [j for j in restore_jobs(sb, recovery) if j["RestoreJobId"] not in restores_before]

    resume_to_the_end(env, report["run_id"])
    assert len([j for j in copy_jobs(sb, backup) if j["CopyJobId"] not in copies_before]) == 1
    (restore,) = [j for j in restore_jobs(sb, recovery) if j["RestoreJobId"] not in restores_before]
    assert restore["Status"] == "COMPLETED"


def test_the_restore_checks_after_the_copy_left_unread_interrupt_the_flow_resumably(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    backup, recovery = info.accounts["backup"], info.accounts["recovery"]
    env = {**env_for(sb, info, tmp_path), "AWS_MAX_ATTEMPTS": "2"}
    runbook = table_runbook(tmp_path, info, "unread-restore-check-table")
    copies_before = {j["CopyJobId"] for j in copy_jobs(sb, backup)}
    restores_before = {j["RestoreJobId"] for j in restore_jobs(sb, recovery)}
    flows = tmp_path / "state" / "drconsole" / "journal.jsonl"
    sb.options.time_scale = 40  # the copy lasts seconds: the fault is armed meanwhile
    try:
        process = subprocess.Popen(
            [*DRILL, "run", str(runbook), "--yes", "--json", "--poll-interval", "0.2"],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while '"type": "job"' not in (flows.read_text() if flows.exists() else ""):
            assert time.monotonic() < deadline, "the copy job did not start"
            time.sleep(0.05)
        # The copy has started: the restore's checks, run again after it, cannot read the
        # restore role's permissions.
        sb.fail_operation("iam:SimulatePrincipalPolicy", "throttle")
        stdout, _ = process.communicate(timeout=120)
    finally:
        sb.clear_faults()
        sb.options.time_scale = 600
    assert process.returncode == 3, stdout[-3000:]
    run_id = json.loads(stdout.strip().splitlines()[-1])["run"]
    report_path = tmp_path / "state" / "drconsole" / "drills" / "edge" / run_id / "report.json"
    report = json.loads(report_path.read_text())
    assert report["verdict"] == "interrupted"
    (target,) = report["targets"]
    assert target["verdict"] == "interrupted" and "its flow" in target["failures"][0]
    assert not [j for j in restore_jobs(sb, recovery) if j["RestoreJobId"] not in restores_before]

    resume_to_the_end(env, run_id)
    assert len([j for j in copy_jobs(sb, backup) if j["CopyJobId"] not in copies_before]) == 1
    (restore,) = [j for j in restore_jobs(sb, recovery) if j["RestoreJobId"] not in restores_before]
    assert restore["Status"] == "COMPLETED"


def test_a_validation_read_throttled_leaves_the_drill_unfinished_and_resume_validates_it(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    recovery = info.accounts["recovery"]
    env = {**env_for(sb, info, tmp_path), "AWS_MAX_ATTEMPTS": "2"}
    runbook = _runbook(
        tmp_path,
        info,
        "",
        '  - name: files\n    resource: {account: "PROD", type: S3, name: prod-assets}\n',
    )
    restores_before = {j["RestoreJobId"] for j in restore_jobs(sb, recovery)}

    # The built-in validation counts the restored bucket's objects: that read is throttled.
    report = run_interrupted(sb, env, runbook, "s3:ListObjectsV2")
    (target,) = report["targets"]
    assert "its validation" in target["failures"][0] and target["validations"] == []
    (restore,) = [j for j in restore_jobs(sb, recovery) if j["RestoreJobId"] not in restores_before]
    bucket = restore["CreatedResourceArn"].split(":::", 1)[1]
    sb.client("s3", recovery, EU).head_bucket(Bucket=bucket)  # kept: not cleaned up

    done = resume_to_the_end(env, report["run_id"])
    (validation,) = done["targets"][0]["validations"]
    assert validation["kind"] == "builtin" and validation["passed"]
    # The restore was not started again: its one job, validated once resumed, then deleted.
    (again,) = [j for j in restore_jobs(sb, recovery) if j["RestoreJobId"] not in restores_before]
    assert again["RestoreJobId"] == restore["RestoreJobId"] and again["Status"] == "COMPLETED"
    assert done["targets"][0]["cleanup"][0]["arn"] == restore["CreatedResourceArn"]


def test_a_failed_restore_job_still_ends_the_drill_and_resume_refuses_it(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    env = env_for(sb, info, tmp_path)
    runbook = table_runbook(tmp_path, info, "failed-restore-table")
    # The table's next job, its copy back into the recovery account, fails: a real failure.
    table = f"arn:aws:dynamodb:{EU}:{info.accounts['prod']}:table/prod-sessions"
    sb.inject_job_failure(table, "Copy job failed: an internal error occurred")
    ran = drill(env, "run", str(runbook), "--yes", "--json")
    assert ran.returncode == 1, ran.stdout[-3000:] + ran.stderr
    result = result_of(ran)
    assert result["verdict"] == "failed" and result["resume"] is None
    assert result["targets"][0]["verdict"] == "failed"
    assert history_of(env, result["run"])["verdict"] == "failed"
    refused = drill(env, "resume", result["run"], "--yes", "--json")
    assert refused.returncode == 2
    assert "has already finished" in refused.stderr
