"""The TUI checks panel against the sandbox: live groups, remediation, fix dialog, re-check."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from textual.app import App
from textual.widgets import DataTable, Input, Select, Static

from drconsole.aws.session import AwsSessions
from drconsole.checks.facts import restore_policy_arns
from drconsole.config import Credentials, Settings
from drconsole.models import CauseCode, CheckStatus, RecoveryPoint
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from drconsole.tui.arming import ARMING_SECONDS
from drconsole.tui.check_views import FixDialog
from drconsole.tui.checks_screen import ChecksScreen

# The AWS managed restore policies in the `aws` partition (the sandbox's).
RESTORE_POLICY_ARN, S3_RESTORE_POLICY_ARN = restore_policy_arns("S3", "aws")


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    try:
        yield sandbox, info
    finally:
        sandbox.stop()
        sandbox.reset()


def settings_for(sandbox: Sandbox, info: ScenarioInfo, tmp_path: object) -> Settings:
    return Settings(
        regions=(info.region,),
        endpoint_url=sandbox.endpoint_url,
        static_credentials=Credentials.from_mapping(
            sandbox.credentials_for(info.accounts["management"])
        ),
        management_account_id=info.accounts["management"],
        state_dir=tmp_path,  # type: ignore[arg-type]
        retry_max_attempts=2,
    )


def recovery_point(sandbox: Sandbox, info: ScenarioInfo, arn: str) -> RecoveryPoint:
    """The model the recovery point view hands to the checks panel."""
    account = info.accounts["backup"]
    backup = sandbox.client("backup", account, info.region)
    found = backup.describe_recovery_point(
        BackupVaultName="central-eu-central-1", RecoveryPointArn=arn
    )
    return RecoveryPoint(
        arn=arn,
        vault_name="central-eu-central-1",
        account_id=account,
        region=info.region,
        resource_arn=found["ResourceArn"],
        resource_type=found["ResourceType"],
        resource_name=found.get("ResourceName", ""),
        created=datetime.now(UTC),
        status=found["Status"],
        size_bytes=None,
        encryption_key_arn=found.get("EncryptionKeyArn", ""),
        is_encrypted=True,
        source_vault_arn=found.get("SourceBackupVaultArn"),
        expires=None,
    )


class Host(App[None]):
    """A bare app that opens the checks panel, as the recovery point view does with `c`."""

    def __init__(self, screen: ChecksScreen) -> None:
        super().__init__()
        self.checks = screen

    def on_mount(self) -> None:
        self.push_screen(self.checks)


async def settle(screen: ChecksScreen, pilot: object) -> None:
    for _ in range(400):
        await pilot.pause()  # type: ignore[attr-defined]
        if not screen.pending and "restore" in screen.rows:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"checks still pending: {screen.pending}")


async def test_fault_shows_then_fix_from_the_dialog_makes_it_pass(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: object
) -> None:
    sandbox, info = demo
    settings = settings_for(sandbox, info, tmp_path)
    rp = recovery_point(sandbox, info, info.fault_recovery_points["vault_without_access_policy"])
    screen = ChecksScreen(
        rp, settings, AwsSessions(settings), destination=info.faults["vault_without_access_policy"]
    )
    app = Host(screen)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(screen, pilot)
        ordered = screen.ordered()
        failing = [i for i, (_, c) in enumerate(ordered) if c.status is not CheckStatus.PASS]
        assert [ordered[i][1].cause for i in failing] == [CauseCode.VAULT_POLICY_DENIES_COPY]
        groups = {group for group, _ in ordered}
        assert groups == {"organization", "destination", "source", "route", "restore"}
        table = screen.query_one("#checks-table", DataTable)
        assert table.row_count == len(ordered) == 29
        table.move_cursor(row=failing[0])
        await pilot.pause()
        remediation = str(screen.query_one("#remediation-text", Static).render())
        assert "backup:CopyIntoBackupVault" in remediation and "Press f" in remediation
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, FixDialog)
        assert "CopyIntoBackupVault" in app.screen.plan.diff
        await pilot.pause(ARMING_SECONDS)  # Apply answers once the dialog was on screen
        await pilot.press("y")
        for _ in range(100):
            await pilot.pause()
            if screen.run_id > 1:
                break
            await asyncio.sleep(0.05)
        await settle(screen, pilot)
        assert all(c.status is CheckStatus.PASS for _, c in screen.ordered())


async def test_read_only_refuses_the_fix(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: object
) -> None:
    sandbox, info = demo
    settings = replace(settings_for(sandbox, info, tmp_path), read_only=True)
    rp = recovery_point(sandbox, info, info.fault_recovery_points["service_linked_role_missing"])
    dev = info.accounts["dev"]
    dest = f"arn:aws:backup:{info.region}:{dev}:backup-vault:dev-vault"
    screen = ChecksScreen(rp, settings, AwsSessions(settings), destination=dest)
    app = Host(screen)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(screen, pilot)
        ordered = screen.ordered()
        index = next(i for i, (_, c) in enumerate(ordered) if c.status is CheckStatus.FAIL)
        assert ordered[index][1].cause is CauseCode.SERVICE_LINKED_ROLE_MISSING
        screen.query_one("#checks-table", DataTable).move_cursor(row=index)
        await pilot.press("f")
        await pilot.pause()
        assert app.screen is screen
        assert any("read-only" in n.message for n in app._notifications)


async def test_destination_picked_from_the_organization_vaults(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: object
) -> None:
    sandbox, info = demo
    settings = settings_for(sandbox, info, tmp_path)
    arn = info.fault_recovery_points["source_key_not_shared"]
    qa = info.accounts["qa"]
    found = sandbox.client("backup", qa, info.region).describe_recovery_point(
        BackupVaultName="qa-vault", RecoveryPointArn=arn
    )
    rp = RecoveryPoint(
        arn=arn,
        vault_name="qa-vault",
        account_id=qa,
        region=info.region,
        resource_arn=found["ResourceArn"],
        resource_type=found["ResourceType"],
        resource_name=found.get("ResourceName", ""),
        created=datetime.now(UTC),
        status=found["Status"],
        size_bytes=None,
        encryption_key_arn=found.get("EncryptionKeyArn", ""),
        is_encrypted=True,
        source_vault_arn=None,
        expires=None,
    )
    screen = ChecksScreen(rp, settings, AwsSessions(settings))
    app = Host(screen)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(screen, pilot)
        assert {group for group, _ in screen.ordered()} == {"restore"}  # no destination yet
        choice = screen.query_one("#destination-choice", Select)
        central = (
            f"arn:aws:backup:{info.region}:{info.accounts['backup']}:backup-vault:"
            "central-eu-central-1"
        )
        for _ in range(200):
            await pilot.pause()
            if any(value == central for _, value in choice._options):
                break
            await asyncio.sleep(0.05)
        choice.value = central
        await pilot.pause()
        await settle(screen, pilot)
        assert screen.destination == central
        bad = [c for _, c in screen.ordered() if c.status is not CheckStatus.PASS]
        assert [c.cause for c in bad] == [CauseCode.SOURCE_KEY_NOT_SHARED]


async def test_restore_rows_are_checked_where_the_restore_runs(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: object
) -> None:
    """A backup-account copy of a prod backup, copied back to prod: the restore rows read
    prod's role (broken only there), not the backup account's."""
    sandbox, info = demo
    prod, backup = info.accounts["prod"], info.accounts["backup"]
    central = sandbox.client("backup", backup, info.region)
    points = central.list_recovery_points_by_backup_vault(BackupVaultName="central-eu-central-1")
    copied = next(
        p
        for p in points["RecoveryPoints"]
        if p["ResourceType"] == "DynamoDB"
        and (p.get("SourceBackupVaultArn") or "").split(":")[4:5] == [prod]
    )
    rp = recovery_point(sandbox, info, copied["RecoveryPointArn"])
    settings = settings_for(sandbox, info, tmp_path)
    iam = sandbox.client("iam", prod)
    role = "AWSBackupDefaultServiceRole"
    iam.detach_role_policy(RoleName=role, PolicyArn=RESTORE_POLICY_ARN)
    try:
        # The destination defaults to the vault the copy came from: prod's.
        screen = ChecksScreen(rp, settings, AwsSessions(settings))
        app = Host(screen)
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(screen, pilot)
            assert screen.destination == copied["SourceBackupVaultArn"]
            restore = {c.id: c for c in screen.rows["restore"]}
            assert restore["restore.role"].status is CheckStatus.FAIL
            assert (
                f"arn:aws:iam::{prod}:role/service-role/{role}" in restore["restore.role"].evidence
            )
            assert f"account {prod} ({info.region})" in restore["restore.account"].evidence
            # In place (no destination), the restore runs in the backup account: its role is whole.
            field = screen.query_one("#destination", Input)
            field.value = ""
            field.focus()
            await pilot.press("enter")
            await pilot.pause()
            await settle(screen, pilot)
            restore = {c.id: c for c in screen.rows["restore"]}
            assert restore["restore.role"].status is CheckStatus.PASS
            assert f"arn:aws:iam::{backup}:role/" in restore["restore.role"].evidence
    finally:
        iam.attach_role_policy(RoleName=role, PolicyArn=RESTORE_POLICY_ARN)


async def test_restore_scps_are_those_of_the_ou_path_where_the_restore_runs(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: object
) -> None:
    """An SCP on prod's OU denying StartRestoreJob: the copy back to prod shows restore.scps
    FAIL naming the OU; in place, in the backup account (not under that OU), it PASSes."""
    sandbox, info = demo
    prod, backup = info.accounts["prod"], info.accounts["backup"]
    central = sandbox.client("backup", backup, info.region)
    points = central.list_recovery_points_by_backup_vault(BackupVaultName="central-eu-central-1")
    copied = next(
        p
        for p in points["RecoveryPoints"]
        if p["ResourceType"] == "DynamoDB"
        and (p.get("SourceBackupVaultArn") or "").split(":")[4:5] == [prod]
    )
    rp = recovery_point(sandbox, info, copied["RecoveryPointArn"])
    settings = settings_for(sandbox, info, tmp_path)
    orgs = sandbox.client("organizations", info.accounts["management"], info.region)
    root = orgs.list_roots()["Roots"][0]["Id"]
    with contextlib.suppress(orgs.exceptions.PolicyTypeAlreadyEnabledException):
        orgs.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    ou = orgs.list_parents(ChildId=prod)["Parents"][0]["Id"]
    deny = {"Effect": "Deny", "Action": "backup:StartRestoreJob", "Resource": "*"}
    policy = orgs.create_policy(
        Name="NoProdRestores",
        Description="no restores in prod",
        Type="SERVICE_CONTROL_POLICY",
        Content=json.dumps({"Version": "2012-10-17", "Statement": [deny]}),
    )["Policy"]["PolicySummary"]["Id"]
    orgs.attach_policy(PolicyId=policy, TargetId=ou)
    try:
        screen = ChecksScreen(rp, settings, AwsSessions(settings))
        app = Host(screen)
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(screen, pilot)
            restore = {c.id: c for c in screen.rows["restore"]}
            scps = restore["restore.scps"]
            assert scps.status is CheckStatus.FAIL, scps
            assert "NoProdRestores" in scps.evidence and ou in scps.evidence
            field = screen.query_one("#destination", Input)
            field.value = ""
            field.focus()
            await pilot.press("enter")
            await pilot.pause()
            await settle(screen, pilot)
            restore = {c.id: c for c in screen.rows["restore"]}
            assert restore["restore.scps"].status is CheckStatus.PASS, restore["restore.scps"]
    finally:
        orgs.detach_policy(PolicyId=policy, TargetId=ou)
        orgs.delete_policy(PolicyId=policy)


def into_dev_vault(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: object
) -> tuple[ChecksScreen, Host]:
    """The checks of the demo's copy into dev-vault (whose account lacks AWS Backup's
    service-linked role: one FAIL), and the app that shows them."""
    sandbox, info = demo
    settings = settings_for(sandbox, info, tmp_path)
    rp = recovery_point(sandbox, info, info.fault_recovery_points["service_linked_role_missing"])
    dest = f"arn:aws:backup:{info.region}:{info.accounts['dev']}:backup-vault:dev-vault"
    screen = ChecksScreen(rp, settings, AwsSessions(settings), destination=dest)
    return screen, Host(screen)


async def test_sort_by_verdict_keeps_the_highlighted_check_at_80x24(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: object
) -> None:
    """Shift+S puts the worst verdict first (again: the best), Shift+C sorts by name; the
    header marks the column and the cursor stays on the check the operator was reading."""
    from drconsole.tui.check_views import SEVERITY
    from drconsole.tui.screens.dialogs import HelpScreen
    from tests.tui.test_narrow import screen_lines

    screen, app = into_dev_vault(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(screen, pilot)
        table = screen.query_one("#checks-table", DataTable)
        table.move_cursor(row=2)
        await pilot.pause()
        reading = screen.selected()
        assert reading is not None
        for key, descending in (("S", True), ("S", False)):
            await pilot.press(key)
            await pilot.pause()
            worst = [SEVERITY[c.status] for _, c in screen.shown]
            assert worst == sorted(worst, reverse=descending)
            assert screen.selected() == reading
            header = next(line for line in screen_lines(app) if "Group" in line)
            assert ("Status ▼" if descending else "Status ▲") in header, header
        assert screen.shown[-1][1].status is CheckStatus.FAIL  # best first now
        await pilot.press("S")
        assert screen.shown[0][1].cause is CauseCode.SERVICE_LINKED_ROLE_MISSING
        remediation = str(screen.query_one("#remediation-text", Static).render())
        assert reading[1].title in remediation  # the pane follows the check, not the row
        await pilot.press("C")
        titles = [c.title for _, c in screen.shown]
        assert titles == sorted(titles, key=str.lower) and screen.selected() == reading
        header = next(line for line in screen_lines(app) if "Group" in line)
        assert "Check ▲" in header and "Status ▼" not in header, header
        keys = HelpScreen.for_screen(screen).rows
        assert {"Sort by Status", "Sort by Check"} <= {row.description for row in keys}


async def test_a_copy_back_into_an_account_without_its_instance_profile_shows_the_fix(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: object
) -> None:
    """prod-web-1's copy toward qa-vault: the restore rows say qa lacks prod-web-profile and
    how to restore without it."""
    sandbox, info = demo
    backup = sandbox.client("backup", info.accounts["backup"], info.region)
    copies = backup.list_recovery_points_by_backup_vault(
        BackupVaultName="central-eu-central-1", ByResourceType="EC2"
    )["RecoveryPoints"]
    web = max(
        (p for p in copies if p.get("ResourceName") == "prod-web-1"),
        key=lambda p: p["CreationDate"],
    )
    qa = info.accounts["qa"]
    settings = settings_for(sandbox, info, tmp_path)
    screen = ChecksScreen(
        recovery_point(sandbox, info, web["RecoveryPointArn"]),
        settings,
        AwsSessions(settings),
        destination=f"arn:aws:backup:{info.region}:{qa}:backup-vault:qa-vault",
    )
    app = Host(screen)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(screen, pilot)
        ordered = screen.ordered()
        failing = [(i, c) for i, (_, c) in enumerate(ordered) if c.status is not CheckStatus.PASS]
        assert [(c.id, c.status) for _, c in failing] == [
            ("restore.instance-profile", CheckStatus.FAIL)
        ]
        screen.query_one("#checks-table", DataTable).move_cursor(row=failing[0][0])
        await pilot.pause()
        remediation = str(screen.query_one("#remediation-text", Static).render())
        assert "--metadata IamInstanceProfileName=" in remediation
        assert "prod-web-profile" in failing[0][1].evidence and qa in failing[0][1].evidence


async def test_the_counts_are_seen_when_a_fail_is_out_of_view_at_80x24(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: object
) -> None:
    """At 80x24 the table shows a few checks: with the cursor on the last one (as it stays on
    its check when the destination changes), the FAIL above is out of view, and the line over
    the remediation still says how many checks fail."""
    from tests.tui.test_narrow import screen_lines

    screen, app = into_dev_vault(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(screen, pilot)
        table = screen.query_one("#checks-table", DataTable)
        table.move_cursor(row=table.row_count - 1)
        await pilot.pause()
        lines = screen_lines(app)
        shown = "\n".join(lines)
        assert not any(line.lstrip().startswith("FAIL") for line in lines), shown
        statuses = [c.status for _, c in screen.shown]
        passes = statuses.count(CheckStatus.PASS)
        assert statuses.count(CheckStatus.FAIL) == 1
        counts = next((line for line in lines if "1 FAIL · " in line), "")
        assert f"1 FAIL · {passes} PASS" in counts, shown
        # Shift+S puts it first and Home goes there, one key each.
        await pilot.press("S", "home")
        await pilot.pause()
        chosen = screen.selected()
        assert chosen is not None and chosen[1].status is CheckStatus.FAIL, chosen
        await pilot.press("end")
        assert table.cursor_row == table.row_count - 1
