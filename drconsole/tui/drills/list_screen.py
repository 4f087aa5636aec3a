"""The Drills screen: the runbooks of the runbooks folder, each with its last result and the
trend of its RTO, and the past runs of the highlighted one (Enter opens a report)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, ListItem, ListView, Sparkline

from drconsole.drills.parse import format_duration
from drconsole.tui.drills.list_cells import (
    VERDICT_STYLE,
    last_result,
    left_text,
    run_time,
    shown_folder,
)
from drconsole.tui.screens.base import BrowseScreen
from drconsole.tui.screens.table import matches
from drconsole.tui.widgets.fitted_table import FittedTable
from drconsole.tui.widgets.plain import Static

if TYPE_CHECKING:
    from drconsole.drills.catalog import Catalog, RunbookEntry
    from drconsole.drills.runbook import Runbook

TREND_RUNS = 12  # runs drawn in the sparkline (the newest)


class RunbookItem(ListItem):
    """One runbook: name, last result, RTO trend."""

    def __init__(self, entry: RunbookEntry, running: bool) -> None:
        super().__init__()
        self.entry = entry
        self.running = running

    def compose(self) -> ComposeResult:
        with Horizontal(classes="runbook-row"):
            yield Static(self.entry.name, classes="runbook-name")
            yield Static(last_result(self.entry, self.running), classes="runbook-last")
            with Horizontal(classes="trend-column"):
                trend = self.entry.rto_trend[-TREND_RUNS:]
                if trend:
                    # One column per run, so that a few runs do not stretch into wide blocks.
                    line = Sparkline(trend, classes="runbook-trend")
                    line.styles.width = len(trend)
                    yield line


class DrillsScreen(BrowseScreen):
    """Runbooks of the runbooks folder; Enter plans one, `o` opens its last report, `R`
    resumes an unfinished run (the highlighted past run, or the runbook's last), `x` abandons
    it, or cleans up a finished one that left what it created."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Plan"),
        Binding("o", "last_report", "Last report"),
        Binding("R", "resume_drill", "Resume drill"),
        Binding(
            "x",
            "abandon_drill",
            "Abandon",  # short: the footer fits at 80 columns; the help says the rest
            tooltip="the unfinished run, deleting what it created (drill cleanup)",
        ),
        # The same key on a finished run that left what it created: only one of the two is
        # offered at a time (a run is either unfinished or finished).
        Binding(
            "x",
            "clean_up_drill",
            "Clean up",
            tooltip="delete what the finished run left (drill cleanup)",
        ),
        Binding("tab", "switch_list", "Runs/runbooks", show=False),
    ]
    DEFAULT_CSS = """
    DrillsScreen #drills-folder { height: 1; padding: 0 1; color: $text-muted;
        text-wrap: nowrap; text-overflow: ellipsis; }
    DrillsScreen #runbooks-header { height: 1; padding: 0 1; text-style: bold; }
    DrillsScreen #runbooks-header Static { text-style: bold; }
    DrillsScreen #runbooks { height: 1fr; min-height: 3; }
    DrillsScreen .runbook-row { height: 1; padding: 0 1; }
    DrillsScreen .runbook-name { width: 22; text-wrap: nowrap; text-overflow: ellipsis; }
    DrillsScreen .runbook-last { width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
    DrillsScreen .trend-column { width: 13; height: 1; padding-left: 1; }
    DrillsScreen #runbook-detail { height: auto; max-height: 3; padding: 0 1; }
    DrillsScreen #runs { height: auto; max-height: 7; }
    """

    class Loaded(Message):
        """The folder's runbooks and their history, read in a worker."""

        def __init__(self, catalog: Catalog) -> None:
            super().__init__()
            self.catalog = catalog

    class ResumeReady(Message):
        """An unfinished run's runbook, read again as it started (or why it cannot resume)."""

        def __init__(self, run_id: str, runbook: Runbook | None, problem: str = "") -> None:
            super().__init__()
            self.run_id = run_id
            self.runbook = runbook
            self.problem = problem

    def __init__(self, query: str = "") -> None:
        super().__init__(("Drills",))
        self.catalog: Catalog | None = None
        self.shown: list[RunbookEntry] = []
        self.initial_query = query
        self.load_failed = False
        # A filter just typed: its first match is highlighted (else the runbook highlighted
        # before stays so, wherever the list puts it).
        self._new_filter = False

    def compose_body(self) -> ComposeResult:
        yield Static("", id="drills-folder")
        with Horizontal(id="runbooks-header"):
            yield Static("Runbook", classes="runbook-name")
            yield Static("Last result", classes="runbook-last")
            yield Static(" RTO trend", classes="trend-column")
        yield ListView(id="runbooks")
        yield Static("", id="runbook-detail")
        runs: DataTable[Any] = FittedTable(id="runs", cursor_type="row")
        yield runs

    def main_widget(self) -> Widget:
        return self.query_one("#runbooks", ListView)

    def on_mount(self) -> None:
        self.query_one("#runs", DataTable).add_columns(
            "Past runs (UTC)", "Verdict", "RPO", "RTO", "Run id"
        )
        self.set_focus(self.main_widget())  # now, not after a refresh: see TableScreen
        if self.initial_query:
            self.filter_for(self.initial_query)
        self.action_refresh()

    @property
    def keys_wait(self) -> bool:
        """Keys typed ahead (`:drills` Enter `/name` Enter Enter) wait for the runbooks to be
        listed, so that the filter and Enter find them (tui/key_order.py)."""
        return self.catalog is None and not self.load_failed

    def loading_failed(self) -> None:
        self.load_failed = True
        super().loading_failed()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        if self.catalog is not None:  # back from a drill: its result is history now
            self.action_refresh()

    # Loading -------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.set_status(f"reading runbooks in {self.drapp.settings.runbooks_dir}…")
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="drills-list")
    def load(self) -> None:
        """Parse the folder's runbooks and read the drill history."""
        from drconsole.drills.catalog import load_catalog

        settings = self.drapp.settings
        self.post_message(self.Loaded(load_catalog(settings.runbooks_dir, settings.state_dir)))

    def on_drills_screen_loaded(self, message: Loaded) -> None:
        self.catalog = message.catalog
        settings = self.drapp.settings
        where = {
            "--runbooks": "from --runbooks",
            "config file": "runbooks_dir of the config file",
            "default": "the default folder",
            "demo": "the demo's example runbooks",
        }.get(settings.runbooks_dir_source, settings.runbooks_dir_source)
        folder = shown_folder(message.catalog.folder)
        self.query_one("#drills-folder", Static).update(f"{folder} ({where})")
        self.show_runbooks()

    def live_drill(self, path: Path | str) -> Screen[None] | None:
        """The view of the drill of the runbook at `path` running in this console, if any."""
        return self.drapp.drill_screens.get(str(Path(path).resolve()))

    def running(self, entry: RunbookEntry) -> bool:
        """True while a drill of this runbook runs in this console."""
        return self.live_drill(entry.path) is not None

    def show_runbooks(self) -> None:
        catalog = self.catalog
        if catalog is None:
            return
        listing = self.query_one("#runbooks", ListView)
        index = listing.index or 0
        before = self.highlighted()
        query = self.query_text.lower().strip()
        self.shown = [
            e
            for e in catalog.entries
            if not query or matches(f"{e.name} {e.shown_path} {e.error}".lower(), query)
        ]
        listing.clear()
        listing.extend(RunbookItem(entry, self.running(entry)) for entry in self.shown)
        if self.shown:
            # The same runbook, not the same line: a runbook added above it (the folder read
            # again) or the filter cleared would otherwise put another under the cursor.
            kept = None if before is None or self._new_filter else before.path
            same = next((i for i, e in enumerate(self.shown) if e.path == kept), None)
            first = 0 if self._new_filter else min(index, len(self.shown) - 1)
            listing.index = first if same is None else same
        self._new_filter = False
        broken = sum(1 for e in catalog.entries if e.runbook is None)
        if catalog.problem:
            text = f"{catalog.problem}: put runbook files (*.yaml) there, or pass --runbooks DIR"
        elif not catalog.entries:
            text = f"no runbook (*.yaml) in {catalog.folder}"
        else:
            count = len(catalog.entries)
            text = f"{count} runbook{'s' if count != 1 else ''}" + (
                f", {broken} that do not parse" if broken else ""
            )
            runs = "" if self.drapp.settings.read_only else " (then R runs)"
            text += f" │ Enter plans{runs}, o opens the last report"
            lasts = [e.last for e in catalog.entries if e.last is not None]
            if not self.drapp.settings.read_only:
                if any(last["verdict"] == "unfinished" for last in lasts):
                    text += ", R resumes an unfinished run, x abandons it"
                if any(left_text(last) for last in lasts):
                    text += ", x cleans up what a run left"
            if query:
                text += f" │ filter {self.query_text!r}: {len(self.shown)} shown"
        if catalog.note:
            text += f" │ {catalog.note}"
        self.set_status(text)
        self.show_detail()

    def apply_filter(self, query: str) -> None:
        self._new_filter = bool(query.strip())
        self.show_runbooks()

    # The highlighted runbook ---------------------------------------------------------------

    def highlighted(self) -> RunbookEntry | None:
        index = self.query_one("#runbooks", ListView).index
        if index is None or not 0 <= index < len(self.shown):
            return None
        return self.shown[index]

    def highlighted_run(self, entry: RunbookEntry) -> dict[str, Any] | None:
        """The past run of `entry` highlighted in the past runs (shown newest first)."""
        table = self.query_one("#runs", DataTable)
        past = list(reversed(entry.runs))
        return past[table.cursor_row] if 0 <= table.cursor_row < len(past) else None

    @on(ListView.Highlighted, "#runbooks")
    def _highlighted(self) -> None:
        self.show_detail()

    @on(DataTable.RowHighlighted, "#runs")
    def _run_highlighted(self) -> None:
        self.refresh_bindings()  # `R` follows the highlighted run

    def show_detail(self) -> None:
        """The highlighted runbook's description (or error, whole) and its past runs."""
        entry = self.highlighted()
        detail = self.query_one("#runbook-detail", Static)
        runs = self.query_one("#runs", DataTable)
        runs.clear()
        if entry is None:
            detail.update("")
            return
        if entry.runbook is None:
            detail.update(Text(entry.error, style="red"))
            return
        runbook = entry.runbook
        targets = ", ".join(t.name for t in runbook.targets)
        text = Text(f"{entry.shown_path}: ", style="bold")
        text.append(f"{runbook.description or runbook.name} ({targets})")
        last = entry.last
        if last is not None and last["verdict"] == "unfinished":
            if self.drapp.settings.read_only:
                how = f"drconsole drill resume {last['run_id']} (not in read-only mode)"
            elif self.running(entry):
                how = "running in this console: Enter shows it"
            else:
                # (short enough for an 80-column terminal with the run id before it)
                how = "R resumes it, x abandons it"
            text.append(f"\nunfinished run {last['run_id']}: {how}", style="bold")
        elif last is not None and left_text(last):
            how = (
                f"drconsole drill cleanup {last['run_id']} (not in read-only mode)"
                if self.drapp.settings.read_only
                else "x cleans it up"
            )
            text.append(
                f"\nrun {last['run_id']} left {last['left']} of what it created: {how}",
                style="bold",
            )
        detail.update(text)
        for run in reversed(entry.runs):
            verdict = str(run["verdict"])
            runs.add_row(
                run_time(run.get("started")),
                Text(verdict, style=VERDICT_STYLE.get(verdict, "")).append_text(left_text(run)),
                format_duration(run.get("rpo_seconds")),
                format_duration(run.get("rto_seconds")),
                str(run["run_id"]),
                key=str(run["run_id"]),
            )
        self.refresh_bindings()

    # Actions -------------------------------------------------------------------------------

    @on(ListView.Selected, "#runbooks")
    def _selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        """Enter: the plan of the highlighted runbook (or its running drill), or the report of
        the highlighted past run."""
        if self.focused is self.query_one("#runs", DataTable):
            self.open_run_report()
            return
        entry = self.highlighted()
        if entry is None:
            return
        if entry.runbook is None:
            self.notify(entry.error, title="This runbook cannot be run", severity="error")
            return
        from drconsole.tui.drills.run_screen import DrillScreen

        live = self.live_drill(entry.path)
        self.app.push_screen(live if live is not None else DrillScreen(entry.runbook))

    @on(DataTable.RowSelected, "#runs")
    def open_run_report(self) -> None:
        """The report of the highlighted past run."""
        entry = self.highlighted()
        run = None if entry is None else self.highlighted_run(entry)
        if run is not None:
            self.open_report(run)

    def action_last_report(self) -> None:
        """The newest report of the highlighted runbook."""
        entry = self.highlighted()
        if entry is None or entry.last is None:
            self.notify("This runbook has no report yet: Enter plans it.")
            return
        self.open_report(entry.last)

    def open_report(self, run: dict[str, Any]) -> None:
        """Open a run's report.json in the report view."""
        from drconsole.tui.drills.report_screen import DrillReportScreen

        if not run.get("report"):
            how = (
                f"drconsole drill resume {run['run_id']}"
                if self.drapp.settings.read_only
                else "R resumes it"
            )
            self.notify(f"Run {run['run_id']} has not finished: {how}", severity="warning")
            return
        try:
            screen = DrillReportScreen.from_file(Path(str(run["report"])))
        except (OSError, ValueError) as exc:
            self.notify(f"{run['report']}: {exc}", title="Cannot read the report", severity="error")
            return
        self.app.push_screen(screen)

    def action_switch_list(self) -> None:
        """Tab: between the runbooks and the past runs."""
        runs = self.query_one("#runs", DataTable)
        target = self.main_widget() if self.focused is runs else runs
        self.set_focus(target)
        self.refresh_bindings()  # `R` means the highlighted run there, the last one here

    # Resuming an unfinished run ------------------------------------------------------------

    def run_to_resume(self) -> str | None:
        """The unfinished run `R` resumes and `x` abandons: the highlighted past run when the
        past runs have the focus, else the highlighted runbook's last run. None when there is
        none, in read-only mode, or while a drill of the runbook runs in this console."""
        entry = self.highlighted()
        if entry is None or entry.runbook is None or self.drapp.settings.read_only:
            return None
        if self.running(entry):
            return None  # one live view per runbook: Enter shows it
        if self.focused is self.query_one("#runs", DataTable):
            run = self.highlighted_run(entry)
        else:
            run = entry.last
        if run is None or run["verdict"] != "unfinished":
            return None
        return str(run["run_id"])

    def run_to_clean_up(self) -> dict[str, Any] | None:
        """The finished run `x` cleans up: as for `run_to_resume`, one whose clean-up left what
        it created. None when there is none, or in read-only mode."""
        entry = self.highlighted()
        if entry is None or self.drapp.settings.read_only:
            return None
        if self.focused is self.query_one("#runs", DataTable):
            run = self.highlighted_run(entry)
        else:
            run = entry.last
        return run if run is not None and left_text(run) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        wanted = {
            "resume_drill": self.run_to_resume,
            "abandon_drill": self.run_to_resume,
            "clean_up_drill": self.run_to_clean_up,
        }.get(action)
        if wanted is not None:
            try:
                offered = wanted() is not None
            except NoMatches:  # asked before the lists are composed
                offered = False
            if not offered:
                return False  # hidden from the footer (and `x` means the other one)
        return super().check_action(action, parameters)

    def action_resume_drill(self) -> None:
        """`R`: read the run's runbook again (in a worker), then ask before resuming it."""
        if self.drapp.settings.read_only:  # the binding is hidden; the runner refuses too
            self.notify("Read-only mode: resuming a drill starts jobs.", severity="warning")
            return
        run_id = self.run_to_resume()
        if run_id is not None:
            self.read_run_to_resume(run_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="drill-resume")
    def read_run_to_resume(self, run_id: str) -> None:
        """The runbook the run started with (`drill resume`'s own check that it is unchanged)."""
        from drconsole.drills.resume import runbook_to_resume
        from drconsole.errors import DrConsoleError

        try:
            runbook, state = runbook_to_resume(self.drapp.settings.state_dir, run_id)
        except DrConsoleError as exc:
            self.post_message(self.ResumeReady(run_id, None, str(exc)))
            return
        if state.end is not None:  # finished elsewhere since the list was read
            self.post_message(self.ResumeReady(run_id, None, "it has finished since (r shows it)"))
            return
        self.post_message(self.ResumeReady(run_id, runbook))

    def on_drills_screen_resume_ready(self, message: ResumeReady) -> None:
        from drconsole.tui.screens.confirm import ConfirmDialog

        run_id, runbook = message.run_id, message.runbook
        if runbook is None:
            self.notify(f"Run {run_id}: {message.problem}", title="Cannot resume", severity="error")
            return
        detail = (
            f"Run {run_id} of {runbook.name} carries on from its journal, as `drconsole drill "
            "resume` does: a job already started is waited on, never started again; targets "
            "already decided stay as they are; manual steps not yet answered are asked here; "
            f"clean-up: {runbook.cleanup}."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.resume(runbook, run_id)

        self.app.push_screen(
            ConfirmDialog(f"Resume drill {runbook.name}?", detail, yes="Resume"), answered
        )

    def action_abandon_drill(self) -> None:
        """`x`: ask, then abandon the unfinished run `R` would resume (`drill cleanup`'s code)."""
        from drconsole.tui.drills.abandon_screen import ask_to_abandon

        entry, run_id = self.highlighted(), self.run_to_resume()
        if entry is not None and run_id is not None:  # hidden else; refused below the UI too
            ask_to_abandon(self, run_id, entry.name)

    def action_clean_up_drill(self) -> None:
        """`x` on a finished run that left what it created: ask, then clean it up (`drill
        cleanup`'s code, in the same view as an abandon)."""
        from drconsole.tui.drills.abandon_screen import ask_to_clean_up

        entry, run = self.highlighted(), self.run_to_clean_up()
        if entry is not None and run is not None:  # hidden else; refused below the UI too
            ask_to_clean_up(self, str(run["run_id"]), entry.name, int(run["left"]))

    def resume(self, runbook: Runbook, run_id: str) -> None:
        """The run view of a fresh run, resuming `run_id` at once."""
        from drconsole.tui.drills.run_screen import DrillScreen

        live = self.live_drill(runbook.path)
        if live is not None:  # started here meanwhile: show it rather than run it twice
            self.app.push_screen(live)
            return
        self.app.push_screen(DrillScreen(runbook, resume_run=run_id))
