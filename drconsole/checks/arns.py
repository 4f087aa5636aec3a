"""Parse backup vault and recovery point ARNs; a malformed ARN is a one-line UsageError."""

from __future__ import annotations

import re
from dataclasses import dataclass

from drconsole.errors import UsageError
from drconsole.partitions import known_partition

# Every partition and Region botocore knows: aws, aws-cn, aws-us-gov, aws-iso(-b/-e/-f) and
# aws-eusc (the European Sovereign Cloud, whose Regions start with "eusc": eusc-de-east-1).
_PARTITION = r"aws(?:-[a-z]+){0,2}"
_REGION = r"[a-z]{2,4}(?:-[a-z]+)+-[0-9]{1,2}"
_ACCOUNT = r"[0-9]{12}"

# A KMS key ARN as a restore's metadata gives one: a key or an alias, in a Region and account.
KMS_KEY_ARN = re.compile(
    rf"^arn:(?P<partition>{_PARTITION}):kms:(?P<region>{_REGION}):{_ACCOUNT}:"
    r"(?:key/[A-Za-z0-9-]{1,128}|alias/[A-Za-z0-9/_-]{1,256})$"
)

# A backup vault name is 2 to 50 letters, digits, hyphens and underscores: CreateBackupVault's
# BackupVaultName pattern ^[a-zA-Z0-9\-\_]{2,50}$ (no dot), as botocore's model and
# https://docs.aws.amazon.com/aws-backup/latest/devguide/API_CreateBackupVault.html give it.
VAULT_NAME = r"[A-Za-z0-9_-]{2,50}"
# AWS makes vaults of its own whose names no one else may take, with slashes:
# aws/efs/automatic-backup-vault, where EFS automatic backups go ("reserved for those automatic
# backups only"). Their ARNs come from AWS, so they parse; no copy goes into one.
RESERVED_VAULT_PREFIX = "aws/"
_ANY_VAULT_NAME = rf"(?:{VAULT_NAME}|aws/[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*)"


def is_vault_name(value: str) -> bool:
    """A backup vault's name as AWS gives one: CreateBackupVault's pattern, or AWS's own."""
    return re.fullmatch(_ANY_VAULT_NAME, value) is not None


VAULT_ARN = re.compile(
    rf"^arn:(?P<partition>{_PARTITION}):backup:(?P<region>{_REGION}):(?P<account>{_ACCOUNT})"
    rf":backup-vault:(?P<name>{_ANY_VAULT_NAME})$"
)

# Each kind of recovery point ARN AWS Backup gives, and the resource type it implies. None: the
# ARN does not tell the type apart (DescribeRecoveryPoint's ResourceType does): an
# arn:aws:backup recovery point is any type AWS Backup fully manages, an EBS snapshot is also
# how Storage Gateway volumes are backed up, and Aurora, DocumentDB and Neptune all keep their
# backups as RDS cluster snapshots.
_RECOVERY_POINT_KINDS: tuple[tuple[str, str | None, re.Pattern[str]], ...] = (
    (
        "backup",
        None,
        re.compile(
            rf"^arn:(?P<partition>{_PARTITION}):backup:(?P<region>{_REGION}):"
            rf"(?P<account>{_ACCOUNT}):recovery-point:(?P<id>[A-Za-z0-9_.:-]+)$"
        ),
    ),
    (
        "ebs-snapshot",
        None,
        re.compile(
            rf"^arn:(?P<partition>{_PARTITION}):ec2:(?P<region>{_REGION}):"
            rf"(?P<account>{_ACCOUNT})?:snapshot/(?P<id>snap-[0-9a-f]+)$"
        ),
    ),
    (
        "ec2-image",
        "EC2",
        re.compile(
            rf"^arn:(?P<partition>{_PARTITION}):ec2:(?P<region>{_REGION}):"
            rf"(?P<account>{_ACCOUNT})?:image/(?P<id>ami-[0-9a-f]+)$"
        ),
    ),
    (
        "rds-snapshot",
        "RDS",
        re.compile(
            rf"^arn:(?P<partition>{_PARTITION}):rds:(?P<region>{_REGION}):"
            rf"(?P<account>{_ACCOUNT}):snapshot:(?P<id>[A-Za-z0-9:-]+)$"
        ),
    ),
    (
        "rds-cluster-snapshot",
        None,
        re.compile(
            rf"^arn:(?P<partition>{_PARTITION}):rds:(?P<region>{_REGION}):"
            rf"(?P<account>{_ACCOUNT}):cluster-snapshot:(?P<id>[A-Za-z0-9:-]+)$"
        ),
    ),
    (
        "dynamodb-backup",
        "DynamoDB",
        re.compile(
            rf"^arn:(?P<partition>{_PARTITION}):dynamodb:(?P<region>{_REGION}):"
            rf"(?P<account>{_ACCOUNT}):table/(?P<table>[A-Za-z0-9_.-]{{3,255}})"
            r"/backup/(?P<id>[A-Za-z0-9-]+)$"
        ),
    ),
    (
        # Amazon FSx (Lustre, Windows File Server, ONTAP, OpenZFS): FSx's own backup ARN.
        "fsx-backup",
        "FSx",
        re.compile(
            rf"^arn:(?P<partition>{_PARTITION}):fsx:(?P<region>{_REGION}):"
            rf"(?P<account>{_ACCOUNT}):backup/(?P<id>backup-[0-9a-f]{{8,121}})$"
        ),
    ),
    (
        # Amazon Redshift (provisioned clusters): a manual snapshot, snapshot:CLUSTER/SNAPSHOT.
        "redshift-snapshot",
        "Redshift",
        re.compile(
            rf"^arn:(?P<partition>{_PARTITION}):redshift:(?P<region>{_REGION}):"
            rf"(?P<account>{_ACCOUNT}):snapshot:(?P<cluster>[A-Za-z0-9-]{{1,63}})"
            r"/(?P<id>[A-Za-z0-9:-]{1,255})$"
        ),
    ),
    (
        # Amazon Redshift Serverless: AWS Backup gives the form
        # arn:aws:redshift-serverless:region:account-id:snapshot:resource/awsbackup:* (AWS
        # Backup access control, https://docs.aws.amazon.com/aws-backup/latest/devguide/
        # access-control.html); Redshift Serverless names its snapshots snapshot/ID.
        "redshift-serverless-snapshot",
        None,
        re.compile(
            rf"^arn:(?P<partition>{_PARTITION}):redshift-serverless:(?P<region>{_REGION}):"
            rf"(?P<account>{_ACCOUNT}):snapshot(?::[A-Za-z0-9-]{{1,63}})?"
            r"/(?P<id>[A-Za-z0-9:-]{1,255})$"
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class VaultArn:
    """A parsed backup vault ARN."""

    arn: str
    partition: str
    region: str
    account_id: str
    name: str


@dataclass(frozen=True, slots=True)
class RecoveryPointArn:
    """A parsed recovery point ARN; `account_id` is None for EBS/EC2 ARNs that omit it, and
    `resource_type_hint` None when the ARN's form is shared by several resource types."""

    arn: str
    kind: str
    partition: str
    region: str
    account_id: str | None
    resource_type_hint: str | None


def is_continuous(arn: str) -> bool:
    """True for a continuous backup (point-in-time recovery) of RDS, Aurora, S3 or SAP HANA:
    arn:aws:backup:REGION:ACCOUNT:recovery-point:continuous:ID. AWS Backup keeps it in the
    resource's own account and Region, and StartCopyJob "does not support continuous backups"
    (https://docs.aws.amazon.com/aws-backup/latest/devguide/point-in-time-recovery-copying.html:
    "AWS Backup does not support on-demand copies of continuous backups")."""
    parts = arn.split(":")
    return (
        len(parts) > 7 and parts[2] == "backup" and parts[5:7] == ["recovery-point", "continuous"]
    )


def checked_source_account(point: RecoveryPointArn, source_account: str | None) -> str | None:
    """`--source-account` (already a 12-digit id) against the recovery point ARN: an ARN that
    names its account and a flag naming another contradict each other (the flag was ignored)."""
    if source_account is not None and point.account_id not in (None, source_account):
        raise UsageError(
            f"--source-account {source_account} conflicts with the recovery point ARN, which "
            f"names account {point.account_id}"
        )
    return source_account


def parse_vault_arn(value: str, argument: str = "--to") -> VaultArn:
    """Parse a backup vault ARN or raise UsageError naming the argument and the problem."""
    text = value.strip()
    match = VAULT_ARN.fullmatch(text)
    if match is None:
        raise UsageError(f"{argument}: {_why_not_vault(text)}")
    _check_partition(text, match["partition"], match["region"], argument)
    return VaultArn(
        arn=text,
        partition=match["partition"],
        region=match["region"],
        account_id=match["account"],
        name=match["name"],
    )


def parse_recovery_point_arn(value: str, argument: str = "--recovery-point") -> RecoveryPointArn:
    """Parse a recovery point ARN of any kind or raise UsageError naming the argument."""
    text = value.strip()
    for kind, type_hint, pattern in _RECOVERY_POINT_KINDS:
        match = pattern.fullmatch(text)
        if match is not None:
            _check_partition(text, match["partition"], match["region"], argument)
            return RecoveryPointArn(
                arn=text,
                kind=kind,
                partition=match["partition"],
                region=match["region"],
                account_id=match["account"] or None,
                resource_type_hint=type_hint,
            )
    raise UsageError(f"{argument}: {_why_not_recovery_point(text)}")


def _check_partition(text: str, partition: str, region: str, argument: str) -> None:
    """A UsageError when the ARN's partition is not its Region's: no such resource can exist,
    and looking for it would only end in a misleading 'not found'."""
    expected = known_partition(region)
    if expected is not None and partition != expected:
        raise UsageError(
            f"{argument}: {text!r} names partition {partition!r}, but Region {region} is in "
            f"partition {expected!r} (arn:{expected}:...)"
        )


def _why_not_vault(text: str) -> str:
    if not text:
        return "empty; expected arn:aws:backup:REGION:ACCOUNT:backup-vault:NAME"
    parts = text.split(":")
    if len(parts) < 7 or parts[0] != "arn":
        return f"{text!r} is not an ARN; expected arn:aws:backup:REGION:ACCOUNT:backup-vault:NAME"
    if parts[2] != "backup" or parts[5] != "backup-vault":
        return f"{text!r} is not a backup vault ARN (expected service 'backup', 'backup-vault')"
    if not re.fullmatch(_REGION, parts[3]):
        return f"{text!r} has an invalid Region {parts[3]!r}"
    if not re.fullmatch(_ACCOUNT, parts[4]):
        return f"{text!r} has an invalid account id {parts[4]!r} (12 digits expected)"
    return f"{text!r} has an invalid vault name (2-50 letters, digits, '-', '_')"


def _why_not_recovery_point(text: str) -> str:
    if not text:
        return "empty; expected a recovery point ARN"
    parts = text.split(":")
    if len(parts) < 6 or parts[0] != "arn":
        return f"{text!r} is not an ARN"
    if len(parts) > 3 and not re.fullmatch(_REGION, parts[3]):
        return f"{text!r} has an invalid Region {parts[3]!r}"
    if len(parts) > 4 and parts[4] and not re.fullmatch(_ACCOUNT, parts[4]):
        return f"{text!r} has an invalid account id {parts[4]!r} (12 digits expected)"
    return (
        f"{text!r} is not a recovery point ARN (expected arn:aws:backup:...:recovery-point:ID, "
        "an EBS snapshot, an AMI, an RDS (cluster) snapshot, a DynamoDB or FSx backup, or a "
        "Redshift or Redshift Serverless snapshot ARN)"
    )
