"""What stands in a restore's way in the demo: a second VPC in prod and a taken DB name.

prod (eu-central-1) holds, beside its default VPC, the VPC `prod-isolated` with two subnets,
the security group `prod-isolated-app`, the DB subnet group `prod-isolated-db` and the option
group `prod-isolated-options` bound to it; a restore whose metadata mixes them with the default
VPC's is refused by EC2 or RDS. The DB instance `prod-orders-db-restore-test`, left by an earlier
restore test, holds that name. The instance `prod-web-1` runs with the instance profile
`prod-web-profile` (role `prod-web-role`), which prod and the recovery account hold and
which AWS Backup's default restore role may pass to EC2: its restores there pass the instance
profile check, while a copy restored in qa or dev names a profile those accounts lack. Built
last, so the identifiers made before it stay the same.
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
WEB_PROFILE = "prod-web-profile"
WEB_PROFILE_ROLE = "prod-web-role"
WEB_INSTANCE = "prod-web-1"
# Accounts that hold the web tier's instance profile.
PROFILE_ACCOUNTS = ("prod", "recovery")


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


def build_instance_profiles(demo: DemoBuilder, region: str) -> None:
    """The web tier's instance profile in prod and the recovery account, attached to
    prod-web-1 (see the module docstring)."""
    import json

    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    for role in PROFILE_ACCOUNTS:
        iam = demo.client("iam", role)
        iam.create_role(RoleName=WEB_PROFILE_ROLE, AssumeRolePolicyDocument=json.dumps(trust))
        iam.create_instance_profile(InstanceProfileName=WEB_PROFILE)
        iam.add_role_to_instance_profile(InstanceProfileName=WEB_PROFILE, RoleName=WEB_PROFILE_ROLE)
    instance_id = demo.resource_arns[WEB_INSTANCE].rsplit("/", 1)[-1]
    demo.client("ec2", "prod", region).associate_iam_instance_profile(
        IamInstanceProfile={"Name": WEB_PROFILE}, InstanceId=instance_id
    )
