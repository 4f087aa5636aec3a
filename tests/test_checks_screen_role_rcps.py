"""The TUI checks panel judges the RCPs that may refuse AWS Backup a job's role, with the same
engine as `check copy` and `check restore`: copying a backup-account copy back into prod and
restoring it there, an identity perimeter RCP on prod's OU without the
`aws:PrincipalIsAWSService` exclusion FAILs the restore group's `restore.role`."""

from __future__ import annotations

import contextlib
from typing import Any

from drconsole.aws.session import AwsSessions
from drconsole.models import CauseCode, CheckStatus
from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from drconsole.tui.checks_screen import ChecksScreen
from tests.rcp_policies import attached_rcp
from tests.test_checks_screen import Host, demo, recovery_point, settings_for, settle

__all__ = ["demo"]  # the module's own demo sandbox, made by the same fixture


def perimeter_without_service_exclusion(
    sandbox: Sandbox, info: ScenarioInfo, target: str
) -> contextlib.AbstractContextManager[str]:
    """AWS's identity perimeter without its `aws:PrincipalIsAWSService` exclusion, attached at
    `target` for the length of a `with`."""
    orgs = sandbox.client("organizations", info.accounts["management"], info.region)
    document: dict[str, Any] = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "EnforceOrgIdentities", "Effect": "Deny", "Principal": "*",
             "Action": "sts:AssumeRole", "Resource": "*",
             "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": info.org_id}}},
        ],
    }  # fmt: skip
    return attached_rcp(orgs, target, document, "IdentityPerimeter")


async def test_the_checks_panel_fails_the_restore_role_aws_backup_may_not_assume(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: object
) -> None:
    sandbox, info = demo
    prod = info.accounts["prod"]
    backup = sandbox.client("backup", info.accounts["backup"], info.region)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="central-eu-central-1")
    ebs = max(
        (p for p in points["RecoveryPoints"] if p["ResourceType"] == "EBS"),
        key=lambda p: p["CreationDate"],
    )
    rp = recovery_point(sandbox, info, ebs["RecoveryPointArn"])
    destination = f"arn:aws:backup:{info.region}:{prod}:backup-vault:prod-vault"
    ou = sandbox.client("organizations", info.accounts["management"], info.region).list_parents(
        ChildId=prod
    )["Parents"][0]["Id"]
    settings = settings_for(sandbox, info, tmp_path)
    with perimeter_without_service_exclusion(sandbox, info, ou):
        screen = ChecksScreen(rp, settings, AwsSessions(settings), destination=destination)
        async with Host(screen).run_test(size=(140, 40)) as pilot:
            await settle(screen, pilot)
            judged = {check.id: (group, check) for group, check in screen.ordered()}
    group, role = judged["restore.role"]
    assert group == "restore"
    assert (role.status, role.cause) == (CheckStatus.FAIL, CauseCode.ROLE_PERMISSIONS), role
    assert f"IdentityPerimeter attached to {ou} denies sts:AssumeRole" in role.evidence
    assert f"arn:aws:iam::{prod}:role/" in role.evidence
    # The copy runs as the backup account's role, which no RCP of that account refuses.
    assert judged["source.copy-role"][1].status is CheckStatus.PASS, judged["source.copy-role"]
