"""Explanations and exact fixes for RESTORE_NETWORK: one explainer per kind of network refusal."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from drconsole.diagnose.facts import Facts, fill
from drconsole.models import CauseCode, Diagnosis
from drconsole.shell_words import shell_word

VPC_RE = re.compile(r"\bvpc-[0-9a-z]{3,}\b", re.IGNORECASE)
SUBNET_RE = re.compile(r"\bsubnet-[0-9a-z]{3,}\b", re.IGNORECASE)
GROUP_RE = re.compile(r"\bsg-[0-9a-z]{3,}\b", re.IGNORECASE)
ZONE_RE = re.compile(
    r"(?<![\w-])((?:[a-z]{2}(?:-gov|-iso[a-z]?)?|eusc-[a-z]{2})-[a-z]+-\d{1,2})([a-z])\b",
    re.IGNORECASE,
)
SUBNET_GROUP_RE = re.compile(r"(?:db )?subnet group '?([\w.-]+?)'? does not exist", re.IGNORECASE)
QUOTED_RE = re.compile(r"'([^'\s]{1,255})'")
RESTORE_CMD = "drconsole restore --recovery-point <RECOVERY_POINT_ARN>"
CHECK_FIRST = "drconsole check restore --recovery-point <RECOVERY_POINT_ARN> verifies them first."
Explained = tuple[str, list[str]]  # the explanation, the lines of the fix


def _ids(pattern: re.Pattern[str], text: str) -> list[str]:
    return list(dict.fromkeys(m.group(0).lower() for m in pattern.finditer(text)))


def region_of(facts: Facts, placeholder: str = "RESTORE_REGION") -> str:
    """The Region named in the message, or the one an Availability Zone belongs to; else the
    placeholder saying which Region the command is for (a restore's, by default)."""
    if facts.region():
        return fill(facts.region(), placeholder)
    zone = ZONE_RE.search(facts.text)
    return zone.group(1).lower() if zone else f"<{placeholder}>"


@dataclass(frozen=True, slots=True)
class Network:
    """The network parts a refusal names, read once."""

    facts: Facts
    text: str  # lower-cased
    region: str
    vpcs: list[str]
    subnets: list[str]
    groups: list[str]
    zones: list[str]

    @classmethod
    def read(cls, facts: Facts) -> Network:
        """The ids, zones and Region of the message."""
        text = facts.text
        return cls(
            facts,
            text.lower(),
            region_of(facts),
            _ids(VPC_RE, text),
            _ids(SUBNET_RE, text),
            _ids(GROUP_RE, text),
            _ids(ZONE_RE, text),
        )

    @property
    def find_subnets(self) -> str:
        """The call that lists the subnets, their VPCs and zones where the restore runs."""
        return (
            f"  aws ec2 describe-subnets --region {self.region}"
            " --query 'Subnets[].[SubnetId,VpcId,AvailabilityZone]' --output table"
        )

    @property
    def find_subnet_groups(self) -> str:
        """The call that lists the DB subnet groups and their VPCs."""
        return (
            f"  aws rds describe-db-subnet-groups --region {self.region}"
            " --query 'DBSubnetGroups[].[DBSubnetGroupName,VpcId]' --output table"
        )


def _no_default(n: Network) -> Explained:
    why = (
        f"The restore relies on the default VPC (or its default subnets) of {n.region}, and the"
        " restoring account has none there any more: AWS Backup restores to the default VPC"
        " when the metadata names no subnet."
    )
    return why, [
        "Name a subnet and security groups of an existing VPC in the restore metadata:",
        n.find_subnets,
        f"  EC2:        {RESTORE_CMD} --metadata SubnetId=<SUBNET_ID>"
        " --metadata SecurityGroupIds='[\"<SG_ID>\"]'",
        f"  RDS/Aurora: {RESTORE_CMD} --metadata DBSubnetGroupName=<DB_SUBNET_GROUP>"
        " --metadata VpcSecurityGroupIds='[\"<SG_ID>\"]'",
        f"or recreate the default VPC: aws ec2 create-default-vpc --region {n.region}",
    ]


def _different_vpcs(n: Network) -> Explained:
    shown = ", ".join(n.vpcs) or "two VPCs"
    why = (
        "The restore metadata mixes network parts of different VPCs"
        f" ({', '.join(n.groups + n.subnets) or 'subnet and security groups'} span {shown}):"
        " the subnet (or DB subnet group) and every security group must be in one VPC."
    )
    lookup = []
    if n.vpcs:
        target, sg = n.vpcs[0], f"<SG_ID_IN_{n.vpcs[0]}>"
    else:
        target, sg = "<VPC_ID>", "<SG_ID_IN_THAT_VPC>"
        subnet = n.subnets[0] if n.subnets else "<SUBNET_ID>"
        lookup.append(
            f"  aws ec2 describe-subnets --region {n.region} --subnet-ids {subnet}"
            " --query 'Subnets[0].VpcId' --output text     (gives <VPC_ID>)"
        )
    return why, [
        "Pick security groups of the subnet's VPC:",
        *lookup,
        f"  aws ec2 describe-security-groups --region {n.region} --filters"
        f" Name=vpc-id,Values={target} --query 'SecurityGroups[].[GroupId,GroupName]'",
        f"  EC2:        {RESTORE_CMD} --metadata SecurityGroupIds='[\"{sg}\"]'",
        f"  RDS/Aurora: {RESTORE_CMD} --metadata DBSubnetGroupName=<DB_SUBNET_GROUP_IN_VPC>"
        f" --metadata VpcSecurityGroupIds='[\"{sg}\"]'",
        "(an RDS restore without DBSubnetGroupName lands in the default VPC, so name the"
        " subnet group of the security groups' VPC.)",
    ]


def _zone_coverage(n: Network) -> Explained:
    covered = ", ".join(n.zones) or "one Availability Zone"
    quoted = QUOTED_RE.search(n.facts.text)
    name = shell_word(quoted.group(1)) if quoted else "<DB_SUBNET_GROUP>"
    why = (
        f"The DB subnet group covers only {covered}; RDS needs subnets in at least two"
        " Availability Zones of the Region (Aurora Serverless: subnets in different zones)."
    )
    return why, [
        "Add a subnet of another Availability Zone of the same VPC to the group:",
        n.find_subnets,
        f"  aws rds modify-db-subnet-group --region {n.region} --db-subnet-group-name {name}"
        " --subnet-ids <CURRENT_SUBNET_IDS> <SUBNET_IN_ANOTHER_ZONE>",
        f"or restore with another group: {RESTORE_CMD} --metadata DBSubnetGroupName=<GROUP>",
    ]


def _option_group(n: Network) -> Explained:
    found = QUOTED_RE.search(n.facts.text) or re.search(r"option group (\S+) is", n.facts.text)
    option = found.group(1) if found else "<OPTION_GROUP>"
    why = (
        f"The option group {option if found else 'in the restore metadata'} cannot be used"
        f" where the restore runs ({n.region}): it does not exist there, or it belongs to another"
        " VPC. Option groups are per Region and are not copied with a snapshot."
    )
    return why, [
        "Use an option group of the restoring account and Region, or create an equivalent:",
        f"  aws rds describe-option-groups --region {n.region}"
        " --query 'OptionGroupsList[].[OptionGroupName,EngineName,MajorEngineVersion,VpcId]'",
        f"  aws rds create-option-group --region {n.region} --option-group-name {option}"
        " --engine-name <ENGINE> --major-engine-version <VERSION>"
        " --option-group-description 'DR restore'",
        f"  {RESTORE_CMD} --metadata OptionGroupName={option}",
    ]


def _zone(n: Network) -> Explained:
    asked = n.zones[0] if n.zones else "the Availability Zone in the metadata"
    subnet_zone = re.search(
        r"subnet '?([\w-]+)'? is in the availability zone ([\w-]+)", n.facts.text, re.I
    )
    where = f"; subnet {subnet_zone.group(1)} is in {subnet_zone.group(2)}" if subnet_zone else ""
    zone = subnet_zone.group(2) if subnet_zone else "<ZONE_OF_THE_SUBNET>"
    why = (
        f"The restore asks for Availability Zone {asked}, which is not offered there or is not"
        f" the zone of the subnet it names{where}: the zone in the metadata must be the"
        " subnet's (or one of the DB subnet group's)."
    )
    return why, [
        "Name the subnet's zone (or leave AvailabilityZone out):",
        n.find_subnets,
        f"  {RESTORE_CMD} --metadata AvailabilityZone={zone}",
    ]


# EC2's refusal of a zone name the account does not have in the Region (CreateVolume).
ZONE_NOT_HERE_RE = re.compile(
    r"invalidzone\.notfound|\bzone '?[\w-]+'? does not exist|invalid value '?[\w-]+'? for"
    r" availabilityzone"
)


def _zone_not_here(n: Network) -> Explained:
    asked = n.zones[0] if n.zones else "the Availability Zone in the metadata"
    region = fill(n.facts.region(), "RESTORE_REGION")
    why = (
        f"The restore asks for Availability Zone {asked}, which this account does not have in the"
        " Region where the restore runs: a zone of another Region (a copy restored in another"
        " Region keeps its source's zone in the metadata) or a zone name the account lacks."
    )
    return why, [
        "Name a zone of the Region of the restore (availabilityZone for EBS):",
        f"  aws ec2 describe-availability-zones --region {region}"
        " --query 'AvailabilityZones[].ZoneName'",
        f"  {RESTORE_CMD} --metadata availabilityZone=<ZONE>",
    ]


def _instance_type_zone(n: Network) -> Explained:
    kind = re.search(r"instance type \(?([\w.]+)\)?", n.facts.text, re.IGNORECASE)
    instance_type = kind.group(1) if kind else "<INSTANCE_TYPE>"
    asked, offered = (n.zones[0], n.zones[1:]) if n.zones else ("<ZONE>", [])
    where = ", ".join(offered) or "the zones EC2 lists"
    return (
        f"EC2 does not offer instance type {instance_type} in {asked}, the Availability Zone of"
        f" the subnet the restore launches into; it does in {where}.",
        [
            f"Restore into a subnet of {where} (or ask for another instance type):",
            f"  aws ec2 describe-subnets --region {n.region} --filters"
            f" Name=availability-zone,Values={','.join(offered) or '<ZONE>'}"
            " --query 'Subnets[].[SubnetId,VpcId,AvailabilityZone]' --output table",
            f"  aws ec2 describe-instance-type-offerings --location-type availability-zone"
            f" --filters Name=instance-type,Values={instance_type} --region {n.region}",
            f"  {RESTORE_CMD} --metadata SubnetId=<SUBNET_ID>",
            CHECK_FIRST,
        ],
    )


def _dns(n: Network) -> Explained:
    vpc = n.vpcs[0] if n.vpcs else "<VPC_ID>"
    why = (
        "The restore puts a publicly accessible database in a VPC without DNS resolution or"
        " DNS hostnames; RDS needs both for a public endpoint."
    )
    modify = f"  aws ec2 modify-vpc-attribute --region {n.region} --vpc-id {vpc}"
    return why, [
        "Turn both on for the VPC (one attribute per call), or restore it as private:",
        f"{modify} --enable-dns-support",
        f"{modify} --enable-dns-hostnames",
        f"  {RESTORE_CMD} --metadata PubliclyAccessible=false",
    ]


def _no_subnet_group(n: Network) -> Explained:
    why = (
        "The restore creates a private database without a DB subnet group: RDS needs one to"
        " know the VPC and subnets to place it in."
    )
    return why, [
        "Name a DB subnet group of the restoring account and Region:",
        n.find_subnet_groups,
        f"  {RESTORE_CMD} --metadata DBSubnetGroupName=<DB_SUBNET_GROUP>",
    ]


def _invalid_subnets(n: Network) -> Explained:
    why = (
        f"The subnets {', '.join(n.subnets)} cannot make a DB subnet group where the restore"
        f" runs ({n.region}): they do not exist in that account and Region, or they are not"
        " all in one VPC."
    )
    return why, [
        "Check them, then name subnets of one VPC that exist there:",
        f"  aws ec2 describe-subnets --region {n.region} --subnet-ids {' '.join(n.subnets)}"
        " --query 'Subnets[].[SubnetId,VpcId,AvailabilityZone]' --output table",
        n.find_subnets,
    ]


def _missing(n: Network) -> Explained:
    ids = n.subnets + n.groups + n.vpcs
    group = SUBNET_GROUP_RE.search(n.facts.text)
    named = f"DB subnet group {group.group(1)}" if group else ", ".join(ids)
    named = named or "the subnet, security group or DB subnet group in the metadata"
    why = (
        f"{named} {'do' if len(ids) > 1 else 'does'} not exist in the account and Region of the"
        f" restore ({n.region}): network ids are per account and Region, so ids copied from the"
        " source do not exist where a DR copy is restored."
    )
    return why, [
        "Use ids that exist where you restore:",
        n.find_subnets,
        f"  aws ec2 describe-security-groups --region {n.region}"
        " --query 'SecurityGroups[].[GroupId,VpcId,GroupName]' --output table",
        n.find_subnet_groups,
        f"  {RESTORE_CMD} --metadata SubnetId=<SUBNET_ID>"
        " (RDS/Aurora: --metadata DBSubnetGroupName=<GROUP>)",
        CHECK_FIRST,
    ]


def _unfit(n: Network) -> Explained:
    why = (
        "The VPC, subnets or security groups the restore would use do not fit what the"
        " service needs (AWS's words above say which); the restore metadata names them."
    )
    return why, [
        "Compare the network in the restore metadata with what exists where you restore:",
        n.find_subnets,
        n.find_subnet_groups,
        CHECK_FIRST,
    ]


def _says(*words: str) -> Callable[[Network], bool]:
    return lambda n: any(word in n.text for word in words)


# Tried in order: the first that applies explains the refusal.
EXPLAINERS: tuple[tuple[Callable[[Network], bool], Callable[[Network], Explained]], ...] = (
    (_says("no default", "vpcidnotspecified", "vpcresourcenotspecified"), _no_default),
    (
        lambda n: (
            "option group" not in n.text
            and (
                _says("different vpc", "different network")(n)
                or bool(re.search(r"is in vpc-\S+,? but", n.text))
            )
        ),
        _different_vpcs,
    ),
    (_says("coverage", "same availability zone"), _zone_coverage),
    (_says("not supported in your requested availability zone"), _instance_type_zone),
    (_says("option group"), _option_group),
    (lambda n: bool(ZONE_NOT_HERE_RE.search(n.text)), _zone_not_here),
    (lambda n: _says("availability zone", "availabilityzone")(n) or bool(n.zones), _zone),
    (_says("dns"), _dns),
    (_says("subnet group has not been specified"), _no_subnet_group),
    (lambda n: "are invalid" in n.text and bool(n.subnets), _invalid_subnets),
    (
        _says("does not exist", "not found", "notfound", "doesn't exist", "invalid security group"),
        _missing,
    ),
    (lambda n: True, _unfit),
)


def restore_network(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """No default VPC, parts in different VPCs, a missing subnet or group, a zone, DNS..."""
    network = Network.read(facts)
    explain = next(explainer for applies, explainer in EXPLAINERS if applies(network))
    why, fix = explain(network)
    return Diagnosis(CauseCode.RESTORE_NETWORK, why, "\n".join(fix))
