"""The console during a Regional outage: AWS_REGION (and the first Region configured) is the
workload Region, which does not answer; the console opens, every account's row says which
Region failed, and the backup account's DR vault in the other Region is browsed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Select

from drconsole.aws.session import AwsSessions
from drconsole.models import RecoveryPoint
from drconsole.tui.checks_screen import ChecksScreen
from drconsole.tui.screens.detail import DetailScreen
from drconsole.tui.screens.recovery_points import RecoveryPointsScreen
from drconsole.tui.screens.vaults import VaultsScreen
from tests.test_checks_screen import Host
from tests.tui.conftest import Demo, table_text, wait_until
from tests.tui.test_screens import SIZE, accounts_loaded, newest_recovery_point, open_account

DOWN, DR = "eu-central-1", "eu-north-1"


@pytest.fixture(params=["reset", "unavailable"])
def workload_region_down(demo: Demo, request: pytest.FixtureRequest) -> Iterator[str]:
    """The demo with eu-central-1 in an outage (connections closed, or 503); the mode."""
    demo.sandbox.options.regions_down = {DOWN: request.param}
    try:
        yield request.param
    finally:
        demo.sandbox.options.regions_down = {}


async def test_the_console_opens_and_browses_the_dr_vault_while_aws_region_is_down(
    demo: Demo, workload_region_down: str
) -> None:
    cause = "NETWORK" if workload_region_down == "reset" else "SERVICE_ERROR"
    app = demo.app(configured_region=DOWN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts", timeout=60)
        backup = demo.info.accounts["backup"]
        by_id = {row[1]: row for row in table_text(app) if row[1]}
        assert cause in by_id[backup][5], by_id[backup]
        await open_account(pilot, backup)
        screen = app.screen
        assert isinstance(screen, VaultsScreen)
        await wait_until(pilot, lambda: not screen.in_progress, what="backup's vaults")
        errors = str(screen.query_one("#errors").render())
        assert f"{DOWN}: {cause}" in errors, errors
        shown = {(row[0], row[1]) for row in table_text(app)}
        assert (DR, f"dr-{DR}") in shown, shown


async def test_check_groups_that_cannot_reach_the_region_down_are_unknown_not_pending(
    demo: Demo, tmp_path: Path
) -> None:
    """The checks panel of a DR copy, its destination (by default the vault the copy came
    from) in the Region down: the groups whose reads met the outage showed `…` (as if still
    reading) with their checks gone; they say UNKNOWN with the cause, the others their
    verdicts."""
    sandbox, info = demo.sandbox, demo.info
    backup = info.accounts["backup"]
    points = sandbox.client("backup", backup, DR).list_recovery_points_by_backup_vault(
        BackupVaultName=f"dr-{DR}"
    )["RecoveryPoints"]
    found = max((p for p in points if p["ResourceType"] == "EFS"), key=lambda p: p["CreationDate"])
    rp = RecoveryPoint(
        arn=found["RecoveryPointArn"],
        vault_name=f"dr-{DR}",
        account_id=backup,
        region=DR,
        resource_arn=found["ResourceArn"],
        resource_type=found["ResourceType"],
        resource_name=found.get("ResourceName", ""),
        created=found["CreationDate"],
        status=found["Status"],
        size_bytes=None,
        encryption_key_arn=found.get("EncryptionKeyArn", ""),
        is_encrypted=True,
        source_vault_arn=found.get("SourceBackupVaultArn"),
        expires=None,
    )
    destination = f"arn:aws:backup:{DOWN}:{info.accounts['prod']}:backup-vault:prod-vault"
    settings = replace(demo.settings, state_dir=tmp_path)
    screen = ChecksScreen(rp, settings, AwsSessions(settings), destination=destination)
    demo.sandbox.options.regions_down = {DOWN: "reset"}
    try:
        app = Host(screen)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: not screen.pending, what="checks", timeout=60)
            assert screen.failed, screen.rows
            for group, note in screen.failed.items():
                assert note.startswith("could not run: NETWORK: "), (group, note)
            table = screen.query_one("#checks-table", DataTable)
            statuses = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
            assert "…" not in statuses, statuses
            assert statuses.count("UNKNOWN") >= len(screen.failed), statuses
            assert screen.rows["source"], "the source's checks, in the DR Region, are judged"
            # The destination picker lists the vaults of the Regions that answer (it stayed
            # empty: one unreachable Region failed the whole listing).
            dr_vault = f"arn:aws:backup:{DR}:{info.accounts['prod']}:backup-vault:prod-vault"
            await wait_until(pilot, lambda: dr_vault in screen.listed, what="the picker")
            assert all(f":{DOWN}:" not in arn for arn in screen.listed if arn != destination)
    finally:
        demo.sandbox.options.regions_down = {}


async def test_the_checks_panel_moves_its_default_destination_out_of_the_region_down(
    demo: Demo, workload_region_down: str
) -> None:
    """`c` on a DR copy: the destination it defaults to, the vault the copy came from, is in
    the Region down. The panel checks the same account's vault in a Region that answers
    instead and says why; the vault it came from stays in the picker, and once the operator
    picks it, it is theirs (not moved again)."""
    cause = "NETWORK" if workload_region_down == "reset" else "SERVICE_ERROR"
    backup, prod = demo.info.accounts["backup"], demo.info.accounts["prod"]
    newest = newest_recovery_point(demo, backup, DR, f"dr-{DR}", ResourceType="EFS")
    source = f"arn:aws:backup:{DOWN}:{prod}:backup-vault:prod-vault"
    assert newest["SourceBackupVaultArn"] == source
    instead = f"arn:aws:backup:{DR}:{prod}:backup-vault:prod-vault"
    app = demo.app(configured_region=DOWN)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_account(pilot, backup)
        names = [row[1] for row in table_text(app)]
        await pilot.press(*["down"] * names.index(f"dr-{DR}"), "enter")
        assert isinstance(app.screen, RecoveryPointsScreen)
        await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
        await pilot.press("slash", *"prod efs", "enter", "enter")
        assert isinstance(app.screen, DetailScreen)
        assert dict(app.screen.fields)["Recovery point"] == newest["RecoveryPointArn"]
        await pilot.press("c")
        screen = app.screen
        assert isinstance(screen, ChecksScreen)
        await wait_until(pilot, lambda: screen.destination == instead, what="moved", timeout=60)
        await wait_until(pilot, lambda: not screen.pending, what="checks", timeout=60)
        assert screen.query_one("#destination", Input).value == instead
        words = " ".join(str(screen.query_one("#destination-words").render()).split())
        assert f"Copy to prod ({prod}) {DR} prod-vault" in words, words
        assert f"Not the vault it came from, prod ({prod}) {DOWN} prod-vault" in words, words
        assert f"{DOWN} does not answer ({cause})" in words, words
        # Judged where the copy will go: nothing met the outage.
        assert not screen.failed, screen.failed
        assert not [c for g in screen.rows.values() for c in g if c.cause in (cause,)]
        assert source in screen.listed and instead in screen.listed
        # The operator picks the vault it came from: kept, said as it is.
        choice = screen.query_one("#destination-choice", Select)
        choice.value = source
        await wait_until(pilot, lambda: screen.destination == source, what="picked")
        await wait_until(pilot, lambda: not screen.pending, what="checks", timeout=60)
        words = " ".join(str(screen.query_one("#destination-words").render()).split())
        assert f"Copy to prod ({prod}) {DOWN} prod-vault" in words, words
        assert "Not the vault it came from" not in words, words
        await pilot.pause(0.5)
        assert screen.destination == source
        assert screen.query_one("#destination", Input).value == source
