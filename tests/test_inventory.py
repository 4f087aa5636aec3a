"""Inventory of the demo scenario over HTTP: organization, vaults, recovery points, failures."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from drconsole.aws.convert import (
    newest_per_resource,
    recovery_point_from,
    recovery_points_from_page,
)
from drconsole.aws.fastparse import decode_page
from drconsole.aws.inventory import Inventory
from drconsole.aws.point_pages import PointFilter
from drconsole.aws.session import AwsSessions
from drconsole.config import Credentials, Settings
from drconsole.errors import AwsError
from drconsole.models import AccountError, CauseCode, KeyType, RecoveryPoint, Vault, VaultBatch
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions

BULK_VAULT = "bulk-vault"
BULK_POINTS = 2345


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sandbox, info = start_sandbox("demo", SandboxOptions())
    # A vault with more recovery points than one page holds.
    from drconsole.sandbox.store import seed_recovery_point

    dev = info.accounts["dev"]
    sandbox.client("backup", dev, info.region).create_backup_vault(BackupVaultName=BULK_VAULT)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for index in range(BULK_POINTS):
        seed_recovery_point(
            dev,
            info.region,
            BULK_VAULT,
            resource_arn=f"arn:aws:ec2:{info.region}:{dev}:volume/vol-{index % 7:017x}",
            resource_type="EBS",
            created=start + timedelta(hours=index),
            encryption_key_arn=None,
            size_bytes=2**30,
        )
    yield sandbox, info
    sandbox.stop()
    sandbox.reset()


def settings_for(sandbox: Sandbox, info: ScenarioInfo, **values: Any) -> Settings:
    creds = Credentials.from_mapping(sandbox.credentials_for(info.accounts["management"]))
    return Settings(
        regions=(info.region, info.dr_region),
        endpoint_url=sandbox.endpoint_url,
        static_credentials=creds,
        read_only=True,
        **values,
    )


@pytest.fixture
def inventory(demo: tuple[Sandbox, ScenarioInfo]) -> Inventory:
    return Inventory(AwsSessions(settings_for(*demo)))


def all_vaults(
    inventory: Inventory, only: set[str] | None = None
) -> tuple[list[Vault], list[AccountError]]:
    org = inventory.organization()
    accounts = [a for a in org.accounts if only is None or a.id in only]
    vaults: list[Vault] = []
    errors: list[AccountError] = []
    for item in inventory.iter_vaults(accounts, inventory.sessions.settings.regions):
        if isinstance(item, VaultBatch):
            vaults.extend(item.vaults)
        else:
            errors.append(item)
    return vaults, errors


def test_organization_accounts_by_ou(inventory: Inventory, demo: Any) -> None:
    _, info = demo
    org = inventory.organization()
    assert org.id == info.org_id
    assert org.management_account_id == info.accounts["management"]
    by_id = {account.id: account for account in org.accounts}
    assert set(by_id) == set(info.accounts.values())
    assert by_id[info.accounts["prod"]].ou_path == "Root/Prod"
    assert by_id[info.accounts["qa"]].ou_path == "Root/Non-Prod/QA"
    assert by_id[info.accounts["dev"]].ou_path == "Root/Non-Prod/Dev"
    assert by_id[info.accounts["management"]].role == "management"
    assert by_id[info.accounts["backup"]].role == "backup"
    qa = by_id[info.accounts["qa"]]
    units = {unit.id: unit for unit in org.units}
    qa_unit = units[qa.ou_id]
    non_prod = units[qa_unit.parent_id]
    assert qa.org_path == f"{org.id}/{org.root_id}/{non_prod.id}/{qa_unit.id}/"
    assert non_prod.org_path == f"{org.id}/{org.root_id}/{non_prod.id}/"


def test_the_organization_and_its_root_are_asked_at_once(demo: Any) -> None:
    sandbox, info = demo
    sessions = AwsSessions(settings_for(sandbox, info))
    client = sessions.client("organizations")
    events: list[tuple[str, str]] = []
    client.meta.events.register(
        "before-send.organizations.*",
        lambda event_name, **_: events.append(("sent", event_name.split(".")[-1])),
    )
    client.meta.events.register(
        "after-call.organizations.*",
        lambda event_name, **_: events.append(("answered", event_name.split(".")[-1])),
    )
    sandbox.options.latency_ms = 150  # each answer comes well after both were sent
    try:
        Inventory(sessions).organization()
    finally:
        sandbox.options.latency_ms = 0
    first_answer = next(i for i, (what, _) in enumerate(events) if what == "answered")
    assert {("sent", "DescribeOrganization"), ("sent", "ListRoots")} <= set(
        events[:first_answer]
    ), events


def test_vaults_with_key_types_policies_and_counts(inventory: Inventory, demo: Any) -> None:
    _, info = demo
    vaults, errors = all_vaults(inventory)
    assert errors == []
    by_arn = {vault.arn: vault for vault in vaults}
    backup = info.accounts["backup"]
    central = by_arn[f"arn:aws:backup:{info.region}:{backup}:backup-vault:central-eu-central-1"]
    dr = by_arn[f"arn:aws:backup:{info.dr_region}:{backup}:backup-vault:dr-eu-north-1"]
    for vault in (central, dr):
        assert vault.key_type is KeyType.CUSTOMER_MANAGED
        assert vault.has_access_policy is True
        assert vault.recovery_point_count > 0
    assert by_arn[info.faults["vault_aws_managed_key"]].key_type is KeyType.AWS_MANAGED
    assert by_arn[info.faults["vault_without_access_policy"]].has_access_policy is False
    # One DescribeKey per distinct key, however many vaults share it.
    keys = {vault.encryption_key_arn for vault in vaults}
    assert inventory.sessions.requests_sent["kms:DescribeKey"] == len(keys)
    # Counts match what the recovery point listing returns.
    counted: dict[str, int] = {}
    for page in inventory.iter_all_recovery_points(vaults):
        assert isinstance(page, list)
        for point in page:
            counted[point.vault_arn] = counted.get(point.vault_arn, 0) + 1
    for vault in vaults:
        assert counted.get(vault.arn, 0) == vault.recovery_point_count, vault.arn


def test_recovery_points_paged_at_one_thousand(inventory: Inventory, demo: Any) -> None:
    vaults, _ = all_vaults(inventory)
    bulk = next(v for v in vaults if v.name == BULK_VAULT)
    assert bulk.recovery_point_count == BULK_POINTS
    before = inventory.sessions.requests_sent["backup:ListRecoveryPointsByBackupVault"]
    pages = list(inventory.iter_recovery_points(bulk))
    assert [len(page) for page in pages] == [1000, 1000, 345]
    points = [point for page in pages for point in page]
    assert len({point.arn for point in points}) == BULK_POINTS
    assert all(isinstance(point, RecoveryPoint) for point in points)
    assert inventory.sessions.requests_sent["backup:ListRecoveryPointsByBackupVault"] == before + 3


def test_fast_page_decoding_matches_botocores_parse(inventory: Inventory, demo: Any) -> None:
    sandbox, info = demo
    vaults, _ = all_vaults(inventory, {info.accounts["prod"]})
    client = sandbox.client("backup", info.accounts["prod"], info.region)
    compared = 0
    for vault in (v for v in vaults if v.region == info.region and v.recovery_point_count):
        fast = [point for page in inventory.iter_recovery_points(vault) for point in page]
        pages = client.get_paginator("list_recovery_points_by_backup_vault").paginate(
            BackupVaultName=vault.name
        )
        parsed = [
            recovery_point_from(item, vault.account_id, vault.region, vault.name)
            for page in pages
            for item in page["RecoveryPoints"]
        ]
        assert fast == parsed and all(p.created.utcoffset() == timedelta(0) for p in fast)
        compared += len(fast)
    assert compared > 50


def test_a_page_with_an_epoch_in_a_string_is_read() -> None:
    body = (
        b'{"RecoveryPoints": [{"RecoveryPointArn": "arn:aws:backup:eu-central-1:111122223333:'
        b'recovery-point:1", "CreationDate": "1763892000.5", "BackupSizeInBytes": 12,'
        b' "Status": "COMPLETED"}], "NextToken": "t"}'
    )
    answer = decode_page(body)
    assert answer["NextToken"] == "t"
    [point] = recovery_points_from_page(answer["RecoveryPoints"], "111122223333", "r", "v")
    assert point.created == datetime.fromtimestamp(1763892000.5, UTC)
    assert point.size_bytes == 12 and point.status == "COMPLETED"
    # A member msgspec cannot type sends the page through json.loads, with the same result.
    odd = body.replace(b'"Status": "COMPLETED"', b'"Status": "COMPLETED", "ResourceName": 7')
    fallback = decode_page(odd)["RecoveryPoints"]
    assert isinstance(fallback[0], dict)
    [same] = recovery_points_from_page(fallback, "111122223333", "r", "v")
    assert (same.arn, same.created, same.size_bytes) == (point.arn, point.created, 12)


def test_filters_by_resource_type_and_creation(inventory: Inventory, demo: Any) -> None:
    vaults, _ = all_vaults(inventory)
    since = datetime.now(UTC) - timedelta(days=7)
    wanted = PointFilter(resource_type="RDS", created_after=since)
    points = [
        point
        for page in inventory.iter_all_recovery_points(vaults, wanted)
        if isinstance(page, list)
        for point in page
    ]
    everything = [
        point
        for page in inventory.iter_all_recovery_points(vaults)
        if isinstance(page, list)
        for point in page
    ]
    expected = {p.arn for p in everything if p.resource_type == "RDS" and p.created >= since}
    assert expected
    assert {point.arn for point in points} == expected


def test_protected_resources_show_the_newest_recovery_point(
    inventory: Inventory, demo: Any
) -> None:
    _, info = demo
    prod = info.accounts["prod"]
    resources = inventory.protected_resources(prod, info.region)
    assert resources
    vaults = [
        v for v in all_vaults(inventory)[0] if v.account_id == prod and v.region == info.region
    ]
    points = [
        p
        for page in inventory.iter_all_recovery_points(vaults)
        if isinstance(page, list)
        for p in page
    ]
    newest = {r.resource_arn: r for r in newest_per_resource(points)}
    for resource in resources:
        assert (
            resource.last_recovery_point_arn
            == newest[resource.resource_arn].last_recovery_point_arn
        )


def test_access_denied_account_is_recorded_while_others_load(demo: Any) -> None:
    sandbox, info = demo
    qa = info.accounts["qa"]
    sandbox.options.access_denied_accounts = {qa}
    try:
        inventory = Inventory(AwsSessions(settings_for(sandbox, info)))
        vaults, errors = all_vaults(inventory)
    finally:
        sandbox.options.access_denied_accounts = set()
    assert {(e.account_id, e.region) for e in errors} == {(qa, info.region), (qa, info.dr_region)}
    assert all(e.cause is CauseCode.ROLE_PERMISSIONS for e in errors)
    assert all(e.code == "AccessDeniedException" or "AccessDenied" in e.code for e in errors)
    assert all("\n" not in e.message for e in errors)
    assert {v.account_id for v in vaults} == {
        info.accounts[r] for r in ("backup", "prod", "dev", "recovery")
    }


def test_throttling_is_absorbed_by_retries(demo: Any) -> None:
    sandbox, info = demo
    # Two accounts keep the test short: adaptive retries slow a throttled client down on purpose.
    only = {info.accounts["prod"], info.accounts["qa"]}
    calm = Inventory(AwsSessions(settings_for(sandbox, info)))
    calm.organization()
    calm_org_calls = sum(calm.sessions.requests_sent.values())
    expected, _ = all_vaults(calm, only)
    stormy = Inventory(AwsSessions(settings_for(sandbox, info)))
    stormy.organization()
    sent_before = sum(stormy.sessions.requests_sent.values())
    # The sandbox draws from `random`: with this seed, 2 of the first 6 requests are throttled.
    random.seed(2)
    sandbox.options.throttle_rate = 0.2
    try:
        vaults, errors = all_vaults(stormy, only)
    finally:
        sandbox.options.throttle_rate = 0.0
    assert errors == []
    assert sorted(vaults, key=lambda v: v.arn) == sorted(expected, key=lambda v: v.arn)
    calm_calls = sum(calm.sessions.requests_sent.values()) - calm_org_calls
    assert sum(stormy.sessions.requests_sent.values()) - sent_before >= calm_calls + 2


def test_single_vault_failure_raises_a_one_line_aws_error(demo: Any) -> None:
    sandbox, info = demo
    inventory = Inventory(AwsSessions(settings_for(sandbox, info)))
    vaults, _ = all_vaults(inventory)
    vault = next(v for v in vaults if v.account_id == info.accounts["prod"])
    sandbox.options.access_denied_accounts = {info.accounts["prod"]}
    try:
        with pytest.raises(AwsError) as caught:
            list(inventory.iter_recovery_points(vault))
    finally:
        sandbox.options.access_denied_accounts = set()
    assert caught.value.cause == CauseCode.ROLE_PERMISSIONS
    assert vault.arn in str(caught.value)
