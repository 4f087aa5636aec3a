"""Read the AMI an EC2 recovery point is: its Marketplace codes and its snapshots' keys.

AWS Backup's EC2 backup is an AMI whose EBS snapshots each keep the key of the volume they were
taken of (a root volume on aws/ebs beside a data volume on a customer managed key), and a copy
copies every one of them; DescribeRecoveryPoint names one key at most. DescribeImages gives the
snapshots (its `KmsKeyId` is documented for launches only), DescribeSnapshots their keys.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any, NamedTuple

from drconsole.aws.answers import required, text_of
from drconsole.aws.key_reader import KeyReader
from drconsole.aws.reader import pages
from drconsole.checks.facts import ImageSnapshot, KeyFacts, RecoveryPointFacts, Unreadable

# An AMI deregistered since its backup: AWS fails its copy, and it carries nothing to judge.
_AMI_GONE = ("InvalidAMIID.NotFound", "InvalidAMIID.Unavailable")
# Values of one batched read's filter: EC2 refuses a call with more ("FilterLimitExceeded: The
# maximum number of filter values specified on a single call is 200").
FILTER_VALUES = 199


class _Batch(NamedTuple):
    """One EC2 Describe call read for many ids at once, filtered by id."""

    operation: str
    method: str
    items: str
    id_field: str
    filter: str
    owners: str

    def key(self, account: str, region: str, item_id: str) -> tuple[str, str, str, str]:
        """Where one item's answer is remembered."""
        return (self.operation, account, region, item_id)


_IMAGES = _Batch("ec2:DescribeImages", "describe_images", "Images", "ImageId", "image-id", "Owners")
_SNAPSHOTS = _Batch(
    "ec2:DescribeSnapshots",
    "describe_snapshots",
    "Snapshots",
    "SnapshotId",
    "snapshot-id",
    "OwnerIds",
)


class ImageReader(KeyReader):
    """DescribeImages (once per AMI), DescribeSnapshots and the snapshots' keys."""

    def image(self, rp: RecoveryPointFacts) -> dict[str, Any] | Unreadable | None:
        """The AMI of an EC2 recovery point (None: not an AMI, or it no longer exists)."""
        if rp.resource_type != "EC2" or ":image/" not in rp.arn:
            return None
        image_id = rp.arn.rsplit("/", 1)[-1]
        ec2 = self.client("ec2", rp.account_id, rp.region)

        def describe() -> dict[str, Any] | Unreadable | None:
            images = self.read(
                "ec2:DescribeImages",
                lambda: required(
                    ec2.describe_images(ImageIds=[image_id]), "Images", "DescribeImages"
                ),
                missing=_AMI_GONE,
            )
            if not isinstance(images, list):
                return images
            return next((i for i in images if isinstance(i, dict)), None)

        return self.once(_IMAGES.key(rp.account_id, rp.region, image_id), describe)

    def read_images(
        self,
        account: str,
        region: str,
        image_ids: Iterable[str],
        snapshot_ids: Iterable[str] = (),
    ) -> None:
        """Read the AMIs of many EC2 recovery points of one account and Region, and their
        snapshots with those of EBS recovery points (`snapshot_ids`), in one DescribeImages
        and one DescribeSnapshots per 199 (filtered by id: an id that no longer exists is left
        out of the answer, where naming it in `ImageIds` fails the whole call); `image`,
        `image_snapshots` and `snapshot_key` then answer from what was read."""
        images = self._read_many(account, region, _IMAGES, image_ids)
        snapshots = [snapshot for image in images for _, snapshot in _devices(image)]
        self._read_many(account, region, _SNAPSHOTS, [*snapshot_ids, *snapshots])

    def snapshot_key(
        self, rp: RecoveryPointFacts
    ) -> tuple[str, KeyFacts | Unreadable | None] | Unreadable | None:
        """The key an EBS recovery point's snapshot is encrypted with (its volume's): its ARN
        ("" when not encrypted) and facts; Unreadable when the snapshot cannot be read, None
        when it no longer exists (nothing to restore, as an AMI that no longer exists)."""
        snapshot_id = rp.arn.rsplit("/", 1)[-1]
        by_id = self._snapshots(rp, [snapshot_id])
        if isinstance(by_id, Unreadable):
            return None if by_id.code == "InvalidSnapshot.NotFound" else by_id
        snapshot = by_id.get(snapshot_id)
        if snapshot is None:
            return None
        if not snapshot.get("Encrypted"):
            return "", None
        key_arn = _key_arn(snapshot, rp)
        return key_arn, self._snapshot_key(key_arn, rp, {})

    def _read_many(
        self, account: str, region: str, batch: _Batch, ids: Iterable[str]
    ) -> list[dict[str, Any]]:
        """`batch`'s read of `ids` not known yet, per 199; each remembered under its id (None:
        not answered; the read's Unreadable when it failed). The items answered."""
        wanted = [
            i for i in dict.fromkeys(ids) if not self.remembered(batch.key(account, region, i))
        ]
        ec2 = self.client("ec2", account, region)
        answered: list[dict[str, Any]] = []
        for chunk in _chunks(wanted):
            params: dict[str, Any] = {
                batch.owners: ["self"],
                "Filters": [{"Name": batch.filter, "Values": chunk}],
            }
            answer = self.read(batch.operation, partial(_listed, ec2, batch, params))
            found = (
                {text_of(i, batch.id_field): i for i in answer or () if isinstance(i, dict)}
                if isinstance(answer, list)
                else {}
            )
            for item_id in chunk:
                item = answer if isinstance(answer, Unreadable) else found.get(item_id)
                self.remember(batch.key(account, region, item_id), item)
            answered += found.values()
        return answered

    def _snapshots(self, rp: RecoveryPointFacts, ids: list[str]) -> dict[str, Any] | Unreadable:
        """The snapshots `ids` of the recovery point's account and Region by id: as read in a
        batch (`read_images`), else with one DescribeSnapshots naming them."""
        keys = [_SNAPSHOTS.key(rp.account_id, rp.region, i) for i in ids]
        if all(self.remembered(key) for key in keys):
            read = [self.once(key, lambda: None) for key in keys]
            unread = next((r for r in read if isinstance(r, Unreadable)), None)
            return unread or {i: r for i, r in zip(ids, read, strict=True) if isinstance(r, dict)}
        ec2 = self.client("ec2", rp.account_id, rp.region)
        answered = self.read(
            "ec2:DescribeSnapshots",
            lambda: required(
                ec2.describe_snapshots(SnapshotIds=ids), "Snapshots", "DescribeSnapshots"
            ),
        )
        if not isinstance(answered, list):
            return answered or Unreadable("ec2:DescribeSnapshots", "Empty", "")
        return {text_of(s, "SnapshotId"): s for s in answered if isinstance(s, dict)}

    def marketplace_codes(self, rp: RecoveryPointFacts) -> tuple[str, ...] | Unreadable:
        """AWS Marketplace product codes of an EC2 recovery point's AMI."""
        image = self.image(rp)
        if not isinstance(image, dict):
            return image or ()
        return tuple(
            text_of(code, "ProductCodeId")
            for code in image.get("ProductCodes", [])
            if isinstance(code, dict) and code.get("ProductCodeType") == "marketplace"
        )

    def image_snapshots(
        self, rp: RecoveryPointFacts, known: dict[str, KeyFacts | Unreadable | None]
    ) -> tuple[ImageSnapshot, ...] | Unreadable | None:
        """The EBS snapshots of an EC2 recovery point's AMI with their keys (None: not an AMI,
        a copy not made yet, or an AMI that no longer exists). `known`: keys read already."""
        if rp.copied_from:
            return None  # a foreseen copy: its snapshots will be on its vault's key
        image = self.image(rp)
        if not isinstance(image, dict):
            return image
        devices = _devices(image)
        if not devices:
            return ()
        by_id = self._snapshots(rp, list(dict.fromkeys(snapshot for _, snapshot in devices)))
        if isinstance(by_id, Unreadable):
            return by_id
        found: list[ImageSnapshot] = []
        for device, snapshot_id in devices:
            snapshot = by_id.get(snapshot_id)
            if snapshot is None:
                return Unreadable(
                    "ec2:DescribeSnapshots",
                    "InvalidSnapshot.NotFound",
                    f"snapshot {snapshot_id} of {rp.arn.rsplit('/', 1)[-1]} was not answered",
                )
            key_arn = _key_arn(snapshot, rp) if snapshot.get("Encrypted") else ""
            key = self._snapshot_key(key_arn, rp, known) if key_arn else None
            found.append(ImageSnapshot(snapshot_id, device, key_arn, key))
        return tuple(found)

    def _snapshot_key(
        self, key_arn: str, rp: RecoveryPointFacts, known: dict[str, KeyFacts | Unreadable | None]
    ) -> KeyFacts | Unreadable | None:
        if key_arn in known:
            return known[key_arn]
        if not key_arn.startswith("arn:"):
            return Unreadable("ec2:DescribeSnapshots", "NoKmsKeyId", "encrypted, names no key")
        key = self.once(
            ("image-snapshot-key", key_arn, rp.account_id),
            lambda: self.key(key_arn, True, rp.account_id),
        )
        # An encrypted snapshot whose key names no KMS key drconsole can describe.
        return key or Unreadable("kms:DescribeKey", "NotFoundException", f"{key_arn} not found")


def _key_arn(snapshot: dict[str, Any], rp: RecoveryPointFacts) -> str:
    """The ARN of a snapshot's key (AWS answers an ARN; a bare key id is of the snapshot's
    account and Region)."""
    key = text_of(snapshot, "KmsKeyId")
    if not key or key.startswith("arn:"):
        return key or "(none named)"
    owner = text_of(snapshot, "OwnerId") or rp.account_id
    return f"arn:{rp.partition}:kms:{rp.region}:{owner}:key/{key.removeprefix('key/')}"


def _devices(image: dict[str, Any]) -> list[tuple[str, str]]:
    """(device name, snapshot id) of each EBS snapshot an AMI maps."""
    return [
        (text_of(mapping, "DeviceName"), text_of(mapping["Ebs"], "SnapshotId"))
        for mapping in image.get("BlockDeviceMappings", [])
        if isinstance(mapping, dict)
        and isinstance(mapping.get("Ebs"), dict)
        and mapping["Ebs"].get("SnapshotId")
    ]


def _listed(ec2: Any, batch: _Batch, params: dict[str, Any]) -> list[Any]:
    return list(pages(ec2, batch.method, batch.items, **params))


def _chunks(ids: list[str]) -> Iterable[list[str]]:
    """`ids` in runs of FILTER_VALUES."""
    return (ids[start : start + FILTER_VALUES] for start in range(0, len(ids), FILTER_VALUES))
