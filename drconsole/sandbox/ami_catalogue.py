"""moto's public AMI catalogue without its 1,200-odd ECS-optimized images per Region."""

from __future__ import annotations

from typing import Any

_installed = False


def install() -> None:
    """Make moto's EC2 backends load Amazon's general AMIs but not the ECS-optimized ones.

    moto builds every AMI it ships in each account and Region it touches, each with a volume and
    a snapshot: about 1,280 in eu-central-1, 1,210 of them ECS-optimized, which no scenario uses
    and which cost a scenario build about 0.4 s. The 70-odd general ones stay, so an instance
    still has Amazon images to start from.
    """
    global _installed
    if _installed:  # once per process: a second wrapper would wrap the first
        return
    from moto.ec2.models import amis

    loader = amis.load_resource

    def load_without_ecs_images(resource: str) -> Any:
        if resource.startswith("ec2/resources/ecs/"):
            return []
        return loader(resource)

    amis.load_resource = load_without_ecs_images
    _installed = True
