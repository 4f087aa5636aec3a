"""Posture that does not hide problems: unreadable counts are `?`, never 0, and an account
without AWS Backup's service-linked role is a problem with its cause code, not `ok`."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.tui.conftest import Demo, table_text, wait_until
from tests.tui.test_screens import accounts_loaded

SIZE = (100, 30)


def row_of(rows: list[list[str]], account_id: str) -> list[str]:
    return next(row for row in rows if row[1] == account_id)


async def test_missing_service_linked_role_is_shown_with_its_cause(demo: Demo) -> None:
    accounts = demo.info.accounts
    with pytest.raises(ClientError):  # the sandbox: dev has no AWSServiceRoleForBackup
        demo.sandbox.client("iam", accounts["dev"]).get_role(RoleName="AWSServiceRoleForBackup")
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        rows = table_text(app)
        assert row_of(rows, accounts["dev"])[5] == "⚠ SERVICE_LINKED_ROLE_MISSING"
        for role in ("prod", "qa", "backup"):
            assert row_of(rows, accounts[role])[5] == "ok"
        # dev's vaults still count: the role is a problem of its own, not an unreadable account.
        assert row_of(rows, accounts["dev"])[2] == "1"


async def test_counts_that_could_not_be_read_are_a_question_mark(demo: Demo) -> None:
    qa = demo.info.accounts["qa"]
    demo.sandbox.options.access_denied_accounts = {qa}
    try:
        app = demo.app()
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
            row = row_of(table_text(app), qa)
    finally:
        demo.sandbox.options.access_denied_accounts = set()
    vaults, rps, newest, state = row[2:6]
    assert (vaults, rps, newest) == ("?", "?", "?"), row
    assert state == "⚠ ROLE_PERMISSIONS"
