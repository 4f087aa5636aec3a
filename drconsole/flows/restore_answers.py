"""The restore form's answers of a flow whose restore request is not confirmed yet: asked
again when its restore checks block them, changed by `jobs --resume --metadata KEY=VALUE`, and
left as they are once the request was confirmed (a confirmed request is sent as confirmed)."""

from __future__ import annotations

from collections.abc import Mapping

from drconsole.flows import journal as jr
from drconsole.flows import restore_forms as forms


def restore_confirmed(state: jr.FlowState) -> str | None:
    """How the flow's restore request was confirmed (with the plan, or confirmed and sent), in
    a few words; None while it was not (nor does the flow restore anything: see `no_restore`)."""
    if state.generation == 0 and "restore" in state.confirmed:
        return "was confirmed with the plan (a restore in place)"
    step = state.steps.get(f"{state.generation}:restore")
    if step is None:
        return None
    if step.job_id:
        return f"was confirmed and sent (restore job {step.job_id})"
    if step.token or step.request:
        # Journaled just before StartRestoreJob: it may have reached AWS, and is sent again
        # only with its token, as it was.
        return "was confirmed and journaled to be sent (it may have reached AWS)"
    return None


def form_changes_refusal(state: jr.FlowState, key: str) -> str | None:
    """Why `--metadata KEY=VALUE` may not change this flow's restore form answers; None when
    it may (the flow restores and its restore request is not confirmed yet)."""
    if not state.plan.get("restore"):
        return f"--metadata {key}: flow {state.flow_id} copies only, it has no restore form"
    how = restore_confirmed(state)
    if how is None:
        return None
    return (
        f"--metadata {key}: the restore request of flow {state.flow_id} {how}, and a resume "
        "sends it as it was confirmed; only a secret value (a password), which the journal "
        "does not keep, is given again"
    )


def blocked_on_answers(state: jr.FlowState) -> bool:
    """True when the restore checks block answers the operator may still change: the form was
    answered and journaled, and no restore request was confirmed nor sent."""
    return (
        state.status == jr.BLOCKED
        and state.blocked_step == "restore"
        and state.restore_metadata is not None
        and restore_confirmed(state) is None
    )


def prefilled(
    form: forms.RestoreForm, defaults: Mapping[str, str], answered: Mapping[str, str]
) -> dict[str, str]:
    """The form's values as last answered (the journal's `restore-form`): a field left empty
    then is empty again, not back to its default; keys that are no field are kept."""
    values = dict(defaults)
    for form_field in form.fields:
        values[form_field.key] = str(answered.get(form_field.key, ""))
    for key, value in answered.items():
        if form.field_for(key) is None:
            values[key] = str(value)
    return values
