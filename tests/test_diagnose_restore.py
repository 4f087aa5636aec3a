"""explain on real restore and backup messages, each with its variable parts changed."""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drconsole.diagnose import diagnose
from drconsole.models import CauseCode
from tests import forked_cli

MESSAGES = json.loads((Path(__file__).parent / "data" / "restore_messages.json").read_text())
NEW_CODES = ("RESTORE_NETWORK", "RESOURCE_ALREADY_EXISTS", "ENGINE_VERSION")
IDS = {
    "vpc": "vpc-0feedbeef1234567a",
    "subnet": "subnet-0c0ffee1234567890",
    "sg": "sg-0abad1dea5eed0000",
}


def change_ids(text: str) -> str:
    """VPC, subnet, security group and file system ids, accounts and Regions replaced."""
    for prefix, new in IDS.items():
        text = re.sub(rf"\b{prefix}-[0-9a-z]{{3,}}\b", new, text)
    text = re.sub(r"\bfs-[0-9a-z]+\b", "fs-0e1d2c3b4a5968778", text)
    text = re.sub(r"(?<![\w-])\d{12}(?![\w-])", "404040404040", text)
    return re.sub(r"\b(us|eu)-(east|west|central)-(\d)", r"ap-southeast-\3", text)


def change_names(text: str) -> str:
    """Table names, creation tokens, quoted names and engine versions replaced."""
    text = re.sub(r"(already exists:\s*)\S+", r"\1orders-2026", text)
    text = re.sub(r"creation token '[^']+'", "creation token 'dr-efs-token'", text)
    text = re.sub(r"subnet group '[^']+'", "subnet group 'dr-db-subnets'", text)
    return re.sub(r"\b1[1-3]\.(\d+)\b", r"14.\1", text)


VARIANTS: dict[str, Callable[[str], str]] = {
    "as-is": lambda t: t,
    "ids": change_ids,
    "names": change_names,
    "all-parts": lambda t: change_names(change_ids(t)),
    "wrapped": lambda t: (
        "An error occurred (InvalidParameterValueException) when calling the"
        f" StartRestoreJob operation: {t}"
    ),
    "upper": str.upper,
    "lower": str.lower,
    "reshaped": lambda t: "  \u201c" + t.replace(" ", "\n\t ", 3) + "\u201d \n",
    "json-escaped": lambda t: '{"StatusMessage": ' + json.dumps(t) + "}",
    "status-prefix": lambda t: "FAILED - " + t.rstrip("."),
}


def cases() -> list[tuple[str, str, str, str | None]]:
    return [(m["message"], m["cause"], m.get("rule"), name) for m in MESSAGES for name in VARIANTS]


@pytest.mark.parametrize(("message", "cause", "rule", "variant"), cases())
def test_each_gathered_message_keeps_its_cause(
    message: str, cause: str, rule: str | None, variant: str
) -> None:
    """Where an entry names its rule (an UNKNOWN cause with its own fix), that rule matches."""
    diagnosis = diagnose(VARIANTS[variant](message))
    assert diagnosis.cause is CauseCode(cause), (variant, message, diagnosis.matched)
    assert diagnosis.explanation and diagnosis.remediation
    if rule is not None:
        assert diagnosis.matched == rule, (variant, message)


def test_print_accuracy_per_cause(capsys: pytest.CaptureFixture[str]) -> None:
    """`pytest -s -k accuracy tests/test_diagnose_restore.py` prints right/total per cause."""
    right: Counter[str] = Counter()
    total: Counter[str] = Counter(m["cause"] for m in MESSAGES)
    for m in MESSAGES:
        right[m["cause"]] += diagnose(m["message"]).cause.value == m["cause"]
    with capsys.disabled():
        print("\nreal restore/backup messages: explained right / gathered")
        for cause in sorted(total):
            print(f"  {cause:<24} {right[cause]}/{total[cause]}")
        print(f"  {'all':<24} {sum(right.values())}/{len(MESSAGES)}")
    assert right == total


def test_the_data_has_five_real_messages_per_new_code_and_a_source_for_each() -> None:
    for code in NEW_CODES:
        assert sum(m["cause"] == code for m in MESSAGES) >= 5, code
    assert sum(m["cause"] == "UNKNOWN" for m in MESSAGES) >= 5
    assert all(m["source"].strip() for m in MESSAGES)


def test_kms_denials_are_never_role_permissions() -> None:
    kms = [m["message"] for m in MESSAGES if m["cause"] == "KMS_KEY_UNUSABLE"]
    kms += [
        "Access denied for KMS key arn:aws:kms:eu-west-1:111111111111:key/abc",
    ]
    for message in kms:
        for variant in VARIANTS.values():
            assert diagnose(variant(message)).cause is CauseCode.KMS_KEY_UNUSABLE, message


@pytest.mark.parametrize(
    ("message", "cause"),
    [
        # the service's own fatal error asks for support: not the user's configuration
        ("A fatal error has occurred. Please contact AWS Support.", CauseCode.SERVICE_ERROR),
        ("Restore failed: internal failure, contact AWS support (job 1)", CauseCode.SERVICE_ERROR),
        # ...but a missing default subnet also says "contact AWS Support" and is the network
        ("No default subnet detected in VPC. Contact AWS Support.", CauseCode.RESTORE_NETWORK),
        ("Contact AWS Support to raise the quota.", CauseCode.UNKNOWN),
        ("The file system fs-1234abcd is in the wrong state.", CauseCode.UNKNOWN),
        ("Subnet subnet-0a1b2c3d4e5f was created.", CauseCode.UNKNOWN),
        ("Engine version 13.4 is available.", CauseCode.UNKNOWN),
        ("db-cluster-1 already exists in stack arn:aws:cloudformation:x", CauseCode.UNKNOWN),
        ("DB Cluster Parameter Group already exists", CauseCode.UNKNOWN),
        ("DB Snapshot already exists: nightly-1", CauseCode.UNKNOWN),
    ],
)
def test_service_errors_and_negatives(message: str, cause: CauseCode) -> None:
    assert diagnose(message).cause is cause


@pytest.mark.parametrize(
    ("code", "cause"),
    [
        ("InvalidSubnetID.NotFound", CauseCode.RESTORE_NETWORK),
        ("VPCIdNotSpecified", CauseCode.RESTORE_NETWORK),
        ("DBSubnetGroupNotFoundFault", CauseCode.RESTORE_NETWORK),
        ("DBInstanceAlreadyExists", CauseCode.RESOURCE_ALREADY_EXISTS),
        ("TableAlreadyExistsException", CauseCode.RESOURCE_ALREADY_EXISTS),
        ("BucketAlreadyOwnedByYou", CauseCode.RESOURCE_ALREADY_EXISTS),
        ("KMSKeyNotAccessibleFault", CauseCode.KMS_KEY_UNUSABLE),
    ],
)
def test_restore_error_codes_decide_on_their_own(code: str, cause: CauseCode) -> None:
    wrapped = f"An error occurred ({code}) when calling the StartRestoreJob operation: failed"
    assert diagnose(wrapped).cause is cause
    assert diagnose("failed", code).cause is cause


def test_a_denied_kms_call_is_about_the_key() -> None:
    denied = "An error occurred (AccessDeniedException) when calling the Decrypt operation: denied"
    assert diagnose(denied).cause is CauseCode.KMS_KEY_UNUSABLE
    assert diagnose("denied", "AccessDenied", "GenerateDataKey").cause is CauseCode.KMS_KEY_UNUSABLE
    assert diagnose("denied", "AccessDenied", "StartRestoreJob").cause is CauseCode.ROLE_PERMISSIONS


def test_remediations_carry_the_ids_names_and_versions_of_the_message() -> None:
    vpcs = diagnose(
        "InvalidParameterCombination: The DB instance and EC2 security group are in different"
        " VPCs. The DB instance is in vpc-0a0fbbcca3060b009 and the EC2 security group is in"
        " vpc-03e317d71474c989d"
    )
    assert "Name=vpc-id,Values=vpc-0a0fbbcca3060b009" in vpcs.remediation
    assert "vpc-03e317d71474c989d" in vpcs.explanation

    networks = diagnose(
        "Security group sg-0123 and subnet subnet-a78bf4fc belong to different networks"
    )
    assert "--subnet-ids subnet-a78bf4fc" in networks.remediation

    zones = diagnose(
        "The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Current AZ"
        " coverage: eu-central-1c. Add subnets to cover at least 2 AZs."
    )
    assert "eu-central-1c" in zones.explanation and "--region eu-central-1 " in zones.remediation

    missing = diagnose("The subnet ID 'subnet-ed4ddcb6' does not exist")
    assert missing.explanation.startswith("subnet-ed4ddcb6 does not exist")

    table = diagnose("Table already exists: prod-sessions")
    assert "--metadata targetTableName=prod-sessions-restored" in table.remediation
    assert "describe-table --table-name prod-sessions" in table.remediation
    efs = diagnose("File system 'fs-7a1b2c3d' already exists with creation token 'CSI'")
    assert "--metadata CreationToken=CSI-restored" in efs.remediation
    bucket = diagnose("The requested bucket name is not available.")
    assert "DestinationBucketName" in bucket.remediation and "global" in bucket.explanation

    older = diagnose(
        "The engine version you requested for your restored DB cluster (8.0.mysql_aurora.3.08.0)"
        " is earlier than the engine version of the DB cluster snapshot (8.0.mysql_aurora.3.08.2)."
    )
    assert "--metadata EngineVersion=8.0.mysql_aurora.3.08.2" in older.remediation
    assert "older than the snapshot's 8.0.mysql_aurora.3.08.2" in older.explanation
    jump = diagnose("Cannot upgrade aurora-postgresql from 12.11 to 13.6")
    assert "no direct upgrade path" in jump.explanation
    assert "--engine aurora-postgresql --engine-version 12.11" in jump.remediation
    offered = diagnose("Cannot find version 11.5 for aurora-postgresql")
    assert "--engine aurora-postgresql" in offered.remediation and "11.5" in offered.explanation

    caller = "arn:aws:sts::111122223333:assumed-role/RestoreRole/AWSBackup-RestoreRole"
    passed = "arn:aws:iam::111122223333:role/ops/InstanceRole"
    pass_role = diagnose(
        f"User: {caller} is not authorized to perform: iam:PassRole on resource: {passed}"
    )
    assert pass_role.cause is CauseCode.ROLE_PERMISSIONS
    assert f'"Resource": "{passed}"' in pass_role.remediation
    assert "--role-name RestoreRole " in pass_role.remediation

    root = diagnose(
        f"User: arn:aws:iam::{'1' * 12}:root is not authorized to perform:"
        f" iam:PassRole on resource: {passed}"
    )
    assert "service control policy" in root.remediation and "put-" not in root.remediation
    user = diagnose(
        f"User: arn:aws:iam::{'1' * 12}:user/jane is not authorized to perform:"
        f" iam:PassRole on resource: {passed}"
    )
    assert "put-user-policy --user-name jane " in user.remediation
    assert "whoever starts a restore or copy job" in user.explanation

    zone = diagnose(
        "Value (us-east-1e) for parameter availabilityZone is invalid. Subnet 'subnet-a076ed9d'"
        " is in the availability zone us-east-1d"
    )
    assert "--metadata AvailabilityZone=us-east-1d" in zone.remediation
    assert "subnet subnet-a076ed9d is in us-east-1d" in zone.explanation
    option = diagnose("The option group og-dr is associated with a different VPC than the request.")
    assert "--metadata OptionGroupName=og-dr" in option.remediation

    encoded = diagnose(
        "You are not authorized to perform this operation. Encoded authorization failure"
        " message: AbC-123_xyz987"
    )
    assert "--encoded-message AbC-123_xyz987 " in encoded.remediation

    denied = diagnose(
        "User: arn:aws:sts::123456789012:assumed-role/BackupRole/s is not authorized to perform:"
        " kms:Decrypt on the resource associated with this ciphertext because the resource does"
        " not exist in this Region"
    )
    assert '"AWS": "arn:aws:iam::123456789012:role/BackupRole"' in denied.remediation


REAL = [m for m in MESSAGES if m["cause"] != "UNKNOWN"]


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(
    st.sampled_from(REAL),
    st.text(alphabet=" \t\n.:;-[]()#0123456789", max_size=12),
    st.text(alphabet=" \t\n.:;-[]()#0123456789", max_size=12),
)
def test_noise_around_a_real_message_does_not_change_its_cause(
    entry: dict[str, str], before: str, after: str
) -> None:
    noisy = before + " " + entry["message"] + " " + after
    assert diagnose(noisy).cause is CauseCode(entry["cause"])


def test_explain_cli_prints_the_cause_and_the_filled_fix() -> None:
    message = (
        "An error occurred (InvalidParameter) when calling the RunInstances operation: Security"
        " group sg-0d595415951402832 and subnet subnet-008c094dfe760bda4 belong to different"
        " networks."
    )
    result = forked_cli.run(
        [sys.executable, "-m", "drconsole", "explain", "--json", message],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["cause"] == "RESTORE_NETWORK"
    assert payload["matched"] == "restore-network"
    assert payload["error_code"] == "InvalidParameter"
    assert "--subnet-ids subnet-008c094dfe760bda4" in payload["remediation"]


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_a_volume_smaller_than_its_snapshot_gets_its_size(variant: str) -> None:
    """EC2's refusal of a restored volume smaller than its snapshot (real message:
    https://github.com/scylladb/scylla-cluster-tests/issues/2484): no cause code fits, but the
    fix is exact."""
    message = (
        "An error occurred (InvalidBlockDeviceMapping) when calling the RunInstances operation:"
        " Volume of size 15GB is smaller than  snapshot 'snap-09e0f802c68b958b7', expect size"
        " >= 30GB"
    )
    diagnosis = diagnose(VARIANTS[variant](message))
    assert diagnosis.cause is CauseCode.UNKNOWN
    assert diagnosis.matched == "volume-smaller-than-snapshot", variant
    if variant != "truncated":
        assert "volumeSize=30" in diagnosis.remediation


def test_regions_and_zones_of_the_european_sovereign_cloud_fill_the_fix() -> None:
    """A real zone message (restore_messages.json) in the aws-eusc partition, whose Regions
    start with four letters (eusc-de-east-1): the fix names its Region and zones whole."""
    message = (
        "Value (eusc-de-east-1c) for parameter availabilityZone is invalid. Subnet"
        " 'subnet-0a1b2c3d' is in the availability zone eusc-de-east-1a"
    )
    diagnosis = diagnose(message)
    assert diagnosis.cause is CauseCode.RESTORE_NETWORK
    assert "--region eusc-de-east-1 " in diagnosis.remediation
    assert "AvailabilityZone=eusc-de-east-1a" in diagnosis.remediation


def test_fixes_for_limits_instance_classes_zones_and_denying_policies_name_their_parts() -> None:
    """The concurrency limits, RDS's class/version combination, EC2's zone offer and a denying
    resource policy (real messages in restore_messages.json) fill the fix with what they name."""
    copies = diagnose(
        "An error occurred (ResourceLimitExceeded) when calling the CopySnapshot operation: Too"
        " many snapshot copies in progress. The limit is 5 for this destination region."
    )
    assert copies.cause is CauseCode.TOO_MANY_JOBS
    assert "Amazon EBS allows at most 5 snapshot copies" in copies.explanation
    assert "Name=status,Values=pending" in copies.remediation
    rds = diagnose("Cannot copy more than 5 snapshots across regions: SnapshotQuotaExceededFault")
    assert "Amazon RDS allows at most 5" in rds.explanation
    tables = diagnose(
        "LimitExceededException: Subscriber limit exceeded: Only 10 tables can be created,"
        " updated, or deleted simultaneously"
    )
    assert "Amazon DynamoDB allows at most 10" in tables.explanation
    assert "list-restore-jobs --by-status RUNNING" in tables.remediation

    combo = diagnose(
        "InvalidParameterCombination: RDS does not support creating a DB instance with the"
        " following combination: DBInstanceClass=db.t2.micro, Engine=mysql, EngineVersion=8.0.35,"
        " LicenseModel=general-public-license."
    )
    assert combo.cause is CauseCode.ENGINE_VERSION
    assert "class db.t2.micro with mysql 8.0.35" in combo.explanation
    assert "--engine mysql --engine-version 8.0.35" in combo.remediation
    assert "--metadata DBInstanceClass=<OFFERED_CLASS>" in combo.remediation

    zone = diagnose(
        "Your requested instance type (m5.8xlarge) is not supported in your requested"
        " Availability Zone (us-east-1e). Please retry your request by not specifying an"
        " Availability Zone or choosing us-east-1a, us-east-1b."
    )
    assert zone.cause is CauseCode.RESTORE_NETWORK
    assert "m5.8xlarge in us-east-1e" in zone.explanation
    assert "Values=us-east-1a,us-east-1b " in zone.remediation
    assert "--region us-east-1 " in zone.remediation

    vault = "arn:aws:backup:us-east-1:111122223333:backup-vault:aws/efs/automatic-backup-vault"
    denied = diagnose(
        "User: arn:aws:sts::111122223333:assumed-role/Ops/s is not authorized to perform:"
        f" backup:DeleteBackupVaultAccessPolicy on resource: {vault} with an explicit deny in a"
        " resource-based policy"
    )
    assert denied.cause is CauseCode.ROLE_PERMISSIONS
    assert (
        "get-backup-vault-access-policy --backup-vault-name aws/efs/automatic-backup-vault"
        " --region us-east-1" in denied.remediation
    )


def test_a_role_of_another_account_is_named_with_its_account() -> None:
    passed = diagnose(
        "An error occurred (AccessDeniedException) when calling the StartRestoreJob operation:"
        " Cross-account pass role is not allowed. arn:aws:iam::222233334444:role/RestoreRole"
    )
    assert passed.cause is CauseCode.ROLE_PERMISSIONS
    assert "arn:aws:iam::222233334444:role/RestoreRole (it belongs to account 222233334444)" in (
        passed.explanation
    )
    assert "backup.amazonaws.com" in passed.remediation


S3_POINT = (
    "arn:aws-cn:backup:cn-north-1:222233334444:recovery-point:5e6f7a8b-1c2d-4e3f-8a9b-0c1d2e3f4a5b"
)


@pytest.mark.parametrize(
    ("message", "cause", "incomplete"),
    [
        (
            f"No objects were restored from {S3_POINT} to logs.example.eu. To get notified of"
            " these failures, enable SNS event notifications.",
            CauseCode.ROLE_PERMISSIONS,
            False,  # AWS ends this one FAILED
        ),
        (
            f"One or more objects failed to be restored from {S3_POINT} to logs.example.eu. To"
            " get notified of these failures, enable SNS event notifications.",
            CauseCode.KMS_KEY_UNUSABLE,
            True,
        ),
        (
            f"There are no objects that match the restore request for {S3_POINT}.",
            CauseCode.UNKNOWN,
            True,
        ),
    ],
)
def test_aws_s3_restore_messages_name_their_point_and_bucket_and_say_what_was_not_restored(
    message: str, cause: CauseCode, incomplete: bool
) -> None:
    """AWS Backup's documented S3 restore messages, with any recovery point ARN (another
    partition) and a bucket name with dots: the cause, the ARN and bucket in the fix, and
    whether a COMPLETED job with that message is a restore that left data out."""
    from drconsole.diagnose import incomplete_restore

    diagnosis = diagnose(message)
    assert diagnosis.cause is cause, diagnosis.matched
    assert S3_POINT in diagnosis.explanation
    if "logs.example.eu" in message:
        assert "bucket logs.example.eu:" in diagnosis.explanation
    assert "S3_RESTORE_OBJECT_FAILED" in diagnosis.remediation or "ItemsToRestore" in (
        diagnosis.remediation
    )
    if cause is CauseCode.ROLE_PERMISSIONS:
        assert "arn:aws-cn:s3:::logs.example.eu/*" in diagnosis.remediation
        assert "arn:aws-cn:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore" in (
            diagnosis.remediation
        )
    assert incomplete_restore("COMPLETED", message) is incomplete
    assert incomplete_restore("FAILED", message) is False
    assert incomplete_restore("COMPLETED", "Restore completed for bucket prod-assets") is False


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_ebs_and_ec2_refusals_of_restore_metadata_name_the_key_to_change(variant: str) -> None:
    """EC2's refusals of a restore's volume settings, zone and instance profile (real messages
    in restore_messages.json, with any type, zone or profile name): the fix names the
    `--metadata` key of the restore form to change."""
    expected = {
        "InvalidParameterCombination: The parameter iops is not supported for st1 volumes.": (
            "volume type st1",
            "--metadata iops=\n",
        ),
        "InvalidParameterCombination: The parameter iops must be specified for io1 volumes.": (
            "volume type io1 without IOPS",
            "--metadata iops=<IOPS>",
        ),
        "InvalidParameterCombination: throughput can only be specified for volumeType gp3.": (
            "gp3 only",
            "--metadata throughput=\n",
        ),
        "InvalidZone.NotFound: The zone 'eu-central-1d' does not exist.": (
            "Availability Zone eu-central-1d",
            "--metadata availabilityZone=<ZONE>",
        ),
        "Client.InvalidParameterValue: Invalid value 'ap-south-1c' for AvailabilityZone.": (
            "Availability Zone ap-south-1c",
            "describe-availability-zones",
        ),
        "InvalidParameterValue: Value (dr-web-profile) for parameter iamInstanceProfile.name is"
        " invalid. Invalid IAM Instance Profile name": (
            "instance profile dr-web-profile",
            "--metadata IamInstanceProfileName=\n",
        ),
    }
    for message, (explained, fix) in expected.items():
        diagnosis = diagnose(VARIANTS[variant](message))
        assert diagnosis.matched != "", (variant, message)
        if variant in ("ids", "all-parts"):
            explained = change_ids(explained)
        if variant not in ("upper", "lower"):
            assert explained in diagnosis.explanation, (variant, diagnosis.explanation)
        assert fix in diagnosis.remediation + "\n", (variant, diagnosis.remediation)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_a_backup_vault_denial_without_a_message_also_points_at_a_missing_vault(
    variant: str,
) -> None:
    """AWS Backup answers a call on a vault that does not exist with AccessDenied and no
    message (hashicorp/terraform-provider-aws#11840): the fix checks the vault first; a tool's
    "Error:" before the message is not taken for the error code."""
    message = (
        "Error: error reading Backup Vault (sandbox-backup-vault): AccessDeniedException:\n"
        "        status code: 403, request id: 580e7358-35dd-4c72-b8b0-c0293bbc236b"
    )
    diagnosis = diagnose(VARIANTS[variant](message))
    assert diagnosis.cause is CauseCode.ROLE_PERMISSIONS, diagnosis.matched
    assert "for a backup vault that does not exist" in diagnosis.explanation
    assert diagnosis.remediation.startswith("First check that the vault exists")
    assert "aws backup list-backup-vaults" in diagnosis.remediation
    # AWS Backup's "Insufficient privileges" answer to a call on a vault that does not exist
    # (boto/boto3#2269) reads as the caller's, not as a job role's.
    listed = diagnose(
        "An error occurred (AccessDeniedException) when calling the"
        " ListRecoveryPointsByBackupVault operation: Insufficient privileges to perform this"
        " action."
    )
    assert listed.cause is CauseCode.ROLE_PERMISSIONS
    assert "aws backup list-backup-vaults" in listed.remediation
    assert "given to the job" not in listed.explanation
    job = diagnose("Insufficient privileges to perform this action.")
    assert "given to the job" in job.explanation
    # Creating a vault is refused for permissions only: no vault to look for.
    created = diagnose(
        "error creating Backup Vault (): AccessDeniedException: status code: 403, request id: x"
    )
    assert created.cause is CauseCode.ROLE_PERMISSIONS
    assert "list-backup-vaults" not in created.remediation


@pytest.mark.parametrize(
    ("message", "cause"),
    [
        # a tool's wrapper around botocore's: the inner code decides
        (
            "An error occurred (InvalidParameterValueException) when calling the StartRestoreJob"
            " operation: botocore.errorfactory.ExpiredTokenException: An error occurred"
            " (ExpiredTokenException) when calling the AssumeRoleWithWebIdentity operation:"
            " Token expired: current date/time 1624482533 must be before the expiration"
            " date/time1624482335",
            CauseCode.CREDENTIALS_EXPIRED,
        ),
        # EC2's denial inside a gRPC log line, its code neither first nor ending in Exception
        (
            "rpc error: code = Unknown desc = UnauthorizedOperation: You are not authorized to"
            " perform this operation.\n\tstatus code: 403, request id: 9d884399",
            CauseCode.ROLE_PERMISSIONS,
        ),
        # EC2's client-side launch failure stays not AWS's fault, whatever its case
        (
            "CLIENT.INTERNALERROR: A CLIENT ERROR CAUSED THE INSTANCE TO TERMINATE DURING LAUNCH.",
            CauseCode.UNKNOWN,
        ),
    ],
)
def test_error_codes_found_inside_other_words(message: str, cause: CauseCode) -> None:
    assert diagnose(message).cause is cause, diagnose(message).matched
