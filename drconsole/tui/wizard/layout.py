"""The wizard's panes, one per step (destination, plan, confirm, progress, restore form, final
request, result), each a body that scrolls over a row of buttons that does not."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import ContentSwitcher, ProgressBar

from drconsole.tui.arming import ArmedCheckbox
from drconsole.tui.widgets.plain import Button, Static
from drconsole.tui.widgets.wrapped_log import WrappedLog
from drconsole.tui.wizard import render
from drconsole.tui.wizard.destinations import DestinationPane
from drconsole.tui.wizard.restore_form import RestoreFormPane

if TYPE_CHECKING:
    from drconsole.models import RecoveryPoint

ACCEPT_LABEL = "Go on anyway, as the caution above says"
FINAL_TITLE = (
    "The restore request, built from the copy's own restore metadata. It is sent exactly as "
    "shown, only if you say so:"
)
FINAL_IN_PLACE_TITLE = (
    "The restore request, built from the recovery point's own restore metadata. It is sent "
    "exactly as shown, only if you say so:"
)
FINAL_COPY_TITLE = (
    "A copy request built after the plan (AWS refused the single copy job). It is sent exactly "
    "as shown, only if you say so:"
)
# Buttons that start a job, per pane (they answer only once their pane has been read).
ARMED_BUTTONS = {"confirm": "#start", "final": "#send-final"}
# The step the steps bar highlights for each pane.
PANE_STEP = {
    "destination": "Destination",
    "plan": "Plan & checks",
    "confirm": "Confirm",
    "progress": "Copy",
    "form": "Restore form",
    "final": "Restore",
    "result": "Result",
}
# Every pane is a body that scrolls over a row of buttons that does not: whatever the
# terminal's height, the buttons and the one that has the focus stay on screen.
WIZARD_CSS = """
    CopyRestoreWizard #wizard-steps { height: 1; padding: 0 1; }
    CopyRestoreWizard #wizard-rp {
        height: auto; max-height: 2; padding: 0 1; color: $text-muted;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    CopyRestoreWizard ContentSwitcher { height: 1fr; }
    CopyRestoreWizard .pane { height: 1fr; padding: 0 1; }
    /* The gutter is kept whether or not the body scrolls, so a request never re-wraps under
       the reader when its scrollbar appears. */
    CopyRestoreWizard .body { height: 1fr; scrollbar-gutter: stable; }
    CopyRestoreWizard .buttons { height: 1; margin-top: 1; }
    CopyRestoreWizard .buttons Button { margin-right: 2; min-width: 8; }
    CopyRestoreWizard .buttons Button:focus { text-style: bold reverse; }
    CopyRestoreWizard .buttons Button.-arming { text-style: dim; }
    CopyRestoreWizard #accept-cautions.-arming { text-style: dim; }
    CopyRestoreWizard #confirm-cautions { height: auto; }
    CopyRestoreWizard #progress-log { height: 1fr; border: round $accent; }
    CopyRestoreWizard #progress-status { height: auto; }
    CopyRestoreWizard #progress-hint { height: auto; color: $text-muted; }
    CopyRestoreWizard #form-errors { color: $error; height: auto; max-height: 4; }
    """


def compose_panes(point: RecoveryPoint | None, first: str) -> ComposeResult:
    """Every pane of the wizard, `first` shown."""
    with ContentSwitcher(initial=first):
        with Vertical(id="destination", classes="pane"):
            yield DestinationPane(point)
            with Horizontal(classes="buttons"):
                yield Button("Plan and check", id="plan-button", variant="primary", compact=True)
        with Vertical(id="plan", classes="pane"):
            with VerticalScroll(classes="body", id="plan-body"):
                yield Static(id="plan-text")
            with Horizontal(classes="buttons"):
                yield Button("Next: confirm", id="to-confirm", variant="primary", compact=True)
                yield Button("Re-check", id="recheck", compact=True)
                yield Button("Checks and fixes", id="open-checks", compact=True)
                yield Button("Back", id="back-destination", compact=True)
        with Vertical(id="confirm", classes="pane"):
            with VerticalScroll(classes="body", id="confirm-body"):
                # A caution, then the box that accepts it, then the requests: at 80x24 the
                # box is on screen with what it accepts, not below the requests.
                yield Static(id="confirm-cautions")
                yield ArmedCheckbox(
                    render.toggle_label(ACCEPT_LABEL, False), id="accept-cautions", compact=True
                )
                yield Static("These requests will be sent:", id="confirm-title")
                yield Static(id="confirm-text")
            with Horizontal(classes="buttons"):
                yield Button("Start", id="start", variant="warning", compact=True)
                yield Button("Back", id="back-plan", compact=True)
        with Vertical(id="progress", classes="pane"):
            yield WrappedLog(id="progress-log")
            yield Static(id="progress-status")
            yield ProgressBar(total=100, id="restore-bar", show_eta=False)
            yield Static(
                "The flow goes on if you leave (Esc asks first); j: the jobs screen.",
                id="progress-hint",
            )
        with Vertical(id="form", classes="pane"):
            with VerticalScroll(classes="body", id="form-body"):
                yield RestoreFormPane(id="form-fields")
            # Outside the scrolling body: at 80x24 a problem below the fields would be
            # off screen, and Restore would seem to do nothing.
            yield Static(id="form-errors")
            with Horizontal(classes="buttons"):
                yield Button("Restore", id="submit-form", variant="warning", compact=True)
        with Vertical(id="final", classes="pane"):
            with VerticalScroll(classes="body", id="final-body"):
                yield Static(FINAL_TITLE, id="final-title")
                yield Static(id="final-text")
            with Horizontal(classes="buttons"):
                yield Button("Send the restore", id="send-final", variant="warning", compact=True)
                yield Button("Not now", id="hold-final", compact=True)
        with Vertical(id="result", classes="pane"):
            with VerticalScroll(classes="body", id="result-body"):
                yield Static(id="result-text")
            with Horizontal(classes="buttons"):
                yield Button("Close", id="close", compact=True)
