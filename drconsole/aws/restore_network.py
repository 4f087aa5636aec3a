"""Read the network a restore's metadata names, in the restoring account and Region (EC2, RDS)."""

from __future__ import annotations

from typing import Any

from drconsole.aws.answers import INCOMPLETE_ANSWER, required, text_of
from drconsole.aws.reader import BaseReader
from drconsole.checks.facts import NetworkPart, RestoreNetwork, Unreadable
from drconsole.checks.restore_network import NetworkRequest

SUBNET_MISSING = ("InvalidSubnetID.NotFound", "InvalidSubnetID.Malformed", "InvalidSubnetId")
GROUP_MISSING = ("InvalidGroup.NotFound", "InvalidGroupId.Malformed", "InvalidGroupId.NotFound")
SUBNET_GROUP_MISSING = ("DBSubnetGroupNotFoundFault", "DBSubnetGroupNotFound")
OPTION_GROUP_MISSING = ("OptionGroupNotFoundFault", "OptionGroupNotFound")


class NetworkReader(BaseReader):
    """The reads of the restore network check."""

    def restore_network(
        self, account: str, region: str, request: NetworkRequest
    ) -> RestoreNetwork | Unreadable:
        """Each named part with its VPC (None: missing), and the default VPC when no subnet or
        DB subnet group is named."""
        ec2 = self.client("ec2", account, region)
        rds = self.client("rds", account, region)
        placement: NetworkPart | Unreadable | None = None
        if request.subnet:
            placement = self._subnet(ec2, request.subnet)
        elif request.subnet_group:
            placement = self._subnet_group(rds, request.subnet_group)
        attached: list[NetworkPart | Unreadable] = [
            self._security_group(ec2, group) for group in request.security_groups
        ]
        if request.option_group:
            attached.append(self._option_group(rds, request.option_group))
        default = self._default_vpc(ec2) if placement is None else None
        for fact in (placement, default, *attached):
            if isinstance(fact, Unreadable):
                return fact
        assert not isinstance(placement, Unreadable) and not isinstance(default, Unreadable)
        return RestoreNetwork(
            placement=placement,
            attached=tuple(p for p in attached if isinstance(p, NetworkPart)),
            default_vpc=default,
            requested_zones=request.zones,
            zone_key=request.zone_key,
        )

    def _subnet(self, ec2: Any, subnet_id: str) -> NetworkPart | Unreadable:
        found = self.read(
            "ec2:DescribeSubnets",
            lambda: required(
                ec2.describe_subnets(SubnetIds=[subnet_id]), "Subnets", "DescribeSubnets"
            ),
            SUBNET_MISSING,
        )
        if isinstance(found, Unreadable):
            return found
        if not found:
            return NetworkPart("subnet", subnet_id, None)
        subnet = found[0]
        return NetworkPart(
            "subnet", subnet_id, subnet.get("VpcId", ""), (text_of(subnet, "AvailabilityZone"),)
        )

    def _security_group(self, ec2: Any, group_id: str) -> NetworkPart | Unreadable:
        found = self.read(
            "ec2:DescribeSecurityGroups",
            lambda: required(
                ec2.describe_security_groups(GroupIds=[group_id]),
                "SecurityGroups",
                "DescribeSecurityGroups",
            ),
            GROUP_MISSING,
        )
        if isinstance(found, Unreadable):
            return found
        vpc = found[0].get("VpcId", "") if found else None
        return NetworkPart("security group", group_id, vpc)

    def _subnet_group(self, rds: Any, name: str) -> NetworkPart | Unreadable:
        found = self.read(
            "rds:DescribeDBSubnetGroups",
            lambda: required(
                rds.describe_db_subnet_groups(DBSubnetGroupName=name),
                "DBSubnetGroups",
                "DescribeDBSubnetGroups",
            ),
            SUBNET_GROUP_MISSING,
        )
        if isinstance(found, Unreadable):
            return found
        if not found:
            return NetworkPart("DB subnet group", name, None)
        group = found[0]
        zones = sorted(
            {
                s["SubnetAvailabilityZone"]["Name"]
                for s in group.get("Subnets", [])
                if s.get("SubnetAvailabilityZone", {}).get("Name")
            }
        )
        return NetworkPart("DB subnet group", name, group.get("VpcId", ""), tuple(zones))

    def _option_group(self, rds: Any, name: str) -> NetworkPart | Unreadable:
        found = self.read(
            "rds:DescribeOptionGroups",
            lambda: required(
                rds.describe_option_groups(OptionGroupName=name),
                "OptionGroupsList",
                "DescribeOptionGroups",
            ),
            OPTION_GROUP_MISSING,
        )
        if isinstance(found, Unreadable):
            return found
        if not found:
            return NetworkPart("option group", name, None)
        # Only a VPC id ties an option group to a VPC (others answer none, or "null").
        vpc = str(found[0].get("VpcId") or "")
        return NetworkPart("option group", name, vpc if vpc.startswith("vpc-") else "")

    def _default_vpc(self, ec2: Any) -> NetworkPart | Unreadable | None:
        vpcs = self.read(
            "ec2:DescribeVpcs",
            lambda: required(
                ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}]),
                "Vpcs",
                "DescribeVpcs",
            ),
        )
        if isinstance(vpcs, Unreadable):
            return vpcs
        if not vpcs:
            return None
        vpc_id = text_of(vpcs[0], "VpcId")
        if not vpc_id:
            return Unreadable("ec2:DescribeVpcs", INCOMPLETE_ANSWER, "the default VPC has no VpcId")
        subnets = self.read(
            "ec2:DescribeSubnets",
            lambda: ec2.describe_subnets(
                Filters=[
                    {"Name": "vpc-id", "Values": [vpc_id]},
                    {"Name": "default-for-az", "Values": ["true"]},
                ]
            ).get("Subnets"),
        )
        if isinstance(subnets, Unreadable):
            return subnets
        zones = tuple(sorted({text_of(s, "AvailabilityZone") for s in subnets or []} - {""}))
        return NetworkPart("default VPC", vpc_id, vpc_id, zones)
