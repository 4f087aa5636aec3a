"""Text from AWS and from files is shown as written on every screen that draws it: the wizard
up to its result, the checks, the error dialog, notifications and the drills. Markup
in it neither styles nor stops the console, and no control character reaches the terminal."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.text import Text
from textual.widgets import DataTable, Input

from drconsole.sandbox.store import seed_recovery_point
from drconsole.tui.arming import ARMING_SECONDS
from drconsole.tui.checks_screen import ChecksScreen
from drconsole.tui.readiness_checks import ReadinessChecksScreen
from drconsole.tui.screens.dialogs import ErrorDialog
from drconsole.tui.screens.readiness import ReadinessScreen
from drconsole.tui.widgets.cell_width import CONTROL, escaped_lines
from drconsole.tui.widgets.plain import as_written, shown
from drconsole.tui.widgets.typed_input import pictured
from drconsole.tui.wizard.restore_form import RestoreFormPane
from drconsole.tui.wizard.screen import CopyRestoreWizard
from tests.tui.conftest import NOW, Demo, screen_lines, wait_until
from tests.tui.test_screens import accounts_loaded, newest_recovery_point, open_account

SIZE = (120, 40)
EU, NORTH = "eu-central-1", "eu-north-1"
# A resource name is the resource's Name tag: any character. This one holds a closing tag with
# no opening one (MarkupError), a style tag, and escapes that clear the screen and retitle it.
HOSTILE = "[prod] payments [/x]\x1b[2J\x1b]0;PWNED\x07"
# (A Rich Text drops the BEL itself.)
HOSTILE_SHOWN = "[prod] payments [/x]\\x1b[2J\\x1b]0;PWNED"
FAILURE = "Restore failed: [/x] [red]subnet\x1b[31m gone\x1b]0;PWNED\x07"
POLICY_NAME = "deny[/x] \x1b]0;PWNED\x07[bold]"
POLICY_SHOWN = "deny[/x] \\x1b]0;PWNED"
DENY_BACKUP = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "backup:*", "Resource": "*"}],
}
FAILURE_SHOWN = "[/x] [red]subnet\\x1b[31m gone\\x1b]0;PWNED"


def drawn(app: Any) -> str:
    """What the terminal shows, line by line."""
    return "\n".join(screen_lines(app))


def assert_no_control_character(app: Any) -> None:
    """Nothing on the screen is a control character (line ends aside)."""
    raw = [c for c in drawn(app).replace("\n", "") if unicodedata.category(c) in ("Cc", "Cs")]
    assert not raw, f"control characters reached the terminal: {raw!r}"


def text_of(app: Any, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def seed_hostile_point(demo: Demo) -> dict[str, Any]:
    """A recovery point of the prod Aurora cluster in the backup account's DR vault, named
    with markup and escape sequences; returns the demo's newest one it copies the facts of."""
    backup = demo.info.accounts["backup"]
    newest = newest_recovery_point(
        demo, backup, NORTH, "dr-eu-north-1", ResourceType="Aurora", ResourceName="prod-"
    )
    seed_recovery_point(
        backup,
        NORTH,
        "dr-eu-north-1",
        resource_arn=newest["ResourceArn"],
        resource_type="Aurora",
        created=NOW - timedelta(hours=1),
        encryption_key_arn=newest.get("EncryptionKeyArn"),
        size_bytes=2**30,
        resource_name=HOSTILE,
        source_backup_vault_arn=newest.get("SourceBackupVaultArn"),
    )
    return newest


@contextmanager
def hostile_scp(demo: Demo, account: str) -> Iterator[None]:
    """An SCP named with markup and escape sequences (Organizations takes any character in a
    policy's name) that denies AWS Backup, attached to `account` for the time of the block."""
    organizations = demo.sandbox.client("organizations", demo.info.accounts["management"])
    policy = organizations.create_policy(
        Content=json.dumps(DENY_BACKUP),
        Description="denies AWS Backup",
        Name=POLICY_NAME,
        Type="SERVICE_CONTROL_POLICY",
    )["Policy"]["PolicySummary"]["Id"]
    root = organizations.list_roots()["Roots"][0]
    if not any(t["Type"] == "SERVICE_CONTROL_POLICY" for t in root.get("PolicyTypes", [])):
        organizations.enable_policy_type(RootId=root["Id"], PolicyType="SERVICE_CONTROL_POLICY")
    organizations.attach_policy(PolicyId=policy, TargetId=account)
    try:
        yield
    finally:
        organizations.detach_policy(PolicyId=policy, TargetId=account)
        organizations.delete_policy(PolicyId=policy)


async def open_hostile_point(pilot: Any, demo: Demo) -> None:
    """From the accounts screen to the hostile recovery point, highlighted."""
    app = pilot.app
    await open_account(pilot, demo.info.accounts["backup"])
    await pilot.press("down", "enter")
    await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
    await pilot.press("slash", *"[prod] payments", "enter")
    await pilot.pause()
    assert HOSTILE_SHOWN[:27] in drawn(app)  # the column is cut after that
    assert_no_control_character(app)


async def test_the_wizard_shows_names_and_aws_messages_as_written_up_to_its_result(
    demo: Demo, tmp_path: Any, monkeypatch: Any
) -> None:
    from drconsole.tui.wizard import screen as wizard_screen

    monkeypatch.setattr(wizard_screen, "ARMING_SECONDS", 0.0)
    newest = seed_hostile_point(demo)
    prod = demo.info.accounts["prod"]
    dest = f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault"
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_hostile_point(pilot, demo)
        await pilot.press("w")
        wizard = app.screen
        assert isinstance(wizard, CopyRestoreWizard)
        assert wizard.point is not None and wizard.point.resource_name == HOSTILE
        assert HOSTILE_SHOWN in text_of(app, "#wizard-rp")
        assert_no_control_character(app)

        app.screen.query_one("#dest-arn", Input).focus()
        await pilot.press(*dest, "enter")
        await wait_until(pilot, lambda: wizard.prepared is not None, what="plan", timeout=30)
        assert "Route:" in text_of(app, "#plan-text")
        assert_no_control_character(app)
        await pilot.press("enter")
        await wait_until(pilot, lambda: "backup:StartCopyJob" in text_of(app, "#confirm-text"))
        assert_no_control_character(app)
        await pilot.press("enter")  # Start

        await wait_until(pilot, lambda: wizard.query_one(RestoreFormPane).form is not None)
        await wait_until(pilot, lambda: str(wizard.query_one("ContentSwitcher").current) == "form")
        # The restore fails with a message holding markup and escape sequences.
        demo.sandbox.inject_job_failure(newest["ResourceArn"], FAILURE)
        form = wizard.query_one(RestoreFormPane)
        field = wizard.query_one("#field-0", Input)
        # A value with markup and an escape, as a restore metadata value may hold: drawn as
        # written, its problem (which quotes it) in the tooltip, as written too.
        field.value = "[/x]\x1b[2J"
        await pilot.pause()
        assert field.has_class("-wrong")
        assert_no_control_character(app)
        field.value = "payments-hostile"
        await pilot.pause()
        await pilot.press(*["enter"] * len(form.query(Input)))
        await wait_until(pilot, lambda: "StartRestoreJob" in text_of(app, "#final-text"))
        assert_no_control_character(app)
        await pilot.press("enter")  # Send the restore

        await wait_until(
            pilot, lambda: "Flow" in text_of(app, "#result-text"), what="result", timeout=60
        )
        result = text_of(app, "#result-text")
        assert FAILURE_SHOWN in result, result
        assert FAILURE_SHOWN in "\n".join(
            line.text
            for line in wizard.query_one("#progress-log").lines  # type: ignore[attr-defined]
        )
        assert_no_control_character(app)


async def test_the_checks_screen_shows_names_and_evidence_as_written(demo: Demo) -> None:
    seed_hostile_point(demo)
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await open_hostile_point(pilot, demo)
        with hostile_scp(demo, demo.info.accounts["backup"]):
            await pilot.press("c")
            await wait_until(pilot, lambda: isinstance(app.screen, ChecksScreen), what="checks")
            screen = app.screen
            # A DR copy in the backup account assumes no destination: the copy to prod's vault.
            await pilot.press("d")
            screen.query_one(
                "#destination", Input
            ).value = f"arn:aws:backup:{EU}:{demo.info.accounts['prod']}:backup-vault:prod-vault"
            await pilot.press("enter")
            await wait_until(
                pilot,
                lambda: any(check.id == "source.scps" for _, check in screen.shown),  # type: ignore[attr-defined]
                what="the SCP check",
                timeout=30,
            )
            await pilot.pause(0.3)
        assert HOSTILE_SHOWN in text_of(app, "#rp-title")
        scps = [check for _, check in screen.shown if check.id == "source.scps"]  # type: ignore[attr-defined]
        assert POLICY_NAME in scps[0].evidence, scps
        # The SCP check's evidence whole in the pane under the table.
        table = screen.query_one("#checks-table", DataTable)
        table.move_cursor(row=[c for _, c in screen.shown].index(scps[0]))  # type: ignore[attr-defined]
        await pilot.pause(0.3)
        assert POLICY_SHOWN in text_of(app, "#remediation-text")
        assert POLICY_SHOWN in drawn(app)
        assert_no_control_character(app)


async def test_readiness_shows_evidence_and_ou_paths_as_written(demo: Demo) -> None:
    prod = demo.info.accounts["prod"]
    organizations = demo.sandbox.client("organizations", demo.info.accounts["management"])
    root = organizations.list_roots()["Roots"][0]["Id"]
    home = organizations.list_parents(ChildId=prod)["Parents"][0]["Id"]
    # prod moves into an OU named with markup and escape sequences, and an SCP as hostile
    # denies it AWS Backup: its readiness row quotes both.
    ou = organizations.create_organizational_unit(ParentId=root, Name=HOSTILE)
    ou_id = ou["OrganizationalUnit"]["Id"]
    organizations.move_account(AccountId=prod, SourceParentId=home, DestinationParentId=ou_id)
    try:
        with hostile_scp(demo, prod):
            app = demo.app()
            async with app.run_test(size=SIZE) as pilot:
                await wait_until(pilot, lambda: app.organization is not None, what="organization")
                await pilot.press("colon", *"readiness", "enter")
                await wait_until(pilot, lambda: isinstance(app.screen, ReadinessScreen))
                feed = app.readiness
                await wait_until(
                    pilot, lambda: feed.state == "done" and not feed.rechecking, timeout=120
                )
                await pilot.pause(0.3)
                assert_no_control_character(app)
                # The OU's name is searched as written.
                await pilot.press("slash", *"[prod] payments", "enter")
                await pilot.pause(0.3)
                assert "prod" in text_of(app, "#readiness-why")
                assert_no_control_character(app)
                await pilot.press("enter")
                await wait_until(
                    pilot, lambda: isinstance(app.screen, ReadinessChecksScreen), what="checks"
                )
                await pilot.pause(0.3)
                assert f"prod ({prod})" in text_of(app, "#readiness-title")
                assert "deny[/x]" in drawn(app)
                shown = "\n".join(
                    f"{line.check.evidence} {line.check.remediation}"
                    for line in app.screen.shown  # type: ignore[attr-defined]
                )
                assert POLICY_NAME in shown
                assert POLICY_SHOWN in text_of(app, "#remediation-text") + drawn(app)
                assert_no_control_character(app)
    finally:
        organizations.move_account(AccountId=prod, SourceParentId=ou_id, DestinationParentId=home)


async def test_the_error_dialog_and_notifications_show_aws_messages_as_written(
    demo: Demo,
) -> None:
    app = demo.app()
    error = ClientError(
        {"Error": {"Code": "AccessDeniedException", "Message": FAILURE}}, "ListBackupVaults"
    )
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        app.show_error(error, f"vaults of {HOSTILE}")
        await wait_until(pilot, lambda: isinstance(app.screen, ErrorDialog), what="dialog")
        await pilot.pause()
        assert FAILURE_SHOWN in text_of(app, "#error-description")
        assert "[prod] payments [/x]" in drawn(app)
        assert_no_control_character(app)
        await pilot.press("escape")
        app.notify(FAILURE, title=HOSTILE, severity="error")
        await wait_until(pilot, lambda: "[/x] [red]" in drawn(app), what="notification")
        assert_no_control_character(app)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(st.tuples(st.text(max_size=12), st.sampled_from(["", "bold", "red"])), max_size=5))
def test_a_styled_text_keeps_its_styles_and_lines_and_loses_its_control_characters(
    pieces: list[tuple[str, str]],
) -> None:
    """What the console's widgets draw (`plain.shown`): each piece of a Text drconsole built
    keeps its style, its line breaks stay, every other control character is an escape."""
    text = Text()
    for piece, style in pieces:
        text.append(piece, style=style)
    result = shown(text)
    assert result.plain == escaped_lines(text.plain)
    assert not any(unicodedata.category(c) in ("Cc", "Cs") for c in result.plain if c != "\n")
    for (piece, style), span in zip(
        [(p, s) for p, s in pieces if p and s and Text(p).plain],
        [s for s in result.spans],
        strict=False,
    ):
        assert result.plain[span.start : span.end] == escaped_lines(Text(piece).plain)
        assert span.style == style


RUNBOOK = """\
name: hostile
description: "Payments [/x] restored \\e[2J\\e]0;PWNED\\a [red]fast"
objectives: {rpo: 36h, rto: 2h}
cleanup: on-success
source: {account: "%(backup)s", region: eu-north-1}
restore_to: {account: "%(prod)s", region: eu-central-1, vault: prod-vault}
manual_steps:
  - name: announce
    text: "Say [/x] in #ops \\e[2J"
    when: before
targets:
  - name: db
    resource: {account: "%(prod)s", type: Aurora, name: prod-payments-cluster}
"""
STEP_SHOWN = "Say [/x] in #ops \\x1b[2J"
# A runbook's name is checked: this one does not parse, and its error quotes the name.
BROKEN = 'name: "[/x] ops \\e]0;PWNED\\a"\ntargets: []\n'


async def test_the_drills_list_shows_a_runbook_s_text_and_errors_as_written(
    demo: Demo, tmp_path: Any
) -> None:
    from drconsole.tui.drills.list_screen import DrillsScreen

    folder = tmp_path / "runbooks"
    folder.mkdir()
    accounts = {"backup": demo.info.accounts["backup"], "prod": demo.info.accounts["prod"]}
    (folder / "hostile.yaml").write_text(RUNBOOK % accounts)
    (folder / "broken.yaml").write_text(BROKEN)
    app = demo.app(state_dir=tmp_path, runbooks_dir=folder)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.action_drills()
        await wait_until(pilot, lambda: isinstance(app.screen, DrillsScreen), what="drills")
        listing = app.screen
        await wait_until(pilot, lambda: listing.catalog is not None, what="runbooks")  # type: ignore[attr-defined]
        await pilot.pause(0.3)
        # broken.yaml comes first: its error, whole, under the list.
        assert "[/x] ops" in text_of(app, "#runbook-detail")
        assert_no_control_character(app)
        await pilot.press("enter")  # it does not parse: a notification says why
        await wait_until(pilot, lambda: "[/x] ops" in drawn(app).split("Runbook")[-1])
        assert_no_control_character(app)
        await pilot.press("down")
        await pilot.pause(0.3)
        detail = text_of(app, "#runbook-detail")
        assert "Payments [/x] restored \\x1b[2J\\x1b]0;PWNED" in detail and "[red]fast" in detail
        assert_no_control_character(app)


async def test_a_drill_s_steps_and_notes_are_shown_as_written_from_plan_to_report(
    demo: Demo, tmp_path: Any
) -> None:
    from drconsole.tui.drills.list_screen import DrillsScreen
    from drconsole.tui.drills.manual_dialog import ManualStepDialog
    from drconsole.tui.drills.report_screen import DrillReportScreen
    from drconsole.tui.drills.run_screen import DrillScreen
    from drconsole.tui.screens.confirm import ConfirmDialog

    folder = tmp_path / "runbooks"
    folder.mkdir()
    accounts = {"backup": demo.info.accounts["backup"], "prod": demo.info.accounts["prod"]}
    (folder / "hostile.yaml").write_text(RUNBOOK % accounts)
    app = demo.app(state_dir=tmp_path, runbooks_dir=folder)
    async with app.run_test(size=SIZE) as pilot:
        app.action_drills()
        await wait_until(pilot, lambda: isinstance(app.screen, DrillsScreen), what="drills")
        listing = app.screen
        await wait_until(pilot, lambda: listing.catalog is not None, what="runbooks")  # type: ignore[attr-defined]
        await pilot.press("enter")
        drill = app.screen
        assert isinstance(drill, DrillScreen)
        await wait_until(pilot, lambda: drill.plan is not None, what="plan", timeout=60)
        assert STEP_SHOWN in text_of(app, "#drill-text")
        assert_no_control_character(app)
        await pilot.press("R")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.pause(ARMING_SECONDS)  # yes answers once the question was on screen
        await pilot.press("y")

        await wait_until(pilot, lambda: isinstance(app.screen, ManualStepDialog), what="step")
        assert STEP_SHOWN in text_of(app, "#manual-text")
        assert "[/x]" in drawn(app)
        assert_no_control_character(app)
        # The note is typed (once the dialog is armed): markup in it is text too.
        await wait_until(pilot, lambda: isinstance(app.focused, Input), what="step armed")
        await pilot.press(*"said [/x] [red]", "enter")
        await wait_until(pilot, lambda: drill.report is not None, what="report", timeout=120)
        await wait_until(pilot, lambda: app.screen is drill, what="back to the drill")
        assert_no_control_character(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is listing, what="the list")
        await pilot.press("o")
        assert isinstance(app.screen, DrillReportScreen)
        view = text_of(app, "#report-text")
        assert "announce (before): performed" in view and "said [/x] [red]" in view, view
        assert_no_control_character(app)


UNESCAPABLE = "ops [/:"


async def test_the_command_palette_lists_hostile_account_names_as_written(demo: Demo) -> None:
    from tests.tui.test_hostile_names import CLOSING_TAG, add_hostile_accounts

    add_hostile_accounts(demo)
    # A name that Textual's own markup escape leaves unescaped (a valid account name too).
    organizations = demo.sandbox.client("organizations", demo.info.accounts["management"])
    organizations.create_account(Email="ops2@example.com", AccountName=UNESCAPABLE)
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts", timeout=60)
        app.action_command_palette()
        await pilot.pause()
        await pilot.press(*"ops")
        await wait_until(pilot, lambda: CLOSING_TAG in drawn(app), what="the account's entry")
        assert f"Vaults of {UNESCAPABLE} in Root" in drawn(app)
        assert_no_control_character(app)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.text(max_size=40))
def test_an_input_draws_each_control_character_of_its_value_as_one_symbol(value: str) -> None:
    """A restore form's value from AWS: drawn without a control character, one symbol for one
    character, so the cursor's offsets stay those of the value."""
    drawn_value = pictured(value)
    assert len(drawn_value) == len(value)
    assert not any(unicodedata.category(c) in ("Cc", "Cs") for c in drawn_value)
    assert all(a == b for a, b in zip(value, drawn_value, strict=True) if not CONTROL.match(a))


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.text(alphabet=st.sampled_from(list("[]/\\ab =@#$:x\x1b\x07\n")), max_size=30))
def test_a_label_from_aws_is_never_read_as_markup(label: str) -> None:
    """What a button, a tooltip or a palette entry is given (`plain.as_written`): the text
    itself, however many brackets and backslashes it holds."""
    assert as_written(label).plain == escaped_lines(label)
