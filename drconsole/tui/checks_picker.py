"""The checks screen's destination: the picker's vaults, the default it takes (and leaves for a
Region that does not answer), and the words saying which vault the verdicts are for."""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING

from textual import on, work
from textual.screen import Screen
from textual.widgets import Input

from drconsole.tui.check_destination import (
    KnownAccounts,
    SourceRegionDown,
    default_destination,
    destination_words,
    out_of_region_down,
    outage_cause,
)
from drconsole.tui.widgets.plain import Select, Static

if TYPE_CHECKING:
    from collections.abc import Callable

    from drconsole.aws.session import AwsSessions
    from drconsole.config import Settings
    from drconsole.models import Check, RecoveryPoint


class DestinationPicker(Screen[None]):
    """The destination half of the checks screen (tui/checks_screen.py): it owns the picker
    (`#destination-choice`), the ARN field (`#destination`) and the words
    (`#destination-words`) the screen composes, and asks the screen to check again."""

    recovery_point: RecoveryPoint
    settings: Settings
    sessions: AwsSessions
    known: KnownAccounts
    given_destination: str | None
    destination: str
    withheld: bool
    chosen: bool
    listed: frozenset[str]
    source_down: SourceRegionDown | None
    rows: dict[str, list[Check]]
    intermediate: str | None
    # The screen's own: run every check again for `self.destination`.
    start_checks: Callable[[], None]

    @work(thread=True, exit_on_error=False, group="destinations")
    def load_destinations(self) -> None:
        """Vaults the recovery point could be copied to, for the destination picker."""
        from drconsole.aws.errors import AWS_FAILURES
        from drconsole.aws.facts import FactReader
        from drconsole.checks.facts import Unreadable
        from drconsole.errors import AwsError

        reader = FactReader(self.sessions)
        rp = self.recovery_point
        names = reader.organization_account_names()
        self.app.call_from_thread(self.learn_names, names)
        accounts = [rp.account_id, *names]
        regions = [rp.region, *self.settings.regions]
        found: list[str] = []
        down: dict[str, str] = {}  # Region -> the cause of its reads that met an outage
        for account in dict.fromkeys(accounts):
            for region in dict.fromkeys(regions):
                # A Region that cannot be reached (an outage) leaves its vaults out, not the
                # picker empty: the DR Region's are the ones wanted that day.
                try:
                    listed: tuple[str, ...] | Unreadable | Exception = reader.vault_arns_or_why(
                        account, region
                    )
                except (AwsError, *AWS_FAILURES) as error:
                    listed = error
                if isinstance(listed, tuple):
                    found.extend(listed)
                elif (cause := outage_cause(listed)) is not None:
                    down.setdefault(region, cause)
        # Those the breaker knows down, though no read of this screen met them.
        down = {**self.sessions.region_health.regions_down("backup"), **down}
        if rp.source_vault_arn and rp.source_vault_arn not in found:
            found.insert(0, rp.source_vault_arn)
        self.app.call_from_thread(
            self.set_destinations, [arn for arn in found if arn != rp.vault_arn], down
        )

    def learn_names(self, names: dict[str, str]) -> None:
        """The organization's account names (and so its backup account): say them, and choose
        the default destination again with what they tell (an S3 copy's ARN names no account:
        until the backup account was known, a copy within it looked like any other)."""
        self.known.learn(names, self.settings)
        if self.given_destination is None and not self.chosen:
            default = default_destination(self.recovery_point, self.known)
            if default != self.destination:
                self.destination = default
                self.withheld = bool(self.recovery_point.source_vault_arn) and not default
                self.query_one("#destination", Input).value = default
                self.start_checks()  # the verdicts of the old default are for another vault
                return
        self.show_destination()

    def set_destinations(self, arns: list[str], down: dict[str, str]) -> None:
        """Fill the destination picker, showing the destination when it is one of them;
        `down`: Region -> cause of the Regions that did not answer."""
        choice = self.query_one("#destination-choice", Select)
        with choice.prevent(Select.Changed):
            choice.set_options([(self.vault_label(arn), arn) for arn in arns])
        self.listed = frozenset(arns)
        if not self.leave_the_region_down(arns, down):
            self.show_destination()

    def leave_the_region_down(self, arns: list[str], down: dict[str, str]) -> bool:
        """When the default destination, the vault the copy came from, is in a Region that
        does not answer (the day of a Regional outage, the workload Region): check a vault of
        the same account in a Region that answers instead, saying why. A destination the
        operator gave, typed or picked is theirs: kept. True when the checks were restarted."""
        if self.given_destination is not None or self.chosen:
            return False
        self.source_down, instead = out_of_region_down(
            self.recovery_point, self.destination, arns, down, self.settings
        )
        if not instead:
            return False  # said on the destination line when there is no vault to take
        self.destination = instead
        self.query_one("#destination", Input).value = instead
        self.start_checks()
        return True

    def vault_label(self, arn: str) -> str:
        """A vault of the picker, by account name and id, Region and name."""
        from drconsole.checks.arns import parse_vault_arn
        from drconsole.errors import UsageError

        origin = "  (copied from)" if arn == self.recovery_point.source_vault_arn else ""
        try:
            label = self.known.label(parse_vault_arn(arn, "vault"))
        except UsageError:
            label = arn  # from AWS, as AWS wrote it: one odd ARN must not empty the picker
        return label + origin

    def show_destination(self) -> None:
        """Say what the verdicts are for, and show the chosen vault in the picker."""
        words = destination_words(
            self.recovery_point, self.destination, self.known, self.withheld, self.source_down
        )
        if self.intermediate:
            words.append(self.hops_words(self.intermediate))
        self.query_one("#destination-words", Static).update(words)
        choice = self.query_one("#destination-choice", Select)
        # Shown, not chosen: no Changed, which would re-run the checks.
        with choice.prevent(Select.Changed):
            if self.destination in self.listed and choice.value != self.destination:
                choice.value = self.destination
            elif self.destination not in self.listed and choice.value != Select.BLANK:
                choice.clear()

    def hops_words(self, intermediate: str) -> str:
        """The two-hop route whose hops the table shows, through `intermediate`."""
        from drconsole.checks.arns import parse_vault_arn
        from drconsole.errors import UsageError

        label = intermediate
        with suppress(UsageError):  # from AWS, as AWS wrote it
            label = self.known.label(parse_vault_arn(intermediate, "vault"))
        if "hop2" in self.rows:
            return f". Two hops if AWS refuses one job: through {label} (rows hop2)"
        return (
            f". Two hops if AWS refuses one job: no intermediate vault's first hop passes "
            f"(rows hop1, into {label})"
        )

    @on(Select.Changed, "#destination-choice")
    def destination_chosen(self, event: Select.Changed) -> None:
        """A vault picked from the list: check the copy to it."""
        if isinstance(event.value, str) and event.value != self.destination:
            self.query_one("#destination", Input).value = event.value
            self.destination = event.value
            self.withheld = False
            self.chosen = True
            self.source_down = None  # the operator's choice, said as it is
            self.start_checks()
