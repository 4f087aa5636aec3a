"""A filter puts the best match first and the cursor on it; group headers are never selected;
columns sort with shift+letter."""

from __future__ import annotations

from textual.widgets import DataTable

from drconsole.tui.ranking import rank
from drconsole.tui.screens.accounts import AccountsScreen
from drconsole.tui.screens.vaults import VaultsScreen
from tests.tui.conftest import Demo, status_of, table_text, wait_until
from tests.tui.test_screens import accounts_loaded

SIZE = (120, 40)


def test_exact_name_before_prefix_before_word_before_id_before_ou() -> None:
    rows = {
        "dev": ("dev", "273043210220", "root/non-prod/dev"),
        "legacy-prod": ("legacy-prod", "111111111111", "root/prod"),
        "prod-eu": ("prod-eu", "222222222222", "root/prod"),
        "prod": ("prod", "336580474362", "root/prod"),
        "reproduce": ("reproduce", "333333333333", "root"),
    }
    ranks = {name: rank("prod", fields) for name, fields in rows.items()}
    ranked = sorted((name for name in rows if ranks[name]), key=lambda name: ranks[name] or ())
    assert ranked == ["prod", "prod-eu", "legacy-prod", "reproduce", "dev"]
    assert rank("2730", rows["dev"]) is not None
    assert rank("2730", rows["dev"]) < rank("non", rows["dev"])  # type: ignore[operator]
    assert rank("prod staging", rows["prod"]) is None  # every word must match


def cursor_key(app: object) -> str | None:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, AccountsScreen)
    return screen.highlighted_key()


async def test_filter_matching_several_accounts_opens_the_best_match(demo: Demo) -> None:
    prod = demo.info.accounts["prod"]
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        # The cursor starts elsewhere (on dev, whose OU path holds "Non-Prod").
        await pilot.press("down")  # over the Non-Prod/Dev header
        assert cursor_key(app) == demo.info.accounts["dev"]
        await pilot.press("slash", *"prod")
        shown = [row[1] for row in table_text(app) if row[1]]
        assert shown[0] == prod and len(shown) >= 3, shown  # dev and qa match by their OU
        assert cursor_key(app) == prod
        await pilot.press("enter", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, VaultsScreen), what="vaults")
        assert app.screen.account.id == prod  # type: ignore[attr-defined]


async def test_filter_by_id_and_results_streaming_in_keep_the_best_match(demo: Demo) -> None:
    backup = demo.info.accounts["backup"]
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        # Typed before the organization has answered: the cursor lands on it once it does.
        await pilot.press("slash", *backup[:6])
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        assert cursor_key(app) == backup
        await pilot.press("enter", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, VaultsScreen), what="vaults")
        assert app.screen.account.id == backup  # type: ignore[attr-defined]


async def test_the_cursor_never_rests_on_an_ou_header(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        table = app.screen.query_one(DataTable)
        headers = {i for i, row in enumerate(table_text(app)) if row[1] == ""}
        assert table.cursor_row == 1
        await pilot.press("up")  # only a header above: stays on the first account
        assert table.cursor_row == 1
        seen = set()
        for _ in range(table.row_count):
            await pilot.press("down")
            seen.add(table.cursor_row)
        assert not seen & headers
        await pilot.press("home")
        assert table.cursor_row not in headers
        await pilot.click(DataTable, offset=(2, 1))  # the Root header line
        await pilot.pause()
        assert table.cursor_row not in headers
        before = app.screen
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is not before  # Enter opened the account, never a header


async def test_shift_letter_sorts_a_column_shown_in_its_header_and_again_reverses(
    demo: Demo,
) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")
        await pilot.press("slash", *"non-prod", "enter")  # dev and qa under Non-Prod
        await pilot.press("R")
        table = app.screen.query_one(DataTable)
        labels = [str(column.label) for column in table.columns.values()]
        assert "RPs ▲" in labels, labels

        def rps() -> list[int]:
            return [int(row[3].replace(",", "")) for row in table_text(app) if row[1]]

        assert rps() == sorted(rps())
        await pilot.press("R")
        assert "RPs ▼" in [str(column.label) for column in table.columns.values()]
        await pilot.press("escape")
        await wait_until(pilot, lambda: "filter" not in status_of(app), what="filter cleared")
        # Sorted within each OU: every OU keeps its header and its accounts.
        rows = table_text(app)
        headers = [row[0].strip() for row in rows if not row[1]]
        assert headers == sorted(headers) and headers[0] == "▾ Root", headers
