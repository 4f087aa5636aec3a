"""The wizard's destination list: vaults of the organization streamed in as each account and
Region answers, with a loading count, and a cursor that never moves under the operator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Input
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist
from textual.worker import get_current_worker

from drconsole import limits
from drconsole.models import AccountError, VaultBatch
from drconsole.resource_types import restorable
from drconsole.tui.settled_pick import SettledPick
from drconsole.tui.widgets.fitted_table import FittedTable
from drconsole.tui.widgets.plain import Checkbox, Static
from drconsole.tui.widgets.typed_input import TypedInput
from drconsole.tui.wizard.render import toggle_label

if TYPE_CHECKING:
    from drconsole.models import Account, RecoveryPoint, Vault
    from drconsole.tui.app import DrConsoleApp

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


@dataclass
class Loading:
    """How far the listing has got: account-Regions answered out of those asked."""

    asked: int = 0
    answered: int = 0
    accounts: int = 0
    regions: tuple[str, ...] = ()
    done: bool = False
    failed: str = ""


class DestinationList(FittedTable[str]):
    """Destination vaults sorted by account, Region and vault; rows that arrive later are put
    in their place without moving the highlighted vault: the cursor stays on the same vault
    (by its ARN) and on the same line of the screen, so Enter picks what the operator saw.

    No vault is highlighted until the operator moves in the list (the first key shows the
    cursor on the top row): which vault answered first must never decide the choice. For the
    same reason an Enter typed ahead while rows arrived under the keys before it picks nothing
    (see SettledPick): the list says so (`Held`) and the next Enter, once settled, picks.
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
        """An Enter picked nothing because the list changed while the operator moved in it
        (`held`: the vault highlighted then), or that is no longer so (None)."""

        def __init__(self, held: Destination | None) -> None:
            super().__init__()
            self.held = held

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, show_cursor=False)
        self.destinations: dict[str, Destination] = {}
        self.errors: list[AccountError] = []
        self.settle = SettledPick(self)
        # The vault an Enter was refused on, said under the list until the next move or pick.
        self.held: Destination | None = None

    def _moved(self) -> None:
        """A key moves the cursor (or shows it): part of a burst; a refused Enter is past."""
        self.settle.moved()
        self._hold(None)

    def _hold(self, held: Destination | None) -> None:
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
            self._hold(None)
            super().action_select_cursor()
        else:
            self._hold(self.highlighted)
            self.app.bell()

    def on_resize(self) -> None:
        # Shorter (a notice, a line more under it, a smaller terminal): the highlighted row
        # must not be left below the edge, where Enter would pick a vault nobody sees.
        if self.show_cursor and self.row_count:
            self.move_cursor(row=self.cursor_row, animate=False)

    def on_click(self) -> None:
        self._reveal()

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


RESTORE_LABEL = "Restore after the copy"
# Said above the destination when an Enter picked nothing (see DestinationList.Held).
HELD_LINE = "⚠ Nothing picked: vaults arrived as you moved. Enter again picks this one:"
RETENTION_PLACEHOLDER = (
    "keep the copy N days (empty: the source's retention, at least a week from now)"
)
IN_PLACE_LABEL = "Restore in place (no copy)"


class DestinationPane(Vertical):
    """The vault list and its loading line, an ARN field, the restore options, and the line
    that says which destination `Plan and check` will use."""

    DEFAULT_CSS = """
    DestinationPane { height: 1fr; }
    DestinationPane #dest-list { height: 1fr; }
    DestinationPane #dest-status, DestinationPane #dest-chosen {
        height: 1; text-wrap: nowrap; text-overflow: ellipsis;
    }
    /* Two lines while an Enter is held (HELD_LINE above the destination): the list gives one. */
    DestinationPane #dest-chosen { height: auto; max-height: 2; }
    DestinationPane #dest-options { height: 1; }
    DestinationPane #dest-options Checkbox { margin-right: 2; }
    DestinationPane #dest-arn { margin: 1 0 0 0; }
    App:nocolor DestinationPane #dest-list > .datatable--cursor { text-style: reverse bold; }
    """

    class PlanRequested(Message):
        """Enter on a vault, or on the ARN field: plan and check with the chosen destination."""

    class Scope(Message):
        """The accounts and Regions whose vaults are being listed."""

        def __init__(self, accounts: dict[str, Account], regions: tuple[str, ...]) -> None:
            super().__init__()
            self.accounts = accounts
            self.regions = regions

    class Found(Message):
        """One account and Region answered: its vaults, or why they could not be read."""

        def __init__(self, item: VaultBatch | AccountError) -> None:
            super().__init__()
            self.item = item

    class Done(Message):
        """Every account and Region has answered (or the listing failed: `error`)."""

        def __init__(self, error: str = "") -> None:
            super().__init__()
            self.error = error

    def __init__(self, point: RecoveryPoint | None) -> None:
        super().__init__(id="dest-pane")
        self.point = point
        self.progress = Loading()
        self.accounts: dict[str, Account] = {}
        # The destination the plan will use: the highlighted vault, or the ARN typed.
        self.destination: str | None = None

    @property
    def drapp(self) -> DrConsoleApp:
        """The application, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield DestinationList(id="dest-list")
        yield Static("listing vaults…", id="dest-status")
        yield TypedInput(placeholder="or type a destination vault ARN", id="dest-arn", compact=True)
        # A type drconsole has no restore form for is copied only, unless asked otherwise (the
        # plan then refuses the restore and says how to do it by hand).
        point = self.point
        restores = point is None or restorable(point.resource_type, point.arn)
        with Horizontal(id="dest-options"):
            yield Checkbox(
                toggle_label(RESTORE_LABEL, restores), restores, id="restore", compact=True
            )
            yield Checkbox(toggle_label(IN_PLACE_LABEL, False), False, id="in-place", compact=True)
        yield TypedInput(placeholder=RETENTION_PLACEHOLDER, id="dest-retention", compact=True)
        yield Static(id="dest-chosen")

    def on_mount(self) -> None:
        self._show_chosen()
        if self.point is not None:
            self.load()

    @property
    def listing(self) -> DestinationList:
        """The vault list."""
        return self.query_one(DestinationList)

    @property
    def in_place(self) -> bool:
        """Restore in place, no copy."""
        return self.query_one("#in-place", Checkbox).value

    @property
    def restore(self) -> bool:
        """Restore after the copy (always, in place)."""
        return self.in_place or self.query_one("#restore", Checkbox).value

    def retention_days(self) -> int | None:
        """The copy's retention typed (None: the default); UsageError for anything but a
        number of days AWS Backup accepts. Counted, as AWS counts it, from the recovery
        point's creation: the plan's copy.retention check says when that leaves too little."""
        text = self.query_one("#dest-retention", Input).value.strip()
        if not text:
            return None
        return limits.delete_after_days_text(text, "Copy retention")

    def label_of(self, arn: str | None) -> str:
        """`prod (336580474362) eu-central-1 prod-vault` for a listed vault, else the ARN."""
        found = self.listing.destinations.get(arn or "")
        return found.label() if found is not None else arn or ""

    def focus_choice(self) -> None:
        """Focus where the choice was made: the ARN field when one is typed, else the list."""
        typed = bool(self.query_one("#dest-arn", Input).value.strip())
        self.query_one("#dest-arn" if typed else "#dest-list").focus()

    # Loading ----------------------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="wizard-destinations")
    def load(self) -> None:
        """Vaults of the organization in the scanned Regions, streamed in as each account and
        Region answers (a slow account does not hold the others back)."""
        point = self.point
        assert point is not None
        worker = get_current_worker()
        try:
            inventory = self.drapp.new_inventory()
            organization = self.drapp.organization or inventory.organization()
            accounts = {account.id: account for account in organization.accounts}
            regions = tuple(dict.fromkeys([point.region, *self.drapp.regions()]))
            self.post_message(self.Scope(accounts, regions))
            for item in inventory.iter_vaults(list(accounts.values()), regions):
                if worker.is_cancelled:
                    return
                self.post_message(self.Found(item))
        except Exception as error:  # shown on screen; the ARN can still be typed
            from drconsole.tui.screens.dialogs import report_for

            report = report_for(error, "listing vaults")
            self.post_message(self.Done(f"{report.cause}: {report.description}"))
            return
        self.post_message(self.Done())

    def on_destination_pane_scope(self, message: Scope) -> None:
        self.accounts = message.accounts
        self.progress.accounts = len(message.accounts)
        self.progress.regions = message.regions
        self.progress.asked = len(message.accounts) * len(message.regions)
        self._show_progress()

    def on_destination_pane_found(self, message: Found) -> None:
        item = message.item
        if not (isinstance(item, AccountError) and item.skipped):  # a report beside an answer
            self.progress.answered += 1
        if isinstance(item, AccountError):
            self.listing.errors.append(item)
        else:
            own = self.point.vault_arn if self.point is not None else ""
            self.listing.add_destinations(
                [Destination.of(vault, self.accounts) for vault in item.vaults if vault.arn != own]
            )
        self._show_progress()

    def on_destination_pane_done(self, message: Done) -> None:
        self.progress.done = True
        self.progress.failed = message.error
        self._show_progress()

    def _show_progress(self) -> None:
        """`listing vaults… 4 of 10 account-Regions answered`, then the scope and errors."""
        progress, listing = self.progress, self.listing
        count = len(listing.destinations)
        where = f"{progress.accounts} accounts in {', '.join(progress.regions) or '?'}"
        if progress.failed:
            text = f"⚠ listing vaults failed: {progress.failed} (type the vault ARN below)"
        elif progress.done:
            text = f"{count} vaults in {where}"
        else:
            text = (
                f"listing vaults… {progress.answered} of {progress.asked or '?'} "
                f"account-Regions answered, {count} vaults so far ({where})"
            )
        for error in listing.errors:
            account = self.accounts.get(error.account_id)
            label = account.name if account is not None else error.account_id
            text += f"  ⚠ {label} {error.region}: {error.cause}"
        self.query_one("#dest-status", Static).update(text)

    # The choice -------------------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#dest-list")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.query_one("#dest-arn", Input).value.strip():
            return  # a typed ARN is the choice until it is cleared
        highlighted = self.listing.highlighted
        self.destination = highlighted.arn if highlighted is not None else None
        self._show_chosen()

    @on(Input.Changed, "#dest-arn")
    def _typed(self, event: Input.Changed) -> None:
        typed = event.value.strip()
        if typed:
            self.destination = typed
        else:
            highlighted = self.listing.highlighted
            self.destination = highlighted.arn if highlighted is not None else None
        self._show_chosen()

    @on(Input.Submitted, "#dest-arn")
    @on(Input.Submitted, "#dest-retention")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.PlanRequested())

    @on(DestinationList.Picked)
    def _picked(self, event: DestinationList.Picked) -> None:
        """Enter on a vault: it is the destination; plan and check at once."""
        event.stop()
        self.query_one("#dest-arn", Input).value = ""
        self.destination = event.destination.arn
        self._show_chosen()
        self.post_message(self.PlanRequested())

    @on(DestinationList.Held)
    def _held(self, event: DestinationList.Held) -> None:
        event.stop()
        self._show_chosen()

    @on(Checkbox.Changed, "#restore")
    def _restore_toggled(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = toggle_label(RESTORE_LABEL, event.value)

    @on(Checkbox.Changed, "#in-place")
    def _in_place_toggled(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = toggle_label(IN_PLACE_LABEL, event.value)
        self.query_one("#dest-arn", Input).disabled = event.value
        self.query_one("#dest-retention", Input).disabled = event.value  # no copy, no retention
        self.listing.disabled = event.value
        self._show_chosen()

    def _show_chosen(self) -> None:
        """The line that says what `Plan and check` (and Enter) will use."""
        chosen = self.query_one("#dest-chosen", Static)
        if self.in_place:
            chosen.update("Destination: none, restore in place")
        elif self.destination is None:
            chosen.update(
                "Destination: none yet (↓ to move in the list, Enter picks; or type an ARN)"
            )
        else:
            listed = self.destination in self.listing.destinations
            typed = "" if listed else " (typed)"
            held = self.listing.held
            # The vault the held Enter was on, while it is still the destination (not a move
            # since, nor an ARN typed) and the line under the warning names it.
            warn = held is not None and held.arn == self.destination
            head = f"{HELD_LINE}\n" if warn else ""
            chosen.update(f"{head}Destination: {self.label_of(self.destination)}{typed}")
