"""What the wizard's workers and the flow engine's thread post to the wizard screen.

Their handlers keep the wizard's names (`on_copy_restore_wizard_flow_event`...): the messages
are the screen's own, kept here only to keep the screen's module short."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from drconsole.flows import events as ev
    from drconsole.flows.execute import FlowOutcome, Prepared
    from drconsole.flows.restore_forms import RestoreForm
    from drconsole.job_request import JobRequest


class FlowEvent(Message, namespace="copy_restore_wizard"):
    """An event of the flow engine (posted from its thread)."""

    def __init__(self, event: ev.FlowEvent) -> None:
        super().__init__()
        self.event = event


class PlanReady(Message, namespace="copy_restore_wizard"):
    """The plan, its first checks and the exact requests (of the `attempt`-th plan)."""

    def __init__(self, prepared: Prepared, attempt: int) -> None:
        super().__init__()
        self.prepared = prepared
        self.attempt = attempt


class Ended(Message, namespace="copy_restore_wizard"):
    """`engine.run` returned (completed, failed, blocked or stopped)."""

    def __init__(self, outcome: FlowOutcome) -> None:
        super().__init__()
        self.outcome = outcome


class FormNeeded(Message, namespace="copy_restore_wizard"):
    """The engine waits, holding the flow's lock, for the restore form (prefilled)."""

    def __init__(self, form: RestoreForm, values: dict[str, str]) -> None:
        super().__init__()
        self.form = form
        self.values = values


class ConfirmRequest(Message, namespace="copy_restore_wizard"):
    """The engine built a request after the plan (the final restore): show it and ask."""

    def __init__(self, request: JobRequest, after_copy: bool = True) -> None:
        super().__init__()
        self.request = request
        self.after_copy = after_copy  # a restore of a copy the flow made, not in place


class Failed(Message, namespace="copy_restore_wizard"):
    """A worker failed before the flow could go on (AWS error, bad input)."""

    def __init__(self, where: str, error: BaseException) -> None:
        super().__init__()
        self.where = where
        self.error = error
