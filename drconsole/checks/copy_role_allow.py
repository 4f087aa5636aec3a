"""Whether anything allows the copy role its two Backup actions: its identity policies, or, on a
vault of the role's own account, that vault's access policy naming the role.

IAM allows a request within one account when the identity policy OR the resource policy
allows it, and a cross-account request only when both do ("Policy evaluation for requests
within a single account", "Cross-account policy evaluation logic", IAM User Guide). A resource
policy naming the account (`arn:aws:iam::ACCOUNT:root`) delegates to the account's IAM policies
and grants nothing by itself ("AWS account principals"), so only a statement naming the role
(or `*`) counts. AWS's own answer for a copy refused CopyIntoBackupVault names both the role's
identity policy and the vault's (repost.aws, "backup-resolve-access-denied-error"), and
AWSBackupServiceRolePolicyForBackup allows both actions (statements BackupVaultPermissions and
BackupVaultCopyPermissions). Whether AWS Backup lets a same-account vault policy stand in for
the role's own Allow is not documented: such a copy is a WARN, not a PASS.
"""

from __future__ import annotations

from dataclasses import replace

from drconsole.checks.common import unknown_check
from drconsole.checks.facts import CopyFacts, RoleFacts, Unreadable
from drconsole.checks.role_boundary import RoleRequest, role_fix_words
from drconsole.checks.role_identity import IdentityAllows
from drconsole.errors import UsageError
from drconsole.models import CauseCode, Check, CheckStatus
from drconsole.partitions import BACKUP_POLICY, managed_policy
from drconsole.policy import PolicyError, Request, evaluate_resource_policy


def allow_verdict(
    facts: CopyFacts,
    role: RoleFacts,
    requests: list[RoleRequest],
    judged: IdentityAllows,
    verdict: Check,
) -> Check:
    """`verdict` (the trust's PASS) with what allows each request; FAIL (ROLE_PERMISSIONS) when
    nothing allows one; WARN when only a same-account vault's access policy naming the role
    does; UNKNOWN when that vault's policy could not be read."""
    if not judged.not_allowed:
        allowing = "; ".join(f"{by} allows {action}" for action, by in judged.allowed_by.items())
        return replace(verdict, evidence=f"{verdict.evidence}; {allowing}")
    missing = [r for r in requests if r.action not in judged.allowed_by]
    by_vault: list[str] = []
    refused: list[str] = []
    for request in missing:
        policy, vault = _vault_policy_of(facts, request)
        if isinstance(policy, Unreadable):
            return unknown_check(verdict.id, verdict.title, policy, f"the access policy of {vault}")
        owner = facts.recovery_point.account_id  # both vaults counted are in the role's account
        if policy is not None and _vault_allows_on_its_own(policy, role.arn, request, owner):
            by_vault.append(f"{request.action} (only the access policy of {vault} allows it)")
        else:
            refused.append(f"{request.action} on {request.resource}")
    name, where = role_fix_words(role)
    fix = (
        f"{where}attach AWS's managed policy for the copy role: aws iam attach-role-policy "
        f"--role-name {name} --policy-arn "
        f"{managed_policy(BACKUP_POLICY, facts.recovery_point.partition)} "
        "(or allow backup:CopyFromBackupVault and backup:CopyIntoBackupVault in a policy of "
        "the role)"
    )
    if refused:
        policies = role.identity_policies
        read = [p.described for p in policies] if isinstance(policies, tuple) else []
        held = f"none of {', '.join(read)} allows it" if read else "it has no identity policy"
        across = (
            " (a CopyIntoBackupVault into another account needs the role's own Allow besides "
            "the vault's)"
            if facts.cross_account and any("CopyIntoBackupVault" in r for r in refused)
            else ""
        )
        return Check(
            verdict.id,
            verdict.title,
            CheckStatus.FAIL,
            f"{role.arn} trusts AWS Backup but may not call {'; '.join(refused)}: {held}, "
            "and no vault policy of its own account names it; IAM denies a request no policy "
            f"allows{across}",
            CauseCode.ROLE_PERMISSIONS,
            fix,
        )
    return Check(
        verdict.id,
        verdict.title,
        CheckStatus.WARN,
        f"{role.arn} trusts AWS Backup; none of its identity policies allows "
        f"{'; '.join(by_vault)}: IAM lets a same-account resource policy naming the role "
        "allow it, but AWS does not document that AWS Backup's copy relies on it",
        CauseCode.ROLE_PERMISSIONS,
        fix,
    )


def _vault_policy_of(facts: CopyFacts, request: RoleRequest) -> tuple[str | Unreadable | None, str]:
    """The access policy of the vault `request` is on when that vault is in the role's own
    account (the source vault for CopyFromBackupVault, the destination vault for a
    same-account CopyIntoBackupVault), and the vault's name; None: no policy counts."""
    if request.action == "backup:CopyFromBackupVault":
        return facts.source_vault_policy, f"vault {facts.recovery_point.vault_name}"
    if facts.cross_account:
        return None, ""  # the role's own Allow is needed whatever the vault's policy says
    return facts.dest_vault_policy, f"vault {facts.dest_vault_name}"


def _vault_allows_on_its_own(
    policy: str, role_arn: str, request: RoleRequest, account: str
) -> bool:
    """True when the access policy of a vault of `account` (the role's own) allows the request
    on its own: evaluated as AWS evaluates a resource policy, an Allow that names only the
    account delegates to its IAM policies and does not count (`needs_identity_allow`)."""
    context = request.context
    asked = Request(
        request.action, role_arn, request.resource, dict(context.values), frozenset(context.unknown)
    )
    try:
        decision = evaluate_resource_policy(policy, asked, account)
    except (PolicyError, UsageError):
        return False  # a malformed policy allows nothing; dest.access-policy names it
    return decision.allowed and not decision.needs_identity_allow
