"""The copy-back and restore wizard: recovery point -> destination -> plan and checks ->
confirm -> copy progress -> restore form -> restore progress -> result."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drconsole.models import RecoveryPoint
    from drconsole.tui.app import DrConsoleApp


def open_wizard(app: DrConsoleApp, point: RecoveryPoint) -> None:
    """Open the wizard on a recovery point (refused at once in read-only mode)."""
    if app.settings.read_only:
        app.notify(
            "Read-only mode: copy and restore flows start jobs, so they are not offered.",
            severity="warning",
        )
        return
    from drconsole.tui.wizard.screen import CopyRestoreWizard

    app.push_screen(CopyRestoreWizard(point))


def resume_in_wizard(app: DrConsoleApp, flow_id: str) -> None:
    """Open the wizard on an unfinished flow of the journal and carry it on."""
    if app.settings.read_only:
        app.notify("Read-only mode: resuming a flow starts jobs.", severity="warning")
        return
    from drconsole.tui.wizard.screen import CopyRestoreWizard

    app.push_screen(CopyRestoreWizard(None, flow_id=flow_id))
