"""Read the AMI an EC2 recovery point is: its Marketplace codes and its snapshots' keys.

AWS Backup's EC2 backup is an AMI whose EBS snapshots each keep the key of the volume they were
taken of (a root volume on aws/ebs beside a data volume on a customer managed key), and a copy
copies every one of them; DescribeRecoveryPoint names one key at most. DescribeImages gives the
snapshots (its `KmsKeyId` is documented for launches only), DescribeSnapshots their keys.
"""

from __future__ import annotations

from typing import Any

from drconsole.aws.answers import required, text_of
from drconsole.aws.key_reader import KeyReader
from drconsole.checks.facts import ImageSnapshot, KeyFacts, RecoveryPointFacts, Unreadable

# An AMI deregistered since its backup: AWS fails its copy, and it carries nothing to judge.
_AMI_GONE = ("InvalidAMIID.NotFound", "InvalidAMIID.Unavailable")


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

        return self.once(("ec2:DescribeImages", rp.account_id, rp.region, image_id), describe)

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
        devices = [
            (text_of(mapping, "DeviceName"), text_of(mapping["Ebs"], "SnapshotId"))
            for mapping in image.get("BlockDeviceMappings", [])
            if isinstance(mapping, dict)
            and isinstance(mapping.get("Ebs"), dict)
            and mapping["Ebs"].get("SnapshotId")
        ]
        if not devices:
            return ()
        ec2 = self.client("ec2", rp.account_id, rp.region)
        ids = list(dict.fromkeys(snapshot for _, snapshot in devices))
        answered = self.read(
            "ec2:DescribeSnapshots",
            lambda: required(
                ec2.describe_snapshots(SnapshotIds=ids), "Snapshots", "DescribeSnapshots"
            ),
        )
        if not isinstance(answered, list):
            return answered or Unreadable("ec2:DescribeSnapshots", "Empty", "")
        by_id = {text_of(s, "SnapshotId"): s for s in answered if isinstance(s, dict)}
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
