"""Wildcards in the Action of a vault access policy, which AWS Backup does not support."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from drconsole.checks.evaluation import Outcome
from drconsole.models import CauseCode, Check, CheckStatus
from drconsole.policy import PolicyError, parse_policy

# https://docs.aws.amazon.com/aws-backup/latest/devguide/create-a-vault-access-policy.html
UNSUPPORTED = (
    "AWS Backup access policies don't support a wildcard in the Action key"
    " (AWS Backup developer guide, Vault access policies)"
)


def wildcard_only(document: str, indexes: Sequence[int], action: str) -> list[str]:
    """The statements among `indexes` that reach `action` only through a wildcard in their
    Action ('backup:Copy*'), each as `statement #i Action ['backup:Copy*']`."""
    try:
        statements = parse_policy(document).statements
    except PolicyError:
        return []
    found: list[str] = []
    for index in indexes:
        statement = statements[index]
        if statement.not_action or any(a.lower() == action.lower() for a in statement.actions):
            continue
        label = f'statement "{statement.sid}"' if statement.sid else f"statement #{index}"
        found.append(f"{label} Action {list(statement.actions)}")
    return found


def with_action_wildcards(
    check: Check, document: str, outcome: Outcome, action: str, remediation: str
) -> Check:
    """A PASS that rests only on statements granting `action` through a wildcard becomes a WARN:
    AWS stored the policy (drconsole read it back), but it documents such statements as
    unsupported, so whether the copy is allowed is not known. A Deny with a wildcard is taken
    as applying, which is the conservative reading."""
    if check.status is not CheckStatus.PASS or outcome.decision != "allow":
        return check
    wildcards = wildcard_only(document, outcome.indexes, action)
    if len(wildcards) < len(outcome.indexes):
        return check  # another statement names the action in full
    return replace(
        check,
        status=CheckStatus.WARN,
        evidence=f"{check.evidence}, but only through a wildcard ({'; '.join(wildcards)}): "
        f"{UNSUPPORTED}",
        cause=CauseCode.VAULT_POLICY_DENIES_COPY,
        remediation=remediation,
    )
