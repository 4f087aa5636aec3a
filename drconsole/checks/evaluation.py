"""Evaluate vault, key, trust and service control policies for the checks with `policy.py`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from drconsole.checks.facts import OrgMembership, Unreadable
from drconsole.errors import UsageError
from drconsole.policy import PolicyError, Request, evaluate

ContextValues = dict[str, str | list[str]]


@dataclass(frozen=True, slots=True)
class Outcome:
    """A decision with the statements that made it, or why the policy could not be judged."""

    decision: str  # allow | explicit-deny | implicit-deny | "" when `error` is set
    statements_text: str = ""
    error: str = ""


def decide(
    document: str,
    *,
    principal: str,
    action: str,
    resource: str,
    context: Mapping[str, str | Sequence[str]],
) -> Outcome:
    """Evaluate one policy document for one request; a malformed policy gives `error`."""
    try:
        decision = evaluate(document, Request(action, principal, resource, dict(context)))
    except (PolicyError, UsageError) as problem:
        return Outcome("", error=str(problem))
    if decision.decision == "implicit-deny":
        return Outcome(decision.decision, "")
    labels = [
        f'statement "{result.sid}"' if result.sid else f"statement #{result.index}"
        for result in decision.statements
    ]
    return Outcome(decision.decision, ", ".join(labels))


def principal_context(
    org: OrgMembership | Unreadable, account_id: str
) -> tuple[ContextValues, bool]:
    """Request context for a principal of `account_id`; False when org keys are missing."""
    context: ContextValues = {"aws:PrincipalAccount": account_id}
    if isinstance(org, Unreadable) or org.org_id is None:
        return context, not isinstance(org, Unreadable)
    context["aws:PrincipalOrgID"] = org.org_id
    if org.org_path:
        context["aws:PrincipalOrgPaths"] = [org.org_path]
    return context, org.org_path is not None
