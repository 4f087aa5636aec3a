"""The key checks of an EC2 recovery point: every key of its AMI's EBS snapshots.

A copy copies each of the AMI's snapshots, and each keeps the key of the volume it was taken of:
one on the AWS managed key aws/ebs, or on a key not shared with the destination, fails the copy
("AMI snapshot copy failed with error: Given key ID is not accessible…") whatever the key the
recovery point names. A restore in place makes each volume with its snapshot's key, through the
restore role: each key is judged as the restore's own key is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from drconsole.checks.facts import (
    CopyFacts,
    ImageSnapshot,
    KeyFacts,
    RecoveryPointFacts,
    RestoreFacts,
    Unreadable,
)
from drconsole.models import Check, CheckStatus

PASS = CheckStatus.PASS
_SEVERITY = {
    CheckStatus.PASS: 0,
    CheckStatus.WARN: 1,
    CheckStatus.UNKNOWN: 2,
    CheckStatus.FAIL: 3,
}


def image_keys_check(
    check: tuple[str, str],
    facts: CopyFacts,
    snapshots: tuple[ImageSnapshot, ...],
    judge: Callable[[KeyFacts | Unreadable, str, str], Check],
    point_key: Check | None,
) -> Check:
    """The verdict on every key of an AMI's snapshots (and the key the recovery point names):
    the worst of them, naming the snapshots it is about."""
    cid, title = check
    rp = facts.recovery_point
    image = rp.arn.rsplit("/", 1)[-1]
    by_key: dict[str, list[ImageSnapshot]] = {}
    for snapshot in snapshots:
        if snapshot.key_arn:
            by_key.setdefault(snapshot.key_arn, []).append(snapshot)
    verdicts: list[tuple[str, Check]] = []  # (the snapshots named, the verdict on their key)
    for key_arn, sharing in by_key.items():
        key = sharing[0].key
        assert key is not None  # an encrypted snapshot's key is read or unreadable
        named = ", ".join(f"{s.snapshot_id} ({s.device_name})" for s in sharing)
        judged = judge(key, key_arn, "it")
        source_key = facts.source_key
        own = isinstance(source_key, KeyFacts) and source_key.arn == key_arn
        # drconsole's key policy fix edits the key the recovery point names.
        verdicts.append((named, replace(judged, fix_id=judged.fix_id if own else None)))
    if point_key is not None and rp.encryption_key_arn not in by_key:
        verdicts.append(("", point_key))  # the key the recovery point names
    named, worst = max(verdicts, key=lambda v: _SEVERITY[v[1].status], default=("", None))
    if worst is not None and worst.status is not PASS:
        prefix = f"snapshot {named} of AMI {image}: " if named else ""
        return replace(worst, evidence=prefix + worst.evidence)
    described = [f"{named or 'the recovery point'}: {check.evidence}" for named, check in verdicts]
    plain = [s for s in snapshots if not s.key_arn]
    if plain:
        described.append(
            ", ".join(f"{s.snapshot_id} ({s.device_name})" for s in plain) + " not encrypted"
        )
    return Check(
        cid,
        title,
        PASS,
        f"each of the {len(snapshots)} EBS snapshots of AMI {image} can be copied: "
        + "; ".join(described),
    )


def restore_checks_with_other_keys(
    facts: RestoreFacts,
    judge: Callable[[RestoreFacts], list[Check]],
    image_point: RecoveryPointFacts | None = None,
) -> list[Check]:
    """`judge`'s restore checks, each the worst of its verdict on the restore's key and on
    every other key it uses (`facts.other_keys`: the AMI's snapshots'), naming what is on it.
    `image_point`: the EC2 recovery point whose AMI is named, when not `facts`' own."""
    checks = judge(facts)
    others = facts.other_keys
    point = image_point or facts.recovery_point
    image = point.arn.rsplit("/", 1)[-1]
    if isinstance(others, Unreadable):
        need = "enabled and usable by the restore role"
        said = ("the restore uses too", need)
        return [
            snapshots_unread(check, others, point, said) if check.id == _KEY else check
            for check in checks
        ]
    passed: list[str] = []
    for other in others:
        variant = replace(
            facts,
            restore_key=other.key,
            restore_key_arn=other.key_arn,
            key_access=other.key_access,
            key_rcps=other.key_rcps,
            other_keys=(),
        )
        label = other.label or f"snapshot {other.snapshots} of AMI {image}"
        theirs = judge(variant)
        passed += [f"{label}: {c.evidence}" for c in theirs if c.id == _KEY and c.status is PASS]
        checks = [_worse(mine, their, label) for mine, their in zip(checks, theirs, strict=True)]
    return [
        replace(check, evidence="; ".join((check.evidence, *passed)))
        if check.id == _KEY and check.status is PASS and passed
        else check
        for check in checks
    ]


_KEY = "restore.key"


def _worse(mine: Check, theirs: Check, label: str) -> Check:
    """The worse verdict; another key's, naming its snapshots (drconsole's fixes edit the
    restore's own key: none is offered for it)."""
    if _SEVERITY[theirs.status] <= _SEVERITY[mine.status]:
        return mine
    return replace(theirs, evidence=f"{label}: {theirs.evidence}", fix_id=None)


def snapshots_unread(
    check: Check, why: Unreadable, rp: RecoveryPointFacts, said: tuple[str, str]
) -> Check:
    """A key check that PASSed on the recovery point's key while its AMI's snapshots, whose keys
    are used as well, could not be read: WARN, with the commands that list those keys. `said`:
    how the snapshots are used, and what each key must be."""
    if check.status is not PASS:
        return check
    used, need = said
    image = rp.arn.rsplit("/", 1)[-1]
    if ":snapshot/" in rp.arn:  # an EBS recovery point: its one snapshot
        return replace(
            check,
            status=CheckStatus.WARN,
            evidence=f"{check.evidence}; but the key of EBS snapshot {image}, which {used}, "
            f"could not be read ({why.describe()})",
            remediation=f"In account {rp.account_id}, read it: aws ec2 describe-snapshots "
            f"--region {rp.region} --snapshot-ids {image} --query 'Snapshots[].KmsKeyId'; it "
            f"must be {need}, as the recovery point's key is.",
        )
    return replace(
        check,
        status=CheckStatus.WARN,
        evidence=f"{check.evidence}; but the keys of AMI {image}'s EBS snapshots, which {used}, "
        f"could not be read ({why.describe()})",
        remediation=f"In account {rp.account_id}, list them: aws ec2 describe-images --region "
        f"{rp.region} --image-ids {image} --query "
        "'Images[].BlockDeviceMappings[].Ebs.SnapshotId', then aws ec2 describe-snapshots "
        f"--region {rp.region} --snapshot-ids <ids> --query 'Snapshots[].KmsKeyId'; each must "
        f"be {need}, as the recovery point's key is.",
    )
