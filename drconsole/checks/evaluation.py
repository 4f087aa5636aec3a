"""Evaluate vault, key, trust and service control policies for the checks with `policy/`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from drconsole.checks.facts import OrgMembership, Unreadable
from drconsole.errors import UsageError
from drconsole.models import Check, CheckStatus
from drconsole.policy import PolicyError, Request, evaluate

ContextValues = dict[str, str | list[str]]


@dataclass(frozen=True, slots=True)
class Outcome:
    """A decision with the statements that made it, or why the policy could not be judged."""

    decision: str  # allow | explicit-deny | implicit-deny | "" when `error` is set
    statements_text: str = ""
    error: str = ""
    warnings: tuple[str, ...] = ()  # statements AWS may not evaluate as written


def decide(
    document: str,
    *,
    principal: str,
    action: str,
    resource: str,
    context: Mapping[str, str | Sequence[str]],
) -> Outcome:
    """Evaluate one policy document for one request; a malformed policy gives `error`.

    Pure, so remembered: readiness asks the same question of one vault or key policy for every
    resource type and vault pair."""
    items = tuple(
        sorted(
            (key, value if isinstance(value, str) else tuple(value))
            for key, value in context.items()
        )
    )
    return _decide(document, principal, action, resource, items)


@lru_cache(maxsize=4096)
def _decide(
    document: str,
    principal: str,
    action: str,
    resource: str,
    items: tuple[tuple[str, str | tuple[str, ...]], ...],
) -> Outcome:
    context = {key: value if isinstance(value, str) else list(value) for key, value in items}
    try:
        decision = evaluate(document, Request(action, principal, resource, dict(context)))
    except (PolicyError, UsageError) as problem:
        return Outcome("", error=str(problem))
    if decision.decision == "implicit-deny":
        return Outcome(decision.decision, "", warnings=decision.warnings)
    labels = [
        f'statement "{result.sid}"' if result.sid else f"statement #{result.index}"
        for result in decision.statements
    ]
    return Outcome(decision.decision, ", ".join(labels), warnings=decision.warnings)


def with_policy_warnings(check: Check, warnings: Sequence[str], policy_name: str) -> Check:
    """The verdict with the policy's warnings: a PASS that rests on a condition AWS may not
    evaluate as written becomes a WARN; other verdicts keep their status and say it too."""
    if not warnings:
        return check
    unique = list(dict.fromkeys(warnings))
    evidence = f"{check.evidence}; {policy_name}: " + "; ".join(unique)
    if check.status is not CheckStatus.PASS:
        return replace(check, evidence=evidence)
    return replace(
        check,
        status=CheckStatus.WARN,
        evidence=evidence,
        remediation=_rewrite_advice(unique, policy_name),
    )


def _rewrite_advice(warnings: Sequence[str], policy_name: str) -> str:
    """How to rewrite a policy so that AWS evaluates it as it is read here."""
    if all("repeats the key" in warning for warning in warnings):
        return f"Rewrite {policy_name} with each key written once in each object."
    return (
        f"Rewrite the condition of {policy_name} with the set operator it means"
        " (ForAnyValue: or ForAllValues: before the operator), so AWS evaluates it as it is"
        " read here."
    )


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
