"""Readiness judges an account's own restore as `check restore` judges it: dev, whose AWS
Backup service-linked role is missing in the demo, restores its own recovery points (the
restore runs as the restore role), so neither fails the restore on that role."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from drconsole.readiness import evaluate_readiness
from tests import forked_cli
from tests.demo_cli import demo_cli_env
from tests.demo_sessions import demo_sessions, fast_demo
from tests.test_readiness_partial import OBJECTIVES

demo = pytest.fixture(scope="module", name="demo")(fast_demo)


def newest_per_type(demo: Any, account: str, vault_arn: str) -> dict[str, str]:
    """The newest recovery point of each resource type in the vault (plain boto3)."""
    sandbox, _ = demo
    region, name = vault_arn.split(":")[3], vault_arn.split(":backup-vault:")[1]
    client = sandbox.client("backup", account, region)
    points = client.list_recovery_points_by_backup_vault(BackupVaultName=name)["RecoveryPoints"]
    newest: dict[str, dict[str, Any]] = {}
    for point in points:
        if point["Status"] != "COMPLETED":
            continue
        kept = newest.get(point["ResourceType"])
        if kept is None or point["CreationDate"] > kept["CreationDate"]:
            newest[point["ResourceType"]] = point
    return {kind: str(point["RecoveryPointArn"]) for kind, point in newest.items()}


def test_readiness_and_check_restore_judge_devs_own_restore_alike(
    demo: Any, tmp_path: Path
) -> None:
    sandbox, info = demo
    dev = info.accounts["dev"]
    # dev has no AWS Backup service-linked role: copies into it fail, its own restores do not.
    assert not sandbox.client("iam", dev).list_roles(PathPrefix="/aws-service-role/")["Roles"]
    report = evaluate_readiness(
        demo_sessions(sandbox, info, tmp_path / "state"), accounts=["dev"], objectives=OBJECTIVES
    )
    own = [
        run
        for row in report.rows
        for run in row.restore
        if f":{dev}:backup-vault:" in run.destination_vault_arn and run.checks
    ]
    assert own, "no restore of dev's own recovery points was judged"
    env = demo_cli_env(sandbox, info, tmp_path)
    for run in own:
        judged: dict[str, set[str]] = {}
        for point in newest_per_type(demo, dev, run.destination_vault_arn).values():
            command = ["check", "restore", "--recovery-point", point, "--json"]
            done = forked_cli.run(
                [sys.executable, "-m", "drconsole", *command],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode in (0, 1), done.stderr
            for check in json.loads(done.stdout)["checks"]:
                judged.setdefault(check["id"], set()).add(check["status"])
        for check in run.checks:
            # Every check readiness makes of the restore is one `check restore` makes too,
            # and readiness fails it only where `check restore` fails it for some type.
            assert check.id in judged, (check.id, sorted(judged))
            if check.status.value == "FAIL":
                assert "FAIL" in judged[check.id], (check.id, check.evidence, judged[check.id])
