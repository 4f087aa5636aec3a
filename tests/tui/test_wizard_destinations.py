"""The wizard's destination list: rows that arrive later never move the operator's choice."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from drconsole.tui import settled_pick
from drconsole.tui.wizard.destination_list import Destination, DestinationList

SLOW_SETTLE = 2.0

ACCOUNTS = {
    "backup": "685298589574",
    "dev": "273043210220",
    "prod": "336580474362",
    "qa": "056737219498",
}


def vault(account: str, region: str, name: str) -> Destination:
    account_id = ACCOUNTS[account]
    arn = f"arn:aws:backup:{region}:{account_id}:backup-vault:{name}"
    return Destination(arn, account, account_id, region, name)


class ListApp(App[None]):
    """Only the list, six lines high, so that rows arriving above scroll it."""

    CSS = "DestinationList { height: 6; }"

    def compose(self) -> ComposeResult:
        yield DestinationList(id="dest-list")

    def __init__(self) -> None:
        super().__init__()
        self.picked: list[Destination] = []
        self.held: list[Destination | None] = []

    def on_mount(self) -> None:
        self.query_one(DestinationList).focus()

    def on_destination_list_picked(self, message: DestinationList.Picked) -> None:
        self.picked.append(message.destination)

    def on_destination_list_held(self, message: DestinationList.Held) -> None:
        self.held.append(message.held)


def shown(listing: DestinationList) -> tuple[str | None, int]:
    """The highlighted vault's ARN and the screen line it is on."""
    highlighted = listing.highlighted
    return (
        highlighted.arn if highlighted is not None else None,
        listing.cursor_row - round(listing.scroll_y),
    )


async def test_the_highlighted_vault_keeps_its_line_while_rows_arrive() -> None:
    app = ListApp()
    async with app.run_test(size=(80, 10)) as pilot:
        listing = app.query_one(DestinationList)
        listing.add_destinations([vault("qa", "eu-central-1", "qa-vault")])
        listing.add_destinations(
            [vault("qa", "eu-north-1", f"qa-dr-{n}") for n in range(6)]
            + [vault("qa", "eu-central-1", "qa-archive")]
        )
        await pilot.pause()
        # Nothing is chosen until the operator moves: which Region answered first must not
        # decide it.
        assert listing.highlighted is None
        await pilot.press("enter")
        assert listing.highlighted is not None  # Enter only showed the cursor, on the top row
        assert listing.highlighted.vault_name == "qa-archive"
        await pilot.press("down")
        target = vault("qa", "eu-central-1", "qa-vault")
        assert shown(listing) == (target.arn, 1)

        # prod's, dev's and backup's vaults arrive: they sort above qa's. The cursor stays on
        # qa-vault and, once the list is long enough to scroll, on the same line of the screen.
        listing.add_destinations(
            [vault("prod", "eu-north-1", "prod-vault"), vault("prod", "eu-central-1", "prod-vault")]
        )
        await pilot.pause()
        assert shown(listing)[0] == target.arn
        listing.add_destinations(
            [vault("backup", "eu-central-1", "central"), vault("dev", "eu-central-1", "dev-vault")]
        )
        await pilot.pause()
        assert shown(listing) == (target.arn, 1)
        assert listing.cursor_row == 5  # backup, dev, prod x2 and qa-archive above it

        assert app.picked == []  # the first Enter only showed the cursor
        # Rows arrived right behind the last move: Enter picks once they have been on screen.
        await pilot.pause(settled_pick.SETTLE_SECONDS)
        await pilot.press("enter")
        await pilot.pause()
    assert [d.arn for d in app.picked] == [target.arn]


async def test_keys_typed_ahead_while_rows_arrive_pick_nothing_until_enter_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`Down Down Down Enter` typed while the list fills: rows arrive between the keys, so
    the cursor went over whatever rows were there at each key and reached a vault decided by
    which account answered first. That Enter picks nothing and the list says so; a held
    Enter still picks nothing; an Enter once the list has been on screen a moment picks the
    vault highlighted (the code before picked at the first Enter)."""
    # Longer than any pause a loaded machine puts between two keys of the burst.
    monkeypatch.setattr(settled_pick, "SETTLE_SECONDS", SLOW_SETTLE)
    app = ListApp()
    async with app.run_test(size=(80, 10)) as pilot:
        listing = app.query_one(DestinationList)
        listing.add_destinations([vault("qa", "eu-central-1", "qa-vault")])
        await pilot.pause(SLOW_SETTLE)  # the operator sees qa-vault alone, then types
        await pilot.press("down")  # shows the cursor on qa-vault
        listing.add_destinations(  # prod and dev answer, above qa
            [vault("prod", "eu-central-1", "prod-vault"), vault("dev", "eu-north-1", "dev-dr")]
        )
        await pilot.press("down")
        listing.add_destinations([vault("qa", "eu-north-1", "qa-dr")])  # below qa-vault
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.picked == []
        held = listing.highlighted
        assert held is not None and held.vault_name == "qa-dr"
        assert listing.held == held and app.held == [held]
        await pilot.press("enter")  # typed right behind: it waits too
        await pilot.pause()
        assert app.picked == [] and listing.highlighted == held
        await pilot.pause(SLOW_SETTLE)
        await pilot.press("enter")
        await pilot.pause()
        assert app.picked == [held] and listing.held is None
        assert app.held == [held, None]


async def test_keys_typed_after_the_rows_came_pick_at_once() -> None:
    """An operator who waits for the rows, then moves and presses Enter, picks at once, even
    if more rows arrive after the Enter; rows arriving while nobody moves hold nothing."""
    app = ListApp()
    async with app.run_test(size=(80, 10)) as pilot:
        listing = app.query_one(DestinationList)
        listing.add_destinations([vault("qa", "eu-central-1", "qa-vault")])
        await pilot.press("down")
        listing.add_destinations(
            [vault("prod", "eu-central-1", "prod-vault"), vault("dev", "eu-north-1", "dev-dr")]
        )
        await pilot.pause(settled_pick.SETTLE_SECONDS + 0.1)  # the list as it is now is read
        await pilot.press("up", "up", "enter")
        await pilot.pause()
        assert [d.vault_name for d in app.picked] == ["dev-dr"]
        assert app.held == []


async def test_a_shorter_list_keeps_the_highlighted_vault_in_view() -> None:
    """The line that says an Enter was held takes one line from the list: the highlighted row,
    on the list's last line, was left below its edge, where Enter would pick it unseen."""
    app = ListApp()
    async with app.run_test(size=(80, 10)) as pilot:
        listing = app.query_one(DestinationList)
        listing.add_destinations([vault("qa", "eu-north-1", f"qa-dr-{n}") for n in range(9)])
        await pilot.press(*["down"] * 5)  # the cursor on the list's last line (under the header)
        assert shown(listing) == (vault("qa", "eu-north-1", "qa-dr-4").arn, 4)
        listing.styles.height = 5
        await pilot.pause()
        arn, line = shown(listing)
        assert arn == vault("qa", "eu-north-1", "qa-dr-4").arn and line == 3
