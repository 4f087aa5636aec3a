"""The restore's network: what the metadata names (subnet, DB subnet group, security groups,
option group, Availability Zone) and the verdict on it, RESTORE_NETWORK when it cannot work."""

from __future__ import annotations

import json
from dataclasses import dataclass

from drconsole.checks.common import unknown_check
from drconsole.checks.facts import NetworkPart, RestoreFacts, RestoreNetwork, Unreadable
from drconsole.models import CauseCode, Check, CheckStatus

CHECK_ID, TITLE = "restore.network", "Subnet, security groups and option group fit one VPC"
# Resource types whose restore places something in a VPC.
NETWORKED_TYPES = ("EC2", "RDS", "Aurora", "DocumentDB", "Neptune")


@dataclass(frozen=True, slots=True)
class NetworkRequest:
    """The network names a restore's metadata asks for (keys matched without regard to case)."""

    subnet: str = ""  # EC2: SubnetId
    subnet_group: str = ""  # databases: DBSubnetGroupName
    security_groups: tuple[str, ...] = ()
    option_group: str = ""
    zones: tuple[str, ...] = ()
    zone_key: str = ""


def _lookup(metadata: dict[str, str], key: str) -> str:
    lowered = {k.lower(): v for k, v in metadata.items()}
    return str(lowered.get(key.lower(), "") or "").strip()


def metadata_list(raw: str) -> tuple[str, ...]:
    """A list value as AWS Backup serializes it (JSON text), or a comma-separated one."""
    raw = raw.strip()
    if not raw:
        return ()
    if raw.startswith("["):
        try:
            return tuple(str(v).strip() for v in json.loads(raw) if str(v).strip())
        except ValueError:
            return ()
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _placement_zone(raw: str) -> str:
    """The Availability Zone of EC2's `Placement` value ({"AvailabilityZone": ...})."""
    try:
        value = json.loads(raw) if raw.strip().startswith("{") else {}
    except ValueError:
        return ""
    return str(value.get("AvailabilityZone", "") or "") if isinstance(value, dict) else ""


def _primary_interface(raw: str) -> tuple[str, tuple[str, ...]]:
    """The subnet and security groups of the first network interface in EC2's
    `NetworkInterfaces` value (a JSON list), or nothing."""
    try:
        value = json.loads(raw) if raw.strip().startswith("[") else []
    except ValueError:
        return "", ()
    interfaces = [i for i in value if isinstance(i, dict)] if isinstance(value, list) else []
    if not interfaces:
        return "", ()
    first = min(interfaces, key=lambda i: i.get("DeviceIndex", 0) or 0)
    groups = first.get("Groups", []) or []
    names = tuple(str(g.get("GroupId", "") if isinstance(g, dict) else g).strip() for g in groups)
    return str(first.get("SubnetId", "") or "").strip(), tuple(n for n in names if n)


def network_request(resource_type: str, metadata: dict[str, str]) -> NetworkRequest | None:
    """What the metadata names of the network; None for types that have none."""
    if resource_type not in NETWORKED_TYPES:
        return None
    if resource_type == "EC2":
        zone = _placement_zone(_lookup(metadata, "Placement"))
        subnet = _lookup(metadata, "SubnetId")
        groups = metadata_list(_lookup(metadata, "SecurityGroupIds"))
        if not subnet and not groups:
            # Without a subnet or groups of its own, the restore sends the recovery point's
            # network interfaces (restore_metadata_rules): the instance goes where they say.
            subnet, groups = _primary_interface(_lookup(metadata, "NetworkInterfaces"))
        return NetworkRequest(
            subnet=subnet,
            security_groups=groups,
            zones=(zone,) if zone else (),
            zone_key="Placement",
        )
    # A database's Availability Zone is not judged: AWS documents no message for a zone its
    # DB subnet group does not cover, so drconsole does not guess one.
    return NetworkRequest(
        subnet_group=_lookup(metadata, "DBSubnetGroupName"),
        security_groups=metadata_list(_lookup(metadata, "VpcSecurityGroupIds")),
        option_group=_lookup(metadata, "OptionGroupName") if resource_type == "RDS" else "",
        zone_key="DBSubnetGroupName",
    )


def check_restore_network(facts: RestoreFacts) -> Check:
    """The subnet (or DB subnet group), security groups and option group exist and share one
    VPC, the default VPC exists when none is named, and the asked zone has a subnet."""
    network = facts.network
    region = facts.restoring_region or facts.recovery_point.region
    where = f"account {facts.restoring_account_id} ({region})"
    if network is None:
        return Check(CHECK_ID, TITLE, CheckStatus.PASS, "the restored resource has no network")
    if isinstance(network, Unreadable):
        return unknown_check(
            CHECK_ID, TITLE, network, f"the network named by the metadata in {where}"
        )
    missing = [
        part for part in (network.placement, *network.attached) if part and part.vpc_id is None
    ]
    if missing:
        fixes = [
            f"{_key_of(p.kind, network)}=... ({_list_command(p.kind, region)})" for p in missing
        ]
        groups = any(p.kind == "security group" for p in missing)
        return _fail(
            f"{', '.join(f'{p.kind} {p.name}' for p in missing)} not found in {where}",
            "Name ones that exist there: --metadata "
            + "; --metadata ".join(fixes)
            + (
                f" (or --metadata {_key_of('security group', network)}=[] for the VPC's default "
                "security group)"
                if groups
                else ""
            ),
        )
    kind, key = _placement_kind(network), _placement_key(network)
    home = network.placement or network.default_vpc
    if home is None:
        return _fail(
            f"the metadata names no {kind} and {where} has no default VPC",
            f"Name one with --metadata {key}=... ({_list_command(kind, region)}), "
            f"or create the default VPC: aws ec2 create-default-vpc --region {region}",
        )
    if network.placement is None and not home.zones:
        return _fail(
            f"the default VPC {home.vpc_id} of {where} has no default subnets",
            "Create them (aws ec2 create-default-subnet --availability-zone ZONE --region "
            f"{region}, once per zone) or name a {kind} with --metadata {key}=...",
        )
    vpc = home.vpc_id or ""
    home_label = f"{home.kind} {home.name}" if network.placement else f"the default VPC {vpc}"
    strangers = [p for p in network.attached if p.vpc_id and p.vpc_id != vpc]
    if strangers:
        names = ", ".join(f"{p.kind} {p.name} (in {p.vpc_id})" for p in strangers)
        kinds = _kinds(strangers)
        return _fail(
            f"{names} not in the VPC of {home_label} ({vpc})",
            f"Name {', '.join(p.kind + 's' for p in kinds)} of {vpc}: "
            + "; ".join(_list_command(p.kind, region, vpc) for p in kinds)
            + f"; or a {kind} in their VPC with --metadata {key}=...",
        )
    outside = [zone for zone in network.requested_zones if home.zones and zone not in home.zones]
    if outside:
        covered = ", ".join(home.zones)
        return _fail(
            f"{network.zone_key} asks for {', '.join(outside)}, but {home_label} has subnets only "
            f"in {covered}",
            f"Ask for a zone it covers (--metadata {network.zone_key}=...: {covered}) "
            f"or name a {kind} in {outside[0]}.",
        )
    parts = [home_label + (f" ({vpc})" if network.placement else "")]
    parts += [f"{p.kind} {p.name}" for p in network.attached]
    zones = (
        f", zone {', '.join(network.requested_zones)} covered" if network.requested_zones else ""
    )
    return Check(
        CHECK_ID, TITLE, CheckStatus.PASS, f"{', '.join(parts)}: one VPC in {where}{zones}"
    )


def _fail(evidence: str, remediation: str) -> Check:
    return Check(
        CHECK_ID, TITLE, CheckStatus.FAIL, evidence, CauseCode.RESTORE_NETWORK, remediation
    )


def _kinds(parts: list[NetworkPart]) -> list[NetworkPart]:
    """One part per kind, in order."""
    seen: dict[str, NetworkPart] = {}
    for part in parts:
        seen.setdefault(part.kind, part)
    return list(seen.values())


def _placement_kind(network: RestoreNetwork) -> str:
    return "subnet" if network.zone_key == "Placement" else "DB subnet group"


def _key_of(kind: str, network: RestoreNetwork) -> str:
    """The metadata key that names a part of that kind."""
    ec2 = network.zone_key == "Placement"
    keys = {
        "subnet": "SubnetId",
        "DB subnet group": "DBSubnetGroupName",
        "option group": "OptionGroupName",
        "security group": "SecurityGroupIds" if ec2 else "VpcSecurityGroupIds",
    }
    return keys[kind]


def _placement_key(network: RestoreNetwork) -> str:
    return "DBSubnetGroupName" if _placement_kind(network) == "DB subnet group" else "SubnetId"


def _list_command(kind: str, region: str, vpc: str = "") -> str:
    """The AWS CLI command that lists the candidates of a kind (in a VPC)."""
    vpc_filter = f" --filters Name=vpc-id,Values={vpc}" if vpc else ""
    commands = {
        "subnet": f"aws ec2 describe-subnets --region {region}{vpc_filter}",
        "security group": f"aws ec2 describe-security-groups --region {region}{vpc_filter}",
        "DB subnet group": f"aws rds describe-db-subnet-groups --region {region}",
        "option group": f"aws rds describe-option-groups --region {region}",
    }
    return commands[kind]
