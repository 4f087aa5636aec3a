"""SVG snapshots of every screen of the demo at fixed sizes with a frozen clock."""

from __future__ import annotations

from typing import Any

from drconsole.tui.app import DrConsoleApp
from drconsole.tui.screens.recovery_points import RecoveryPointsScreen
from drconsole.tui.screens.vaults import VaultsScreen
from tests.tui.conftest import Demo, status_of, wait_until
from tests.tui.snapshots import assert_settled_snapshot
from tests.tui.test_screens import accounts_loaded


async def loaded_accounts(pilot: Any) -> None:
    await wait_until(pilot, lambda: accounts_loaded(pilot.app), what="accounts")


async def backup_dr_vault(pilot: Any, demo: Demo) -> None:
    """Open the backup account's eu-north-1 vault and wait for its recovery points."""
    app: DrConsoleApp = pilot.app
    await loaded_accounts(pilot)
    await pilot.press("slash", *demo.info.accounts["backup"], "enter", "enter")
    await wait_until(pilot, lambda: isinstance(app.screen, VaultsScreen), what="vaults")
    await wait_until(pilot, lambda: "loading" not in status_of(app), what="vaults loaded")
    await pilot.press("down", "enter")
    await wait_until(pilot, lambda: isinstance(app.screen, RecoveryPointsScreen), what="list")
    await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")


async def test_snapshot_accounts(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded_accounts(pilot)
        await assert_settled_snapshot(pilot, "accounts_100x30")


async def test_snapshot_accounts_small_terminal_read_only(demo: Demo) -> None:
    app = demo.app(read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded_accounts(pilot)
        await assert_settled_snapshot(pilot, "accounts_80x24_read_only")


async def test_snapshot_vaults_recovery_points_detail(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await backup_dr_vault(pilot, demo)
        await assert_settled_snapshot(pilot, "recovery_points_100x30")
        await pilot.press("slash", *"prod rds", "enter")
        await assert_settled_snapshot(pilot, "recovery_points_filtered_100x30")
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, VaultsScreen)
        await assert_settled_snapshot(pilot, "vaults_100x30")


async def test_snapshot_detail(demo: Demo) -> None:
    # Wide enough for a recovery point ARN on one line (its random UUID is masked).
    app = demo.app()
    async with app.run_test(size=(130, 30)) as pilot:
        await backup_dr_vault(pilot, demo)
        await pilot.press("slash", *"prod rds", "enter", "enter")
        await assert_settled_snapshot(pilot, "detail_130x30")


async def test_snapshot_recovery_points_small_terminal(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await backup_dr_vault(pilot, demo)
        await assert_settled_snapshot(pilot, "recovery_points_80x24")


async def test_snapshot_protected_resources_and_help(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded_accounts(pilot)
        await pilot.press("slash", *demo.info.accounts["prod"], "enter", "p")
        await wait_until(pilot, lambda: "loading" not in status_of(app), what="protected")
        await assert_settled_snapshot(pilot, "protected_resources_100x30")
        await pilot.press("question_mark")
        await assert_settled_snapshot(pilot, "help_100x30")
