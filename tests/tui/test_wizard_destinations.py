"""The wizard's destination list: rows that arrive later never move the operator's choice."""

from __future__ import annotations

from textual.app import App, ComposeResult

from drconsole.tui.wizard.destinations import Destination, DestinationList

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

    def on_mount(self) -> None:
        self.query_one(DestinationList).focus()

    def on_destination_list_picked(self, message: DestinationList.Picked) -> None:
        self.picked.append(message.destination)


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
        await pilot.press("enter")
        await pilot.pause()
    assert [d.arn for d in app.picked] == [target.arn]
