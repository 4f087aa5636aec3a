"""The jobs screen: what failed overnight, and the flows to resume.

Backup, copy and restore jobs of every account and Region (organization-wide from the
management account), newest first, with time, account name, state and explained cause; the
journal's flows above them with their jobs' states asked of AWS, an interrupted flow said so.
The flows show (and Enter resumes one) before the listing of every account has answered.
Above the jobs, AWS's job summaries for the organization: they answer in one call per kind and
Region, so the counts and the accounts with failures show while the jobs still load.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable

from drconsole.diagnose import is_problem, job_diagnosis
from drconsole.redact import escape_controls
from drconsole.tui.column_sort import ColumnSort, keep_cursor_on, sort_bindings
from drconsole.tui.job_rows import (
    JOB_COLUMNS,
    JOB_SORT_KEYS,
    job_cells,
    job_key,
    job_sort_value,
    search_text,
)
from drconsole.tui.screens.base import BrowseScreen
from drconsole.tui.screens.dialogs import report_for
from drconsole.tui.screens.table import cursor_key, matches
from drconsole.tui.widgets.fitted_table import FittedTable
from drconsole.tui.widgets.job_summary import JobSummaryLine
from drconsole.tui.widgets.plain import Static

if TYPE_CHECKING:
    from drconsole.aws.job_history import Job
    from drconsole.aws.job_summaries import JobSummaries
    from drconsole.flows.journal import FlowState

FINISHED_FLOWS_SHOWN = 5
IN_FLIGHT = frozenset({"CREATED", "PENDING", "RUNNING", "ABORTING"})
PERIODS = (timedelta(hours=24), timedelta(days=7), timedelta(days=30))
FLOW_STYLE = {"failed": "bold red", "blocked": "yellow", "interrupted": "bold yellow"}


def period_label(period: timedelta) -> str:
    """`24h`, `7d`, `30d`."""
    hours = int(period.total_seconds() // 3600)
    return f"{hours}h" if hours < 48 else f"{hours // 24}d"


class JobsScreen(BrowseScreen):
    """Flows from the journal and jobs from AWS, refreshed every few seconds."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "toggle_all", "All/problems"),
        Binding("t", "period", "Period"),
        Binding("enter", "resume", "Resume flow", show=False),
        Binding("x", "abandon", "Abandon flow", show=False),
        *sort_bindings(JOB_SORT_KEYS, dict(JOB_COLUMNS)),
    ]
    DEFAULT_CSS = """
    JobsScreen #flows { height: auto; max-height: 5; }
    JobsScreen #jobs { height: 1fr; }
    JobsScreen #jobs-detail { height: 4; padding: 0 1; color: $warning; }
    """
    REFRESH_SECONDS = 10.0

    class FlowsLoaded(Message):
        """The journal's flows with their jobs' states, read in a worker before the jobs."""

        def __init__(
            self,
            flows: list[dict[str, Any]],
            flow_states: list[FlowState],
            errors: list[str],
            asked: int,
        ) -> None:
            super().__init__()
            self.asked = asked  # which load this answers (see JobsScreen.reload)
            self.flows = flows
            self.flow_states = flow_states
            self.errors = errors

    class Loaded(Message):
        """The organization's jobs of a period, read in a worker after the flows."""

        def __init__(
            self, jobs: list[Job], errors: list[str], scope: str, period: timedelta, asked: int
        ) -> None:
            super().__init__()
            self.period = period  # the period these jobs are of
            self.asked = asked  # which load this answers (see JobsScreen.reload)
            self.jobs = jobs
            self.errors = errors
            self.scope = scope

    class Summarized(Message):
        """AWS's job summaries of a period, read in a worker."""

        def __init__(self, summaries: JobSummaries, period: timedelta) -> None:
            super().__init__()
            self.summaries = summaries
            self.period = period

    def __init__(self, trail: tuple[str, ...] = ("Jobs",)) -> None:
        super().__init__(trail)
        self.flows: list[FlowState] = []
        self.flow_summaries: list[dict[str, Any]] = []
        self.flow_errors: list[str] = []
        # Its summaries were refused for want of the organization: asked again once it is read.
        self.summaries_wait = False
        self.jobs: list[Job] = []
        self.shown: list[Job] = []
        self.errors: list[str] = []
        self.scope = ""
        self.show_all = False
        self.period = PERIODS[0]
        self.loaded = False  # the jobs (the flows come first: flows_shown)
        # Loads asked, and the newest one shown: a thread worker superseded by a newer load
        # still answers (Textual cannot stop it), and its answer must not replace a newer one.
        self.loads_asked = 0
        self.load_shown = 0
        self.flows_shown = 0
        # Newest first until the operator sorts by another column (Shift+letter).
        self.sort = ColumnSort("time", descending=True, high_first=frozenset({"time"}))

    def compose_body(self) -> ComposeResult:
        flows: DataTable[Any] = FittedTable(id="flows", cursor_type="row")
        flows.display = False
        yield flows
        yield JobSummaryLine(id="jobs-summary")
        yield FittedTable(id="jobs", cursor_type="row", zebra_stripes=True)
        yield Static(id="jobs-detail")

    def main_widget(self) -> Widget:
        return self.query_one("#jobs", DataTable)

    def on_mount(self) -> None:
        self.query_one("#flows", DataTable).add_columns("Flow", "Status", "Step", "Type", "Detail")
        jobs = self.query_one("#jobs", DataTable)
        for key, label in JOB_COLUMNS:
            jobs.add_column(self.sort.label(key, label), key=key)
        self.set_focus(self.main_widget())  # now, not after a refresh: see TableScreen
        self.set_status("loading jobs…")
        self.call_after_refresh(self.action_refresh)
        # AWS refreshes its summaries far less often than jobs change: only the jobs are
        # re-read on the timer; `r` and `t` ask for both.
        self.set_interval(self.REFRESH_SECONDS, self.reload)

    # Loading -------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.query_one(JobSummaryLine).show_asking(period_label(self.period))
        self.summarize(self.period)
        self.reload()

    def reload(self) -> None:
        """Read the flows and the jobs of the period shown again (in a worker)."""
        self.loads_asked += 1
        self.load(self.period, self.loads_asked)

    @work(thread=True, exclusive=True, exit_on_error=False, group="job-summaries")
    def summarize(self, period: timedelta) -> None:
        """AWS's job counts of the period for the organization (from the management account)."""
        from drconsole.aws.job_summaries import JobSummaries, aggregation_period, read_job_summaries

        app = self.drapp
        try:
            found = read_job_summaries(
                app.sessions,
                app.organization,
                app.regions(),
                period,
                app.now(),
                max_workers=app.settings.max_workers,
            )
        except Exception as error:  # the jobs below still load: say it on the line only
            reason = report_for(error, "").description
            found = JobSummaries(aggregation_period(period), unavailable=reason)
        self.post_message(self.Summarized(found, period))

    def on_jobs_screen_summarized(self, message: Summarized) -> None:
        from drconsole.aws.job_summaries import ORGANIZATION_NOT_READ

        if message.period == self.period:
            self.summaries_wait = message.summaries.unavailable == ORGANIZATION_NOT_READ
            self.query_one(JobSummaryLine).show(message.summaries, self.account_names())
            if self.summaries_wait and self.drapp.organization is not None:
                self.organization_read()  # read while this answer was on its way

    def organization_read(self) -> None:
        """Opened before the organization was read (`j` at start): its summaries now."""
        if self.summaries_wait:
            self.summaries_wait = False
            self.action_refresh()

    @work(thread=True, exclusive=True, exit_on_error=False, group="jobs")
    def load(self, period: timedelta, asked: int) -> None:
        """The journal's flows (fresh from AWS), posted at once, then the organization's jobs
        of the period: every account and Region must answer those, the slowest last, and the
        operator's own unfinished flow is what `j` was pressed for."""
        from drconsole.aws.job_history import JobPage, JobQuery, iter_job_history
        from drconsole.aws.jobs import JobsApi
        from drconsole.flows.journal import Journal
        from drconsole.flows.live import live_summaries

        app = self.drapp
        settings = app.settings
        every = Journal(settings.state_dir).flows()
        unfinished = [f for f in every if f.status not in ("completed", "failed")]
        finished = [f for f in every if f.status in ("completed", "failed")]
        states = unfinished[::-1] + finished[::-1][:FINISHED_FLOWS_SHOWN]
        flow_errors: list[str] = []
        try:
            summaries = live_summaries(states, JobsApi(app.sessions), settings.state_dir)
        except Exception as error:  # the journal's view still shows
            summaries = live_summaries(states, None, settings.state_dir)
            flow_errors.append(f"flows: {report_for(error, '').description}")
        self.post_message(self.FlowsLoaded(summaries, states, flow_errors, asked))
        errors: list[str] = []
        jobs: list[Job] = []
        scope = ""
        try:
            if app.organization is not None:
                accounts = {a.id: a.name for a in app.organization.accounts}
            else:
                accounts = {app.sessions.caller_account_id(): ""}
            regions = app.regions()
            since = app.now() - period
            query = JobQuery(since=since)
            wide = per_account = 0
            for page in iter_job_history(
                app.sessions, query, list(accounts), regions, settings.max_workers
            ):
                if isinstance(page, JobPage):
                    jobs.extend(page.jobs)
                    wide += page.organization_wide
                    per_account += not page.organization_wide
                else:
                    name = accounts.get(page.account_id) or page.account_id
                    errors.append(f"{name} {page.region}: {page.message} [{page.cause}]")
            how = "org-wide" if wide and not per_account else "account by account"
            scope = f"{len(accounts)} accounts {how} │ {' '.join(regions)}"
        except Exception as error:  # the flows still show
            errors.append(report_for(error, "").description)
        oldest = datetime.min.replace(tzinfo=UTC)
        jobs.sort(key=lambda job: job.created or oldest, reverse=True)
        self.post_message(self.Loaded(jobs, errors, scope, period, asked))

    def on_jobs_screen_flows_loaded(self, message: FlowsLoaded) -> None:
        if message.asked < self.flows_shown:
            return  # older than the flows shown (the flows are the same for every period)
        first = self.flows_shown == 0
        self.flows_shown = message.asked
        self.flows, self.flow_summaries = message.flow_states, message.flows
        errors_changed = message.errors != self.flow_errors
        self.flow_errors = message.errors
        self.show_flows()
        if errors_changed:
            self.show_status()
        if first and any(f.status not in ("completed", "failed") for f in self.flows):
            # Unfinished flows are why the operator came (j at start): Enter resumes one,
            # while the jobs of every account and Region are still being listed.
            self.query_one("#flows", DataTable).focus()

    def on_jobs_screen_loaded(self, message: Loaded) -> None:
        if message.period != self.period or message.asked < self.load_shown:
            return  # a late answer for a period left (`t`), or older than the one shown
        self.load_shown = message.asked
        self.loaded = True
        self.jobs, self.errors, self.scope = message.jobs, message.errors, message.scope
        self.show_jobs()

    # Display -------------------------------------------------------------------------------

    def show_flows(self) -> None:
        table = self.query_one("#flows", DataTable)
        # Rows move when a flow starts or ends elsewhere: the cursor follows its flow, so that
        # Enter and x act on the one the operator chose.
        row, key = table.cursor_row, cursor_key(table)
        table.clear()
        for summary in self.flow_summaries:
            status = summary["status"]
            detail = summary.get("hint") or ""
            if summary["failure"]:
                detail = f"{summary['failure'].get('cause')}: {summary['failure'].get('message')}"
            elif summary["blocked_by"]:
                detail = f"blocked by {summary['blocked_by'][0].get('id')}"
            elif not detail:
                steps = [f"{s['step']} {s['state']}" for s in summary["steps"] if s["job_id"]]
                detail = ", ".join(steps) or str(summary["result"].get("created_resource") or "")
            table.add_row(
                summary["flow"],
                Text(status, style=FLOW_STYLE.get(status, "")),
                summary["current_step"],
                summary["resource_type"] or "",
                detail,
                key=summary["flow"],
            )
        table.display = bool(self.flow_summaries)
        keep_cursor_on(table, key, row)

    def visible_jobs(self) -> list[Job]:
        """The jobs the state toggle and the `/` filter let through."""
        names = self.account_names()
        query = self.query_text.lower().strip()
        shown = []
        for job in self.jobs:
            if not self.show_all and not (is_problem(job) or job.state in IN_FLIGHT):
                continue
            if query and not matches(search_text(job, names), query):
                continue
            shown.append(job)
        return shown

    def account_names(self) -> dict[str, str]:
        """Each account's label: its name, with its id when another account shares it."""
        from drconsole.account_choice import account_labels

        organization = self.drapp.organization
        return account_labels(organization.accounts) if organization else {}

    def show_jobs(self) -> None:
        """Refill the jobs table in the chosen order, the cursor staying on its job."""
        table = self.query_one("#jobs", DataTable)
        row, key = table.cursor_row, cursor_key(table)
        table.clear()
        names = self.account_names()
        now = self.drapp.now()
        self.shown = self.sort.order(
            self.visible_jobs(), lambda job, column: job_sort_value(job, column, names)
        )
        for job in self.shown:
            table.add_row(*job_cells(job, names, now), key=job_key(job))
        keep_cursor_on(table, key, row)
        self.show_status()
        self.show_detail()

    def show_status(self) -> None:
        errors = self.flow_errors + self.errors
        if not self.loaded:
            # The flows answered first; the jobs are still being listed.
            self.set_status(f"loading jobs…  ⚠ {errors[0]}" if errors else "loading jobs…")
            return
        problems = sum(1 for job in self.jobs if is_problem(job))
        running = sum(1 for job in self.jobs if job.state in IN_FLIGHT)
        text = (
            f"{period_label(self.period)}: {problems} failed, {running} running ({len(self.jobs)})"
        )
        if self.query_text:
            text += f" │ filter {self.query_text!r}"
        if self.scope:
            text += f" │ {self.scope}"
        if errors:
            text += f"  ⚠ {len(errors)} not listed: {errors[0]}"
        self.set_status(text)

    def show_detail(self) -> None:
        """The highlighted job's message, explanation and fix."""
        table = self.query_one("#jobs", DataTable)
        detail = self.query_one("#jobs-detail", Static)
        if not self.shown or table.cursor_row >= len(self.shown):
            detail.update("")
            return
        job = self.shown[table.cursor_row]
        diagnosis = job_diagnosis(job)
        message = escape_controls(job.status_message or "")  # AWS's text, shown as text
        # Where it ran, whole: at 80 columns the Region column is out of view.
        label = self.account_names().get(job.account_id, job.account_id)
        named = label if job.account_id in label else f"{label} ({job.account_id})"
        where = f"{named} {job.region}"
        if diagnosis is None:
            detail.update(Text(f"{job.id}  {where}  {message}".strip(), style="dim"))
            return
        fix = diagnosis.remediation.splitlines()[0] if diagnosis.remediation else ""
        # AWS gives this text for more than one cause: said before the fix, which the detail's
        # few lines at 80x24 may cut.
        from drconsole.diagnose import also_possible_text

        causes = [cause.value for cause in diagnosis.also]
        also = f"\nalso possible: {also_possible_text(causes)}" if causes else ""
        detail.update(f"{where}: {message}{also}\nfix: {fix}\n{diagnosis.explanation}")

    def apply_filter(self, query: str) -> None:
        if self.loaded:
            self.show_jobs()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "jobs":
            self.show_detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "flows" and self.check_action("resume", ()):
            self.action_resume()

    # Actions -------------------------------------------------------------------------------

    def action_sort(self, column: str) -> None:
        """Sort the jobs by `column` (again: the other way)."""
        self.sort.choose(column)
        self.sort.relabel(self.query_one("#jobs", DataTable), JOB_COLUMNS)
        if self.loaded:
            self.show_jobs()

    def action_toggle_all(self) -> None:
        """Every job, or only the ones that failed or are in flight."""
        self.show_all = not self.show_all
        self.show_jobs()

    def action_period(self) -> None:
        """Jobs of the last 24 h, 7 days or 30 days."""
        self.period = PERIODS[(PERIODS.index(self.period) + 1) % len(PERIODS)]
        self.set_status(f"loading the jobs of the last {period_label(self.period)}…")
        self.action_refresh()

    def highlighted_flow(self) -> FlowState | None:
        table = self.query_one("#flows", DataTable)
        if not self.flows or table.cursor_row >= len(self.flows):
            return None
        return self.flows[table.cursor_row]

    def action_resume(self) -> None:
        """Resume the highlighted unfinished flow in the wizard."""
        flow = self.highlighted_flow()
        if flow is None:
            return
        if flow.status in ("completed", "failed"):
            self.notify(f"Flow {flow.flow_id} is {flow.status}.")
            return
        from drconsole.tui.wizard import resume_in_wizard

        resume_in_wizard(self.drapp, flow.flow_id)

    def action_abandon(self) -> None:
        """Ask, then mark the highlighted unfinished flow failed, so that nothing resumes it."""
        from drconsole.tui.screens.confirm import ConfirmDialog

        flow = self.highlighted_flow()
        if flow is None:
            return
        if flow.status in ("completed", "failed"):
            self.notify(f"Flow {flow.flow_id} is {flow.status}.")
            return
        summary = flow.summary()
        dialog = ConfirmDialog(
            f"Abandon flow {flow.flow_id}?",
            f"{summary['current_step']} of {summary['resource_type'] or 'a recovery point'}: "
            "it is marked failed and can never be resumed. Its AWS jobs, if any, go on.",
            yes="Abandon",
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.abandon(flow.flow_id)

        self.app.push_screen(dialog, answered)

    def abandon(self, flow_id: str) -> None:
        """Mark one flow failed in the journal (under its lock)."""
        from drconsole.flows.journal import FlowEnded, FlowLock, Journal

        state_dir = self.drapp.settings.state_dir
        lock = FlowLock(state_dir, flow_id)
        if not lock.acquire():
            self.notify(f"Flow {flow_id} is running here or elsewhere.", severity="warning")
            return
        try:
            # Read again under the lock: the flow may have ended while the question was open.
            Journal(state_dir).abandon(flow_id)
        except FlowEnded as ended:
            self.notify(f"Flow {flow_id} has {ended.status} meanwhile: not abandoned.")
            self.action_refresh()
            return
        finally:
            lock.release()
        self.notify(f"Flow {flow_id} abandoned (its AWS jobs, if any, go on).")
        self.action_refresh()
