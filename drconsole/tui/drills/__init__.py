"""Restore drills in the console: the runbooks of the runbooks folder (`DrillsScreen`), a
drill's plan and live run (`DrillScreen`), manual steps asked in a dialog, and reports.

Importing this package registers `:drills` in command mode.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from drconsole.tui import command_mode

if TYPE_CHECKING:
    from drconsole.tui.app import DrConsoleApp


def open_drills(app: DrConsoleApp, argument: str = "") -> None:
    """The Drills screen (filtered by `argument` when given)."""
    from drconsole.tui.drills.list_screen import DrillsScreen

    if isinstance(app.screen, DrillsScreen):
        if argument:
            app.screen.filter_for(argument)
        return
    app.goto(DrillsScreen(query=argument))


command_mode.register(
    command_mode.Command(
        ("drills", "drill", "dr"), "restore drills: runbooks, plans, runs, reports", open_drills
    )
)
