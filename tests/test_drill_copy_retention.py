"""A runbook's `copy_retention_days`: the drill's copies are started with it (top level, or a
target's own), `drill plan` judges it, and a value AWS Backup would refuse is one line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from drconsole.aws.audit import AuditLog
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests.test_drill_instance_profile import drill

EU = "eu-central-1"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sb, info = start_sandbox("demo", SandboxOptions(time_scale=600))
    yield sb, info
    sb.stop()


def runbook_text(info: ScenarioInfo, top: str, target_extra: str) -> str:
    backup, qa, prod = info.accounts["backup"], info.accounts["qa"], info.accounts["prod"]
    return (
        f"name: keep\ncleanup: never\n{top}"
        f'source: {{account: "{backup}", region: {EU}, vault: central-eu-central-1}}\n'
        f'restore_to: {{account: "{qa}", region: {EU}, vault: qa-vault}}\n'
        "targets:\n"
        "  - name: files\n"
        f'    resource: {{account: "{prod}", type: EFS, name: prod-shared-files}}\n'
        f"{target_extra}"
    )


def test_the_drills_copy_is_started_with_the_runbooks_retention(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    runbook = tmp_path / "keep.yaml"
    runbook.write_text(
        runbook_text(info, "copy_retention_days: 30\n", "    copy_retention_days: 21\n")
    )
    plan = drill(sb, info, tmp_path, "plan", str(runbook), "--json")
    assert plan.returncode == 0, plan.stderr
    (planned,) = json.loads(plan.stdout)["targets"]
    (retention,) = [
        c for step in planned["checks"] for c in step["checks"] if c["id"] == "copy.retention"
    ]
    assert retention["status"] == "PASS" and "DeleteAfterDays 21 " in retention["evidence"]

    done = drill(sb, info, tmp_path, "run", str(runbook), "--yes", "--json")
    assert done.returncode == 0, done.stderr
    calls = AuditLog(tmp_path / "state" / "drconsole").calls()
    (sent,) = [c for c in calls if c["operation"] == "backup:StartCopyJob"]
    assert sent["parameters"]["Lifecycle"] == {"DeleteAfterDays": 21}
    qa = info.accounts["qa"]
    client = sb.client("backup", qa, EU)
    made = [
        p
        for p in client.list_recovery_points_by_backup_vault(BackupVaultName="qa-vault")[
            "RecoveryPoints"
        ]
        if p.get("SourceBackupVaultArn", "").endswith(":backup-vault:central-eu-central-1")
    ]
    assert made and {p["Lifecycle"]["DeleteAfterDays"] for p in made} == {21}


@pytest.mark.parametrize(
    ("top", "extra", "said"),
    [
        ("", "    copy_retention_days: 2w\n", "copy_retention_days '2w': expected a whole number"),
        ("copy_retention_days: 0\n", "", "copy_retention_days 0: expected 1 to "),
        ("", "    copy_retention_days: -5\n", "copy_retention_days '-5': expected a whole number"),
        # More digits than int() takes (4,300): still one line, not a defect.
        ("", f"    copy_retention_days: {'9' * 5000}\n", "': expected 1 to 36500"),
    ],
)
def test_a_retention_aws_would_refuse_is_one_line_before_anything_is_asked(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, top: str, extra: str, said: str
) -> None:
    sb, info = sandbox
    runbook = tmp_path / "keep.yaml"
    runbook.write_text(runbook_text(info, top, extra))
    for command in ("plan", "run"):
        done = drill(
            sb, info, tmp_path, command, str(runbook), *(["--yes"] if command == "run" else [])
        )
        assert done.returncode == 2, done.stderr
        (line,) = done.stderr.splitlines()
        assert line.startswith(f"drconsole: {runbook}:") and said in line
        assert "copy_retention_days" in line
    assert not (tmp_path / "state" / "drconsole" / "audit.log").exists()
