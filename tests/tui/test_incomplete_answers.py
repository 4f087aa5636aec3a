"""The console on answers that lack the names it lists records by: the accounts and vaults
screens show the records they had to skip where it happened, and keep working."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drconsole.tui.screens.protected import ProtectedResourcesScreen
from drconsole.tui.screens.recovery_points import RecoveryPointsScreen
from drconsole.tui.screens.vaults import VaultsScreen
from tests.field_dropper import Drop, FieldDropper, install
from tests.tui.conftest import Demo, status_of, table_text, wait_until
from tests.tui.test_jobs_screen import open_jobs
from tests.tui.test_screens import SIZE, accounts_loaded, open_account

EU = "eu-central-1"


@pytest.fixture
def dropper(demo: Demo) -> Iterator[FieldDropper]:
    found = install(demo.sandbox)
    try:
        yield found
    finally:
        found.drops = []


async def test_a_vault_without_its_names_is_a_badge_and_a_line_and_the_rest_loads(
    demo: Demo, dropper: FieldDropper
) -> None:
    qa = demo.info.accounts["qa"]
    listed = demo.sandbox.client("backup", qa, EU).list_backup_vaults()["BackupVaultList"]
    names = {v["BackupVaultName"] for v in listed}
    dropper.drops = [
        Drop("backup:ListBackupVaults", field, account=qa, first_only=True)
        for field in ("BackupVaultName", "BackupVaultArn")
    ]
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        by_id = {row[1]: row for row in table_text(app) if row[1]}
        assert by_id[qa][5] == "⚠ SERVICE_ERROR"
        assert by_id[qa][2].endswith("+?")  # some of its vaults could not be listed
        for role in ("backup", "prod"):
            assert by_id[demo.info.accounts[role]][5] == "ok"
        await open_account(pilot, qa)
        screen = app.screen
        assert isinstance(screen, VaultsScreen)
        errors = str(screen.query_one("#errors").render())
        assert f"{EU}: SERVICE_ERROR" in errors
        assert "ListBackupVaults: 1 vault(s) skipped" in errors
        shown = {row[1] for row in table_text(app) if row[0] == EU}
        assert len(shown) == len(names) - 1 and shown < names
        # the console keeps working: a refresh reads them again and says so again
        await pilot.press("r")
        await wait_until(pilot, lambda: "loading" not in status_of(app), what="refresh")
        assert "1 vault(s) skipped" in str(screen.query_one("#errors").render())


async def test_an_ou_without_its_id_is_a_badge_on_the_account_that_walked(
    demo: Demo, dropper: FieldDropper
) -> None:
    dropper.drops = [Drop("organizations:ListOrganizationalUnitsForParent", "Id", first_only=True)]
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        rows = table_text(app)
        by_id = {row[1]: row for row in rows if row[1]}
        assert len(by_id) < len(demo.info.accounts)  # the accounts under the skipped OUs
        management = demo.info.accounts["management"]
        assert by_id[management][5] == "⚠ SERVICE_ERROR"
        await open_account(pilot, management)
        errors = str(app.screen.query_one("#errors").render())
        assert "ListOrganizationalUnitsForParent:" in errors
        assert "OU(s) skipped, the answer from AWS lacked their Id (under Root)" in errors


async def test_jobs_without_their_ids_are_left_out_and_said_on_the_jobs_screen(
    demo: Demo, dropper: FieldDropper
) -> None:
    dropper.drops = [Drop("backup:ListCopyJobs", "CopyJobId")]
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_jobs(app, pilot)
        await pilot.press("a")  # every job of the night, completed ones too
        await wait_until(pilot, lambda: screen.loaded, what="all jobs")
        kinds = {type(job).__name__ for job in screen.shown}
        assert kinds == {"BackupJob", "RestoreJob"}  # the copy jobs could not be told apart
        assert any(
            "ListCopyJobs:" in error and "job(s) skipped" in error for error in screen.errors
        )
        assert "SERVICE_ERROR" in " ".join(screen.errors)


async def test_a_protected_resource_without_its_arn_is_left_out_and_said(
    demo: Demo, dropper: FieldDropper
) -> None:
    prod = demo.info.accounts["prod"]
    listed = demo.sandbox.client("backup", prod, EU).list_protected_resources()["Results"]
    dropper.drops = [
        Drop("backup:ListProtectedResources", "ResourceArn", account=prod, first_only=True)
    ]
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await open_account(pilot, prod)
        await pilot.press("p")
        assert isinstance(app.screen, ProtectedResourcesScreen)
        await wait_until(pilot, lambda: "loading" not in status_of(app), what="protected resources")
        shown = [row for row in table_text(app) if row[3] == EU]
        # it was a row of its own with no ARN, which a second such resource would replace
        assert len(shown) == len(listed) - 1
        errors = str(app.screen.query_one("#errors").render())
        assert f"{EU}: SERVICE_ERROR" in errors
        assert "ListProtectedResources: 1 protected resource(s) skipped" in errors


async def test_a_protected_resource_without_its_arn_leaves_the_newest_backup_unsure(
    demo: Demo, dropper: FieldDropper
) -> None:
    prod = demo.info.accounts["prod"]
    dropper.drops = [
        Drop("backup:ListProtectedResources", "ResourceArn", account=prod, first_only=True)
    ]
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        by_id = {row[1]: row for row in table_text(app) if row[1]}
        # it may hold the newest backup: the age says it is not sure, the badge why
        assert by_id[prod][4].endswith(" ?")
        assert by_id[prod][5] == "⚠ SERVICE_ERROR"
        assert by_id[demo.info.accounts["qa"]][4] != "?"


async def test_recovery_points_without_their_arn_are_left_out_and_said(
    demo: Demo, dropper: FieldDropper
) -> None:
    backup = demo.info.accounts["backup"]
    dropper.drops = [
        Drop("backup:ListRecoveryPointsByBackupVault", "RecoveryPointArn", account=backup)
    ]
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await open_account(pilot, backup)
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, RecoveryPointsScreen)
        await wait_until(pilot, lambda: screen.loading_done, what="recovery points")
        status = status_of(app)
        # they were rows of status UNREADABLE, each "(unreadable record)"
        assert status.startswith("0 recovery points"), status
        assert "⚠ SERVICE_ERROR: ListRecoveryPointsByBackupVault:" in status
        assert "skipped, the answer from AWS lacked their RecoveryPointArn" in status
