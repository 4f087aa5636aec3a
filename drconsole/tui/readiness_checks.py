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
from textual.widgets import DataTable, Footer, Static

from drconsole.models import Check, CheckStatus
from drconsole.tui import formatting as fmt
from drconsole.tui.checks_screen import (
    STYLES,
    WIDE_ENOUGH_FOR_EVIDENCE,
    FixDialog,
    describe,
    remediation_text,
)
from drconsole.tui.read_only import ReadOnlyActions
from drconsole.tui.readiness_feed import VERDICT_STYLES, RowKey
from drconsole.tui.widgets.chrome import TopBar

if TYPE_CHECKING:
    from drconsole.checks.remedies import FixPlan
    from drconsole.readiness.model import CopyCheckRun, ReadinessRow, RestoreCheckRun
    from drconsole.tui.app import DrConsoleApp


@dataclass(frozen=True)
class Finding:
    """One line of the screen: a check that did not pass, where it was asked (`part`), the
    check run holding its facts (None for what the row says outside any check), and how many
    runs gave the same verdict (one line for dev's missing role, not one per resource type)."""

    part: str
    check: Check
    run: CopyCheckRun | RestoreCheckRun | None
    times: int = 1


def run_label(run: CopyCheckRun | RestoreCheckRun) -> str:
    """'copy-back EBS', 'dr-copy RDS' or 'restore'."""
    direction = getattr(run, "direction", "")
    return f"{direction} {getattr(run, 'resource_type', '')}".strip() if direction else "restore"


def vault_name(arn: str) -> str:
    """The name at the end of a vault ARN."""
    return arn.rsplit(":", 1)[-1]


def findings(row: ReadinessRow, now: datetime) -> list[Finding]:
    """The row's problems: failing checks worst first (the same verdict of several runs once),
    then reads that failed, resources without a DR copy and backups over the objective."""
    found: dict[tuple[str, str, str], Finding] = {}
    for run, check in row.problems():
        same = (check.id, check.status.value, check.evidence)
        known = found.get(same)
        if known is None:
            found[same] = Finding(run_label(run), check, run)
        else:
            found[same] = Finding(known.part, known.check, known.run, known.times + 1)
    result = list(found.values())
    for reason in row.unreadable:
        check = Check("unreadable", "could not be read", CheckStatus.UNKNOWN, reason)
        result.append(Finding("facts", check, None))
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
        result.append(Finding("copies", check, None))
    objective = fmt.human_age(row.rpo_objective)
    for resource in row.resources:
        if resource.over_objective:
            name = resource.resource_name or fmt.resource_id(resource.resource_arn)
            age = fmt.human_age(resource.backup_age(now))
            check = Check(
                "rpo-objective",
                f"{name}: newest backup {age} old",
                CheckStatus.WARN,
                f"The newest backup of {resource.resource_arn} is {age} old, over the "
                f"{objective} RPO objective.",
                remediation="Check the backup plan's schedule and the last backup jobs (j).",
            )
            result.append(Finding("protection", check, None))
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
        self.shown: list[Finding] = []

    @property
    def drapp(self) -> DrConsoleApp:
        """The application, typed."""
        return self.app  # type: ignore[return-value]

    @property
    def row(self) -> ReadinessRow | None:
        """The row as last evaluated."""
        return self.drapp.readiness.rows.get(self.key)

    def compose(self) -> ComposeResult:
        yield TopBar(self.trail, read_only=self.drapp.settings.read_only)
        yield Static("", id="readiness-title")
        yield DataTable(id="checks-table", cursor_type="row", zebra_stripes=True)
        yield VerticalScroll(Static(id="remediation-text"), id="remediation")
        yield Footer()

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
        self.shown = [] if row is None else findings(row, self.drapp.now())
        for index, finding in enumerate(self.shown):
            check = finding.check
            part = finding.part + (f" x{finding.times}" if finding.times > 1 else "")
            cells: list[Any] = [Text(check.status.value, style=STYLES[check.status]), part]
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
        else:
            text.append("\nThe checks that did not pass; f applies drconsole's fix.")
        title.update(text)

    def on_resize(self) -> None:
        self.refresh_table()

    def selected(self) -> Finding | None:
        """The finding under the cursor."""
        table = self.query_one("#checks-table", DataTable)
        if not 0 <= table.cursor_row < len(self.shown):
            return None
        return self.shown[table.cursor_row]

    def on_data_table_row_highlighted(self) -> None:
        self.show_remediation()

    def show_remediation(self) -> None:
        """The highlighted check's evidence and remediation, and where it was asked."""
        finding = self.selected()
        text = Text()
        if finding is not None:
            text = remediation_text(finding.check, self.drapp.settings.read_only)
            run = finding.run
            if run is not None:
                where = getattr(run, "source_vault_arn", "")
                into = vault_name(run.destination_vault_arn)
                asked = f"copy from {vault_name(where)} into {into}" if where else f"in {into}"
                text.append(f"\nAsked for: {run_label(run)}, {asked}", style="dim")
        self.query_one("#remediation-text", Static).update(text)

    # Actions --------------------------------------------------------------------------------

    def action_back(self) -> None:
        """Back to the readiness rows."""
        self.app.pop_screen()

    def action_recheck(self) -> None:
        """Evaluate the row again."""
        self.drapp.readiness.recheck(self.key)

    def action_fix(self) -> None:
        """Plan the highlighted check's fix, show its diff, apply it once confirmed."""
        from drconsole.checks.fixes import plan_fix
        from drconsole.errors import DrConsoleError

        finding = self.selected()
        if finding is None:
            return
        check = finding.check
        if check.fix_id is None or check.status is CheckStatus.PASS:
            self.notify("drconsole has no fix to apply for this check.", severity="warning")
            return
        if self.drapp.settings.read_only:
            self.notify("Fix refused: read-only mode is on.", severity="error")
            return
        facts = getattr(finding.run, "facts", None)
        if facts is None:
            self.notify("The facts this fix needs were not read; r re-checks.", severity="error")
            return
        try:
            plan = plan_fix(check.fix_id, facts)
        except DrConsoleError as problem:
            self.notify(str(problem), severity="error")
            return

        def decided(apply: bool | None) -> None:
            if apply:
                self.apply(plan)

        self.app.push_screen(FixDialog(plan), decided)

    @work(thread=True, exit_on_error=False, group="readiness-fix")
    def apply(self, plan: FixPlan) -> None:
        """Apply a confirmed fix (audited), then evaluate the row again."""
        from drconsole.aws.fixes import apply_fix

        try:
            summary = apply_fix(self.drapp.sessions, plan)
        except Exception as error:
            self.app.call_from_thread(self.notify, describe(error), severity="error")
            return
        self.app.call_from_thread(self.notify, summary)
        self.app.call_from_thread(self.recheck_after_fix, plan.account_id)

    def recheck_after_fix(self, changed_account: str) -> None:
        """Evaluate this row again, and every row of the account the fix changed (a
        service-linked role serves each of its Regions)."""
        feed = self.drapp.readiness
        for key in [self.key, *(k for k in feed.rows if k[0] == changed_account)]:
            feed.recheck(key)
