"""Every protected resource of the organization, stalest first: its current RPO and copies."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.worker import get_current_worker

from drconsole.models import AccountError, Organization, ProtectedResource
from drconsole.tui import formatting as fmt
from drconsole.tui.screens.base import error_on_account
from drconsole.tui.screens.detail import DetailScreen, protected_resource_fields
from drconsole.tui.screens.posture import age_cell
from drconsole.tui.screens.table import TableRow, TableScreen
from drconsole.tui.widgets.plain import Static


def backup_account_id(organization: Organization, configured: str | None) -> str | None:
    """The account holding the DR copies: the configured one, else the one with that role."""
    if configured:
        return configured
    return next((a.id for a in organization.accounts if a.role == "backup"), None)


def copy_cell(copy: ProtectedResource | None, now: datetime, unknown: bool = False) -> Text:
    """Where the newest copy in the backup account is and how old it is, or a warning; `?`
    when none was found but the backup account could not be read everywhere."""
    if copy is None:
        return Text("?", style="magenta") if unknown else Text("none !", style="bold red")
    age = None if copy.last_backup is None else now - copy.last_backup
    return Text(f"{copy.region} {fmt.human_age(age)}")


class OrgProtectedScreen(TableScreen):
    """Protected resources of every account and Region, stalest newest backup first."""

    COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (
        # The DR copy beside the resource: at 80 columns the last columns scroll out of view,
        # and whether a copy exists is what the operator decides on.
        ("rpo", "RPO"),
        ("resource", "Resource"),
        ("copy", "DR copy"),
        ("type", "Type"),
        ("account", "Account"),
        ("region", "Region"),
        ("vault", "Vault"),
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Detail"),
        Binding("y", "copy_arn", "Copy ARN"),
    ]
    SORT_KEYS: ClassVar[dict[str, str]] = {
        "A": "rpo",
        "N": "resource",
        "T": "type",
        "C": "account",
        "R": "region",
        "V": "vault",
        "O": "copy",
    }

    class Loaded(Message):
        """One account and Region's protected resources, or the error reading them."""

        def __init__(
            self,
            account_id: str,
            region: str,
            resources: list[ProtectedResource],
            error: AccountError | None,
        ) -> None:
            self.account_id = account_id
            self.region = region
            self.resources = resources
            self.error = error
            super().__init__()

    class Finished(Message):
        """Every account and Region has answered."""

    class OrganizationRead(Message):
        """The organization's accounts are known (they name the rows)."""

        def __init__(self, organization: Organization) -> None:
            self.organization = organization
            super().__init__()

    def __init__(self, trail: tuple[str, ...]) -> None:
        super().__init__((*trail, "Protected resources, all accounts"))
        self.names: dict[str, str] = {}
        self.backup_account: str | None = None
        # Originals by (account, Region, resource ARN); copies by resource ARN, newest kept.
        self.originals: dict[str, ProtectedResource] = {}
        self.copies: dict[str, ProtectedResource] = {}
        self.errors: list[AccountError] = []
        self.answered = 0
        self.expected = 0
        self.in_progress = True

    def compose_above_table(self) -> ComposeResult:
        yield Static("", id="errors")

    def on_mount(self) -> None:
        self.query_one("#errors", Static).display = False

    def action_refresh(self) -> None:
        self.originals, self.copies, self.errors = {}, {}, []
        self.answered = 0
        self.in_progress = True
        self.query_one("#errors", Static).display = False
        self.rebuild()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="org-protected")
    def load(self) -> None:
        """ListProtectedResources in every account and Region at once, posted as each answers."""
        worker = get_current_worker()
        inventory = self.drapp.new_inventory()
        organization = self.drapp.organization or inventory.organization()
        self.post_message(self.OrganizationRead(organization))
        jobs = [(a.id, r) for a in organization.accounts for r in self.drapp.regions()]
        with ThreadPoolExecutor(max_workers=self.drapp.settings.max_workers) as pool:
            futures = {pool.submit(inventory.protected_resources, a, r): (a, r) for a, r in jobs}
            for future in as_completed(futures):
                if worker.is_cancelled:
                    for pending in futures:
                        pending.cancel()
                    return
                account_id, region = futures[future]
                try:
                    resources = future.result()
                except Exception as exc:  # shown for that account; the others still load
                    error = error_on_account(account_id, region, "ListProtectedResources", exc)
                    self.post_message(self.Loaded(account_id, region, [], error))
                    continue
                self.post_message(self.Loaded(account_id, region, resources, None))
        self.post_message(self.Finished())

    def on_org_protected_screen_organization_read(self, message: OrganizationRead) -> None:
        organization = message.organization
        self.names = {account.id: account.name for account in organization.accounts}
        self.backup_account = backup_account_id(organization, self.drapp.settings.backup_account_id)
        self.expected = len(organization.accounts) * len(self.drapp.regions())

    def on_org_protected_screen_loaded(self, message: Loaded) -> None:
        self.answered += 1
        if message.error is not None:
            self.errors.append(message.error)
            box = self.query_one("#errors", Static)
            box.update(
                "\n".join(
                    f"⚠ {self.names.get(e.account_id, e.account_id)} {e.region}: "
                    f"{e.cause} — {e.message}"
                    for e in self.errors
                )
            )
            box.display = True
        for resource in message.resources:
            if message.account_id == self.backup_account:
                known = self.copies.get(resource.resource_arn)
                if known is None or _newer(resource, known):
                    self.copies[resource.resource_arn] = resource
            else:
                key = f"{resource.account_id}|{resource.region}|{resource.resource_arn}"
                self.originals[key] = resource
        self.schedule_rebuild()

    def on_org_protected_screen_finished(self, message: Finished) -> None:
        self.in_progress = False
        self.rebuild()

    def shown_resources(self) -> dict[str, ProtectedResource]:
        """Originals, plus what the backup account holds of no member's resource (its own)."""
        resources = dict(self.originals)
        seen = {resource.resource_arn for resource in self.originals.values()}
        for arn, resource in self.copies.items():
            if arn not in seen and f":{self.backup_account}:" in arn:
                resources[f"{resource.account_id}|{resource.region}|{arn}"] = resource
        return resources

    def table_rows(self) -> list[TableRow]:
        now = self.drapp.now()

        def stalest_first(item: tuple[str, ProtectedResource]) -> tuple[float, str]:
            backup = item[1].last_backup
            return (backup.timestamp() if backup else float("-inf"), item[0])

        rows: list[TableRow] = []
        unknown = self.copies_unreadable()
        for key, resource in sorted(self.shown_resources().items(), key=stalest_first):
            name = resource.resource_name or fmt.resource_id(resource.resource_arn)
            account = self.names.get(resource.account_id, resource.account_id)
            vault = fmt.vault_label(resource.last_vault_arn, resource.account_id)
            copy = self.copies.get(resource.resource_arn)
            if resource.account_id == self.backup_account:
                copy = resource
            cells = (
                age_cell(resource.last_backup, now),
                Text(name),
                copy_cell(copy, now, unknown),
                resource.resource_type,
                account,
                resource.region,
                vault,
            )
            search = (
                f"{name} {resource.resource_arn} {resource.resource_type} {account} "
                f"{resource.account_id} {resource.region} {vault}"
            )
            fields = (
                name,
                resource.resource_arn,
                account,
                resource.account_id,
                resource.resource_type,
                resource.region,
                vault,
            )
            age = None if resource.last_backup is None else now - resource.last_backup
            values = (None if age is None else age.total_seconds(),)
            rows.append(TableRow(key, cells, search.lower(), True, fields, values))
        return rows

    def update_status(self, shown: int, total: int) -> None:
        text = f"{total} resources"
        if self.query_text:
            text = f"{shown} of {total} resources match {self.query_text!r}"
        without_copy = sum(1 for r in self.originals.values() if r.resource_arn not in self.copies)
        if self.backup_account and without_copy:
            # in the backup account (README); where it could not be read, not known
            if self.copies_unreadable():
                text += f", {without_copy} with no copy found (backup account unreadable)"
            else:
                text += f", {without_copy} without a copy"
        text += f" · {len(self.names) or '?'} accounts · {self.regions_label()}"
        if self.in_progress:
            text += f"  loading… {self.answered}/{self.expected or '?'} account-Regions"
        if self.errors:
            text += f"  {len(self.errors)} failed"
        self.set_status(text)

    def copies_unreadable(self) -> bool:
        """True when a Region of the backup account could not be listed: a copy not found
        may be there."""
        return self.backup_account is not None and any(
            e.account_id == self.backup_account for e in self.errors
        )

    def resource(self, key: str | None) -> ProtectedResource | None:
        """The resource of row `key`."""
        return None if key is None else self.shown_resources().get(key)

    def open_row(self, key: str) -> None:
        resource = self.resource(key)
        if resource is None:
            return
        now = self.drapp.now()
        name = resource.resource_name or fmt.resource_id(resource.resource_arn)
        fields = protected_resource_fields(resource, now)
        fields.append(("Vault of the newest backup", resource.last_vault_arn or "-"))
        copy = self.copies.get(resource.resource_arn)
        copy_text = (
            "not known: the backup account could not be read"
            if (self.copies_unreadable())
            else "none"
        )
        if copy is not None:
            copy_text = f"{copy_cell(copy, now).plain} in {copy.last_vault_arn or copy.region}"
        fields.append(("Newest copy in the backup account", copy_text))
        self.app.push_screen(DetailScreen((*self.trail, name), fields, resource.resource_arn))

    def action_open(self) -> None:
        key = self.highlighted_key()
        if key is not None:
            self.open_row(key)

    def action_copy_arn(self) -> None:
        resource = self.resource(self.highlighted_key())
        if resource is not None:
            self.drapp.copy_arn(resource.resource_arn)


def _newer(candidate: ProtectedResource, known: ProtectedResource) -> bool:
    if candidate.last_backup is None:
        return False
    if known.last_backup is None or candidate.last_backup > known.last_backup:
        return True
    if candidate.last_backup < known.last_backup:
        return False
    # Copies of one backup share its creation date: prefer the one in another Region than the
    # resource's (the disaster-recovery copy), then the Region's name, so the choice is stable.
    home = candidate.resource_arn.split(":")[3] if candidate.resource_arn.count(":") >= 5 else ""
    return (candidate.region != home, candidate.region) > (known.region != home, known.region)
