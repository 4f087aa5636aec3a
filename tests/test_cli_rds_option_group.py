"""An RDS DB snapshot whose option group holds a persistent option (Oracle's Timezone) copied into
another Region: `check copy` FAILs it with RDS_OPTION_GROUP before anything starts, `copy`
starts no job, and the sandbox's copy job, forced with plain boto3, fails with RDS's message,
which `explain` classifies the same way (real CLI against the demo sandbox over HTTP)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.copy_check_cli import (
    check_named,
    checked,
    copy_jobs,
    demo_env,
    drconsole,
    prod_dr_vault,
)
from tests.rds_option_groups import TIMEZONE, backed_up_database, option_group, wait
from tests.test_cli_check import Env

CHECK_ID = "route.option-group"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    yield from demo_env(tmp_path_factory)


@pytest.fixture(scope="module")
def timezone_point(demo: Env) -> str:
    """prod's backup of an Oracle DB instance whose option group holds Timezone."""
    prod = demo.info.accounts["prod"]
    option_group(demo.sandbox.client("rds", prod, demo.info.region), "ledger-tz", TIMEZONE)
    return backed_up_database(demo.sandbox, prod, demo.info.region, "ledger", "ledger-tz")


def the_check(report: dict[str, Any], check_id: str = CHECK_ID) -> dict[str, Any]:
    return check_named(report, check_id)


def test_check_copy_into_another_region_fails_with_rds_option_group(
    demo: Env, timezone_point: str
) -> None:
    code, report = checked(demo, timezone_point, prod_dr_vault(demo))
    check = the_check(report)
    assert code == 1 and report["ok"] is False
    assert (check["status"], check["cause"]) == ("FAIL", "RDS_OPTION_GROUP"), check
    assert "ledger-tz" in check["evidence"] and "Timezone" in check["evidence"]
    assert "aws rds copy-option-group" in check["remediation"]
    assert f"--region {demo.info.dr_region}" in check["remediation"]
    # The one finding: every other check of this same-account copy passes.
    assert [c["id"] for c in report["checks"] if c["status"] != "PASS"] == [CHECK_ID]


def test_the_same_point_copied_within_its_region_passes(demo: Env, timezone_point: str) -> None:
    central = demo.vault("backup", "central-eu-central-1")
    _, report = checked(demo, timezone_point, central)
    assert the_check(report)["status"] == "PASS", the_check(report)


def test_a_default_option_group_passes_across_regions(demo: Env) -> None:
    prod = demo.info.accounts["prod"]
    rp = backed_up_database(demo.sandbox, prod, demo.info.region, "ledger-plain")
    code, report = checked(demo, rp, prod_dr_vault(demo))
    check = the_check(report)
    assert check["status"] == "PASS" and "default:oracle-ee" in check["evidence"], check
    assert code == 0, report


def test_copy_starts_no_job(demo: Env, timezone_point: str) -> None:
    before = len(copy_jobs(demo))
    args = ["--recovery-point", timezone_point, "--to", prod_dr_vault(demo), "--yes", "--json"]
    result = drconsole(demo, "copy", *args)
    assert result.returncode == 1, result.stdout + result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    checks = [c for e in events if e.get("event") == "checks" for c in e.get("checks", [])]
    assert any(c["id"] == CHECK_ID and c["status"] == "FAIL" for c in checks), events
    assert "job-started" not in {e.get("event") for e in events}
    assert len(copy_jobs(demo)) == before


def test_a_forced_copy_job_fails_with_rds_message_that_explain_classifies(
    demo: Env, timezone_point: str
) -> None:
    prod = demo.info.accounts["prod"]
    backup = demo.sandbox.client("backup", prod, demo.info.region)
    started = backup.start_copy_job(  # AWS lets it start: the job fails later
        RecoveryPointArn=timezone_point,
        SourceBackupVaultName="prod-vault",
        DestinationBackupVaultArn=prod_dr_vault(demo),
        IamRoleArn=f"arn:aws:iam::{prod}:role/service-role/AWSBackupDefaultServiceRole",
    )
    job = wait(lambda: backup.describe_copy_job(CopyJobId=started["CopyJobId"]))
    message = "The snapshot requires a target option group with the following options: [Timezone]"
    assert (job["State"], job["StatusMessage"]) == ("FAILED", message)
    explained = drconsole(demo, "explain", message, "--json")
    diagnosis = json.loads(explained.stdout)
    assert diagnosis["cause"] == "RDS_OPTION_GROUP", explained.stdout
    assert "--options OptionName=Timezone" in diagnosis["remediation"], diagnosis


def test_an_unreadable_snapshot_is_unknown_never_pass(demo: Env, timezone_point: str) -> None:
    demo.sandbox.fail_operation("rds:DescribeDBSnapshots", "denied")
    try:
        code, report = checked(demo, timezone_point, prod_dr_vault(demo))
    finally:
        demo.sandbox.clear_faults()
    check = the_check(report)
    assert (check["status"], check["cause"]) == ("UNKNOWN", "ROLE_PERMISSIONS"), check
    assert "rds:DescribeDBSnapshots" in check["evidence"]
    assert code == 1


def test_a_cross_account_and_region_route_fails_on_the_hop_that_crosses_the_region(
    demo: Env, timezone_point: str
) -> None:
    backup, region = demo.info.accounts["backup"], demo.info.dr_region
    dr = f"arn:aws:backup:{region}:{backup}:backup-vault:dr-{region}"
    _, report = checked(demo, timezone_point, dr)
    assert the_check(report)["status"] == "FAIL", the_check(report)
    # Through the backup account's vault in eu-central-1: the second hop crosses the Region,
    # and is judged on the source snapshot's option group before the first hop starts.
    assert report["route"]["hops"] == 2, report["route"]
    second = the_check(report, f"hop2.{CHECK_ID}")
    assert (second["status"], second["cause"]) == ("FAIL", "RDS_OPTION_GROUP"), second


def test_an_option_group_made_in_the_destination_region_lets_the_copy_complete(
    demo: Env,
) -> None:
    prod = demo.info.accounts["prod"]
    option_group(demo.sandbox.client("rds", prod, demo.info.region), "vault-tz", TIMEZONE)
    rp = backed_up_database(demo.sandbox, prod, demo.info.region, "vault-db", "vault-tz")
    option_group(demo.sandbox.client("rds", prod, demo.info.dr_region), "vault-tz", TIMEZONE)
    code, report = checked(demo, rp, prod_dr_vault(demo))
    assert the_check(report)["status"] == "PASS" and code == 0, the_check(report)
    result = drconsole(demo, "copy", "--recovery-point", rp, "--to", prod_dr_vault(demo), "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    # As AWS documents it, the copy carries the engine's default option group, not vault-tz.
    backup = demo.sandbox.client("backup", prod, demo.info.dr_region)
    listed = backup.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    copy = next(p for p in listed["RecoveryPoints"] if p["ResourceName"] == "vault-db")
    snapshot_id = copy["RecoveryPointArn"].split(":snapshot:")[1]
    rds = demo.sandbox.client("rds", prod, demo.info.dr_region)
    described = rds.describe_db_snapshots(DBSnapshotIdentifier=snapshot_id)["DBSnapshots"][0]
    assert described["OptionGroupName"].startswith("default:oracle-ee-"), described


def test_drill_plan_stops_the_target_before_anything_starts(
    demo: Env, timezone_point: str, tmp_path: Path
) -> None:
    prod, region, dr = demo.info.accounts["prod"], demo.info.region, demo.info.dr_region
    runbook = tmp_path / "ledger.yaml"
    runbook.write_text(
        f"""name: ledger
source: {{account: "{prod}", region: {region}, vault: prod-vault}}
restore_to: {{account: "{prod}", region: {dr}, vault: prod-vault}}
targets:
  - name: ledger
    resource: {{account: "{prod}", type: RDS, name: ledger}}
"""
    )
    result = drconsole(demo, "--read-only", "drill", "plan", str(runbook), "--json")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "RDS_OPTION_GROUP" in result.stdout and CHECK_ID in result.stdout, result.stdout
