"""One line describing a vault: where it is, its key, lock and access policy."""

from __future__ import annotations

from drconsole.models import KeyType, Vault
from drconsole.tui import formatting as fmt


def key_label(vault: Vault) -> str:
    """'CMK key/1a2b3c4d', 'AWS-managed key', 'key unknown', or 'key …' (not read yet)."""
    if not vault.details_read and vault.key_type is KeyType.UNKNOWN:
        return "key …"
    if vault.key_type is KeyType.CUSTOMER_MANAGED:
        return f"CMK {fmt.short_key(vault.encryption_key_arn)}"
    if vault.key_type is KeyType.AWS_MANAGED:
        return "AWS-managed key"
    return "key unknown"


def lock_label(vault: Vault) -> str:
    """'locked (7-365 d)' or 'unlocked'."""
    if not vault.locked:
        return "unlocked"
    low = vault.min_retention_days if vault.min_retention_days is not None else "?"
    high = vault.max_retention_days if vault.max_retention_days is not None else "?"
    return f"locked ({low}-{high} d)"


def policy_label(vault: Vault) -> str:
    """'policy', 'no policy', 'policy ?' (could not be read) or 'policy …' (not read yet)."""
    if not vault.details_read:
        return "policy …"
    if vault.has_access_policy is None:
        return "policy ?"
    return "policy" if vault.has_access_policy else "no policy"


def vault_summary(vault: Vault) -> str:
    """'dr-eu-north-1  42 RPs  111111111111 eu-north-1  CMK key/1a2b  unlocked  policy'.

    The count comes first so that a narrow terminal cuts the least useful part (the policy).
    """
    return (
        f"{vault.name}  {vault.recovery_point_count:,} RPs  {vault.account_id} {vault.region}  "
        f"{key_label(vault)}  {lock_label(vault)}  {policy_label(vault)}"
    )
