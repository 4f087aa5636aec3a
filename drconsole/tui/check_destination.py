"""The checks screen's destination in words (account, Region, vault; where the restore runs),
and the destination it judges by default."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.text import Text

from drconsole.aws.organization import account_role
from drconsole.checks.arns import parse_vault_arn
from drconsole.errors import UsageError
from drconsole.flows.cautions import in_backup_account, resource_account
from drconsole.tui.wizard.destinations import Destination

if TYPE_CHECKING:
    from drconsole.checks.arns import VaultArn
    from drconsole.config import Settings
    from drconsole.models import Organization, RecoveryPoint

# Said of a restore in the backup account, as the flows caution before one.
IN_BACKUP_ACCOUNT = "the backup account: a restore there is rarely what is meant"


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


def destination_words(
    point: RecoveryPoint, destination: str, known: KnownAccounts, withheld: bool
) -> Text:
    """What the verdicts below are for, in words: the copy's destination and where the
    restore runs. `withheld`: the vault the copy came from was not taken as the default."""
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
    return text


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
