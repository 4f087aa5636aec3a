"""Readiness judges the restore role's permissions boundary as `check restore` does: a boundary
on dev's restore role that allows none of the calls creating a resource makes dev's rows fail
`restore.role` with the boundary named, not READY."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from drconsole.models import CauseCode, CheckStatus
from drconsole.readiness import evaluate_readiness
from tests.demo_sessions import demo_sessions, fast_demo
from tests.test_readiness_partial import OBJECTIVES

demo = pytest.fixture(scope="module", name="demo")(fast_demo)
ROLE = "AWSBackupDefaultServiceRole"


def test_a_boundary_on_the_restore_role_fails_the_rows_restore_role_check(
    demo: Any, tmp_path: Path
) -> None:
    sandbox, info = demo
    dev = info.accounts["dev"]
    iam = sandbox.client("iam", dev)
    bound = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "backup:*", "Resource": "*"}],
    }
    arn = iam.create_policy(PolicyName="OnlyBackup", PolicyDocument=json.dumps(bound))
    arn = arn["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName=ROLE, PermissionsBoundary=arn)
    try:
        report = evaluate_readiness(
            demo_sessions(sandbox, info, tmp_path / "state"),
            accounts=["dev"],
            objectives=OBJECTIVES,
        )
    finally:
        iam.delete_role_permissions_boundary(RoleName=ROLE)
        iam.delete_policy(PolicyArn=arn)
    roles = [
        check
        for row in report.rows
        for run in row.restore
        for check in run.checks
        if check.id == "restore.role" and f":{dev}:" in run.destination_vault_arn
    ]
    assert roles, "no restore role of dev was judged"
    for check in roles:
        assert check.status is CheckStatus.FAIL, check
        assert check.cause is CauseCode.ROLE_PERMISSIONS and arn in check.evidence
    assert all(row.verdict.value != "READY" for row in report.rows), report.rows
