"""The UNKNOWN verdict of a policy whose decision hinges on a key drconsole could not read."""

from __future__ import annotations

from drconsole.checks import unreadable
from drconsole.checks.common import cause_of_code
from drconsole.checks.evaluation import Outcome, decide
from drconsole.checks.request_context import RequestContext
from drconsole.models import CauseCode, Check, CheckStatus


def decide_in(
    document: str, *, principal: str, action: str, resource: str, context: RequestContext
) -> Outcome:
    """`decide` with a request context's known and unknown keys."""
    return decide(
        document,
        principal=principal,
        action=action,
        resource=resource,
        context=context.values,
        unknown=tuple(context.unknown),
    )


def undetermined_check(
    check: tuple[str, str], outcome: Outcome, context: RequestContext, policy_name: str
) -> Check:
    """UNKNOWN, naming the statements and keys the decision hinges on and why those keys are
    not known; the cause is that of the failed read (AccessDenied: ROLE_PERMISSIONS), else
    UNKNOWN (a value drconsole does not read, or one AWS does not document)."""
    cid, title = check
    causes = context.causes(outcome.unknown_text)
    why = "; ".join(dict.fromkeys(c.why for c in causes)) or "drconsole cannot know its value"
    evidence = (
        f"{policy_name}: {outcome.statements_text} tests {outcome.unknown_text}, whose value "
        f"in AWS's request is not known here ({why}); AWS's decision is {outcome.restrictive} "
        f"or {outcome.permissive} depending on it"
    )
    refused = next((c.refused for c in causes if c.refused is not None), None)
    if refused is not None:
        cause = cause_of_code(refused.code)
        remedy = unreadable.remedy(refused, cause, "the organization")
        return Check(cid, title, CheckStatus.UNKNOWN, evidence, cause, remedy)
    return Check(
        cid,
        title,
        CheckStatus.UNKNOWN,
        evidence,
        CauseCode.UNKNOWN,
        f"Check {outcome.statements_text} of {policy_name} against what AWS sends for "
        f"{outcome.unknown_text}, or write the policy so that it does not hinge on that key.",
    )
