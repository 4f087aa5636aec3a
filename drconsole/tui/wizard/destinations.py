"""The wizard's destination pane: the organization's vaults streamed in as each account and
Region answers (destination_list), a loading count, an ARN field, the restore options, and the
line that says which destination `Plan and check` will use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Input
from textual.worker import get_current_worker

from drconsole import limits
from drconsole.models import AccountError, VaultBatch
from drconsole.resource_types import restorable
from drconsole.tui.widgets.plain import Checkbox, Static
from drconsole.tui.widgets.typed_input import TypedInput
from drconsole.tui.wizard.destination_list import Destination, DestinationList
from drconsole.tui.wizard.render import toggle_label

if TYPE_CHECKING:
    from drconsole.models import Account, RecoveryPoint
    from drconsole.tui.app import DrConsoleApp


@dataclass
class Loading:
    """How far the listing has got: account-Regions answered out of those asked."""

    asked: int = 0
    answered: int = 0
    accounts: int = 0
    regions: tuple[str, ...] = ()
    done: bool = False
    failed: str = ""


RESTORE_LABEL = "Restore after the copy"
# Said above the destination when a pick picked nothing (see DestinationList.Held).
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
        if self.may_plan():
            self.post_message(self.PlanRequested())

    def may_plan(self) -> bool:
        """Whether a press away from the list (`Plan and check`, Enter in a field) may plan
        now: at once with a typed ARN or in place; with the list's vault only as an Enter on
        it would (see DestinationList.may_plan_with), else the list says the pick is held."""
        if self.in_place or self.query_one("#dest-arn", Input).value.strip():
            return True
        if self.listing.may_plan_with(self.destination):
            return True
        # The Destination line names the vault highlighted, the one the next press plans with.
        highlighted = self.listing.highlighted
        self.destination = highlighted.arn if highlighted is not None else None
        self._show_chosen()
        return False

    def on_key(self, event: events.Key) -> None:
        # Every key in the list and the fields around it (Tab, Shift+Tab to `Plan and check`,
        # a checkbox's space) is part of the operator's burst, whatever widget it went to.
        self.listing.settle.typed()

    @on(Input.Changed, "#dest-retention")
    def _retention_typed(self) -> None:
        # A field keeps its printable keys to itself: their Changed is how the pane sees them.
        self.listing.settle.typed()

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
