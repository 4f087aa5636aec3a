"""Lists chosen from with the mouse (tmux `mouse on`, iTerm, Windows Terminal): a click picks
the row clicked, as the keys do, and a sort or rows arriving keep the cursor on it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable

from drconsole.flows.journal import Journal
from drconsole.tui import arming
from drconsole.tui.screens.confirm import ConfirmDialog
from drconsole.tui.screens.recovery_points import RecoveryPointsScreen
from drconsole.tui.widgets.recovery_point_list import RecoveryPointList
from drconsole.tui.wizard.destination_list import DestinationList
from drconsole.tui.wizard.screen import CopyRestoreWizard
from tests.tui.conftest import Demo, table_text, wait_until
from tests.tui.test_jobs_shared_state import open_jobs, plan
from tests.tui.test_screens import open_account
from tests.tui.test_wizard import SLOW_ARMING, pane
from tests.tui.test_wizard_dest_typed_ahead import READING_SECONDS

SIZE = (120, 40)


async def click_row(pilot: Any, table: DataTable[Any], row: int) -> None:
    """A click on the table's `row` (its first cell; the header is line 0)."""
    await pilot.click(table, offset=(3, 1 + row))
    await pilot.pause(0.05)


async def test_a_clicked_row_stays_chosen_when_the_list_is_sorted(demo: Demo) -> None:
    """Click the second vault, then the first (the one the screen put the cursor on), then
    sort the other way: Enter opens the vault clicked. The cursor went to the new top row,
    as if the operator had chosen nothing, and Enter opened the other vault."""
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await open_account(pilot, demo.info.accounts["backup"])
        table = app.screen.query_one(DataTable)
        names = [row[1] for row in table_text(app)]
        assert len(names) == 2, names
        await click_row(pilot, table, 1)
        await click_row(pilot, table, 0)
        assert table.cursor_row == 0
        await pilot.press("R", "R")  # by Region, then the other way: the rows swap
        await pilot.pause(0.1)
        assert [row[1] for row in table_text(app)] == names[::-1]
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RecoveryPointsScreen))
        assert names[0] in " ".join(app.screen.trail), app.screen.trail


async def test_the_first_click_in_the_destination_list_highlights_the_vault_clicked(
    demo: Demo,
) -> None:
    """No vault is highlighted until the operator chooses one. The first click showed the
    cursor on the top row instead of the vault clicked, so `Plan and check` (or a second
    click there) planned a copy into a vault nobody clicked."""
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await open_account(pilot, demo.info.accounts["backup"])
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
        await pilot.press("w")
        wizard = app.screen
        assert isinstance(wizard, CopyRestoreWizard)
        listing = wizard.query_one(DestinationList)
        await wait_until(pilot, lambda: wizard.destinations.progress.done, what="destinations")
        await pilot.pause(READING_SECONDS)  # the list read before the click
        assert listing.row_count > 3 and listing.highlighted is None
        await click_row(pilot, listing, 2)
        third = listing.destinations[str(listing.coordinate_to_cell_key((2, 0))[0].value)]
        assert listing.highlighted == third, listing.highlighted
        assert wizard.destinations.destination == third.arn
        chosen = str(wizard.query_one("#dest-chosen").render())
        assert f"Destination: {third.label()}" in chosen, chosen
        assert pane(app) == "destination"  # a click highlights; it plans nothing
        await click_row(pilot, listing, 2)  # the vault highlighted, clicked again: picked
        await wait_until(pilot, lambda: pane(app) == "plan", what="the plan")
        assert wizard.destinations.destination == third.arn


async def test_a_click_below_the_last_recovery_point_chooses_nothing(demo: Demo) -> None:
    """qa-legacy-vault holds 4 recovery points: a click on the empty lines below them moved the
    cursor to the last one, and `w` opened the wizard on a point nobody clicked."""
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await open_account(pilot, demo.info.accounts["qa"])
        names = [row[1] for row in table_text(app)]
        await pilot.press(*["down"] * names.index("qa-legacy-vault"), "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RecoveryPointsScreen))
        await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
        points = app.screen.query_one(RecoveryPointList)
        assert points.count == 4 and points.cursor == 0
        first = points.highlighted_row
        await pilot.click(points, offset=(5, 12))  # line 11 of the list: no row there
        await pilot.pause(0.1)
        assert points.highlighted_row == first
        await pilot.click(points, offset=(5, 3))  # the third point
        await pilot.pause(0.1)
        assert points.cursor == 2
        third = points.rows.arns[points.highlighted_row or 0]
        await pilot.press("w")
        wizard = app.screen
        assert isinstance(wizard, CopyRestoreWizard) and wizard.point is not None
        assert wizard.point.arn == third


async def test_a_click_on_abandon_as_the_question_appears_abandons_nothing(
    demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`x` on a flow asks `Abandon flow …?`; a click landing on `Abandon (y)` as the dialog
    appears (meant for the jobs screen under it) abandoned the flow at once. The button now
    answers once it has been on screen a moment, as the wizard's Start does."""
    # A longer arming than the console's: on a loaded machine the click could come later than
    # the console's 0.6 s after the dialog, and this test is about a click within it.
    monkeypatch.setattr(arming, "ARMING_SECONDS", SLOW_ARMING)
    flow_id = "00000000c001"
    plan(tmp_path, flow_id)
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_jobs(app, pilot)
        await wait_until(pilot, lambda: bool(screen.flows), what="flows", timeout=30)
        await pilot.press("x")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        await pilot.click("#yes")
        await pilot.pause(0.1)
        assert app.screen is dialog
        state = Journal(tmp_path).flow(flow_id)
        assert state is not None and state.status != "failed"
        await pilot.pause(SLOW_ARMING)
        await pilot.click("#yes")
        await pilot.pause(0.5)
        assert app.screen is not dialog
    state = Journal(tmp_path).flow(flow_id)
    assert state is not None and state.status == "failed"
