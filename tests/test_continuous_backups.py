"""Continuous backups (point-in-time recovery): AWS Backup does not copy them on demand, and an
RDS or Aurora one stays on the database's key although its ARN is arn:aws:backup. Checked from
facts, through `check copy` in a subprocess, and in a drill's choice of the newest point."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from drconsole.checks import copy as checks
from drconsole.checks import copy_route
from drconsole.checks.arns import is_continuous
from drconsole.checks.common import fully_managed
from drconsole.checks.facts import KeyFacts
from drconsole.drills.parse import load_runbook, parse_runbook
from drconsole.drills.planner import plan_drill
from drconsole.models import CauseCode, CheckStatus
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from drconsole.sandbox.store import seed_recovery_point
from tests.cli_box import Box
from tests.test_checks_copy import REGION, SRC, good_facts
from tests.test_drill_plan import PAYMENTS, sessions_for

AWS_RDS_KEY = f"arn:aws:kms:{REGION}:{SRC}:key/99999999-2222-3333-4444-555555555555"


def continuous(resource_type: str, name: str) -> str:
    return f"arn:aws:backup:{REGION}:{SRC}:recovery-point:continuous:{name}-1a2b3c4d"


@pytest.mark.parametrize(
    ("resource_type", "name"),
    [("RDS", "db-abcdefghijklmnop"), ("Aurora", "cluster-abcdefghijkl"), ("S3", "prod-data")],
)
@pytest.mark.parametrize("cross_account", [True, False])
def test_the_route_of_a_continuous_backup_fails_whatever_the_destination(
    resource_type: str, name: str, cross_account: bool
) -> None:
    facts = good_facts("S3" if resource_type == "S3" else "RDS")
    rp = replace(facts.recovery_point, arn=continuous(resource_type, name))
    rp = replace(rp, resource_type=resource_type)
    facts = replace(facts, recovery_point=rp)
    if not cross_account:
        facts = replace(facts, dest_account_id=SRC)
    check = copy_route.check_route(facts)
    assert (check.status, check.cause) == (CheckStatus.FAIL, CauseCode.UNSUPPORTED_COPY_ROUTE)
    assert "continuous backup" in check.evidence
    assert "point in time" in (check.remediation or "")


def test_an_rds_continuous_backup_on_the_aws_rds_key_cannot_be_shared() -> None:
    facts = good_facts("RDS")
    rp = replace(
        facts.recovery_point,
        arn=continuous("RDS", "db-abcdefghijklmnop"),
        encryption_key_arn=AWS_RDS_KEY,
    )
    facts = replace(
        facts,
        recovery_point=rp,
        source_key=KeyFacts(AWS_RDS_KEY, "AWS", "Enabled", aliases=("alias/aws/rds",)),
    )
    assert not fully_managed(facts)
    check = checks.check_source_key(facts)
    assert (check.status, check.cause) == (CheckStatus.FAIL, CauseCode.AWS_MANAGED_RESOURCE_KEY)


def test_an_s3_continuous_backup_is_still_fully_managed() -> None:
    facts = good_facts("S3")
    facts = replace(
        facts, recovery_point=replace(facts.recovery_point, arn=continuous("S3", "prod-data"))
    )
    assert fully_managed(facts)
    assert not is_continuous(good_facts("S3").recovery_point.arn)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sb, info = start_sandbox("demo", SandboxOptions(time_scale=600))
    yield sb, info
    sb.stop()


def newest_point(sb: Sandbox, info: ScenarioInfo, vault: str, region: str, name: str) -> dict:
    backup = sb.client("backup", info.accounts["backup"], region)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName=vault)["RecoveryPoints"]
    mine = [p for p in points if p["ResourceName"] == name and p["Status"] == "COMPLETED"]
    return max(mine, key=lambda p: p["CreationDate"])


def test_check_copy_of_a_continuous_backup_fails_its_route_and_a_drill_takes_the_newest_snapshot(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    vault, region = "dr-eu-north-1", "eu-north-1"
    before = newest_point(sb, info, vault, region, "prod-payments-cluster")
    # A continuous backup newer than every snapshot of the same cluster, in the same vault.
    point = seed_recovery_point(
        info.accounts["backup"],
        region,
        vault,
        resource_arn=before["ResourceArn"],
        resource_type=before["ResourceType"],
        resource_name="prod-payments-cluster",
        created=datetime.now(UTC) - timedelta(minutes=1),
        encryption_key_arn=before.get("EncryptionKeyArn"),
        size_bytes=2**30,
        continuous=True,
    )
    assert is_continuous(point)
    assert (
        newest_point(sb, info, vault, region, "prod-payments-cluster")["RecoveryPointArn"] == point
    )

    box = Box(sb, info)
    dest = box.vault("recovery", "recovery-vault")
    result = box.cli(tmp_path, "check", "copy", "--recovery-point", point, "--to", dest, "--json")
    assert result.returncode == 1, result.stdout + result.stderr
    document = json.loads(result.stdout)
    (route,) = [c for c in document["checks"] if c["id"] == "route"]
    assert (route["status"], route["cause"]) == ("FAIL", "UNSUPPORTED_COPY_ROUTE")

    # The sandbox refuses it as AWS does (StartCopyJob "does not support continuous backups").
    role = f"arn:aws:iam::{info.accounts['backup']}:role/service-role/AWSBackupDefaultServiceRole"
    with pytest.raises(ClientError, match="continuous"):
        sb.client("backup", info.accounts["backup"], region).start_copy_job(
            RecoveryPointArn=point,
            SourceBackupVaultName=vault,
            DestinationBackupVaultArn=dest,
            IamRoleArn=role,
        )

    # A drill restoring in the vault that holds it copies nothing: it takes the continuous
    # backup, the newest point (AWS restores one to a point in time).
    backup = info.accounts["backup"]
    in_place = parse_runbook(
        f"""
name: in-place
source: {{account: "{backup}", region: {region}, vault: {vault}}}
targets:
  - name: db
    resource: {{account: "{info.accounts["prod"]}", type: Aurora, name: prod-payments-cluster}}
    restore_to: {{account: "{backup}", region: {region}, vault: {vault}}}
    allow_backup_account_restore: true
""",
        "in-place.yaml",
    )
    (planned,) = plan_drill(sessions_for(sb, info, tmp_path, read_only=True), in_place).targets
    assert planned.resolved is not None and planned.resolved.point.arn == point

    # The payments drill copies its newest Aurora point: the newest snapshot, not the
    # continuous backup (plain read-only planning, no job started).
    plan = plan_drill(sessions_for(sb, info, tmp_path, read_only=True), load_runbook(PAYMENTS))
    (db,) = [t for t in plan.targets if t.target.name == "payments-db"]
    assert db.resolved is not None
    assert db.resolved.point.arn == before["RecoveryPointArn"]
    assert plan.ok, [t.first_failure() for t in plan.targets]
