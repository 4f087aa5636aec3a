"""At 80x24, every request the wizard sends was readable whole on the pane that confirmed it:
the pane is read from the terminal's cells (what a person sees, notices included), page by
page, and every value of every request in the audit log must be there, uncut and uncovered,
with the account and Region it ran in; the sandbox, asked with plain boto3, has the jobs there.
Also: a burst of Enters cannot page a long request to its end and send it unread."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from textual.containers import VerticalScroll
from textual.widgets import Button, Checkbox, Input

from drconsole.aws.audit import AuditLog
from drconsole.tui.screens.recovery_points import RecoveryPointsScreen
from drconsole.tui.wizard import screen as wizard_screen
from drconsole.tui.wizard.screen import ARMING_SECONDS, CopyRestoreWizard
from tests.tui.conftest import Demo, screen_lines, wait_until
from tests.tui.test_screens import open_account
from tests.tui.test_wizard import SLOW_ARMING, pane

SIZE = (80, 24)
# Pilot leaves notifications out unless asked (run_test(notifications=True)): without them no
# test saw the toasts that covered these panes at 80x24.
EU, NORTH = "eu-central-1", "eu-north-1"
# The demo's prod resources in prod-vault (eu-central-1), one per resource type.
PROD_POINTS = {
    "EBS": "prod-web-data",
    "EC2": "prod-web-1",
    "RDS": "prod-orders-db",
    "Aurora": "prod-payments-cluster",
    "DynamoDB": "prod-sessions",
    "EFS": "prod-shared-files",
    "S3": "prod-assets",
}


def squeeze(text: str) -> str:
    """Without whitespace: a value wrapped at 80 columns compares equal to one that is not."""
    return re.sub(r"\s+", "", text)


async def press_too_early_then_read(pilot: Any, wizard: CopyRestoreWizard, button: str) -> str:
    """Press the pane's send button before its end was on screen, as an operator in a hurry
    does (refused, with a notice saying to read on), then read the pane whole with that
    notice still up; the pane as seen."""
    body = wizard.query_one(f"#{pane(wizard.app)}-body", VerticalScroll)
    wizard.query_one(button, Button).focus()
    await pilot.pause(ARMING_SECONDS)
    if body.max_scroll_y > 0:
        await pilot.press("enter")
        await pilot.pause()
        assert pane(wizard.app) in ("confirm", "final"), "sent before its end was seen"
    return await read_pane(pilot, wizard)


async def read_pane(pilot: Any, wizard: CopyRestoreWizard) -> str:
    """The current pane's body as the terminal shows it, each content line taken from the
    screen's cells while it is scrolled into view (from the top to the end)."""
    body = wizard.query_one(f"#{pane(wizard.app)}-body", VerticalScroll)
    lines: dict[int, str] = {}
    y = 0
    while True:
        body.scroll_to(y=y, animate=False)
        await pilot.pause(0.05)
        region = body.scrollable_content_region  # without the scrollbar
        shown = screen_lines(wizard.app)
        top = round(body.scroll_y)
        for row in range(region.height):
            cells = shown[region.y + row][region.x : region.right]
            lines.setdefault(top + row, cells)
        if body.scroll_y >= body.max_scroll_y:
            return "\n".join(lines[k] for k in sorted(lines))
        y = top + max(1, region.height - 1)


def leaves(value: Any) -> list[str]:
    """Every leaf of a request's parameters as the wizard writes it (JSON), keys included."""
    if isinstance(value, dict):
        found: list[str] = []
        for key, inner in value.items():
            found.append(json.dumps(key))
            found += leaves(inner)
        return found
    if isinstance(value, list):
        return [leaf for inner in value for leaf in leaves(inner)]
    return [json.dumps(value)]


def assert_shown_whole(request: dict[str, Any], shown: str) -> None:
    """Each value sent (and where) is on the pane whole; the pane cuts nothing short."""
    head = f"{request['operation']} as {request['account']} in {request['region']}"
    assert squeeze(head) in squeeze(shown), f"{head!r} not on screen:\n{shown}"
    for leaf in leaves(request["parameters"]):
        assert squeeze(leaf) in squeeze(shown), f"{leaf} sent but not on screen:\n{shown}"
    assert "…" not in shown, f"the pane cut a value short:\n{shown}"


async def open_point(pilot: Any, demo: Demo, name: str) -> CopyRestoreWizard:
    """The wizard on the newest recovery point of `name` in prod-vault (eu-central-1)."""
    app = pilot.app
    await open_account(pilot, demo.info.accounts["prod"])
    await pilot.press("enter")  # prod-vault (eu-central-1), the first vault
    assert isinstance(app.screen, RecoveryPointsScreen)
    await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
    await pilot.press("slash", *name, "enter", "w")
    assert isinstance(app.screen, CopyRestoreWizard)
    return app.screen


async def plan_and_start(pilot: Any, wizard: CopyRestoreWizard) -> str:
    """Plan, go to the confirmation, read it whole, Start; the confirmation as seen."""
    wizard.query_one("#plan-button", Button).focus()
    await pilot.press("enter")
    await wait_until(pilot, lambda: wizard.prepared is not None, what="plan", timeout=30)
    assert wizard.prepared is not None and wizard.prepared.ok, wizard.prepared
    await pilot.press("enter")  # Next: confirm
    assert pane(wizard.app) == "confirm"
    if wizard.query_one("#accept-cautions", Checkbox).display:
        await pilot.pause(ARMING_SECONDS)
        wizard.query_one("#accept-cautions", Checkbox).value = True
    confirmed = await press_too_early_then_read(pilot, wizard, "#start")
    await pilot.pause(ARMING_SECONDS)
    await pilot.press("enter")
    return confirmed


async def form_then_send(pilot: Any, wizard: CopyRestoreWizard) -> str:
    """Submit the restore form as prefilled, read the final request whole, send it."""
    await wait_until(pilot, lambda: pane(wizard.app) == "form", what="restore form", timeout=60)
    wizard.query_one("#submit-form", Button).focus()
    await pilot.pause(ARMING_SECONDS)
    await pilot.press("enter")
    await wait_until(pilot, lambda: pane(wizard.app) == "final", what="final request", timeout=60)
    confirmed = await press_too_early_then_read(pilot, wizard, "#send-final")
    await pilot.pause(ARMING_SECONDS)
    await pilot.press("enter")
    await wait_until(pilot, lambda: pane(wizard.app) != "final", what="sent", timeout=30)
    return confirmed


def sent(state_dir: Path) -> list[dict[str, Any]]:
    """The job starts the console sent, from its audit log."""
    calls = AuditLog(state_dir).calls()
    return [c for c in calls if c["operation"].startswith("backup:Start")]


def jobs_in_sandbox(demo: Demo, request: dict[str, Any]) -> list[dict[str, Any]]:
    """The jobs AWS knows where `request` said it ran, asked with plain boto3."""
    client = demo.sandbox.client("backup", request["account"], request["region"])
    if request["operation"] == "backup:StartRestoreJob":
        return list(client.list_restore_jobs()["RestoreJobs"])
    return list(client.list_copy_jobs()["CopyJobs"])


# Every type at 80x24; EC2 (its form's notice about the interfaces it leaves out) at 120x40 too.
IN_PLACE_CASES = [(kind, SIZE) for kind in sorted(PROD_POINTS)] + [("EC2", (120, 40))]


@pytest.mark.parametrize(
    ("resource_type", "size"), IN_PLACE_CASES, ids=[f"{k}-{w}x{h}" for k, (w, h) in IN_PLACE_CASES]
)
async def test_each_restore_in_place_sends_what_was_read_whole(
    demo: Demo, tmp_path: Path, resource_type: str, size: tuple[int, int]
) -> None:
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=size, notifications=True) as pilot:
        wizard = await open_point(pilot, demo, PROD_POINTS[resource_type])
        wizard.query_one("#in-place", Checkbox).value = True
        await pilot.pause()
        await plan_and_start(pilot, wizard)
        confirmed = await form_then_send(pilot, wizard)
        # On the progress pane, nothing the operator watches is covered: where the job runs
        # and its state, on a line whole, and notices said in lines of their own.
        if pane(app) == "progress":
            shown = "\n".join(screen_lines(app))
            assert f"in {demo.info.accounts['prod']} {EU}" in shown, shown
            assert "The flow goes on if you leave (Esc asks first); j: the jobs screen." in shown
        await wait_until(pilot, lambda: pane(app) == "result", what="result", timeout=60)
    requests = sent(tmp_path)
    assert [r["operation"] for r in requests] == ["backup:StartRestoreJob"]
    (restore,) = requests
    assert (restore["account"], restore["region"]) == (demo.info.accounts["prod"], EU)
    assert_shown_whole(restore, confirmed)
    job_id = restore["result"]["RestoreJobId"]
    assert job_id in {j["RestoreJobId"] for j in jobs_in_sandbox(demo, restore)}


async def test_copy_back_and_restore_send_what_was_read_whole_at_80x24(
    demo: Demo, tmp_path: Path
) -> None:
    backup, prod = demo.info.accounts["backup"], demo.info.accounts["prod"]
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_account(pilot, backup)
        await pilot.press("down", "enter")  # dr-eu-north-1
        assert isinstance(app.screen, RecoveryPointsScreen)
        await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
        await pilot.press("slash", *"prod-payments-cluster", "enter", "w")
        wizard = app.screen
        assert isinstance(wizard, CopyRestoreWizard)
        dest = f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault"
        wizard.query_one("#dest-arn", Input).value = dest
        await pilot.pause()
        copy_confirmed = await plan_and_start(pilot, wizard)
        restore_confirmed = await form_then_send(pilot, wizard)
        await wait_until(pilot, lambda: pane(app) == "result", what="result", timeout=60)
    copy, restore = sent(tmp_path)
    assert copy["operation"] == "backup:StartCopyJob" and (copy["account"], copy["region"]) == (
        backup,
        NORTH,
    )
    assert_shown_whole(copy, copy_confirmed)
    assert (restore["account"], restore["region"]) == (prod, EU)
    assert_shown_whole(restore, restore_confirmed)
    job = demo.sandbox.client("backup", backup, NORTH).describe_copy_job(
        CopyJobId=copy["result"]["CopyJobId"]
    )["CopyJob"]
    assert job["DestinationBackupVaultArn"] == dest


async def test_a_burst_of_enters_does_not_page_a_request_to_its_end_and_send_it(
    demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Longer than any pause a loaded machine puts between two keys of the burst.
    monkeypatch.setattr(wizard_screen, "ARMING_SECONDS", SLOW_ARMING)
    backup, prod = demo.info.accounts["backup"], demo.info.accounts["prod"]
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_account(pilot, backup)
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
        # Not the point the copy back test copies into the same vault: a second copy of it
        # brings the duplicate-copy caution, whose checkbox then takes the Enters.
        await pilot.press("slash", *"prod-orders-db", "enter", "w")
        wizard = app.screen
        assert isinstance(wizard, CopyRestoreWizard)
        wizard.query_one(
            "#dest-arn", Input
        ).value = f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault"
        wizard.query_one("#plan-button", Button).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: wizard.prepared is not None, what="plan", timeout=30)
        assert wizard.prepared is not None and not wizard.prepared.cautions
        await pilot.press("enter")  # Next: confirm; the requests go on below the screen
        body = wizard.query_one("#confirm-body", VerticalScroll)
        assert body.max_scroll_y > 0
        await pilot.pause(SLOW_ARMING)
        # Enters a tenth of a second apart, as a held key: each refused one shows a page.
        for _ in range(12):
            await pilot.press("enter")
            await pilot.pause(0.1)
        assert pane(app) == "confirm" and wizard.flow_id is None
        # Read on as a person does: an Enter once the page has been on screen a moment shows
        # the next page, and once the end has been on screen, Start answers. (How many pages
        # the burst showed depends on when its keys landed against the arming.)
        for _ in range(10):
            await pilot.pause(SLOW_ARMING + 0.2)
            await pilot.press("enter")
            await pilot.pause()
            if pane(app) != "confirm":
                break
        await wait_until(pilot, lambda: wizard.flow_id is not None, what="started", timeout=30)
    assert [r["operation"] for r in sent(tmp_path)][:1] == ["backup:StartCopyJob"]


async def test_a_copy_alone_sends_what_was_read_whole_at_80x24(demo: Demo, tmp_path: Path) -> None:
    prod = demo.info.accounts["prod"]
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        wizard = await open_point(pilot, demo, "prod-shared-files")
        dest = f"arn:aws:backup:{NORTH}:{prod}:backup-vault:prod-vault"
        wizard.query_one("#dest-arn", Input).value = dest
        wizard.query_one("#restore", Checkbox).value = False
        wizard.query_one("#dest-retention", Input).value = "40"
        await pilot.pause()
        confirmed = await plan_and_start(pilot, wizard)
        await wait_until(pilot, lambda: pane(app) == "result", what="result", timeout=60)
    (copy,) = sent(tmp_path)
    assert copy["operation"] == "backup:StartCopyJob"
    assert (copy["account"], copy["region"]) == (prod, EU)
    assert copy["parameters"]["Lifecycle"] == {"DeleteAfterDays": 40}
    assert_shown_whole(copy, confirmed)
    job = demo.sandbox.client("backup", prod, EU).describe_copy_job(
        CopyJobId=copy["result"]["CopyJobId"]
    )["CopyJob"]
    assert job["DestinationBackupVaultArn"] == dest
