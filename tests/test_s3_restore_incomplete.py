"""An S3 restore AWS ends COMPLETED with its message for objects left out, or none found to
restore (AWS Backup Developer Guide, restoring-s3.html, "S3 restore messages"), through the real
CLI against the sandbox: the flow fails with the message and its cause, names the bucket it made
all the same, journals it, and the jobs listing counts the job as a problem."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.server import SandboxOptions
from tests.cli_box import EU, Box, journal, json_lines

POLL = ("--poll-interval", "0.1")
VAULT = "central-eu-central-1"


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0))
    try:
        yield Box(sandbox, info)
    finally:
        sandbox.stop()


def restore_in_place(box: Box, rp: str, bucket: str, *extra: str) -> list[str]:
    """`drconsole restore` of an S3 recovery point of the backup account into a new bucket."""
    return [
        "restore", "--recovery-point", rp, "--source-account", box.accounts["backup"],
        "--metadata", f"DestinationBucketName={bucket}", "--allow-backup-account-restore",
        "--yes", *POLL, *extra,
    ]  # fmt: skip


def s3_point(box: Box, n: int) -> tuple[str, str]:
    """The n-th newest S3 recovery point of the backup account's vault, and its bucket ARN."""
    rp = box.newest(VAULT, EU, "S3", n=n)
    described = box.backup("backup").describe_recovery_point(
        BackupVaultName=VAULT, RecoveryPointArn=rp
    )
    return rp, str(described["ResourceArn"])


def test_a_restore_completed_with_objects_left_out_fails_with_its_cause(
    box: Box, tmp_path: Path
) -> None:
    rp, resource = s3_point(box, 0)
    bucket = "partly-restored-assets"
    said = (
        f"One or more objects failed to be restored from {rp} to {bucket}. To get notified of"
        " these failures, enable SNS event notifications."
    )
    box.sandbox.inject_restore_message(resource, said)
    done = box.cli(tmp_path, *restore_in_place(box, rp, bucket, "--json"))

    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    # AWS ended the job COMPLETED with that message (plain boto3).
    (job,) = box.restore_jobs("backup", EU, rp)
    assert (job["Status"], job["StatusMessage"]) == ("COMPLETED", said)
    created = job["CreatedResourceArn"]
    events = json_lines(done.stdout)
    finished = [e for e in events if e["event"] == "flow-finished"][-1]
    assert (finished["status"], finished["step"]) == ("failed", "restore")
    assert (finished["cause"], finished["message"]) == ("KMS_KEY_UNUSABLE", said)
    assert f"into bucket {bucket}" in finished["explanation"]
    assert "S3_RESTORE_OBJECT_FAILED" in finished["remediation"]
    assert finished["result"]["created_resource"] == created
    result = events[-1]
    assert result["event"] == "result"
    assert (result["status"], result["exit_code"], result["cause"]) == (
        "failed",
        1,
        "KMS_KEY_UNUSABLE",
    )
    assert result["result"]["created_resource"] == created
    (failed,) = [r for r in journal(tmp_path) if r["type"] == "failed"]
    assert (failed["step"], failed["cause"], failed["message"]) == (
        "restore",
        "KMS_KEY_UNUSABLE",
        said,
    )
    assert failed["result"]["created_resource"] == created

    # The listing of AWS's jobs counts it as a problem, with its cause.
    listed = box.cli(tmp_path, "ls", "jobs", "--account", box.accounts["backup"], "--json")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    rows = [j for j in json.loads(listed.stdout)["items"] if j.get("id") == job["RestoreJobId"]]
    assert rows and rows[0]["cause"] == "KMS_KEY_UNUSABLE", listed.stdout[-2000:]


def test_a_restore_completed_with_nothing_to_restore_says_so_in_text(
    box: Box, tmp_path: Path
) -> None:
    rp, resource = s3_point(box, 1)
    said = f"There are no objects that match the restore request for {rp}."
    box.sandbox.inject_restore_message(resource, said)
    done = box.cli(tmp_path, *restore_in_place(box, rp, "empty-restore-assets"))

    assert done.returncode == 1, done.stdout + done.stderr
    (job,) = box.restore_jobs("backup", EU, rp)
    assert job["Status"] == "COMPLETED"
    out = done.stdout
    assert "restore: COMPLETED" in out and f"{said} [cause UNKNOWN]" in out, out
    assert f"failed at restore: {said}" in out, out
    assert "  cause: UNKNOWN" in out and "ItemsToRestore" in out, out
    assert f"restored incompletely: {job['CreatedResourceArn']}" in out, out
    assert " completed: " not in out, out


def test_a_restore_completed_without_a_message_still_completes(box: Box, tmp_path: Path) -> None:
    rp, _ = s3_point(box, 2)
    done = box.cli(tmp_path, *restore_in_place(box, rp, "whole-restore-assets"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert " completed: " in done.stdout and "AWS said" not in done.stdout
