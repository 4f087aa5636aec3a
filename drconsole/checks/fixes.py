"""Plan the fixes drconsole can apply: the exact call and the document before and after."""

from __future__ import annotations

import json

from drconsole.checks import remedies
from drconsole.checks.facts import (
    SERVICE_LINKED_ROLE_NAME,
    CopyFacts,
    KeyFacts,
    OrgMembership,
    Unreadable,
    VaultFacts,
)
from drconsole.checks.remedies import FixPlan
from drconsole.errors import UsageError


class FixNotPossible(UsageError):
    """The facts a fix needs could not be read, so drconsole cannot plan it."""


def plan_fix(fix_id: str, facts: CopyFacts) -> FixPlan:
    """The plan for one fix of a copy check, computed from the facts the check judged."""
    planners = {
        remedies.FIX_VAULT_POLICY: _vault_policy_plan,
        remedies.FIX_KEY_POLICY: _key_policy_plan,
        remedies.FIX_SERVICE_LINKED_ROLE: _slr_plan,
        remedies.FIX_CROSS_ACCOUNT: _cross_account_plan,
    }
    planner = planners.get(fix_id)
    if planner is None:
        raise UsageError(f"unknown fix {fix_id!r} (known: {', '.join(planners)})")
    return planner(facts)


def _vault_policy_plan(facts: CopyFacts) -> FixPlan:
    vault = facts.dest_vault
    if not isinstance(vault, VaultFacts) or isinstance(vault.access_policy, Unreadable):
        raise FixNotPossible("the destination vault's access policy could not be read")
    current = vault.access_policy
    try:
        before = remedies.pretty(remedies.load_policy(current)) if current else ""
        document = remedies.add_statements(
            current,
            [
                remedies.vault_policy_statement(
                    facts.recovery_point.account_id, facts.recovery_point.partition
                )
            ],
        )
    except remedies.UnreadablePolicy as error:
        raise FixNotPossible(
            f"the destination vault's access policy is unreadable: {error}"
        ) from None
    after = remedies.pretty(document)
    return FixPlan(
        fix_id=remedies.FIX_VAULT_POLICY,
        title=f"Let account {facts.recovery_point.account_id} copy into vault {vault.name}",
        account_id=vault.account_id,
        region=vault.region,
        service="backup",
        operation="PutBackupVaultAccessPolicy",
        parameters=(("BackupVaultName", vault.name), ("Policy", json.dumps(document))),
        before=before,
        after=after,
        target=f"access policy of {vault.arn}",
    )


def _key_policy_plan(facts: CopyFacts) -> FixPlan:
    key = facts.source_key
    if not isinstance(key, KeyFacts) or not isinstance(key.policy, str):
        raise FixNotPossible("the source key's policy could not be read")
    try:
        document = remedies.add_statements(
            key.policy,
            remedies.key_policy_statements(facts.dest_account_id, facts.recovery_point.partition),
        )
    except remedies.UnreadablePolicy as error:
        raise FixNotPossible(f"the source key's policy is unreadable: {error}") from None
    parts = key.arn.split(":")
    return FixPlan(
        fix_id=remedies.FIX_KEY_POLICY,
        title=f"Share key {key.arn} with account {facts.dest_account_id}'s AWS Backup",
        account_id=parts[4],
        region=parts[3],
        service="kms",
        operation="PutKeyPolicy",
        parameters=(
            ("KeyId", key.arn),
            ("PolicyName", "default"),
            ("Policy", json.dumps(document)),
        ),
        before=remedies.pretty(remedies.load_policy(key.policy)),
        after=remedies.pretty(document),
        target=f"key policy of {key.arn}",
    )


def _slr_plan(facts: CopyFacts) -> FixPlan:
    role = {
        "RoleName": SERVICE_LINKED_ROLE_NAME,
        "Path": "/aws-service-role/backup.amazonaws.com/",
        "AWSServiceName": "backup.amazonaws.com",
    }
    return FixPlan(
        fix_id=remedies.FIX_SERVICE_LINKED_ROLE,
        title=f"Create AWS Backup's service-linked role in account {facts.dest_account_id}",
        account_id=facts.dest_account_id,
        region=facts.dest_region,
        service="iam",
        operation="CreateServiceLinkedRole",
        parameters=(("AWSServiceName", "backup.amazonaws.com"),),
        before="",
        after=remedies.pretty(role),
        target=f"IAM roles of account {facts.dest_account_id}",
    )


def _cross_account_plan(facts: CopyFacts) -> FixPlan:
    org = facts.source_org
    management = org.management_account_id if isinstance(org, OrgMembership) else None
    if not management:
        raise FixNotPossible("the organization's management account could not be read")
    return FixPlan(
        fix_id=remedies.FIX_CROSS_ACCOUNT,
        title="Enable cross-account backup for the organization",
        account_id=management,
        region=facts.recovery_point.region,
        service="backup",
        operation="UpdateGlobalSettings",
        parameters=(("GlobalSettings", json.dumps({"isCrossAccountBackupEnabled": "true"})),),
        before=remedies.pretty({"isCrossAccountBackupEnabled": "false"}),
        after=remedies.pretty({"isCrossAccountBackupEnabled": "true"}),
        target=f"AWS Backup global settings of management account {management} in "
        f"{facts.recovery_point.region}",
    )
