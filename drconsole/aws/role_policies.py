"""The documents of a role's identity policies: its attached managed ones and its inline ones."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from drconsole.aws.answers import required
from drconsole.aws.role_boundary import managed_policy_document, policy_text
from drconsole.checks.facts import IdentityPolicy, Unreadable

# Documents read at once: a role seldom has more than a few policies, and each read is one or
# two round trips that would otherwise add up on the role's read.
DOCUMENT_READERS = 4


def identity_policies(
    reader: Any,
    iam_client: Callable[[], Any],
    role_name: str,
    attached: tuple[str, ...] | Unreadable | None,
    inline: tuple[str, ...] | Unreadable | None,
) -> tuple[IdentityPolicy, ...] | Unreadable:
    """Each attached managed policy at its default version (GetPolicy, GetPolicyVersion) and
    each inline one (GetRolePolicy); a list that could not be read makes them all Unreadable,
    a document that could not be read is that policy's Unreadable document. `iam_client`
    gives the role's account's IAM client, asked for in the thread that reads with it (so that
    a failure names where it happened).

    A managed policy is read once per run (see managed_policy_document): readiness reads each of
    AWS's own once however many accounts attach it."""
    if isinstance(attached, Unreadable):
        return attached
    if isinstance(inline, Unreadable):
        return inline
    wanted = [(arn, False) for arn in attached or ()] + [(name, True) for name in inline or ()]
    if not wanted:
        return ()

    def one(item: tuple[str, bool]) -> IdentityPolicy:
        name, is_inline = item
        iam = iam_client()
        if is_inline:
            return IdentityPolicy(name, True, _inline_document(reader, iam, role_name, name))
        return IdentityPolicy(name, False, managed_policy_document(reader, iam, name))

    if len(wanted) == 1:
        return (one(wanted[0]),)
    with ThreadPoolExecutor(max_workers=min(DOCUMENT_READERS, len(wanted))) as pool:
        return tuple(pool.map(one, wanted))


def _inline_document(reader: Any, iam: Any, role_name: str, name: str) -> str | Unreadable:
    """GetRolePolicy's document of one inline policy, or why it could not be read."""
    document = reader.read(
        "iam:GetRolePolicy",
        lambda: required(
            iam.get_role_policy(RoleName=role_name, PolicyName=name),
            "PolicyDocument",
            "GetRolePolicy",
        ),
    )
    if document is None:
        return Unreadable("iam:GetRolePolicy", "NoSuchEntity", f"inline policy {name} not found")
    return document if isinstance(document, Unreadable) else policy_text(document)
