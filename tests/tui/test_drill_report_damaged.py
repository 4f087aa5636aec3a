"""A past run's report.json edited or damaged by hand, opened from the Drills screen: one
notice naming the file, and the console goes on (it used to end on the first missing field)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from drconsole.tui.drills.list_screen import DrillsScreen
from tests.test_drill_history_damage import journal_with_reports
from tests.tui.conftest import notices as notices_said
from tests.tui.conftest import wait_until
from tests.tui.test_drills_screen import EXAMPLES, SIZE, app_on

DAMAGED = [
    # Shaped as a report, but its target says nothing more than its verdict.
    '{"run_id": "r", "verdict": "passed", "runbook": {"name": "payments"}, '
    '"targets": [{"verdict": "passed"}]}',
    # NaN, which Python's JSON reader takes and no duration can be.
    '{"run_id": "r", "verdict": "passed", "runbook": {"name": "payments"}, '
    '"targets": [{"verdict": "passed", "rto_seconds": NaN}]}',
    # Nested beyond reading: listed unreadable, and ended the console when opened.
    "[" * 100_000,
]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sb, info = start_sandbox("demo", SandboxOptions(time_scale=600))
    yield sb, info
    sb.stop()


@pytest.mark.parametrize("text", DAMAGED)
async def test_a_damaged_report_is_a_notice_and_the_console_goes_on(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, text: str
) -> None:
    folder = tmp_path / "runbooks"
    folder.mkdir()
    shutil.copy(EXAMPLES / "payments.yaml", folder / "payments.yaml")
    journal_with_reports(tmp_path / "state" / "drconsole", [text])
    app = app_on(sandbox, tmp_path, runbooks_dir=folder)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon", *"drills", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DrillsScreen), what="drills")
        listing = app.screen
        await wait_until(pilot, lambda: listing.catalog is not None, what="runbooks")  # type: ignore[attr-defined]
        await pilot.press("o")
        await pilot.pause(0.2)
        assert app.screen is listing and app.is_running
        notices = notices_said(app)
        assert any("report.json" in message for message in notices), notices
