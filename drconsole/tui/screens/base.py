"""What every browsing screen shares: top bar, filter, status line, back, errors from workers."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Input
from textual.worker import Worker, WorkerState

from drconsole.tui.read_only import ReadOnlyActions
from drconsole.tui.widgets.chrome import FilterBar, FilterLine, StatusLine, TopBar
from drconsole.tui.widgets.key_footer import KeyFooter
from drconsole.tui.widgets.notice_bar import NoticeBar

if TYPE_CHECKING:
    from drconsole.models import AccountError
    from drconsole.tui.app import DrConsoleApp


# Below this many columns the footer is drawn compact.
NARROW_WIDTH = 100


def error_on_account(
    account_id: str, region: str, operation: str, error: BaseException
) -> AccountError:
    """Record a failure on one account and Region (AccessDenied there must not stop the rest)."""
    from drconsole.aws.errors import account_error
    from drconsole.aws.refusals import RefusedHere
    from drconsole.errors import AwsError
    from drconsole.models import AccountError, CauseCode
    from drconsole.redact import safe_line

    if isinstance(error, RefusedHere):  # placed on its account and Region where it was read
        return error.error
    if isinstance(error, AwsError):
        known = error.cause in CauseCode.__members__
        cause = CauseCode(error.cause) if known else CauseCode.UNKNOWN
        message = safe_line(str(error))
        return AccountError(account_id, region, operation, type(error).__name__, message, cause)
    return account_error(account_id, region, operation, error)


class BrowseScreen(ReadOnlyActions, Screen[None]):
    """A screen with breadcrumbs, a main list, a `/` filter and a status line.

    Subclasses compose their list in `compose_body`, say which widget holds the focus in
    `main_widget`, and narrow the list in `apply_filter`.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority too, so that Esc and `/` typed together are done in the order typed.
        Binding("escape", "back", "Back", priority=True),
        # A priority binding runs the moment `/` is read, before the keys typed after it are
        # routed: those reach the filter, not the list's own keys (`p`, `r`), however fast.
        Binding("slash", "start_filter", "Filter", key_display="/", priority=True),
        # `reload`: what the person asks for (roles AWS refused are asked again at once);
        # `refresh` is also each screen's first load, and its reload after an action.
        Binding("r", "reload", "Refresh"),
    ]

    # Textual's Screen repaints itself whole, every widget's every line, whenever the focus
    # moves: `/` and Escape each paid a full frame of a thousand-account list for it. The two
    # widgets the focus leaves and reaches restyle and repaint themselves (and the footer its
    # keys), so the rest of the screen, unchanged, is left as drawn.
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    def __init__(self, trail: tuple[str, ...]) -> None:
        super().__init__()
        self.trail = trail
        self.query_text = ""

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
        yield from self.compose_body()
        filter_line = FilterLine(
            FilterBar(lambda: self.set_focus(self.main_widget()), self._filter_typed)
        )
        filter_line.display = False
        yield filter_line
        yield StatusLine()
        # Notices (a job resumed, a drill refused, nothing under the cursor) in lines of their
        # own above the footer: a toast over the lower right hid table rows and progress lines.
        yield NoticeBar(id="screen-notices")
        yield KeyFooter()

    def on_resize(self, event: events.Resize) -> None:
        # Under 100 columns the footer drops its spacing so that every key, `q Quit` and
        # `? Keys` included, still fits at 80.
        self.query_one(Footer).compact = event.size.width < NARROW_WIDTH

    def on_screen_resume(self) -> None:
        # Back from another screen: the list has the focus again, whatever happened to the
        # widget that had it (Textual's own restore skips this while the terminal reports
        # it has lost the focus).
        self.call_after_refresh(self.restore_focus)

    def restore_focus(self) -> None:
        """Give the focus back to the list when nothing on this screen has it."""
        if self.is_current and self.focused is None:
            self.set_focus(self.main_widget())

    def compose_body(self) -> ComposeResult:
        """The screen's own widgets."""
        yield from ()

    def main_widget(self) -> Widget:
        """The list that gets the focus back after filtering."""
        raise LookupError("no main widget")

    def apply_filter(self, query: str) -> None:
        """Narrow the list to `query` (case-insensitive)."""

    def regions_label(self) -> str:
        """The Regions this console scans, said in every status line ('Regions a, b')."""
        regions = self.drapp.regions()
        return ("Region " if len(regions) == 1 else "Regions ") + ", ".join(regions)

    def set_status(self, text: str) -> None:
        """Replace the status line's text."""
        self.query_one(StatusLine).update(text)

    # Filter ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # `/` typed into an input (the filter itself: an OU path) is a character.
        if action == "start_filter" and isinstance(self.focused, Input):
            return False
        return super().check_action(action, parameters)

    def action_start_filter(self) -> None:
        filter_bar = self.query_one(FilterBar)
        self.query_one(FilterLine).display = True
        # Focus now, not after a refresh (Widget.focus): the letters typed right after `/`
        # are already read and must reach the filter.
        self.set_focus(filter_bar)
        filter_bar.cursor_position = len(filter_bar.value)

    def _filter_typed(self, text: str) -> None:
        if text == self.query_text:
            return  # applied already: a second rebuild costs the same
        self.query_text = text
        self.apply_filter(text)

    @on(FilterBar.Kept)
    def _filter_kept(self, event: FilterBar.Kept) -> None:
        # The filter stays applied (the status line says so); the bar made room for the list.
        self.query_one(FilterLine).display = False

    def filter_for(self, text: str) -> None:
        """Apply `text` as the filter, as if typed after `/` and kept with Enter."""
        filter_bar = self.query_one(FilterBar)
        filter_bar.value = text
        self.query_one(FilterLine).display = False
        self._filter_typed(text)  # the bar's value may have been `text` already
        self.set_focus(self.main_widget())  # now: a `/` typed next must keep the filter's focus

    def clear_filter(self) -> None:
        """Drop the filter and hide its bar."""
        filter_bar = self.query_one(FilterBar)
        filter_bar.value = ""
        self.query_one(FilterLine).display = False
        self._filter_typed("")
        self.main_widget().focus()

    def action_back(self) -> None:
        """Escape: first clear the filter, then go back one screen."""
        if self.query_one(FilterLine).display or self.query_text:
            self.clear_filter()
        elif len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def action_reload(self) -> None:
        """`r`: load the screen's data again, asking again for every role AWS refused (a
        refusal is otherwise remembered for a short while: aws/refused_roles.py)."""
        self.drapp.forget_refused_roles()
        self.action_refresh()

    def action_refresh(self) -> None:
        """Load the screen's data again."""

    # Errors ------------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place where a failed worker becomes an error dialog."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.loading_failed()
            from drconsole.setup_problem import for_aws_error, for_configuration_error

            # Missing or expired credentials, or a setting that cannot be used: the screen
            # that names what fixes them.
            error = event.worker.error
            problem = for_configuration_error(error) or for_aws_error(error, self.drapp.settings)
            if problem is not None:
                self.drapp.show_setup_needed(problem)
                return
            self.drapp.show_error(event.worker.error, " > ".join(self.trail))

    def loading_failed(self) -> None:
        """Called when the screen's worker failed (update the status line)."""
        self.set_status("loading failed (r to retry)")
