"""A role AWS refuses for good is asked once per load of the accounts screen, not by each of
the account's reads; its error is shown as before, and `r` on any screen asks again at once
(counted at the sandbox, the role made in between with plain boto3)."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from botocore.exceptions import ClientError
from textual.pilot import Pilot

from drconsole.tui.screens.accounts import AccountsScreen
from drconsole.tui.screens.vaults import VaultsScreen
from tests.policies import trusting
from tests.tui.conftest import Demo, status_of, wait_until

ROLE = "DrReader"  # made in every member account but dev by each test


def assume_roles_into(demo: Demo, mark: int, account_id: str) -> int:
    """The AssumeRole calls the sandbox received for the role into `account_id`."""
    arn = f"arn:aws:iam::{account_id}:role/{ROLE}"
    return sum(
        1
        for seen in demo.sandbox.request_log.since(mark)
        if seen.name == "sts:AssumeRole" and seen.role_arn == arn
    )


def make_role(demo: Demo, account_id: str) -> None:
    """The role, trusting the management account, made with plain boto3."""
    iam = demo.sandbox.client("iam", account_id, "us-east-1")
    trust = json.dumps(trusting(demo.info.accounts["management"]))
    iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=trust)


def remove_role(demo: Demo, account_id: str) -> None:
    demo.sandbox.client("iam", account_id, "us-east-1").delete_role(RoleName=ROLE)


async def load_ended(pilot: Pilot[Any], screen: AccountsScreen) -> None:
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


async def test_a_refused_role_is_asked_once_per_load_and_again_after_r(demo: Demo) -> None:
    """With the role missing in dev, the load sends one AssumeRole into dev (the code before
    sent six: one before its reads, then one for each read: ListBackupVaults and
    ListProtectedResources in two Regions, GetRole); every read shows AWS's refusal, word for
    word. Once the role exists, `r` asks again and the account is read."""
    dev = demo.info.accounts["dev"]
    members = [a for role, a in demo.info.accounts.items() if role not in ("management", "dev")]
    for account_id in members:
        make_role(demo, account_id)
    try:
        mark = demo.sandbox.request_log.mark()
        app = demo.app(role_name=ROLE)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            assert isinstance(screen, AccountsScreen)
            await load_ended(pilot, screen)
            assert assume_roles_into(demo, mark, dev) == 1
            for account_id in members:
                assert assume_roles_into(demo, mark, account_id) == 1
            errors = screen.postures[dev].errors
            # Both Regions' listings and newest backups, and the service-linked role's look-up.
            assert {e.region for e in errors} == {*app.regions(), "global"}
            refusal = (
                "AssumeRole: AccessDenied: User: arn:aws:iam::{}:root is not authorized to "
                f"perform: sts:AssumeRole on resource: arn:aws:iam::{dev}:role/{ROLE}"
            ).format(demo.info.accounts["management"])
            for error in errors:
                assert error.cause == "ROLE_PERMISSIONS"
                # ListProtectedResources's says which account and Region, as it did.
                assert error.message in (refusal, f"account {dev} {error.region}: {refusal}")
            assert all(not screen.postures[a].errors for a in members)

            make_role(demo, dev)
            mark = demo.sandbox.request_log.mark()
            await pilot.press("r")
            await wait_until(
                pilot, lambda: assume_roles_into(demo, mark, dev) > 0, what="dev's role asked"
            )
            await load_ended(pilot, screen)
            assert assume_roles_into(demo, mark, dev) == 1
            # Only the demo's deliberate fault is left: dev has no service-linked role.
            assert [e.cause for e in screen.postures[dev].errors] == ["SERVICE_LINKED_ROLE_MISSING"]
            assert screen.postures[dev].vaults
    finally:
        for account_id in [*members, dev]:
            # dev's is made only when the test reached it
            with contextlib.suppress(ClientError):
                remove_role(demo, account_id)


async def test_opening_a_refused_account_shows_the_refusal_and_r_asks_again(demo: Demo) -> None:
    """Opening dev (its vaults) right after the load shows the refusal from memory without an
    AssumeRole (the code before asked again on opening: the refusal now lasts its short time
    instead, refused_roles.py); `r` there asks again at once, once for both Regions' listings."""
    dev = demo.info.accounts["dev"]
    app = demo.app(role_name=ROLE)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, AccountsScreen)
        await load_ended(pilot, screen)
        mark = demo.sandbox.request_log.mark()
        await pilot.press("slash", *dev, "enter", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, VaultsScreen), what="vaults")
        await wait_until(pilot, lambda: "loading" not in status_of(app), what="dev's vaults")
        vaults = app.screen
        assert isinstance(vaults, VaultsScreen)
        assert assume_roles_into(demo, mark, dev) == 0
        # (with the service-linked role's look-up, brought from the accounts screen)
        refused = {(region, "AssumeRole", "AccessDenied") for region in [*app.regions(), "global"]}
        assert {(e.region, e.operation, e.code) for e in vaults.errors} == refused
        await pilot.press("r")
        await wait_until(
            pilot, lambda: assume_roles_into(demo, mark, dev) > 0, what="dev's role asked"
        )
        await wait_until(pilot, lambda: "loading" not in status_of(app), what="dev's vaults")
        assert assume_roles_into(demo, mark, dev) == 1
        assert {(e.region, e.operation, e.code) for e in vaults.errors} == refused
