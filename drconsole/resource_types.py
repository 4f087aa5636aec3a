"""Per AWS Backup resource type: whether AWS documents its copies, and whether drconsole restores.

A type that is not named here (one AWS adds next year, or one whose copy support drconsole cannot
vouch for) is never guessed to work: its copy route is UNKNOWN and its restore is refused, each
with the AWS CLI commands that do it by hand.
"""

from __future__ import annotations

FEATURE_TABLE = (
    "https://docs.aws.amazon.com/aws-backup/latest/devguide/"
    "backup-feature-availability.html#features-by-resource"
)
# The types whose row in AWS Backup's "Feature availability by resource" table (FEATURE_TABLE)
# ticks both "Cross-Region copy" and "Cross-account copy", as GetSupportedResourceTypes spells
# them. Conditions AWS attaches to some of them are judged by the route check itself: DynamoDB
# only with advanced features, no Multi-AZ DB cluster snapshot, no continuous backup, nothing in
# cold storage, no Marketplace AMI across accounts, database engines in two hops across account
# and Region where single-action copy is not offered. "If a resource type does not support
# cross-Region or cross-account copy in AWS Backup, then copy operations for that resource type
# are not supported in any scenario, including same-Region and same-account copies"
# (https://docs.aws.amazon.com/aws-backup/latest/devguide/recov-point-create-a-copy.html): a type
# missing here is therefore judged for every copy, not only for those that leave its account or
# Region.
COPYABLE_TYPES = frozenset(
    {
        "Aurora",
        "CloudFormation",
        "DocumentDB",
        "DynamoDB",
        "EBS",
        "EC2",
        "EFS",
        "FSx",
        "Neptune",
        "RDS",
        "S3",
        "SAP HANA on Amazon EC2",
        "Storage Gateway",
        "Timestream",
        "VirtualMachine",
    }
)
# The types `ls --resource-type` filters by: the copyable ones and Redshift, which drconsole
# lists but whose copies it does not vouch for.
LISTED_TYPES = tuple(sorted(COPYABLE_TYPES | {"Redshift"}))
# Database engines that historically cannot copy across account AND Region in one job: two hops
# ("For Amazon RDS and Aurora snapshots, AWS Backup only supports automating either
# cross-account or cross-Region copies", recov-point-create-a-copy; DocumentDB and Neptune alike).
DATABASE_TYPES = frozenset({"RDS", "Aurora", "DocumentDB", "Neptune"})
# The types drconsole has a restore form for (`flows.restore_forms`): what AWS requires and
# refuses in their restore metadata is checked before StartRestoreJob. Any other type is restored
# with AWS Backup's console or CLI.
RESTORABLE_TYPES = ("EBS", "EC2", "RDS", "Aurora", "DynamoDB", "EFS", "S3")


def copy_support_known(resource_type: str) -> bool:
    """True when AWS documents cross-Region and cross-account copies of the type."""
    return resource_type in COPYABLE_TYPES


def multi_az_cluster_snapshot(resource_type: str, recovery_point_arn: str) -> bool:
    """True for an RDS recovery point that is a DB cluster snapshot: a Multi-AZ DB cluster's
    (Aurora, DocumentDB and Neptune have resource types of their own)."""
    return resource_type == "RDS" and ":cluster-snapshot:" in recovery_point_arn


def restorable(resource_type: str, recovery_point_arn: str = "") -> bool:
    """True when drconsole can build, check and send this recovery point's restore. The RDS
    form restores a DB instance (DBInstanceIdentifier): a Multi-AZ DB cluster snapshot, which
    restores as a DB cluster, has no form."""
    if multi_az_cluster_snapshot(resource_type, recovery_point_arn):
        return False
    return resource_type in RESTORABLE_TYPES


def shown_type(resource_type: str) -> str:
    """The type as said in a sentence: an empty one is named as missing."""
    return repr(resource_type) if resource_type.strip() else "(no ResourceType in AWS's answer)"


def not_restored_here(resource_type: str, recovery_point_arn: str = "") -> str:
    """Why drconsole does not restore the recovery point, in one sentence."""
    if multi_az_cluster_snapshot(resource_type, recovery_point_arn):
        return (
            "the recovery point is an RDS Multi-AZ DB cluster snapshot, and drconsole's RDS "
            "restore form restores a DB instance only: the DB cluster metadata AWS requires or "
            "refuses for it cannot be checked before the restore is sent"
        )
    return (
        f"drconsole restores {', '.join(RESTORABLE_TYPES)}, not {shown_type(resource_type)}: "
        "it has no restore form for that type, so the metadata AWS requires or refuses for it "
        "cannot be checked before the restore is sent"
    )


def restore_by_hand(
    recovery_point_arn: str, vault_name: str, region: str, resource_type: str, role_arn: str
) -> str:
    """How to restore a recovery point of a type drconsole does not restore."""
    return "Restore it with AWS Backup's console, or with the AWS CLI in its account: " + (
        restore_commands(recovery_point_arn, vault_name, region, resource_type, role_arn)
    )


def restore_commands(
    recovery_point_arn: str, vault_name: str, region: str, resource_type: str, role_arn: str
) -> str:
    """The AWS CLI commands that restore a recovery point: its metadata, then the restore."""
    where = f"--region {region}"
    typed = f" --resource-type '{resource_type}'" if resource_type.strip() else ""
    return (
        f"aws backup get-recovery-point-restore-metadata --backup-vault-name {vault_name} "
        f"--recovery-point-arn {recovery_point_arn} {where} (edit the metadata as the type's "
        "restore page in the AWS Backup Developer Guide says), then aws backup "
        f"start-restore-job --recovery-point-arn {recovery_point_arn} --iam-role-arn {role_arn} "
        f"--metadata file://metadata.json{typed} {where}"
    )
