"""A recovery point's age and status, judged before a copy or restore starts, against the sandbox.

AWS counts a copy's DeleteAfterDays from the SOURCE recovery point's creation date ("The creation
date refers to when the source was created, not when the copy was created", AWS Backup,
recov-point-create-a-copy), and only a COMPLETED or AVAILABLE point is ready for use.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from drconsole.sandbox.store import seed_recovery_point
from tests import forked_cli
from tests.demo_cli import demo_cli_env

ROOT = Path(__file__).resolve().parent.parent
SERIAL = count(1)


@dataclass
class Env:
    sandbox: Sandbox
    info: ScenarioInfo
    env: dict[str, str]

    @property
    def central(self) -> str:
        backup = self.info.accounts["backup"]
        return f"arn:aws:backup:{self.info.region}:{backup}:backup-vault:central-eu-central-1"

    def client(self, service: str, role: str) -> Any:
        return self.sandbox.client(service, self.info.accounts[role], self.info.region)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    home = tmp_path_factory.mktemp("home")
    env = demo_cli_env(sandbox, info, home)
    try:
        yield Env(sandbox, info, env)
    finally:
        sandbox.stop()
        sandbox.reset()


def drconsole(demo: Env, *args: str) -> subprocess.CompletedProcess[str]:
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", *args],
        capture_output=True,
        text=True,
        env=demo.env,
        cwd=ROOT,
        timeout=180,
    )


def seed(demo: Env, *, days_old: float, status: str = "COMPLETED", kind: str = "FSx") -> str:
    """A prod recovery point of a new resource, `days_old` days old with a 35-day retention, on
    the shared prod key: a copy of it into the central vault meets every other rule."""
    prod, region = demo.info.accounts["prod"], demo.info.region
    key = demo.client("kms", "prod").describe_key(KeyId="alias/prod-data")["KeyMetadata"]["Arn"]
    serial = next(SERIAL)
    resource = {
        "FSx": f"arn:aws:fsx:{region}:{prod}:file-system/fs-0{serial:016x}",
        "EBS": f"arn:aws:ec2:{region}:{prod}:volume/vol-0{serial:016x}",
    }[kind]
    return seed_recovery_point(
        prod,
        region,
        "prod-vault",
        resource_arn=resource,
        resource_type=kind,
        resource_name=f"aged-{serial}",
        created=datetime.now(UTC) - timedelta(days=days_old),
        encryption_key_arn=key,
        size_bytes=2**30,
        delete_after_days=35,
        status=status,
    )


def checks_of(result: subprocess.CompletedProcess[str]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in json.loads(result.stdout)["checks"]}


def copies_of(demo: Env, rp: str) -> list[dict[str, Any]]:
    """The recovery points in the central vault copied from `rp`'s resource."""
    prod = demo.client("backup", "prod")
    resource = prod.describe_recovery_point(BackupVaultName="prod-vault", RecoveryPointArn=rp)
    central = demo.client("backup", "backup")
    points = central.list_recovery_points_by_backup_vault(BackupVaultName="central-eu-central-1")
    return [
        p for p in points["RecoveryPoints"] if p["ResourceArn"] == resource["ResourceArn"]
    ]  # fmt: skip


def test_a_retention_that_ended_before_the_copy_is_made_fails_and_names_the_value(
    demo: Env,
) -> None:
    rp = seed(demo, days_old=30)
    result = drconsole(demo, "check", "copy", "--recovery-point", rp, "--to", demo.central,
                       "--delete-after-days", "7", "--json")  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    checks = checks_of(result)
    retention = checks["copy.retention"]
    assert retention["status"] == "FAIL"
    assert "already past" in retention["evidence"]
    # 30 days and some seconds old, rounded up, + a week to copy, restore and validate.
    assert "--delete-after-days 38" in retention["remediation"]
    assert [c for c, v in checks.items() if v["status"] != "PASS"] == ["copy.retention"]


def test_a_retention_ending_within_days_warns(demo: Env) -> None:
    rp = seed(demo, days_old=20)
    result = drconsole(demo, "check", "copy", "--recovery-point", rp, "--to", demo.central,
                       "--delete-after-days", "22", "--json")  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    retention = checks_of(result)["copy.retention"]
    assert retention["status"] == "WARN"
    assert "--delete-after-days 28" in retention["remediation"]


def test_the_default_retention_keeps_a_copy_of_an_old_point_a_week(demo: Env) -> None:
    """34.9 days into a 35-day retention: the source's own retention would leave the copy two
    hours; drconsole's default gives it the point's age plus a week (42 days)."""
    rp = seed(demo, days_old=34.9)
    checked = drconsole(demo, "check", "copy", "--recovery-point", rp, "--to", demo.central,
                        "--json")  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    retention = checks_of(checked)["copy.retention"]
    assert retention["status"] == "PASS" and "DeleteAfterDays 42" in retention["evidence"]

    copied = drconsole(demo, "copy", "--recovery-point", rp, "--to", demo.central, "--yes",
                       "--json", "--poll-interval", "0.2")  # fmt: skip
    assert copied.returncode == 0, copied.stdout + copied.stderr
    (copy,) = copies_of(demo, rp)
    assert copy["Lifecycle"]["DeleteAfterDays"] == 42
    assert copy["CalculatedLifecycle"]["DeleteAt"] > datetime.now(UTC) + timedelta(days=6)


def test_the_copy_flow_refuses_a_copy_already_past_its_delete_date(demo: Env) -> None:
    rp = seed(demo, days_old=30.5)
    copied = drconsole(demo, "copy", "--recovery-point", rp, "--to", demo.central,
                       "--delete-after-days", "7", "--yes", "--json",
                       "--poll-interval", "0.2")  # fmt: skip
    assert copied.returncode == 1, copied.stdout + copied.stderr
    assert "copy.retention" in copied.stdout
    assert copies_of(demo, rp) == []
    jobs = demo.client("backup", "prod").list_copy_jobs()["CopyJobs"]
    assert [j for j in jobs if j["SourceRecoveryPointArn"] == rp] == []


@pytest.mark.parametrize("status", ["EXPIRED", "DELETING", "CREATING", "STOPPED"])
def test_a_recovery_point_not_ready_fails_the_copy_checks(demo: Env, status: str) -> None:
    rp = seed(demo, days_old=1, status=status)
    result = drconsole(demo, "check", "copy", "--recovery-point", rp, "--to", demo.central,
                       "--json")  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    checks = checks_of(result)
    assert [c for c, v in checks.items() if v["status"] != "PASS"] == ["source.status"]
    verdict = checks["source.status"]
    assert verdict["status"] == "FAIL" and status in verdict["evidence"]
    assert "list-recovery-points-by-resource" in verdict["remediation"]
    # The sandbox refuses it too: the checks predict it.
    with pytest.raises(ClientError, match=status):
        demo.client("backup", "prod").start_copy_job(
            RecoveryPointArn=rp,
            SourceBackupVaultName="prod-vault",
            DestinationBackupVaultArn=demo.central,
            IamRoleArn=checks_role(demo),
        )


def checks_role(demo: Env) -> str:
    return (
        f"arn:aws:iam::{demo.info.accounts['prod']}:role/service-role/AWSBackupDefaultServiceRole"
    )


def test_an_available_point_is_copied_and_a_partial_one_warns(demo: Env) -> None:
    """AWS documents AVAILABLE as "ready for use": the checks pass and the copy completes."""
    available = seed(demo, days_old=2, status="AVAILABLE")
    checked = drconsole(demo, "check", "copy", "--recovery-point", available, "--to",
                        demo.central, "--json")  # fmt: skip
    assert {v["status"] for v in checks_of(checked).values()} == {"PASS"}
    copied = drconsole(demo, "copy", "--recovery-point", available, "--to", demo.central,
                       "--yes", "--json", "--poll-interval", "0.2")  # fmt: skip
    assert copied.returncode == 0, copied.stdout + copied.stderr
    assert len(copies_of(demo, available)) == 1

    partial = seed(demo, days_old=2, status="PARTIAL")
    checked = drconsole(demo, "check", "copy", "--recovery-point", partial, "--to",
                        demo.central, "--json")  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checks_of(checked)["source.status"]["status"] == "WARN"


def test_a_point_being_deleted_fails_the_restore_checks_and_the_sandbox_refuses_it(
    demo: Env,
) -> None:
    rp = seed(demo, days_old=1, status="DELETING", kind="EBS")
    result = drconsole(demo, "check", "restore", "--recovery-point", rp, "--json")
    assert result.returncode == 1, result.stdout + result.stderr
    verdict = checks_of(result)["restore.status"]
    assert verdict["status"] == "FAIL" and "DELETING" in verdict["evidence"]
    with pytest.raises(ClientError, match="DELETING"):
        demo.client("backup", "prod").start_restore_job(
            RecoveryPointArn=rp,
            Metadata={"availabilityZone": f"{demo.info.region}a"},
            IamRoleArn=checks_role(demo),
        )
