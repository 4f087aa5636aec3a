"""The footer hides and shows the keys it has drawn as the focus moves, and shows what
Textual's own Footer would."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Input, Static
from textual.widgets._footer import FooterKey

from drconsole.tui.widgets.key_footer import KeyFooter


class Listing(Static, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "protected", "Protected"),
        Binding("r", "refresh", "Refresh"),
    ]


class Report(Static, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("x", "export", "Export")]


class Keys(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", priority=True),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, footer: type[Footer]) -> None:
        super().__init__()
        self.footer = footer

    def compose(self) -> ComposeResult:
        yield Listing("accounts", id="listing")
        yield Input(id="filter")
        yield Report("report", id="report")
        yield self.footer()


def keys_shown(app: Keys) -> list[str]:
    footer = app.screen.query_one(Footer)
    return [f"{key.key} {key.description}" for key in footer.query(FooterKey) if key.display]


async def footers_along(footer: type[Footer]) -> tuple[list[list[str]], list[set[int]]]:
    """The keys shown, and the key widgets drawn, at each focus in turn."""
    shown: list[list[str]] = []
    drawn: list[set[int]] = []
    app = Keys(footer)
    async with app.run_test(size=(100, 10)) as pilot:
        for widget in ("#listing", "#filter", "#listing", "#report", "#filter", "#report"):
            app.query_one(widget).focus()
            await pilot.pause()
            await pilot.pause()  # (Textual's own Footer composes after a refresh)
            shown.append(keys_shown(app))
            drawn.append({id(key) for key in app.screen.query(FooterKey)})
    return shown, drawn


async def test_the_footer_shows_what_textuals_shows_and_keeps_the_keys_it_drew() -> None:
    ours, drawn = await footers_along(KeyFooter)
    textuals, _ = await footers_along(Footer)
    assert ours == textuals
    assert "p Protected" in ours[0] and "p Protected" not in ours[1] and "x Export" in ours[3]
    assert drawn[1] == drawn[0] and drawn[2] == drawn[0]  # to the filter and back: in place
    assert drawn[3] != drawn[0]  # a key never drawn (Export): composed again
    assert drawn[4] == drawn[3] == drawn[5]
