"""Scenario `large` with small parameters, and the repeatability of `demo`, over HTTP."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from drconsole.sandbox.scenarios import build_scenario
from drconsole.sandbox.scenarios.clients import ScenarioClients
from drconsole.sandbox.server import Sandbox, SandboxOptions

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
REGIONS = ("eu-central-1", "eu-north-1")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    sandbox = Sandbox(SandboxOptions(time_scale=3600.0))
    sandbox.start()
    try:
        yield sandbox
    finally:
        sandbox.stop()
        sandbox.reset()


def all_points(clients: ScenarioClients, account_id: str, region: str) -> list[dict[str, Any]]:
    backup = clients.client("backup", account_id, region)
    points: list[dict[str, Any]] = []
    for vault in backup.list_backup_vaults()["BackupVaultList"]:
        pages = backup.get_paginator("list_recovery_points_by_backup_vault").paginate(
            BackupVaultName=vault["BackupVaultName"]
        )
        points.extend(point for page in pages for point in page["RecoveryPoints"])
    return points


def test_large_builds_with_small_parameters(sandbox: Sandbox) -> None:
    sandbox.reset()
    info = build_scenario(
        sandbox, "large", accounts=9, vaults_per_account=2, recovery_points=1234, now=NOW
    )
    assert info.name == "large"
    assert info.recovery_point_count == 1234
    assert len(info.accounts) == 9
    assert {"management", "backup", "prod", "qa", "dev", "member-001"} <= set(info.accounts)
    clients = ScenarioClients(sandbox)
    org = clients.client("organizations", info.accounts["management"], REGIONS[0])
    listed = org.list_accounts()["Accounts"]
    assert {a["Id"] for a in listed} == set(info.accounts.values())
    root = org.list_roots()["Roots"][0]["Id"]
    top = {
        ou["Name"]
        for ou in org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
    }
    assert {"Security", "Prod", "Non-Prod", "Workloads"} <= top

    seen = 0
    types: Counter[str] = Counter()
    for role, account_id in info.accounts.items():
        for region in REGIONS:
            backup = clients.client("backup", account_id, region)
            vaults = backup.list_backup_vaults()["BackupVaultList"]
            assert len(vaults) == (0 if role == "management" else 2), (role, region)
            for vault in vaults:
                kms = clients.client("kms", account_id, region)
                key = kms.describe_key(KeyId=vault["EncryptionKeyArn"])["KeyMetadata"]
                assert key["KeyManager"] == "CUSTOMER"
                assert backup.get_backup_vault_access_policy(
                    BackupVaultName=vault["BackupVaultName"]
                )["Policy"]
            points = all_points(clients, account_id, region)
            seen += len(points)
            for point in points:
                types[point["ResourceType"]] += 1
                assert NOW - timedelta(days=31) < point["CreationDate"] < NOW
    assert seen == 1234
    assert set(types) == {"EBS", "EC2", "RDS", "Aurora", "DynamoDB", "EFS", "S3"}

    iam = clients.client("iam", info.accounts["member-001"], REGIONS[0])
    assert iam.get_role(RoleName="AWSServiceRoleForBackup")["Role"]["Path"] == (
        "/aws-service-role/backup.amazonaws.com/"
    )
    assert iam.get_role(RoleName="AWSBackupDefaultServiceRole")["Role"]
    settings = clients.client("backup", info.accounts["management"], REGIONS[0])
    global_settings = settings.describe_global_settings()["GlobalSettings"]
    assert global_settings["isCrossAccountBackupEnabled"] == "true"


def test_large_refuses_too_few_accounts(sandbox: Sandbox) -> None:
    sandbox.reset()
    with pytest.raises(ValueError, match="at least 5 accounts"):
        build_scenario(sandbox, "large", accounts=4, recovery_points=10)


def demo_snapshot(sandbox: Sandbox) -> tuple[Any, ...]:
    sandbox.reset()
    info = build_scenario(sandbox, "demo", now=NOW)
    clients = ScenarioClients(sandbox)
    points = all_points(clients, info.accounts["prod"], REGIONS[0])
    summary = sorted(
        (
            p["ResourceName"],
            p["ResourceType"],
            p["CreationDate"],
            p["BackupSizeInBytes"],
            p["RecoveryPointArn"],
        )
        for p in points
    )
    return info.org_id, tuple(sorted(info.accounts.items())), tuple(summary)


def test_demo_is_the_same_every_time(sandbox: Sandbox) -> None:
    first = demo_snapshot(sandbox)
    second = demo_snapshot(sandbox)
    assert first == second
    assert len(first[2]) > 200
