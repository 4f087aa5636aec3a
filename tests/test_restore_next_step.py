"""A restored Aurora cluster has no DB instance (AWS Backup "does not create or attach an Amazon
RDS instance to your cluster"): the restore's result says the command that adds one, in the
CLI's text and JSON, and the sandbox (plain boto3) holds the cluster without a member."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from drconsole.flows.after_restore import next_step
from tests.test_cli_copy import EU, SandboxProcess, drconsole, sandbox_process


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxProcess]:
    yield from sandbox_process()


def prod_point(sb: SandboxProcess, resource_type: str) -> str:
    backup = sb.client("backup", "prod", EU)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    chosen = [p for p in points["RecoveryPoints"] if p["ResourceType"] == resource_type]
    chosen.sort(key=lambda p: p["CreationDate"], reverse=True)
    return str(chosen[0]["RecoveryPointArn"])


def test_a_restored_aurora_cluster_comes_with_the_command_that_adds_its_instance(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    rp = prod_point(sandbox, "Aurora")
    args = ("restore", "--recovery-point", rp, "--metadata", "DBClusterIdentifier=next-step-db")
    done = drconsole(sandbox, tmp_path, *args, "--yes", "--json", "--poll-interval", "0.2")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    (finished,) = [e for e in events if e["event"] == "flow-finished"]
    then = finished["result"]["next_step"]
    assert "aws rds create-db-instance" in then
    assert "--db-cluster-identifier next-step-db " in then and f"--region {EU}" in then
    assert "--engine aurora-" in then  # the engine the restore was sent with
    # With plain boto3: the cluster exists and has no instance, so the command is needed.
    rds = sandbox.client("rds", "prod", EU)
    (cluster,) = rds.describe_db_clusters(DBClusterIdentifier="next-step-db")["DBClusters"]
    assert cluster["DBClusterMembers"] == []

    text = drconsole(
        sandbox, tmp_path / "again", *args[:3], "--metadata", "DBClusterIdentifier=next-step-db2",
        "--yes", "--poll-interval", "0.2",
    )  # fmt: skip
    assert text.returncode == 0, text.stdout[-2000:] + text.stderr
    assert "\n  next: AWS Backup restores the Aurora cluster without a DB instance" in text.stdout


def test_only_clusters_restored_without_an_instance_get_a_next_step() -> None:
    table = "arn:aws:dynamodb:eu-central-1:111111111111:table/t"
    instance = "arn:aws:rds:eu-central-1:111111111111:db:d"
    assert next_step("DynamoDB", table, None) == ""
    assert next_step("RDS", instance, None) == ""
    cluster = "arn:aws:rds:eu-central-1:111111111111:cluster:c"
    assert "aws docdb create-db-instance" in next_step("DocumentDB", cluster, None)
