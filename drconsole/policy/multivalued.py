"""Warnings for conditions AWS may not evaluate as written: single-valued operators on
multivalued keys (aws:PrincipalOrgPaths, backup:CopyTargets...), set operators on single-valued
keys (aws:PrincipalOrgID...), a session role's unknown path."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from drconsole.policy.conditions import ConditionTest, Context
from drconsole.policy.principals import Principal, session_path_warning

if TYPE_CHECKING:
    from drconsole.policy.evaluator import Statement


# Condition keys AWS documents as multivalued (a request can carry several values).
MULTI_VALUED_KEYS = frozenset(
    {
        "aws:principalorgpaths",
        "aws:resourceorgpaths",
        "aws:sourceorgpaths",
        "aws:tagkeys",
        "aws:calledvia",
        "backup:copytargets",
        "backup:copytargetorgpaths",
        "kms:encryptioncontextkeys",
        "kms:grantoperations",
        "aws:principalservicenameslist",
    }
)
# Global keys AWS documents as single-valued that policies of cross-account backup test, and
# the tag-key families (one value per tag key). AWS: "Do not use condition set operators
# ForAllValues or ForAnyValue with single-valued context keys. Using condition set operators
# with single-valued context keys can lead to overly permissive policies."
SINGLE_VALUED_KEYS = frozenset(
    {
        "aws:principalorgid",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:principaltype",
        "aws:principalservicename",
        "aws:resourceaccount",
        "aws:resourceorgid",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:requestedregion",
        "aws:sourceip",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:username",
        "aws:userid",
    }
)
SINGLE_VALUED_FAMILIES = ("aws:principaltag/", "aws:resourcetag/", "aws:requesttag/")


def set_operator_warning(test: ConditionTest, effect: str, where: str, why: str) -> str | None:
    """A WARN for a plain (non set) operator on a multivalued key, naming the likely intent.

    AWS leaves the result of a single-valued operator on a multivalued key undefined. In an
    Allow, a positive operator usually means "any value matches" and a negated one "no value
    matches"; in a Deny, AWS's own examples use ForAllValues with the negated operators.
    """
    if test.set_operator or test.base is None:
        return None
    if test.base.negated:
        meant, other = "ForAllValues", "ForAnyValue"
        other_means = "if one value is enough"
    else:
        meant, other = "ForAnyValue", "ForAllValues"
        other_means = "if every value must match"
    return (
        f"{where}: {test.operator} on {test.key}, {why}: AWS leaves the result of a"
        " single-valued operator on a multivalued key undefined; probably meant"
        f" {meant}:{test.operator} (or {other}:{test.operator} {other_means}) in this {effect}"
    )


def single_valued_warning(test: ConditionTest, where: str) -> str | None:
    """A WARN for a set operator on a single-valued key, saying how it treats a request that
    lacks the key, which is where it departs from the plain operator."""
    key = test.key.strip().lower()
    single = key in SINGLE_VALUED_KEYS or key.startswith(SINGLE_VALUED_FAMILIES)
    if not test.set_operator or not single:
        return None
    plain = test.operator.split(":", 1)[1]
    absent = "holds" if test.set_operator == "ForAllValues" else "fails"
    return (
        f"{where}: {test.operator} on {test.key}, a single-valued key: AWS advises against set"
        ' operators on single-valued keys ("can lead to overly permissive policies");'
        f" with {test.set_operator} the condition {absent} when the request lacks the key,"
        f" whatever the operator; probably meant {plain}"
    )


def multi_valued_warnings(statements: Sequence[Statement]) -> tuple[str, ...]:
    warnings = []
    for statement in statements:
        for test in statement.conditions:
            where = f"{statement.where}.Condition"
            if test.key.strip().lower() in MULTI_VALUED_KEYS:
                warning = set_operator_warning(test, statement.effect, where, "a multivalued key")
            else:
                warning = single_valued_warning(test, where)
            if warning:
                warnings.append(warning)
    return tuple(warnings)


def request_warnings(statements: Sequence[Statement], context: Context) -> tuple[str, ...]:
    """Plain operators on keys that this request gives several values (e.g. via --context)."""
    warnings = []
    for statement in statements:
        for test in statement.conditions:
            key = test.key.strip().lower()
            values = context.get(key, ())
            if key in MULTI_VALUED_KEYS or len(values) < 2:
                continue
            why = f"which the request gives {len(values)} values"
            where = f"{statement.where}.Condition"
            warning = set_operator_warning(test, statement.effect, where, why)
            if warning:
                warnings.append(warning)
    return tuple(warnings)


def principal_warnings(
    statements: Sequence[Statement], principal: Principal, given: Mapping[str, object]
) -> tuple[str, ...]:
    """A condition on aws:PrincipalArn of a session whose role's path cannot be known."""
    tested = {t.key.strip().lower() for s in statements for t in s.conditions}
    warning = session_path_warning(principal, tested, {key.strip().lower() for key in given})
    return (warning,) if warning else ()
