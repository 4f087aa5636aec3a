"""Evaluate vault, key, trust and service control policies for the checks with `policy/`."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from drconsole.errors import UsageError
from drconsole.models import Check, CheckStatus
from drconsole.policy import PolicyError, Request, evaluate
from drconsole.policy.evaluator import StatementResult


@dataclass(frozen=True, slots=True)
class Outcome:
    """A decision with the statements that made it, or why the policy could not be judged."""

    decision: str  # allow | explicit-deny | implicit-deny | unknown | "" when `error` is set
    statements_text: str = ""
    error: str = ""
    warnings: tuple[str, ...] = ()  # statements AWS may not evaluate as written
    # For `unknown`: the decision when every undetermined Deny applies and no undetermined
    # Allow does, and the reverse (policy/evaluator.py); `statements_text` names the
    # undetermined statements and `unknown_text` the keys they test.
    restrictive: str = ""
    permissive: str = ""
    unknown_text: str = ""
    indexes: tuple[int, ...] = ()  # the positions of the statements `statements_text` names

    def settled(self, wanted: Collection[str]) -> bool | None:
        """Whether the decision is one of `wanted` whatever the unknown keys hold; None when
        that depends on them."""
        if self.decision != "unknown":
            return self.decision in wanted
        low, high = self.restrictive in wanted, self.permissive in wanted
        return low if low == high else None


def decide(
    document: str,
    *,
    principal: str,
    action: str,
    resource: str,
    context: Mapping[str, str | Sequence[str]],
    unknown: Collection[str] = (),
) -> Outcome:
    """Evaluate one policy document for one request; a malformed policy gives `error`.
    `unknown` names keys AWS sends whose value could not be read.

    Pure, so remembered: readiness asks the same question of one vault or key policy for every
    resource type and vault pair."""
    items = tuple(
        sorted(
            (key, value if isinstance(value, str) else tuple(value))
            for key, value in context.items()
        )
    )
    return _decide(document, principal, action, resource, items, tuple(sorted(unknown)))


@lru_cache(maxsize=4096)
def _decide(
    document: str,
    principal: str,
    action: str,
    resource: str,
    items: tuple[tuple[str, str | tuple[str, ...]], ...],
    unknown: tuple[str, ...] = (),
) -> Outcome:
    context = {key: value if isinstance(value, str) else list(value) for key, value in items}
    request = Request(action, principal, resource, dict(context), frozenset(unknown))
    try:
        decision = evaluate(document, request)
    except (PolicyError, UsageError) as problem:
        return Outcome("", error=str(problem))
    if decision.decision == "implicit-deny":
        return Outcome(decision.decision, "", warnings=decision.warnings)
    labels = ", ".join(statement_label(result) for result in decision.statements)
    if decision.decision == "unknown":
        keys = dict.fromkeys(key for result in decision.statements for key in result.unknown_keys)
        return Outcome(
            decision.decision,
            labels,
            warnings=decision.warnings,
            restrictive=decision.restrictive,
            permissive=decision.permissive,
            unknown_text=", ".join(keys),
            indexes=tuple(result.index for result in decision.statements),
        )
    indexes = tuple(result.index for result in decision.statements)
    return Outcome(decision.decision, labels, warnings=decision.warnings, indexes=indexes)


def statement_label(result: StatementResult) -> str:
    """`statement "Sid"` or `statement #i`, as the checks name a statement."""
    return f'statement "{result.sid}"' if result.sid else f"statement #{result.index}"


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
    if all("a single-valued key" in warning for warning in warnings):
        return (
            f"Rewrite the condition of {policy_name} without the set operator (ForAnyValue: or"
            " ForAllValues:) on the single-valued key, so a request without the key is judged"
            " as the plain operator judges it."
        )
    return (
        f"Rewrite the condition of {policy_name} with the set operator it means"
        " (ForAnyValue: or ForAllValues: before the operator), so AWS evaluates it as it is"
        " read here."
    )
