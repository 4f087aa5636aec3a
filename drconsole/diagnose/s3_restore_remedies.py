"""Explanations and fixes for AWS Backup's own S3 restore messages (none, some or no objects)."""

from __future__ import annotations

import re

from drconsole.diagnose import facts as f
from drconsole.diagnose.facts import Facts, command_word, fill, policy_json
from drconsole.diagnose.network_remedies import RESTORE_CMD, region_of
from drconsole.models import CauseCode, Diagnosis
from drconsole.partitions import managed_policy

# The restore job's SNS events name each object that failed; AWS's messages end by saying so.
NOTIFY = (
    "aws backup put-backup-vault-notifications --backup-vault-name <VAULT_NAME> --sns-topic-arn"
    " <SNS_TOPIC_ARN> --backup-vault-events S3_RESTORE_OBJECT_FAILED --region {region}"
)
# What the restore role does on the destination bucket (AWSBackupServiceRolePolicyForS3Restore).
OBJECT_ACTIONS = [
    "s3:PutObject",
    "s3:PutObjectAcl",
    "s3:PutObjectTagging",
    "s3:GetObjectVersion",
    "s3:GetObjectVersionAcl",
]
BUCKET_ACTIONS = ["s3:ListBucket", "s3:ListBucketVersions", "s3:GetBucketVersioning"]


def _d(cause: CauseCode, explanation: str, remediation: str) -> Diagnosis:
    return Diagnosis(cause=cause, explanation=explanation, remediation=remediation)


def _parts(match: re.Match[str] | None) -> tuple[str, str]:
    """The recovery point ARN and bucket the message names (placeholders when it does not)."""
    groups = match.groupdict() if match else {}
    point, bucket = groups.get("point"), groups.get("bucket")
    point = point.rstrip(".,;") if point else None
    bucket = bucket.rstrip(".,;") if bucket else None
    return fill(point, "RECOVERY_POINT_ARN"), fill(bucket, "DESTINATION_BUCKET")


def _bucket_arn(bucket: str, partition: str) -> str:
    return f"arn:{partition}:s3:::{bucket}"


def s3_no_objects_restored(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """AWS Backup restored none of the recovery point's objects (the job FAILED)."""
    point, bucket = _parts(match)
    partition = facts.partition
    statement = policy_json(
        {"Effect": "Allow", "Action": BUCKET_ACTIONS, "Resource": _bucket_arn(bucket, partition)},
        {
            "Effect": "Allow",
            "Action": OBJECT_ACTIONS,
            "Resource": f"{_bucket_arn(bucket, partition)}/*",
        },
    )
    return _d(
        CauseCode.ROLE_PERMISSIONS,
        f"AWS Backup restored no object of {point} into bucket {bucket}: the IAM role of the"
        " restore job may not put objects into that bucket, or may not check whether an object"
        " version already exists there (AWS's cause for this message). A bucket policy that"
        " denies the role has the same effect.",
        "Give the restore role AWS's S3 restore policy (or the statements below on the bucket),"
        " and make sure the bucket policy does not deny it:\n"
        "  aws iam attach-role-policy --role-name <RESTORE_ROLE_NAME> --policy-arn"
        f" {managed_policy(f.S3_RESTORE_POLICY, partition)}\n"
        f"{statement}\n"
        f"  aws s3api get-bucket-policy --bucket {bucket}\n"
        "To be told which objects fail, and why, subscribe to the vault's object events:\n"
        f"  {NOTIFY.format(region=region_of(facts))}\n"
        f"Then restore again: {RESTORE_CMD}",
    )


def s3_objects_partly_restored(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """AWS Backup ended the restore COMPLETED, but some objects were not restored."""
    point, bucket = _parts(match)
    return _d(
        CauseCode.KMS_KEY_UNUSABLE,
        f"AWS Backup ended the restore job COMPLETED, but one or more objects of {point} were"
        f" not restored into bucket {bucket}: the bucket holds only part of the backup. AWS's"
        " cause: the IAM role of the restore job may not use the KMS key that encrypted those"
        " original objects (SSE-KMS with a key of their own).",
        "Find the keys of the objects that failed (the vault's S3_RESTORE_OBJECT_FAILED events"
        " name them), let the restore role use each key, then restore again:\n"
        f"  {NOTIFY.format(region=region_of(facts))}\n"
        "  aws kms get-key-policy --key-id <KEY_ARN> --policy-name default\n"
        + policy_json(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "<RESTORE_ROLE_ARN>"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
                "Resource": "*",
            }
        )
        + "\nor restore them with an encryption the role can use:\n"
        f"  {RESTORE_CMD} --metadata EncryptionType=SSE-S3\n"
        "Objects already in the bucket are skipped, not overwritten.",
    )


def s3_nothing_to_restore(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """AWS Backup found no object to restore (an empty backup, or items that match nothing)."""
    point, _ = _parts(match)
    region = region_of(facts)
    return _d(
        CauseCode.UNKNOWN,
        "No cause code covers this, but the message is clear: AWS Backup ended the restore job"
        f" COMPLETED without restoring anything, because no object of {point} matches the"
        " request. Either the bucket was empty when it was backed up, or the items asked for"
        " (ItemsToRestore) name no object of the backup.",
        "Check that the recovery point holds objects, and that each item to restore is the exact"
        " S3 URI of an object in it (s3://<BUCKET>/<KEY>, at most 5), or restore the whole"
        " bucket by leaving ItemsToRestore out:\n"
        f"  aws backup describe-recovery-point --backup-vault-name <VAULT_NAME>"
        f" --recovery-point-arn {command_word(point, 'RECOVERY_POINT_ARN')} --region {region}\n"
        f"  {RESTORE_CMD}",
    )
