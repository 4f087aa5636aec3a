"""The fix for "Access Denied trying to call AWS Backup service.": vault policy or copy role.

AWS names both: "add the backup:CopyIntoBackupVault action to your AWS Identity and Access
Management (IAM) identity-based policy and destination vault access policy"
(https://repost.aws/knowledge-center/backup-resolve-access-denied-error).
"""

from __future__ import annotations

import re

from drconsole.diagnose import facts as f
from drconsole.diagnose.facts import Facts, command_word, fill, policy_json
from drconsole.models import CauseCode, Diagnosis
from drconsole.partitions import BACKUP_POLICY, account_root, managed_policy, of_arn

COPY_INTO = "backup:CopyIntoBackupVault"


def _role_statement(vault_arn: str) -> dict[str, str]:
    return {"Effect": "Allow", "Action": COPY_INTO, "Resource": vault_arn}


def _role_fix(role_arn: str | None, vault_arn: str, partition: str) -> str:
    """The identity-policy statement for the role passed to StartCopyJob, and the call; or
    AWS's managed policy allowing both of the copy role's Backup actions."""
    account = f.arn_account(role_arn) if role_arn else None
    name = command_word(f.role_name(role_arn), "COPY_ROLE_NAME")
    return (
        f"On the copy role {fill(role_arn, 'COPY_ROLE_ARN')} (the IamRoleArn of the copy job, in"
        f" the source account{' ' + account if account else ''}), add to its IAM policy:\n"
        f"{policy_json(_role_statement(vault_arn))}\n"
        f"  aws iam put-role-policy --role-name {name}"
        " --policy-name CopyIntoBackupVault"
        " --policy-document file://copy-role-policy.json\n"
        "or attach AWS's managed policy, which allows backup:CopyFromBackupVault and"
        " backup:CopyIntoBackupVault:\n"
        f"  aws iam attach-role-policy --role-name {name}"
        f" --policy-arn {managed_policy(BACKUP_POLICY, partition)}"
    )


def copy_into_vault_denied(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """The copy was denied: the destination vault's policy or the copy role's own policy."""
    vault = facts.vault_arn
    vault_account = f.arn_account(vault) if vault else None
    source = facts.principal_account
    if source is None or source == vault_account:
        source = facts.other_account(vault_account)
    statement = {
        "Sid": "AllowCopyFromSourceAccount",
        "Effect": "Allow",
        "Principal": {"AWS": account_root(fill(source, "SOURCE_ACCOUNT_ID"), facts.partition)},
        "Action": COPY_INTO,
        "Resource": "*",
    }
    region = fill(f.arn_region(vault) if vault else None, "DESTINATION_REGION")
    name = command_word(f.vault_name(vault), "VAULT_NAME")
    vault_text = fill(vault, "DESTINATION_VAULT_ARN")
    return Diagnosis(
        cause=CauseCode.VAULT_POLICY_DENIES_COPY,
        explanation="The copy was denied backup:CopyIntoBackupVault: the destination vault's"
        " access policy does not allow the source account to copy into it, or the IAM policy of"
        " the role that runs the copy (the copy job's IamRoleArn, in the source account) does"
        " not allow that action on the destination vault. AWS needs both.",
        remediation=f"1. In the destination account{' ' + vault_account if vault_account else ''},"
        f" add to the access policy of vault {vault_text}:\n"
        f"{policy_json(statement)}\n"
        '(or allow the whole organization: Principal "*" with Condition StringEquals'
        " aws:PrincipalOrgID). The call replaces the policy, so merge with the current one first:\n"
        f"  aws backup get-backup-vault-access-policy --backup-vault-name {name}"
        f" --region {region}\n"
        f"  aws backup put-backup-vault-access-policy --backup-vault-name {name}"
        f" --policy file://vault-policy.json --region {region}\n"
        f"2. {_role_fix(facts.role_arn, vault_text, facts.partition)}",
        # AWS's message is the same for the vault's policy and the copy role's: the check
        # judging the role (source.copy-role) says ROLE_PERMISSIONS.
        also=(CauseCode.ROLE_PERMISSIONS,),
    )


def copy_role_denied(role_arn: str | None, vault_arn: str) -> Diagnosis:
    """The same denial where the destination vault's policy is known to allow the copy."""
    return Diagnosis(
        cause=CauseCode.ROLE_PERMISSIONS,
        explanation=f"The copy was denied backup:CopyIntoBackupVault on {vault_arn}. The"
        " destination vault's access policy allows this copy (its check passed before the job"
        " started), so it is the IAM policy of the copy role that does not allow the action on"
        " the destination vault.",
        remediation=_role_fix(role_arn, vault_arn, of_arn(role_arn or vault_arn)),
    )
