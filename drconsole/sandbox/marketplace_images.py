"""AMIs carrying AWS Marketplace product codes, and the EC2 recovery points made from them.

AWS Marketplace stamps its product codes on the AMIs it sells; an instance launched from one, an
AMI made from that instance (an AWS Backup EC2 recovery point is such an AMI) and a copy of it in
its own account keep them: "The new AMI retains all the AWS Marketplace codes" (Amazon EC2 User
Guide, Copy an AMI). No AWS API lets a customer stamp them, so the sandbox does it here.
"""

from __future__ import annotations

import random
from typing import Any

# DescribeImages's ProductCodeType: devpay | marketplace (EC2 API reference, ProductCode).
MARKETPLACE = "marketplace"
_IDS = random.Random()


def _ec2(account_id: str, region: str) -> Any:
    from moto.ec2.models import ec2_backends

    return ec2_backends[account_id][region]


def marketplace_image(
    account_id: str, region: str, product_code: str, name: str = "marketplace-product"
) -> str:
    """A new AMI of the account and Region carrying the Marketplace product code; its ID."""
    from drconsole.sandbox.backup_images import register_image

    image_id = f"ami-{_IDS.getrandbits(68):017x}"
    register_image(
        _ec2(account_id, region), region, image_id, f"{name}-{image_id}", (product_code,)
    )
    return image_id


def image_codes(account_id: str, region: str, image_id: str) -> tuple[str, ...]:
    """The Marketplace product codes of an AMI the sandbox knows (none for any other)."""
    image = _ec2(account_id, region).amis.get(image_id)
    codes = getattr(image, "product_codes", None) or ()
    return tuple(
        str(code["ProductCodeId"])
        for code in codes
        if isinstance(code, dict) and code.get("ProductCodeType") == MARKETPLACE
    )


def instance_codes(account_id: str, region: str, instance_arn: str) -> tuple[str, ...]:
    """The Marketplace product codes of the AMI an EC2 instance was launched from."""
    instance_id = instance_arn.rsplit("/", 1)[-1]
    for reservation in _ec2(account_id, region).reservations.values():
        for instance in reservation.instances:
            if instance.id == instance_id:
                return image_codes(account_id, region, instance.image_id)
    return ()


def point_codes(account_id: str, region: str, point_arn: str) -> tuple[str, ...]:
    """The Marketplace product codes of an EC2 recovery point's AMI (none for another type)."""
    if ":image/" not in point_arn:
        return ()
    return image_codes(account_id, region, point_arn.rsplit("/", 1)[-1])
