"""Resource types drconsole does not copy or restore: judged UNKNOWN or refused, never guessed.

The real CLI in a subprocess against the demo sandbox, on recovery points of types beyond the
demo's seven: one AWS Backup has but drconsole has no restore form for (FSx), and one it has
never heard of (AWS adds types every year).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from drconsole.flows import restore_forms as forms
from drconsole.resource_types import COPYABLE_TYPES, FEATURE_TABLE, RESTORABLE_TYPES
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from drconsole.sandbox.store import seed_recovery_point
from tests import forked_cli
from tests.demo_cli import demo_cli_env

ROOT = Path(__file__).resolve().parent.parent
NEW_TYPE = "Quantum Ledger"  # no such AWS Backup resource type, yet


@dataclass
class Env:
    sandbox: Sandbox
    info: ScenarioInfo
    env: dict[str, str]

    def vault(self, role: str, name: str, region: str = "") -> str:
        region = region or self.info.region
        return f"arn:aws:backup:{region}:{self.info.accounts[role]}:backup-vault:{name}"

    def backup(self, role: str, region: str = "") -> Any:
        return self.sandbox.client("backup", self.info.accounts[role], region or self.info.region)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    home = tmp_path_factory.mktemp("home")
    try:
        yield Env(sandbox, info, demo_cli_env(sandbox, info, home))
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
        timeout=120,
    )


def seed(demo: Env, resource_type: str, name: str, resource_arn: str = "") -> str:
    """A prod recovery point of `resource_type` in prod-vault, on the prod key shared with the
    backup account: every other copy and restore rule is met."""
    prod, region = demo.info.accounts["prod"], demo.info.region
    key = demo.sandbox.client("kms", prod, region).describe_key(KeyId="alias/prod-data")
    return seed_recovery_point(
        prod,
        region,
        "prod-vault",
        resource_arn=resource_arn or f"arn:aws:quantum:{region}:{prod}:ledger/{name}",
        resource_type=resource_type,
        resource_name=name,
        created=datetime.now(UTC) - timedelta(hours=3),
        encryption_key_arn=key["KeyMetadata"]["Arn"],
        size_bytes=2**30,
    )


def checks_of(result: subprocess.CompletedProcess[str]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in json.loads(result.stdout)["checks"]}


def test_the_type_lists_agree() -> None:
    # One list of restorable types: the restore forms, the restore check and the flow share it.
    assert set(forms.FIELDS) == set(RESTORABLE_TYPES)
    assert set(RESTORABLE_TYPES) <= COPYABLE_TYPES


@pytest.mark.parametrize(
    ("where", "region"),
    [("backup", "eu-north-1"), ("prod", "")],
    ids=["cross-account-and-Region", "same-account-and-Region"],
)
def test_a_copy_of_a_type_drconsole_does_not_know_is_unknown_and_not_started(
    demo: Env, where: str, region: str
) -> None:
    rp = seed(demo, NEW_TYPE, f"ledger-{where}")
    dest = (
        demo.vault("backup", "central-eu-north-1", "eu-north-1")
        if where == "backup"
        else demo.vault("prod", "prod-vault")
    )
    if where == "prod":
        # A copy into its own vault is no copy: another vault of prod in eu-central-1.
        demo.backup("prod").create_backup_vault(BackupVaultName="prod-spare")
        dest = demo.vault("prod", "prod-spare")
    checked = drconsole(demo, "check", "copy", "--recovery-point", rp, "--to", dest, "--json")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    route = checks_of(checked)["route"]
    assert (route["status"], route["cause"]) == ("UNKNOWN", "UNSUPPORTED_COPY_ROUTE")
    assert f"'{NEW_TYPE}'" in route["evidence"]
    assert FEATURE_TABLE in route["remediation"]
    assert "aws backup start-copy-job --source-backup-vault-name prod-vault" in route["remediation"]
    copied = drconsole(demo, "copy", "--recovery-point", rp, "--to", dest, "--yes", "--json")
    assert copied.returncode == 1, copied.stdout + copied.stderr
    # Nothing was sent to AWS: no copy job of that recovery point exists.
    jobs = demo.backup("prod").list_copy_jobs(BySourceRecoveryPointArn=rp)["CopyJobs"]
    assert jobs == []


def test_a_type_aws_copies_still_copies(demo: Env) -> None:
    # Timestream: "You can copy these table backups to other accounts and several other AWS
    # Regions" (AWS Backup, Amazon Timestream backups): no UNKNOWN for it.
    rp = seed(demo, "Timestream", "metrics")
    dest = demo.vault("backup", "central-eu-central-1")
    checked = drconsole(demo, "check", "copy", "--recovery-point", rp, "--to", dest, "--json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checks_of(checked)["route"]["status"] == "PASS"


@pytest.mark.parametrize("resource_type", ["FSx", "DocumentDB", NEW_TYPE])
def test_check_restore_of_a_type_without_a_restore_form_is_unknown(
    demo: Env, resource_type: str
) -> None:
    rp = seed(demo, resource_type, f"restore-{len(resource_type)}")
    checked = drconsole(demo, "check", "restore", "--recovery-point", rp, "--json")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    metadata = checks_of(checked)["restore.metadata"]
    assert metadata["status"] == "UNKNOWN", metadata
    assert f"not '{resource_type}'" in metadata["evidence"]
    assert "aws backup get-recovery-point-restore-metadata" in metadata["remediation"]
    assert f"aws backup start-restore-job --recovery-point-arn {rp}" in metadata["remediation"]


def test_restore_of_a_type_without_a_restore_form_is_refused_in_one_line(demo: Env) -> None:
    rp = seed(demo, NEW_TYPE, "restore-refused")
    restored = drconsole(demo, "restore", "--recovery-point", rp, "--yes", "--json")
    assert restored.returncode == 2, restored.stdout + restored.stderr
    (line,) = restored.stderr.strip().splitlines()
    # `restore` has no --restore flag: the line names what it was given.
    assert line.startswith(f"drconsole: --recovery-point {rp}: "), line
    assert "aws backup start-restore-job" in line
    assert "role/service-role/AWSBackupDefaultServiceRole" in line
    jobs = demo.backup("prod").list_restore_jobs()["RestoreJobs"]
    assert [j for j in jobs if j["RecoveryPointArn"] == rp] == []


def test_an_rds_multi_az_db_cluster_snapshot_is_not_restored_as_a_db_instance(demo: Env) -> None:
    # A Multi-AZ DB cluster (resource type RDS) is backed up as a DB cluster snapshot; the RDS
    # form restores a DB instance (DBInstanceIdentifier), which is not what AWS restores it as.
    prod, region = demo.info.accounts["prod"], demo.info.region
    cluster = f"arn:aws:rds:{region}:{prod}:cluster:orders-maz"
    rp = seed(demo, "RDS", "orders-maz", resource_arn=cluster)
    assert ":cluster-snapshot:" in rp
    checked = drconsole(demo, "check", "restore", "--recovery-point", rp, "--json")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    metadata = checks_of(checked)["restore.metadata"]
    assert metadata["status"] == "UNKNOWN", metadata
    assert "Multi-AZ DB cluster snapshot" in metadata["evidence"]
    restored = drconsole(demo, "restore", "--recovery-point", rp, "--yes", "--json")
    assert restored.returncode == 2, restored.stdout + restored.stderr
    assert "Multi-AZ DB cluster snapshot" in restored.stderr
    jobs = demo.backup("prod").list_restore_jobs()["RestoreJobs"]
    assert [j for j in jobs if j["RecoveryPointArn"] == rp] == []
    rds = demo.sandbox.client("rds", prod, region)
    made = [i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]]
    assert not [name for name in made if name.startswith("orders-maz")], made


def test_ls_refuses_a_type_filter_it_does_not_know_with_a_way_to_list_it(demo: Env) -> None:
    seed(demo, "EKS", "cluster-backup")
    refused = drconsole(demo, "ls", "recovery-points", "--resource-type", "EKS", "--json")
    assert refused.returncode == 2 and refused.stdout == ""
    (line,) = refused.stderr.strip().splitlines()
    assert "--resource-type 'EKS': unknown resource type" in line
    assert "jq '.items[] | select(.resource_type == \"TYPE\")'" in line
    # The way it names works: the listing carries the type as AWS gives it.
    listed = drconsole(demo, "ls", "recovery-points", "--account", "prod", "--json")
    assert listed.returncode == 0, listed.stderr
    items = json.loads(listed.stdout)["items"]
    assert [i["resource_name"] for i in items if i["resource_type"] == "EKS"] == ["cluster-backup"]


def test_a_drill_of_a_type_drconsole_does_not_restore_is_not_ready(
    demo: Env, tmp_path: Path
) -> None:
    # `drill plan` shares the restore checks: it must not call ready a target `drill run` fails.
    prod, recovery = demo.info.accounts["prod"], demo.info.accounts["recovery"]
    backup, region = demo.info.accounts["backup"], demo.info.region
    resource = f"arn:aws:fsx:{region}:{prod}:file-system/fs-0123456789abcdef1"
    # The DR copy in the backup account, on its vault key (shared with the recovery account).
    vault = demo.backup("backup").describe_backup_vault(BackupVaultName="central-eu-central-1")
    seed_recovery_point(
        backup,
        region,
        "central-eu-central-1",
        resource_arn=resource,
        resource_type="FSx",
        resource_name="team-shares",
        created=datetime.now(UTC) - timedelta(hours=3),
        encryption_key_arn=vault["EncryptionKeyArn"],
        size_bytes=2**30,
    )
    runbook = tmp_path / "shares.yaml"
    runbook.write_text(
        "name: shares\n"
        "objectives: {rpo: 36h, rto: 2h}\n"
        f'source: {{account: "{backup}", region: {region}, vault: central-eu-central-1}}\n'
        f'restore_to: {{account: "{recovery}", region: {demo.info.region}, '
        "vault: recovery-vault}\n"
        "targets:\n"
        "  - name: shares\n"
        f'    resource: "{resource}"\n'
    )
    planned = drconsole(demo, "drill", "plan", str(runbook))
    assert planned.returncode == 1, planned.stdout + planned.stderr
    assert "checks of hop1: 17 pass, 0 not" in planned.stdout  # the copy itself is fine
    assert "UNKNOWN restore.metadata" in planned.stdout and "not 'FSx'" in planned.stdout


def test_copy_with_restore_of_a_type_drconsole_does_not_restore_starts_nothing(
    demo: Env,
) -> None:
    rp = seed(demo, "Timestream", "metrics-restore")
    dest = demo.vault("backup", "central-eu-central-1")
    copied = drconsole(demo, "copy", "--recovery-point", rp, "--to", dest, "--restore", "--yes")
    assert copied.returncode == 2, copied.stdout + copied.stderr
    (line,) = copied.stderr.strip().splitlines()
    assert "not 'Timestream'" in line and "Only its copy can be made here" in line
    assert demo.backup("prod").list_copy_jobs(BySourceRecoveryPointArn=rp)["CopyJobs"] == []


def test_check_copy_with_restore_names_the_restore_of_the_copy(demo: Env) -> None:
    # Before a copy with a restore, the by-hand restore is the copy's, in the destination vault.
    rp = seed(demo, "FSx", "shares-copied")
    dest = demo.vault("backup", "central-eu-central-1")
    checked = drconsole(
        demo, "check", "copy", "--recovery-point", rp, "--to", dest, "--restore", "--json"
    )
    assert checked.returncode == 1, checked.stdout + checked.stderr
    restore = json.loads(checked.stdout)["restore"]["checks"]
    (metadata,) = [c for c in restore if c["id"] == "restore.metadata"]
    assert metadata["status"] == "UNKNOWN", metadata
    fix = metadata["remediation"]
    assert fix.startswith("Copy it without --restore, then restore the copy"), fix
    assert "--backup-vault-name central-eu-central-1 --recovery-point-arn COPY_ARN" in fix
    assert f"--recovery-point-arn {rp}" not in fix
