"""The wizard on a recovery point of a type drconsole copies but does not restore: the copy is
offered alone, and asking for the restore anyway is refused before anything is sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from textual.widgets import Checkbox, Input, Static

from drconsole.sandbox.store import seed_recovery_point
from drconsole.tui.screens.recovery_points import RecoveryPointsScreen
from drconsole.tui.wizard.screen import CopyRestoreWizard
from tests.tui.conftest import Demo, wait_until
from tests.tui.test_screens import open_account

SIZE = (80, 24)
EU, NORTH = "eu-central-1", "eu-north-1"


def seed_fsx(demo: Demo) -> str:
    """An FSx DR copy in the backup account's eu-north-1 vault, on that vault's key."""
    backup, prod = demo.info.accounts["backup"], demo.info.accounts["prod"]
    vault = demo.sandbox.client("backup", backup, NORTH).describe_backup_vault(
        BackupVaultName="dr-eu-north-1"
    )
    return seed_recovery_point(
        backup,
        NORTH,
        "dr-eu-north-1",
        resource_arn=f"arn:aws:fsx:{EU}:{prod}:file-system/fs-0fedcba9876543210",
        resource_type="FSx",
        resource_name="team-shares",
        created=datetime.now(UTC) - timedelta(hours=2),
        encryption_key_arn=vault["EncryptionKeyArn"],
        size_bytes=2**30,
    )


async def open_wizard(pilot: Any, backup: str) -> CopyRestoreWizard:
    app = pilot.app
    await open_account(pilot, backup)
    await pilot.press("down", "enter")
    assert isinstance(app.screen, RecoveryPointsScreen)
    await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
    await pilot.press("slash", *"team-shares", "enter", "w")
    assert isinstance(app.screen, CopyRestoreWizard)
    return app.screen


async def test_a_type_without_a_restore_form_is_offered_the_copy_alone(
    demo: Demo, tmp_path: Path
) -> None:
    seed_fsx(demo)
    backup, prod = demo.info.accounts["backup"], demo.info.accounts["prod"]
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        wizard = await open_wizard(pilot, backup)
        assert wizard.query_one("#restore", Checkbox).value is False
        dest = f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault"
        wizard.query_one("#dest-arn", Input).value = dest
        wizard.query_one("#dest-arn", Input).focus()
        await pilot.press("enter")  # plan and check the copy alone
        await wait_until(pilot, lambda: wizard.prepared is not None, what="plan", timeout=30)
        assert wizard.prepared is not None and wizard.prepared.ok
        assert len(wizard.prepared.requests) == 1  # one StartCopyJob, no restore


async def test_asking_the_restore_of_such_a_type_says_how_and_sends_nothing(
    demo: Demo, tmp_path: Path
) -> None:
    rp = seed_fsx(demo)
    backup, prod = demo.info.accounts["backup"], demo.info.accounts["prod"]
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        wizard = await open_wizard(pilot, backup)
        wizard.query_one("#restore", Checkbox).value = True
        dest = f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault"
        wizard.query_one("#dest-arn", Input).value = dest
        wizard.query_one("#dest-arn", Input).focus()
        await pilot.press("enter")
        shown = lambda: " ".join(  # noqa: E731
            str(s.render()) for s in wizard.query(Static)
        )
        await wait_until(pilot, lambda: "planning failed" in shown(), what="refusal", timeout=30)
        assert "'Restore after the copy' off" in " ".join(shown().split())
    jobs = demo.sandbox.client("backup", backup, NORTH).list_copy_jobs(BySourceRecoveryPointArn=rp)
    assert jobs["CopyJobs"] == []
