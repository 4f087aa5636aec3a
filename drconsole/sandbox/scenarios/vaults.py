"""Backup vaults and their access policies, in the forms the seeds show."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from drconsole.sandbox.scenarios.keys import root_arn


def org_wide_access_policy(org_id: str) -> str:
    """Vault access policy letting every account of the organization copy into the vault."""
    statement = {
        "Sid": "Enable backup vault access",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "backup:CopyIntoBackupVault",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": [org_id]}},
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def accounts_access_policy(account_ids: Sequence[str]) -> str:
    """Vault access policy letting the given accounts copy into the vault (the console's form)."""
    principals = [root_arn(account_id) for account_id in account_ids]
    statement = {
        "Sid": "Allow account to copy into backup vault",
        "Effect": "Allow",
        "Action": "backup:CopyIntoBackupVault",
        "Resource": "*",
        "Principal": {"AWS": principals if len(principals) > 1 else principals[0]},
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def create_vault(backup: Any, name: str, key_arn: str | None, access_policy: str | None) -> str:
    """Create a vault, with an access policy if given; returns its ARN.

    Without `key_arn` the vault gets AWS's default, the AWS managed key aws/backup.
    """
    params = {"BackupVaultName": name}
    if key_arn is not None:
        params["EncryptionKeyArn"] = key_arn
    arn = str(backup.create_backup_vault(**params)["BackupVaultArn"])
    if access_policy is not None:
        backup.put_backup_vault_access_policy(BackupVaultName=name, Policy=access_policy)
    return arn
