"""A scenario built for a fixed instant is restored from a copy: the same answers, no requests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.scenarios.built_copies import reuse_builds
from drconsole.sandbox.server import Sandbox, SandboxOptions

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
# Members that follow the clock or an unseeded generator: two fresh builds differ in them too.
UNREPEATABLE = {
    "ResponseMetadata",
    "CreationDate",
    "CreateDate",
    "CreateTime",
    "InstanceCreateTime",
    "LatestRestorableTime",
    "LaunchTime",
    "AttachTime",
    "JoinedTimestamp",
    "CreatorRequestId",
}


def _repeatable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _repeatable(v) for k, v in value.items() if k not in UNREPEATABLE}
    if isinstance(value, list):
        return [_repeatable(v) for v in value]
    return value


def answers(sandbox: Sandbox, info: ScenarioInfo) -> str:
    """What the sandbox answers about the scenario over HTTP, then the ids it makes next."""
    seen: dict[str, Any] = {}
    organizations = sandbox.client("organizations", info.accounts["management"])
    seen["accounts"] = organizations.list_accounts()["Accounts"]
    for role, account in sorted(info.accounts.items()):
        seen[f"{role} roles"] = sandbox.client("iam", account).list_roles()["Roles"]
        for region in (info.region, info.dr_region):
            backup = sandbox.client("backup", account, region)
            vaults = backup.list_backup_vaults()["BackupVaultList"]
            seen[f"{role} {region} vaults"] = vaults
            for vault in vaults:
                name = vault["BackupVaultName"]
                seen[f"{role} {region} {name}"] = backup.list_recovery_points_by_backup_vault(
                    BackupVaultName=name
                )["RecoveryPoints"]
            seen[f"{role} {region} copy jobs"] = backup.list_copy_jobs()["CopyJobs"]
            kms = sandbox.client("kms", account, region)
            seen[f"{role} {region} aliases"] = kms.list_aliases()["Aliases"]
            ec2 = sandbox.client("ec2", account, region)
            seen[f"{role} {region} instances"] = ec2.describe_instances()["Reservations"]
    qa = info.accounts["qa"]
    seen["next key"] = sandbox.client("kms", qa).create_key()["KeyMetadata"]["KeyId"]
    seen["next vault"] = sandbox.client("backup", qa).create_backup_vault(
        BackupVaultName="made-after-the-build"
    )["BackupVaultArn"]
    return json.dumps(_repeatable(seen), sort_keys=True, default=str)


def started(**params: Any) -> tuple[Sandbox, ScenarioInfo, int]:
    """A demo sandbox and the number of requests its build sent."""
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0), **params)
    return sandbox, info, sandbox.middleware.requests


@pytest.fixture
def reuse() -> Iterator[None]:
    reuse_builds(True)
    yield
    reuse_builds(True)  # the suite's setting (tests/conftest.py)


def test_a_restored_copy_answers_as_a_fresh_build_and_the_same_ids_come_next(reuse: None) -> None:
    reuse_builds(False)
    sandbox, info, build_requests = started(now=NOW)
    try:
        fresh = answers(sandbox, info)
    finally:
        sandbox.stop()
    assert build_requests > 50

    reuse_builds(True)
    for _ in range(2):  # the first may be the build that is copied; the second is restored
        sandbox, restored_info, restore_requests = started(now=NOW)
        try:
            restored = answers(sandbox, restored_info)
        finally:
            sandbox.stop()
    assert restore_requests == 0
    assert restored_info.accounts == info.accounts
    assert restored_info.faults == info.faults
    assert restored == fresh


def test_what_a_module_changes_in_a_restored_copy_is_gone_at_the_next_restore(
    reuse: None,
) -> None:
    sandbox, info, _ = started(now=NOW)
    prod = info.accounts["prod"]
    try:
        backup = sandbox.client("backup", prod)
        before = backup.list_backup_vaults()["BackupVaultList"]
        backup.create_backup_vault(BackupVaultName="left-by-a-module")
        sandbox.client("kms", prod).delete_alias(AliasName="alias/prod-data")
    finally:
        sandbox.stop()

    sandbox, info, requests = started(now=NOW)
    try:
        assert requests == 0
        after = sandbox.client("backup", prod).list_backup_vaults()["BackupVaultList"]
        assert [v["BackupVaultName"] for v in after] == [v["BackupVaultName"] for v in before]
        aliases = sandbox.client("kms", prod).list_aliases()["Aliases"]
        assert "alias/prod-data" in {alias["AliasName"] for alias in aliases}
    finally:
        sandbox.stop()


def test_a_build_that_follows_the_clock_is_built_every_time(reuse: None) -> None:
    for _ in range(2):
        sandbox, _info, requests = started()
        sandbox.stop()
        assert requests > 50
