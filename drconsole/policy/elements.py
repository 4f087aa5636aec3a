"""Action/NotAction and Resource/NotResource of a statement against a request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drconsole.policy.conditions import Chars, Context, UnresolvedVariable, wildcard_match
from drconsole.policy.unknown_keys import is_unknown

if TYPE_CHECKING:
    from drconsole.policy.evaluator import Statement


def match_action(statement: Statement, action: str) -> tuple[bool, str]:
    """Whether the action is in Action (or outside NotAction), and why: without regard to case."""
    hit = next((a for a in statement.actions if wildcard_match(_live(a), action, True)), None)
    word = "NotAction" if statement.not_action else "Action"
    if statement.not_action:
        if hit is None:
            return True, f"{action} is outside NotAction"
        return False, f"{action} is excluded by NotAction '{hit}'"
    if hit is None:
        return False, f"{action} is not in {word} {list(statement.actions)}"
    return True, f"{action} matches '{hit}'"


def _live(text: str) -> Chars:
    return tuple((c, True) for c in text)


def match_resource(
    statement: Statement, resource: str | None, context: Context, unknown: frozenset[str]
) -> tuple[bool, str]:
    """Whether the request's resource is in Resource (or outside NotResource), and why.

    An entry with a policy variable that has no value matches no resource (AWS: "the resource
    that includes a policy variable with no value will not match any resource"), in Resource
    and NotResource alike; one whose variable's value could not be read raises
    UnresolvedVariable when no other entry matches, as the statement may or may not apply.
    """
    if statement.resources is None:
        return True, ""
    # A request without a resource is an action without resource-level permissions: "*".
    target = resource if resource is not None else "*"
    hit: str | None = None
    nulls: list[str] = []
    unread: str | None = None
    for entry in statement.resources:
        chars = entry.resolve(context)
        if chars is None:
            name = entry.missing(context) or ""
            if is_unknown(name, unknown):
                unread = unread or name
            else:
                nulls.append(f" ('{entry.raw}' matches no resource: ${{{name}}} has no value)")
        elif wildcard_match(chars, target):
            hit = entry.raw
            break
    if hit is None and unread is not None:
        raise UnresolvedVariable(unread)
    note = "".join(nulls)
    if statement.not_resource:
        if hit is None:
            return True, f"resource {target} is outside NotResource{note}"
        return False, f"resource {target} is excluded by NotResource '{hit}'"
    if hit is None:
        shown = [r.raw for r in statement.resources]
        return False, f"resource {target} does not match Resource {shown}{note}"
    return True, f"resource {target} matches '{hit}'"
