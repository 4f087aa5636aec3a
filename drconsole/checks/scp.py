"""Service control policies on an account's OU path against the requests of a copy or restore.

Every level (the root, each OU, the account) must allow a request, and a deny at any level
denies it ("SCP evaluation",
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html).
The management account is subject to none: its facts are None and the verdict PASSes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from drconsole.checks import remedies
from drconsole.checks.facts import ScpLevel
from drconsole.checks.request_context import RequestContext
from drconsole.checks.undetermined import decide_in, undetermined_check
from drconsole.models import CauseCode, Check, CheckStatus

PASS, FAIL, UNKNOWN = CheckStatus.PASS, CheckStatus.FAIL, CheckStatus.UNKNOWN


@dataclass(frozen=True, slots=True)
class ScpRequest:
    """One request the SCPs judge: who makes it, its action and resource, its context."""

    principal: str
    action: str
    resource: str
    context: RequestContext
    # The evidence names the resource too (a key the restore uses, say), not only the action.
    named_resource: bool = False


def scp_verdict(
    check: tuple[str, str],
    levels: tuple[ScpLevel, ...] | None,
    requests: Sequence[ScpRequest],
    job: str,
    account: str,
) -> Check:
    """PASS when every level allows every request (`job`: "copy" or "restore", as the
    evidence and the fix name it) in `account` (named, not "this account": the evidence
    says where it read), FAIL naming the level and action it does not allow,
    UNKNOWN when a level is unreadable or hinges on a key not known (a certain denial at
    another level or request still FAILs)."""
    cid, title = check
    if levels is None:
        return Check(cid, title, PASS, f"no service control policies apply to account {account}")
    undetermined: Check | None = None
    for level in levels:
        if not level.policies:
            return Check(
                cid,
                title,
                FAIL,
                f"no SCP is attached at {level.target_id}: every action is implicitly denied",
                CauseCode.ROLE_PERMISSIONS,
                "In the management account, attach an SCP (e.g. FullAWSAccess) to "
                f"{level.target_id}.",
            )
        names = ", ".join(name for name, _ in level.policies)
        try:
            document = merge_documents(level.policies)
        except remedies.UnreadablePolicy as error:
            return Check(
                cid, title, UNKNOWN, f"SCP at {level.target_id} ({names}) is unreadable: {error}"
            )
        for request in requests:
            outcome = decide_in(
                document,
                principal=request.principal,
                action=request.action,
                resource=request.resource,
                context=request.context,
            )
            if outcome.error:
                return Check(cid, title, UNKNOWN, f"SCP at {level.target_id}: {outcome.error}")
            allowed = outcome.settled({"allow"})
            if allowed is None:
                where = f"SCPs at {level.target_id} ({names}) for {request.action}"
                undetermined = undetermined or undetermined_check(
                    check, outcome, request.context, where
                )
            elif not allowed:
                how = "denies" if outcome.decision == "explicit-deny" else "does not allow"
                return Check(
                    cid,
                    title,
                    FAIL,
                    f"SCPs at {level.target_id} ({names or 'none'}) {how} {request.action}"
                    + (f" on {request.resource}" if request.named_resource else ""),
                    CauseCode.ROLE_PERMISSIONS,
                    f"In the management account, change the SCP {names or 'none'} attached to "
                    f"{level.target_id} so that it allows {request.action} for this {job} "
                    f"({outcome.statements_text or 'no allowing statement'}).",
                )
    if undetermined is not None:
        return undetermined
    return Check(cid, title, PASS, f"{len(levels)} SCP levels allow the {job}")


def merge_documents(policies: tuple[tuple[str, str], ...]) -> str:
    """The SCPs of one level as one document. A statement Organizations stored without
    Resource or NotResource is read as `"Resource": "*"`, as drconsole always read it: the
    evaluator refuses such an identity-policy statement (IAM does), and whether Organizations
    accepts one in an SCP is not documented."""
    statements: list[object] = []
    for _, text in policies:
        document = remedies.load_policy(text)
        statements.extend(
            s if "Resource" in s or "NotResource" in s else {**s, "Resource": "*"}
            for s in document["Statement"]
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})
