"""The wizard's destination list at 80x24, picked away from its own Enter: `Plan and check` (by
Shift+Tab and Enter, or a click) and Enter in a field after keys that moved over vaults
arriving plan nothing until pressed again, and a click on a row takes the vault drawn where it
landed, never the row's index. What counts is the copy that reached the sandbox (plain boto3).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.events import Click
from textual.pilot import Pilot
from textual.widgets import Checkbox

from drconsole.aws.audit import AuditLog
from drconsole.tui import settled_pick
from drconsole.tui.app import DrConsoleApp
from drconsole.tui.wizard.destination_list import Destination, DestinationList
from drconsole.tui.wizard.destinations import HELD_LINE
from drconsole.tui.wizard.screen import ARMING_SECONDS, CopyRestoreWizard
from tests.tui.conftest import Demo, screen_lines, wait_until
from tests.tui.test_wizard import EU, NORTH, pane, read_to_end, text_of
from tests.tui.test_wizard_dest_typed_ahead import open_dr_vault, wizard_of

SIZE = (80, 24)
# Longer than any pause a loaded machine puts between two keys of a burst, or between a key and
# the vaults the test lets arrive behind it (the list's own is 0.6 s).
SLOW_SETTLE = 5.0


def copies_into(demo: Demo, vault_arn: str) -> list[dict[str, Any]]:
    """The copy jobs AWS knows from the backup account's eu-north-1 into `vault_arn`."""
    source = demo.sandbox.client("backup", demo.info.accounts["backup"], NORTH)
    return list(source.list_copy_jobs(ByDestinationVaultArn=vault_arn)["CopyJobs"])


def sandbox_destinations(demo: Demo, own_vault: str) -> list[Destination]:
    """Every vault of the organization in both Regions, read with plain boto3, as the list
    shows them (the recovery point's own vault left out, as the wizard leaves it out)."""
    found = []
    for name, account_id in demo.info.accounts.items():
        for region in (EU, NORTH):
            backup = demo.sandbox.client("backup", account_id, region)
            for vault in backup.list_backup_vaults()["BackupVaultList"]:
                arn = vault["BackupVaultArn"]
                if arn != own_vault:
                    found.append(
                        Destination(arn, name, account_id, region, vault["BackupVaultName"])
                    )
    return sorted(found, key=lambda d: d.sort_key)


async def open_on_prod_s3(
    pilot: Pilot[Any], demo: Demo, answering: int, nth: int
) -> CopyRestoreWizard:
    """The wizard on prod's `nth` newest S3 copy in the DR vault (each test its own: a second
    copy of one point into one vault is a caution to accept), to copy alone (no restore), its
    listing of vaults held back once `answering` account-Regions have answered."""
    await open_dr_vault(pilot, demo)
    await pilot.press("slash", *"prod s3", "enter", *["down"] * nth)
    demo.sandbox.fail_operation("backup:ListBackupVaults", "hold", after=answering)
    await pilot.press("w")
    wizard, _ = wizard_of(pilot.app)
    wizard.query_one("#restore", Checkbox).value = False
    return wizard


async def copy_planned(pilot: Pilot[Any], wizard: CopyRestoreWizard) -> None:
    """From a plan being read: confirm and start the copy, read as a person reads it."""
    await wait_until(pilot, lambda: wizard.prepared is not None, what="plan", timeout=30)
    assert wizard.prepared is not None and wizard.prepared.ok, text_of(wizard.app, "#plan-text")
    await pilot.press("enter")  # Next: confirm
    assert pane(wizard.app) == "confirm"
    await read_to_end(pilot, wizard)
    await pilot.pause(ARMING_SECONDS)
    await pilot.press("enter")  # Start
    try:
        await wait_until(pilot, lambda: pane(wizard.app) == "result", what="result", timeout=60)
    except AssertionError:
        print("\n".join(screen_lines(wizard.app)), wizard.app.focused)
        raise


def copies_sent(state_dir: Path) -> list[str]:
    """The destination of every StartCopyJob the console sent (its audit log)."""
    sent = [c for c in AuditLog(state_dir).calls() if c["operation"] == "backup:StartCopyJob"]
    return [c["parameters"]["DestinationBackupVaultArn"] for c in sent]


async def moves_over_arriving_vaults(pilot: Pilot[Any], demo: Demo, nth: int) -> DestinationList:
    """↓ while two account-Regions have answered, the rest arriving, then Home (the top row):
    one burst of moves during which vaults were put in the list."""
    app = pilot.app
    try:
        wizard = await open_on_prod_s3(pilot, demo, answering=2, nth=nth)
        destinations = wizard.destinations
        listing = destinations.listing
        await wait_until(pilot, lambda: destinations.progress.answered >= 2, what="answers")
        before = listing.row_count
        await pilot.press("down")
        demo.sandbox.clear_faults()
        await wait_until(pilot, lambda: destinations.progress.done, what="every vault")
        assert listing.row_count > before
        await pilot.press("home")
    finally:
        demo.sandbox.clear_faults()
    assert isinstance(app.screen, CopyRestoreWizard)
    return listing


def assert_held(app: DrConsoleApp, listing: DestinationList, top: Destination) -> None:
    """Nothing planned; the list and the screen say the vault highlighted is held."""
    wizard, destinations = wizard_of(app)
    assert pane(app) == "destination" and wizard.plan_attempt == 0
    assert listing.highlighted == top and listing.held == top
    assert destinations.destination == top.arn
    shown = "\n".join(screen_lines(app))
    assert HELD_LINE in shown and f"Destination: {top.label()}" in shown, shown


async def test_shift_tab_to_plan_and_check_after_moves_over_arriving_vaults_plans_nothing_yet(
    demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`↓ … Home Shift+Tab Enter`, vaults arriving under the moves: `Plan and check` planned
    with the vault reached at once (only the list's own Enter was held). Now it plans nothing,
    an Enter right behind plans nothing either, and Enter once settled copies to that vault."""
    monkeypatch.setattr(settled_pick, "SETTLE_SECONDS", SLOW_SETTLE)
    own = f"arn:aws:backup:{NORTH}:{demo.info.accounts['backup']}:backup-vault:dr-eu-north-1"
    top = sandbox_destinations(demo, own)[0]
    copies_before = copies_into(demo, top.arn)
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        listing = await moves_over_arriving_vaults(pilot, demo, nth=1)
        await pilot.press("shift+tab")
        assert app.focused is not None and app.focused.id == "plan-button"
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert_held(app, listing, top)
        await pilot.press("enter")  # pressed again right behind: it waits too
        await pilot.pause(0.2)
        assert_held(app, listing, top)

        await pilot.pause(SLOW_SETTLE + 0.5)
        await pilot.press("enter")
        wizard, _ = wizard_of(app)
        assert pane(app) == "plan" and wizard.plan_attempt == 1
        assert f"Destination: {top.label()}" in text_of(app, "#plan-text")
        await copy_planned(pilot, wizard)

    assert copies_sent(tmp_path) == [top.arn]
    assert len(copies_into(demo, top.arn)) == len(copies_before) + 1


@pytest.mark.parametrize("press", ["click on Plan and check", "Tab, Enter in the ARN field"])
async def test_a_click_on_plan_and_check_or_enter_in_a_field_after_such_moves_waits_too(
    demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, press: str
) -> None:
    """The same burst ended by a click on `Plan and check`, or by Tab to the empty ARN field
    and Enter: each planned at once with the vault reached. Now each is held, and the same
    press once settled copies to the vault the screen named."""
    monkeypatch.setattr(settled_pick, "SETTLE_SECONDS", SLOW_SETTLE)
    own = f"arn:aws:backup:{NORTH}:{demo.info.accounts['backup']}:backup-vault:dr-eu-north-1"
    top = sandbox_destinations(demo, own)[0]
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        nth = 2 if press.startswith("click") else 3
        listing = await moves_over_arriving_vaults(pilot, demo, nth=nth)
        if press.startswith("click"):
            await pilot.click("#plan-button")
        else:
            await pilot.press("tab")
            assert app.focused is not None and app.focused.id == "dest-arn"
            await pilot.press("enter")
        await pilot.pause(0.2)
        assert_held(app, listing, top)

        await pilot.pause(SLOW_SETTLE + 0.5)
        if press.startswith("click"):
            await pilot.click("#plan-button")
        else:
            await pilot.press("enter")
        wizard, _ = wizard_of(app)
        assert pane(app) == "plan" and wizard.plan_attempt == 1
        await copy_planned(pilot, wizard)

    assert copies_sent(tmp_path) == [top.arn]


async def click_as_vaults_arrive(
    pilot: Pilot[Any], listing: DestinationList, line: int, arrive: Callable[[], None]
) -> None:
    """A click on the list's `line` (0: the first row), read by the screen from what is drawn
    there; `arrive` puts vaults in the list before the list handles it (as an account's
    answer handled between the two does)."""
    app = pilot.app
    x, y = listing.region.x + 3, listing.region.y + 1 + line
    app.mouse_position = (x, y)
    app.screen._forward_event(
        Click(listing, x, y, 0, 0, 1, False, False, False, screen_x=x, screen_y=y, chain=1)
    )
    arrive()
    await pilot.pause(0.1)


async def clicks_with_vaults_held_back(
    demo: Demo, tmp_path: Path, nth: int, scenario: Callable[..., Any]
) -> str:
    """The wizard with no account answered yet: `scenario(pilot, wizard, first, later)` puts
    the organization's vaults in the list in two steps (`first`, then `later` above them) as
    the answers would, and clicks. The ARN the copy went to, read from the audit log."""
    app = demo.app(state_dir=tmp_path)
    own = f"arn:aws:backup:{NORTH}:{demo.info.accounts['backup']}:backup-vault:dr-eu-north-1"
    everything = sandbox_destinations(demo, own)
    try:
        async with app.run_test(size=SIZE) as pilot:
            wizard = await open_on_prod_s3(pilot, demo, answering=0, nth=nth)
            assert wizard.point is not None and wizard.point.vault_arn == own
            later = [d for d in everything if d.account_name in ("backup", "dev")]
            first = [d for d in everything if d not in later]
            await scenario(pilot, wizard, first, later)
            demo.sandbox.clear_faults()  # the real answers: the same vaults, nothing moves
            await copy_planned(pilot, wizard)
    finally:
        demo.sandbox.clear_faults()
    sent = copies_sent(tmp_path)
    assert len(sent) == 1, sent
    return sent[0]


async def test_a_click_on_a_row_highlights_the_vault_drawn_there_not_the_one_now_at_its_index(
    demo: Demo, tmp_path: Path
) -> None:
    """dev-vault highlighted (↓), prod's eu-central-1 vault clicked on the line below it, and
    the backup account's vault sorts in above both as the click lands: dev-vault now held the
    index clicked, so the click was read as one on the highlighted row and planned a copy into
    dev-vault. Now it highlights the vault drawn under the pointer; the next click copies there.
    """
    prod = f"arn:aws:backup:{EU}:{demo.info.accounts['prod']}:backup-vault:prod-vault"
    dev = f"arn:aws:backup:{EU}:{demo.info.accounts['dev']}:backup-vault:dev-vault"
    dev_copies = len(copies_into(demo, dev))

    async def scenario(
        pilot: Pilot[Any], wizard: CopyRestoreWizard, first: list[Destination], later: list[Any]
    ) -> None:
        listing = wizard.destinations.listing
        listing.add_destinations([d for d in first + later if d.account_name != "backup"])
        await pilot.pause(0.5)
        assert [row_arn(listing, 0), row_arn(listing, 1)] == [dev, prod]
        await pilot.press("down")  # dev-vault highlighted
        await pilot.pause(1.0)
        assert listing.highlighted is not None and listing.highlighted.arn == dev
        backup = [d for d in later if d.account_name == "backup"]
        await click_as_vaults_arrive(pilot, listing, 1, lambda: listing.add_destinations(backup))
        assert pane(wizard.app) == "destination" and wizard.plan_attempt == 0
        assert listing.highlighted is not None and listing.highlighted.arn == prod
        assert wizard.destinations.destination == prod
        await pilot.pause(1.0)
        line = listing.cursor_row - round(listing.scroll_y)
        await pilot.click(listing, offset=(3, 1 + line))  # the vault highlighted: picked
        assert pane(wizard.app) == "plan"

    assert await clicks_with_vaults_held_back(demo, tmp_path, 4, scenario) == prod
    assert len(copies_into(demo, dev)) == dev_copies


async def test_a_click_on_the_highlighted_vault_picks_it_as_vaults_sort_in_above_it(
    demo: Demo, tmp_path: Path
) -> None:
    """prod's eu-central-1 vault highlighted by a click and clicked again as the backup
    account's vault sorts in above it: the click's index then named dev-vault, which it
    highlighted instead of planning anything. Now it picks the vault drawn under the pointer,
    and the copy goes there."""
    prod = f"arn:aws:backup:{EU}:{demo.info.accounts['prod']}:backup-vault:prod-vault"

    async def scenario(
        pilot: Pilot[Any], wizard: CopyRestoreWizard, first: list[Destination], later: list[Any]
    ) -> None:
        listing = wizard.destinations.listing
        listing.add_destinations([d for d in first + later if d.account_name != "backup"])
        await pilot.pause(0.5)
        assert row_arn(listing, 1) == prod
        await pilot.click(listing, offset=(3, 2))  # prod's vault, on the second line
        await pilot.pause(1.0)  # highlighted, and seen
        assert pane(wizard.app) == "destination"
        assert listing.highlighted is not None and listing.highlighted.arn == prod
        backup = [d for d in later if d.account_name == "backup"]
        await click_as_vaults_arrive(pilot, listing, 1, lambda: listing.add_destinations(backup))
        assert listing.row_count == len(first) + len(later)
        assert pane(wizard.app) == "plan" and wizard.plan_attempt == 1
        assert wizard.destinations.destination == prod

    assert await clicks_with_vaults_held_back(demo, tmp_path, 5, scenario) == prod


async def test_a_first_click_on_the_top_row_highlights_it_and_plans_nothing(
    demo: Demo, tmp_path: Path
) -> None:
    """With no vault highlighted yet, a click on the top row showed the cursor there and then
    read the same click as one on the highlighted row: it planned at once, the vault never
    seen highlighted nor named on the Destination line. Now it highlights; a second copies."""

    async def scenario(
        pilot: Pilot[Any], wizard: CopyRestoreWizard, first: list[Destination], later: list[Any]
    ) -> None:
        listing = wizard.destinations.listing
        listing.add_destinations(first + later)
        await pilot.pause(0.5)
        top = row_arn(listing, 0)
        await pilot.click(listing, offset=(3, 1))
        await pilot.pause(0.2)
        assert pane(wizard.app) == "destination" and wizard.plan_attempt == 0
        assert listing.highlighted is not None and listing.highlighted.arn == top
        await pilot.pause(1.0)
        await pilot.click(listing, offset=(3, 1))
        assert pane(wizard.app) == "plan"

    own = f"arn:aws:backup:{NORTH}:{demo.info.accounts['backup']}:backup-vault:dr-eu-north-1"
    top = sandbox_destinations(demo, own)[0]
    assert await clicks_with_vaults_held_back(demo, tmp_path, 6, scenario) == top.arn


def row_arn(listing: DestinationList, row: int) -> str:
    """The ARN of the vault on the list's `row`."""
    return str(listing.coordinate_to_cell_key((row, 0))[0].value)


async def test_keys_right_behind_vaults_arriving_are_held_and_keys_after_a_read_pick(
    demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dev's vault sorts in on the top line an instant before `↓ ↓ Enter`: the keys were typed
    for the list as it was (↓ showed the top row, now dev-vault), and Enter picked at once. Now
    it is held. The backup account's vault arriving and read a moment before the next keys
    holds nothing: they pick at once, and the copy goes to the vault they reached."""
    # Both windows longer than the console's, in proportion, so that a loaded machine's pauses
    # between the test's own steps never decide the outcome.
    monkeypatch.setattr(settled_pick, "UNSEEN_SECONDS", 2.0)
    monkeypatch.setattr(settled_pick, "SETTLE_SECONDS", 2.0)
    reading = 3.0
    prod = f"arn:aws:backup:{EU}:{demo.info.accounts['prod']}:backup-vault:prod-vault"

    async def scenario(
        pilot: Pilot[Any], wizard: CopyRestoreWizard, first: list[Destination], later: list[Any]
    ) -> None:
        listing = wizard.destinations.listing
        listing.add_destinations(first)
        await pilot.pause(reading)
        dev = [d for d in later if d.account_name == "dev"]
        listing.add_destinations(dev)
        await pilot.press("down", "down", "enter")
        await pilot.pause(0.2)
        assert pane(wizard.app) == "destination" and wizard.plan_attempt == 0
        assert listing.highlighted is not None and listing.highlighted.arn == prod
        assert listing.held == listing.highlighted

        await pilot.pause(reading)
        listing.add_destinations([d for d in later if d.account_name == "backup"])
        await pilot.pause(reading)
        await pilot.press("up", "down", "enter")
        assert pane(wizard.app) == "plan" and wizard.plan_attempt == 1

    assert await clicks_with_vaults_held_back(demo, tmp_path, 7, scenario) == prod
