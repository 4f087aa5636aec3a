"""Copy routes: which copy jobs (hops) take a recovery point to a destination vault. Pure.

One hop wherever AWS copies in one job. RDS, Aurora, DocumentDB and Neptune historically cannot
copy across account AND Region in one job; where single-action copy is unavailable (or AWS
refuses it with "Feature is not supported for provided resource type"), two hops go through an
intermediate vault: a vault of the destination account in the source Region (the cross-account
hop stays in one Region, then the destination account copies across Regions itself), or else a
vault of the source account in the destination Region.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from drconsole.partitions import backup_vault
from drconsole.resource_types import DATABASE_TYPES

if TYPE_CHECKING:
    from drconsole.checks.arns import VaultArn

DB_FAMILY = DATABASE_TYPES
UNSUPPORTED_ROUTE_TEXT = "Feature is not supported for provided resource type"


@dataclass(frozen=True, slots=True)
class VaultRef:
    """A backup vault: account, Region and name (and its ARN)."""

    account_id: str
    region: str
    name: str
    partition: str  # every ARN of a route is in it: the recovery point's

    @property
    def arn(self) -> str:
        """The vault's ARN."""
        return backup_vault(self.region, self.account_id, self.name, self.partition)

    @classmethod
    def of(cls, parsed: VaultArn) -> VaultRef:
        """The vault of an ARN parsed at the edge (no second parse)."""
        return cls(parsed.account_id, parsed.region, parsed.name, parsed.partition)

    @classmethod
    def from_arn(cls, arn: str) -> VaultRef:
        """Parse a vault ARN (ValueError when it is not one), as `checks.arns` parses every
        vault ARN: AWS's own vaults (aws/efs/automatic-backup-vault) included."""
        from drconsole.checks.arns import parse_vault_arn
        from drconsole.errors import UsageError

        try:
            parsed = parse_vault_arn(arn, "vault")
        except UsageError:
            raise ValueError(f"not a backup vault ARN: {arn!r}") from None
        return cls(parsed.account_id, parsed.region, parsed.name, parsed.partition)


@dataclass(frozen=True, slots=True)
class Hop:
    """One copy job: from a vault to a vault, started in the source vault's account."""

    source: VaultRef
    destination: VaultRef

    @property
    def cross_account(self) -> bool:
        """True when the hop leaves the source account."""
        return self.source.account_id != self.destination.account_id

    @property
    def cross_region(self) -> bool:
        """True when the hop leaves the source Region."""
        return self.source.region != self.destination.region


@dataclass(frozen=True, slots=True)
class Route:
    """The hops of a copy, in order; `reason` says why it has that many."""

    hops: tuple[Hop, ...]
    reason: str

    @property
    def intermediate(self) -> VaultRef | None:
        """The vault between the hops of a two-hop route."""
        return self.hops[0].destination if len(self.hops) > 1 else None


def needs_two_hops(resource_type: str, source: VaultRef, destination: VaultRef) -> bool:
    """True when AWS may refuse this copy in one job (database engines, account AND Region)."""
    return (
        resource_type in DB_FAMILY
        and source.account_id != destination.account_id
        and source.region != destination.region
    )


def may_fall_back(resource_type: str, route: Route, route_mode: str) -> bool:
    """True when a refused single copy may go on in two hops: a database copy across account
    AND Region. For any other type (or route) the second hop would meet the same refusal after
    a full intermediate copy ("not supported in any scenario", recov-point-create-a-copy)."""
    if len(route.hops) != 1 or route_mode == "single":
        return False
    hop = route.hops[0]
    return needs_two_hops(resource_type, hop.source, hop.destination)


def is_route_refusal(message: str) -> bool:
    """True when an AWS answer says the single-job route is not supported for the type."""
    return UNSUPPORTED_ROUTE_TEXT.lower() in " ".join(message.split()).lower()


def direct_route(resource_type: str, source: VaultRef, destination: VaultRef) -> Route:
    """One copy job from the source vault to the destination."""
    if needs_two_hops(resource_type, source, destination):
        reason = (
            f"{resource_type} across account and Region in one job (single-action copy); "
            "falls back to two hops if AWS refuses it"
        )
    elif source == destination:
        reason = "the recovery point is already in the destination vault"
        return Route((), reason)
    else:
        reason = "one copy job"
    return Route((Hop(source, destination),), reason)


def intermediate_candidates(
    source: VaultRef,
    destination: VaultRef,
    dest_account_vaults_in_source_region: Iterable[str],
    source_account_vaults_in_dest_region: Iterable[str],
) -> list[VaultRef]:
    """Intermediate vaults in order of preference (vault names; the Default vault excluded).

    Preferred: the destination account's vaults in the source Region (the data reaches the
    destination account with the first hop), a vault named like the destination first.
    """

    def ordered(names: Iterable[str], account: str, region: str) -> list[VaultRef]:
        usable = [n for n in dict.fromkeys(names) if n and n != "Default"]
        usable.sort(key=lambda n: (n != destination.name, n))
        return [VaultRef(account, region, n, destination.partition) for n in usable]

    return ordered(
        dest_account_vaults_in_source_region, destination.account_id, source.region
    ) + ordered(source_account_vaults_in_dest_region, source.account_id, destination.region)


def two_hop_route(source: VaultRef, intermediate: VaultRef, destination: VaultRef) -> Route:
    """Two copy jobs through `intermediate`: each hop crosses either account or Region."""
    first, second = Hop(source, intermediate), Hop(intermediate, destination)
    if (first.cross_account and first.cross_region) or (
        second.cross_account and second.cross_region
    ):
        raise ValueError(
            f"intermediate vault {intermediate.arn} does not split the copy into a "
            "cross-account hop and a cross-Region hop"
        )
    return Route(
        (first, second),
        f"two hops through {intermediate.arn}: a database copy across account and Region "
        "is not available in one job",
    )
