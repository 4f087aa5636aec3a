"""The organization-wide protected-resources view against the demo sandbox."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from drconsole.tui import formatting as fmt
from drconsole.tui.screens.detail import DetailScreen
from drconsole.tui.screens.org_protected import OrgProtectedScreen
from tests.tui.conftest import NOW, Demo, screen_lines, status_of, table_text, wait_until
from tests.tui.snapshots import assert_snapshot
from tests.tui.test_screens import accounts_loaded


def protected_in(demo: Demo, role: str) -> list[dict[str, Any]]:
    """ListProtectedResources of one account in both demo Regions, read from the sandbox."""
    found: list[dict[str, Any]] = []
    for region in (demo.info.region, demo.info.dr_region):
        client = demo.sandbox.client("backup", demo.info.accounts[role], region)
        found += [
            {**item, "Region": region}
            for item in client.list_protected_resources(MaxResults=1000)["Results"]
        ]
    return found


async def open_org_view(pilot: Any) -> OrgProtectedScreen:
    app = pilot.app
    await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
    await pilot.press("P")
    assert isinstance(app.screen, OrgProtectedScreen)
    await wait_until(pilot, lambda: "loading" not in status_of(app), what="every account")
    return app.screen


async def test_every_members_resource_is_listed_stalest_first_with_its_copy(demo: Demo) -> None:
    members = protected_in(demo, "prod") + protected_in(demo, "qa") + protected_in(demo, "dev")
    copied = {item["ResourceArn"] for item in protected_in(demo, "backup")}
    app = demo.app()
    async with app.run_test(size=(150, 40)) as pilot:
        screen = await open_org_view(pilot)
        rows = table_text(app)
        assert len(rows) == len(members) > 10
        assert {row[4] for row in rows} >= {"prod", "qa", "dev"}
        newest = [screen.shown_resources()[key].last_backup for key in screen.table.rows]
        stamps = [moment.timestamp() if moment else 0.0 for moment in newest]
        assert stamps == sorted(stamps)  # stalest first
        uncopied = [m for m in members if m["ResourceArn"] not in copied]
        for row, key in zip(rows, screen.table.rows, strict=True):
            arn = screen.shown_resources()[key.value or ""].resource_arn
            assert (row[2] == "none !") == (arn not in copied)
        if uncopied:
            assert f"{len(uncopied)} without a copy" in status_of(app)


async def test_filter_answers_how_old_a_resources_newest_backup_is(demo: Demo) -> None:
    orders = next(
        m for m in protected_in(demo, "prod") if m.get("ResourceName") == "prod-orders-db"
    )
    age = NOW - datetime.fromisoformat(str(orders["LastBackupTime"]))
    app = demo.app()
    async with app.run_test(size=(150, 40)) as pilot:
        await open_org_view(pilot)
        await pilot.press("slash", *"prod-orders-db", "enter")
        rows = table_text(app)
        assert [[row[1], *row[3:6]] for row in rows] == [
            ["prod-orders-db", "RDS", "prod", orders["Region"]]
        ]
        assert rows[0][0].startswith(fmt.human_age(age))
        assert rows[0][6] != "-"  # the vault holding it
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        fields = dict(app.screen.fields)
        assert fields["Resource ARN"] == orders["ResourceArn"]
        assert fields["Vault of the newest backup"] == orders["LastBackupVaultArn"]


async def test_palette_opens_the_view_and_a_denied_account_is_shown_on_its_own(
    demo: Demo,
) -> None:
    qa = demo.info.accounts["qa"]
    demo.sandbox.options.access_denied_accounts = {qa}
    try:
        app = demo.app()
        async with app.run_test(size=(150, 40)) as pilot:
            await wait_until(pilot, lambda: app.screen.__class__.__name__ == "AccountsScreen")
            app.action_command_palette()
            await pilot.pause()
            await pilot.press(*"protectedresourcesallaccounts")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, OrgProtectedScreen))
            await wait_until(pilot, lambda: "loading" not in status_of(app), what="accounts")
            rows = table_text(app)
            assert rows and "qa" not in {row[3] for row in rows}
            assert "failed" in status_of(app)
            assert "qa" in str(app.screen.query_one("#errors").render())
    finally:
        demo.sandbox.options.access_denied_accounts = set()


async def test_snapshot_org_protected(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=(130, 30)) as pilot:
        await open_org_view(pilot)
        # The table sizes its columns on a later refresh than the one that adds the last rows.
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        assert_snapshot(app, "org_protected_130x30")


async def test_copies_the_backup_account_could_not_list_are_unknown_not_none(
    demo: Demo,
) -> None:
    backup = demo.info.accounts["backup"]
    # every dev and qa copy lives in the backup account's eu-central-1 vault
    demo.sandbox.options.disabled_regions = {backup: {demo.info.region}}
    try:
        app = demo.app()
        async with app.run_test(size=(150, 40)) as pilot:
            await open_org_view(pilot)
            await pilot.pause(0.3)
            rows = table_text(app)
            qa = [row for row in rows if row[4] == "qa"]
            assert qa and all(row[2] == "?" for row in qa), qa
            assert "without a copy" not in status_of(app)
            assert "with no copy found (backup account unreadable)" in status_of(app)
    finally:
        demo.sandbox.options.disabled_regions = {}


async def test_the_dr_copy_is_on_screen_at_80_columns(demo: Demo) -> None:
    """Whether a DR copy exists is what the operator decides on: at 80x24 its column is on
    screen, not scrolled out of view behind the vault (it was cut to two characters)."""
    app = demo.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_org_view(pilot)
        await pilot.pause(0.3)
        shown = "\n".join(screen_lines(app))
        assert "DR copy" in shown, shown
        assert re.search(r"none !|eu-[a-z]+-\d+ \d", shown), shown  # a DR copy cell, whole
