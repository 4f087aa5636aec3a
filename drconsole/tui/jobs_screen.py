"""The jobs screen: flows of the journal (resumable ones first) and the copy and restore jobs in
flight or failed across the organization, each failed one with its cause from `explain`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from drconsole.models import CopyJob, RestoreJob
from drconsole.tui.read_only import ReadOnlyActions
from drconsole.tui.screens.dialogs import report_for

if TYPE_CHECKING:
    from drconsole.flows.journal import FlowState
    from drconsole.tui.app import DrConsoleApp

FINISHED_FLOWS_SHOWN = 20
SHOWN_JOB_STATES = ("CREATED", "RUNNING", "PENDING", "FAILED", "ABORTED", "PARTIAL")


def job_cause(job: CopyJob | RestoreJob) -> str:
    """`CAUSE: explanation` of a failed job (from `explain`), else ''."""
    if job.state not in ("FAILED", "ABORTED", "PARTIAL"):
        return ""
    from drconsole.diagnose import diagnose

    diagnosis = diagnose(job.status_message)
    return f"{diagnosis.cause.value}: {diagnosis.explanation}"


class JobsScreen(ReadOnlyActions, Screen[None]):
    """Flows from the journal and jobs from AWS, refreshed while anything is in flight."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("r", "refresh", "Refresh"),
        Binding("enter", "resume", "Resume flow"),
        Binding("x", "abandon", "Abandon flow"),
    ]
    DEFAULT_CSS = """
    JobsScreen #flows { height: 1fr; }
    JobsScreen #jobs { height: 1fr; }
    JobsScreen #jobs-status { height: auto; padding: 0 1; }
    JobsScreen #jobs-detail { height: auto; max-height: 8; padding: 0 1; }
    """
    REFRESH_SECONDS = 5.0

    class Loaded(Message):
        """Flows and jobs, read in a worker."""

        def __init__(
            self, flows: list[FlowState], jobs: list[CopyJob | RestoreJob], errors: list[str]
        ) -> None:
            super().__init__()
            self.flows = flows
            self.jobs = jobs
            self.errors = errors

    def __init__(self) -> None:
        super().__init__()
        self.flows: list[FlowState] = []
        self.jobs: list[CopyJob | RestoreJob] = []

    @property
    def drapp(self) -> DrConsoleApp:
        """The application, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        hint = (
            "read-only: shown, not resumed"
            if self.drapp.settings.read_only
            else ("Enter resumes an unfinished one")
        )
        yield Static(Text(f"Flows ({hint})", style="bold"))
        flows: DataTable[Any] = DataTable(id="flows", cursor_type="row", zebra_stripes=True)
        yield flows
        yield Static(Text("Copy and restore jobs in flight or failed", style="bold"))
        jobs: DataTable[Any] = DataTable(id="jobs", cursor_type="row", zebra_stripes=True)
        yield jobs
        yield Static(id="jobs-detail")
        yield Static("loading…", id="jobs-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#flows", DataTable).add_columns(
            "Flow", "Status", "Step", "Type", "Recovery point", "Detail"
        )
        self.query_one("#jobs", DataTable).add_columns(
            "Kind", "Account", "Region", "State", "Job", "Resource", "Cause"
        )
        self.query_one("#flows").focus()
        self.action_refresh()
        self.set_interval(self.REFRESH_SECONDS, self.action_refresh)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_refresh(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="jobs")
    def load(self) -> None:
        """The journal's flows and the organization's jobs."""
        from drconsole.aws.jobs import JobsApi
        from drconsole.aws.watcher import discover
        from drconsole.flows.journal import Journal

        settings = self.drapp.settings
        flows = Journal(settings.state_dir).flows()
        unfinished = [f for f in flows if f.status not in ("completed", "failed")]
        finished = [f for f in flows if f.status in ("completed", "failed")]
        shown = unfinished[::-1] + finished[::-1][:FINISHED_FLOWS_SHOWN]
        errors: list[str] = []
        jobs: list[CopyJob | RestoreJob] = []
        try:
            sessions = self.drapp.sessions
            accounts = (
                [a.id for a in self.drapp.organization.accounts] if self.drapp.organization else []
            )
            found = discover(
                JobsApi(sessions), self.drapp.regions(), accounts, include_finished=True
            )
            every: list[CopyJob | RestoreJob] = [*found.copy_jobs, *found.restore_jobs]
            jobs = [job for job in every if job.state in SHOWN_JOB_STATES]
            errors = list(found.errors)
        except Exception as error:  # the flows still show
            errors.append(report_for(error, "").description)
        self.post_message(self.Loaded(shown, jobs, errors))

    def on_jobs_screen_loaded(self, message: Loaded) -> None:
        self.flows, self.jobs = message.flows, message.jobs
        flows = self.query_one("#flows", DataTable)
        row = flows.cursor_row
        flows.clear()
        for flow in message.flows:
            summary = flow.summary()
            detail = ""
            if flow.failure:
                detail = f"{flow.failure.get('cause')}: {flow.failure.get('message', '')}"
            elif flow.blocked_by:
                detail = f"blocked by {flow.blocked_by[0].get('id')}"
            elif flow.result:
                detail = str(
                    flow.result.get("created_resource") or flow.result.get("recovery_point")
                )
            flows.add_row(
                flow.flow_id,
                flow.status,
                summary["current_step"],
                summary["resource_type"] or "",
                summary["recovery_point"] or "",
                detail,
                key=flow.flow_id,
            )
        if message.flows:
            flows.move_cursor(row=min(row, len(message.flows) - 1))
        jobs = self.query_one("#jobs", DataTable)
        jobs.clear()
        for job in message.jobs:
            kind = "copy" if isinstance(job, CopyJob) else "restore"
            resource = job.resource_arn if isinstance(job, CopyJob) else job.recovery_point_arn
            jobs.add_row(
                kind, job.account_id, job.region, job.state, job.id, resource, job_cause(job)
            )
        waiting = sum(1 for f in message.flows if f.status not in ("completed", "failed"))
        status = f"{waiting} unfinished flow(s), {len(message.jobs)} job(s) shown"
        if message.errors:
            status += f"  ({len(message.errors)} listing error(s): {message.errors[0]})"
        self.query_one("#jobs-status", Static).update(status)
        self._show_detail()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        """The highlighted failed job's message and remediation."""
        table = self.query_one("#jobs", DataTable)
        detail = self.query_one("#jobs-detail", Static)
        if not self.jobs or table.cursor_row >= len(self.jobs):
            detail.update("")
            return
        job = self.jobs[table.cursor_row]
        if not job_cause(job):
            detail.update("")
            return
        from drconsole.diagnose import diagnose

        diagnosis = diagnose(job.status_message)
        detail.update(Text(f"{job.status_message}\nfix: {diagnosis.remediation}", style="yellow"))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "flows" and self.check_action("resume", ()):
            self.action_resume()

    def action_resume(self) -> None:
        """Resume the highlighted unfinished flow in the wizard."""
        table = self.query_one("#flows", DataTable)
        if not self.flows or table.cursor_row >= len(self.flows):
            return
        flow = self.flows[table.cursor_row]
        if flow.status in ("completed", "failed"):
            self.notify(f"Flow {flow.flow_id} is {flow.status}.")
            return
        from drconsole.tui.wizard import resume_in_wizard

        resume_in_wizard(self.drapp, flow.flow_id)

    def action_abandon(self) -> None:
        """Ask, then mark the highlighted unfinished flow failed, so that nothing resumes it."""
        from drconsole.tui.screens.confirm import ConfirmDialog

        table = self.query_one("#flows", DataTable)
        if not self.flows or table.cursor_row >= len(self.flows):
            return
        flow = self.flows[table.cursor_row]
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
        from drconsole.flows.journal import FlowLock, Journal

        state_dir = self.drapp.settings.state_dir
        lock = FlowLock(state_dir, flow_id)
        if not lock.acquire():
            self.notify(f"Flow {flow_id} is running here or elsewhere.", severity="warning")
            return
        try:
            Journal(state_dir).abandon(flow_id)
        finally:
            lock.release()
        self.notify(f"Flow {flow_id} abandoned (its AWS jobs, if any, go on).")
        self.action_refresh()
