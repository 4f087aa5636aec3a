"""The jobs screen tells apart accounts that share a name: AWS Organizations allows it, and a
failed job attributed to "qa" must say which qa."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.widgets import DataTable

from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.server import SandboxOptions
from drconsole.tui.jobs_screen import JobsScreen
from tests.tui.conftest import NOW, Demo, sandbox_settings, wait_until
from tests.tui.test_jobs_screen import SMALL, open_jobs


@pytest.fixture(scope="module")
def twin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo organization plus a second account named qa."""
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0), now=NOW)
    try:
        org = sandbox.client("organizations", info.accounts["management"], info.region)
        org.create_account(Email="second-qa@example.com", AccountName="qa")
        settings = sandbox_settings(sandbox, info, tmp_path_factory.mktemp("state"))
        yield Demo(sandbox, info, settings)
    finally:
        sandbox.stop()


async def test_jobs_of_an_account_whose_name_is_shared_carry_its_id(twin: Demo) -> None:
    app = twin.app()
    qa = twin.info.accounts["qa"]
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_jobs(app, pilot)
        await wait_until(pilot, lambda: bool(screen.shown), what="jobs shown")
        assert isinstance(screen, JobsScreen)
        names = screen.account_names()
        table = screen.query_one("#jobs", DataTable)
        cells = {str(table.get_row_at(row)[2]) for row in range(table.row_count)}
    assert names[qa] == f"qa ({qa})" and names[twin.info.accounts["dev"]] == "dev"
    assert f"qa ({qa})" in cells and "qa" not in cells, cells
