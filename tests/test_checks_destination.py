"""The checks screen at 80x24 says, whole, which destination its verdicts are for (account
name and id, Region, vault), follows the destination typed or chosen, and does not take a copy
into the backup account for the default of a DR copy already there."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.widgets import Input, Select

from drconsole.aws.session import AwsSessions
from drconsole.models import CheckStatus, RecoveryPoint
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from drconsole.tui.checks_screen import ChecksScreen
from tests.test_checks_screen import Host, recovery_point, settings_for, settle
from tests.tui.test_narrow import screen_lines


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    try:
        yield sandbox, info
    finally:
        sandbox.stop()
        sandbox.reset()


def on_screen(app: Host) -> str:
    """The screen's text, its lines joined (a wrapped sentence reads whole)."""
    return re.sub(r"\s+", " ", " ".join(screen_lines(app)))


async def until_on_screen(app: Host, pilot: object, text: str) -> None:
    for _ in range(200):
        await pilot.pause()  # type: ignore[attr-defined]
        if text in on_screen(app):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{text!r} not on screen:\n" + "\n".join(screen_lines(app)))


def vault(info: ScenarioInfo, role: str, name: str, region: str | None = None) -> str:
    return f"arn:aws:backup:{region or info.region}:{info.accounts[role]}:backup-vault:{name}"


def dr_copy_of_a_dr_copy(sandbox: Sandbox, info: ScenarioInfo) -> RecoveryPoint:
    """A recovery point of dr-eu-north-1 (backup account) copied from central-eu-central-1,
    the backup account's own vault."""
    backup = info.accounts["backup"]
    client = sandbox.client("backup", backup, info.dr_region)
    central = vault(info, "backup", "central-eu-central-1")
    found = next(
        p
        for p in client.list_recovery_points_by_backup_vault(BackupVaultName="dr-eu-north-1")[
            "RecoveryPoints"
        ]
        if p.get("SourceBackupVaultArn") == central and p["Status"] == "COMPLETED"
    )
    return RecoveryPoint(
        arn=found["RecoveryPointArn"],
        vault_name="dr-eu-north-1",
        account_id=backup,
        region=info.dr_region,
        resource_arn=found["ResourceArn"],
        resource_type=found["ResourceType"],
        resource_name=found.get("ResourceName", ""),
        created=datetime.now(UTC),
        status=found["Status"],
        size_bytes=None,
        encryption_key_arn=found.get("EncryptionKeyArn", ""),
        is_encrypted=True,
        source_vault_arn=central,
        expires=None,
    )


def names_the_vault(screen: ChecksScreen, name: str, account: str) -> None:
    """The verdicts are for that vault: the destination's checks and the restore's account."""
    destination = [c.evidence for c in screen.rows["destination"]]
    assert any(name in evidence for evidence in destination), destination
    restore = {c.id: c for c in screen.rows["restore"]}
    assert f"account {account} " in restore["restore.account"].evidence


async def test_a_dr_copy_in_the_backup_account_asks_for_its_destination_and_names_it(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sandbox, info = demo
    backup, prod, qa = (info.accounts[r] for r in ("backup", "prod", "qa"))
    point = dr_copy_of_a_dr_copy(sandbox, info)
    settings = settings_for(sandbox, info, tmp_path)
    screen = ChecksScreen(point, settings, AwsSessions(settings))
    app = Host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(screen, pilot)
        # No copy into the backup account is assumed: only the restore rows, said to be in place.
        assert screen.destination == ""
        assert {group for group, _ in screen.ordered()} == {"restore"}
        await until_on_screen(
            app,
            pilot,
            "No destination chosen: this copy came from backup "
            f"({backup}) {info.region} central-eu-central-1, in the backup account",
        )
        assert (
            f"Restore rows: in place, in backup ({backup}) {info.dr_region} — the backup account"
            in on_screen(app)
        )

        # Typed: the words name prod's vault whole, and the verdicts are for it.
        await pilot.press("d")
        field = screen.query_one("#destination", Input)
        assert screen.focused is field
        field.value = vault(info, "prod", "prod-vault")
        await pilot.press("enter")
        await settle(screen, pilot)
        await until_on_screen(
            app, pilot, f"Copy to prod ({prod}) {info.region} prod-vault, then restore there"
        )
        names_the_vault(screen, "prod-vault", prod)

        # Chosen in the list: the words follow, and the list shows the vault chosen.
        choice = screen.query_one("#destination-choice", Select)
        qa_vault = vault(info, "qa", "qa-vault")
        for _ in range(200):
            await pilot.pause()
            if qa_vault in screen.listed:
                break
            await asyncio.sleep(0.05)
        choice.value = qa_vault
        await pilot.pause()
        await settle(screen, pilot)
        await until_on_screen(
            app, pilot, f"Copy to qa ({qa}) {info.region} qa-vault, then restore there"
        )
        assert screen.destination == qa_vault
        names_the_vault(screen, "qa-vault", qa)
        picker = next(line for line in screen_lines(app) if "▼" in line)
        assert f"qa ({qa})" in picker, picker


async def test_a_copy_from_a_workload_account_defaults_to_its_vault_and_says_so(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """A DR copy of a prod backup: the default is still prod's vault, named in words and in
    the list, and the backup account, when chosen, is said to be it."""
    sandbox, info = demo
    prod, backup = info.accounts["prod"], info.accounts["backup"]
    central = sandbox.client("backup", backup, info.region)
    copied = next(
        p
        for p in central.list_recovery_points_by_backup_vault(
            BackupVaultName="central-eu-central-1"
        )["RecoveryPoints"]
        if (p.get("SourceBackupVaultArn") or "").split(":")[4:5] == [prod]
        and p["Status"] == "COMPLETED"
    )
    point = recovery_point(sandbox, info, copied["RecoveryPointArn"])
    settings = settings_for(sandbox, info, tmp_path)
    screen = ChecksScreen(point, settings, AwsSessions(settings))
    app = Host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(screen, pilot)
        assert screen.destination == copied["SourceBackupVaultArn"]
        name = screen.destination.rsplit(":", 1)[-1]
        await until_on_screen(
            app, pilot, f"Copy to prod ({prod}) {info.region} {name}, then restore there"
        )
        names_the_vault(screen, name, prod)
        choice = screen.query_one("#destination-choice", Select)
        for _ in range(200):
            await pilot.pause()
            if choice.value == screen.destination:
                break
            await asyncio.sleep(0.05)
        assert choice.value == screen.destination
        assert not [c for _, c in screen.ordered() if c.status is CheckStatus.FAIL]
        # Typed: the backup account's own DR vault is said to be the backup account.
        field = screen.query_one("#destination", Input)
        field.value = vault(info, "backup", "dr-eu-north-1", info.dr_region)
        field.focus()
        await pilot.press("enter")
        await settle(screen, pilot)
        await until_on_screen(
            app,
            pilot,
            f"Copy to backup ({backup}) {info.dr_region} dr-eu-north-1, then restore there "
            "— the backup account",
        )


async def test_an_odd_source_vault_arn_leaves_the_vault_list_filled(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """A source vault ARN drconsole cannot parse (from AWS, or a broken endpoint) is listed as
    written: labelling it ended the worker that fills the vault list, which stayed empty."""
    import msgspec

    sandbox, info = demo
    backup = sandbox.client("backup", info.accounts["backup"], info.region)
    arn = next(
        p["RecoveryPointArn"]
        for p in backup.list_recovery_points_by_backup_vault(
            BackupVaultName="central-eu-central-1"
        )["RecoveryPoints"]
        if p["Status"] == "COMPLETED"
    )
    odd = vault(info, "prod", "odd.vault")
    point = msgspec.structs.replace(recovery_point(sandbox, info, arn), source_vault_arn=odd)
    settings = settings_for(sandbox, info, tmp_path)
    screen = ChecksScreen(point, settings, AwsSessions(settings))
    app = Host(screen)
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(300):
            await pilot.pause()
            if screen.listed:
                break
            await asyncio.sleep(0.05)
        assert screen.listed and odd in screen.listed, screen.listed


async def test_an_s3_copy_within_the_backup_account_is_not_copied_back_there_once_it_is_known(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """An S3 bucket's ARN names no account: with the backup account not yet known, its DR copy
    of a DR copy looks like any copy and defaults to the vault it came from; once the
    organization's names tell the backup account, the default is chosen again (none, asked)."""
    import msgspec

    sandbox, info = demo
    client = sandbox.client("backup", info.accounts["backup"], info.dr_region)
    s3 = next(
        p
        for p in client.list_recovery_points_by_backup_vault(BackupVaultName="dr-eu-north-1")[
            "RecoveryPoints"
        ]
        if p["ResourceType"] == "S3" and p["Status"] == "COMPLETED"
    )
    # As a copy of the backup account's own vault would list it (the demo's S3 copies there
    # come from prod): what the default is chosen from.
    point = msgspec.structs.replace(
        dr_copy_of_a_dr_copy(sandbox, info),
        arn=s3["RecoveryPointArn"],
        resource_arn=s3["ResourceArn"],
        resource_type="S3",
        resource_name=s3.get("ResourceName", ""),
    )
    settings = settings_for(sandbox, info, tmp_path)  # no backup_account_id configured
    screen = ChecksScreen(point, settings, AwsSessions(settings))
    app = Host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_on_screen(app, pilot, "No destination chosen: this copy came from backup")
        assert screen.destination == "" and screen.withheld
        await settle(screen, pilot)
        assert {group for group, _ in screen.ordered()} == {"restore"}
