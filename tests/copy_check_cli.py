"""The CLI against a demo sandbox of its own, for the copy check tests of one source fact."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.server import SandboxOptions
from tests import forked_cli
from tests.demo_cli import demo_cli_env
from tests.test_cli_check import Env

ROOT = Path(__file__).resolve().parent.parent


def demo_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    """A demo sandbox whose jobs end at once, and the CLI's environment for it (a fixture's
    body: the test module's `demo` yields from it)."""
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    home = tmp_path_factory.mktemp("home")
    try:
        yield Env(sandbox, info, demo_cli_env(sandbox, info, home), home / "state")
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


def checked(demo: Env, rp: str, dest: str) -> tuple[int, dict[str, Any]]:
    """The exit code and the report of `check copy --json`."""
    result = drconsole(demo, "check", "copy", "--recovery-point", rp, "--to", dest, "--json")
    assert result.stderr == "", result.stderr
    return result.returncode, json.loads(result.stdout)


def check_named(report: dict[str, Any], check_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in report["checks"] if c["id"] == check_id)
    return found


def prod_dr_vault(demo: Env) -> str:
    return (
        f"arn:aws:backup:{demo.info.dr_region}:{demo.info.accounts['prod']}:backup-vault:prod-vault"
    )


def copy_jobs(demo: Env) -> list[dict[str, Any]]:
    backup = demo.sandbox.client("backup", demo.info.accounts["prod"], demo.info.region)
    return list(backup.list_copy_jobs()["CopyJobs"])


def backed_up_instance(demo: Env, image_id: str, **launch: Any) -> str:
    """prod's EC2 instance launched from `image_id` (`launch`: more of RunInstances'
    parameters), backed up by AWS Backup into prod-vault; the recovery point's ARN."""
    from tests.rds_option_groups import wait

    prod, region = demo.info.accounts["prod"], demo.info.region
    ec2 = demo.sandbox.client("ec2", prod, region)
    instance = ec2.run_instances(
        ImageId=image_id, MinCount=1, MaxCount=1, InstanceType="t3.micro", **launch
    )["Instances"][0]
    backup = demo.sandbox.client("backup", prod, region)
    started = backup.start_backup_job(
        BackupVaultName="prod-vault",
        ResourceArn=f"arn:aws:ec2:{region}:{prod}:instance/{instance['InstanceId']}",
        IamRoleArn=f"arn:aws:iam::{prod}:role/service-role/AWSBackupDefaultServiceRole",
    )
    job = wait(lambda: backup.describe_backup_job(BackupJobId=started["BackupJobId"]))
    assert job["State"] == "COMPLETED", job
    return str(started["RecoveryPointArn"])
