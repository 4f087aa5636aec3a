"""Resource control policies on the OU path of the account owning a resource (a KMS key, a job
role), against the calls a principal makes on that resource.

RCPs never grant: "The effect of Allow is only supported for the RCPFullAWSAccess policy", which
Organizations attaches to every root, OU and account and which cannot be detached ("RCP syntax",
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html).
So only a Deny at some level can refuse a request: an RCP level is judged for explicit denies,
never for a missing Allow. RCPs don't affect resources in the management account (its facts are
None) nor AWS managed keys ("Resource control policies (RCPs)",
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html, and
"Resource control policies in AWS KMS"), nor calls made by service-linked roles ("RCPs do not
apply to calls made by service-linked roles", the same page's "Resources and entities not
restricted by RCPs"), so AWSServiceRoleForBackup's use of a key is not judged here.
"""

from __future__ import annotations

from collections.abc import Sequence

from drconsole.checks import remedies
from drconsole.checks.common import unknown_check
from drconsole.checks.facts import ScpLevel, Unreadable
from drconsole.checks.scp import ScpRequest, merge_documents
from drconsole.checks.undetermined import decide_in, undetermined_check
from drconsole.models import CauseCode, Check, CheckStatus

FAIL, UNKNOWN = CheckStatus.FAIL, CheckStatus.UNKNOWN


def with_rcps(
    judged: Check,
    levels: tuple[ScpLevel, ...] | Unreadable | None,
    requests: Sequence[ScpRequest],
    resource_account: str,
    cause: CauseCode = CauseCode.KMS_KEY_UNUSABLE,
) -> Check:
    """`judged` (the check's verdict on the resource itself) unless an RCP on
    `resource_account`'s path denies one of `requests` (FAIL with `cause`, naming the RCP, its
    target and statement), or may deny one depending on a key drconsole cannot know, or could
    not be read (UNKNOWN). A FAIL or UNKNOWN already found is kept: it says more about the
    resource than the RCPs."""
    if judged.status in (FAIL, UNKNOWN) or levels is None or not requests:
        return judged
    check = (judged.id, judged.title)
    where = f"the resource control policies of account {resource_account}"
    if isinstance(levels, Unreadable):
        return unknown_check(*check, levels, where)
    undetermined: Check | None = None
    for level in levels:
        # Deny-only: each RCP is judged on its own, so the evidence names the one that denies.
        for name, text in level.policies:
            denial = _denial(check, (level.target_id, name, text), requests, cause)
            if isinstance(denial, Check):
                return denial
            if denial is not None:
                undetermined = undetermined or denial[0]
    return undetermined or judged


def _denial(
    check: tuple[str, str],
    rcp: tuple[str, str, str],
    requests: Sequence[ScpRequest],
    cause: CauseCode,
) -> Check | tuple[Check] | None:
    """A Check when the RCP (target, name, JSON text) denies a request (FAIL) or cannot be
    read (UNKNOWN); (UNKNOWN check,) when a denial hinges on a key drconsole cannot know;
    None when it denies none."""
    target, name, text = rcp
    try:
        document = merge_documents(((name, text),))
    except remedies.UnreadablePolicy as error:
        return Check(*check, UNKNOWN, f"RCP {name} at {target} is unreadable: {error}")
    undetermined: tuple[Check] | None = None
    for request in requests:
        outcome = decide_in(
            document,
            principal=request.principal,
            action=request.action,
            resource=request.resource,
            context=request.context,
        )
        if outcome.error:
            return Check(*check, UNKNOWN, f"RCP {name} at {target}: {outcome.error}")
        denied = outcome.settled({"explicit-deny"})
        if denied is None:
            what = f"RCP {name} at {target} for {request.action}"
            undetermined = undetermined or (
                undetermined_check(check, outcome, request.context, what),
            )
        elif denied:
            return Check(
                *check,
                FAIL,
                f"the resource control policy {name} attached to {target} denies "
                f"{request.action} on {request.resource} to {request.principal} "
                f"({outcome.statements_text})",
                cause,
                f"In the management account, change the RCP {name} attached to {target} so "
                f"that {outcome.statements_text} exempts {_exempted(request.principal)} "
                f"for {request.action} on {request.resource} (aws organizations "
                f"list-policies-for-target --target-id {target} --filter "
                "RESOURCE_CONTROL_POLICY lists them).",
            )
    return undetermined


def _exempted(principal: str) -> str:
    """Who the fix exempts: a role (or its account), or an AWS service the way AWS's own data
    perimeter RCPs exempt every service principal."""
    if principal.endswith(".amazonaws.com"):
        return (
            f'{principal} (AWS\'s data perimeter RCPs add "BoolIfExists": '
            '{"aws:PrincipalIsAWSService": "false"} to such a Deny\'s condition)'
        )
    return f"{principal} (or its account)"
