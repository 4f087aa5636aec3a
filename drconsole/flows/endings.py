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
    ) -> FlowOutcome:
        """End the flow failed at `step`; `result` is what it made all the same (a restore AWS
        completed with objects missing), so the operator knows where it is."""
        from drconsole.diagnose import diagnose
        from drconsole.flows.failure_facts import copy_failure

        diagnosis = _filled(
            copy_failure(diagnose(message), self._state(state.flow_id), step), state, step
        )
        code = cause or diagnosis.cause.value
        made = dict(result or {})
        self.journal.append(
            state.flow_id,
            "failed",
            step=step,
            cause=code,
            message=message,
            explanation=diagnosis.explanation,
            remediation=diagnosis.remediation,
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
    """The diagnosis with the placeholders the flow can answer filled in (the failed hop's
    source account and destination vault, or where the restore runs), since a job's message
    rarely names them."""
    from dataclasses import replace

    source = state.plan.get("source") or {}
    known = {
        "SOURCE_ACCOUNT_ID": str(source.get("account", "")),
        "SOURCE_REGION": str(source.get("region", "")),
    }
    vault = ""
    if (
        step.startswith("hop")
        and step[3:].isascii()
        and step[3:].isdigit()
        and int(step[3:]) <= len(state.hops)
    ):
        hop = state.hops[int(step[3:]) - 1]
        vault = hop["destination"]
        known["SOURCE_ACCOUNT_ID"] = hop["source"].split(":")[4]
        known["SOURCE_REGION"] = hop["source"].split(":")[3]
    elif state.plan.get("destination"):
        vault = str(state.plan["destination"])
    if vault:
        _, _, _, region, account, _, name = vault.split(":", 6)
        known.update(
            DESTINATION_VAULT_ARN=vault,
            VAULT_ARN=vault,
            VAULT_NAME=name,
            DESTINATION_ACCOUNT_ID=account,
            DESTINATION_REGION=region,
            REGION=region,
        )
    else:  # a restore in place: the source's account and Region
        known.update(
            DESTINATION_ACCOUNT_ID=known["SOURCE_ACCOUNT_ID"],
            DESTINATION_REGION=known["SOURCE_REGION"],
            REGION=known["SOURCE_REGION"],
        )

    def fill(text: str) -> str:
        for placeholder, value in known.items():
            if value:
                text = text.replace(f"<{placeholder}>", value)
        return text

    return replace(
        diagnosis, explanation=fill(diagnosis.explanation), remediation=fill(diagnosis.remediation)
    )
