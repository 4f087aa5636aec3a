"""The wizard's list of destination vaults: sorted rows put in as accounts answer, the
highlighted vault kept on its line, and picks that wait while the list changes under keys."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from drconsole.models import AccountError
from drconsole.tui.settled_pick import SettledPick
from drconsole.tui.widgets.fitted_table import FittedTable

if TYPE_CHECKING:
    from drconsole.models import Account, Vault

# The key, in a drawn line's style, of the vault (its ARN) the line shows.
ROW_KEY_META = "dest_arn"

COLUMNS = (
    ("account", "Account"),
    ("id", "Account id"),
    ("region", "Region"),
    ("vault", "Vault"),
)


@dataclass(frozen=True, slots=True)
class Destination:
    """One vault a recovery point could be copied to, named by account and Region."""

    arn: str
    account_name: str
    account_id: str
    region: str
    vault_name: str

    @classmethod
    def of(cls, vault: Vault, accounts: dict[str, Account]) -> Destination:
        """The row for `vault`; an account the organization does not list shows its id."""
        account = accounts.get(vault.account_id)
        name = account.name if account is not None else vault.account_id
        return cls(vault.arn, name, vault.account_id, vault.region, vault.name)

    @property
    def sort_key(self) -> tuple[str, str, str, str]:
        """Account name, Region, vault name: the order the list shows."""
        return (self.account_name.lower(), self.account_id, self.region, self.vault_name)

    def label(self) -> str:
        """`prod (336580474362) eu-central-1 prod-vault`."""
        return f"{self.account_name} ({self.account_id}) {self.region} {self.vault_name}"


class DestinationList(FittedTable[str]):
    """Destination vaults sorted by account, Region and vault; rows that arrive later are put
    in their place without moving the highlighted vault: the cursor stays on the same vault
    (by its ARN) and on the same line of the screen, so Enter picks what the operator saw.

    No vault is highlighted until the operator moves in the list (the first key shows the
    cursor on the top row, a click the row clicked): which vault answered first must never
    decide the choice. For the same reason an Enter typed ahead while rows arrived under the
    keys before it picks nothing (see SettledPick): the list says so (`Held`) and the next
    Enter, once settled, picks. A click is read by the vault drawn under the pointer, never by
    the row's index, which rows sorted in since can give to another vault: a click on the
    highlighted vault is an Enter, on another vault a move to it.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "scroll_top", "First row", show=False),
        Binding("end", "scroll_bottom", "Last row", show=False),
    ]

    class Picked(Message):
        """Enter on a vault."""

        def __init__(self, destination: Destination) -> None:
            super().__init__()
            self.destination = destination

    class Held(Message):
        """A pick (Enter, a click on the vault, `Plan and check`) picked nothing because the
        list changed while the operator moved in it (`held`: the vault highlighted then), or
        that is no longer so (None)."""

        def __init__(self, held: Destination | None) -> None:
            super().__init__()
            self.held = held

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, show_cursor=False)
        self.destinations: dict[str, Destination] = {}
        self.errors: list[AccountError] = []
        self.settle = SettledPick(self)
        # The vault a pick was refused on, said under the list until the next move or pick.
        self.held: Destination | None = None

    def _moved(self) -> None:
        """A key moves the cursor (or shows it): part of a burst; a refused Enter is past."""
        self.settle.moved()
        self.hold(None)

    def hold(self, held: Destination | None) -> None:
        """Say (Held) that a pick was refused on `held`, or (None) that none is now."""
        if held != self.held:
            self.held = held
            self.post_message(self.Held(held))

    def _reveal(self) -> bool:
        """Show the cursor on the top row if it is hidden; True when this key only did that."""
        if self.show_cursor or not self.row_count:
            return not self.show_cursor
        self.show_cursor = True
        self.move_cursor(row=0, animate=False)
        self.scroll_to(y=0, animate=False)
        # move_cursor to the row it is already on posts no highlight: say it here.
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        self.post_message(DataTable.RowHighlighted(self, 0, row_key))
        return True

    def _key_move(self, move: Callable[[], None]) -> None:
        """A moving key: part of a burst (see SettledPick); the first only shows the cursor."""
        self._moved()
        if not self._reveal():
            move()

    def action_cursor_down(self) -> None:
        self._key_move(super().action_cursor_down)

    def action_cursor_up(self) -> None:
        self._key_move(super().action_cursor_up)

    def action_page_down(self) -> None:
        self._key_move(super().action_page_down)

    def action_page_up(self) -> None:
        self._key_move(super().action_page_up)

    def action_scroll_top(self) -> None:
        self._key_move(super().action_scroll_top)

    def action_scroll_bottom(self) -> None:
        self._moved()
        self.show_cursor = bool(self.row_count)
        super().action_scroll_bottom()

    def action_select_cursor(self) -> None:
        if not self.show_cursor or not self.row_count:
            self._moved()  # this Enter only shows the cursor: a move like the first Down
            self._reveal()
        elif self.settle.may_pick():
            self.hold(None)
            super().action_select_cursor()
        else:
            self.refuse()

    def refuse(self) -> None:
        """A pick was refused: the bell, and the vault highlighted is said to be held."""
        self.hold(self.highlighted)
        self.app.bell()

    def may_plan_with(self, chosen: str | None) -> bool:
        """Whether a press outside the list (`Plan and check`, Enter in a field) may plan with
        the highlighted vault, `chosen` being the one the Destination line named: not if the
        list changed under the keys that led to the press (see SettledPick), nor if the vault
        highlighted is not the one named. When it may not, the list says so as for Enter."""
        current = self.highlighted
        if current is None:
            return True  # nothing chosen in the list: the plan says so
        if self.settle.may_pick(unchanged=current.arn == chosen):
            self.hold(None)
            return True
        self.refuse()
        return False

    def on_resize(self) -> None:
        # Shorter (a notice, a line more under it, a smaller terminal): the highlighted row
        # must not be left below the edge, where Enter would pick a vault nobody sees.
        if self.show_cursor and self.row_count:
            self.move_cursor(row=self.cursor_row, animate=False)

    def on_click(self, event: events.Click) -> None:
        # The vault drawn where the click landed (DataTable reads the row's index, and rows
        # sorted in since the line was drawn give that index to another vault).
        arn = event.style.meta.get(ROW_KEY_META)
        clicked = self.destinations.get(arn) if isinstance(arn, str) else None
        if clicked is None:
            return  # the header, or below the last row: DataTable's own way
        event.prevent_default()  # DataTable's own handler would go by the index
        event.stop()
        self._set_hover_cursor(True)
        if self.show_cursor and self.highlighted == clicked:
            self.action_select_cursor()  # a click on the highlighted vault is an Enter
            return
        self._moved()
        self.move_cursor(row=self.get_row_index(clicked.arn), animate=False)
        self.show_cursor = True  # (a cursor shown for the first time is said highlighted)

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        strip = super()._render_line(y, x1, x2, base_style)
        try:
            row_key, _ = self._get_offsets(y)
        except LookupError:
            return strip  # below the last row
        if row_key.value not in self.destinations:
            return strip  # the header
        # Each drawn line names its vault, so that a click reads the vault it landed on.
        return strip.apply_meta({ROW_KEY_META: row_key.value})

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    @property
    def highlighted(self) -> Destination | None:
        """The vault under the cursor (None while it is hidden or the list is empty)."""
        if not self.row_count or not self.show_cursor:
            return None
        try:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except CellDoesNotExist:
            return None
        return self.destinations.get(str(row_key.value))

    def add_destinations(self, found: list[Destination]) -> None:
        """Put newly listed vaults in their sorted place; the highlighted vault keeps its line."""
        fresh = [d for d in found if d.arn not in self.destinations]
        if not fresh:
            return
        self.settle.changed()
        current = self.highlighted
        line = self.cursor_row - round(self.scroll_y) if current is not None else 0
        for destination in fresh:
            self.destinations[destination.arn] = destination
            self.add_row(
                destination.account_name,
                destination.account_id,
                destination.region,
                destination.vault_name,
                key=destination.arn,
            )
        # Cells are (account name, account id, Region, vault): the sort key of a Destination.
        # (A name holding `[` or `:` is stored as a Text: `as_typed`.)
        self.sort(key=lambda cells: (str(cells[0]).lower(), *map(str, cells[1:4])))
        if current is None:
            return
        try:
            index = self.get_row_index(current.arn)
        except RowDoesNotExist:
            return
        self.move_cursor(row=index, animate=False, scroll=False)
        # Keep the highlighted row on the same screen line: scroll by the rows put above it.
        self.scroll_to(y=max(0, index - line), animate=False, immediate=True)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        destination = self.destinations.get(str(event.row_key.value))
        if destination is not None:
            self.post_message(self.Picked(destination))
