"""The Textual application: settings, AWS access for the screens, errors, help and the palette."""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message

import drconsole.tui.drills  # noqa: F401  (registers :drills in command mode)
from drconsole.aws.pacing import FOREGROUND
from drconsole.tui import paste_guard, terminal_watch
from drconsole.tui.commands import DrConsoleCommands
from drconsole.tui.key_order import TYPED, KeysInOrder
from drconsole.tui.widgets.cell_width import escaped_lines
from drconsole.tui.widgets.notice_bar import NoticeBar

if TYPE_CHECKING:
    from textual.driver import Driver
    from textual.notifications import SeverityLevel
    from textual.screen import Screen
    from textual.timer import Timer

    from drconsole.aws.inventory import Inventory
    from drconsole.aws.session import AwsSessions
    from drconsole.config import Settings
    from drconsole.models import AccountError, Organization, Vault
    from drconsole.setup_problem import SetupProblem


# What a person does that the console must answer at once (not mouse moves: those stream).
HELD_INPUT = (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)


def utc_now() -> datetime:
    """The real clock (tests and screenshots pass a frozen one instead)."""
    return datetime.now(UTC)


class DrConsoleApp(App[None]):
    """drconsole's terminal UI: organization -> account -> vault -> recovery point."""

    TITLE = "drconsole"
    CSS_PATH = "drconsole.tcss"
    COMMANDS = App.COMMANDS | {DrConsoleCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "request_quit", "Quit"),
        # Ctrl+C quits as in every terminal program (Textual would copy text or only hint).
        Binding("ctrl+c", "request_quit", "Quit", show=False, priority=True),
        Binding("question_mark", "help", "Keys", key_display="?"),
        # Priority, like `/`: what is typed right after `:` goes to the prompt.
        Binding("colon", "command_mode", "Command", show=False, key_display=":", priority=True),
        Binding("ctrl+p", "command_palette", "Commands", show=False),
        # Always there; the footer shows it once a flow exists (show_jobs_key).
        Binding("j", "jobs", "Jobs", show=False),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        now: Callable[[], datetime] = utc_now,
        sessions: AwsSessions | None = None,
        setup_problem: SetupProblem | None = None,
        readiness_after_inventory: bool = True,
    ) -> None:
        super().__init__()
        self.settings = settings
        # Set when the console cannot start on AWS: its one screen says what is missing.
        self.setup_problem = setup_problem
        # Whether the accounts screen decides readiness once its inventory is read (tests of
        # other screens leave it off: it reads every account's facts).
        self.readiness_after_inventory = readiness_after_inventory
        self.now = now
        self._sessions = sessions
        self._aws_lock = threading.Lock()
        # ids of the keys and clicks holding background AWS work until they are answered.
        self._held_inputs: set[int] = set()
        self.keys_in_order = KeysInOrder(self)
        # Notices said in a screen's own lines instead of a toast (see notify), in order.
        self.notices_in_screens: list[str] = []
        # What the screens have loaded so far, for the command palette's jumps.
        self.organization: Organization | None = None
        self.vaults_by_account: dict[str, dict[str, Vault]] = {}
        self.account_errors: dict[str, list[AccountError]] = {}
        # flow id -> the live wizard that runs it (kept when the operator leaves it).
        self.flow_wizards: dict[str, Screen[None]] = {}
        # runbook file -> the live view of its drill running in this console.
        self.drill_screens: dict[str, Screen[None]] = {}
        self._jobs_key_shown = False
        # The signals that end the console as a confirmed quit does (set by tui/launch.py for a
        # console on a terminal; none in tests, whose process is not the console's).
        self.stop_signals: tuple[int, ...] = ()
        self.terminal_check: Timer | None = None  # looks for the terminal gone (on a real one)
        from drconsole.tui.readiness_feed import ReadinessFeed

        # Every account and Region's readiness, decided once the accounts are listed.
        self.readiness = ReadinessFeed(self)

    # AWS access, created on first use in a worker thread (boto3 is slow to import).

    @property
    def sessions(self) -> AwsSessions:
        """Shared sessions and clients (thread-safe)."""
        with self._aws_lock:
            if self._sessions is None:
                from drconsole.aws.session import AwsSessions

                self._sessions = AwsSessions(self.settings)
            return self._sessions

    def forget_refused_roles(self) -> None:
        """A reload the person asked for: roles AWS refused, and Regions that could not be
        reached, are asked again at the next read (aws/refused_roles.py, aws/region_health.py);
        nothing when AWS was not reached yet."""
        with self._aws_lock:
            if self._sessions is not None:
                self._sessions.refused_roles.forget()
                self._sessions.region_health.forget()

    def new_inventory(self, max_workers: int | None = None) -> Inventory:
        """An inventory reader for one worker (Inventory keeps per-scan state; sessions and
        clients underneath are shared); `max_workers` threads at once (default: the setting)."""
        from drconsole.aws.inventory import Inventory

        return Inventory(self.sessions, max_workers=max_workers or self.settings.max_workers)

    def regions(self) -> tuple[str, ...]:
        """The Regions to scan."""
        return self.settings.regions or (self.settings.home_region,)

    # Input first: AWS threads wait while a key is answered (aws/pacing.py).

    def post_message(self, message: Message) -> bool:
        """Queue a message; a key or click from the terminal holds background AWS work until
        the frame that answers it is drawn."""
        held = isinstance(message, HELD_INPUT) and not message.is_forwarded
        if held:
            FOREGROUND.hold()
        queued = super().post_message(message)
        if held:
            if queued:
                self._held_inputs.add(id(message))
            else:
                FOREGROUND.answered()
        return queued

    async def on_event(self, event: events.Event) -> None:
        if id(event) in self._held_inputs:
            self._held_inputs.discard(id(event))
            self.call_after_refresh(FOREGROUND.answered)
        if isinstance(event, events.InputEvent) and not self._screen_stack:
            # A key typed (or held back behind the one before it) while the console closes
            # arrives after its screens are gone: there is nothing left to act on it.
            return
        if isinstance(event, TYPED) and not event.is_forwarded:
            if not self.keys_in_order.admit(event):
                return  # posted again when the key before it has been handled
            target = self.focused or self.screen  # where Textual routes a key it does not bind
            await super().on_event(event)
            self.keys_in_order.follow(event, target)
            return
        await super().on_event(event)

    # Lifecycle, errors, help.

    def on_mount(self) -> None:
        from drconsole.tui.read_only import badge_every_screen
        from drconsole.tui.screens.accounts import AccountsScreen

        loop = asyncio.get_running_loop()
        for signum in self.stop_signals:
            # Ended inside the event loop as `q` then "leave" ends it: Textual puts the terminal
            # back (killed at once, it stayed in the console's screen with echo off), flows stay
            # in the journal, `drconsole demo` decides about its sandbox; exit 128 + signal.
            loop.add_signal_handler(signum, self.stop_for, 128 + signum)
        fd = terminal_watch.terminal_fd()
        if not self.is_headless and fd is not None and not terminal_watch.terminal_gone(fd):
            self.terminal_check = self.set_interval(
                terminal_watch.CHECK_SECONDS, self.check_terminal
            )
        if self.settings.read_only:
            self.sub_title = "read-only"
        badge_every_screen(self)
        if self.setup_problem is not None:
            self.show_setup_needed(self.setup_problem)
            return
        self.push_screen(AccountsScreen())
        self.offer_unfinished_flows()

    def stop_for(self, code: int) -> None:
        """End as a confirmed quit does, with exit code `code` (a stop signal, the terminal
        gone); never left waiting on a terminal that is gone (tui/terminal_watch.py)."""
        terminal_watch.end_if_stuck(code, terminal_watch.terminal_fd())
        self.exit(None, code)

    def check_terminal(self) -> None:
        """The terminal hung up without a stop signal reaching the console: end it."""
        fd = terminal_watch.terminal_fd()
        if fd is not None and terminal_watch.terminal_gone(fd):
            # Once: the stop is under way. Nothing is said: there is nobody to read it (and
            # stderr is that terminal).
            if self.terminal_check is not None:
                self.terminal_check.stop()
            self.stop_for(terminal_watch.TERMINAL_GONE_EXIT)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A notification shown as written, whoever asks for markup (Textual's widgets do by
        default): notifications carry ARNs, AWS messages and what the operator typed, and
        `:[/x]` typed in command mode made one that could not be drawn. Their control
        characters are written as escapes, their line breaks kept."""
        timeout = self.NOTIFICATION_TIMEOUT if timeout is None else timeout
        bar = self.notice_bar()
        if bar is not None:
            # Screens say their notices in lines of their own: a toast would cover what the
            # operator must read there (see NoticeBar).
            bar.say(escaped_lines(message), escaped_lines(title), severity, timeout)
            self.notices_in_screens.append(escaped_lines(message))
            return
        super().notify(
            escaped_lines(message),
            title=escaped_lines(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def notice_bar(self) -> NoticeBar | None:
        """Where a notice is said: the top screen's notice lines, else those of the screen
        under its dialog (a notice said while a dialog or the command line is up would
        otherwise be a toast that stays over the screen below once the dialog closes)."""
        for screen in reversed(self.screen_stack):
            bars = list(screen.query(NoticeBar).results())
            if bars:
                return bars[0]
        return None

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for this terminal, with pasted escapes kept out of key presses."""
        paste_guard.install()
        return super().get_driver_class()

    def on_ready(self) -> None:
        # What start-up made (modules, Textual's classes and styles, the first screen) lives
        # as long as the console: out of the collector's sight, a full collection walks only
        # what came after (a million-row vault's load ran ten of 23-37 ms each over it).
        gc.freeze()

    def on_unmount(self) -> None:
        # The console is gone: what was frozen may be collected again (a process that runs
        # consoles one after another, as the tests do, would otherwise keep each one's cycles).
        gc.unfreeze()

    def show_setup_needed(self, problem: SetupProblem) -> None:
        """The one screen that says what is missing and the command that fixes it."""
        from drconsole.tui.screens.setup_needed import SetupNeededScreen

        if not isinstance(self.screen, SetupNeededScreen):
            self.push_screen(SetupNeededScreen(problem))

    def retry_after_setup(self) -> None:
        """Leave the setup screen and read AWS again with new sessions (fresh credentials)."""
        from drconsole.tui.screens.accounts import AccountsScreen
        from drconsole.tui.screens.setup_needed import SetupNeededScreen

        if isinstance(self.screen, SetupNeededScreen):
            self.pop_screen()
        with self._aws_lock:
            self._sessions = None
        refresh = getattr(self.screen, "action_refresh", None)
        if callable(refresh):
            refresh()  # the screen whose reading failed reads again
        else:
            self.push_screen(AccountsScreen())

    def offer_unfinished_flows(self) -> None:
        """Copy/restore flows left unfinished (a dropped session): say so and bind `j`."""
        from drconsole.flows.journal import Journal

        journal = Journal(self.settings.state_dir)
        count = len(journal.unfinished())
        if journal.damaged:
            first = journal.damaged[0]
            more = f" (and {len(journal.damaged) - 1} more)" if len(journal.damaged) > 1 else ""
            self.notify(
                f"{first}{more}; the other flows read fine",
                title="Damaged journal line",
                severity="warning",
                timeout=15,
            )
        if count:
            self.show_jobs_key()
            self.notify(
                f"{count} unfinished copy/restore flow(s): press j to see and resume them",
                title="Flows in flight",
                timeout=10,
            )

    def organization_read(self, organization: Organization) -> None:
        """The organization, read: kept for every screen, and said to the screens open that
        waited for it (the jobs screen's summaries, asked before it was read)."""
        self.organization = organization
        for screen in self.screen_stack:
            waiting = getattr(screen, "organization_read", None)
            if callable(waiting):
                waiting()

    def show_jobs_key(self) -> None:
        """Show `j Jobs` in the footer from now on (the key itself always works)."""
        if self._jobs_key_shown:
            return
        self._jobs_key_shown = True
        # The first binding of a key is the one the footer shows: replace the hidden one.
        self._bindings.key_to_bindings["j"] = [Binding("j", "jobs", "Jobs")]
        self.refresh_bindings()

    def action_drills(self) -> None:
        """The Drills screen: runbooks, their plans, runs and reports."""
        from drconsole.tui.drills import open_drills

        open_drills(self)

    def action_readiness(self) -> None:
        """The readiness screen: could every account and Region recover now?"""
        from drconsole.tui.screens.readiness import ReadinessScreen

        if not isinstance(self.screen, ReadinessScreen):
            self.goto(ReadinessScreen())

    def action_jobs(self) -> None:
        """The jobs screen: flows of the journal and jobs across the organization."""
        from drconsole.tui.jobs_screen import JobsScreen

        if not isinstance(self.screen, JobsScreen):
            self.push_screen(JobsScreen())

    def flow_running(self) -> bool:
        """True while a copy/restore flow runs in this console (a wizard's worker), or waits
        in a wizard for the operator (its restore form or its final request), or a drill runs."""
        waiting = any(getattr(w, "flow_unfinished", False) for w in self.flow_wizards.values())
        running = ("wizard-run", "drill-run")
        return waiting or any(w.group in running and w.is_running for w in self.workers)

    def action_request_quit(self) -> None:
        """Quit; while a flow runs, ask first (it stays in the journal and can be resumed)."""
        from drconsole.tui.screens.dialogs import ConfirmQuit

        if not self.flow_running():
            self.exit()
            return
        if isinstance(self.screen, ConfirmQuit):  # asked already: a second Ctrl+C quits
            self.exit()
            return

        def decided(leave: bool | None) -> None:
            if leave:
                self.exit()

        self.push_screen(ConfirmQuit(), decided)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # `:` typed into an input (an ARN, a time) is a character, not command mode.
        if action == "command_mode":
            from textual.widgets import Input

            return not isinstance(self.focused, Input)
        return True

    def action_command_mode(self) -> None:
        """The `:` prompt: run a command of the registry (see command_mode.py)."""
        from drconsole.tui import command_mode

        if isinstance(self.screen, command_mode.CommandPrompt):
            return

        def entered(text: str | None) -> None:
            if text:
                command_mode.run(self, text)

        self.push_screen(command_mode.CommandPrompt(), entered)

    def show_error(self, error: BaseException, where: str = "") -> None:
        """Open the error dialog for a failure, with its cause code."""
        from drconsole.tui.screens.dialogs import ErrorDialog

        self.push_screen(ErrorDialog.from_exception(error, where))

    def _fatal_error(self) -> None:
        # An exception escaped the console itself. Textual would print its traceback with the
        # locals of every frame, where credentials can sit: one redacted line instead.
        import sys

        from rich.text import Text

        from drconsole.redact import exception_text

        error = sys.exc_info()[1] or self._exception
        self.bell()
        what = exception_text(error) if error is not None else "unknown"
        self._exit_renderables.append(
            Text(f"drconsole: unexpected error, a defect of drconsole: {what}")
        )
        self._close_messages_no_wait()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's palette commands, less its "Keys" (the app's own "Keys" lists them all)."""
        for command in super().get_system_commands(screen):
            if command.title != "Keys":
                yield command

    def action_help(self) -> None:
        """Show every binding of the focused screen and the app."""
        from drconsole.tui.screens.dialogs import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen.for_screen(self.screen))

    def copy_arn(self, arn: str) -> None:
        """Put an ARN on the clipboard (OSC 52: works over SSH) and say so."""
        self.copy_to_clipboard(arn)
        self.notify(arn, title="Copied ARN", timeout=3)

    def goto(self, *screens: Any) -> None:
        """Jump to a screen from the command palette: back to the accounts, then push."""
        from drconsole.tui.screens.accounts import AccountsScreen

        for above in reversed(self.screen_stack[2:]):
            if isinstance(above, AccountsScreen):
                break
            # A screen that cannot be left yet (a drill's clean-up at work) stays, and says why:
            # popped, it would stop its work and its outcome would never be shown.
            reason = getattr(above, "held_by", lambda: None)()
            if reason:
                self.notify(reason, title="Not left", severity="warning", timeout=10)
                return
        while len(self.screen_stack) > 2 and not isinstance(self.screen, AccountsScreen):
            self.pop_screen()
        for screen in screens:
            self.push_screen(screen)
