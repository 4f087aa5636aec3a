"""Restore metadata keys: the ones each resource type's restore knows, mistyped and repeated keys.

AWS Backup matches metadata keys without regard to case and ignores a key it does not know, so a
mistyped `--metadata targetTableNmae=...` would restore under the default name. The keys known
for a recovery point are its restore form's fields, the keys AWS Backup documents for the type,
and the keys its own GetRecoveryPointRestoreMetadata answer holds. Where AWS documents the whole
list (EFS in StartRestoreJob's reference; DynamoDB's keys in its restore guide and restore
testing's inferred metadata), an
unknown key is refused; elsewhere AWS passes more of the underlying API's parameters than it
lists (RDS, Aurora, EC2, EBS, S3), so an unknown key is only warned about.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from drconsole.errors import UsageError
from drconsole.flows.restore_forms import FIELDS

# Keys AWS Backup documents per type beyond the form's fields
# (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_StartRestoreJob.html and the
# per-type "Restore ..." pages of the AWS Backup developer guide).
DOCUMENTED: dict[str, tuple[str, ...]] = {
    # deletionProtection: AWS Backup sends it itself in a DynamoDB restore's metadata
    # (https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-inferred-metadata.html)
    # though GetRecoveryPointRestoreMetadata may not answer it.
    "DynamoDB": (
        "originalTableName",
        "targetTableName",
        "encryptionType",
        "kmsMasterKeyArn",
        "deletionProtection",
    ),
    "EFS": (
        "file-system-id",
        "Encrypted",
        "KmsKeyId",
        "PerformanceMode",
        "CreationToken",
        "newFileSystem",
        "ItemsToRestore",
    ),
    "EBS": ("volumeId", "availabilityZone", "encrypted", "kmsKeyId", "volumeType", "volumeSize"),
    "EC2": ("InstanceType", "ImageId", "SubnetId", "SecurityGroupIds", "IamInstanceProfileName"),
    "RDS": ("DBInstanceIdentifier", "DBInstanceClass", "Engine", "Port", "MultiAZ"),
    "Aurora": ("DBClusterIdentifier", "Engine", "EngineVersion", "Port", "DatabaseName"),
    # The AWS CLI section of restoring-s3.html lists DestinationBucketName (mandatory),
    # RestoreACLs, EncryptionType, ItemsToRestore, KMSKey, RestoreLatestVersionsUpTo and
    # RestoreTime; restore testing's inferred S3 metadata adds newBucket and encrypted
    # (https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-inferred-metadata.html).
    "S3": (
        "DestinationBucketName",
        "RestoreACLs",
        "EncryptionType",
        "ItemsToRestore",
        "KMSKey",
        "RestoreLatestVersionsUpTo",
        "RestoreTime",
        "NewBucket",
        "Encrypted",
    ),
}
# Types whose documented list is the whole list: an unknown key is refused, not warned about.
COMPLETE = frozenset({"DynamoDB", "EFS"})


def duplicates(keys: Iterable[str], where: str = "--metadata") -> None:
    """UsageError naming both keys when one is given twice (AWS Backup ignores case)."""
    seen: dict[str, str] = {}
    for key in keys:
        earlier = seen.get(key.lower())
        seen.setdefault(key.lower(), key)
        if earlier is not None:
            same = "twice" if earlier == key else f"as {earlier} and {key}"
            raise UsageError(
                f"{where} {key}: the key is given {same} (AWS Backup matches keys "
                "without regard to case); give it once"
            )


def known_keys(resource_type: str, aws_keys: Iterable[str] = ()) -> list[str]:
    """Every key the restore of `resource_type` knows, for this recovery point."""
    keys = [f.key for f in FIELDS.get(resource_type, ())]
    keys += [*DOCUMENTED.get(resource_type, ()), *aws_keys]
    return list(dict.fromkeys(keys))


def closest(key: str, known: Iterable[str]) -> str | None:
    """The known key nearest to a mistyped one, or None when none is near."""
    by_lower = {k.lower(): k for k in known}
    near = difflib.get_close_matches(key.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[near[0]] if near else None


def unknown_key_problems(
    resource_type: str, given: Mapping[str, str], aws_keys: Iterable[str]
) -> tuple[str | None, list[str]]:
    """(the refusal for an unknown key where the type's list is complete, else None; warnings
    for unknown keys where it is not)."""
    known = known_keys(resource_type, aws_keys)
    lowered = {k.lower() for k in known}
    warnings: list[str] = []
    for key in given:
        if key.lower() in lowered:
            continue
        near = closest(key, known)
        hint = f" (did you mean {near}?)" if near else ""
        if resource_type in COMPLETE:
            return (
                f"--metadata {key}: not a restore metadata key of {resource_type}{hint}; "
                f"known keys: {', '.join(known)}"
            ), []
        warnings.append(
            f"--metadata {key}: not a restore metadata key drconsole knows for "
            f"{resource_type}{hint}; it is sent as given"
        )
    return None, warnings
