"""A vault's recovery points loading: a refresh while pages are still queued; and a key that
arrives as the console closes."""

from __future__ import annotations

from typing import Any

from textual import events

from drconsole.tui.screens.accounts import AccountsScreen
from drconsole.tui.screens.recovery_points import RecoveryPointsScreen
from drconsole.tui.widgets.recovery_point_list import RecoveryPointList
from tests.tui.conftest import Demo, status_of, wait_until
from tests.tui.test_screens import SIZE, open_account


def vault_points(demo: Demo) -> list[dict[str, Any]]:
    """Every recovery point of the backup account's DR vault, read with plain boto3."""
    client = demo.sandbox.client("backup", demo.info.accounts["backup"], "eu-north-1")
    pages = client.get_paginator("list_recovery_points_by_backup_vault").paginate(
        BackupVaultName="dr-eu-north-1"
    )
    return [point for page in pages for point in page["RecoveryPoints"]]


async def open_dr_vault(pilot: Any, demo: Demo) -> RecoveryPointsScreen:
    """The backup account's DR vault, every recovery point loaded."""
    await open_account(pilot, demo.info.accounts["backup"])
    await pilot.press("down", "enter")
    screen = pilot.app.screen
    assert isinstance(screen, RecoveryPointsScreen)
    await wait_until(pilot, lambda: screen.loading_done, what="recovery points")
    return screen


async def test_pages_of_a_load_replaced_by_a_refresh_are_left_out(demo: Demo) -> None:
    expected = sorted(point["RecoveryPointArn"] for point in vault_points(demo))
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dr_vault(pilot, demo)
        rows = screen.query_one(RecoveryPointList).rows
        old = rows.preparer
        late_page = old.prepare(rows.record(row) for row in range(5))
        # The refresh's own listing answers after 3 s: the old load's page and end, still
        # queued when the list was cleared, arrive first.
        demo.sandbox.fail_operation("backup:ListRecoveryPointsByBackupVault", "slow")
        try:
            await pilot.press("r")
            screen.post_message(RecoveryPointsScreen.PageLoaded(late_page))
            screen.post_message(RecoveryPointsScreen.Finished(old))
            await pilot.pause(0.5)
            assert len(rows) == 0
            assert not screen.loading_done
            assert "loading…" in status_of(app)
        finally:
            demo.sandbox.clear_faults()
        await wait_until(pilot, lambda: screen.loading_done, what="reloaded", timeout=30)
        assert sorted(rows.arns) == expected  # each once, none of the late page's twice


async def test_a_key_arriving_as_the_console_closes_is_dropped(demo: Demo) -> None:
    """A key held back behind the one before it may be handled after the last screen is gone
    (Textual's own handling then fails: no screen on the stack)."""
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen), what="accounts")
        screens = app._screen_stack
        kept = list(screens)
        screens.clear()
        try:
            await app.on_event(events.Key("j", "j"))
            await app.on_event(events.Key("escape", None))
        finally:
            screens.extend(kept)
        await pilot.pause()
        assert isinstance(app.screen, AccountsScreen)


async def test_a_refresh_keeps_the_filter_typed(demo: Demo) -> None:
    points = vault_points(demo)
    expected = sorted(
        p["RecoveryPointArn"]
        for p in points
        if p["ResourceType"] == "RDS" and "prod" in p["ResourceArn"]
    )
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dr_vault(pilot, demo)
        await pilot.press("slash", *"prod rds", "enter", "r")
        await wait_until(pilot, lambda: screen.loading_done, what="reloaded", timeout=30)
        rp_list = screen.query_one(RecoveryPointList)
        shown = sorted(rp_list.rows.arns[rp_list.rows.row_at(i)] for i in range(rp_list.count))
        assert shown == expected
        assert f"{len(expected)} of {len(points)} match 'prod rds'" in status_of(app)
        await pilot.press("escape")  # clears the filter, as before the refresh
        assert isinstance(app.screen, RecoveryPointsScreen)
        assert rp_list.count == len(points)
