"""Restore form rules that tie one metadata key to another or to the backed-up resource: keys
of AWS's metadata the restore must not send with the values chosen, and values the service
refuses given AWS's own (an EBS volume smaller than its snapshot). Pure."""

from __future__ import annotations

import json
from collections.abc import Mapping

# RunInstances refuses network interfaces beside an instance-level subnet or security groups:
# "If you specify a network interface, you must specify any subnets as part of the network
# interface" (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html).
EC2_OWN_NETWORK_KEYS = ("SubnetId", "SecurityGroupIds")
# Per instance type: CPU options "must be valid for the instance type"
# (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/cpu-options-supported-instances-values.html),
# and hibernation is supported for some types only.
EC2_PER_TYPE_KEYS = ("CpuOptions", "HibernationOptions")
# "Multi-Attach is supported with io1 and io2 volumes only" (CreateVolume MultiAttachEnabled).
MULTI_ATTACH_TYPES = ("io1", "io2")
# StartRestoreJob's ItemsToRestore: "An array of one to five strings where each string is a
# file path" (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_StartRestoreJob.html).
ITEMS_LIMIT = 5
# A DB cluster's zones ("AvailabilityZones: A list of Availability Zones (AZs) where instances
# in the restored DB cluster can be created", RestoreDBClusterFromSnapshot). Optional: without
# it the service places the instances in zones of the Region it restores in.
ZONES_KEY = "AvailabilityZones"


def _get(values: Mapping[str, str], key: str) -> str:
    lowered = key.lower()
    return next((str(v).strip() for k, v in values.items() if k.lower() == lowered), "")


def _given(values: Mapping[str, str], key: str) -> bool:
    lowered = key.lower()
    return any(k.lower() == lowered for k in values)


def zone_in_region(zone: str, region: str) -> bool:
    """Whether `zone` names an Availability Zone of `region`: the Region's name and a letter
    (eu-north-1a), or one of its Local or Wavelength Zones (us-west-2-lax-1a)."""
    zone = zone.strip()
    if not zone.startswith(region):
        return False
    rest = zone[len(region) :]
    return (len(rest) == 1 and rest.isalpha() and rest.islower()) or rest.startswith("-")


def typed_list(text: str) -> object:
    """A list value as typed: JSON when it starts with '[' (which may be other than a list),
    else its comma-separated parts; ValueError when the JSON does not parse."""
    return json.loads(text) if text.startswith("[") else text.split(",")


def _zones(text: str) -> list[str]:
    """The zones of an AvailabilityZones value (JSON text, as AWS Backup's metadata carries
    lists, or comma-separated); [] when it lists none or does not parse."""
    try:
        items = typed_list(text.strip())
    except ValueError:
        return []
    return [str(i).strip() for i in items if str(i).strip()] if isinstance(items, list) else []


def zones_elsewhere(text: str, region: str) -> list[str]:
    """The zones an AvailabilityZones value names outside `region`."""
    return [zone for zone in _zones(text) if not zone_in_region(zone, region)]


def dropped_keys(
    resource_type: str,
    passthrough: Mapping[str, str],
    defaults: Mapping[str, str],
    values: Mapping[str, str],
    region: str = "",
) -> dict[str, str]:
    """The keys of AWS's metadata (passed through, not given in `values`) the restore does not
    send with these values, each with why (one phrase)."""
    dropped: dict[str, str] = {}
    kept = {k: v for k, v in passthrough.items() if v and not _given(values, k)}
    zones = next((k for k in kept if k.lower() == ZONES_KEY.lower()), None)
    elsewhere = zones_elsewhere(str(kept[zones]), region) if zones and region else []
    if zones is not None and elsewhere:
        # A copy from another Region may carry its source's zones: sent, the restore would
        # fail in the service; left out, the service picks zones of the Region restored in.
        dropped[zones] = (
            f"it names {', '.join(elsewhere)}, not zones of {region} (without it the service "
            f"places the cluster in zones of {region})"
        )
    if resource_type == "EC2":
        named = [key for key in EC2_OWN_NETWORK_KEYS if _get(values, key)]
        interfaces = next((k for k in kept if k.lower() == "networkinterfaces"), None)
        if named and interfaces is not None:
            dropped[interfaces] = (
                f"the restore names its own {' and '.join(named)} (RunInstances refuses "
                "network interfaces beside them)"
            )
        chosen, original = _get(values, "InstanceType"), _get(defaults, "InstanceType")
        if chosen and original and chosen != original:
            for key in kept:
                if key.lower() in (k.lower() for k in EC2_PER_TYPE_KEYS):
                    dropped[key] = f"they are {original}'s and the instance type is now {chosen}"
    if resource_type == "EBS":
        volume_type = _get(values, "volumeType")
        attach = next((k for k in kept if k.lower() == "multiattachenabled"), None)
        if (
            attach is not None
            and volume_type
            and volume_type not in MULTI_ATTACH_TYPES
            and str(kept[attach]).strip().lower() == "true"
        ):
            dropped[attach] = f"Multi-Attach is for io1 and io2 volumes only, not {volume_type}"
    return dropped


def dropped_notes(
    resource_type: str,
    passthrough: Mapping[str, str],
    defaults: Mapping[str, str],
    values: Mapping[str, str],
    region: str = "",
) -> list[str]:
    """One line per key of AWS's metadata that the restore does not send."""
    return [
        f"{key} of the recovery point is not sent: {why}"
        for key, why in dropped_keys(resource_type, passthrough, defaults, values, region).items()
    ]


def problems(
    resource_type: str,
    defaults: Mapping[str, str],
    values: Mapping[str, str],
    wrong: set[str],
    region: str = "",
) -> list[str]:
    """One line per value the service refuses given another key or AWS's own metadata
    (`wrong`: the lower-case keys already said to be wrong, not judged again)."""
    found: list[str] = []
    zones = _get(values, ZONES_KEY)
    elsewhere = zones_elsewhere(zones, region) if zones and region else []
    if elsewhere and ZONES_KEY.lower() not in wrong:
        found.append(
            f"{ZONES_KEY} must list Availability Zones of {region}, not "
            f"{', '.join(elsewhere)} (or leave it out: the service then picks them)"
        )
    if resource_type == "EBS":
        found += _ebs_problems(defaults, values, wrong)
    if resource_type == "EFS":
        found += _items_problems(values)
    return found


def _ebs_problems(
    defaults: Mapping[str, str], values: Mapping[str, str], wrong: set[str]
) -> list[str]:
    found: list[str] = []
    size, floor = _get(values, "volumeSize"), _get(defaults, "volumeSize")
    # CreateVolume: "If you specify a snapshot, ... you can specify a volume size that is
    # equal to or larger than the snapshot size"
    # (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVolume.html).
    if size and floor.isdigit() and "volumesize" not in wrong and int(size) < int(floor):
        found.append(
            f"volumeSize (Size (GiB)) must be at least {floor}, the backed-up volume's size "
            f"(a volume is never smaller than its snapshot), not {size}"
        )
    volume_type = _get(values, "volumeType")
    attach = _get(values, "multiAttachEnabled").lower()
    if attach == "true" and volume_type and volume_type not in MULTI_ATTACH_TYPES:
        found.append(
            f"multiAttachEnabled must be false for {volume_type}: Multi-Attach is for io1 and "
            "io2 volumes only"
        )
    return found


def _items_problems(values: Mapping[str, str]) -> list[str]:
    text = _get(values, "ItemsToRestore")
    if not _given(values, "ItemsToRestore") or not text:
        return []
    try:
        items = json.loads(text)
    except ValueError:
        items = None
    if (
        not isinstance(items, list)
        or not 1 <= len(items) <= ITEMS_LIMIT
        or not all(isinstance(i, str) and i.startswith("/") for i in items)
    ):
        return [
            f"ItemsToRestore must be a JSON list of one to {ITEMS_LIMIT} paths, each starting "
            f'with /, such as ["/data/report.csv"], not {text!r}'
        ]
    return []
