"""Remediation text and fix plans: exact policy statements, CLI commands and JSON diffs."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from drconsole.partitions import account_root

FIX_VAULT_POLICY = "vault-policy-allow-source"
FIX_KEY_POLICY = "key-policy-share-with-destination"
FIX_SERVICE_LINKED_ROLE = "create-service-linked-role"
FIX_CROSS_ACCOUNT = "enable-cross-account-backup"
FIX_IDS = (FIX_VAULT_POLICY, FIX_KEY_POLICY, FIX_SERVICE_LINKED_ROLE, FIX_CROSS_ACCOUNT)


def vault_policy_statement(source_account_id: str, partition: str) -> dict[str, Any]:
    """The destination vault statement letting one source account copy into the vault."""
    return {
        "Sid": f"AllowCopyIntoVaultFrom{source_account_id}",
        "Effect": "Allow",
        "Principal": {"AWS": account_root(source_account_id, partition)},
        "Action": "backup:CopyIntoBackupVault",
        "Resource": "*",
    }


def key_policy_statements(dest_account_id: str, partition: str) -> list[dict[str, Any]]:
    """Source key statements letting the destination account's AWS Backup use the key."""
    principal = {"AWS": account_root(dest_account_id, partition)}
    return [
        {
            "Sid": f"AllowBackupCopyUseBy{dest_account_id}",
            "Effect": "Allow",
            "Principal": principal,
            "Action": [
                "kms:DescribeKey",
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey",
                "kms:GenerateDataKeyWithoutPlaintext",
            ],
            "Resource": "*",
        },
        {
            "Sid": f"AllowBackupCopyGrantsBy{dest_account_id}",
            "Effect": "Allow",
            "Principal": principal,
            "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
            "Resource": "*",
            "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        },
    ]


def pretty(document: Any) -> str:
    """Stable, indented JSON for diffs and remediation text."""
    return json.dumps(document, indent=2, sort_keys=False)


class UnreadablePolicy(ValueError):
    """A policy document from AWS that drconsole cannot read (not JSON, or not a policy)."""


def load_policy(text: str | None) -> dict[str, Any]:
    """A policy document from JSON text; an absent policy is an empty one.

    UnreadablePolicy when the text is not a JSON object whose Statement is a statement or a
    list of statements: drconsole then neither judges nor rewrites it.
    """
    if not text:
        return {"Version": "2012-10-17", "Statement": []}
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise UnreadablePolicy(f"not JSON ({error.__class__.__name__})") from None
    if not isinstance(document, dict):
        raise UnreadablePolicy("not a JSON object")
    statements = document.get("Statement", [])
    listed = [statements] if isinstance(statements, dict) else statements
    if not isinstance(listed, list) or not all(isinstance(one, dict) for one in listed):
        raise UnreadablePolicy("its Statement is not a list of statements")
    document["Statement"] = list(listed)
    return document


def add_statements(text: str | None, statements: list[dict[str, Any]]) -> dict[str, Any]:
    """The policy with the statements added, replacing statements with the same Sid."""
    document = load_policy(text)
    sids = {statement.get("Sid") for statement in statements}
    kept = [s for s in document["Statement"] if not (s.get("Sid") and s.get("Sid") in sids)]
    document["Statement"] = kept + statements
    return document


def unified_diff(old: str, new: str, name: str) -> str:
    """A unified diff of two JSON texts, for a person to read before a fix is applied."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"{name} (current)",
        tofile=f"{name} (after fix)",
    )
    return "".join(lines)


@dataclass(frozen=True, slots=True)
class FixPlan:
    """A fix drconsole can apply: the exact call, and the before/after for the diff."""

    fix_id: str
    title: str
    account_id: str
    region: str
    service: str
    operation: str
    parameters: tuple[tuple[str, str], ...]  # the call's parameters (no secrets)
    before: str
    after: str
    target: str  # what is changed (a vault, key, role or setting), for the diff header

    @property
    def diff(self) -> str:
        """The unified diff between the current and the fixed document."""
        return unified_diff(self.before, self.after, self.target)


def vault_policy_cli(vault_name: str, region: str, document: dict[str, Any]) -> str:
    """The AWS CLI command that sets a vault access policy (run in the vault's account)."""
    return (
        f"aws backup put-backup-vault-access-policy --region {region} "
        f"--backup-vault-name {vault_name} --policy '{json.dumps(document)}'"
    )


def key_policy_cli(key_arn: str, document: dict[str, Any]) -> str:
    """The AWS CLI command that sets a key policy (run in the key's account)."""
    region = key_arn.split(":")[3] if key_arn.count(":") >= 5 else ""
    return (
        f"aws kms put-key-policy --region {region} --key-id {key_arn} "
        f"--policy-name default --policy '{json.dumps(document)}'"
    )


def slr_cli() -> str:
    """The AWS CLI command that creates AWS Backup's service-linked role."""
    return "aws iam create-service-linked-role --aws-service-name backup.amazonaws.com"


TRUSTED_ACCESS_CLI = (
    "aws organizations enable-aws-service-access --service-principal backup.amazonaws.com"
)


def cross_account_cli(region: str) -> str:
    """The AWS CLI command that enables cross-account backup (management account), in the
    Region it is read in: the setting is kept per Region."""
    return (
        "aws backup update-global-settings --global-settings isCrossAccountBackupEnabled=true "
        f"--region {region}"
    )
