"""The AWS partition of the ARNs drconsole writes itself (`aws`, `aws-cn`, `aws-us-gov`...).

A role, vault, account root or AWS managed policy ARN written in the wrong partition names
nothing there: AWS refuses a request carrying it, and a check comparing it with what AWS
answered fails on a role or policy that is in fact there. So every ARN drconsole makes takes its
partition from an ARN AWS gave (a recovery point's, a key's), or else from its Region.
"""

from __future__ import annotations

import functools
from typing import Any

DEFAULT = "aws"


def of_arn(arn: str) -> str:
    """The partition field of an ARN (`arn:aws-cn:...` -> `aws-cn`); `aws` when not an ARN."""
    head, _, rest = arn.partition(":")
    partition = rest.partition(":")[0]
    return partition if head == "arn" and partition else DEFAULT


@functools.cache
def _botocore_session() -> Any:
    from drconsole.aws.model_loader import core_session

    return core_session()


@functools.cache
def known_partition(region: str) -> str | None:
    """The partition of a Region as botocore resolves it (its Regions and Region patterns:
    `cn-north-1` -> `aws-cn`, `eusc-de-east-1` -> `aws-eusc`); None when it knows none."""
    from botocore.exceptions import UnknownRegionError

    try:
        return str(_botocore_session().get_partition_for_region(region))
    except UnknownRegionError:
        return None


def of_region(region: str) -> str:
    """The partition of a Region; `aws` when botocore knows none."""
    return known_partition(region) or DEFAULT


# The Region each partition's global endpoints live in (IAM, Organizations, STS's global one):
# enabled in every account of the partition, it is where the caller's STS calls go last.
DEFAULT_REGIONS = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1", "aws-cn": "cn-north-1"}


def default_region(region: str) -> str | None:
    """The default Region of `region`'s partition (`eu-central-1` -> `us-east-1`); None for a
    partition without one drconsole knows."""
    return DEFAULT_REGIONS.get(of_region(region))


def account_root(account_id: str, partition: str) -> str:
    """`arn:PARTITION:iam::ACCOUNT:root`, the account as a principal."""
    return f"arn:{partition}:iam::{account_id}:root"


def iam_role(account_id: str, path_and_name: str, partition: str) -> str:
    """`arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`."""
    return f"arn:{partition}:iam::{account_id}:role/{path_and_name}"


def managed_policy(path_and_name: str, partition: str) -> str:
    """An AWS managed policy: `arn:PARTITION:iam::aws:policy/PATH/NAME`."""
    return f"arn:{partition}:iam::aws:policy/{path_and_name}"


# AWS Backup's own role and the AWS managed policies its copy and restore roles carry (the
# checks judge them, `explain`'s fixes name them).
BACKUP_SLR_NAME = "AWSServiceRoleForBackup"
BACKUP_POLICY = "service-role/AWSBackupServiceRolePolicyForBackup"
RESTORE_POLICY = "service-role/AWSBackupServiceRolePolicyForRestores"
S3_RESTORE_POLICY = "AWSBackupServiceRolePolicyForS3Restore"


def backup_service_linked_role(account_id: str, partition: str) -> str:
    """The ARN of AWS Backup's service-linked role in an account."""
    return iam_role(
        account_id, f"aws-service-role/backup.amazonaws.com/{BACKUP_SLR_NAME}", partition
    )


def backup_vault(region: str, account_id: str, name: str, partition: str | None = None) -> str:
    """`arn:PARTITION:backup:REGION:ACCOUNT:backup-vault:NAME` (the Region's partition unless
    given)."""
    where = partition or of_region(region)
    return f"arn:{where}:backup:{region}:{account_id}:backup-vault:{name}"
