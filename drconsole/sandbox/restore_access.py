"""Who may do what in a sandbox restore: the caller passing the restore role (iam:PassRole),
the restore role and AWS Backup's service-linked role using the destination key, and IAM's
SimulatePrincipalPolicy (moto lacks it) answered from the same policies.

These rules use the sandbox's own policy reading (access.py); they share nothing with
drconsole's checks or its policy evaluator.
"""

from __future__ import annotations

from typing import Any

from drconsole.sandbox.access import (
    Caller,
    Request,
    allows,
    find_role,
    is_aws_managed_key,
    key_policy,
    request_keys,
    service_linked_role_arn,
)

# AWS's authorization failure, as StartRestoreJob returns it (AccessDeniedException).
MSG_PASS_ROLE_DENIED = (
    "User: {caller} is not authorized to perform: iam:PassRole on resource: {role_arn}"
)


def _caller_role(caller: str) -> str:
    """The role name of an assumed-role session ARN, else ""."""
    if ":assumed-role/" not in caller:
        return ""
    return caller.split(":assumed-role/", 1)[1].split("/", 1)[0]


def may_pass_role(account_id: str, caller: str, role_arn: str) -> bool:
    """True when the caller (a root or an assumed-role session) may pass the role."""
    from drconsole.sandbox.restores import role_allows

    name = _caller_role(caller)
    if not name:
        return caller.endswith(":root")
    role = find_role(account_id, name)
    context = {"iam:PassedToService": "backup.amazonaws.com"}
    return role is not None and role_allows(role.arn, "iam:PassRole", role_arn, context)


def pass_role_refusal(account_id: str, caller: str, role_arn: str | None) -> str | None:
    """The AccessDenied message when the caller may not pass the role, else None."""
    if not role_arn or may_pass_role(account_id, caller, role_arn):
        return None
    return MSG_PASS_ROLE_DENIED.format(caller=caller, role_arn=role_arn)


def key_admits_restore(key_arn: str, account_id: str, role_arn: str) -> bool:
    """True when the key policy lets the restore role and the account's AWSServiceRoleForBackup
    create grants for the restored resource (AWS managed keys admit their own account)."""
    if is_aws_managed_key(key_arn):
        return key_arn.split(":")[4] == account_id
    policy = key_policy(key_arn)
    for principal in (role_arn, service_linked_role_arn(account_id)):
        request = Request(
            caller=Caller(account_id=account_id, arn=principal),
            action="kms:CreateGrant",
            resource=key_arn,
            context={
                **request_keys(key_arn.split(":")[3], account_id, key_arn.split(":")[4]),
                "kms:GrantIsForAWSResource": "true",
                "kms:CallerAccount": account_id,
                "aws:PrincipalArn": principal,
            },
        )
        if not allows(policy, request):
            return False
    return True


def _simulate_principal_policy(self: Any) -> Any:
    """IAM SimulatePrincipalPolicy for a role: each action on each resource, from the role's
    policies as the sandbox reads them."""
    from moto.core.responses import ActionResult

    from drconsole.sandbox.restores import role_allows

    source = self._get_param("PolicySourceArn")
    actions = self._get_param("ActionNames", [])
    resources = self._get_param("ResourceArns", []) or ["*"]
    # The request context the caller asks about (iam:PassedToService for iam:PassRole).
    context = {
        str(entry.get("ContextKeyName", "")): str((entry.get("ContextKeyValues") or [""])[0])
        for entry in self._get_param("ContextEntries", []) or []
    }
    results = [
        {
            "EvalActionName": action,
            "EvalResourceName": resource,
            "EvalDecision": (
                "allowed" if role_allows(source, action, resource, context) else "implicitDeny"
            ),
        }
        for action in actions
        for resource in resources
    ]
    return ActionResult({"EvaluationResults": results, "IsTruncated": False})


def install() -> None:
    """Teach moto's IAM to answer SimulatePrincipalPolicy."""
    from moto.iam.responses import IamResponse

    IamResponse.simulate_principal_policy = _simulate_principal_policy  # type: ignore[attr-defined]
