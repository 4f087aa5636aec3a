"""The organization's backup account as drconsole knows it, for the caution before a restore.

The configured `backup_account_id` decides; without one, the account is judged as the
organization walk judges it for readiness and the console (aws/organization.account_role: its
name contains "backup"), from one DescribeAccount. An organization drconsole cannot read
(a member account's caller, no Organizations) leaves it unknown: then only an account holding
a copy of another account's resource is taken for it (flows/cautions.in_backup_account).
"""

from __future__ import annotations

from typing import Any

from drconsole.aws.errors import AWS_FAILURES
from drconsole.aws.org_reads_account import organization_account
from drconsole.aws.organization import account_role
from drconsole.errors import AwsError


def is_backup_account(sessions: Any, candidate: str) -> bool | None:
    """Whether `candidate` is the organization's backup account: the configured one decides,
    else the organization's name for it; None when neither can be had (nothing known)."""
    configured: str | None = sessions.settings.backup_account_id
    if configured:
        return candidate == configured
    name = account_name(sessions, candidate)
    if name is None:
        return None
    management = sessions.settings.management_account_id or ""
    return account_role(candidate, name, management, None) == "backup"


def account_name(sessions: Any, account_id: str) -> str | None:
    """The account's name in the organization (asked where the organization is read: the
    caller's own account when it may, else the management account), or None when it cannot be
    read."""
    try:
        client = sessions.client("organizations", organization_account(sessions))
        answer = client.describe_account(AccountId=account_id)
    except (*AWS_FAILURES, AwsError):
        return None
    name = (answer.get("Account") or {}).get("Name")
    return name if isinstance(name, str) and name else None
