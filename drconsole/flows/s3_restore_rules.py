"""S3 restore metadata as AWS Backup documents it: the encryption choices, the original
encryption a copy from another Region cannot use, the values of the optional keys, and the
bucket naming rules beyond the characters. Pure.

Source: "Restore S3 data using AWS Backup"
(https://docs.aws.amazon.com/aws-backup/latest/devguide/restoring-s3.html), its AWS CLI section.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# "EncryptionType // [...] Options are original (same encryption as the original object),
# SSE-S3, or SSE-KMS)"; "original" is the console's default ("Use original encryption keys").
ORIGINAL = "original"
ENCRYPTION_TYPES = (ORIGINAL, "SSE-S3", "SSE-KMS")
# Offered in place of "original" for a copy from another Region: it needs no key.
COPY_ENCRYPTION = "SSE-S3"


def default_encryption(aws_value: str, copied_from: str) -> str:
    """The EncryptionType the form offers: AWS's, except that a copy from another Region
    (`copied_from`) is never offered the original encryption ("The original encryption method
    cannot be used to restore a recovery point (backup) copied from another Region")."""
    if copied_from and aws_value.strip().lower() in ("", ORIGINAL):
        return COPY_ENCRYPTION
    return aws_value


def original_refused(copied_from: str, region: str) -> str:
    """The line refusing EncryptionType original for a copy from another Region."""
    return (
        f"EncryptionType (Encryption) must not be {ORIGINAL}: this recovery point was "
        f"copied from {copied_from} to {region}, and AWS Backup cannot restore a copy from "
        "another Region with the original encryption; choose SSE-S3 or SSE-KMS"
    )


def problems(lowered: Mapping[str, str], copied_from: str, region: str) -> list[str]:
    """What AWS's S3 restore metadata refuses beyond the form's fields (`lowered`: every value
    by lower-case key). KMSKey is not required with SSE-KMS: it is "Only needed if encryption
    is SSE-KMS", and the console's SSE-KMS choice "AWS managed key (aws/s3)" needs no other
    option."""
    found: list[str] = []
    if copied_from and lowered.get("encryptiontype", "").strip().lower() == ORIGINAL:
        found.append(original_refused(copied_from, region))
    acls = lowered.get("restoreacls", "").strip()
    if acls and acls.lower() not in ("true", "false"):
        found.append(f"RestoreACLs must be true or false, not {acls!r}")
    # "1 (to restore the latest version); n, where n is any positive integer greater than 1
    # [...]; all (to restore all versions)"
    versions = lowered.get("restorelatestversionsupto", "").strip()
    if (
        versions
        and versions != "all"
        and not (versions.isascii() and versions.isdigit() and int(versions) >= 1)
    ):
        found.append(
            f"RestoreLatestVersionsUpTo must be a positive whole number or all, not {versions!r}"
        )
    return found


# General purpose bucket naming rules beyond the characters: no IP address form, and the
# prefixes and suffixes S3 reserves (https://docs.aws.amazon.com/AmazonS3/latest/userguide/
# bucketnamingrules.html).
_BUCKET_IP = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
BUCKET_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
BUCKET_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def bucket_name_problem(name: str) -> str | None:
    """What S3's general purpose bucket naming rules refuse in a name that has the right
    characters and length, or None."""
    if _BUCKET_IP.fullmatch(name):
        return f"must not be formatted as an IP address, not {name!r}"
    prefix = next((p for p in BUCKET_RESERVED_PREFIXES if name.startswith(p)), None)
    if prefix is not None:
        return f"must not start with {prefix!r}, which S3 reserves, not {name!r}"
    suffix = next((x for x in BUCKET_RESERVED_SUFFIXES if name.endswith(x)), None)
    if suffix is not None:
        return f"must not end with {suffix!r}, which S3 reserves, not {name!r}"
    return None
