"""Whether the identity that starts a job may pass the job's role to AWS Backup (iam:PassRole),
for the restore and the copy checks alike."""

from __future__ import annotations

import json

from drconsole.checks.common import unknown_check
from drconsole.checks.facts import Unreadable
from drconsole.models import CauseCode, Check, CheckStatus


def pass_role_verdict(
    cid: str,
    title: str,
    caller_arn: str,
    role_arn: str,
    allowed: bool | Unreadable | None,
    policy_name: str,
) -> Check:
    """PASS when `caller_arn` may pass `role_arn` to backup.amazonaws.com (None: the caller is
    the account's root, not judged); FAIL with the statement to add; UNKNOWN when unreadable."""
    if allowed is None:
        return Check(cid, title, CheckStatus.PASS, "not judged: the caller is the account's root")
    if isinstance(allowed, Unreadable):
        # The caller itself may be what could not be read (its Region did not answer).
        who = caller_arn or "the identity that starts the job"
        return unknown_check(cid, title, allowed, f"whether {who} may pass {role_arn}")
    if allowed:
        return Check(
            cid,
            title,
            CheckStatus.PASS,
            f"{caller_arn} may pass {role_arn} (iam:SimulatePrincipalPolicy)",
        )
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": role_arn,
                "Condition": {"StringEquals": {"iam:PassedToService": "backup.amazonaws.com"}},
            }
        ],
    }
    name = caller_arn.rsplit("/", 1)[-1]
    kind = "user" if ":user/" in caller_arn else "role"
    return Check(
        cid,
        title,
        CheckStatus.FAIL,
        f"{caller_arn} may not pass {role_arn} (iam:PassRole, as iam:SimulatePrincipalPolicy "
        "answers)",
        CauseCode.ROLE_PERMISSIONS,
        f"Let it pass the role: aws iam put-{kind}-policy --{kind}-name {name} --policy-name "
        f"{policy_name} --policy-document '{json.dumps(policy)}' (or start the job as an "
        "identity that may pass it).",
    )
