"""The other keys of an EC2 recovery point's AMI snapshots, read for a restore in place.

Each EBS snapshot of the AMI keeps its volume's key, and EC2 makes each restored volume with
its snapshot's key, through the restore role: every one of those keys must be usable by it, as
the one the recovery point names must (`restore.key`, the role's KMS calls, the RCPs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from drconsole.checks.facts import (
    ImageKey,
    ImageSnapshot,
    KeyFacts,
    OrgMembership,
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
) -> tuple[ImageKey, ...] | Unreadable:
    """The keys of `rp`'s AMI snapshots other than `restore_key` (its ARN and facts), each with
    the uses `check_restore_key` judges (the restore `role`'s, AWSServiceRoleForBackup's) and
    the RCPs on its account; `where`: the restoring account and its organization."""
    from drconsole.aws.restore_facts import key_rcps_of

    key_arn, key = restore_key
    snapshots = reader.image_snapshots(rp, {key_arn: key} if key_arn else {})
    if not isinstance(snapshots, tuple):
        return snapshots or ()
    on_key: dict[str, list[ImageSnapshot]] = {}
    for snapshot in snapshots:
        if snapshot.key_arn and snapshot.key_arn != key_arn:
            on_key.setdefault(snapshot.key_arn, []).append(snapshot)
    account, membership = where
    found = []
    for other_arn, sharing in on_key.items():
        other = sharing[0].key
        assert other is not None  # an encrypted snapshot's key is read or unreadable
        uses = key_uses(other, role, account, rp.partition)
        access = tuple(reader.key_access(used, who, account) for used, who in uses)
        rcps = key_rcps_of(reader, rp.resource_type, other, membership, account)
        named = ", ".join(f"{s.snapshot_id} ({s.device_name})" for s in sharing)
        found.append(ImageKey(named, other_arn, other, access, rcps))
    return tuple(found)
