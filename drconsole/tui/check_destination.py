"""The checks screen's destination in words (account, Region, vault; where the restore runs),
and the destination it judges by default (moved out of a Region that does not answer)."""

from __future__ import annotations

from collections.abc import Container, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.text import Text

from drconsole.aws.organization import account_role
from drconsole.checks.arns import parse_vault_arn
from drconsole.errors import UsageError
from drconsole.flows.cautions import in_backup_account, resource_account
from drconsole.tui.wizard.destination_list import Destination

if TYPE_CHECKING:
    from drconsole.checks.arns import VaultArn
    from drconsole.checks.facts import Unreadable
    from drconsole.config import Settings
    from drconsole.models import Organization, RecoveryPoint

# Said of a restore in the backup account, as the flows caution before one.
IN_BACKUP_ACCOUNT = "the backup account: a restore there is rarely what is meant"


@dataclass(frozen=True)
class SourceRegionDown:
    """The vault a copy came from (the default destination) is in a Region that does not
    answer: `cause` is NETWORK or SERVICE_ERROR."""

    source: str
    region: str
    cause: str


@dataclass
class KnownAccounts:
    """Account names, and the organization's backup account, as far as they are known."""

    names: dict[str, str] = field(default_factory=dict)
    backup: str | None = None  # the backup account's id; None: not known

    @classmethod
    def at_start(cls, settings: Settings, organization: Organization | None) -> KnownAccounts:
        """What is known without asking AWS: the configured backup account, and the
        organization the console has read (None in a bare app: names come later)."""
        known = cls(backup=settings.backup_account_id)
        if organization is not None:
            known.learn({a.id: a.name for a in organization.accounts}, settings)
            if known.backup is None:
                known.backup = next(
                    (a.id for a in organization.accounts if a.role == "backup"), None
                )
        return known

    def learn(self, names: dict[str, str], settings: Settings) -> None:
        """Names listed by the organization; the backup account by its name when none is
        configured (as the organization walk decides it)."""
        self.names.update({key: value for key, value in names.items() if value})
        if self.backup is None:
            management = settings.management_account_id or ""
            self.backup = next(
                (
                    account
                    for account, name in self.names.items()
                    if account_role(account, name, management, None) == "backup"
                ),
                None,
            )

    def is_backup(self, point: RecoveryPoint, account: str) -> bool:
        """Whether `account` is the backup account: as known, else (nothing known) when it is
        the account of `point`, a copy there of another account's resource."""
        known = None if self.backup is None else account == self.backup
        owner = resource_account(point.resource_arn)
        return in_backup_account(account, point.account_id, owner, known)

    def label(self, vault: VaultArn) -> str:
        """`prod (336580474362) eu-central-1 prod-vault`, as the wizard names a destination."""
        name = self.names.get(vault.account_id, "account")
        return Destination(vault.arn, name, vault.account_id, vault.region, vault.name).label()


def default_destination(point: RecoveryPoint, known: KnownAccounts) -> str:
    """The vault a copy came from, unless it is in the backup account (a copy into the backup
    account is rarely what `c` on a DR copy asks): then none, and the screen asks for one."""
    source = point.source_vault_arn or ""
    if not source:
        return ""
    try:
        vault = parse_vault_arn(source, "source vault")
    except UsageError:
        return source  # checked as before: the copy checks say what is wrong with it
    return "" if known.is_backup(point, vault.account_id) else source


def outage_cause(failure: BaseException | Unreadable) -> str | None:
    """NETWORK or SERVICE_ERROR when a read's failure says its Region does not answer (an
    outage), else None."""
    from drconsole.aws.errors import classify
    from drconsole.checks.common import cause_of_code
    from drconsole.checks.facts import Unreadable
    from drconsole.errors import AwsError
    from drconsole.models import OUTAGE_CAUSES

    if isinstance(failure, Unreadable):
        cause = cause_of_code(failure.code).value
    elif isinstance(failure, AwsError):
        cause = failure.cause
    else:
        cause = classify(failure).value
    return cause if cause in OUTAGE_CAUSES else None


def out_of_region_down(
    point: RecoveryPoint,
    destination: str,
    listed: Iterable[str],
    down: dict[str, str],
    settings: Settings,
) -> tuple[SourceRegionDown | None, str]:
    """When `destination` is the vault the copy came from and its Region is one of `down`
    (Region -> cause): what to say of it, and the vault to check instead ("" when there is
    none, see `answering_vault`); (None, "") otherwise."""
    source = point.source_vault_arn or ""
    if not source or destination != source:
        return None, ""
    try:
        region = parse_vault_arn(source, "source vault").region
    except UsageError:
        return None, ""
    if region not in down:
        return None, ""
    return SourceRegionDown(source, region, down[region]), answering_vault(
        point, listed, down, settings
    )


def answering_vault(
    point: RecoveryPoint, listed: Iterable[str], down: Container[str], settings: Settings
) -> str:
    """In place of the vault the copy came from, whose Region is in `down`: a vault of the
    same account in a Region that answers, one of `listed` (the picker's). The recovery
    point's own Region first (a DR copy's Region answers: it was read there), then the DR
    Regions, then the others; in each, a vault of the same name first. "" when there is none."""
    try:
        source = parse_vault_arn(point.source_vault_arn or "", "source vault")
    except UsageError:
        return ""
    vaults = []
    for arn in listed:
        with suppress(UsageError):
            vaults.append(parse_vault_arn(arn, "vault"))
    usable = [
        v
        for v in vaults
        if v.account_id == source.account_id and v.region not in down and v.arn != source.arn
    ]
    order = list(dict.fromkeys([point.region, *settings.dr_regions, *settings.regions]))

    def rank(vault: VaultArn) -> tuple[int, bool]:
        region = order.index(vault.region) if vault.region in order else len(order)
        return region, vault.name != source.name

    best = min(usable, key=rank, default=None)
    return best.arn if best is not None else ""


def destination_words(
    point: RecoveryPoint,
    destination: str,
    known: KnownAccounts,
    withheld: bool,
    source_down: SourceRegionDown | None = None,
) -> Text:
    """What the verdicts below are for, in words: the copy's destination and where the
    restore runs. `withheld`: the vault the copy came from was not taken as the default;
    `source_down`: its Region does not answer (the default moved, or could not)."""
    if not destination:
        return _in_place(point, known, withheld)
    try:
        vault = parse_vault_arn(destination, "destination")
    except UsageError as error:
        return Text(f"Destination {destination}: {error}", style="bold red")
    text = Text(f"Copy to {known.label(vault)}", style="bold")
    text.append(", then restore there")
    if known.is_backup(point, vault.account_id):
        text.append(f" — {IN_BACKUP_ACCOUNT}", style="yellow")
    if source_down is not None:
        text.append(_why_not_the_source(source_down, destination, known), style="yellow")
    return text


def _why_not_the_source(down: SourceRegionDown, destination: str, known: KnownAccounts) -> str:
    """Why the vault the copy came from is not the destination (or is, though unanswering)."""
    where = f"{down.region} does not answer ({down.cause})"
    if destination == down.source:
        name = known.names.get(down.source.split(":")[4], "its account")
        return f" — {where}; {name} has no vault in a Region that answers: d to type one"
    source = down.source
    with suppress(UsageError):
        source = known.label(parse_vault_arn(source, "source vault"))
    return (
        f". Not the vault it came from, {source}: {where}. d: choose another (it is still listed)"
    )


def _in_place(point: RecoveryPoint, known: KnownAccounts, withheld: bool) -> Text:
    """No destination: the restore rows are for a restore in place."""
    here = f"{known.names.get(point.account_id, 'account')} ({point.account_id}) {point.region}"
    if withheld:
        source = point.source_vault_arn or ""
        with suppress(UsageError):  # else said as AWS wrote it
            source = known.label(parse_vault_arn(source, "source vault"))
        text = Text("No destination chosen", style="bold yellow")
        text.append(
            f": this copy came from {source}, in the backup account, so a copy "
            "back there is not assumed. d: type the vault to copy it to (or choose it in the "
            f"list). Restore rows: in place, in {here}"
        )
    else:
        text = Text("No copy", style="bold")
        text.append(f": restore rows in place, in {here}. d: check a copy to a vault first")
    if known.is_backup(point, point.account_id):
        text.append(f" — {IN_BACKUP_ACCOUNT}", style="yellow")
    return text
