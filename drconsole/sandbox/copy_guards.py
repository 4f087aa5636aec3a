"""What stops a sandbox copy for want of permission: the service control policies on the source
account's OU path (for StartCopyJob and iam:PassRole by the caller, and for the copy role's
backup:CopyFromBackupVault and backup:CopyIntoBackupVault), and the copy role's own permissions
boundary, identity-policy Denies, and the Allow its identity policies (AWS managed ones
included) or a vault policy of its own account naming it must give.

StartCopyJob refused by an SCP answers AccessDeniedException at once, in IAM's documented
wording; the copy role refused its own calls makes the job FAIL with "Access Denied trying to
call AWS Backup service." (AWS's message for a copy denied backup:CopyIntoBackupVault, which
AWS names for the role's identity policy as for the vault's policy; for the other refusals it is
inferred). Every rule is read with the sandbox's own policy matcher (access.py).
"""

from __future__ import annotations

import json
from typing import Any

from drconsole.sandbox.access import (
    Caller,
    ContextValue,
    Request,
    allows,
    denies,
    organization_of,
    request_keys,
)
from drconsole.sandbox.restore_guards import (
    boundary_allows,
    identity_allows,
    identity_denies,
    levels_refusal,
    scp_levels,
    scp_refusal,
)

COPY_FROM = "backup:CopyFromBackupVault"
COPY_INTO = "backup:CopyIntoBackupVault"


def start_refusal(
    account_id: str,
    region: str,
    caller: str,
    point_arn: str,
    role_arn: str,
    point_tags: dict[str, str],
) -> str | None:
    """IAM's AccessDenied for StartCopyJob on the recovery point, or for passing the copy role,
    when an SCP on the source account's path does not allow the caller's request (else None)."""
    tags = {f"aws:ResourceTag/{key}": value for key, value in point_tags.items()}
    refused = scp_refusal(account_id, region, caller, "backup:StartCopyJob", point_arn, tags)
    if refused is None:
        passed = {"iam:PassedToService": "backup.amazonaws.com"}
        refused = scp_refusal(account_id, region, caller, "iam:PassRole", role_arn, passed)
    return refused


def copy_targets(dest_vault_arn: str, dest_account_id: str) -> dict[str, ContextValue]:
    """backup:CopyTargets, and backup:CopyTargetOrgPaths when the destination is in an
    organization (its OU path)."""
    keys: dict[str, ContextValue] = {"backup:CopyTargets": [dest_vault_arn]}
    org = organization_of(dest_account_id)
    if org is not None:
        keys["backup:CopyTargetOrgPaths"] = [org.org_path]
    return keys


def role_requests(
    source: tuple[str, str],
    destination: tuple[str, str, str],
    role_arn: str,
    point: tuple[str, dict[str, str]],
    vault_tags: dict[str, str],
) -> list[Request]:
    """The copy role's two requests: CopyFromBackupVault on the recovery point in the source
    Region (with the point's tags), CopyIntoBackupVault on the destination vault in its Region
    (with the vault's tags); both carry the copy targets."""
    source_account, source_region = source
    dest_account, dest_region, dest_vault_arn = destination
    point_arn, point_tags = point
    targets = copy_targets(dest_vault_arn, dest_account)
    caller = Caller(account_id=source_account, arn=role_arn)

    def request(
        action: str, resource: str, region: str, owner: str, tags: dict[str, str]
    ) -> Request:
        context: dict[str, ContextValue] = {
            **request_keys(region, source_account, owner),
            "aws:PrincipalArn": role_arn,
            **targets,
            **{f"aws:ResourceTag/{key}": value for key, value in tags.items()},
        }
        return Request(caller=caller, action=action, resource=resource, context=context)

    return [
        request(COPY_FROM, point_arn, source_region, source_account, point_tags),
        request(COPY_INTO, dest_vault_arn, dest_region, dest_account, vault_tags),
    ]


def role_refused(
    source_account: str,
    role_arn: str,
    requests: list[Request],
    vault_policies: tuple[str | None, str | None] = (None, None),
) -> bool:
    """True when one of the copy role's requests is explicitly denied by one of its identity
    policies, allowed by none of them (nor by the vault policy of `vault_policies` — source
    vault's, then a same-account destination vault's — naming the role), not allowed by its
    permissions boundary, or refused by an SCP on the source account's path (the role is the
    source account's: its SCPs judge both requests)."""
    levels = scp_levels(source_account)
    return any(
        identity_denies(role_arn, request)
        or not (identity_allows(role_arn, request) or names_role_allowing(policy, request))
        or not boundary_allows(role_arn, request)
        or (bool(levels) and levels_refusal(levels, request) is not None)
        for request, policy in zip(requests, vault_policies, strict=True)
    )


def names_role_allowing(policy: str | None, request: Request) -> bool:
    """True when a vault policy of the role's own account allows the request by a statement
    naming the role (or every principal) and denies it nowhere. IAM allows a request within
    one account when the identity OR the resource policy allows it; a statement naming only
    the account delegates to IAM policies and grants nothing by itself."""
    if policy is None:
        return False
    try:
        document = json.loads(policy)
    except ValueError:
        return False  # a malformed policy allows nothing
    statements = document.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    naming = [s for s in statements if _names_role(s.get("Principal"), request.caller.arn)]
    return not denies(document, request) and allows({"Statement": naming}, request)


def _names_role(principal: Any, role_arn: str) -> bool:
    if principal == "*":
        return True
    values = principal.get("AWS", []) if isinstance(principal, dict) else []
    values = [values] if isinstance(values, str) else values
    return any(value in ("*", role_arn) for value in values)
