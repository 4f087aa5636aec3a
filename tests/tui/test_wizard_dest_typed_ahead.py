"""The wizard's destination list at 80x24 while its vaults arrive: keys typed ahead over rows
that arrive between them pick nothing until Enter again; keys typed once the rows are there
pick at once, and the copy goes to the vault picked (read back with plain boto3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox

from drconsole.aws.audit import AuditLog
from drconsole.tui import settled_pick
from drconsole.tui.app import DrConsoleApp
from drconsole.tui.wizard.destinations import HELD_LINE, DestinationPane
from drconsole.tui.wizard.screen import ARMING_SECONDS, CopyRestoreWizard
from tests.tui.conftest import Demo, screen_lines, wait_until
from tests.tui.test_screens import open_account
from tests.tui.test_wizard import EU, NORTH, pane, read_to_end, text_of

SIZE = (80, 24)
# Longer than any pause a loaded machine puts between two keys of a burst, or between a key and
# the vaults the test lets arrive behind it.
SLOW_SETTLE = 3.0
# A person's pause between the list's last vaults appearing and their first key: rows put in the
# list an instant before a burst count as put under it (settled_pick.UNSEEN_SECONDS).
READING_SECONDS = 0.5


async def open_dr_vault(pilot: Pilot[Any], demo: Demo) -> None:
    """The backup account's dr-eu-north-1 vault, every recovery point listed."""
    await open_account(pilot, demo.info.accounts["backup"])
    await pilot.press("down", "enter")
    await wait_until(pilot, lambda: pilot.app.screen.loading_done, what="recovery points")


def wizard_of(app: DrConsoleApp) -> tuple[CopyRestoreWizard, DestinationPane]:
    wizard = app.screen
    assert isinstance(wizard, CopyRestoreWizard)
    return wizard, wizard.query_one(DestinationPane)


async def test_down_keys_typed_while_vaults_arrive_plan_nothing_until_enter_again(
    demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settled_pick, "SETTLE_SECONDS", SLOW_SETTLE)
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_dr_vault(pilot, demo)
        # Two account-Regions answer at once; the others once the operator has begun to type.
        demo.sandbox.fail_operation("backup:ListBackupVaults", "hold", after=2)
        try:
            await pilot.press("w")
            wizard, destinations = wizard_of(app)
            listing = destinations.listing
            await wait_until(pilot, lambda: destinations.progress.answered >= 2, what="answers")
            before = listing.row_count
            await pilot.press("down")
            demo.sandbox.clear_faults()
            await wait_until(pilot, lambda: listing.row_count > before, what="more vaults")
            await pilot.press("down", "down", "enter")
            await pilot.pause(0.2)
        finally:
            demo.sandbox.clear_faults()
        # Nothing planned: the Enter was typed over rows that arrived under the keys before it.
        assert pane(app) == "destination" and wizard.plan_attempt == 0
        held = listing.highlighted
        assert held is not None and listing.held == held
        lines = screen_lines(app)
        shown = "\n".join(lines)
        assert HELD_LINE in shown and f"Destination: {held.label()}" in shown, shown
        # The vault named is on screen, highlighted, above the notice (not covered by it).
        row = next(i for i, text in enumerate(lines) if held.vault_name in text)
        assert row < next(i for i, text in enumerate(lines) if HELD_LINE in text), shown

        await pilot.press("enter")  # a second Enter right behind it waits too
        await pilot.pause(0.2)
        assert pane(app) == "destination" and wizard.plan_attempt == 0

        await wait_until(pilot, lambda: destinations.progress.done, what="every vault")
        await pilot.pause(SLOW_SETTLE)
        assert listing.highlighted == held  # the rest arrived around it
        await pilot.press("enter")
        await wait_until(pilot, lambda: wizard.prepared is not None, what="plan", timeout=30)
        assert wizard.prepared is not None and wizard.prepared.plan.destination is not None
        assert wizard.prepared.plan.destination.arn == held.arn
        assert f"Destination: {held.label()}" in text_of(app, "#plan-text")


async def test_keys_typed_once_the_vaults_are_listed_pick_at_once_and_copy_there(
    demo: Demo, tmp_path: Path
) -> None:
    backup, prod = demo.info.accounts["backup"], demo.info.accounts["prod"]
    target = f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault"
    source = demo.sandbox.client("backup", backup, NORTH)
    copies_before = source.list_copy_jobs(ByDestinationVaultArn=target)["CopyJobs"]
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_dr_vault(pilot, demo)
        await pilot.press("slash", *"prod s3", "enter", "w")
        wizard, destinations = wizard_of(app)
        wizard.query_one("#restore", Checkbox).value = False  # the copy alone
        listing = destinations.listing
        await wait_until(pilot, lambda: destinations.progress.done, what="every vault")
        await pilot.pause(READING_SECONDS)  # `9 vaults in …` read, as a person reads it
        keys = sorted(d.sort_key for d in listing.destinations.values())
        row = keys.index(listing.destinations[target].sort_key)
        # Down shows the cursor on the top row, each Down after it moves one: then Enter.
        await pilot.press(*["down"] * (row + 1), "enter")
        assert pane(app) == "plan" and wizard.plan_attempt == 1  # picked at once
        await wait_until(pilot, lambda: wizard.prepared is not None, what="plan", timeout=30)
        prepared = wizard.prepared
        assert prepared is not None and prepared.ok, text_of(app, "#plan-text")
        assert prepared.plan.destination is not None
        assert prepared.plan.destination.arn == target
        await pilot.press("enter")  # Next: confirm
        assert pane(app) == "confirm"
        await read_to_end(pilot, wizard)
        await pilot.pause(ARMING_SECONDS)
        await pilot.press("enter")  # Start
        await wait_until(pilot, lambda: pane(app) == "result", what="result", timeout=60)

    # The copy AWS ran is the one confirmed, into the vault picked.
    sent = [c for c in AuditLog(tmp_path).calls() if c["operation"] == "backup:StartCopyJob"]
    assert [c["parameters"]["DestinationBackupVaultArn"] for c in sent] == [target]
    copies = source.list_copy_jobs(ByDestinationVaultArn=target)["CopyJobs"]
    assert len(copies) == len(copies_before) + 1
