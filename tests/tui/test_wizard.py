"""The copy-back and restore wizard and the jobs screen, driven by Pilot against the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Button, Checkbox, ContentSwitcher, DataTable, Input, RichLog, Static

from drconsole.aws.audit import AuditLog
from drconsole.aws.session import AwsSessions
from drconsole.flows.execute import FlowEngine
from drconsole.flows.journal import Journal
from drconsole.job_request import canonical_json
from drconsole.tui.app import DrConsoleApp
from drconsole.tui.jobs_screen import JobsScreen
from drconsole.tui.screens.recovery_points import RecoveryPointsScreen
from drconsole.tui.wizard import screen as wizard_screen
from drconsole.tui.wizard.restore_form import RestoreFormPane
from drconsole.tui.wizard.screen import ARMING_SECONDS, CopyRestoreWizard
from tests.tui.conftest import Demo, notices, screen_lines, wait_until
from tests.tui.test_screens import newest_recovery_point, open_account

SIZE = (120, 40)
SLOW_ARMING = 3.0
EU, NORTH = "eu-central-1", "eu-north-1"


def restore_jobs_in(demo: Demo, account: str) -> list[dict[str, Any]]:
    """The restore jobs AWS knows in an account (eu-central-1), asked with plain boto3."""
    jobs = demo.sandbox.client("backup", account, EU).list_restore_jobs()["RestoreJobs"]
    return list(jobs)


def pane(app: Any) -> str:
    return str(app.screen.query_one("ContentSwitcher").current)


async def read_to_end(pilot: Any, wizard: Any) -> None:
    """Page through the current pane's body to its end, as a person reads a request longer
    than the terminal: Start and Send answer only once its end has been on screen."""
    body = wizard.query_one(f"#{pane(wizard.app)}-body")
    for _ in range(20):
        if body.scroll_y >= body.max_scroll_y:
            return
        await pilot.press("pagedown")
        await pilot.pause(0.1)
    raise AssertionError("the body never scrolled to its end")


def text_of(app: Any, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_wizard_copies_back_and_restores_with_the_keyboard(
    demo: Demo, tmp_path: Path, monkeypatch: Any
) -> None:
    # Longer than any pause a loaded machine puts between a pane appearing and the next key,
    # so that "typed ahead" below is always ahead.
    monkeypatch.setattr(wizard_screen, "ARMING_SECONDS", SLOW_ARMING)
    backup, prod = demo.info.accounts["backup"], demo.info.accounts["prod"]
    newest = newest_recovery_point(
        demo, backup, NORTH, "dr-eu-north-1", ResourceType="Aurora", ResourceName="prod-"
    )
    dest = f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault"
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_account(pilot, backup)
        await pilot.press("down", "enter")
        assert isinstance(app.screen, RecoveryPointsScreen)
        await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
        await pilot.press("slash", *"prod aurora", "enter")
        await pilot.press("w")
        assert isinstance(app.screen, CopyRestoreWizard)
        wizard = app.screen
        assert wizard.point is not None and wizard.point.arn == newest["RecoveryPointArn"]
        assert pane(app) == "destination"

        # Destination: typed, then Enter plans and checks.
        app.screen.query_one("#dest-arn", Input).focus()
        await pilot.press(*dest, "enter")
        await wait_until(pilot, lambda: wizard.prepared is not None, what="plan", timeout=30)
        assert pane(app) == "plan" and "Route:" in text_of(app, "#plan-text")
        assert wizard.prepared is not None and wizard.prepared.ok
        assert app.screen.focused is app.screen.query_one("#to-confirm", Button)
        await pilot.press("enter")
        assert pane(app) == "confirm"
        requests = text_of(app, "#confirm-text")
        assert "backup:StartCopyJob" in requests and "IdempotencyToken" in requests
        # The restore cannot be known yet: the confirmation says when it will be shown.
        assert f"backup:StartRestoreJob as {prod} in {EU}" in requests
        assert "built after the restore form" in requests
        await pilot.press("enter")  # typed ahead, before the requests could be read: ignored
        assert pane(app) == "confirm" and wizard.flow_id is None
        # At 120x40 as at 80x24, Start has the focus and is on screen, however long the body.
        start = wizard.query_one("#start", Button)
        assert app.screen.focused is start and start.region.bottom <= SIZE[1] - 1
        await pilot.pause(SLOW_ARMING)
        await pilot.press("enter")  # Start

        # Copy progress, then the restore form prefilled from AWS.
        await wait_until(pilot, lambda: pane(app) == "form", what="restore form", timeout=60)
        assert any("hop1: COMPLETED" in line for line in wizard.log_lines)
        form = app.screen.query_one(RestoreFormPane)
        values = form.values()
        assert values["DBClusterIdentifier"].startswith("prod-payments-cluster-restored-")
        identifier = app.screen.query_one("#field-0", Input)
        submit = app.screen.query_one("#submit-form", Button)
        identifier.value = "bad--name"
        submit.focus()
        await pilot.press("enter")
        assert "DBClusterIdentifier" in text_of(app, "#form-errors")
        assert pane(app) == "form"
        # The focus is put on the wrong value, marked; Enter from there through the last
        # field submits the form again.
        assert app.screen.focused is identifier and identifier.has_class("-wrong")
        identifier.value = "payments-wizard"
        await pilot.pause()
        assert not identifier.has_class("-wrong")
        await pilot.press(*["enter"] * len(form.query(Input)))

        # The final StartRestoreJob, built from the copy in prod, is shown and asked for.
        await wait_until(pilot, lambda: pane(app) == "final", what="final request", timeout=60)
        await pilot.press("enter")  # typed ahead, before the request could be read: ignored
        assert pane(app) == "final"
        shown = wizard.asked_request
        assert shown is not None and (shown.account_id, shown.region) == (prod, EU)
        final = text_of(app, "#final-text")
        assert f"backup:StartRestoreJob as {prod} in {EU}" in final
        assert '"DBClusterIdentifier": "payments-wizard"' in final
        assert not restore_jobs_in(demo, prod), "nothing is sent before the operator says so"
        assert app.screen.focused is app.screen.query_one("#send-final", Button)
        await pilot.pause(SLOW_ARMING)
        await pilot.press("enter")

        await wait_until(pilot, lambda: pane(app) == "result", what="result", timeout=60)
        result = text_of(app, "#result-text")
        created = f"arn:aws:rds:{EU}:{prod}:cluster:payments-wizard"
        assert "Done." in result and created in result
        assert any("restore: COMPLETED" in line for line in wizard.log_lines)
        figures = wizard.finish_figures
        assert set(figures) == {"hop1", "restore"}
        print(f"\nwizard: (polls, completion->screen seconds) per step {figures}")
        await pilot.press("enter")  # Close
        assert isinstance(app.screen, RecoveryPointsScreen)

    flows = Journal(tmp_path).flows()
    assert [f.status for f in flows] == ["completed"]
    sent = [e for e in AuditLog(tmp_path).calls() if e["operation"] == "backup:StartRestoreJob"]
    assert [canonical_json(e["parameters"]) for e in sent] == [canonical_json(shown.parameters)]
    assert [(e["account"], e["region"]) for e in sent] == [(prod, EU)]
    copies = demo.sandbox.client("backup", backup, NORTH).list_copy_jobs(
        BySourceRecoveryPointArn=newest["RecoveryPointArn"]
    )["CopyJobs"]
    assert len(copies) == 1


async def test_unfinished_flow_is_offered_at_start_and_resumed_from_the_jobs_screen(
    demo: Demo, tmp_path: Path
) -> None:
    backup, prod = demo.info.accounts["backup"], demo.info.accounts["prod"]
    newest = newest_recovery_point(
        demo, backup, EU, "central-eu-central-1", ResourceType="S3", ResourceName="prod-"
    )
    settings = demo.app(state_dir=tmp_path).settings
    engine = FlowEngine(AwsSessions(settings))
    prepared = engine.prepare(
        newest["RecoveryPointArn"],
        f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault",
        restore=False,
        account_hint=backup,
    )
    flow_id = engine.begin(prepared)  # the session drops before anything runs
    engine.close()

    failed_source = newest_recovery_point(
        demo, backup, EU, "central-eu-central-1", ResourceType="EFS", ResourceName="prod-"
    )
    demo.sandbox.inject_job_failure(
        failed_source["ResourceArn"], "Access Denied trying to call AWS Backup service."
    )
    demo.sandbox.client("backup", backup, EU).start_copy_job(
        RecoveryPointArn=failed_source["RecoveryPointArn"],
        SourceBackupVaultName="central-eu-central-1",
        DestinationBackupVaultArn=f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault",
        IamRoleArn=f"arn:aws:iam::{backup}:role/service-role/AWSBackupDefaultServiceRole",
    )  # started elsewhere; it fails

    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        said = notices(app)
        assert any("1 unfinished copy/restore flow" in m for m in said)
        await pilot.press("j")
        assert isinstance(app.screen, JobsScreen)
        jobs_screen = app.screen
        await wait_until(
            pilot,
            lambda: (
                any(getattr(j, "state", "") == "FAILED" for j in jobs_screen.jobs)
                and bool(jobs_screen.flows)
            ),
            what="jobs",
            timeout=30,
        )
        flows = jobs_screen.query_one("#flows", DataTable)
        assert str(flows.get_row_at(0)[0]) == flow_id
        table = jobs_screen.query_one("#jobs", DataTable)
        causes = [str(table.get_row_at(i)[4]) for i in range(table.row_count)]
        assert any(c.startswith("VAULT_POLICY_DENIES_COPY") for c in causes)
        # Its process is gone (the engine was closed): the flow says so rather than "running".
        assert str(flows.get_row_at(0)[1]) == "interrupted"
        await pilot.press("enter")  # resume the flow in the wizard
        assert isinstance(app.screen, CopyRestoreWizard)
        wizard = app.screen
        await wait_until(pilot, lambda: pane(app) == "result", what="resumed flow", timeout=60)
        assert "Done." in text_of(app, "#result-text")
        assert wizard.flow_id == flow_id
    state = Journal(tmp_path).flow(flow_id)
    assert state is not None and state.status == "completed"


async def test_read_only_mode_does_not_offer_the_wizard(demo: Demo, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from drconsole.models import RecoveryPoint
    from drconsole.tui.wizard import open_wizard

    backup = demo.info.accounts["backup"]
    point = RecoveryPoint(
        arn=f"arn:aws:backup:{EU}:{backup}:recovery-point:0000",
        vault_name="central-eu-central-1",
        account_id=backup,
        region=EU,
        resource_arn="arn:aws:s3:::prod-assets",
        resource_type="S3",
        resource_name="prod-assets",
        created=datetime(2026, 11, 23, tzinfo=UTC),
        status="COMPLETED",
        size_bytes=None,
        encryption_key_arn="",
        is_encrypted=True,
        source_vault_arn=None,
        expires=None,
    )
    app = demo.app(state_dir=tmp_path, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        open_wizard(app, point)
        await pilot.pause()
        assert not isinstance(app.screen, CopyRestoreWizard)
        assert any("Read-only mode" in n for n in notices(app))
    assert not (tmp_path / "journal.jsonl").exists()


async def test_restore_checkboxes_state_their_value_without_colour(
    demo: Demo, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    backup = demo.info.accounts["backup"]
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_account(pilot, backup)
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
        await pilot.press("w")
        assert isinstance(app.screen, CopyRestoreWizard)

        def shown(selector: str) -> str:
            return str(app.screen.query_one(selector, Checkbox).render()).rstrip()

        assert shown("#restore").endswith("Restore after the copy (on)")
        assert shown("#in-place").endswith("Restore in place (no copy) (off)")
        for selector in ("#restore", "#in-place"):
            app.screen.query_one(selector, Checkbox).focus()
            await pilot.press("space")
            await pilot.pause()
        assert shown("#restore").endswith("Restore after the copy (off)")
        assert shown("#in-place").endswith("Restore in place (no copy) (on)")


async def test_leaving_a_running_flow_asks_and_the_jobs_screen_brings_it_back(
    demo: Demo, tmp_path: Path
) -> None:
    from drconsole.tui.wizard.leave import LeaveFlowDialog

    backup, prod = demo.info.accounts["backup"], demo.info.accounts["prod"]
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_account(pilot, backup)
        await pilot.press("enter")  # central-eu-central-1
        await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
        await pilot.press("slash", *"prod s3", "enter", "w")
        assert isinstance(app.screen, CopyRestoreWizard)
        wizard = app.screen
        opened_from = app.screen_stack[-2]
        # Esc before anything started closes at once.
        await pilot.press("escape")
        assert app.screen is opened_from
        await pilot.press("w")
        wizard = app.screen
        assert isinstance(wizard, CopyRestoreWizard)
        dest = f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault"
        wizard.query_one("#dest-arn", Input).focus()
        await pilot.press(*dest, "enter")
        await wait_until(pilot, lambda: wizard.prepared is not None, what="plan", timeout=30)
        assert wizard.prepared is not None and wizard.prepared.ok
        await pilot.press("enter")  # Next: confirm
        if wizard.prepared.cautions:  # an earlier test of this module copied it there already
            assert [c.code for c in wizard.prepared.cautions] == ["duplicate-copy"]
            assert app.screen.focused is wizard.query_one("#accept-cautions")
            wizard.query_one("#accept-cautions", Checkbox).value = True
            wizard.query_one("#start").focus()
            await pilot.pause()
        # The buttons, the focused one first, are on screen at 80x24.
        assert app.screen.focused is wizard.query_one("#start")
        for button in ("#start", "#back-plan"):
            region = wizard.query_one(button).region
            assert region.bottom <= 23, f"{button} below the fold: {region}"
        await read_to_end(pilot, wizard)
        await pilot.pause(ARMING_SECONDS)
        await pilot.press("enter")  # Start
        # The copy is done and the flow waits for the restore form: leaving it asks first.
        await wait_until(pilot, lambda: pane(app) == "form", what="restore form", timeout=60)
        flow_id = wizard.flow_id
        assert flow_id is not None
        assert wizard.query_one("#submit-form").region.bottom <= 23
        # The progress log wraps a long line (an ARN) to the width it shows: nothing runs past
        # its right edge at 80x24 (looked at, then back to the form).
        switcher = wizard.query_one(ContentSwitcher)
        switcher.current = "progress"
        await pilot.pause()
        log = wizard.query_one("#progress-log", RichLog)
        log.write("created arn:aws:rds:eu-central-1:" + "0" * 12 + ":cluster:" + "x" * 80)
        await pilot.pause()
        shown = log.scrollable_content_region.width
        assert 0 < max(line.cell_length for line in log.lines) <= shown
        switcher.current = "form"
        await pilot.pause()

        # Esc asks; Esc again (or Stay) keeps the flow on screen.
        await pilot.press("escape")
        assert isinstance(app.screen, LeaveFlowDialog)
        await pilot.press("escape")
        assert app.screen is wizard
        await pilot.press("escape", "l")  # Leave
        assert app.screen is opened_from
        assert app.flow_wizards.get(flow_id) is wizard
        # j works at once, and Enter on the flow brings back the very same wizard.
        await pilot.press("j")
        assert isinstance(app.screen, JobsScreen)
        jobs_screen = app.screen
        await wait_until(pilot, lambda: bool(jobs_screen.flows), what="flows")
        assert jobs_screen.flows[0].flow_id == flow_id
        await pilot.press("enter")
        assert app.screen is wizard and pane(app) == "form"
        wizard.query_one("#submit-form", Button).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane(app) == "final", what="final request", timeout=60)
        assert wizard.query_one("#send-final").region.bottom <= 23
        await read_to_end(pilot, wizard)
        await pilot.pause(ARMING_SECONDS)
        await pilot.press("enter")  # Send the restore
        await wait_until(pilot, lambda: pane(app) == "result", what="result", timeout=60)
        assert "Done." in text_of(app, "#result-text")
        assert flow_id not in app.flow_wizards
        await pilot.press("escape")  # the flow has ended: no question; back to the jobs
        await pilot.pause()
        assert app.screen is jobs_screen
    state = Journal(tmp_path).flow(flow_id)
    assert state is not None and state.status == "completed"


async def test_a_wizard_brought_back_by_a_double_enter_sends_nothing_until_it_was_read(
    demo: Demo, tmp_path: Path
) -> None:
    """The flow waits on `Send the restore`; the operator leaves it for the jobs screen and
    brings it back with Enter — typed twice over a laggy link. The second Enter must not send
    the restore: the pane is armed again as when it first appeared."""
    backup, prod = demo.info.accounts["backup"], demo.info.accounts["prod"]
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_account(pilot, backup)
        await pilot.press("enter")  # central-eu-central-1
        await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
        await pilot.press("slash", *"prod s3", "enter", "w")
        wizard = app.screen
        assert isinstance(wizard, CopyRestoreWizard)
        wizard.query_one("#dest-arn", Input).focus()
        await pilot.press(*f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault", "enter")
        await wait_until(pilot, lambda: wizard.prepared is not None, what="plan", timeout=30)
        assert wizard.prepared is not None
        await pilot.press("enter")  # Next: confirm
        if wizard.prepared.cautions:  # another test of this module copied it there already
            wizard.query_one("#accept-cautions", Checkbox).value = True
            wizard.query_one("#start").focus()
        await read_to_end(pilot, wizard)
        await pilot.pause(ARMING_SECONDS)
        await pilot.press("enter")  # Start
        await wait_until(pilot, lambda: pane(app) == "form", what="restore form", timeout=60)
        flow_id = wizard.flow_id
        # The copy's status line says how it ended, as the log does (it kept RUNNING).
        status = str(wizard.query_one("#progress-status", Static).render())
        assert status.startswith("hop1  COMPLETED"), status
        wizard.query_one("#submit-form", Button).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane(app) == "final", what="final request", timeout=60)
        await read_to_end(pilot, wizard)
        await pilot.pause(ARMING_SECONDS)
        await pilot.press("escape", "l", "j")  # leave it, then the jobs screen
        jobs_screen = app.screen
        assert isinstance(jobs_screen, JobsScreen)
        await wait_until(pilot, lambda: bool(jobs_screen.flows), what="flows")
        await pilot.press("enter", "enter")
        await pilot.pause(0.2)
        assert app.screen is wizard and pane(app) == "final"
        state = Journal(tmp_path).flow(str(flow_id))
        assert state is not None
        restores = [step for step in state.steps.values() if step.name == "restore"]
        assert not any(step.requested or step.job_id for step in restores)  # nothing sent
        await pilot.pause(ARMING_SECONDS)
        await pilot.press("enter")  # read, then sent
        await wait_until(pilot, lambda: pane(app) == "result", what="result", timeout=60)
        assert "Done." in text_of(app, "#result-text")


async def test_restore_in_the_backup_account_is_said_and_asked(demo: Demo, tmp_path: Path) -> None:
    """In place on a backup-account copy: the wizard says why it is rarely meant and starts
    nothing until the operator ticks that they mean it."""
    backup = demo.info.accounts["backup"]
    newest = newest_recovery_point(
        demo, backup, EU, "central-eu-central-1", ResourceType="DynamoDB", ResourceName="prod-"
    )
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_account(pilot, backup)
        await pilot.press("enter")  # central-eu-central-1, the first vault
        assert isinstance(app.screen, RecoveryPointsScreen)
        await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
        await pilot.press("slash", *newest["ResourceName"], "enter")
        await pilot.press("w")
        wizard = app.screen
        assert isinstance(wizard, CopyRestoreWizard) and wizard.point is not None
        assert wizard.point.arn == newest["RecoveryPointArn"]
        in_place = wizard.query_one("#in-place", Checkbox)
        in_place.focus()
        await pilot.press("space")
        wizard.query_one("#plan-button", Button).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: wizard.prepared is not None, what="plan", timeout=30)
        assert wizard.prepared is not None and wizard.prepared.ok
        assert [c.code for c in wizard.prepared.cautions] == ["backup-account-restore"]
        assert "central backup account" in text_of(app, "#plan-text")
        await pilot.press("enter")  # Next: confirm
        assert pane(app) == "confirm"
        assert f"account {backup}" in text_of(app, "#confirm-cautions")
        # In place there is no copy: the restore is built from the recovery point's metadata.
        requests = text_of(app, "#confirm-text")
        assert "the recovery point's own restore metadata" in requests and "copy" not in requests
        accept = wizard.query_one("#accept-cautions", Checkbox)
        assert accept.display and app.screen.focused is accept
        wizard.query_one("#start", Button).press()
        await pilot.pause(0.3)
        assert pane(app) == "confirm", "Start does nothing until the caution is accepted"
        assert any("central backup account" in n for n in notices(app))
        assert Journal(tmp_path).flows() == []
        assert not restore_jobs_in(demo, backup)
        accept.focus()
        await pilot.pause(ARMING_SECONDS)
        await pilot.press("space")
        wizard.query_one("#start", Button).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane(app) == "form", what="restore form", timeout=30)
    (flow,) = Journal(tmp_path).flows()
    assert flow.status == "running" and flow.plan["destination"] is None  # in place, as asked
    # The journal says the caution was said and who accepted it.
    (accepted,) = flow.accepted_cautions
    assert accepted["code"] == "backup-account-restore" and accepted["accepted_by"] == "operator"
    assert "central backup account" in accepted["message"]


async def planned_in_place_on_a_backup_copy(
    demo: Demo, app: DrConsoleApp, pilot: Any
) -> CopyRestoreWizard:
    """The wizard on the newest prod DynamoDB copy of the backup account, its restore in place
    planned (the backup-account caution comes with it)."""
    backup = demo.info.accounts["backup"]
    newest = newest_recovery_point(
        demo, backup, EU, "central-eu-central-1", ResourceType="DynamoDB", ResourceName="prod-"
    )
    await open_account(pilot, backup)
    await pilot.press("enter")
    await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
    await pilot.press("slash", *newest["ResourceName"], "enter", "w")
    wizard = app.screen
    assert isinstance(wizard, CopyRestoreWizard)
    wizard.query_one("#in-place", Checkbox).focus()
    await pilot.press("space")
    wizard.query_one("#plan-button", Button).focus()
    await pilot.press("enter")
    await wait_until(pilot, lambda: wizard.prepared is not None, what="plan", timeout=30)
    return wizard


async def test_checks_and_fixes_of_an_in_place_restore_are_judged_in_place(
    demo: Demo, tmp_path: Path
) -> None:
    """`Checks and fixes` from a wizard restoring in place: the checks screen judges a restore
    in place (it took its default, a copy to the vault the point came from)."""
    from drconsole.tui.checks_screen import ChecksScreen

    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        wizard = await planned_in_place_on_a_backup_copy(demo, app, pilot)
        wizard.query_one("#open-checks", Button).press()
        await wait_until(pilot, lambda: isinstance(app.screen, ChecksScreen), what="checks")
        said = text_of(app, "#destination-words")
        assert said.startswith("No copy: restore rows in place"), said


async def test_an_enter_typed_ahead_never_ticks_the_caution_box_and_the_box_is_on_screen(
    demo: Demo, tmp_path: Path, monkeypatch: Any
) -> None:
    """`Next: confirm` then an Enter typed ahead for Start, in one burst: the confirm pane
    opens on the caution's box, which the second Enter must not tick (it did, unseen, below
    the requests at 80x24, and Start then sent what the operator never accepted)."""
    # Pilot presses the second Enter once the first is handled: on a loaded machine that can
    # come later than the usual arming; a longer one keeps it typed ahead.
    monkeypatch.setattr(wizard_screen, "ARMING_SECONDS", SLOW_ARMING)
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        wizard = await planned_in_place_on_a_backup_copy(demo, app, pilot)
        assert wizard.prepared is not None and wizard.prepared.cautions
        await pilot.press("enter", "enter")  # Next: confirm, then Enter for what comes next
        await pilot.pause(0.1)
        accept = wizard.query_one("#accept-cautions", Checkbox)
        assert pane(app) == "confirm" and app.screen.focused is accept
        assert accept.value is False, "an Enter typed ahead ticked the caution's box"
        # The box and the caution it accepts are on screen at 80x24, not below the requests.
        assert "central backup account" in "\n".join(screen_lines(app))
        assert accept.region.y >= 0 and accept.region.bottom <= 23, accept.region
        await pilot.pause(SLOW_ARMING)
        await pilot.press("enter")  # read, then ticked
        assert accept.value is True
    assert Journal(tmp_path).flows() == []  # and nothing was started


async def test_a_restore_into_another_vpc_is_stopped_by_its_check_with_the_fix(
    demo: Demo, tmp_path: Path
) -> None:
    """prod's instance restored in place into a subnet of prod's second VPC (its own security
    group is the default VPC's): the wizard's restore checks stop it before StartRestoreJob."""
    prod = demo.info.accounts["prod"]
    ec2 = demo.sandbox.client("ec2", prod, EU)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["prod-isolated"]}])
    vpc_id = vpc["Vpcs"][0]["VpcId"]
    subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    subnet_id = next(s["SubnetId"] for s in subnet if s["AvailabilityZone"] == f"{EU}a")
    newest = newest_recovery_point(demo, prod, EU, "prod-vault", ResourceName="prod-web-1")
    jobs_before = len(restore_jobs_in(demo, prod))
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_account(pilot, prod)
        await pilot.press("enter")  # prod-vault (eu-central-1), the first vault
        assert isinstance(app.screen, RecoveryPointsScreen)
        await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
        await pilot.press("slash", *"prod-web-1", "enter")
        await pilot.press("w")
        wizard = app.screen
        assert isinstance(wizard, CopyRestoreWizard) and wizard.point is not None
        assert wizard.point.arn == newest["RecoveryPointArn"]
        wizard.query_one("#in-place", Checkbox).focus()
        await pilot.press("space")
        wizard.query_one("#plan-button", Button).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: wizard.prepared is not None, what="plan", timeout=30)
        assert wizard.prepared is not None and wizard.prepared.ok
        await pilot.press("enter")  # Next: confirm
        wizard.query_one("#start", Button).focus()
        await pilot.pause(ARMING_SECONDS)
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane(app) == "form", what="restore form", timeout=30)
        form = app.screen.query_one(RestoreFormPane)
        assert "SubnetId" in form.values()
        subnet_field = next(i for i in form.query(Input) if i.name == "SubnetId")
        subnet_field.value = subnet_id
        app.screen.query_one("#submit-form", Button).focus()
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane(app) == "result", what="result", timeout=60)
        result = text_of(app, "#result-text")
        assert "Flow blocked" in result and "RESTORE_NETWORK" in result, result
        assert f"Name=vpc-id,Values={vpc_id}" in result, result
    assert len(restore_jobs_in(demo, prod)) == jobs_before, "no restore job was started"
    assert [f.status for f in Journal(tmp_path).flows()] == ["blocked"]
