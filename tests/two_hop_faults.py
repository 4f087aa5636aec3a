"""Faults of a two-hop route's second hop only, made with plain boto3 on the demo sandbox and
put back afterwards: an intermediate vault's key not shared with the destination account, an
intermediate vault that denies copying out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

DENY_COPY_OUT = {
    "Sid": "NoCopyOut",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "backup:CopyFromBackupVault",
    "Resource": "*",
}


@contextmanager
def key_not_shared(
    sandbox: Any, vault_account: str, region: str, vault: str, account: str
) -> Iterator[str]:
    """The key of `vault` without `account` among its policy's principals. Yields its ARN."""
    vaults = sandbox.client("backup", vault_account, region)
    key = vaults.describe_backup_vault(BackupVaultName=vault)["EncryptionKeyArn"]
    kms = sandbox.client("kms", vault_account, region)
    before = kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
    policy = json.loads(before)
    removed = 0
    for statement in policy["Statement"]:
        principals = statement.get("Principal", {}).get("AWS")
        if isinstance(principals, list):
            kept = [p for p in principals if account not in p]
            removed += len(principals) - len(kept)
            statement["Principal"]["AWS"] = kept
        elif isinstance(principals, str) and account in principals:
            statement["Principal"]["AWS"] = f"arn:aws:iam::{vault_account}:root"
            removed += 1
    assert removed, f"the key of {vault} is not shared with {account} in the demo any more"
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=json.dumps(policy))
    try:
        yield key
    finally:
        kms.put_key_policy(KeyId=key, PolicyName="default", Policy=before)


@contextmanager
def denies_copy_out(sandbox: Any, account: str, region: str, vault: str) -> Iterator[None]:
    """`vault`'s access policy with a statement denying backup:CopyFromBackupVault to all."""
    with vault_policy_adds(sandbox, account, region, vault, DENY_COPY_OUT):
        yield


@contextmanager
def denies_copy_in_to(
    sandbox: Any, account: str, region: str, vault: str, role_arn: str
) -> Iterator[None]:
    """`vault`'s access policy with a statement denying backup:CopyIntoBackupVault to
    `role_arn` (the copies other principals make into it are left alone)."""
    statement = {
        "Sid": "NoCopyInByRole",
        "Effect": "Deny",
        "Principal": {"AWS": role_arn},
        "Action": "backup:CopyIntoBackupVault",
        "Resource": "*",
    }
    with vault_policy_adds(sandbox, account, region, vault, statement):
        yield


@contextmanager
def vault_policy_adds(
    sandbox: Any, account: str, region: str, vault: str, statement: dict[str, Any]
) -> Iterator[None]:
    """`vault`'s access policy with `statement` added; put back afterwards."""
    backup = sandbox.client("backup", account, region)
    before = backup.get_backup_vault_access_policy(BackupVaultName=vault)["Policy"]
    policy = json.loads(before)
    policy["Statement"].append(statement)
    backup.put_backup_vault_access_policy(BackupVaultName=vault, Policy=json.dumps(policy))
    try:
        yield
    finally:
        backup.put_backup_vault_access_policy(BackupVaultName=vault, Policy=before)
