"""Readiness judges the route of a backup plan's copy rule: a database copied by the rule into
the backup account AND another Region is a copy AWS Backup makes in one job or not at all (a
copy rule never goes in two hops). A rule whose copy jobs AWS fails for that route makes the
row NOT READY, one whose jobs are not seen yet AT RISK, one whose jobs complete READY — in
`drconsole readiness --json`, its text and the console's Readiness screen (real CLI and app,
demo sandbox)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from drconsole.sandbox import engine, store
from drconsole.sandbox.copy_rules import MSG_UNSUPPORTED_ROUTE
from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from drconsole.tui.app import DrConsoleApp
from tests.test_readiness_two_hops import demo, prod_row, readiness, readiness_json
from tests.tui.conftest import sandbox_settings
from tests.tui.test_readiness_screen import open_readiness_row, readiness_decided

__all__ = ["demo"]  # the module's sandbox: the demo with prod READY
DATABASES = ("RDS", "Aurora")
RULE_CHECK = "readiness.copy-rule-route"


def dr_vault(sandbox: Sandbox, info: ScenarioInfo) -> str:
    """The backup account's vault in the DR Region (the copy rule's destination)."""
    backup = sandbox.client("backup", info.accounts["backup"], info.dr_region)
    (vault,) = [
        v["BackupVaultArn"]
        for v in backup.list_backup_vaults()["BackupVaultList"]
        if v["BackupVaultName"] != "Default"
    ]
    return str(vault)


@contextmanager
def copy_rule_to_dr_region(
    sandbox: Sandbox, info: ScenarioInfo, job_state: str | None
) -> Iterator[dict[str, Any]]:
    """prod's databases in the workload Region backed up by a plan whose rule copies into the
    backup account's DR-Region vault (another account AND Region); with `job_state`, the copy
    job AWS ran for each under that rule (FAILED with AWS's message for the route, or
    COMPLETED). Everything is put back afterwards. Yields the plan and the destination."""
    prod, region = info.accounts["prod"], info.region
    backup = sandbox.client("backup", prod, region)
    destination = dr_vault(sandbox, info)
    plan_id = backup.create_backup_plan(
        BackupPlan={
            # moto keeps a deleted plan's document: a name of its own for each use
            "BackupPlanName": f"prod-daily-{uuid.uuid4().hex[:8]}",
            "Rules": [
                {
                    "RuleName": "daily-with-dr-copy",
                    "TargetBackupVaultName": "prod-vault",
                    "CopyActions": [{"DestinationBackupVaultArn": destination}],
                }
            ],
        }
    )["BackupPlanId"]
    plan = backup.get_backup_plan(BackupPlanId=plan_id)
    (rule,) = plan["BackupPlan"]["Rules"]
    made_by = {
        "BackupPlanId": plan_id,
        "BackupPlanArn": plan["BackupPlanArn"],
        "BackupPlanVersion": plan["VersionId"],
        "BackupRuleId": rule["RuleId"],
    }
    points, jobs = [], []
    for resource in backup.list_protected_resources()["Results"]:
        if resource["ResourceType"] not in DATABASES:
            continue
        listed = backup.list_recovery_points_by_resource(ResourceArn=resource["ResourceArn"])
        for item in listed["RecoveryPoints"]:
            point = store.find_point(prod, region, item["RecoveryPointArn"])
            assert point is not None
            point.created_by = dict(made_by)
            points.append(point)
        if job_state is None:
            continue
        newest = max(listed["RecoveryPoints"], key=lambda p: p["CreationDate"])
        job_id = str(uuid.uuid4()).upper()
        failed = job_state == "FAILED"
        message = MSG_UNSUPPORTED_ROUTE.format(
            source_region=region,
            dest_region=info.dr_region,
            resource_type=resource["ResourceType"],
        )
        engine.seed_finished_job(
            "copy",
            job_id,
            prod,
            region,
            {
                "AccountId": prod,
                "SourceBackupVaultArn": store.find_point(
                    prod, region, newest["RecoveryPointArn"]
                ).vault_arn,  # type: ignore[union-attr]
                "SourceRecoveryPointArn": newest["RecoveryPointArn"],
                "DestinationBackupVaultArn": destination,
                "ResourceArn": resource["ResourceArn"],
                "ResourceType": resource["ResourceType"],
                "CreatedBy": made_by,
            },
            created=time.time() - 3600,
            completed=time.time() - 3500,
            state=job_state,
            status_message=message if failed else None,
        )
        jobs.append(job_id)
    assert points, "prod has no database recovery point in the demo any more"
    try:
        yield {"plan_id": plan_id, "rule_id": rule["RuleId"], "destination": destination}
    finally:
        for point in points:
            point.created_by = None
        with store.LOCK:
            for job_id in jobs:
                del store.backend_for(prod, region).extras.jobs["copy"][job_id]
        backup.delete_backup_plan(BackupPlanId=plan_id)


def rule_runs(row: dict[str, Any], destination: str) -> list[dict[str, Any]]:
    return [
        run
        for run in row["dr_copy"]
        if run["destination_vault"] == destination and run["copy_rule"] is not None
    ]


def test_a_copy_rule_aws_fails_makes_the_row_not_ready(demo: Any, tmp_path: Path) -> None:
    sandbox, info = demo
    with copy_rule_to_dr_region(sandbox, info, "FAILED") as made:
        row = prod_row(readiness_json(sandbox, info, tmp_path), info)
        text = " ".join(readiness(sandbox, info, tmp_path).split())
    destination = made["destination"]
    assert row["verdict"] == "NOT READY", row["explanation"]
    assert row["causes"][0] == "UNSUPPORTED_COPY_ROUTE", row["causes"]
    runs = rule_runs(row, destination)
    assert {run["resource_type"] for run in runs} == set(DATABASES)
    for run in runs:
        assert run["copy_rule"]["plan_id"] == made["plan_id"]
        assert run["copy_rule"]["rule_name"] == "daily-with-dr-copy"
        assert run["copy_rule"]["destinations"] == [destination]
        assert run["hops"] == 2 and run["status"] == "FAIL"
        (check,) = [c for c in run["checks"] if c["id"] == RULE_CHECK]
        assert (check["status"], check["cause"]) == ("FAIL", "UNSUPPORTED_COPY_ROUTE")
        assert destination in check["evidence"] and "Feature is not supported" in check["evidence"]
        # The remedy is AWS's two steps: through the intermediate vault readiness judged.
        assert run["intermediate"].startswith("arn:aws:backup:")
        assert f"to copy into {run['intermediate']}" in check["remediation"]
        assert f"on to {destination}" in check["remediation"]
        # Both hops of that remedy were judged, and pass in the demo.
        assert any(c.startswith("hop1.") for c in run["passed"])
        assert any(c.startswith("hop2.") for c in run["passed"])
    # No other DR copy run counts against the row: only the rule's route does.
    failing = {
        (run["resource_type"], check["id"])
        for run in row["dr_copy"] + row["copy_back"]
        for check in run["checks"]
        if check["status"] == "FAIL"
    }
    assert failing == {(kind, RULE_CHECK) for kind in DATABASES}
    assert "FAIL Copy rule's route [UNSUPPORTED_COPY_ROUTE]" in text, text
    assert "daily-with-dr-copy" in text


def test_a_copy_rule_not_seen_at_work_is_at_risk(demo: Any, tmp_path: Path) -> None:
    sandbox, info = demo
    with copy_rule_to_dr_region(sandbox, info, None) as made:
        row = prod_row(readiness_json(sandbox, info, tmp_path), info)
    assert (row["verdict"], row["causes"]) == ("AT RISK", ["UNSUPPORTED_COPY_ROUTE"])
    for run in rule_runs(row, made["destination"]):
        (check,) = [c for c in run["checks"] if c["id"] == RULE_CHECK]
        assert check["status"] == "WARN"
        assert "no copy job" in check["evidence"]


def test_a_copy_rule_aws_makes_in_one_job_stays_ready(demo: Any, tmp_path: Path) -> None:
    sandbox, info = demo
    with copy_rule_to_dr_region(sandbox, info, "COMPLETED") as made:
        row = prod_row(readiness_json(sandbox, info, tmp_path), info)
    assert (row["verdict"], row["causes"]) == ("READY", []), row["explanation"]
    runs = rule_runs(row, made["destination"])
    assert {run["resource_type"] for run in runs} == set(DATABASES)
    for run in runs:
        assert RULE_CHECK in run["passed"]
        # AWS makes it in one job: no hops to judge.
        assert run["intermediate"] is None


def test_a_deleted_plan_copies_nothing_and_is_not_judged(demo: Any, tmp_path: Path) -> None:
    sandbox, info = demo
    with copy_rule_to_dr_region(sandbox, info, "FAILED") as made:
        backup = sandbox.client("backup", info.accounts["prod"], info.region)
        backup.delete_backup_plan(BackupPlanId=made["plan_id"])
        # AWS still answers GetBackupPlan for it, with its DeletionDate.
        assert backup.get_backup_plan(BackupPlanId=made["plan_id"]).get("DeletionDate")
        row = prod_row(readiness_json(sandbox, info, tmp_path), info)
    assert (row["verdict"], row["causes"]) == ("READY", []), row["explanation"]
    assert rule_runs(row, made["destination"]) == []


def test_a_copy_rule_that_cannot_be_read_is_unknown(demo: Any, tmp_path: Path) -> None:
    sandbox, info = demo
    with copy_rule_to_dr_region(sandbox, info, "FAILED"):
        sandbox.fail_operation("backup:GetBackupPlan", "denied")
        try:
            row = prod_row(readiness_json(sandbox, info, tmp_path), info)
        finally:
            sandbox.clear_faults()
    # Where the rule sends the copies is not known: never READY, and no route guessed.
    assert (row["verdict"], row["causes"]) == ("UNKNOWN", ["ROLE_PERMISSIONS"]), row
    unknown = [
        (run["resource_type"], check["id"])
        for run in row["dr_copy"]
        for check in run["checks"]
        if check["status"] == "UNKNOWN"
    ]
    assert sorted(unknown) == sorted((kind, RULE_CHECK) for kind in DATABASES)
    assert "GetBackupPlan" in " ".join(row["explanation"])


def test_copy_jobs_that_cannot_be_read_leave_the_route_unknown(demo: Any, tmp_path: Path) -> None:
    sandbox, info = demo
    with copy_rule_to_dr_region(sandbox, info, "FAILED") as made:
        # Every copy job listing refused (those of the jobs in flight too): the rule's route
        # is then UNKNOWN, not guessed from AWS's guide.
        sandbox.fail_operation("backup:ListCopyJobs", "denied")
        try:
            row = prod_row(readiness_json(sandbox, info, tmp_path), info)
        finally:
            sandbox.clear_faults()
    assert row["verdict"] == "UNKNOWN", row
    runs = rule_runs(row, made["destination"])
    assert {run["resource_type"] for run in runs} == set(DATABASES)
    for run in runs:
        (check,) = [c for c in run["checks"] if c["id"] == RULE_CHECK]
        assert check["status"] == "UNKNOWN"
        assert made["destination"] in check["evidence"]


async def test_the_readiness_screen_agrees(demo: Any, tmp_path: Path) -> None:
    sandbox, info = demo
    settings = sandbox_settings(sandbox, info, tmp_path, retry_max_attempts=2)
    with copy_rule_to_dr_region(sandbox, info, "FAILED") as made:
        app = DrConsoleApp(settings)
        async with app.run_test(size=(120, 40)) as pilot:
            await readiness_decided(pilot)
            rows = {(r.account_name, r.region): r for r in app.readiness.rows.values()}
            prod = rows["prod", info.region]
            assert prod.verdict.value == "NOT READY"
            assert prod.causes[0].value == "UNSUPPORTED_COPY_ROUTE"
            findings = [f for f in prod.findings() if f.check.id == RULE_CHECK]
            assert {f.direction for f in findings} == {"dr-copy"}
            assert {f.destination_vault_arn for f in findings} == {made["destination"]}
            assert {t for f in findings for t in f.resource_types} == set(DATABASES)
            # Its checks screen lists the rule's check first (a FAIL) with AWS's two steps.
            await open_readiness_row(pilot, "prod")
            await pilot.pause(0.3)
            assert app.screen.shown[0].check.id == RULE_CHECK
            said = " ".join(str(app.screen.query_one("#remediation-text").render()).split())
            assert "Copy in two steps" in said, said
            assert made["destination"] in said, said
