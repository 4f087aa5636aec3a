"""`restore.scps`: the service control policies on the restoring account's OU path allow the
restore: StartRestoreJob and iam:PassRole by the identity that starts it, and the calls the
restore role makes to create the resource and to use its customer managed key."""

from __future__ import annotations

from drconsole.checks.common import unknown_check
from drconsole.checks.facts import RestoreFacts, Unreadable
from drconsole.checks.request_context import UnknownKey, request_context
from drconsole.checks.restore_key_calls import restore_key_requests
from drconsole.checks.role_boundary import restore_role_requests
from drconsole.checks.scp import ScpRequest, scp_verdict
from drconsole.models import Check

CHECK = ("restore.scps", "Service control policies allow the restore")
# drconsole does not read the recovery point's tags (StartRestoreJob's aws:ResourceTag/*).
RECOVERY_POINT_TAGS = UnknownKey("drconsole does not read the recovery point's tags")


def restore_point_arn(facts: RestoreFacts) -> str:
    """The recovery point StartRestoreJob names: the point itself, or, after a copy, the copy
    (whose id the copy job gives: any recovery point of the restoring account and Region)."""
    rp = facts.recovery_point
    if not facts.after_copy_to:
        return rp.arn
    region = facts.restoring_region or rp.region
    return f"arn:{rp.partition}:backup:{region}:{facts.restoring_account_id}:recovery-point:*"


def check_restore_scps(facts: RestoreFacts) -> Check:
    """No service control policy on the restoring account's OU path denies the restore."""
    levels = facts.restoring_scps
    account = facts.restoring_account_id
    if isinstance(levels, Unreadable):
        return unknown_check(*CHECK, levels, f"the service control policies of account {account}")
    rp = facts.recovery_point
    region = facts.restoring_region or rp.region
    # The identity that starts the restore; an account's root when drconsole does not know it
    # (SCPs restrict a member account's root user too).
    caller = facts.caller_arn or f"arn:{rp.partition}:iam::{account}:root"
    context = request_context(
        region=region,
        principal_account=account,
        principal_org=facts.restoring_org,
        resource_account=account,
        resource_org=facts.restoring_org,
    )
    start = context.adding(unknown={"aws:ResourceTag/": RECOVERY_POINT_TAGS})
    passing = context.adding({"iam:PassedToService": "backup.amazonaws.com"})
    requests = [
        ScpRequest(caller, "backup:StartRestoreJob", restore_point_arn(facts), start),
        ScpRequest(caller, "iam:PassRole", facts.role_arn, passing),
        *(
            ScpRequest(facts.role_arn, r.action, r.resource, r.context)
            for r in restore_role_requests(facts)
        ),
        # The KMS calls on the customer managed key the restored volume is encrypted with.
        *(
            ScpRequest(facts.role_arn, r.action, r.resource, r.context, named_resource=True)
            for r in restore_key_requests(facts)
        ),
    ]
    return scp_verdict(CHECK, levels, requests, "restore", account)
