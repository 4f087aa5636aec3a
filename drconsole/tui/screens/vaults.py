"""One account's vaults across Regions: key type, lock, access policy, recovery points."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.worker import get_current_worker

from drconsole.models import Account, AccountError, KeyType, Vault
from drconsole.tui.screens.table import TableRow, TableScreen
from drconsole.tui.widgets.plain import Static
from drconsole.tui.widgets.vault_summary import key_label, lock_label, policy_label


def replaced_by(error: AccountError, region: str) -> bool:
    """True when a new answer about the Region's vaults makes `error` stale: every error of
    the Region but a report of the organization's walk (OUs or accounts it skipped), which no
    vault listing answers."""
    walk_report = error.skipped and error.operation != "ListBackupVaults"
    return error.region == region and not walk_report


class VaultsScreen(TableScreen):
    """Every vault of one account in the scanned Regions."""

    COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("region", "Region"),
        ("vault", "Vault"),
        ("rps", "RPs"),
        ("key", "Key"),
        ("lock", "Lock"),
        ("policy", "Policy"),
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Recovery points"),
        Binding("p", "protected", "Protected"),
        Binding("y", "copy_arn", "Copy ARN"),
    ]
    SORT_KEYS: ClassVar[dict[str, str]] = {
        "R": "region",
        "V": "vault",
        "C": "rps",
        "K": "key",
        "L": "lock",
        "O": "policy",
    }

    class Loaded(Message):
        """The vaults of one Region (a VaultBatch), or the error reading them."""

        def __init__(self, item: object) -> None:
            self.item = item
            super().__init__()

    class Finished(Message):
        """Every Region has answered."""

    def __init__(
        self, account: Account, trail: tuple[str, ...], errors: list[AccountError] | None = None
    ) -> None:
        super().__init__((*trail, f"{account.name} ({account.id})"))
        self.account = account
        self.vaults: dict[str, Vault] = {}
        self.errors: list[AccountError] = list(errors or [])
        self.in_progress = True

    def compose_above_table(self) -> ComposeResult:
        yield Static("", id="errors")

    def on_mount(self) -> None:
        self.show_errors()

    def action_refresh(self) -> None:
        self.vaults = dict(self.drapp.vaults_by_account.get(self.account.id, {}))
        self.in_progress = True
        self.rebuild()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="vaults")
    def load(self) -> None:
        """The account's vaults, Region by Region as each answers."""
        worker = get_current_worker()
        for item in self.drapp.new_inventory().iter_vaults([self.account], self.drapp.regions()):
            if worker.is_cancelled:
                return
            self.post_message(self.Loaded(item))
        self.post_message(self.Finished())

    def on_vaults_screen_loaded(self, message: Loaded) -> None:
        item = message.item
        if isinstance(item, AccountError):
            self.errors = [e for e in self.errors if not replaced_by(e, item.region)] + [item]
            self.show_errors()
        else:
            for vault in self.vaults.copy().values():
                if vault.region == item.region:  # type: ignore[attr-defined]
                    del self.vaults[vault.arn]
            for vault in item.vaults:  # type: ignore[attr-defined]
                self.vaults[vault.arn] = vault
            self.errors = [e for e in self.errors if not replaced_by(e, item.region)]  # type: ignore[attr-defined]
            self.show_errors()
        self.schedule_rebuild()

    def on_vaults_screen_finished(self, message: Finished) -> None:
        self.in_progress = False
        self.rebuild()

    def show_errors(self) -> None:
        """One line per Region that failed, with its cause code (and the remedy under it, when
        drconsole knows one)."""
        box = self.query_one("#errors", Static)
        lines = [
            f"⚠ {e.region}: {e.cause} — {e.message}" + (f"\n  {e.remedy}" if e.remedy else "")
            for e in self.errors
        ]
        box.update("\n".join(lines))
        box.display = bool(lines)

    def table_rows(self) -> list[TableRow]:
        rows: list[TableRow] = []
        for vault in sorted(self.vaults.values(), key=lambda v: (v.region, v.name)):
            key = Text(key_label(vault))
            if vault.key_type is KeyType.AWS_MANAGED:
                key.stylize("yellow")
            policy = Text(policy_label(vault))
            if vault.has_access_policy is False:
                policy.stylize("yellow")
            cells = (
                vault.region,
                vault.name,
                f"{vault.recovery_point_count:,}",
                key,
                lock_label(vault),
                policy,
            )
            search = f"{vault.region} {vault.name} {key_label(vault)} {policy_label(vault)}".lower()
            fields = (vault.name, vault.arn, vault.region, key_label(vault), policy_label(vault))
            values = (None, None, vault.recovery_point_count)
            rows.append(TableRow(vault.arn, cells, search, True, fields, values))
        return rows

    def update_status(self, shown: int, total: int) -> None:
        text = f"{total} vaults"
        if self.query_text:
            text = f"{shown} of {total} vaults match {self.query_text!r}"
        text += f" · {self.account.name} · {self.regions_label()}"
        if self.in_progress:
            text += "  loading…"
        self.set_status(text)

    def open_row(self, key: str) -> None:
        from drconsole.tui.screens.recovery_points import RecoveryPointsScreen

        vault = self.vaults.get(key)
        if vault is not None:
            self.app.push_screen(RecoveryPointsScreen(vault, self.trail))

    def action_open(self) -> None:
        key = self.highlighted_key()
        if key is not None:
            self.open_row(key)

    def action_protected(self) -> None:
        from drconsole.tui.screens.protected import ProtectedResourcesScreen

        self.app.push_screen(ProtectedResourcesScreen(self.account, self.trail[:-1]))

    def action_copy_arn(self) -> None:
        key = self.highlighted_key()
        if key is not None:
            self.drapp.copy_arn(key)
