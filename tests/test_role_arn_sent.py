"""The role checks judge the role ARN that is sent, not another role of the same name: IAM's
GetRole is asked by name, so its answer (path, partition) is compared with the ARN given.
Real `drconsole` processes against a `drconsole sandbox` process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_cli_copy import EU, SandboxProcess, audit_requests, drconsole, sandbox_process
from tests.test_cli_flow_requests import prod_point, restore_jobs

DEFAULT_ROLE = "service-role/AWSBackupDefaultServiceRole"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxProcess]:
    yield from sandbox_process()


def test_a_restore_role_of_another_path_fails_its_check_and_nothing_is_sent(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    rp = prod_point(sandbox, "DynamoDB")
    before = len(restore_jobs(sandbox, rp))
    prod = sandbox.accounts["prod"]
    done = drconsole(
        sandbox,
        tmp_path,
        "restore",
        "--recovery-point",
        rp,
        "--metadata",
        "targetTableName=role-path-restore",
        "--restore-role",
        "wrong-path/AWSBackupDefaultServiceRole",
        "--yes",
        "--json",
    )
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    checks = {c["id"]: c for e in events if e["event"] == "checks" for c in e["checks"]}
    role = checks["restore.role"]
    assert role["status"] == "FAIL" and role["cause"] == "ROLE_PERMISSIONS", role
    assert (
        f"role arn:aws:iam::{prod}:role/wrong-path/AWSBackupDefaultServiceRole does not exist; "
        f"a role of that name is at arn:aws:iam::{prod}:role/{DEFAULT_ROLE}"
    ) in role["evidence"]
    assert done.returncode == 1, done.stdout[-600:] + done.stderr
    assert len(restore_jobs(sandbox, rp)) == before


def test_a_restore_role_of_another_partition_is_refused_before_any_call(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    rp = prod_point(sandbox, "DynamoDB")
    prod = sandbox.accounts["prod"]
    done = drconsole(
        sandbox,
        tmp_path,
        "restore",
        "--recovery-point",
        rp,
        "--metadata",
        "targetTableName=role-partition-restore",
        "--restore-role",
        f"arn:aws-cn:iam::{prod}:role/{DEFAULT_ROLE}",
        "--yes",
        endpoint="http://127.0.0.1:9",
    )
    assert done.returncode == 2, done.stdout + done.stderr
    line = done.stderr.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in line, line
    assert "--restore-role names a role of partition aws-cn" in line
    assert "the recovery point is in partition aws" in line
    assert audit_requests(tmp_path) == []
    assert not (tmp_path / "xdg-state" / "drconsole").exists()


def test_the_copy_role_check_fails_for_a_role_of_another_path(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """`check copy --role-arn` (no flow, so no up-front refusal) judges the ARN given."""
    rp = prod_point(sandbox, "EFS")
    prod, backup = sandbox.accounts["prod"], sandbox.accounts["backup"]
    sent = f"arn:aws:iam::{prod}:role/nowhere/AWSBackupDefaultServiceRole"
    done = drconsole(
        sandbox,
        tmp_path,
        "check",
        "copy",
        "--recovery-point",
        rp,
        "--to",
        f"arn:aws:backup:{EU}:{backup}:backup-vault:central-{EU}",
        "--role-arn",
        sent,
        "--json",
    )
    checks = {c["id"]: c for c in json.loads(done.stdout)["checks"]}
    role = checks["source.copy-role"]
    assert role["status"] == "FAIL" and role["cause"] == "ROLE_PERMISSIONS", role
    assert f"role {sent} does not exist" in role["evidence"]
    assert f"arn:aws:iam::{prod}:role/{DEFAULT_ROLE}" in role["evidence"]
    assert done.returncode == 1, done.stdout[-600:] + done.stderr
