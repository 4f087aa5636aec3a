"""FlowEndings: how a flow ends (done, failed, interrupted by AWS), journaled and emitted."""

from __future__ import annotations

from typing import Any

from drconsole.aws.errors import classify, describe
from drconsole.flows import events as ev
from drconsole.flows import journal as jr
from drconsole.flows.engine_base import EngineBase, FlowOutcome
from drconsole.models import CauseCode


class FlowEndings(EngineBase):
    """The endings of a flow, with the diagnosis its journal and last event carry."""

    def _done(self, flow_id: str, result: dict[str, Any]) -> FlowOutcome:
        self.journal.append(flow_id, "done", result=result)
        self.emit(ev.FlowFinished(flow_id, "completed", "done", result))
        return FlowOutcome(flow_id, "completed", result)

    def _fail(
        self,
        state: jr.FlowState,
        step: str,
        message: str,
        *,
        job_failed: bool,
        cause: str | None = None,
        aws_error: bool = False,
        result: dict[str, Any] | None = None,
        ended: tuple[str, str] | None = None,
    ) -> FlowOutcome:
        """End the flow failed at `step`; `result` is what it made all the same (a restore AWS
        completed with objects missing), so the operator knows where it is; `ended` is the
        (kind, state) of the job that ended it, whose state explains a message not recognised."""
        from drconsole.diagnose import diagnose, with_state_meaning
        from drconsole.flows.failure_facts import copy_failure

        diagnosis = diagnose(message)
        if ended is not None:
            diagnosis = with_state_meaning(diagnosis, *ended)
        diagnosis = _filled(copy_failure(diagnosis, self._state(state.flow_id), step), state, step)
        code = cause or diagnosis.cause.value
        # A cause given by the flow (a check's) is known; AWS's text alone may fit others.
        also = () if cause else tuple(other.value for other in diagnosis.also)
        made = dict(result or {})
        self.journal.append(
            state.flow_id,
            "failed",
            step=step,
            cause=code,
            message=message,
            explanation=diagnosis.explanation,
            remediation=diagnosis.remediation,
            **({"also_possible": list(also)} if also else {}),
            **({"result": made} if made else {}),
        )
        self.emit(
            ev.FlowFinished(
                state.flow_id,
                "failed",
                step,
                result=made,
                cause=code,
                message=message,
                explanation=diagnosis.explanation,
                remediation=diagnosis.remediation,
                also_possible=also,
            )
        )
        return FlowOutcome(
            state.flow_id, "failed", made, cause=code, message=message, aws_error=aws_error
        )

    def _interrupted(self, flow_id: str, exc: BaseException) -> FlowOutcome:
        """An AWS call failed at a step: journal where and why, leave the flow to a resume."""
        from drconsole.diagnose import diagnose_exception

        state = self._state(flow_id)
        step = self._at_step.get(flow_id) or state.current_step()
        diagnosis = _filled(diagnose_exception(exc), state, step)
        code = classify(exc)
        cause = (diagnosis.cause if code is CauseCode.UNKNOWN else code).value
        message = describe(exc)
        operation = str(getattr(exc, "operation_name", "") or "")
        remediation = (
            f"{diagnosis.remediation} Then `drconsole jobs --resume --flow {flow_id}` carries "
            f"the flow on from {step}, never starting a job twice."
        ).strip()
        self.journal.append(
            flow_id,
            "aws-error",
            step=step,
            operation=operation,
            cause=cause,
            message=message,
            explanation=diagnosis.explanation,
            remediation=remediation,
        )
        self.emit(
            ev.FlowFinished(
                flow_id,
                "interrupted",
                step,
                cause=cause,
                message=message,
                explanation=diagnosis.explanation,
                remediation=remediation,
            )
        )
        return FlowOutcome(flow_id, "interrupted", cause=cause, message=message, aws_error=True)


def _filled(diagnosis: Any, state: jr.FlowState, step: str) -> Any:
    """The diagnosis with the placeholders the flow can answer filled in, since a job's message
    rarely names them: for a copy step, the failed hop's source (where its job runs), its
    destination and the recovery point it copies; and where the restore runs."""
    from drconsole.diagnose import placeholders as ph

    source = state.plan.get("source") or {}
    point = str(state.plan.get("recovery_point") or "")
    destination = str(state.plan.get("destination") or "")
    restore_account = str(source.get("account", ""))
    restore_region = str(source.get("region", ""))
    if destination:  # the restore runs where the last copy went
        restore_region, restore_account, _ = ph.vault_parts(destination)
    known = {
        "SOURCE_ACCOUNT_ID": str(source.get("account", "")),
        "SOURCE_REGION": str(source.get("region", "")),
    }
    hop = _hop_number(step, len(state.hops))
    if hop:
        if hop > 1:  # the point this hop copies is what the hop before it made
            point = _made_by(state, hop - 1)
        vaults = state.hops[hop - 1]
        known |= ph.copy_values(point, vaults["source"], vaults["destination"])
    else:
        if step == "restore" and state.hops:  # it restores what the last copy made
            point = _made_by(state, len(state.hops))
        known |= ph.copy_values(point, "", destination)
    known |= {"RESTORE_ACCOUNT_ID": restore_account, "RESTORE_REGION": restore_region}
    return ph.filled_in(diagnosis, known)


def _hop_number(step: str, hops: int) -> int:
    """N for step `hopN` of a route of `hops` copies; 0 for any other step."""
    number = step[3:]
    if step.startswith("hop") and number.isascii() and number.isdigit() and int(number) <= hops:
        return int(number)
    return 0


def _made_by(state: jr.FlowState, hop: int) -> str:
    """The recovery point copy step `hopN` made ('' while it has made none)."""
    made = state.steps.get(f"{state.generation}:hop{hop}")
    return (made.result_arn or "") if made else ""
