"""Readiness: could every workload account and Region recover right now? One row each, worst
first, as each is decided; Enter opens a row's failing checks with their fixes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType

from drconsole.readiness.export_html import runbook_held
from drconsole.tui import formatting as fmt
from drconsole.tui.command_mode import Command, register
from drconsole.tui.readiness_feed import VERDICT_STYLES, RowKey
from drconsole.tui.screens.table import TableRow, TableScreen
from drconsole.tui.widgets.plain import Static

if TYPE_CHECKING:
    from drconsole.readiness.model import ReadinessRow, ResourceReadiness
    from drconsole.tui.app import DrConsoleApp
    from drconsole.tui.readiness_feed import ReadinessFeed

# Columns other than Causes keep their width; Causes is cut (with …) to fit the terminal, its
# whole text is in the line under the table.
CAUSES_COLUMN = 3
MIN_CAUSES_WIDTH = 12
# Columns left out, in this order, when the first cause would not fit whole.
GIVE_WAY = ("drill", "copies")


def row_key(key: RowKey) -> str:
    """A table row key for (account id, Region)."""
    return f"{key[0]}|{key[1]}"


def key_of(text: str) -> RowKey:
    """The (account id, Region) of a table row key."""
    account, _, region = text.partition("|")
    return (account, region)


def verdict_text(row: ReadinessRow, rechecking: bool = False) -> Text:
    """The verdict in its colour ("…" after it while the row is re-evaluated)."""
    text = Text(row.verdict.value, style=VERDICT_STYLES[row.verdict.value])
    return text + Text(" …", style="dim") if rechecking else text


def causes_text(row: ReadinessRow) -> str:
    """The cause codes that decided the verdict, most frequent first ('-' for none)."""
    return " ".join(cause.value for cause in row.causes) or "-"


def short_causes(causes: str) -> str:
    """'A B C' as 'A +2': the deciding cause whole, and how many more there are."""
    words = causes.split()
    return words[0] + (f" +{len(words) - 1}" if len(words) > 1 else "") if words else causes


def stalest_backup(row: ReadinessRow, now: datetime) -> tuple[timedelta | None, bool]:
    """The oldest newest backup among the row's resources (its worst current RPO), and whether
    some resource's backup time could not be read."""
    ages = [r.backup_age(now) for r in row.resources]
    known = [age for age in ages if age is not None]
    return (max(known) if known else None), len(known) < len(ages)


def over_objective_now(row: ReadinessRow, now: datetime) -> int:
    """How many resources are over their RPO objective at `now`: those the verdict found over
    it, and those whose newest backup has aged past it since (the screen stays open for
    days; the ages beside the mark move, so the mark moves with them)."""

    def over(resource: ResourceReadiness) -> bool:
        age = resource.backup_age(now)
        objective = resource.rpo_objective or row.rpo_objective
        return resource.over_objective or (age is not None and age > objective)

    return sum(1 for resource in row.resources if over(resource))


def rpo_cell(row: ReadinessRow, now: datetime) -> Text:
    """The worst current RPO, `!` when a resource exceeds the objective at `now`, `?` when
    unread."""
    age, unread = stalest_backup(row, now)
    unread = unread or (bool(row.unreadable) and not row.resources)
    if age is None:
        return Text("?" if unread else "-", style="bold red" if unread else "")
    over = over_objective_now(row, now)
    marks = (" !" if over else "") + ("?" if unread else "")
    style = "bold red" if over or unread else ""
    return Text(fmt.human_age(age) + marks, style=style)


def decided_text(decided: datetime | None, now: datetime) -> str:
    """When the verdicts shown were decided — `decided 11-23 12:00Z, 3d ago` — or '' before
    any row was (`ReadinessFeed.decided_at`)."""
    if decided is None:
        return ""
    return f"decided {decided.astimezone(UTC):%m-%d %H:%M}Z, {fmt.human_age(now - decided)} ago"


def verdict_matches(row: TableRow, query: str) -> bool:
    """False when the query's whole word `ready` matched the row only inside `NOT READY`:
    `ready` means READY, `not ready` NOT READY (the filter otherwise matches any part)."""
    from drconsole.readiness.model import Verdict

    words = query.lower().split()
    if "ready" not in words or "not" in words or row.fields[4] != Verdict.NOT_READY.value:
        return True
    # The row's text without its verdict (between the causes and the OU path).
    return "ready" in row.search.replace(" not ready ", " ", 1)


def stale_copies_now(row: ReadinessRow, now: datetime) -> int:
    """How many resources' newest DR copy is older than their RPO objective at `now`: those
    the verdict found so, and those whose copy has aged past it since (as the RPO's `!`)."""

    def stale(resource: ResourceReadiness) -> bool:
        age = resource.copy_age(now)
        objective = resource.rpo_objective or row.rpo_objective
        known = resource.dr_copy_known and resource.dr_copy is not None
        return resource.copy_over_objective or (known and age is not None and age > objective)

    return sum(1 for resource in row.resources if stale(resource))


def copies_cell(row: ReadinessRow, now: datetime | None = None) -> Text:
    """Resources with a copy in the backup account, of those protected (`!` if one has none
    or a newest copy older than the RPO objective at `now`, the verdict's time by default)."""
    if row.unreadable and not row.resources:  # the resources themselves could not be listed
        return Text("?", style="bold red")
    stale = len(row.stale_copies) if now is None else stale_copies_now(row, now)
    missing = len(row.without_copy) + stale
    # copies not found where the backup account could not be read are unknown, not missing
    unknown = "?" if row.copy_unknown else ""
    text = f"{row.with_copy}/{row.protected}" + (" !" if missing else "") + unknown
    return Text(text, style="bold red" if missing or unknown else "")


def newest_drill(row: ReadinessRow) -> datetime | None:
    """When the newest passing drill that covered one of the row's resources finished."""
    finished = [r.drill.finished for r in row.resources if r.drill is not None]
    return max(finished) if finished else None


def drill_cell(row: ReadinessRow, now: datetime) -> str:
    """The newest passing drill's age, or 'never'."""
    finished = newest_drill(row)
    return "never" if finished is None else fmt.human_age(now - finished)


class ReadinessScreen(TableScreen):
    """One row per workload account and Region: verdict, causes, RPO, DR copies, drills."""

    COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("account", "Account"),
        ("region", "Region"),
        ("verdict", "Verdict"),
        ("causes", "Causes"),
        ("rpo", "RPO"),
        ("copies", "Copies"),
        ("drill", "Drill"),
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Checks & fixes"),
    ]
    SORT_KEYS: ClassVar[dict[str, str]] = {
        "A": "account",
        "R": "region",
        "V": "verdict",
        "C": "causes",
        "O": "rpo",
        "P": "copies",
        "D": "drill",
    }
    DEFAULT_CSS = """
    ReadinessScreen #readiness-why { height: 3; padding: 0 1; border-top: solid $accent;
        text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, trail: tuple[str, ...] = ("Organization",), query: str = "") -> None:
        super().__init__((*trail, "Readiness"))
        self.initial_query = query
        self.shown_once = False

    @property
    def feed(self) -> ReadinessFeed:
        """The console's readiness (shared with the accounts screen)."""
        return self.drapp.readiness

    def compose_body(self) -> ComposeResult:
        yield from super().compose_body()
        yield Static("", id="readiness-why")

    def on_mount(self) -> None:
        self.feed.changed.subscribe(self, self.readiness_changed)

    def action_refresh(self) -> None:
        # The first call (on mount) shows what is known (and starts the evaluation unless it
        # ran or runs); `r` evaluates everything again (and asks again for refused roles:
        # BrowseScreen.action_reload).
        if self.shown_once:
            self.feed.start(again=True)
            return
        self.shown_once = True
        self.feed.start()
        if self.initial_query:
            self.filter_for(self.initial_query)
        else:
            self.rebuild()

    def readiness_changed(self, keys: set[RowKey] | None) -> None:
        """Rows were decided (or re-evaluated): show them soon, in one rebuild per burst."""
        self.schedule_rebuild()

    # Display -------------------------------------------------------------------------------

    def table_rows(self) -> list[TableRow]:
        now = self.drapp.now()
        rechecking = self.feed.rechecking

        def worst_first(row: ReadinessRow) -> tuple[int, str, str]:
            return (-row.verdict.rank, row.account_name.lower(), row.region)

        rows: list[TableRow] = []
        for row in sorted(self.feed.rows.values(), key=worst_first):
            causes = causes_text(row)
            age, _ = stalest_backup(row, now)
            finished = newest_drill(row)
            cells = (
                row.account_name,
                row.region,
                verdict_text(row, row.key in rechecking),
                causes,
                rpo_cell(row, now),
                copies_cell(row, now),
                drill_cell(row, now),
            )
            fields = (row.account_name, row.account_id, row.region, causes, row.verdict.value)
            search = " ".join((*fields, row.ou_path)).lower()
            ratio = row.with_copy / row.protected if row.protected else None
            values = (
                None,
                None,
                row.verdict.rank,
                None,
                None if age is None else age.total_seconds(),
                ratio,
                None if finished is None else (now - finished).total_seconds(),
            )
            rows.append(TableRow(row_key(row.key), cells, search, True, fields, values))
        return self.fit_causes(rows)

    def fit_causes(self, rows: list[TableRow]) -> list[TableRow]:
        """Make the Causes column fit the terminal: every cause when there is room, else the
        first whole with `+N` (Drill, then Copies, give way for it on a narrow terminal), cut
        with … as a last resort. The line under the table always says them all."""
        available = self.table.scrollable_content_region.width
        if not available or not rows:
            return rows
        widths = {}
        for index, (key, label) in enumerate(self.COLUMNS):
            if index != CAUSES_COLUMN:
                widest = max(Text(str(row.cells[index])).cell_len for row in rows)
                widths[key] = max(widest, len(label)) + 2  # a cell's padding, one each side

        def room(hidden: frozenset[str]) -> int:
            return available - sum(w for key, w in widths.items() if key not in hidden) - 2

        compact = {row.key: short_causes(row.fields[3]) for row in rows}
        needed = max(len(text) for text in compact.values())
        hidden: frozenset[str] = frozenset()
        for column in GIVE_WAY:
            if room(hidden) >= needed:
                break
            hidden = hidden | {column}
        self.hidden_columns = hidden
        limit = max(room(hidden), MIN_CAUSES_WIDTH)
        fitted = []
        for row in rows:
            causes = str(row.cells[CAUSES_COLUMN])
            if len(causes) > limit:
                cells = list(row.cells)
                cells[CAUSES_COLUMN] = fmt.fit(compact[row.key], limit).rstrip()
                row = TableRow(row.key, tuple(cells), row.search, True, row.fields, row.values)
            fitted.append(row)
        return fitted

    def filter_rows(self, rows: list[TableRow], query: str) -> list[TableRow]:
        kept = super().filter_rows(rows, query)
        return [row for row in kept if verdict_matches(row, query)]

    def on_resize(self, event: events.Resize) -> None:
        # (BrowseScreen's own handler runs too: Textual calls each class's handler.)
        self.schedule_rebuild()

    def rebuild(self) -> None:
        super().rebuild()
        self.show_why()

    def on_data_table_row_highlighted(self) -> None:
        self.show_why()

    def show_why(self) -> None:
        """Under the table: the highlighted row's causes whole, why, and what it holds."""
        row = self.highlighted_row()
        why = self.query_one("#readiness-why", Static)
        if row is None:
            why.update("")
            return
        name = f"{row.account_name} ({row.account_id}) {row.region}"
        text = Text(f"{name}: ")
        text.append(row.verdict.value, style=VERDICT_STYLES[row.verdict.value])
        if row.causes:
            text.append(" — " + ", ".join(cause.value for cause in row.causes))
        reason = row.explanation[0] if row.explanation else ""
        if not reason and row.unreadable:
            reason = row.unreadable[0]
        text.append("\n" + (reason or "every check passed"))
        objective = fmt.human_age(row.rpo_objective)
        over = over_objective_now(row, self.drapp.now())
        stale = stale_copies_now(row, self.drapp.now())
        text.append(
            f"\n{row.protected} resources · {over} over the {objective} RPO "
            f"objective{runbook_held(row)} · {row.with_copy} copied to the backup account"
            + (f" ({stale} copies over the objective)" if stale else "")
            + f" · {row.drilled} drilled"
        )
        why.update(text)

    def update_status(self, shown: int, total: int) -> None:
        feed = self.feed
        counts = feed.counts()
        said = ", ".join(f"{n} {verdict.value}" for verdict, n in counts.items() if n)
        text = f"{total} account-Regions" + (f": {said}" if said else "")
        if feed.state == "running":
            text += "  deciding…"
            if feed.accounts_total:
                text += f" {feed.accounts_total} accounts in {len(self.drapp.regions())} Regions"
        elif feed.state == "failed":
            text += f"  stopped: {feed.error}"
        elif feed.state == "done" and not total:
            text += "  (no workload account has protected resources)"
        decided = decided_text(feed.decided_at(), self.drapp.now())
        if decided:
            text += f" · {decided}"
        if self.query_text:
            text += f"  {shown} match {self.query_text!r}"
        text += f" · {self.regions_label()}"
        self.set_status(text)

    # Actions -------------------------------------------------------------------------------

    def highlighted_row(self) -> ReadinessRow | None:
        """The row under the cursor."""
        key = self.highlighted_key()
        return None if key is None else self.feed.rows.get(key_of(key))

    def open_row(self, key: str) -> None:
        from drconsole.tui.readiness_checks import ReadinessChecksScreen

        row = self.feed.rows.get(key_of(key))
        if row is not None:
            # The row opened is the operator's choice: it keeps the cursor when the row moves
            # (a fix turns it READY, and READY rows sort last).
            self.table.moved_by_user = True
            self.app.push_screen(ReadinessChecksScreen(row.key, self.trail, row.account_name))

    def action_open(self) -> None:
        key = self.highlighted_key()
        if key is not None:
            self.open_row(key)


def _open_readiness(app: DrConsoleApp, argument: str) -> None:
    app.goto(ReadinessScreen(query=argument))


register(
    Command(
        ("readiness", "ready", "rd"),
        "could every account and Region recover now (a name filters)",
        _open_readiness,
        "[filter]",
    )
)
