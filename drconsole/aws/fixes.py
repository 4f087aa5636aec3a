"""Apply a planned fix with boto3, after checking nothing changed since it was planned.

Every call is written to the audit log with the caller's identity: its intent before it is
sent, its outcome (applied, failed or interrupted) after.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from drconsole.aws.answers import required
from drconsole.aws.audit import AuditLog, audited_call
from drconsole.aws.errors import classify, describe, error_code
from drconsole.aws.session import AwsSessions
from drconsole.checks import remedies
from drconsole.checks.facts import SERVICE_LINKED_ROLE_NAME
from drconsole.checks.remedies import FixPlan
from drconsole.errors import AwsError, ReadOnlyViolation

SLR_PATH = "/aws-service-role/backup.amazonaws.com/"
BACKUP_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "backup.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


class FixConflict(AwsError):
    """The document changed between the check and the fix: re-run the check."""


def apply_fix(sessions: AwsSessions, plan: FixPlan, audit: AuditLog | None = None) -> str:
    """Apply one fix; returns a one-line summary. Refused up front in read-only mode."""
    if sessions.read_only:
        raise ReadOnlyViolation(
            f"fix '{plan.fix_id}' refused: read-only mode is on ({plan.operation} would change "
            f"{plan.target})"
        )
    audit = audit or AuditLog.of(sessions)
    client = sessions.client(plan.service, account_id=plan.account_id, region=plan.region)
    params = dict(plan.parameters)
    _ensure_unchanged(client, plan)
    try:
        return audited_call(
            audit,
            lambda: _call(sessions, client, plan, params),
            caller_arn=_caller(sessions),
            account_id=plan.account_id,
            region=plan.region,
            operation=f"{plan.service}:{plan.operation}",
            parameters={**params, "fix": plan.fix_id},
        )
    except (ClientError, BotoCoreError) as exc:
        raise AwsError(f"{plan.title}: {describe(exc)}", classify(exc).value) from None


def _call(sessions: AwsSessions, client: Any, plan: FixPlan, params: dict[str, str]) -> str:
    if plan.fix_id == remedies.FIX_VAULT_POLICY:
        client.put_backup_vault_access_policy(
            BackupVaultName=params["BackupVaultName"], Policy=params["Policy"]
        )
    elif plan.fix_id == remedies.FIX_KEY_POLICY:
        client.put_key_policy(
            KeyId=params["KeyId"], PolicyName=params["PolicyName"], Policy=params["Policy"]
        )
    elif plan.fix_id == remedies.FIX_CROSS_ACCOUNT:
        client.update_global_settings(GlobalSettings=json.loads(params["GlobalSettings"]))
    elif plan.fix_id == remedies.FIX_SERVICE_LINKED_ROLE:
        _create_service_linked_role(sessions, client)
    else:
        raise AwsError(f"unknown fix {plan.fix_id!r}")
    return f"applied: {plan.title}"


def _create_service_linked_role(sessions: AwsSessions, iam: Any) -> None:
    try:
        iam.create_service_linked_role(AWSServiceName="backup.amazonaws.com")
    except ClientError as exc:
        if error_code(exc) != "InvalidInput":  # InvalidInput: it already exists
            raise
    if _role_named(iam, SERVICE_LINKED_ROLE_NAME):
        return
    if sessions.endpoint_in_use("iam"):
        # An AWS-compatible endpoint (the sandbox) may name the service-linked role its own
        # way; AWS Backup looks for AWSServiceRoleForBackup, so create it under that name.
        iam.create_role(
            RoleName=SERVICE_LINKED_ROLE_NAME,
            Path=SLR_PATH,
            AssumeRolePolicyDocument=json.dumps(BACKUP_TRUST),
            Description="Service-linked role for AWS Backup",
        )


def _role_named(iam: Any, name: str) -> bool:
    try:
        role = required(iam.get_role(RoleName=name), "Role", "GetRole")
        return bool(role.get("RoleName") == name)
    except ClientError as exc:
        if error_code(exc) == "NoSuchEntity":
            return False
        raise


def _ensure_unchanged(client: Any, plan: FixPlan) -> None:
    """Refuse to overwrite a policy someone changed after the check read it."""
    current: str | None = None
    try:
        if plan.fix_id == remedies.FIX_VAULT_POLICY:
            name = dict(plan.parameters)["BackupVaultName"]
            current = client.get_backup_vault_access_policy(BackupVaultName=name).get("Policy")
        elif plan.fix_id == remedies.FIX_KEY_POLICY:
            key = dict(plan.parameters)["KeyId"]
            current = client.get_key_policy(KeyId=key, PolicyName="default").get("Policy")
        else:
            return
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise AwsError(f"{plan.title}: {describe(exc)}") from None
    try:
        now = remedies.pretty(remedies.load_policy(current)) if current else ""
    except remedies.UnreadablePolicy:
        now = None  # unreadable now, though read when the check ran: it changed
    if now != plan.before:
        raise FixConflict(
            f"{plan.target} changed since the check read it; re-run the check before fixing"
        )


def _caller(sessions: AwsSessions) -> str:
    try:
        return sessions.caller_identity_arn()
    except Exception:  # the entry must still be written when STS is unreachable
        return "unknown"
