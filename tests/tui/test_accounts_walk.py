"""The accounts screen reads each account as the organization's walk lists it, and a walk that
fails still fails the screen's load as one error where it happened (counted at the sandbox)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from drconsole.models import AccountError, CauseCode
from drconsole.tui.screens.accounts import AccountsScreen
from drconsole.tui.screens.dialogs import ErrorDialog
from tests.tui.conftest import Demo, wait_until


async def every_posture_read(pilot: Pilot[Any], screen: AccountsScreen) -> None:
    """Wait until the organization is shown and the screen's load has ended."""
    await wait_until(
        pilot,
        lambda: (
            screen.organization is not None
            and not any(w.group == "accounts" and not w.is_finished for w in screen.workers)
        ),
        what="every account's posture",
        timeout=60,
    )


def seen(demo: Demo, mark: int, operation: str) -> int:
    return sum(1 for request in demo.sandbox.request_log.since(mark) if request.name == operation)


async def test_accounts_at_the_root_are_read_while_the_walk_waits_for_its_units(
    demo: Demo,
) -> None:
    """With every OU listing held 3 s, the management account (in the root) has its vaults
    asked before the walk has ended; the whole organization then shows with every posture
    (the code before read no account until the walk had ended)."""
    demo.sandbox.fail_operation("organizations:ListOrganizationalUnitsForParent", "slow")
    try:
        mark = demo.sandbox.request_log.mark()
        app = demo.app()
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(
                pilot,
                lambda: seen(demo, mark, "backup:ListBackupVaults") > 0,
                what="a ListBackupVaults",
                timeout=20,
            )
            screen = app.screen
            assert isinstance(screen, AccountsScreen)
            assert screen.organization is None  # the walk still waits for its OUs
            demo.sandbox.clear_faults()
            await every_posture_read(pilot, screen)
            assert screen.organization is not None
            accounts = {account.id for account in screen.organization.accounts}
            assert set(demo.info.accounts.values()) <= accounts
            for account_id in accounts:
                posture = screen.postures[account_id]
                assert posture.role_checked, account_id
                assert posture.regions_loaded == set(demo.settings.regions), account_id
    finally:
        demo.sandbox.clear_faults()


async def test_a_walk_that_fails_fails_the_load_with_its_error(demo: Demo) -> None:
    """ListAccountsForParent denied after its first answer: the load fails with the
    organization's error in the error dialog (the call named, its cause code), the status line
    says so, and no organization is shown."""
    demo.sandbox.fail_operation("organizations:ListAccountsForParent", "denied", after=1)
    try:
        app = demo.app()
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(
                pilot, lambda: isinstance(app.screen, ErrorDialog), what="the error", timeout=30
            )
            dialog = app.screen
            assert isinstance(dialog, ErrorDialog)
            description = str(dialog.query_one("#error-description").render())
            assert "ListAccountsForParent" in description
            assert "ROLE_PERMISSIONS" in str(dialog.query_one("#error-cause").render())
            # One dialog (the screen called the base screen's handler, which Textual calls
            # too: the error was shown twice).
            accounts = app.screen_stack[-2]
            assert isinstance(accounts, AccountsScreen)
            assert accounts.organization is None
            assert "loading failed" in str(accounts.query_one("#status").render())
    finally:
        demo.sandbox.clear_faults()


async def test_member_profiles_show_the_caller_and_each_profile_account(
    demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With `member_profiles` there is no walk: the caller's account and each profile's are
    shown, each with its posture read with its own profile's credentials."""
    prod = demo.info.accounts["prod"]
    credentials = demo.sandbox.credentials_for(prod)
    shared = tmp_path / "credentials"
    shared.write_text(
        f"[prod-operator]\naws_access_key_id = {credentials['aws_access_key_id']}\n"
        f"aws_secret_access_key = {credentials['aws_secret_access_key']}\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(shared))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    mark = demo.sandbox.request_log.mark()
    app = demo.app(member_profiles=("prod-operator",))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, AccountsScreen)
        await every_posture_read(pilot, screen)
        assert screen.organization is not None
        shown = {account.id for account in screen.organization.accounts}
        assert shown == {demo.info.accounts["management"], prod}
        posture = screen.postures[prod]
        assert posture.regions_loaded == set(demo.settings.regions)
        assert posture.vaults and not posture.errors
    walked = {"organizations:ListAccountsForParent", "sts:AssumeRole"}
    assert not walked & {request.name for request in demo.sandbox.request_log.since(mark)}


async def test_what_a_replaced_load_handed_over_is_dropped_by_the_refresh(demo: Demo) -> None:
    """A result the running load had handed over, not yet shown when `r` starts another load
    (its message still queued): it is dropped, not merged into the new load's postures (an
    AccessDenied fixed since stayed on the refreshed screen)."""
    app = demo.app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, AccountsScreen)
        await every_posture_read(pilot, screen)
        prod = demo.info.accounts["prod"]
        stale = AccountError(
            prod,
            demo.info.region,
            "ListBackupVaults",
            "AccessDeniedException",
            "denied before the fix",
            CauseCode.ROLE_PERMISSIONS,
        )
        screen._inbox.put((screen._load_number, screen.VaultsLoaded(stale)))
        screen.action_refresh()  # in the same turn of the loop: the result is still queued
        await every_posture_read(pilot, screen)
        posture = screen.postures[prod]
        assert posture.errors == [] and posture.vaults_unread == set()
        assert posture.regions_loaded == set(demo.settings.regions)
