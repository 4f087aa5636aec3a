"""What stands in a restore's way in the demo: a second VPC in prod and a taken DB name.

prod (eu-central-1) holds, beside its default VPC, the VPC `prod-isolated` with two subnets,
the security group `prod-isolated-app`, the DB subnet group `prod-isolated-db` and the option
group `prod-isolated-options` bound to it; a restore whose metadata mixes them with the default
VPC's is refused by EC2 or RDS. The DB instance `prod-orders-db-restore-test`, left by an earlier
restore test, holds that name. Built last, so the identifiers made before it stay the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from drconsole.sandbox.scenarios.demo import DemoBuilder

ISOLATED_VPC = "prod-isolated"
ISOLATED_GROUP = "prod-isolated-app"
ISOLATED_DB_SUBNETS = "prod-isolated-db"
ISOLATED_OPTIONS = "prod-isolated-options"
TAKEN_DB_NAME = "prod-orders-db-restore-test"


def build_restore_obstacles(demo: DemoBuilder, region: str) -> None:
    """The second VPC of prod and the leftover DB instance (see the module docstring)."""
    from moto.rds.models import rds_backends

    from drconsole.sandbox.resources import rds_instance

    ec2 = demo.client("ec2", "prod", region)
    tags = [{"Key": "Name", "Value": ISOLATED_VPC}]
    vpc = ec2.create_vpc(
        CidrBlock="10.20.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": tags}]
    )["Vpc"]["VpcId"]
    subnets = []
    for index, zone in enumerate(("a", "b")):
        name = [{"Key": "Name", "Value": f"{ISOLATED_VPC}-{zone}"}]
        subnets.append(
            ec2.create_subnet(
                VpcId=vpc,
                CidrBlock=f"10.20.{index + 1}.0/24",
                AvailabilityZone=f"{region}{zone}",
                TagSpecifications=[{"ResourceType": "subnet", "Tags": name}],
            )["Subnet"]["SubnetId"]
        )
    ec2.create_security_group(
        GroupName=ISOLATED_GROUP, Description="prod-isolated application tier", VpcId=vpc
    )
    rds = demo.client("rds", "prod", region)
    rds.create_db_subnet_group(
        DBSubnetGroupName=ISOLATED_DB_SUBNETS,
        DBSubnetGroupDescription="prod-isolated database subnets",
        SubnetIds=subnets,
    )
    rds.create_option_group(
        OptionGroupName=ISOLATED_OPTIONS,
        EngineName="postgres",
        MajorEngineVersion="13",
        OptionGroupDescription="prod-isolated options",
    )
    # RDS binds an option group to the VPC of the first instance that uses it; moto has no API
    # for that, so the binding is set on its model.
    account = demo.accounts["prod"]
    option_group: Any = rds_backends[account][region].option_groups[ISOLATED_OPTIONS]
    option_group.vpc_id = vpc
    rds_instance(account, region, identifier=TAKEN_DB_NAME)
