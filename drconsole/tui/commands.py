"""drconsole's entries in the command palette: jump to an account, a vault, or a view."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from drconsole.tui.widgets.cell_width import escaped_lines

if TYPE_CHECKING:
    from drconsole.tui.app import DrConsoleApp


class DrConsoleCommands(Provider):
    """Accounts and vaults loaded so far, their protected resources, and the help screen."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        from drconsole.tui.screens.org_protected import OrgProtectedScreen
        from drconsole.tui.screens.protected import ProtectedResourcesScreen
        from drconsole.tui.screens.recovery_points import RecoveryPointsScreen
        from drconsole.tui.screens.vaults import VaultsScreen

        app: DrConsoleApp = self.app  # type: ignore[assignment]
        root = ("Organization",)
        commands: list[tuple[str, str, Callable[[], object]]] = [
            ("Keys", "Show every key binding", app.action_help),
            (
                "Jobs",
                "Copy and restore flows and jobs in flight"
                + ("" if app.settings.read_only else "; resume them"),
                app.action_jobs,
            ),
            (
                "Drills",
                "Restore drills: runbooks, last results and RTO trends"
                + ("; plans and reports" if app.settings.read_only else "; plan, run, reports"),
                app.action_drills,
            ),
            (
                "Readiness",
                "Could every account and Region recover now: verdicts, causes and fixes",
                app.action_readiness,
            ),
            (
                "Protected resources, all accounts",
                "Every resource's current RPO, vault and DR copy, stalest first",
                partial(app.goto, OrgProtectedScreen(root)),
            ),
        ]
        organization = app.organization
        if organization is None:
            return commands
        accounts = {account.id: account for account in organization.accounts}
        for account in sorted(organization.accounts, key=lambda a: a.name.lower()):
            label = f"{account.name} ({account.id})"
            commands.append(
                (
                    f"Account {label}",
                    f"Vaults of {account.name} in {account.ou_path or 'Root'}",
                    partial(app.goto, VaultsScreen(account, root)),
                )
            )
            commands.append(
                (
                    f"Protected resources {label}",
                    f"Each resource's newest recovery point in {account.name}",
                    partial(app.goto, ProtectedResourcesScreen(account, root)),
                )
            )
        for account_id, vaults in app.vaults_by_account.items():
            owner = accounts.get(account_id)
            if owner is None:
                continue
            for vault in vaults.values():
                trail = (*root, f"{owner.name} ({owner.id})")
                commands.append(
                    (
                        f"Vault {vault.name} {vault.region} ({owner.name})",
                        f"{vault.recovery_point_count:,} recovery points",
                        partial(
                            app.goto,
                            VaultsScreen(owner, root),
                            RecoveryPointsScreen(vault, trail),
                        ),
                    )
                )
        return commands

    def _written_commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        # Names come from AWS: the palette reads a prompt and its help as markup (an account
        # named `[/x] ops` stopped the console) and passes control characters on. The help is
        # given as Content, which the palette's `Content.from_markup` returns as it is: Textual's
        # markup `escape` leaves some names unescaped (`ops [/:` stopped the console too).
        return [
            (escaped_lines(name), cast(str, Content(escaped_lines(help_text))), callback)
            for name, help_text, callback in self._commands()
        ]

    async def discover(self) -> Hits:
        for name, help_text, callback in self._written_commands():
            yield DiscoveryHit(Content(name), callback, text=name, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._written_commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, highlighted(matcher, name), callback, text=name, help=help_text)


def highlighted(matcher: Matcher, name: str) -> Content:
    """`name` as written, the letters the query matched highlighted (Textual's own
    `Matcher.highlight` reads the name as markup)."""
    content = Content(name)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, name)
    for offset in offsets:
        if not name[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content
