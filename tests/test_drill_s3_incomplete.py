"""A drill whose S3 target's restore AWS ends COMPLETED with its message for objects left out
(restoring-s3.html, "S3 restore messages"), run with the real CLI against the demo sandbox: the
target fails with the message and its cause, is not validated as if recovered, and the bucket
the restore made is still cleaned up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from tests.test_drill_run import (
    EU,
    _runbook,
    demo_sandbox,
    drill,
    env_for,
    gone,
    restore_jobs,
    result_of,
)

sandbox = pytest.fixture(scope="module", name="sandbox")(demo_sandbox)


def test_a_target_restored_with_objects_left_out_does_not_pass(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    backup, recovery = info.accounts["backup"], info.accounts["recovery"]
    (bucket_arn,) = {
        p["ResourceArn"]
        for p in sb.client("backup", backup, EU).list_recovery_points_by_backup_vault(
            BackupVaultName="central-eu-central-1"
        )["RecoveryPoints"]
        if p["ResourceName"] == "prod-assets"
    }
    path = _runbook(
        tmp_path,
        info,
        "",
        '  - name: files\n    resource: {account: "PROD", type: S3, name: prod-assets}\n',
    )
    before = {j["RestoreJobId"] for j in restore_jobs(sb, recovery)}
    # AWS's wording names the copy restored and the bucket: any ARN and bucket will do here.
    said = (
        f"One or more objects failed to be restored from arn:aws:backup:{EU}:{recovery}:"
        "recovery-point:6b2f0c1e-3d4a-4e5f-8a9b-0c1d2e3f4a5b to prod-assets-restored. To get"
        " notified of these failures, enable SNS event notifications."
    )
    sb.inject_restore_message(bucket_arn, said)

    done = drill(env_for(sb, info, tmp_path), "run", str(path), "--yes", "--json")

    assert done.returncode == 1, done.stdout[-3000:] + done.stderr
    (job,) = [j for j in restore_jobs(sb, recovery) if j["RestoreJobId"] not in before]
    assert (job["Status"], job["StatusMessage"]) == ("COMPLETED", said)
    result = result_of(done)
    assert result["verdict"] == "failed"
    (files,) = result["targets"]
    assert (files["verdict"], files["cause"]) == ("failed", "KMS_KEY_UNUSABLE")
    assert files["failures"] == [f"the flow failed: {said}"]
    report = json.loads((Path(result["report_dir"]) / "report.json").read_text())
    (target,) = report["targets"]
    assert target["verdict"] == "failed" and target["validations"] == []
    # The partly restored bucket is named in the evidence, and cleaned up like any restore.
    assert target["created_resource"] == job["CreatedResourceArn"]
    assert [c["arn"] for c in target["cleanup"] if c["kind"] == "resource"] == [
        job["CreatedResourceArn"]
    ]
    assert gone(sb, recovery, job["CreatedResourceArn"])
