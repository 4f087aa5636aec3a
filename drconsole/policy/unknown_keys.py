"""Condition keys whose value could not be read: which statements they leave undetermined."""

from __future__ import annotations

from drconsole.policy.conditions import ConditionTest


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
