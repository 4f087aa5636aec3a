"""A vault's recovery points: the virtual list, streamed in page by page as they arrive."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import get_current_worker

from drconsole.aws.pacing import FOREGROUND
from drconsole.models import AccountError, RecoveryPoint, Vault
from drconsole.tui.rp_pages import PagePreparer, PreparedPage
from drconsole.tui.screens.base import BrowseScreen
from drconsole.tui.screens.detail import open_checks, recovery_point_detail
from drconsole.tui.widgets.plain import Static
from drconsole.tui.widgets.recovery_point_list import RecoveryPointList
from drconsole.tui.widgets.vault_summary import vault_summary

# While pages stream in, sort and repaint at most this often (seconds); a re-sort costs about
# linear time in the rows held, so a huge vault repaints less often while it loads.
REPAINT_INTERVAL = 0.25
REPAINT_SECONDS_PER_MILLION_ROWS = 2.0


class RecoveryPointsScreen(BrowseScreen):
    """Every recovery point of one vault, newest first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Detail"),
        Binding("y", "copy_arn", "Copy ARN"),
        Binding("c", "check", "Checks", tooltip="Check a copy or restore of this recovery point"),
        Binding("w", "wizard", "Copy back/restore", show=False),
        Binding("C", "sort('created')", "Sort by Created", show=False),
        Binding("A", "sort('age')", "Sort by Age", show=False),
        Binding("T", "sort('type')", "Sort by Type", show=False),
        Binding("N", "sort('resource')", "Sort by Resource", show=False),
        Binding("S", "sort('size')", "Sort by Size", show=False),
        Binding("U", "sort('status')", "Sort by Status", show=False),
        Binding("K", "sort('key')", "Sort by Key", show=False),
        Binding("F", "sort('source')", "Sort by Copied from", show=False),
        Binding("E", "sort('expires')", "Sort by Expires", show=False),
    ]

    class PageLoaded(Message):
        """One page (up to 1,000) of recovery points arrived, already in columns (a page of a
        load the list was cleared of since is not appended: see `add_prepared`)."""

        def __init__(self, page: PreparedPage) -> None:
            self.page = page
            super().__init__()

    class Finished(Message):
        """Every page of the load numbered by `preparer` has arrived."""

        def __init__(
            self, preparer: PagePreparer, skipped: list[AccountError] | None = None
        ) -> None:
            self.preparer = preparer
            # the report of the records left out for want of their ARN
            self.skipped = skipped or []
            super().__init__()

    class DetailsRead(Message):
        """The vault's key type and access policy (a listing had left them out)."""

        def __init__(self, vault: Vault) -> None:
            self.vault = vault
            super().__init__()

    def __init__(self, vault: Vault, trail: tuple[str, ...]) -> None:
        super().__init__((*trail, f"{vault.region}/{vault.name}"))
        self.vault = vault
        self.loading_done = False
        self.failed = False
        self.skipped: list[AccountError] = []
        self._repaint_timer: Timer | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(vault_summary(self.vault), id="summary")
        yield RecoveryPointList(now=self.drapp.now, id="recovery-points")

    @property
    def rp_list(self) -> RecoveryPointList:
        """The virtual list."""
        return self.query_one(RecoveryPointList)

    def main_widget(self) -> Widget:
        return self.rp_list

    def on_mount(self) -> None:
        self.set_focus(self.rp_list)  # now, not after a refresh: see TableScreen
        # Paint first: the worker's first AWS call imports boto3 and parses service models,
        # which would hold the interpreter while the first frame waits.
        self.call_after_refresh(self.action_refresh)

    def action_refresh(self) -> None:
        self.rp_list.rows.clear()
        # The filter typed stays: the reloaded rows are filtered as they arrive.
        self.rp_list.rows.filter(self.query_text)
        self.rp_list.data_changed()
        self.loading_done = False
        self.failed = False
        self.skipped = []
        self.update_status()
        self.load(self.rp_list.rows.preparer)
        if not self.vault.details_read:
            self.load_details()

    @work(thread=True, exclusive=True, exit_on_error=False, group="vault-details")
    def load_details(self) -> None:
        """The vault's key type and access policy, beside the pages."""
        self.post_message(self.DetailsRead(self.drapp.new_inventory().vault_details(self.vault)))

    def on_recovery_points_screen_details_read(self, message: DetailsRead) -> None:
        self.vault = message.vault
        self.query_one("#summary", Static).update(vault_summary(self.vault))

    @work(thread=True, exclusive=True, exit_on_error=False, group="recovery-points")
    def load(self, preparer: PagePreparer) -> None:
        """Page through the vault; every page is turned into the list's columns here (by the
        list's `preparer`, handed over by the UI thread), and posted as it arrives."""
        worker = get_current_worker()
        skipped: list[AccountError] = []
        for page in self.drapp.new_inventory().iter_recovery_points(self.vault, skipped=skipped):
            if worker.is_cancelled:
                return
            FOREGROUND.wait()  # a key is being answered: its frame first (aws/pacing.py)
            self.post_message(self.PageLoaded(preparer.prepare(page)))
        self.post_message(self.Finished(preparer, skipped))

    def on_recovery_points_screen_page_loaded(self, message: PageLoaded) -> None:
        first = not self.rp_list.rows
        self.rp_list.rows.add_prepared(message.page)
        if first:  # the first page is shown at once; later ones are gathered for a while
            self._repaint()
            return
        if self._repaint_timer is None:
            rows = len(self.rp_list.rows)
            delay = REPAINT_INTERVAL + REPAINT_SECONDS_PER_MILLION_ROWS * rows / 1_000_000
            self._repaint_timer = self.set_timer(delay, self._repaint)

    def on_recovery_points_screen_finished(self, message: Finished) -> None:
        if message.preparer is not self.rp_list.rows.preparer:
            return  # the end of a load replaced by a refresh
        self.loading_done = True
        self.skipped = message.skipped
        self._repaint()

    def _repaint(self) -> None:
        self._repaint_timer = None
        self.rp_list.data_changed()
        self.update_status()

    def loading_failed(self) -> None:
        self.loading_done = True
        self.failed = True
        self._repaint()

    def status_text(self) -> str:
        """'1,234 recovery points', or '12 of 1,234 match "prod"', plus loading progress."""
        rows = self.rp_list.rows
        total = len(rows)
        text = f"{total:,} recovery points"
        if rows.query:
            text = f"{self.rp_list.count:,} of {total:,} match {rows.query!r}"
        # One vault: one account and one Region (said here too: the summary may be cut).
        text += f" · {self.vault.account_id} {self.vault.region}"
        if self.failed:
            text += "  loading failed (r to retry)"
        elif not self.loading_done:
            text += "  loading…"
        for report in self.skipped:
            text += f"  ⚠ {report.cause}: {report.message}"
        return text

    def update_status(self) -> None:
        """Refresh the status line."""
        self.set_status(self.status_text())

    def apply_filter(self, query: str) -> None:
        self.rp_list.apply_filter(query)
        self.update_status()

    def highlighted(self) -> RecoveryPoint | None:
        """The recovery point under the cursor."""
        row = self.rp_list.highlighted_row
        return None if row is None else self.rp_list.rows.record(row)

    @on(RecoveryPointList.Selected)
    def _selected(self, event: RecoveryPointList.Selected) -> None:
        self.app.push_screen(
            recovery_point_detail(self.rp_list.rows.record(event.row), self.trail, self.drapp.now())
        )

    def action_open(self) -> None:
        self.rp_list.action_select()

    def action_sort(self, column: str) -> None:
        """Sort the list by `column` (again: the other way)."""
        self.rp_list.sort_by(column)
        self.update_status()

    def action_copy_arn(self) -> None:
        point = self.highlighted_or_say("copy its ARN")
        if point is not None:
            self.drapp.copy_arn(point.arn)

    def action_check(self) -> None:
        point = self.highlighted_or_say("check it")
        if point is not None:
            open_checks(self.drapp, point)

    def action_wizard(self) -> None:
        """Copy back and restore the highlighted recovery point (the wizard)."""
        from drconsole.tui.wizard import open_wizard

        point = self.highlighted_or_say("copy it back or restore it")
        if point is not None:
            open_wizard(self.drapp, point)

    def highlighted_or_say(self, purpose: str) -> RecoveryPoint | None:
        """The recovery point under the cursor; when there is none, say why instead of
        letting the key do nothing (typed ahead of a list that is still loading)."""
        point = self.highlighted()
        if point is None:
            why = "the list is still loading" if not self.loading_done else "no row matches"
            self.notify(f"No recovery point under the cursor to {purpose}: {why}.", timeout=4)
        return point
