"""Names from AWS are shown as written: markup in an account or OU name neither styles nor stops
the console, and escape sequences in one do not reach the terminal."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from drconsole.models import Check, CheckStatus
from drconsole.tui.check_views import remediation_text
from tests.tui.conftest import Demo, screen_lines, status_of, table_text, wait_until
from tests.tui.test_screens import SIZE, accounts_loaded

# Valid names to AWS Organizations (an account name is 1 to 50 printable ASCII characters).
CLOSING_TAG = "[/x] ops [red]"
STYLE_TAG = "[prod] payments :warning:"
OU_NAME = "[b]Ops[/b]"
# An OU name may hold any character: this one cleared the screen and retitled the window.
ESCAPING_OU = "Lab\x1b[2J\x1b]0;owned\x07"
# (The header row is a Rich Text, which drops the BEL itself.)
ESCAPING_OU_SHOWN = "Lab\\x1b[2J\\x1b]0;owned"


def add_hostile_accounts(demo: Demo) -> None:
    """An OU and two accounts in it, named with Rich markup, in the demo's organization."""
    org = demo.sandbox.client("organizations", demo.info.accounts["management"])
    root = org.list_roots()["Roots"][0]["Id"]
    for ou_name, names in ((OU_NAME, (CLOSING_TAG, STYLE_TAG)), (ESCAPING_OU, ("lab",))):
        created_ou = org.create_organizational_unit(ParentId=root, Name=ou_name)
        ou = created_ou["OrganizationalUnit"]["Id"]
        for name in names:
            created = org.create_account(Email=f"{name}@example.com", AccountName=name)
            account = created["CreateAccountStatus"]["AccountId"]
            org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=ou)


async def test_names_with_markup_are_listed_as_written_and_can_be_filtered(demo: Demo) -> None:
    add_hostile_accounts(demo)
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts", timeout=60)
        names = [row[0].strip() for row in table_text(app)]
        assert f"▾ Root/{OU_NAME}" in names
        assert CLOSING_TAG in names and STYLE_TAG in names
        screen = "\n".join(screen_lines(app))
        assert CLOSING_TAG in screen and STYLE_TAG in screen and OU_NAME in screen
        assert any(name.startswith(f"▾ Root/{ESCAPING_OU_SHOWN}") for name in names)
        assert not any(ord(c) < 32 for c in screen.replace("\n", ""))
        assert "9 accounts" in status_of(app)
        await pilot.press("slash", *"[prod]", "enter")
        await wait_until(pilot, lambda: "filter '[prod]'" in status_of(app), what="filter")
        shown = [row[0].strip() for row in table_text(app) if row[1]]
        assert shown == [STYLE_TAG]
        assert STYLE_TAG in "\n".join(screen_lines(app))


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.text(max_size=40), st.text(max_size=40))
def test_a_check_s_evidence_and_remediation_keep_their_lines_and_no_control_character(
    evidence: str, remediation: str
) -> None:
    """The checks pane quotes AWS's messages and names (an SCP's OU path, a policy): their line
    breaks stay, every other control character is shown as an escape."""
    check = Check("source.scps", "SCPs", CheckStatus.FAIL, evidence, None, remediation or "x")
    shown = remediation_text(check, read_only=False).plain
    assert not any(unicodedata.category(c) in ("Cc", "Cs") for c in shown.replace("\n", ""))
    assert shown.count("\n") == 4 + evidence.count("\n") + (remediation or "x").count("\n")


def test_an_ou_path_with_escape_sequences_in_evidence_is_shown_escaped() -> None:
    check = Check(
        "source.scps",
        "SCPs",
        CheckStatus.FAIL,
        f"an SCP at Root/{ESCAPING_OU} denies backup:CopyIntoBackupVault",
        None,
        '{\n  "Effect": "Deny"\n}',
    )
    shown = remediation_text(check, read_only=False).plain
    assert f"Root/{ESCAPING_OU_SHOWN}\\x07 denies" in shown
    assert '{\n  "Effect": "Deny"\n}' in shown
