"""The TUI checks panel shows the option-group check of an RDS DB snapshot copied into another
Region (the console's copy wizard judges a copy with the same panel), against the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from drconsole.aws.session import AwsSessions
from drconsole.models import CauseCode, CheckStatus, RecoveryPoint
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from drconsole.tui.checks_screen import ChecksScreen
from tests.rds_option_groups import TIMEZONE, backed_up_database, option_group
from tests.test_checks_screen import Host, settings_for, settle


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    try:
        yield sandbox, info
    finally:
        sandbox.stop()
        sandbox.reset()


async def test_the_panel_fails_the_copy_with_rds_option_group(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: object
) -> None:
    sandbox, info = demo
    prod = info.accounts["prod"]
    option_group(sandbox.client("rds", prod, info.region), "panel-tz", TIMEZONE)
    arn = backed_up_database(sandbox, prod, info.region, "panel-db", "panel-tz")
    found = sandbox.client("backup", prod, info.region).describe_recovery_point(
        BackupVaultName="prod-vault", RecoveryPointArn=arn
    )
    point = RecoveryPoint(
        arn=arn,
        vault_name="prod-vault",
        account_id=prod,
        region=info.region,
        resource_arn=found["ResourceArn"],
        resource_type="RDS",
        resource_name=found.get("ResourceName", ""),
        created=datetime.now(UTC),
        status=found["Status"],
        size_bytes=None,
        encryption_key_arn=found.get("EncryptionKeyArn", ""),
        is_encrypted=True,
        source_vault_arn=None,
        expires=None,
    )
    settings = replace(settings_for(sandbox, info, tmp_path), regions=(info.region, info.dr_region))
    destination = f"arn:aws:backup:{info.dr_region}:{prod}:backup-vault:prod-vault"
    screen = ChecksScreen(point, settings, AwsSessions(settings), destination=destination)
    async with Host(screen).run_test(size=(140, 40)) as pilot:
        await settle(screen, pilot)
        not_passing = [
            (group, check.id, check.status, check.cause)
            for group, check in screen.ordered()
            if check.status is not CheckStatus.PASS and group != "restore"
        ]
    assert not_passing == [
        ("route", "route.option-group", CheckStatus.FAIL, CauseCode.RDS_OPTION_GROUP)
    ]
