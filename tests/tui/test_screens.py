"""Every screen driven by Textual's Pilot against the demo sandbox."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable

from drconsole.tui.screens.accounts import AccountsScreen
from drconsole.tui.screens.detail import DetailScreen
from drconsole.tui.screens.dialogs import ErrorDialog, HelpScreen
from drconsole.tui.screens.protected import ProtectedResourcesScreen
from drconsole.tui.screens.recovery_points import RecoveryPointsScreen
from drconsole.tui.screens.vaults import VaultsScreen
from drconsole.tui.widgets.recovery_point_list import RecoveryPointList
from tests.tui.conftest import Demo, screen_lines, status_of, table_text, wait_until

SIZE = (120, 40)


def accounts_loaded(app: Any) -> bool:
    screen = app.screen
    return (
        isinstance(screen, AccountsScreen)
        and screen.organization is not None
        and "loading" not in status_of(app)
        and all(
            p.newest is not None
            or p.errors
            or (len(p.regions_loaded) >= len(app.regions()) and p.recovery_points == 0)
            for a, p in screen.postures.items()
            if a != app.settings.management_account_id
        )
    )


def newest_recovery_point(
    demo: Demo, account: str, region: str, vault: str, **match: str
) -> dict[str, Any]:
    """The newest recovery point of a vault matching `match`, read straight from the sandbox."""
    client = demo.sandbox.client("backup", account, region)
    points = client.list_recovery_points_by_backup_vault(BackupVaultName=vault, MaxResults=1000)
    chosen = [
        p
        for p in points["RecoveryPoints"]
        if all(value in str(p.get(key, "")) for key, value in match.items())
    ]
    return max(chosen, key=lambda p: p["CreationDate"])


async def open_account(pilot: Any, account_id: str) -> None:
    """Filter the accounts to one account id and open it."""
    app = pilot.app
    await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
    await pilot.press("slash", *account_id, "enter")
    assert app.screen.query_one(DataTable).cursor_row == 1  # the first account under its OU
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, VaultsScreen), what="vaults screen")
    await wait_until(pilot, lambda: "loading" not in status_of(app), what="vaults")


async def test_accounts_are_grouped_by_ou_with_their_posture(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        rows = table_text(app)
        headers = [row[0].strip() for row in rows if row[1] == ""]
        assert headers == [
            "▾ Root",
            "▾ Root/Non-Prod/Dev",
            "▾ Root/Non-Prod/QA",
            "▾ Root/Prod",
            "▾ Root/Security",
        ]
        by_id = {row[1]: row for row in rows if row[1]}
        backup = demo.info.accounts["backup"]
        vaults = demo.sandbox.client("backup", backup, "eu-north-1").list_backup_vaults()[
            "BackupVaultList"
        ]
        vaults += demo.sandbox.client("backup", backup, "eu-central-1").list_backup_vaults()[
            "BackupVaultList"
        ]
        assert by_id[backup][2] == str(len(vaults))
        assert by_id[backup][3] == f"{sum(v['NumberOfRecoveryPoints'] for v in vaults):,}"
        assert by_id[backup][5] == "ok"
        assert by_id[demo.info.accounts["prod"]][4] != "-"  # the newest backup's age
        assert "6 accounts" in status_of(app)


async def test_organization_to_recovery_point_detail_and_back(demo: Demo) -> None:
    """Done means: the newest prod RDS recovery point in the backup account's DR vault."""
    backup = demo.info.accounts["backup"]
    newest = newest_recovery_point(demo, backup, "eu-north-1", "dr-eu-north-1", ResourceType="RDS")
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await open_account(pilot, demo.info.accounts["backup"])
        assert [row[1] for row in table_text(app)] == ["central-eu-central-1", "dr-eu-north-1"]
        await pilot.press("down", "enter")
        assert isinstance(app.screen, RecoveryPointsScreen)
        await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
        rp_list = app.screen.query_one(RecoveryPointList)
        assert rp_list.count == 180 or rp_list.count > 0
        await pilot.press("slash", *"prod rds", "enter")
        assert "match 'prod rds'" in status_of(app)
        first = rp_list.rows.record(rp_list.rows.row_at(0))
        assert first.resource_type == "RDS"
        assert first.arn == newest["RecoveryPointArn"]
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        fields = dict(app.screen.fields)
        assert fields["Recovery point"] == newest["RecoveryPointArn"]
        assert fields["Resource type"] == "RDS"
        assert "Copied from" in fields
        await pilot.press("y")
        assert app.clipboard == newest["RecoveryPointArn"]
        await pilot.press("c")
        assert type(app.screen).__name__ == "ChecksScreen"
        assert app.screen.recovery_point.arn == newest["RecoveryPointArn"]
        await pilot.press("escape")
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, RecoveryPointsScreen)
        await pilot.press("escape")  # clears the filter
        assert isinstance(app.screen, RecoveryPointsScreen)
        assert rp_list.count == len(rp_list.rows)
        # The point the filter found stays under the cursor among all of them.
        assert app.screen.highlighted().arn == newest["RecoveryPointArn"]  # type: ignore[attr-defined]
        await pilot.press("escape")
        assert isinstance(app.screen, VaultsScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, AccountsScreen)


async def test_recovery_point_list_pages_and_jumps(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_account(pilot, demo.info.accounts["backup"])
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
        rp_list = app.screen.query_one(RecoveryPointList)
        total = rp_list.count
        await pilot.press("pagedown")
        page = rp_list.cursor
        assert page > 10
        await pilot.press("end")
        assert rp_list.cursor == total - 1
        assert round(rp_list.scroll_y) > 0
        await pilot.press("home")
        assert rp_list.cursor == 0 and round(rp_list.scroll_y) == 0
        created = [rp_list.rows.record(rp_list.rows.row_at(i)).created for i in range(total)]
        assert created == sorted(created, reverse=True)


async def test_protected_resources_show_each_resources_newest_backup(demo: Demo) -> None:
    prod = demo.info.accounts["prod"]
    listed = demo.sandbox.client("backup", prod, "eu-central-1").list_protected_resources()[
        "Results"
    ]
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await open_account(pilot, demo.info.accounts["prod"])
        await pilot.press("p")
        assert isinstance(app.screen, ProtectedResourcesScreen)
        await wait_until(pilot, lambda: "loading" not in status_of(app), what="protected resources")
        rows = table_text(app)
        names = {row[1] for row in rows}
        assert {r["ResourceName"] for r in listed if r.get("ResourceName")} <= names
        assert all(row[0] != "-" for row in rows)  # every resource has an RPO
        await pilot.press("slash", *"orders", "enter")
        assert [row[1:3] for row in table_text(app)] == [["prod-orders-db", "RDS"]]
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        assert "Current RPO" in dict(app.screen.fields)


async def test_accounts_with_errors_are_counted_on_screen_at_80_columns(demo: Demo) -> None:
    """The count of accounts with errors stays on the status line at 80x24 (it was at the end
    of the line, cut to `1 wi…` behind the Regions and the readiness progress)."""
    demo.sandbox.options.access_denied_accounts = {demo.info.accounts["qa"]}
    # Readiness reads the SCPs, the accounts' inventory does not: it stays `readiness…` until
    # the fault is cleared, however slow the machine.
    demo.sandbox.fail_operation("organizations:ListPoliciesForTarget", "hold")
    try:
        app = demo.app(readiness=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
            await wait_until(
                pilot, lambda: "readiness…" in "\n".join(screen_lines(app)), what="readiness"
            )
            shown = "\n".join(screen_lines(app))
            demo.sandbox.clear_faults()
            assert "2 with errors" in shown, shown
    finally:
        demo.sandbox.clear_faults()
        demo.sandbox.options.access_denied_accounts = set()


async def test_denied_account_shows_its_badge_and_the_others_load(demo: Demo) -> None:
    qa = demo.info.accounts["qa"]
    demo.sandbox.options.access_denied_accounts = {qa}
    try:
        app = demo.app()
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
            by_id = {row[1]: row for row in table_text(app) if row[1]}
            assert by_id[qa][5].startswith("⚠ ")
            # qa, and dev (no AWSServiceRoleForBackup, a fault of the demo)
            assert "2 with errors" in status_of(app)
            assert by_id[demo.info.accounts["dev"]][5] == "⚠ SERVICE_LINKED_ROLE_MISSING"
            for role in ("backup", "prod"):
                assert by_id[demo.info.accounts[role]][5] == "ok"
            await pilot.press("slash", *"qa", "enter", "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, VaultsScreen), what="vaults")
            await wait_until(pilot, lambda: "loading" not in status_of(app), what="vaults")
            assert "AccessDenied" in str(app.screen.query_one("#errors").render())
    finally:
        demo.sandbox.options.access_denied_accounts = set()


async def test_failed_load_opens_the_error_dialog_with_its_cause(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await open_account(pilot, demo.info.accounts["backup"])
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
        demo.sandbox.options.access_denied_accounts = {demo.info.accounts["backup"]}
        try:
            await pilot.press("r")
            await wait_until(
                pilot, lambda: isinstance(app.screen, ErrorDialog), what="error dialog"
            )
        finally:
            demo.sandbox.options.access_denied_accounts = set()
        assert app.screen.report.cause == "ROLE_PERMISSIONS"
        assert "AccessDenied" in app.screen.report.description
        await pilot.press("escape")
        assert isinstance(app.screen, RecoveryPointsScreen)
        assert "loading failed" in status_of(app)


async def test_help_lists_every_binding_and_read_only_shows_a_badge(demo: Demo) -> None:
    app = demo.app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        assert app.screen.query("#read-only-badge")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-keys").render())
        for description in ("Filter", "Refresh", "Back", "Protected", "Quit", "Commands"):
            assert description in text
        await pilot.press("escape")
        assert isinstance(app.screen, AccountsScreen)
    app = demo.app(read_only=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        assert not app.screen.query("#read-only-badge")


async def test_command_palette_jumps_to_a_vault(demo: Demo) -> None:
    """The accounts screen lists vaults without their details (no access policy or key look-up
    at start); a vault reached from that listing still shows its key and policy once read."""
    log = demo.sandbox.middleware.log
    mark = log.mark()
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        await app.workers.wait_for_complete()
        at_start = {seen.name for seen in log.since(mark)}
        assert "backup:ListBackupVaults" in at_start
        assert not at_start & {"backup:GetBackupVaultAccessPolicy", "kms:DescribeKey"}
        await pilot.press("ctrl+p")
        await pilot.press(*"vault dr-eu-north-1")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RecoveryPointsScreen), what="jump")
        assert app.screen.vault.name == "dr-eu-north-1"
        await wait_until(pilot, lambda: app.screen.vault.details_read, what="vault details")
        summary = str(app.screen.query_one("#summary").render())
        assert "CMK key/" in summary and "  policy" in summary, summary
        await pilot.press("escape")
        assert isinstance(app.screen, VaultsScreen)
        await wait_until(pilot, lambda: "loading" not in status_of(app), what="vaults")
        rows = {row[1]: row for row in table_text(app)}
        assert rows["dr-eu-north-1"][3].startswith("CMK key/")
        assert rows["dr-eu-north-1"][5] == "policy"
