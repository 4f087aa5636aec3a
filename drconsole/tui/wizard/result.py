"""What the wizard's result pane says when a flow stops short: the journal's failure, AWS
error or blocking check, or a worker's own failure with its cause."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text

if TYPE_CHECKING:
    from drconsole.flows.journal import FlowState


def failure_details(state: FlowState | None) -> dict[str, Any]:
    """Why the journal says the flow stopped (its failure, the AWS error that interrupted
    it, or the remediation of the check that blocks it); empty when it did not stop."""
    if state is None:
        return {}
    if state.failure:
        return state.failure
    if state.last_error:  # interrupted by an AWS error: the fix, then resume
        return state.last_error
    if state.blocked_by:
        from drconsole.flows.restore_answers import blocked_on_answers

        return {
            "remediation": state.blocked_by[0].get("remediation", ""),
            "form_again": blocked_on_answers(state),
        }
    return {}


def failure_text(where: str, error: BaseException, flow_unfinished: bool) -> Text:
    """A worker failed (`where`: planning, starting or running the flow): what, its cause and
    fix when known, and where the flow can be taken up again."""
    from drconsole.diagnose import diagnose
    from drconsole.tui.screens.dialogs import report_for

    shown = report_for(error, where).description
    text = Text(f"{where} failed: {shown}\n", style="bold red")
    if flow_unfinished:
        text.append("The flow stays in the journal: the jobs screen (j) resumes it.\n")
    diagnosis = diagnose(shown)
    if diagnosis.cause.value != "UNKNOWN":
        text.append(f"cause: {diagnosis.cause.value}\n{diagnosis.remediation}\n")
    return text
