"""A readiness row's failing checks with their evidence, remediation and fixes (`f`: the
checks screen's diff and confirmation); after a fix the row is evaluated again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable

from drconsole.checks.facts import CopyFacts
from drconsole.models import Check, CheckStatus
from drconsole.readiness.model import restore_where
from drconsole.tui import formatting as fmt
from drconsole.tui.check_views import STYLES, remediation_text
from drconsole.tui.checks_screen import WIDE_ENOUGH_FOR_EVIDENCE
from drconsole.tui.read_only import ReadOnlyActions
from drconsole.tui.readiness_feed import VERDICT_STYLES, RowKey
from drconsole.tui.widgets.chrome import TopBar
from drconsole.tui.widgets.fitted_table import FittedTable
from drconsole.tui.widgets.key_footer import KeyFooter
from drconsole.tui.widgets.notice_bar import NoticeBar
from drconsole.tui.widgets.plain import Static

if TYPE_CHECKING:
    from drconsole.checks.remedies import FixPlan
    from drconsole.readiness.model import (
        CopyCheckRun,
        ReadinessRow,
        ResourceReadiness,
        RestoreCheckRun,
    )
    from drconsole.tui.app import DrConsoleApp


@dataclass(frozen=True)
class Line:
    """One line of the screen: a check that did not pass, where it was asked (`part`), the
    check run holding its facts (None for what the row says outside any check), the resource
    types it was found for, and the copy it concerns."""

    part: str
    check: Check
    run: CopyCheckRun | RestoreCheckRun | None
    types: tuple[str, ...] = ()
    source_vault_arn: str = ""
    destination_vault_arn: str = ""
    intermediate: str | None = None  # the vault of the hop its check is of (two hops)


def vault_name(arn: str) -> str:
    """The name at the end of a vault ARN."""
    return arn.rsplit(":", 1)[-1]


def part_label(direction: str, types: tuple[str, ...]) -> str:
    """'copy-back Aurora +3', 'dr-copy EBS' or 'restore'."""
    if not types:
        return direction
    return f"{direction} {types[0]}" + (f" +{len(types) - 1}" if len(types) > 1 else "")


def objective_text(resource: ResourceReadiness, row: ReadinessRow) -> str:
    """The objective a resource was judged against: `24h`, or `1m (runbook web)` when a
    runbook's stricter objective applies."""
    text = fmt.human_age(resource.rpo_objective or row.rpo_objective)
    runbook = resource.rpo_objective_runbook
    return f"{text} (runbook {runbook})" if runbook else text


def lines_of(row: ReadinessRow, now: datetime) -> list[Line]:
    """The row's problems: failing checks worst first (one line for a verdict several resource
    types share), then reads that failed, resources without a DR copy and backups over the
    objective."""
    result = [
        Line(
            part_label(found.direction, found.resource_types),
            found.check,
            found.runs[0] if found.runs else None,
            found.resource_types,
            found.source_vault_arn,
            found.destination_vault_arn,
            found.intermediate,
        )
        for found in row.findings()
    ]
    for reason in row.unreadable:
        check = Check("unreadable", "could not be read", CheckStatus.UNKNOWN, reason)
        result.append(Line("facts", check, None))
    for resource in row.without_copy:
        name = resource.resource_name or fmt.resource_id(resource.resource_arn)
        check = Check(
            "no-dr-copy",
            f"{name}: no copy in the backup account",
            CheckStatus.WARN,
            f"{resource.resource_type} {resource.resource_arn} has no recovery point in the "
            "backup account: losing this account or Region loses its backups too.",
            remediation="Add a copy action to the resource's backup plan rule that copies to "
            "the backup account's vault (or copy its newest recovery point there now).",
        )
        result.append(Line("copies", check, None))
    for resource in row.stale_copies:
        name = resource.resource_name or fmt.resource_id(resource.resource_arn)
        age = fmt.human_age(resource.copy_age(now))
        check = Check(
            "dr-copy-stale",
            f"{name}: newest DR copy {age} old",
            CheckStatus.WARN,
            f"The newest copy of {resource.resource_arn} in the backup account holds data "
            f"{age} old, over its {objective_text(resource, row)} RPO objective: a "
            "recovery from the backup account would lose more than that.",
            remediation="Check the copy action of the resource's backup plan rule and the last "
            "copy jobs (j): copies to the backup account stopped coming.",
        )
        result.append(Line("copies", check, None))
    for resource in row.resources:
        if resource.over_objective:
            name = resource.resource_name or fmt.resource_id(resource.resource_arn)
            age = fmt.human_age(resource.backup_age(now))
            check = Check(
                "rpo-objective",
                f"{name}: newest backup {age} old",
                CheckStatus.WARN,
                f"The newest backup of {resource.resource_arn} is {age} old, over its "
                f"{objective_text(resource, row)} RPO objective.",
                remediation="Check the backup plan's schedule and the last backup jobs (j).",
            )
            result.append(Line("protection", check, None))
    return result


class ReadinessChecksScreen(ReadOnlyActions, Screen[None]):
    """The checks of one readiness row that did not pass, with fixes; re-evaluated after one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("f", "fix", "Fix"),
        Binding("r", "recheck", "Re-check"),
    ]
    DEFAULT_CSS = """
    ReadinessChecksScreen #readiness-title { height: 2; padding: 0 1; }
    ReadinessChecksScreen #checks-table { height: 1fr; }
    ReadinessChecksScreen #remediation { height: 45%; min-height: 6; border-top: solid $accent;
        padding: 0 1; }
    """

    def __init__(self, key: RowKey, trail: tuple[str, ...], account_name: str) -> None:
        super().__init__()
        self.key = key
        self.trail = (*trail, f"{account_name} {key[1]}")
        self.shown: list[Line] = []

    @property
    def drapp(self) -> DrConsoleApp:
        """The application, typed."""
        return self.app  # type: ignore[return-value]

    @property
    def row(self) -> ReadinessRow | None:
        """The row as last evaluated."""
        return self.drapp.readiness.rows.get(self.key)

    def compose(self) -> ComposeResult:
        settings = self.drapp.settings
        yield TopBar(self.trail, read_only=settings.read_only, break_glass=settings.break_glass)
        yield Static("", id="readiness-title")
        yield FittedTable(id="checks-table", cursor_type="row", zebra_stripes=True)
        yield VerticalScroll(Static(id="remediation-text"), id="remediation")
        # Its notices (a fix refused, readiness not re-evaluated) under the remediation.
        yield NoticeBar(id="screen-notices")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#checks-table", DataTable)
        table.add_columns("Status", "Part", "Check")
        self.drapp.readiness.changed.subscribe(self, self.readiness_changed)
        self.refresh_table()
        table.focus()

    def readiness_changed(self, keys: set[RowKey] | None) -> None:
        """The row was evaluated again: show its checks as they are now."""
        if keys is None or self.key in keys:
            self.refresh_table()

    # Display --------------------------------------------------------------------------------

    def refresh_table(self) -> None:
        """Redraw the title and the table, keeping the cursor's line."""
        row = self.row
        self.show_title(row)
        table = self.query_one("#checks-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        wide = self.size.width >= WIDE_ENOUGH_FOR_EVIDENCE
        if wide and len(table.columns) == 3:
            table.add_column("Evidence", key="evidence")
        elif not wide and len(table.columns) == 4:
            table.remove_column("evidence")
        self.shown = [] if row is None else lines_of(row, self.drapp.now())
        for index, line in enumerate(self.shown):
            check = line.check
            cells: list[Any] = [Text(check.status.value, style=STYLES[check.status]), line.part]
            cells.append(check.title)
            table.add_row(*cells, *([check.evidence] if wide else []), key=str(index))
        if table.row_count:
            table.move_cursor(row=min(max(cursor, 0), table.row_count - 1))
        self.show_remediation()

    def show_title(self, row: ReadinessRow | None) -> None:
        """The row's verdict and causes, and whether it is being evaluated again."""
        title = self.query_one("#readiness-title", Static)
        if row is None:
            title.update(Text("This row is no longer in the readiness report (r in Readiness)."))
            return
        text = Text(f"{row.account_name} ({row.account_id}) {row.region}: ", style="bold")
        text.append(row.verdict.value, style=VERDICT_STYLES[row.verdict.value])
        if row.causes:
            text.append(" — " + ", ".join(cause.value for cause in row.causes))
        if self.key in self.drapp.readiness.rechecking:
            text.append("  re-checking…", style="dim")
        elif not row.problems() and not row.unreadable:
            text.append("\nEvery copy-back and restore check passed.", style="green")
        elif self.drapp.settings.read_only:
            text.append("\nThe checks that did not pass (read-only: fixes are applied by hand).")
        elif any(line.check.fix_id for line in lines_of(row, self.drapp.now())):
            text.append("\nThe checks that did not pass; f applies drconsole's fix where shown.")
        else:
            text.append("\nThe checks that did not pass; each remediation says what to do.")
        title.update(text)

    def on_resize(self) -> None:
        self.refresh_table()

    def selected(self) -> Line | None:
        """The line under the cursor."""
        table = self.query_one("#checks-table", DataTable)
        if not 0 <= table.cursor_row < len(self.shown):
            return None
        return self.shown[table.cursor_row]

    def on_data_table_row_highlighted(self) -> None:
        self.show_remediation()

    def show_remediation(self) -> None:
        """The highlighted check's evidence and remediation, and where it was asked."""
        line = self.selected()
        text = Text()
        if line is not None:
            text = remediation_text(line.check, self.drapp.settings.read_only)
            if line.destination_vault_arn:
                into = vault_name(line.destination_vault_arn)
                source = vault_name(line.source_vault_arn)
                asked = (
                    f"a copy from {source} into {into}"
                    if source
                    else f"a {restore_where(line.part, into)}"
                )
                if line.intermediate:  # a check of one hop of a two-hop route
                    asked += f", in two hops through {line.intermediate}"
                kinds = f" of {', '.join(line.types)}" if line.types else ""
                text.append(f"\nFound for {asked}{kinds}.", style="dim")
        self.query_one("#remediation-text", Static).update(text)

    # Actions --------------------------------------------------------------------------------

    def action_back(self) -> None:
        """Back to the readiness rows."""
        self.app.pop_screen()

    def action_recheck(self) -> None:
        """Evaluate the row again (asking again for roles AWS refused)."""
        self.drapp.forget_refused_roles()
        self.drapp.readiness.recheck(self.key)

    def action_fix(self) -> None:
        """Plan the highlighted check's fix, show its diff, apply it once confirmed."""
        from drconsole.tui.fix_offer import offer_fix

        line = self.selected()
        if line is None:
            return
        from drconsole.readiness.model import CopyCheckRun

        run = line.run
        # A hop's check is fixed on its hop's facts (hop 2: the intermediate vault's key).
        facts = run.facts_for(line.check) if isinstance(run, CopyCheckRun) else None
        # drconsole's fixes are planned from copy facts
        usable = facts if isinstance(facts, CopyFacts) else None
        offer_fix(self, line.check, usable, self.drapp.settings.read_only, self.apply)

    @work(thread=True, exit_on_error=False, group="readiness-fix")
    def apply(self, plan: FixPlan) -> None:
        """Apply a confirmed fix (audited), then evaluate the row again."""
        from drconsole.tui.fix_offer import apply_and_tell

        if apply_and_tell(self, self.drapp.sessions, plan):
            self.app.call_from_thread(self.recheck_after_fix, plan.account_id)

    def recheck_after_fix(self, changed_account: str) -> None:
        """Evaluate this row again, and every row of the account the fix changed (a
        service-linked role serves each of its Regions)."""
        feed = self.drapp.readiness
        for key in [self.key, *(k for k in feed.rows if k[0] == changed_account)]:
            feed.recheck(key)
