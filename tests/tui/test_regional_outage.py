"""The console during a Regional outage: AWS_REGION (and the first Region configured) is the
workload Region, which does not answer; the console opens, every account's row says which
Region failed, and the backup account's DR vault in the other Region is browsed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drconsole.tui.screens.vaults import VaultsScreen
from tests.tui.conftest import Demo, table_text, wait_until
from tests.tui.test_screens import SIZE, accounts_loaded, open_account

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
