"""The full record of one item (a recovery point, a protected resource), with copy ARN."""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen

from drconsole.models import ProtectedResource, RecoveryPoint
from drconsole.redact import escape_controls
from drconsole.tui import formatting as fmt
from drconsole.tui.read_only import ReadOnlyActions
from drconsole.tui.widgets.chrome import TopBar
from drconsole.tui.widgets.key_footer import KeyFooter
from drconsole.tui.widgets.notice_bar import NoticeBar
from drconsole.tui.widgets.plain import Static

if TYPE_CHECKING:
    from drconsole.tui.app import DrConsoleApp

Fields = list[tuple[str, str]]


def _when(moment: datetime | None, now: datetime, future: bool = False) -> str:
    if moment is None:
        return "-"
    delta = moment - now if future else now - moment
    suffix = "from now" if future else "ago"
    return f"{moment.strftime('%Y-%m-%d %H:%M:%S')} UTC ({fmt.human_age(delta)} {suffix})"


def recovery_point_fields(point: RecoveryPoint, now: datetime) -> Fields:
    """Every field of a recovery point, labelled, in reading order."""
    size = "-"
    if point.size_bytes is not None:
        size = f"{fmt.human_size(point.size_bytes)} ({point.size_bytes:,} bytes)"
    return [
        ("Recovery point", point.arn),
        ("Resource", point.resource_name or fmt.resource_id(point.resource_arn)),
        ("Resource ARN", point.resource_arn),
        ("Resource type", point.resource_type),
        ("Status", point.status),
        ("Created", _when(point.created, now)),
        ("Completed", _when(point.completion_date, now)),
        ("Size", size),
        ("Encrypted", "yes" if point.is_encrypted else "no"),
        ("Key", point.encryption_key_arn or "-"),
        ("Vault", f"{point.vault_name} ({point.account_id}, {point.region})"),
        ("Vault ARN", point.vault_arn),
        ("Copied from", point.source_vault_arn or "- (original backup)"),
        ("Expires", _when(point.expires, now, future=True)),
        ("IAM role", point.iam_role_arn or "-"),
    ]


def protected_resource_fields(resource: ProtectedResource, now: datetime) -> Fields:
    """Every field of a protected resource and its newest recovery point."""
    age = None if resource.last_backup is None else now - resource.last_backup
    return [
        ("Resource", resource.resource_name or fmt.resource_id(resource.resource_arn)),
        ("Resource ARN", resource.resource_arn),
        ("Resource type", resource.resource_type),
        ("Account", resource.account_id),
        ("Region", resource.region),
        ("Newest backup", _when(resource.last_backup, now)),
        ("Current RPO", f"{fmt.human_age(age)} ({fmt.staleness(age)})"),
        ("Newest recovery point", resource.last_recovery_point_arn or "-"),
    ]


class DetailScreen(ReadOnlyActions, Screen[None]):
    """A labelled list of every field; `y` copies the ARN, `c` checks a copy or restore."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("y", "copy_arn", "Copy ARN"),
    ]

    def __init__(
        self,
        trail: tuple[str, ...],
        fields: Fields,
        arn: str,
        recovery_point: RecoveryPoint | None = None,
    ) -> None:
        super().__init__()
        self.trail = trail
        self.fields = fields
        self.arn = arn
        self.recovery_point = recovery_point

    @property
    def drapp(self) -> DrConsoleApp:
        """The application, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield TopBar(
            self.trail,
            read_only=self.drapp.settings.read_only,
            break_glass=self.drapp.settings.break_glass,
        )
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for label, value in self.fields:
            table.add_row(Text(label), Text(escape_controls(value)))  # values from AWS, as text
        with VerticalScroll(id="detail"):
            yield Static(table, id="fields")
        yield NoticeBar(id="screen-notices")  # a copied ARN said below the fields, not on them
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#detail").focus()

    def on_screen_resume(self) -> None:
        # Back from the checks or the wizard: the fields have the focus again.
        self.call_after_refresh(self.restore_focus)

    def restore_focus(self) -> None:
        """Focus the fields when nothing on this screen has the focus."""
        if self.is_current and self.focused is None:
            self.set_focus(self.query_one("#detail"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "check":
            return self.recovery_point is not None
        return super().check_action(action, parameters)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_copy_arn(self) -> None:
        self.drapp.copy_arn(self.arn)

    def action_check(self) -> None:
        if self.recovery_point is not None:
            open_checks(self.drapp, self.recovery_point)


class RecoveryPointDetail(DetailScreen):
    """The detail of a recovery point, from which a copy or restore can be checked."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "check", "Checks", tooltip="Check a copy or restore of this recovery point"),
        Binding("w", "wizard", "Copy back/restore", show=False),
    ]

    def action_wizard(self) -> None:
        """Copy back and restore this recovery point (the wizard)."""
        from drconsole.tui.wizard import open_wizard

        if self.recovery_point is not None:
            open_wizard(self.drapp, self.recovery_point)


def recovery_point_detail(
    point: RecoveryPoint, trail: tuple[str, ...], now: datetime
) -> DetailScreen:
    """The detail screen of a recovery point."""
    name = point.resource_name or fmt.resource_id(point.resource_arn)
    label = f"{fmt.short_time(point.created)} {name}"
    return RecoveryPointDetail((*trail, label), recovery_point_fields(point, now), point.arn, point)


def open_checks(app: DrConsoleApp, point: RecoveryPoint) -> None:
    """Push the copy/restore checks for `point`, when this build has them."""
    try:
        module = importlib.import_module("drconsole.tui.checks_screen")
    except ImportError:
        app.notify("Copy/restore checks are not available in this build.", severity="warning")
        return
    app.push_screen(module.ChecksScreen(point, app.settings, app.sessions))
