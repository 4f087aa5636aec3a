"""`:` command mode (as in k9s): `:accounts`, `:vaults prod`, `:rp dr`, `:jobs`, `:protected`.

Commands live in a registry; a screen module adds its own with `register` (its aliases then
complete in the prompt and are listed by `:help`). An argument picks an account or a vault
by the filter's ranking (exact name first); without one, the command acts on the account or
vault of the screen you are on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input

from drconsole.tui.ranking import rank
from drconsole.tui.widgets.plain import Static
from drconsole.tui.widgets.typed_input import TypedInput

if TYPE_CHECKING:
    from drconsole.models import Account, Vault
    from drconsole.tui.app import DrConsoleApp


class CommandError(Exception):
    """A command that cannot run as typed: the message says why, in one line."""


@dataclass(frozen=True)
class Command:
    """One command: its names (the first is shown), what it does, and how it runs."""

    names: tuple[str, ...]
    help: str
    run: Callable[[DrConsoleApp, str], None]
    argument: str = ""  # e.g. "[account]", shown by :help


_REGISTRY: dict[str, Command] = {}


def register(command: Command) -> None:
    """Make `command` answer to each of its names (a later registration of a name wins)."""
    for name in command.names:
        _REGISTRY[name.lower()] = command


def commands() -> list[Command]:
    """Every registered command, once each, in registration order."""
    return list(dict.fromkeys(_REGISTRY.values()))


def names() -> list[str]:
    """Every name a command answers to."""
    return sorted(_REGISTRY)


def resolve(text: str) -> tuple[Command, str]:
    """The command `text` names and its argument; CommandError when it names none."""
    words = text.strip().removeprefix(":").split(maxsplit=1)
    if not words:
        raise CommandError("type a command, e.g. :vaults prod (:help lists them)")
    command = _REGISTRY.get(words[0].lower())
    if command is None:
        known = ", ".join(c.names[0] for c in commands())
        raise CommandError(f":{words[0]}: no such command (known: {known})")
    return command, words[1].strip() if len(words) > 1 else ""


def run(app: DrConsoleApp, text: str) -> None:
    """Run the command line `text`; a mistake is said in one notification."""
    try:
        command, argument = resolve(text)
        command.run(app, argument)
    except CommandError as problem:
        app.notify(str(problem), title="Command", severity="error")


# Choosing what a command acts on -------------------------------------------------------------


Item = TypeVar("Item")


def best(query: str, candidates: Sequence[tuple[Item, Sequence[str]]], what: str) -> Item:
    """The candidate whose fields match `query` best (as the `/` filter ranks them)."""
    ranked = [(rank(query, fields), item) for item, fields in candidates]
    found = [(score, item) for score, item in ranked if score is not None]
    if not found:
        raise CommandError(f"no {what} matches {query!r}")
    found.sort(key=lambda pair: pair[0])
    return found[0][1]


def _context(app: DrConsoleApp, attribute: str) -> Any:
    """The account or vault of the topmost screen that has one (or the highlighted account)."""
    from drconsole.tui.screens.accounts import AccountsScreen
    from drconsole.tui.screens.vaults import VaultsScreen

    for screen in reversed(app.screen_stack):
        if attribute == "vault" and isinstance(screen, VaultsScreen):
            return screen.vaults.get(screen.highlighted_key() or "")
        value = getattr(screen, attribute, None)
        if value is not None and not callable(value):
            return value
        if attribute == "account" and isinstance(screen, AccountsScreen):
            return screen.account(screen.highlighted_key())
    return None


def pick_account(app: DrConsoleApp, query: str) -> Account:
    """The account `query` names, or the one in context."""
    if not query:
        account = _context(app, "account")
        if account is None:
            raise CommandError("which account? e.g. :vaults prod")
        return account
    if app.organization is None:
        raise CommandError("the organization is still loading; try again in a moment")
    candidates = [
        (account, (account.name, account.id, account.ou_path))
        for account in app.organization.accounts
    ]
    return best(query, candidates, "account")


def pick_vault(app: DrConsoleApp, query: str) -> Vault:
    """The vault `query` names (among the vaults loaded so far), or the one in context."""
    if not query:
        vault = _context(app, "vault")
        if vault is None:
            raise CommandError("which vault? e.g. :rp dr-eu-north-1")
        return vault
    names = {a.id: a.name for a in app.organization.accounts} if app.organization else {}
    candidates = [
        (vault, (vault.name, vault.arn, vault.region, names.get(vault.account_id, "")))
        for vaults in app.vaults_by_account.values()
        for vault in vaults.values()
    ]
    if not candidates:
        raise CommandError("no vault loaded yet; try again once the accounts have loaded")
    return best(query, candidates, "vault")


# The built-in commands -------------------------------------------------------------------


ROOT = ("Organization",)


def _accounts(app: DrConsoleApp, argument: str) -> None:
    app.goto()
    if argument:
        from drconsole.tui.screens.accounts import AccountsScreen

        if isinstance(app.screen, AccountsScreen):
            app.screen.filter_for(argument)


def _vaults(app: DrConsoleApp, argument: str) -> None:
    from drconsole.tui.screens.vaults import VaultsScreen

    app.goto(VaultsScreen(pick_account(app, argument), ROOT))


def _recovery_points(app: DrConsoleApp, argument: str) -> None:
    from drconsole.tui.screens.recovery_points import RecoveryPointsScreen
    from drconsole.tui.screens.vaults import VaultsScreen

    vault = pick_vault(app, argument)
    accounts = app.organization.accounts if app.organization else ()
    owner = next((a for a in accounts if a.id == vault.account_id), None)
    if owner is None:
        raise CommandError(f"the account of vault {vault.name} is not in the organization")
    trail = (*ROOT, f"{owner.name} ({owner.id})")
    app.goto(VaultsScreen(owner, ROOT), RecoveryPointsScreen(vault, trail))


def _protected(app: DrConsoleApp, argument: str) -> None:
    from drconsole.tui.screens.org_protected import OrgProtectedScreen
    from drconsole.tui.screens.protected import ProtectedResourcesScreen

    if argument.lower() in ("all", "org", "*"):
        app.goto(OrgProtectedScreen(ROOT))
        return
    account = pick_account(app, argument) if argument else _context(app, "account")
    if account is None:
        app.goto(OrgProtectedScreen(ROOT))
    else:
        app.goto(ProtectedResourcesScreen(account, ROOT))


def _jobs(app: DrConsoleApp, argument: str) -> None:
    app.action_jobs()


def _help(app: DrConsoleApp, argument: str) -> None:
    from drconsole.tui.screens.dialogs import HelpScreen

    lines = [(f":{' :'.join(c.names)} {c.argument}".rstrip(), c.help) for c in commands()]
    app.push_screen(HelpScreen.for_commands(lines))


def _quit(app: DrConsoleApp, argument: str) -> None:
    app.action_request_quit()


def _builtins() -> Iterator[Command]:
    yield Command(("accounts", "acc", "org"), "the accounts (a name filters them)", _accounts)
    yield Command(("vaults", "vault", "v"), "an account's vaults", _vaults, "[account]")
    yield Command(
        ("rp", "recovery-points", "rps"), "a vault's recovery points", _recovery_points, "[vault]"
    )
    yield Command(
        ("protected", "pr"),
        "protected resources of an account, or of all accounts",
        _protected,
        "[account|all]",
    )
    yield Command(("jobs", "job"), "copy and restore flows and jobs", _jobs)
    yield Command(("help", "?"), "this list", _help)
    yield Command(("quit", "q"), "quit drconsole", _quit)


for _command in _builtins():
    register(_command)

# Screens that register commands of their own (imported here so that their names answer
# from the first `:`).
SCREEN_COMMAND_MODULES = ("drconsole.tui.screens.readiness",)


def _screen_commands() -> None:
    import importlib

    for module in SCREEN_COMMAND_MODULES:
        importlib.import_module(module)


_screen_commands()


class CommandPrompt(ModalScreen[str | None]):
    """The `:` prompt at the bottom: type a command (Tab completes), Enter runs it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("tab", "complete", "Complete", show=False),
        # Run while the key is read: Input's own Enter posts a message handled later, and the
        # keys typed right behind it (`:drills` Enter `/web`) went into the prompt, lost with it.
        Binding("enter", "run", "Run", show=False, priority=True),
    ]
    DEFAULT_CSS = """
    CommandPrompt { align: center bottom; background: $background 30%; }
    CommandPrompt #command-box { height: auto; width: 100%; background: $panel; }
    CommandPrompt #command-hint { color: $text-muted; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        with Vertical(id="command-box"):
            hint = "  ".join(f":{c.names[0]}" for c in commands())
            yield Static(f"{hint}   (Tab completes, Esc cancels)", id="command-hint")
            yield TypedInput(
                placeholder=":command [argument]",
                suggester=SuggestFromList(names(), case_sensitive=False),
                id="command",
            )

    def on_mount(self) -> None:
        self.set_focus(self.query_one(Input))

    def on_key(self, event: events.Key) -> None:
        # Keys typed right after `:`, before the prompt has the focus, are the command.
        prompt = self.query_one(Input)
        if self.focused is prompt:
            return
        if event.is_printable and event.character is not None:
            event.stop()
            prompt.insert_text_at_cursor(event.character)

    def action_run(self) -> None:
        """Enter: run the command typed (the screen it opens takes the keys typed next)."""
        self.dismiss(self.query_one(Input).value)

    def on_input_changed(self, event: Input.Changed) -> None:
        # A `:` typed twice (or pasted with the command) is not part of it.
        if event.value.startswith(":"):
            event.input.value = event.value.lstrip(":")

    def action_complete(self) -> None:
        """Accept the suggested command name."""
        self.query_one(Input).action_cursor_right()

    def action_cancel(self) -> None:
        self.dismiss(None)
