"""The AMI an EC2 recovery point is: one EBS snapshot per volume, each on its volume's key.

AWS Backup backs an EC2 instance up as an AMI of it; its snapshots keep the encryption of the
volumes they were taken of ("Backups of resource types that are not fully managed by AWS Backup
typically inherit the encryption settings from their source resource", Encryption for backups
in AWS Backup). A copy re-encrypts them with the destination vault's key ("AWS Backup
re-encrypts your copy using the customer managed key of your destination vault"). The copy
rules read these keys: one AMI snapshot on aws/ebs, or on a key the destination may not use,
fails a copy into another account.
"""

from __future__ import annotations

import random
from typing import Any

from moto.ec2.models.amis import Ami

from drconsole.sandbox import marketplace_images
from drconsole.sandbox.access import find_key

_IDS = random.Random()


class DeviceImage(Ami):
    """An AMI whose block device mappings are the snapshots it was made with (moto's own AMI
    answers one unencrypted snapshot of its making)."""

    devices: tuple[tuple[str, str, bool], ...] = ()  # (device name, snapshot id, encrypted)

    @property
    def block_device_mappings(self) -> list[dict[str, Any]]:
        return [
            {
                "DeviceName": device,
                "Ebs": {
                    "SnapshotId": snapshot_id,
                    "DeleteOnTermination": True,
                    "VolumeType": "gp3",
                    "Encrypted": encrypted,
                },
            }
            for device, snapshot_id, encrypted in self.devices
        ]


def _ec2(account_id: str, region: str) -> Any:
    from moto.ec2.models import ec2_backends

    return ec2_backends[account_id][region]


def _key_arn(key_id: str | None, account_id: str, region: str) -> str | None:
    """The ARN of the key a volume names (an id, alias or ARN), as DescribeSnapshots gives it."""
    if not key_id:
        return None
    if not key_id.startswith("arn:"):
        key_id = f"arn:aws:kms:{region}:{account_id}:{'' if '/' in key_id else 'key/'}{key_id}"
    key = find_key(key_id)
    return str(key.arn) if key is not None else key_id


def volume_backup_key(account_id: str, region: str, volume_arn: str) -> str | None:
    """The key an EBS backup of `volume_arn` is encrypted with: its volume's ("inherit the
    encryption settings from their source resource"), "" when the volume is not encrypted,
    None when the sandbox does not know the volume."""
    volume = _ec2(account_id, region).volumes.get(volume_arn.rsplit("/", 1)[-1])
    if volume is None:
        return None
    if not volume.encrypted:
        return ""
    return _key_arn(volume.kms_key_id, account_id, region) or ""


def register_backup_snapshot(account_id: str, region: str, point_arn: str, volume_arn: str) -> None:
    """Make the EBS snapshot an EBS backup of `volume_arn` is answer DescribeSnapshots where
    the point lives, on its volume's key (`volume_backup_key`). A volume the sandbox does not
    know gets none."""
    from moto.ec2.models.elastic_block_store import Snapshot

    backend = _ec2(account_id, region)
    volume = backend.volumes.get(volume_arn.rsplit("/", 1)[-1])
    if volume is None or ":snapshot/" not in point_arn:
        return
    snapshot_id = point_arn.rsplit("/", 1)[-1]
    key = volume_backup_key(account_id, region, volume_arn) or None
    backend.snapshots[snapshot_id] = Snapshot(
        backend,
        snapshot_id,
        volume=volume,
        description=f"This snapshot is created by the AWS Backup service. {point_arn}",
        encrypted=key is not None,
        kms_key_id=key,
        owner_id=account_id,
    )


def register_backup_image(account_id: str, region: str, point_arn: str, instance_arn: str) -> None:
    """Make the AMI of an EC2 backup of `instance_arn` answer DescribeImages where the point
    lives: its volumes' snapshots with their keys, and the Marketplace codes of the AMI the
    instance was launched from. An instance the sandbox does not know gets no AMI."""
    if ":image/" not in point_arn:
        return
    backend = _ec2(account_id, region)
    instance_id = instance_arn.rsplit("/", 1)[-1]
    instance = next(
        (
            found
            for reservation in backend.reservations.values()
            for found in reservation.instances
            if found.id == instance_id
        ),
        None,
    )
    if instance is None:
        return
    image_id = point_arn.rsplit("/", 1)[-1]
    snapshots = []
    for device, block in instance.get_block_device_mapping:
        volume = backend.get_volume(block.volume_id)
        snapshot = backend.create_snapshot(
            volume.id, f"This snapshot is created by the AWS Backup service. {image_id}"
        )
        snapshot.from_ami = image_id
        snapshot.kms_key_id = _key_arn(volume.kms_key_id, account_id, region)
        snapshot.encrypted = bool(volume.encrypted)
        snapshots.append((device, snapshot.id, snapshot.encrypted))
    codes = marketplace_images.instance_codes(account_id, region, instance_arn)
    register_image(backend, region, image_id, f"AwsBackup_{image_id}", codes, tuple(snapshots))


def register_copy_image(
    source: tuple[str, str, str], dest: tuple[str, str, str], vault_key_arn: str | None
) -> None:
    """Make the AMI of a completed copy answer in its account and Region (`source` and `dest`:
    account, Region, recovery point ARN): the source AMI's devices, each encrypted snapshot on
    the destination vault's key, and its Marketplace codes."""
    account_id, region, point_arn = source
    dest_account, dest_region, copy_arn = dest
    if ":image/" not in point_arn or ":image/" not in copy_arn:
        return
    image = _ec2(account_id, region).amis.get(point_arn.rsplit("/", 1)[-1])
    codes = marketplace_images.image_codes(account_id, region, point_arn.rsplit("/", 1)[-1])
    if image is None:
        return
    backend = _ec2(dest_account, dest_region)
    from moto.ec2.models.elastic_block_store import Snapshot

    source_backend = _ec2(account_id, region)
    devices = []
    for mapping in image.block_device_mappings:
        original = source_backend.snapshots.get(mapping["Ebs"]["SnapshotId"])
        if original is None:
            continue
        copy_id = f"snap-{_IDS.getrandbits(68):017x}"
        encrypted = bool(original.encrypted)
        backend.snapshots[copy_id] = Snapshot(
            backend,
            copy_id,
            volume=original.volume,
            description=f"This snapshot is created by the AWS Backup service. {copy_arn}",
            encrypted=encrypted,
            kms_key_id=vault_key_arn if encrypted else None,
            owner_id=dest_account,
            from_ami=copy_arn.rsplit("/", 1)[-1],
        )
        devices.append((mapping["DeviceName"], copy_id, encrypted))
    copy_id = copy_arn.rsplit("/", 1)[-1]
    register_image(backend, dest_region, copy_id, f"AwsBackup_{copy_id}", codes, tuple(devices))


def image_key_arns(account_id: str, region: str, point_arn: str) -> tuple[str, ...] | None:
    """The keys of an EC2 recovery point's AMI snapshots ("" for one not encrypted); None when
    the point is no AMI the sandbox made with its snapshots."""
    if ":image/" not in point_arn:
        return None
    backend = _ec2(account_id, region)
    image = backend.amis.get(point_arn.rsplit("/", 1)[-1])
    if not isinstance(image, DeviceImage):
        return None
    keys = []
    for _, snapshot_id, encrypted in image.devices:
        snapshot = backend.snapshots.get(snapshot_id)
        keys.append(str(snapshot.kms_key_id or "") if snapshot is not None and encrypted else "")
    return tuple(keys)


def register_image(
    backend: Any,
    region: str,
    image_id: str,
    name: str,
    codes: tuple[str, ...],
    devices: tuple[tuple[str, str, bool], ...] = (),
) -> None:
    """An AMI answering DescribeImages in `backend`: its snapshots (`devices`: device name,
    snapshot id, encrypted) and the Marketplace product codes it carries."""
    image = DeviceImage(
        backend,
        image_id,
        name=name,
        region_name=region,
        root_device_type="ebs",
        architecture="x86_64",
        virtualization_type="hvm",
        hypervisor="xen",
    )
    # moto's AMI made a snapshot of its own making; this one is made of the devices given.
    backend.snapshots.pop(image.ebs_snapshot.id, None)
    image.devices = devices
    # moto answers ProductCodes from these records as they are (a set of bare codes would be
    # answered as an empty list).
    image.product_codes = [  # type: ignore[assignment]
        {"ProductCodeId": code, "ProductCodeType": marketplace_images.MARKETPLACE} for code in codes
    ]
    backend.amis[image_id] = image
