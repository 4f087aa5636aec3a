"""How EC2 and RDS refuse a restore's network in the sandbox, with AWS's own messages.

A restored instance goes into the subnet its metadata names (else a default subnet of the
default VPC); a restored database into the DB subnet group named (else the default VPC). Every
security group and option group named must be in that VPC. These rules read moto's EC2 and RDS
state directly; they share nothing with drconsole's checks.
"""

from __future__ import annotations

import json
from typing import Any

from drconsole.sandbox import resources
from drconsole.sandbox.restore_metadata import Metadata

# EC2 RunInstances (InvalidSubnetID.NotFound, InvalidGroup.NotFound, InvalidParameter,
# VPCIdNotSpecified, InvalidParameterValue).
MSG_SUBNET_MISSING = "The subnet ID '{subnet_id}' does not exist"
MSG_SECURITY_GROUP_MISSING = "The security group '{group_id}' does not exist"
MSG_GROUP_NOT_IN_DEFAULT_VPC = "The security group '{group_id}' does not exist in VPC '{vpc_id}'"
MSG_GROUP_OTHER_NETWORK = (
    "Security group {group_id} and subnet {subnet_id} belong to different networks."
)
# RunInstances' InvalidParameterCombination for network interfaces beside an instance-level
# subnet or security groups.
MSG_INTERFACES_WITH_SUBNET = (
    "Network interfaces and an instance-level subnet ID may not be specified on the same request"
)
MSG_INTERFACES_WITH_GROUPS = (
    "Network interfaces and an instance-level security groups may not be specified on the "
    "same request"
)
MSG_NO_DEFAULT_VPC = "No default VPC for this user"
MSG_ZONE_NOT_SUBNETS = (
    "Value ({zone}) for parameter availabilityZone is invalid. "
    "Subnet '{subnet_id}' is in the availability zone {subnet_zone}"
)
# RDS RestoreDBInstanceFromDBSnapshot / RestoreDBClusterFromSnapshot.
MSG_DB_SUBNET_GROUP_MISSING = "DB subnet group '{name}' does not exist."
MSG_DB_NO_DEFAULT_SUBNET = (
    "No default subnet detected in VPC. Please contact AWS Support to recreate default Subnets."
)
MSG_DB_GROUP_MISSING = "Invalid security group , groupId= {group_id}, groupName=."
MSG_DB_GROUP_OTHER_VPC = (
    "The DB instance and EC2 security group are in different VPCs. "
    "The DB instance is in {vpc_id} and the EC2 security group is in {group_vpc_id}"
)
MSG_OPTION_GROUP_MISSING = "The specified option group could not be found."
MSG_OPTION_GROUP_OTHER_VPC = (
    "The option group {name} is associated with a different VPC than the request."
)


def _ec2(account_id: str, region: str) -> Any:
    from moto.ec2.models import ec2_backends

    return ec2_backends[account_id][region]


def _rds(account_id: str, region: str) -> Any:
    from moto.rds.models import rds_backends

    return rds_backends[account_id][region]


def _placement_zone(metadata: Metadata) -> str:
    import json

    raw = metadata.get("Placement").strip()
    try:
        value = json.loads(raw) if raw.startswith("{") else {}
    except ValueError:
        return ""
    return str(value.get("AvailabilityZone", "")) if isinstance(value, dict) else ""


def primary_interface(metadata: Metadata) -> dict[str, Any] | None:
    """The first network interface of the `NetworkInterfaces` metadata (a JSON list), if any."""
    raw = metadata.get("NetworkInterfaces").strip()
    try:
        value = json.loads(raw) if raw.startswith("[") else []
    except ValueError:
        return None
    interfaces = [i for i in value if isinstance(i, dict)] if isinstance(value, list) else []
    return min(interfaces, key=lambda i: i.get("DeviceIndex", 0) or 0) if interfaces else None


def ec2_network_failure(account_id: str, region: str, metadata: Metadata) -> str | None:
    """Why RunInstances refuses the restored instance's network, else None."""
    subnet_id = metadata.get("SubnetId").strip()
    groups = metadata.json_list("SecurityGroupIds")
    interface = primary_interface(metadata)
    if interface is not None:
        # AWS's own metadata names the instance's subnet and groups beside its interface;
        # the sandbox takes them as one when they agree (AWS does not document whether it
        # does), and refuses the interface beside a subnet or groups of another.
        own_subnet = str(interface.get("SubnetId", "") or "").strip()
        own_groups = [str(g) for g in interface.get("Groups", []) or []]
        if subnet_id and subnet_id != own_subnet:
            return MSG_INTERFACES_WITH_SUBNET
        if groups and sorted(groups) != sorted(own_groups):
            return MSG_INTERFACES_WITH_GROUPS
        subnet_id, groups = own_subnet, own_groups
    subnet: Any = None
    if subnet_id:
        subnet = resources.find_subnet(account_id, region, subnet_id)
        if subnet is None:
            return MSG_SUBNET_MISSING.format(subnet_id=subnet_id)
        vpc_id = subnet.vpc_id
    else:
        default = _ec2(account_id, region).get_default_vpc()
        if default is None:
            return MSG_NO_DEFAULT_VPC
        vpc_id = default.id
    for group_id in groups:
        group = resources.find_security_group(account_id, region, group_id)
        if group is None:
            return MSG_SECURITY_GROUP_MISSING.format(group_id=group_id)
        if group.vpc_id != vpc_id:
            if subnet_id:
                return MSG_GROUP_OTHER_NETWORK.format(group_id=group_id, subnet_id=subnet_id)
            return MSG_GROUP_NOT_IN_DEFAULT_VPC.format(group_id=group_id, vpc_id=vpc_id)
    zone = _placement_zone(metadata)
    if subnet is not None and zone and zone != subnet.availability_zone:
        return MSG_ZONE_NOT_SUBNETS.format(
            zone=zone, subnet_id=subnet_id, subnet_zone=subnet.availability_zone
        )
    return None


def database_network_failure(
    account_id: str, region: str, metadata: Metadata, with_option_group: bool
) -> str | None:
    """Why RDS refuses the restored database's network, else None."""
    name = metadata.get("DBSubnetGroupName").strip()
    if name:
        group = _rds(account_id, region).subnet_groups.get(name)
        if group is None:
            return MSG_DB_SUBNET_GROUP_MISSING.format(name=name)
        vpc_id = group.vpc_id
    else:
        ec2 = _ec2(account_id, region)
        default = ec2.get_default_vpc()
        if default is None or not ec2.get_default_subnets():
            return MSG_DB_NO_DEFAULT_SUBNET
        vpc_id = default.id
    for group_id in metadata.json_list("VpcSecurityGroupIds"):
        security_group = resources.find_security_group(account_id, region, group_id)
        if security_group is None:
            return MSG_DB_GROUP_MISSING.format(group_id=group_id)
        if security_group.vpc_id != vpc_id:
            return MSG_DB_GROUP_OTHER_VPC.format(vpc_id=vpc_id, group_vpc_id=security_group.vpc_id)
    option_group = metadata.get("OptionGroupName").strip() if with_option_group else ""
    if option_group:
        found = _rds(account_id, region).option_groups.get(option_group)
        if found is None:
            return MSG_OPTION_GROUP_MISSING
        bound = str(getattr(found, "vpc_id", "") or "")
        if bound.startswith("vpc-") and bound != vpc_id:
            return MSG_OPTION_GROUP_OTHER_VPC.format(name=option_group)
    return None
