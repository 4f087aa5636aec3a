"""Command mode and the palette's jumps (`app.goto`) do not close the drill abandon view while it
works: it would stop waiting for AWS's jobs (what they make then left) and its outcome would
never be shown. The jump is refused with a line saying why; the abandon goes on to its end and
says how it ended, and the jump works once it has."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from drconsole.tui.arming import ARMING_SECONDS
from drconsole.tui.drills.abandon_screen import DrillAbandonScreen
from drconsole.tui.screens.accounts import AccountsScreen
from drconsole.tui.screens.confirm import ConfirmDialog
from tests.test_drill_run import demo_sandbox
from tests.tui.conftest import notices as notices_said
from tests.tui.conftest import wait_until
from tests.tui.test_drills_abandon import (
    SIZE,
    app_on,
    killed_drill,
    log_of,
    open_drills,
    restore_job,
    tables,
    text_of,
    unfinished,
)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    yield from demo_sandbox()


async def test_a_jump_waits_for_the_abandon_to_end_and_its_outcome_is_shown(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    # A restore of about 15 s: still running when the jump comes on a loaded machine (at the
    # default 7 s, a loaded CI run saw the abandon end before the operator's jump).
    run_id, job_id = killed_drill(sb, info, tmp_path, "tui-jumped-table", time_scale=10)
    app = app_on(sandbox, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_drills(app, pilot)
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="asked")
        await pilot.pause(ARMING_SECONDS)  # yes answers once the question was on screen
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, DrillAbandonScreen), what="view")
        view = app.screen
        assert isinstance(view, DrillAbandonScreen)
        await wait_until(
            pilot, lambda: f"Waiting for restore job {job_id}" in log_of(app), what="waiting"
        )
        await pilot.press("colon", *"accounts", "enter")  # the operator jumps elsewhere
        await pilot.pause(0.3)
        assert app.screen is view and not view.stop.is_set()
        said = notices_said(app)
        assert any(f"Drill {run_id} is being abandoned" in m for m in said), said

        # It goes on waiting for AWS's job, then deletes what the drill made, and says so.
        await wait_until(
            pilot,
            lambda: "nothing it created is left" in text_of(app),
            what="abandoned",
            timeout=90,
        )
        assert restore_job(sb, info, job_id)["Status"] == "COMPLETED"
        assert "tui-jumped-table" not in tables(sb, info)
        assert not unfinished(tmp_path, run_id)

        # Ended, the view lets the jump go.
        await pilot.press("colon", *"accounts", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen), what="jumped")
