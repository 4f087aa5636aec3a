"""The console on a member account that has not enabled an opt-in Region: AWS refuses its
credentials there while it takes the caller's own, so that account's and Region's row says
UNKNOWN with the remedy, not the caller's expired credentials, and every other account loads."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drconsole.tui.screens.vaults import VaultsScreen
from tests.tui.conftest import Demo, table_text, wait_until
from tests.tui.test_screens import SIZE, accounts_loaded, open_account

EU, OPT_IN = "eu-central-1", "me-south-1"


@pytest.fixture
def prod_without_opt_in(demo: Demo) -> Iterator[str]:
    """The demo with prod refusing calls into me-south-1, as AWS does for a Region it has not
    enabled; prod's id."""
    prod = demo.info.accounts["prod"]
    demo.sandbox.options.disabled_regions = {prod: {OPT_IN}}
    try:
        yield prod
    finally:
        demo.sandbox.options.disabled_regions = {}


async def test_the_refused_region_is_its_accounts_unknown_and_the_others_load(
    demo: Demo, prod_without_opt_in: str
) -> None:
    prod = prod_without_opt_in
    app = demo.app(regions=(EU, OPT_IN))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        by_id = {row[1]: row for row in table_text(app) if row[1]}
        assert by_id[prod][5] == "⚠ UNKNOWN", by_id[prod]
        for role in ("backup", "qa"):
            assert by_id[demo.info.accounts[role]][5] == "ok", by_id
            assert by_id[demo.info.accounts[role]][2] not in ("?", "0")  # its vaults counted
        await open_account(pilot, prod)
        screen = app.screen
        assert isinstance(screen, VaultsScreen)
        await wait_until(pilot, lambda: not screen.in_progress, what="prod's vaults")
        errors = str(screen.query_one("#errors").render())
        assert f"{OPT_IN}: UNKNOWN" in errors, errors
        assert "CREDENTIALS_EXPIRED" not in errors
        assert "aws account enable-region" in " ".join(errors.split())
        vaults = demo.sandbox.client("backup", prod, EU).list_backup_vaults()["BackupVaultList"]
        shown = {row[1] for row in table_text(app) if row[0] == EU}
        assert shown == {v["BackupVaultName"] for v in vaults}
