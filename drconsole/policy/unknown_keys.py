"""Condition keys whose value could not be read: which statements they leave undetermined."""

from __future__ import annotations

from dataclasses import replace

from drconsole.policy.conditions import ConditionTest, Context


def is_unknown(key: str, unknown: frozenset[str]) -> bool:
    """True when `key` (any case) is one of the unknown keys or of an unknown family."""
    name = key.strip().lower()
    return name in unknown or any(u.endswith("/") and name.startswith(u) for u in unknown)


def unknown_tested(test: ConditionTest, unknown: frozenset[str]) -> str | None:
    """The unknown key a condition test depends on (its key or a variable in its values)."""
    if is_unknown(test.key, unknown):
        return test.key
    for value in test.values:
        for kind, name, _ in value.parts:
            if kind == "var" and is_unknown(name, unknown):
                return name
    return None


def settled_without_unknown_values(
    test: ConditionTest, context: Context, unknown: frozenset[str]
) -> tuple[bool, str] | None:
    """The test's answer when values holding a variable that could not be read cannot change
    it, else None. More values can only add matches: a positive operator (and ForAllValues or
    ForAnyValue over one) that holds on the other values holds whatever they are, a negated
    one that fails on them fails; a key the request lacks is judged without any value."""
    if is_unknown(test.key, unknown):
        return None
    known = tuple(
        value
        for value in test.values
        if not any(kind == "var" and is_unknown(name, unknown) for kind, name, _ in value.parts)
    )
    held, why = replace(test, values=known).evaluate(context)
    request = context.get(test.key.lower())
    absent = request is None or (bool(test.set_operator) and not any(request))
    negated = test.base is not None and test.base.negated
    return (held, why) if absent or held != negated else None
