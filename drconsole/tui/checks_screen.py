"""The checks panel of a recovery point: copy and restore prerequisites, live, with fixes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Input

from drconsole.models import Check, CheckStatus, RecoveryPoint
from drconsole.tui.check_destination import (
    KnownAccounts,
    SourceRegionDown,
    default_destination,
)
from drconsole.tui.check_views import SEVERITY, STYLES, remediation_text
from drconsole.tui.checks_picker import DestinationPicker
from drconsole.tui.column_sort import ColumnSort, keep_cursor_on, sort_bindings
from drconsole.tui.read_only import ReadOnlyActions
from drconsole.tui.screens.table import cursor_key
from drconsole.tui.widgets.fitted_table import FittedTable
from drconsole.tui.widgets.key_footer import KeyFooter
from drconsole.tui.widgets.notice_bar import NoticeBar
from drconsole.tui.widgets.plain import Select, Static, as_written
from drconsole.tui.widgets.typed_input import TypedInput

if TYPE_CHECKING:
    from drconsole.aws.session import AwsSessions
    from drconsole.checks.facts import CopyFacts
    from drconsole.checks.remedies import FixPlan
    from drconsole.checks.runner import CheckReport
    from drconsole.config import Settings

COPY_GROUPS = ("organization", "destination", "source", "route")
# The hops of a two-hop route (a database across account AND Region), judged once the route
# group says the copy may need them, as `check copy` judges them (`hop1` shown only when no
# intermediate vault's first hop passes: the flow is then blocked there).
HOP_GROUPS = ("hop1", "hop2")
# Below this width the evidence is read in the pane under the table, not in a column.
WIDE_ENOUGH_FOR_EVIDENCE = 140
# (key, header) of the checks table; Evidence only from WIDE_ENOUGH_FOR_EVIDENCE columns.
CHECK_COLUMNS = (("status", "Status"), ("group", "Group"), ("check", "Check"))
EVIDENCE_COLUMN = ("evidence", "Evidence")
# Shift+letter -> the column it sorts by (Status: the worst verdict first).
CHECK_SORT_KEYS = {"S": "status", "G": "group", "C": "check", "E": "evidence"}


def check_sort_value(row: tuple[str, Check], column: str) -> Any:
    """What column `column` sorts a (group, check) row by."""
    group, check = row
    if column == "status":
        return SEVERITY[check.status]
    if column == "group":
        return group
    return check.title if column == "check" else check.evidence


class ChecksScreen(ReadOnlyActions, DestinationPicker):
    """Copy checks (to a destination vault) and restore checks of one recovery point."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("r", "recheck", "Re-check"),
        Binding("f", "fix", "Fix"),
        Binding("d", "focus_destination", "Destination"),
        *sort_bindings(CHECK_SORT_KEYS, dict((*CHECK_COLUMNS, EVIDENCE_COLUMN))),
    ]
    # At 80x24 the checks and the highlighted one's evidence share the screen: one title line,
    # the destination picker and its ARN side by side, the destination in words (wrapped, never
    # cut: the ARN field is too narrow to show it), the table (its Evidence column only when
    # wide enough to read it), and the evidence and remediation below it.
    DEFAULT_CSS = """
    ChecksScreen #checks-table { height: 1fr; }
    ChecksScreen #remediation { height: 40%; min-height: 6; border-top: solid $accent;
        padding: 0 1; }
    ChecksScreen #rp-title { height: 1; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    ChecksScreen #destination-row { height: 3; }
    ChecksScreen #destination-choice { width: 1fr; }
    ChecksScreen #destination { width: 1fr; }
    ChecksScreen #destination-words { height: auto; padding: 0 1; }
    ChecksScreen #destination-choice SelectCurrent #label { text-wrap: nowrap;
        text-overflow: ellipsis; }
    """

    class GroupResolved(Message):
        """A check group's verdicts, with the facts they judged."""

        def __init__(self, run: int, group: str, checks: list[Check], facts: Any) -> None:
            super().__init__()
            self.run = run
            self.group = group
            self.checks = checks
            self.facts = facts

    class GroupFailed(Message):
        """A check group could not run at all (bad ARN, credentials, network)."""

        def __init__(self, run: int, group: str, error: str) -> None:
            super().__init__()
            self.run = run
            self.group = group
            self.error = error

    def __init__(
        self,
        recovery_point: RecoveryPoint,
        settings: Settings,
        sessions: AwsSessions,
        destination: str | None = None,
    ) -> None:
        super().__init__()
        self.recovery_point = recovery_point
        self.settings = settings
        self.sessions = sessions
        # The vault a copy came from is the default, unless it is in the backup account.
        self.known = KnownAccounts.at_start(settings, None)
        self.given_destination = destination
        self.destination = destination or ""
        self.withheld = False  # the vault the copy came from was not taken as the default
        self.chosen = False  # the destination is the operator's (typed or picked), no default
        self.listed: frozenset[str] = frozenset()  # the vaults of the picker
        # The default (the vault the copy came from) is in a Region that does not answer.
        self.source_down: SourceRegionDown | None = None
        self.rows: dict[str, list[Check]] = {}
        self.pending: dict[str, str] = {}
        # group -> why it could not run: UNKNOWN, not "…" (still reading) nor gone
        self.failed: dict[str, str] = {}
        self.group_facts: dict[str, Any] = {}
        self.run_id = 0
        # Copy groups then restore, until the operator sorts by a column (Shift+letter).
        self.sort = ColumnSort(high_first=frozenset({"status"}))
        self.shown: list[tuple[str, Check]] = []  # the checks on the table, in its order
        # The intermediate vault of a two-hop route whose hops are shown (None: one hop).
        self.intermediate: str | None = None
        # (run, the fact reader its copy groups read through): a two-hop route's hops read
        # through it too, so what the groups read already (organization, roles, keys, vaults
        # listed) is not asked of AWS again.
        self.copy_reader: tuple[int, Any] | None = None

    def compose(self) -> ComposeResult:
        rp = self.recovery_point
        yield Static(
            Text(
                f"Checks for {rp.resource_type} {rp.resource_name or rp.resource_arn}  {rp.arn}",
                style="bold",
            ),
            id="rp-title",
        )
        with Horizontal(id="destination-row"):
            yield Select[str]([], prompt="copy to… (vaults)", id="destination-choice")
            yield TypedInput(
                placeholder="destination vault ARN (Enter to check)",
                id="destination",
            )
        yield Static(id="destination-words")
        table: DataTable[Any] = FittedTable(
            id="checks-table", cursor_type="row", zebra_stripes=True
        )
        yield table
        yield VerticalScroll(Static(id="remediation-text"), id="remediation")
        # Its notices (a fix refused, a read-only refusal) under the remediation, not over it.
        yield NoticeBar(id="screen-notices")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#checks-table", DataTable)
        for key, label in CHECK_COLUMNS:
            table.add_column(self.sort.label(key, label), key=key)
        self.known = KnownAccounts.at_start(self.settings, getattr(self.app, "organization", None))
        if self.given_destination is None:
            self.destination = default_destination(self.recovery_point, self.known)
            self.withheld = bool(self.recovery_point.source_vault_arn) and not self.destination
        self.query_one("#destination", Input).value = self.destination
        self.start_checks()
        self.load_destinations()
        self.set_focus(table)  # now, not after a refresh: see TableScreen

    # Running --------------------------------------------------------------------------------

    def start_checks(self) -> None:
        """(Re)start every check group; stale results of an earlier run are ignored."""
        self.run_id += 1
        self.rows.clear()
        self.group_facts.clear()
        self.intermediate = None
        self.failed.clear()
        self.pending = {"restore": "restore checks: reading facts"}
        self.show_destination()
        if self.destination:
            for group in COPY_GROUPS:
                self.pending[group] = f"copy {group} checks: reading facts"
        self.refresh_table()
        self.run_restore(self.run_id, self.destination)
        if self.destination:
            self.run_copy(self.run_id, self.destination)

    @work(thread=True, exit_on_error=False, group="checks-restore")
    def run_restore(self, run: int, destination: str) -> None:
        """The restore checks, in one worker, where the restore will run: after a copy into
        the destination, in the destination's account and Region; without one, in place."""
        from drconsole.checks.runner import run_restore_checks

        try:
            report = run_restore_checks(
                self.sessions,
                self.recovery_point.arn,
                account_hint=self.recovery_point.account_id,
                after_copy_to=destination or None,
            )
        except Exception as error:  # shown on the screen, never a crash
            self.post_message(self.GroupFailed(run, "restore", describe(error)))
            return
        self.post_message(self.GroupResolved(run, "restore", list(report.checks), report.facts))

    @work(thread=True, exit_on_error=False, group="checks-copy")
    def run_copy(self, run: int, destination: str) -> None:
        """Read the base facts, then start one worker per copy check group."""
        from drconsole.aws.facts import FactReader, base_copy_facts
        from drconsole.checks.arns import parse_recovery_point_arn, parse_vault_arn

        try:
            dest = parse_vault_arn(destination, "destination")
            reader = FactReader(self.sessions)
            base = base_copy_facts(
                reader,
                parse_recovery_point_arn(self.recovery_point.arn),
                dest,
                account_hint=self.recovery_point.account_id,
            )
        except Exception as error:
            for group in COPY_GROUPS:
                self.post_message(self.GroupFailed(run, group, describe(error)))
            return
        self.copy_reader = (run, reader)
        for group in COPY_GROUPS:
            self.app.call_from_thread(self.run_copy_group, run, reader, group, base)

    @work(thread=True, exit_on_error=False)
    def run_copy_group(self, run: int, reader: Any, group: str, base: CopyFacts) -> None:
        """One copy check group: its facts, then its verdicts."""
        from drconsole.checks.runner import copy_group_checks

        try:
            facts, checks = copy_group_checks(reader, group, base)
        except Exception as error:
            self.post_message(self.GroupFailed(run, group, describe(error)))
            return
        self.post_message(self.GroupResolved(run, group, checks, facts))

    @on(GroupResolved)
    def group_resolved(self, message: GroupResolved) -> None:
        """Show a group's verdicts as soon as they arrive."""
        if message.run != self.run_id:
            return
        self.pending.pop(message.group, None)
        self.rows[message.group] = message.checks
        self.group_facts[message.group] = message.facts
        if message.group == "route":
            self.judge_hops_if_two(message.run, message.checks, message.facts)
        self.refresh_table()

    def judge_hops_if_two(self, run: int, checks: list[Check], facts: Any) -> None:
        """When the route says the copy may go in two hops, judge them (`run_hops`)."""
        from drconsole.checks.facts import CopyFacts
        from drconsole.checks.runner import CheckReport, copy_route

        if not isinstance(facts, CopyFacts):
            return
        route = copy_route(facts, checks)
        if route["hops"] != 2:
            return
        self.pending["hop2"] = "second hop checks: choosing the intermediate vault"
        report = CheckReport(
            "copy", facts.recovery_point.arn, self.destination, tuple(checks), facts, route
        )
        shared = self.copy_reader
        self.run_hops(run, report, shared[1] if shared and shared[0] == run else None)

    @work(thread=True, exit_on_error=False, group="checks-hops")
    def run_hops(self, run: int, report: CheckReport, reader: Any) -> None:
        """Both hops of the two-hop route, by `check copy`'s own code (`route_hops`): the
        second hop through the intermediate vault the flow would choose (`hop2.` ids), or the
        first hop when no candidate's first hop passes."""
        from drconsole.flows.hop_checks import route_hops

        try:
            hops = dict(route_hops(self.sessions, report, None, None, reader))
        except Exception as error:
            self.post_message(self.GroupFailed(run, "hop2", describe(error)))
            return
        self.post_message(self.HopsResolved(run, hops.get("hop1"), hops.get("hop2")))

    class HopsResolved(Message):
        """The reports of a two-hop route's hops: both, or the first's alone when no
        intermediate vault's first hop passes (neither: no candidate vault at all, which the
        route check says)."""

        def __init__(self, run: int, first: CheckReport | None, second: CheckReport | None) -> None:
            super().__init__()
            self.run = run
            self.first = first
            self.second = second

    @on(HopsResolved)
    def hops_resolved(self, message: HopsResolved) -> None:
        """Show the second hop's checks (group `hop2`), or the blocked first hop's."""
        from drconsole.checks.runner import FIRST_HOP, of_hop

        if message.run != self.run_id:
            return
        self.pending.pop("hop2", None)
        self.intermediate = message.first.destination if message.first else None
        if message.second is not None:
            self.rows["hop2"] = list(message.second.checks)
            self.group_facts["hop2"] = message.second.facts
        elif message.first is not None:
            self.rows["hop1"] = [of_hop(check, FIRST_HOP) for check in message.first.checks]
            self.group_facts["hop1"] = message.first.facts
        self.show_destination()
        self.refresh_table()

    @on(GroupFailed)
    def group_failed(self, message: GroupFailed) -> None:
        """A group that could not run stays visible with its error."""
        if message.run != self.run_id:
            return
        self.pending.pop(message.group, None)
        self.failed[message.group] = f"could not run: {message.error}"
        self.refresh_table()

    # Display --------------------------------------------------------------------------------

    def ordered(self) -> list[tuple[str, Check]]:
        """Resolved checks in display order: copy groups, then restore."""
        return [
            (group, check)
            for group in (*COPY_GROUPS, *HOP_GROUPS, "restore")
            for check in self.rows.get(group, [])
        ]

    def refresh_table(self) -> None:
        """Redraw the table in the chosen order, the cursor staying on its check (groups
        resolving, a re-sort or a new width never move it to another check)."""
        table = self.query_one("#checks-table", DataTable)
        row, key = table.cursor_row, cursor_key(table)
        table.clear()
        wide = self.size.width >= WIDE_ENOUGH_FOR_EVIDENCE
        if wide and len(table.columns) == len(CHECK_COLUMNS):
            table.add_column(self.sort.label(*EVIDENCE_COLUMN), key="evidence")
        elif not wide and len(table.columns) > len(CHECK_COLUMNS):
            table.remove_column("evidence")
        self.shown = self.sort.order(self.ordered(), check_sort_value)
        for group, check in self.shown:
            cells: list[Any] = [
                Text(check.status.value, style=STYLES[check.status]),
                group,
                check.title,
            ]
            table.add_row(*cells, *([check.evidence] if wide else []), key=f"{group}:{check.id}")
        unknown = Text(CheckStatus.UNKNOWN.value, style=STYLES[CheckStatus.UNKNOWN])
        for group, note in self.failed.items():
            table.add_row(unknown, group, note, *([""] if wide else []), key=f"failed:{group}")
        for group, note in self.pending.items():
            table.add_row(Text("…"), group, note, *([""] if wide else []), key=f"pending:{group}")
        keep_cursor_on(table, key, row)
        self.show_remediation()
        # At 80x24 the table shows a few rows: the cursor kept on its check can leave a FAIL
        # out of view, so the counts are said where they are always seen.
        self.query_one("#remediation").border_title = as_written(self.verdict_counts())

    def verdict_counts(self) -> str:
        """`1 FAIL · 22 PASS · 2 reading`: the worst first, then the groups still read."""
        statuses = [check.status for _, check in self.shown]
        statuses += [CheckStatus.UNKNOWN] * len(self.failed)
        counted = [
            f"{statuses.count(status)} {status.value}"
            for status in sorted(SEVERITY, key=SEVERITY.__getitem__, reverse=True)
            if status in statuses
        ]
        if self.pending:
            counted.append(f"{len(self.pending)} reading")
        return " · ".join(counted)

    def on_resize(self) -> None:
        self.refresh_table()

    def on_screen_resume(self) -> None:
        # Back from a fix's dialog: the checks have the focus again.
        self.call_after_refresh(self.restore_focus)

    def restore_focus(self) -> None:
        """Focus the table when nothing on this screen has the focus."""
        if self.is_current and self.focused is None:
            self.set_focus(self.query_one("#checks-table", DataTable))

    def selected(self) -> tuple[str, Check] | None:
        """The check under the cursor, with its group."""
        table = self.query_one("#checks-table", DataTable)
        rows = self.shown
        if not rows or table.cursor_row >= len(rows) or table.cursor_row < 0:
            return None
        return rows[table.cursor_row]

    @on(DataTable.RowHighlighted)
    def show_remediation(self) -> None:
        """The remediation of the highlighted check."""
        chosen = self.selected()
        text = Text() if chosen is None else remediation_text(chosen[1], self.settings.read_only)
        self.query_one("#remediation-text", Static).update(text)

    # Actions --------------------------------------------------------------------------------

    @on(Input.Submitted, "#destination")
    def destination_entered(self, event: Input.Submitted) -> None:
        """A new destination: re-run every check."""
        self.destination = event.value.strip()
        self.withheld = False
        self.chosen = True
        self.source_down = None  # the operator's choice, said as it is
        self.start_checks()
        self.query_one("#checks-table", DataTable).focus()

    def action_focus_destination(self) -> None:
        """Edit the destination vault ARN."""
        self.query_one("#destination", Input).focus()

    def action_sort(self, column: str) -> None:
        """Sort the checks by `column` (again: the other way); Status puts the worst first."""
        self.sort.choose(column)
        table = self.query_one("#checks-table", DataTable)
        self.sort.relabel(table, (*CHECK_COLUMNS, EVIDENCE_COLUMN))
        self.refresh_table()

    def action_recheck(self) -> None:
        """Run every check again (asking again for roles AWS refused)."""
        # The memory of the sessions this screen reads through (they may no longer be the
        # app's, after the setup screen's retry); RefusedRoles takes its own lock.
        self.sessions.refused_roles.forget()
        self.sessions.region_health.forget()
        self.start_checks()

    def action_back(self) -> None:
        """Back to the recovery point."""
        self.app.pop_screen()

    def action_fix(self) -> None:
        """Plan the highlighted check's fix, show its diff, and apply it once confirmed."""
        from drconsole.tui.fix_offer import offer_fix

        chosen = self.selected()
        if chosen is None:
            return
        group, check = chosen
        offer_fix(self, check, self.group_facts.get(group), self.settings.read_only, self.apply)

    @work(thread=True, exit_on_error=False, group="fix")
    def apply(self, plan: FixPlan) -> None:
        """Apply a confirmed fix (audited), then re-check."""
        from drconsole.tui.fix_offer import apply_and_tell

        if apply_and_tell(self, self.sessions, plan):
            self.app.call_from_thread(self.start_checks)


def describe(error: BaseException) -> str:
    """One safe line saying what went wrong, after its cause code (DESIGN.md section 6)."""
    from drconsole.aws.errors import classify
    from drconsole.tui.screens.dialogs import report_for

    return f"{classify(error).value}: {report_for(error, '').description}"
