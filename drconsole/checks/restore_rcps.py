"""`restore.key` with the resource control policies of the key's account: the restore role's
KMS calls on the customer managed key of a restored EBS volume or EC2 instance must not be
denied by an RCP on that account's OU path."""

from __future__ import annotations

from drconsole.checks.facts import RestoreFacts
from drconsole.checks.rcp import with_rcps
from drconsole.checks.request_context import account_of
from drconsole.checks.restore_access import check_restore_key
from drconsole.checks.restore_key_calls import customer_managed_key, restore_key_requests
from drconsole.checks.scp import ScpRequest
from drconsole.models import Check


def check_restore_key_and_rcps(facts: RestoreFacts) -> Check:
    """`restore.key`, then the RCPs on the path of the account owning the key, against the
    restore role's calls (the restore role is a service role, not a service-linked role, so
    RCPs apply to it; AWSServiceRoleForBackup's own use of the key is exempt)."""
    judged = check_restore_key(facts)
    key = customer_managed_key(facts)
    if key is None:
        return judged
    requests = [
        ScpRequest(facts.role_arn, r.action, r.resource, r.context)
        for r in restore_key_requests(facts)
    ]
    return with_rcps(judged, facts.key_rcps, requests, account_of(key.arn))
