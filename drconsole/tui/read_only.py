"""Read-only mode in the console: the READ-ONLY badge on every screen, nothing mutating offered;
and the BREAK-GLASS badge on every screen while break-glass credentials are in use.

The guarantee itself is below the UI (the botocore guard in `aws/readonly.py`); this module makes
the screens say so and stop offering what would be refused. Screens with a mutating action
inherit `ReadOnlyActions`, whose `check_action` hides those bindings from the footer, the `?`
help and the keyboard. The badge is added by the app to every screen pushed
(`badge_every_screen`), so a new screen cannot forget it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen

from drconsole.tui.widgets.chrome import TopBar

if TYPE_CHECKING:
    from textual.app import App

# Actions that start jobs or change AWS resources or the journal: never offered in read-only.
MUTATING_ACTIONS = frozenset(
    {"wizard", "fix", "resume", "abandon", "run_drill", "abandon_drill", "clean_up_drill"}
)

# The breadcrumb of screens that have no trail of their own.
SCREEN_TITLES = {
    "ChecksScreen": "Checks",
    "JobsScreen": "Jobs",
    "CopyRestoreWizard": "Copy back / restore",
}


def is_read_only(app: Any) -> bool:
    """True when the app's settings say read-only."""
    settings = getattr(app, "settings", None)
    return bool(getattr(settings, "read_only", False))


class ReadOnlyActions:
    """Mixin for screens: mutating actions are disabled and hidden in read-only mode.

    A subclass that defines its own `check_action` must end with `super().check_action(...)`.
    """

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """False (hidden and refused) for a mutating action in read-only mode."""
        app = cast(DOMNode, self).app
        return not (action in MUTATING_ACTIONS and is_read_only(app))


def break_glass_name(app: Any) -> str | None:
    """The break-glass credentials the app acts with, or None."""
    return getattr(getattr(app, "settings", None), "break_glass", None)


def add_badge(screen: Screen[Any]) -> None:
    """Give `screen` a top bar with the READ-ONLY and BREAK-GLASS badges the app needs, unless
    it already shows them."""
    if isinstance(screen, ModalScreen) or not screen.is_attached:
        return
    read_only = is_read_only(screen.app)
    break_glass = break_glass_name(screen.app)
    missing: list[Any] = []
    if break_glass and not screen.query("#break-glass-badge"):
        missing.append(TopBar.break_glass_badge(break_glass))
    if read_only and not screen.query("#read-only-badge"):
        missing.append(TopBar.badge())
    if not missing:
        return
    existing = screen.query(TopBar)
    if existing:
        existing.first().mount_all(missing)
        return
    trail = getattr(screen, "trail", None) or (
        SCREEN_TITLES.get(type(screen).__name__, type(screen).__name__),
    )
    children = list(screen.children)
    bar = TopBar(trail, read_only=read_only, break_glass=break_glass)
    screen.mount(bar, before=children[0] if children else None)


def badge_every_screen(app: App[Any]) -> None:
    """In read-only mode or with break-glass credentials, badge every screen as it is shown."""
    if not is_read_only(app) and not break_glass_name(app):
        return

    def shown(screen: Screen[Any]) -> None:
        # Published before a new screen is composed: add the bar once it is mounted.
        screen.call_later(add_badge, screen)

    app.screen_change_signal.subscribe(app, shown)
