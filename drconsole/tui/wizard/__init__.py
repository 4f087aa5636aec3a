"""The copy-back and restore wizard: recovery point -> destination -> plan and checks ->
confirm -> copy progress -> restore form -> restore progress -> result.

A wizard whose flow has started is kept alive when the operator leaves it (Textual's installed
screens are not destroyed when popped): its flow goes on, and the jobs screen takes the
operator back to it (`reopen_flow`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.screen import Screen

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
    """Go back to the wizard that runs this flow, or open one on the journal's flow."""
    if reopen_flow(app, flow_id):
        return
    if app.settings.read_only:
        app.notify("Read-only mode: resuming a flow starts jobs.", severity="warning")
        return
    from drconsole.tui.wizard.screen import CopyRestoreWizard

    app.push_screen(CopyRestoreWizard(None, flow_id=flow_id))


def reopen_flow(app: DrConsoleApp, flow_id: str) -> bool:
    """Bring back the live wizard of `flow_id` (False when this console has none)."""
    wizard = app.flow_wizards.get(flow_id)
    if wizard is None:
        return False
    if wizard in app.screen_stack:
        while app.screen is not wizard:
            app.pop_screen()
    else:
        app.push_screen(wizard)
    return True


def keep_alive(app: DrConsoleApp, wizard: Screen[None]) -> None:
    """From now on leaving `wizard` does not destroy it (its flow has started)."""
    if not app.is_screen_installed(wizard):
        app.install_screen(wizard, name=f"flow-wizard-{id(wizard)}")


def register_flow(app: DrConsoleApp, wizard: Screen[None], flow_id: str) -> None:
    """`wizard` runs `flow_id`: the jobs screen's Enter on that flow comes back to it."""
    keep_alive(app, wizard)
    app.flow_wizards[flow_id] = wizard
    app.show_jobs_key()


def unregister(app: DrConsoleApp, wizard: Screen[None]) -> None:
    """`wizard` no longer runs a flow: the jobs screen resumes it in a new wizard."""
    for flow_id, live in list(app.flow_wizards.items()):
        if live is wizard:
            del app.flow_wizards[flow_id]


def discard(app: DrConsoleApp, wizard: Screen[None]) -> None:
    """Close `wizard` if it is on top, forget its flow, and let Textual destroy it. A wizard
    under another screen (the jobs screen opened from it) is left as it is."""
    if wizard in app.screen_stack and app.screen is not wizard:
        return
    unregister(app, wizard)

    async def close() -> None:
        if app.screen is wizard:
            await app.pop_screen()
        if app.uninstall_screen(wizard) is not None:
            await wizard.remove()

    app.call_later(close)
