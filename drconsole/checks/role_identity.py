"""A role's identity policies, read as documents, against the actions it performs for a restore
or a copy: an explicit Deny in any of them denies, and without an Allow in one of them IAM
denies implicitly ("Policy evaluation logic",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from drconsole.checks.common import unknown_check
from drconsole.checks.facts import RoleFacts, Unreadable
from drconsole.checks.role_boundary import RoleRequest, role_fix_words
from drconsole.checks.undetermined import decide_in, undetermined_check
from drconsole.models import CauseCode, Check, CheckStatus
from drconsole.shell_words import shell_word


@dataclass(frozen=True, slots=True)
class IdentityAllows:
    """What the documents allow: for each request allowed, the policy that allows it, and the
    requests no policy allows (`action on resource`)."""

    allowed_by: dict[str, str]
    not_allowed: tuple[str, ...]


def judge_identity(
    check: tuple[str, str],
    role: RoleFacts,
    requests: Sequence[RoleRequest],
    *,
    allow_judged: bool = True,
) -> Check | IdentityAllows | None:
    """FAIL when an identity policy explicitly denies one of `requests` (naming the policy and
    its statements); UNKNOWN when a document could not be read or judged, or a Deny (or, with
    `allow_judged`, the only Allow) hinges on a key not known; else what the documents allow.
    None: the documents were not read (facts built without them)."""
    policies = role.identity_policies
    if policies is None or not requests:
        return None
    cid, title = check
    if isinstance(policies, Unreadable):
        return unknown_check(cid, title, policies, f"the identity policies of {role.arn}")
    for policy in policies:
        if isinstance(policy.document, Unreadable):
            return unknown_check(cid, title, policy.document, f"{policy.described} of {role.arn}")
    denied: list[tuple[str, str]] = []  # (policy described, what it denies)
    undetermined: Check | None = None
    allowed_by: dict[str, str] = {}
    maybe_allowed: Check | None = None
    for request in requests:
        for policy in policies:
            assert isinstance(policy.document, str)
            outcome = decide_in(
                policy.document,
                principal=role.arn,
                action=request.action,
                resource=request.resource,
                context=request.context,
            )
            name = f"{policy.described} of {role.arn}"
            if outcome.error:
                return Check(
                    cid,
                    title,
                    CheckStatus.UNKNOWN,
                    f"{name} could not be judged: {outcome.error}",
                    CauseCode.UNKNOWN,
                    f"Check {name} by hand for a Deny of "
                    f"{', '.join(dict.fromkeys(r.action for r in requests))}.",
                )
            denies = outcome.settled({"explicit-deny"})
            if denies:
                denied.append(
                    (policy.described, f"{outcome.statements_text} denies {request.action} on "
                     f"{request.resource}")
                )  # fmt: skip
            elif denies is None:
                undetermined = undetermined or undetermined_check(
                    check, outcome, request.context, name
                )
            elif outcome.settled({"allow"}):
                allowed_by.setdefault(request.action, policy.described)
            elif outcome.settled({"allow"}) is None:
                maybe_allowed = maybe_allowed or undetermined_check(
                    check, outcome, request.context, name
                )
    if denied:
        return _denied(check, role, denied)
    if undetermined is not None:
        return undetermined
    missing = tuple(f"{r.action} on {r.resource}" for r in requests if r.action not in allowed_by)
    if allow_judged and missing and maybe_allowed is not None:
        return maybe_allowed
    return IdentityAllows(allowed_by, missing)


def _denied(
    check: tuple[str, str],
    role: RoleFacts,
    denied: list[tuple[str, str]],
) -> Check:
    """FAIL: an identity policy denies what the role must do, with the commands that take the
    Deny away (narrowing the statement, or removing the policy from the role)."""
    cid, title = check
    role_name, where = role_fix_words(role)
    commands: list[str] = []
    for described, _ in denied:
        if described.startswith("inline policy "):
            name = shell_word(described.removeprefix("inline policy "))
            command = (
                f"aws iam put-role-policy --role-name {role_name} --policy-name {name} "
                "--policy-document file://policy.json (without the Deny), or aws iam "
                f"delete-role-policy --role-name {role_name} --policy-name {name}"
            )
        else:
            arn = shell_word(described.removeprefix("policy "))
            command = (
                f"aws iam create-policy-version --policy-arn {arn} --policy-document "
                "file://policy.json --set-as-default (without the Deny), or aws iam "
                f"detach-role-policy --role-name {role_name} --policy-arn {arn}"
            )
        commands.append(command)
    return Check(
        cid,
        title,
        CheckStatus.FAIL,
        f"{role.arn}: "
        + "; ".join(f"{described}: {what}" for described, what in denied)
        + ": an explicit Deny in an identity policy overrides every Allow",
        CauseCode.ROLE_PERMISSIONS,
        f"{where}take the Deny away: " + "; ".join(dict.fromkeys(commands)),
    )
