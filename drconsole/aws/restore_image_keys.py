"""The other keys of an EC2 recovery point's AMI snapshots, read for a restore in place.

Each EBS snapshot of the AMI keeps its volume's key, and EC2 makes each restored volume with
its snapshot's key, through the restore role: every one of those keys must be usable by it, as
the one the recovery point names must (`restore.key`, the role's KMS calls, the RCPs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from drconsole.checks.facts import (
    ImageSnapshot,
    KeyFacts,
    OrgMembership,
    OtherKey,
    RecoveryPointFacts,
    Unreadable,
)
from drconsole.checks.restore_access import key_uses

if TYPE_CHECKING:
    from drconsole.aws.restore_facts import RestoreFactReader


def image_keys(
    reader: RestoreFactReader,
    rp: RecoveryPointFacts,
    restore_key: tuple[str, KeyFacts | Unreadable | None],
    role: str,
    where: tuple[str, OrgMembership | Unreadable],
) -> tuple[OtherKey, ...] | Unreadable:
    """The keys of `rp`'s AMI snapshots other than `restore_key` (its ARN and facts), each with
    the uses `check_restore_key` judges (the restore `role`'s, AWSServiceRoleForBackup's) and
    the RCPs on its account; `where`: the restoring account and its organization."""

    key_arn, key = restore_key
    snapshots = reader.image_snapshots(rp, {key_arn: key} if key_arn else {})
    if not isinstance(snapshots, tuple):
        return snapshots or ()
    on_key: dict[str, list[ImageSnapshot]] = {}
    for snapshot in snapshots:
        if snapshot.key_arn and snapshot.key_arn != key_arn:
            on_key.setdefault(snapshot.key_arn, []).append(snapshot)
    found = []
    for other_arn, sharing in on_key.items():
        other = sharing[0].key
        assert other is not None  # an encrypted snapshot's key is read or unreadable
        named = ", ".join(f"{s.snapshot_id} ({s.device_name})" for s in sharing)
        found.append(_judged(reader, rp, (other_arn, other), role, where, snapshots=named))
    return tuple(found)


def _judged(
    reader: RestoreFactReader,
    rp: RecoveryPointFacts,
    key: tuple[str, KeyFacts | Unreadable],
    role: str,
    where: tuple[str, OrgMembership | Unreadable],
    *,
    snapshots: str = "",
    label: str = "",
) -> OtherKey:
    """Another key `rp`'s restore uses, with the uses `check_restore_key` judges (the restore
    `role`'s, AWSServiceRoleForBackup's) and the RCPs on its account; `where`: the restoring
    account and its organization."""
    from drconsole.aws.restore_facts import key_rcps_of

    key_arn, facts = key
    account, membership = where
    uses = key_uses(facts, role, account, rp.partition)
    access = tuple(reader.key_access(used, who, account) for used, who in uses)
    rcps = key_rcps_of(reader, rp.resource_type, facts, membership, account)
    return OtherKey(snapshots, key_arn, facts, access, rcps, label)


SHOWN = 3  # snapshots named on one key by `vault_image_keys`; the rest counted


def vault_image_keys(
    reader: RestoreFactReader,
    points: Sequence[RecoveryPointFacts],
    restore_key: tuple[str, KeyFacts | Unreadable | None],
    role: str,
    where: tuple[str, OrgMembership | Unreadable],
) -> tuple[tuple[OtherKey, ...] | Unreadable, RecoveryPointFacts | None]:
    """`image_keys` of several EC2 recovery points of one vault (readiness judges every
    protected instance's newest), each other key once, its label naming every snapshot on it
    with its AMI; with the point to name when they could not be read (else the first)."""
    by_key: dict[str, list[tuple[OtherKey, str]]] = {}
    for rp in points:
        found = image_keys(reader, rp, restore_key, role, where)
        if isinstance(found, Unreadable):
            return found, rp
        for other in found:
            by_key.setdefault(other.key_arn, []).append((other, rp.arn.rsplit("/", 1)[-1]))
    merged = []
    for sharing in by_key.values():
        named = [f"{other.snapshots} of AMI {image}" for other, image in sharing]
        more = f" and {len(named) - SHOWN} more" if len(named) > SHOWN else ""
        label = f"snapshot{'s' if len(named) > 1 else ''} {', '.join(named[:SHOWN])}{more}"
        merged.append(replace(sharing[0][0], label=label))
    return tuple(merged), (points[0] if points else None)


def point_keys(
    reader: RestoreFactReader,
    points: Sequence[tuple[RecoveryPointFacts, KeyFacts | Unreadable | None]],
    restore_key_arn: str,
    role: str,
    where: tuple[str, OrgMembership | Unreadable],
) -> tuple[OtherKey, ...]:
    """The keys of recovery points of one vault (with their keys read) other than the
    restore's, each once, judged as `image_keys`' are: readiness's restore in place of a vault
    judges the point standing for each resource type there on its own key (an EBS or RDS
    snapshot keeps its resource's key, where a copy back is on the vault's)."""
    found: dict[str, OtherKey] = {}
    for rp, key in points:
        key_arn = rp.encryption_key_arn or ""
        if not key_arn or key_arn == restore_key_arn or key is None or key_arn in found:
            continue
        label = f"the {rp.resource_type} recovery point {rp.arn}"
        found[key_arn] = _judged(reader, rp, (key_arn, key), role, where, label=label)
    return tuple(found.values())
