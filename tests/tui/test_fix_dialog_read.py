"""A fix's diff is applied only once its end has been on screen: at 80x24 a vault access
policy's diff runs below the dialog, the statement it adds last."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from textual.containers import VerticalScroll
from textual.widgets import DataTable

from drconsole.aws.session import AwsSessions
from drconsole.models import CheckStatus
from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from drconsole.tui import arming
from drconsole.tui.check_views import FixDialog
from drconsole.tui.checks_screen import ChecksScreen
from tests.test_checks_screen import Host, demo, recovery_point, settings_for, settle

__all__ = ["demo"]

SLOW_ARMING = 3.0


def policy_less_vault(sandbox: Sandbox, info: ScenarioInfo) -> tuple[Any, str]:
    """The Backup client and name of the demo's vault without an access policy."""
    vault_arn = info.faults["vault_without_access_policy"]
    _, _, _, region, account, _, name = vault_arn.split(":", 6)
    return sandbox.client("backup", account, region), name


def remove_vault_policy(sandbox: Sandbox, info: ScenarioInfo) -> None:
    """The demo's fault back as built (the module shares one sandbox)."""
    backup, name = policy_less_vault(sandbox, info)
    backup.delete_backup_vault_access_policy(BackupVaultName=name)


def vault_policy(sandbox: Sandbox, info: ScenarioInfo) -> str | None:
    backup, name = policy_less_vault(sandbox, info)
    try:
        return str(backup.get_backup_vault_access_policy(BackupVaultName=name)["Policy"])
    except ClientError:
        return None


def slr_missing(sandbox: Sandbox, info: ScenarioInfo) -> bool:
    """Whether the dev account still lacks AWS Backup's service-linked role (plain boto3)."""
    iam = sandbox.client("iam", info.accounts["dev"], info.region)
    try:
        iam.get_role(RoleName="AWSServiceRoleForBackup")
    except ClientError:
        return True
    return False


def checks_host(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: object, fault: str, destination: str
) -> tuple[ChecksScreen, Host]:
    """The checks screen of the demo's recovery point for `fault`, copied to `destination`."""
    sandbox, info = demo
    settings = settings_for(sandbox, info, tmp_path)
    rp = recovery_point(sandbox, info, info.fault_recovery_points[fault])
    screen = ChecksScreen(rp, settings, AwsSessions(settings), destination=destination)
    return screen, Host(screen)


async def open_fix(pilot: Any, screen: ChecksScreen, app: Host) -> FixDialog:
    """`f` on the first failing check that drconsole can fix: its dialog."""
    await settle(screen, pilot)
    ordered = screen.ordered()
    failing = next(
        i for i, (_, c) in enumerate(ordered) if c.fix_id and c.status is CheckStatus.FAIL
    )
    screen.query_one("#checks-table", DataTable).move_cursor(row=failing)
    await pilot.pause()
    await pilot.press("f")
    await pilot.pause(0.2)
    dialog = app.screen
    assert isinstance(dialog, FixDialog)
    return dialog


async def until(pilot: Any, done: Callable[[], bool]) -> None:
    """Wait (up to 5 s) for what a fix applies to reach the sandbox."""
    for _ in range(100):
        if done():
            return
        await pilot.pause(0.05)


async def test_y_applies_a_fix_only_once_its_diff_was_read(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`f` then `y` (or a click on Apply) at 80x24 put a vault access policy the operator saw
    only the first lines of. Now `y` shows the next page and applies nothing; read to its
    end, `y` applies it."""
    sandbox, info = demo
    # Longer than any pause a loaded machine puts between the dialog appearing and a key.
    monkeypatch.setattr(arming, "ARMING_SECONDS", SLOW_ARMING)
    fault = "vault_without_access_policy"
    screen, app = checks_host(demo, tmp_path, fault, info.faults[fault])
    assert vault_policy(sandbox, info) is None
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_fix(pilot, screen, app)
        diff = dialog.query_one("#fix-diff", VerticalScroll)
        assert diff.max_scroll_y > 0 and diff.scroll_y == 0
        await pilot.pause(SLOW_ARMING)  # the dialog has been on screen: only the diff stops it
        await pilot.click("#apply")
        await pilot.press("y")
        await pilot.pause(0.3)
        assert app.screen is dialog, "the fix was applied unread"
        assert vault_policy(sandbox, info) is None
        assert diff.scroll_y > 0  # the next page of the diff is shown
        for _ in range(30):
            if diff.scroll_y >= diff.max_scroll_y:
                break
            await pilot.press("pagedown")
            await pilot.pause(0.2)
        await pilot.pause(SLOW_ARMING)
        await pilot.press("y")
        await pilot.pause(0.3)
        assert app.screen is not dialog
        await until(pilot, lambda: vault_policy(sandbox, info) is not None)
    policy = vault_policy(sandbox, info)
    assert policy is not None and "backup:CopyIntoBackupVault" in policy


async def test_a_diff_that_fits_is_applied_once_the_dialog_was_on_screen(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal tall enough for the whole diff, `y` applies once the dialog has been on
    screen a moment (nothing to read further); a `y` typed with the `f` applies nothing."""
    sandbox, info = demo
    # Longer than any pause a loaded machine puts between the dialog appearing and a key.
    monkeypatch.setattr(arming, "ARMING_SECONDS", SLOW_ARMING)
    dest = f"arn:aws:backup:{info.region}:{info.accounts['dev']}:backup-vault:dev-vault"
    screen, app = checks_host(demo, tmp_path, "service_linked_role_missing", dest)
    async with app.run_test(size=(140, 40)) as pilot:
        dialog = await open_fix(pilot, screen, app)
        assert dialog.query_one("#fix-diff", VerticalScroll).max_scroll_y == 0
        # `f y` typed together: the `y` came before the dialog could be read.
        await pilot.press("y")
        await pilot.pause(0.1)
        assert app.screen is dialog, "the fix was applied before its dialog could be read"
        assert slr_missing(sandbox, info)
        await pilot.pause(SLOW_ARMING)
        await pilot.press("y")
        await pilot.pause(0.3)
        assert app.screen is not dialog
        await until(pilot, lambda: not slr_missing(sandbox, info))
    assert not slr_missing(sandbox, info)


async def test_a_click_on_apply_as_the_dialog_appears_applies_nothing(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A click meant for the checks table (or a double click's second half) that lands where
    Apply appears applied the fix at once when its diff fitted. Apply now arms as the yes/no
    dialogs' Yes does: clicked before, nothing; clicked once armed, the fix is applied."""
    monkeypatch.setattr(arming, "ARMING_SECONDS", SLOW_ARMING)
    sandbox, info = demo
    if vault_policy(sandbox, info) is not None:
        remove_vault_policy(sandbox, info)
    fault = "vault_without_access_policy"
    screen, app = checks_host(demo, tmp_path, fault, info.faults[fault])
    assert vault_policy(sandbox, info) is None
    async with app.run_test(size=(160, 60)) as pilot:
        dialog = await open_fix(pilot, screen, app)
        assert dialog.query_one("#fix-diff", VerticalScroll).max_scroll_y == 0  # read whole
        await pilot.click("#apply")
        await pilot.pause(0.3)
        assert app.screen is dialog, "a click as the dialog appeared applied the fix"
        assert vault_policy(sandbox, info) is None
        await pilot.press("enter")  # Enter typed ahead presses no button either
        await pilot.pause(0.3)
        assert app.screen is dialog
        await pilot.pause(SLOW_ARMING + 0.5)  # (a refused press arms it again)
        await pilot.click("#apply")
        await pilot.pause(0.3)
        assert app.screen is not dialog
        await until(pilot, lambda: vault_policy(sandbox, info) is not None)
    assert vault_policy(sandbox, info) is not None
    remove_vault_policy(sandbox, info)
