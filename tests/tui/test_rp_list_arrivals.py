"""A recovery point chosen (clicked, or moved to with the keys) in a vault still loading stays
the one highlighted when the next page sorts in above it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from drconsole.tui.app import DrConsoleApp
from drconsole.tui.screens.recovery_points import RecoveryPointsScreen
from drconsole.tui.widgets.recovery_point_list import RecoveryPointList
from drconsole.tui.wizard.screen import CopyRestoreWizard
from tests.tui.conftest import NOW, sandbox_settings, wait_until
from tests.tui.test_screens import open_account

LIST = "backup:ListRecoveryPointsByBackupVault"


@pytest.fixture(scope="module")
def large() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    """Vaults of 1,250 recovery points: two pages of AWS's 1,000."""
    sandbox, info = start_sandbox(
        "large", SandboxOptions(), accounts=5, vaults_per_account=1, recovery_points=10_000, now=NOW
    )
    try:
        yield sandbox, info
    finally:
        sandbox.stop()


async def test_the_point_clicked_stays_highlighted_when_the_next_page_sorts_in(
    large: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """Sorted by resource (N) while the first page is shown, a point clicked; the second page
    merges in above it. The cursor kept its index, so the highlight (and `w`) moved to
    another recovery point under the operator."""
    sandbox, info = large
    settings = sandbox_settings(sandbox, info, tmp_path, retry_max_attempts=2)
    app = DrConsoleApp(settings, now=lambda: NOW, readiness_after_inventory=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_account(pilot, info.accounts["prod"])
        sandbox.fail_operation(LIST, "hold", after=1)  # the second page waits
        try:
            await pilot.press("enter")  # prod-vault in eu-central-1
            screen = app.screen
            assert isinstance(screen, RecoveryPointsScreen)
            points = screen.query_one(RecoveryPointList)
            await wait_until(pilot, lambda: points.count == 1000, what="the first page")
            await pilot.press("N")  # by resource
            await pilot.click(points, offset=(5, 4))  # the fourth row on screen
            await pilot.pause(0.1)
            chosen = points.rows.arns[points.highlighted_row or 0]
            line = points.cursor - round(points.scroll_y)
            assert line == 3 and not screen.loading_done
        finally:
            sandbox.clear_faults()
        await wait_until(pilot, lambda: screen.loading_done, what="the second page", timeout=60)
        await pilot.pause(0.2)
        assert points.count == 1250
        assert points.highlighted_row is not None
        assert points.rows.arns[points.highlighted_row] == chosen
        assert points.cursor - round(points.scroll_y) == line  # on the line it was clicked on
        await pilot.press("w")
        wizard = app.screen
        assert isinstance(wizard, CopyRestoreWizard) and wizard.point is not None
        assert wizard.point.arn == chosen
