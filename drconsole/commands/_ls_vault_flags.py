"""`ls --vault`: each value checked, and why a vault named by its ARN is outside the listing.

A vault named by its ARN says its own account and Region. When that Region is not scanned, or
that account is not among those listed, "no such vault" would send the operator looking for a
vault that exists: the listing says what it did not cover instead.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from drconsole.checks.arns import VaultArn, parse_vault_arn
from drconsole.errors import UsageError
from drconsole.redact import safe_line


@dataclass(frozen=True, slots=True)
class VaultFlags:
    """The --vault values as given (stripped), and those given as ARNs, parsed once."""

    values: tuple[str, ...] = ()
    arns: tuple[VaultArn, ...] = ()


def checked_vault_flags(values: Sequence[str] | None) -> VaultFlags:
    """The --vault values, stripped; one given as an ARN must be a backup vault's ARN."""
    texts = tuple(value.strip() for value in values or ())
    arns = tuple(parse_vault_arn(text, "--vault") for text in texts if text.startswith("arn:"))
    return VaultFlags(texts, arns)


def refuse_unscanned_regions(vaults: VaultFlags, regions: Sequence[str], source: str) -> None:
    """UsageError for a vault ARN whose Region the listing would not scan."""
    for vault in vaults.arns:
        if vault.region not in regions:
            raise UsageError(
                f"--vault {safe_line(vault.arn)}: its Region {vault.region} is not scanned "
                f"(Regions: {', '.join(regions) or 'none'}, from {source}); add "
                f"--region {vault.region}"
            )


def not_found(vaults: VaultFlags, account_ids: Collection[str]) -> UsageError:
    """The error for --vault values that matched no vault: for an ARN whose account was not
    listed, that account; otherwise no such vault."""
    for vault in vaults.arns:
        if vault.account_id not in account_ids:
            return UsageError(
                f"--vault {safe_line(vault.arn)}: account {vault.account_id} is not among the "
                "accounts listed (not in the organization, or left out by --account)"
            )
    return UsageError(f"--vault {safe_line(', '.join(vaults.values))}: no such vault")
