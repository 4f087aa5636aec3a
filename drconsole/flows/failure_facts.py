"""A failed step's diagnosis narrowed by what the flow knows and the job's message does not."""

from __future__ import annotations

from drconsole.diagnose.copy_access import copy_role_denied
from drconsole.flows.journal import FlowState
from drconsole.models import CauseCode, Diagnosis


def copy_failure(diagnosis: Diagnosis, state: FlowState, step: str) -> Diagnosis:
    """A copy denied backup:CopyIntoBackupVault into a vault whose access policy the step's
    checks found allowing it is the copy role's doing: say so, and give the role's fix only."""
    if diagnosis.cause is not CauseCode.VAULT_POLICY_DENIES_COPY:
        return diagnosis
    if not (step.startswith("hop") and step[3:].isdigit()) or int(step[3:]) > len(state.hops):
        return diagnosis
    if "dest.access-policy" not in state.passed_checks.get(f"{state.generation}:{step}", []):
        return diagnosis
    request = state.step(step).request or {}
    role = request.get("IamRoleArn")
    vault = state.hops[int(step[3:]) - 1]["destination"]
    return copy_role_denied(str(role) if role else None, vault)
