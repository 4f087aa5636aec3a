"""An account's protected resources, each with its newest recovery point (its current RPO)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.worker import get_current_worker

from drconsole.models import Account, AccountError, ProtectedResource
from drconsole.tui import formatting as fmt
from drconsole.tui.screens.base import error_on_account
from drconsole.tui.screens.detail import DetailScreen, protected_resource_fields
from drconsole.tui.screens.posture import age_cell
from drconsole.tui.screens.table import TableRow, TableScreen
from drconsole.tui.widgets.plain import Static


class ProtectedResourcesScreen(TableScreen):
    """Resources with backups in one account, stalest first."""

    COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("rpo", "RPO"),
        ("resource", "Resource"),
        ("type", "Type"),
        ("region", "Region"),
        ("newest", "Newest backup (UTC)"),
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Detail"),
        Binding("y", "copy_arn", "Copy ARN"),
    ]
    SORT_KEYS: ClassVar[dict[str, str]] = {
        "A": "rpo",
        "N": "resource",
        "T": "type",
        "R": "region",
        "B": "newest",
    }

    class Loaded(Message):
        """The protected resources of one Region, or the error reading them."""

        def __init__(
            self, region: str, resources: list[ProtectedResource], error: AccountError | None
        ) -> None:
            self.region = region
            self.resources = resources
            self.error = error
            super().__init__()

    class Finished(Message):
        """Every Region has answered."""

    def __init__(self, account: Account, trail: tuple[str, ...]) -> None:
        super().__init__((*trail, f"{account.name} ({account.id})", "Protected resources"))
        self.account = account
        self.resources: dict[str, ProtectedResource] = {}
        self.errors: list[AccountError] = []
        self.in_progress = True

    def compose_above_table(self) -> ComposeResult:
        yield Static("", id="errors")

    def action_refresh(self) -> None:
        self.resources = {}
        self.errors = []
        self.in_progress = True
        self.rebuild()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="protected")
    def load(self) -> None:
        """ListProtectedResources in each Region; a Region's failure is shown on its own."""
        worker = get_current_worker()
        for region in self.drapp.regions():
            if worker.is_cancelled:
                return
            skipped: list[AccountError] = []
            try:
                resources = self.drapp.new_inventory().protected_resources(
                    self.account.id, region, skipped
                )
            except Exception as exc:  # shown for that Region; the other Regions still load
                error = error_on_account(self.account.id, region, "ListProtectedResources", exc)
                self.post_message(self.Loaded(region, [], error))
                continue
            # the resources it could read, with the report of those it could not
            self.post_message(self.Loaded(region, resources, skipped[0] if skipped else None))
        self.post_message(self.Finished())

    def on_protected_resources_screen_loaded(self, message: Loaded) -> None:
        if message.error is not None:
            self.errors.append(message.error)
            box = self.query_one("#errors", Static)
            box.update("\n".join(f"⚠ {e.region}: {e.cause} — {e.message}" for e in self.errors))
            box.display = True
        for resource in message.resources:
            self.resources[f"{resource.region}|{resource.resource_arn}"] = resource
        self.schedule_rebuild()

    def on_protected_resources_screen_finished(self, message: Finished) -> None:
        self.in_progress = False
        self.rebuild()

    def on_mount(self) -> None:
        self.query_one("#errors", Static).display = False

    def table_rows(self) -> list[TableRow]:
        now = self.drapp.now()

        def stalest_first(item: tuple[str, ProtectedResource]) -> tuple[float, str]:
            backup = item[1].last_backup
            return (backup.timestamp() if backup else float("-inf"), item[1].resource_arn)

        rows: list[TableRow] = []
        for key, resource in sorted(self.resources.items(), key=stalest_first):
            name = resource.resource_name or fmt.resource_id(resource.resource_arn)
            cells = (
                age_cell(resource.last_backup, now),
                Text(name),
                resource.resource_type,
                resource.region,
                fmt.short_time(resource.last_backup),
            )
            search = f"{name} {resource.resource_arn} {resource.resource_type} {resource.region}"
            fields = (name, resource.resource_arn, resource.resource_type, resource.region)
            age = None if resource.last_backup is None else now - resource.last_backup
            values = (
                None if age is None else age.total_seconds(),
                None,
                None,
                None,
                resource.last_backup,
            )
            rows.append(TableRow(key, cells, search.lower(), True, fields, values))
        return rows

    def update_status(self, shown: int, total: int) -> None:
        text = f"{total} protected resources"
        if self.query_text:
            text = f"{shown} of {total} resources match {self.query_text!r}"
        text += f" · {self.account.name} · {self.regions_label()}"
        if self.in_progress:
            text += "  loading…"
        self.set_status(text)

    def open_row(self, key: str) -> None:
        resource = self.resources.get(key)
        if resource is not None:
            name = resource.resource_name or fmt.resource_id(resource.resource_arn)
            fields = protected_resource_fields(resource, self.drapp.now())
            self.app.push_screen(DetailScreen((*self.trail, name), fields, resource.resource_arn))

    def action_open(self) -> None:
        key = self.highlighted_key()
        if key is not None:
            self.open_row(key)

    def action_copy_arn(self) -> None:
        key = self.highlighted_key()
        if key is not None and key in self.resources:
            self.drapp.copy_arn(self.resources[key].resource_arn)
