"""S3 restore metadata as AWS Backup documents it, against the real CLI and the sandbox.

"Restore S3 data using AWS Backup" (https://docs.aws.amazon.com/aws-backup/latest/devguide/
restoring-s3.html), its AWS CLI section: only DestinationBucketName is mandatory; EncryptionType
is original (the console's default), SSE-S3 or SSE-KMS; KMSKey is "Only needed if encryption is
SSE-KMS"; RestoreACLs, ItemsToRestore, RestoreLatestVersionsUpTo (1, n or all) and RestoreTime
are optional keys. And: "The original encryption method cannot be used to restore a recovery
point (backup) copied from another Region".

In the demo scenario prod's own S3 backups are in prod-vault (eu-central-1), the backup
account's dr-eu-north-1 vault holds copies of them made from eu-central-1, and its
central-eu-central-1 vault copies made in the same Region.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.server import SandboxOptions
from tests.cli_box import EU, NORTH, Box, json_lines

POLL = ("--poll-interval", "0.1")


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0))
    try:
        yield Box(sandbox, info)
    finally:
        sandbox.stop()


def prod_backup(box: Box, n: int) -> str:
    """The n-th newest of prod's own S3 backups (made in eu-central-1, not a copy)."""
    points = box.backup("prod").list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")[
        "RecoveryPoints"
    ]
    chosen = [p for p in points if p["ResourceType"] == "S3"]
    chosen.sort(key=lambda p: p["CreationDate"], reverse=True)
    assert not chosen[n].get("SourceBackupVaultArn")
    return str(chosen[n]["RecoveryPointArn"])


def restore_in_prod(box: Box, state: Path, rp: str, *metadata: str) -> tuple[int, str, str]:
    """`drconsole restore` of a prod recovery point with the given --metadata pairs."""
    flags = [arg for pair in metadata for arg in ("--metadata", pair)]
    done = box.cli(
        state, "restore", "--recovery-point", rp, "--source-account", box.accounts["prod"],
        *flags, "--yes", "--json", *POLL,
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout, done.stderr


def restore_job(box: Box, rp: str) -> dict[str, object]:
    """The one restore job of a prod recovery point, read with plain boto3."""
    (job,) = box.restore_jobs("prod", EU, rp)
    return job


def restore_check(box: Box, state: Path, *args: str) -> dict[str, object]:
    """`check restore ... --json`: the restore.metadata check."""
    done = box.cli(state, "check", "restore", *args, "--json")
    assert "Traceback" not in done.stderr, done.stderr
    checks = json.loads(done.stdout)["checks"]
    (found,) = [c for c in checks if c["id"] == "restore.metadata"]
    return dict(found)


def test_original_encryption_restores_a_backup_made_in_its_own_region(
    box: Box, tmp_path: Path
) -> None:
    rp = prod_backup(box, 0)
    code, out, err = restore_in_prod(box, tmp_path, rp, "EncryptionType=original")
    assert code == 0, out + err
    assert json_lines(out)[-1]["status"] == "completed"
    job = restore_job(box, rp)
    assert job["Status"] == "COMPLETED"
    sent = box.backup("prod").get_restore_job_metadata(RestoreJobId=job["RestoreJobId"])
    assert sent["Metadata"]["EncryptionType"] == "original"
    bucket = str(job["CreatedResourceArn"]).split(":::", 1)[1]
    box.sandbox.client("s3", box.accounts["prod"], EU).head_bucket(Bucket=bucket)


def test_original_encryption_is_refused_before_a_copy_back_across_regions(
    box: Box, tmp_path: Path
) -> None:
    rp = box.newest("dr-eu-north-1", NORTH, "S3", n=0)
    done = box.cli(
        tmp_path, "copy", "--recovery-point", rp, "--to", box.vault("prod", "prod-vault"),
        "--restore", "--metadata", "EncryptionType=original", "--yes", "--json", *POLL,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    line = done.stderr.strip().splitlines()[-1]
    assert "EncryptionType" in line and "copied from eu-north-1" in line, line
    assert "choose SSE-S3 or SSE-KMS" in line
    # Nothing was started: no copy job from that recovery point.
    assert box.copy_jobs("backup", NORTH, rp) == []


def test_check_restore_fails_original_encryption_on_a_copy_from_another_region(
    box: Box, tmp_path: Path
) -> None:
    backup = box.accounts["backup"]
    copy_north = box.newest("dr-eu-north-1", NORTH, "S3", n=1)
    found = restore_check(
        box, tmp_path, "--recovery-point", copy_north, "--source-account", backup,
        "--metadata", "EncryptionType=original",
    )  # fmt: skip
    assert (found["status"], found["cause"]) == ("FAIL", "KMS_KEY_UNUSABLE"), found
    assert "copy from eu-central-1" in str(found["evidence"])
    assert "EncryptionType=SSE-S3" in str(found["remediation"])
    # Restored after a copy into eu-central-1, the copy is one from eu-north-1.
    after_copy = restore_check(
        box, tmp_path, "--recovery-point", copy_north, "--source-account", backup,
        "--to", box.vault("prod", "prod-vault"), "--metadata", "EncryptionType=original",
    )  # fmt: skip
    assert after_copy["status"] == "FAIL" and "copy from eu-north-1" in str(after_copy["evidence"])
    # A copy made in the same Region keeps the original encryption.
    copy_eu = box.newest("central-eu-central-1", EU, "S3", n=0)
    same_region = restore_check(
        box, tmp_path, "--recovery-point", copy_eu, "--source-account", backup,
        "--metadata", "EncryptionType=original",
    )  # fmt: skip
    assert same_region["status"] == "PASS", same_region


def test_the_sandbox_refuses_original_encryption_only_for_a_copy_from_another_region(
    box: Box,
) -> None:
    copy_north = box.newest("dr-eu-north-1", NORTH, "S3", n=2)
    role = f"arn:aws:iam::{box.accounts['backup']}:role/service-role/AWSBackupDefaultServiceRole"
    metadata = {"DestinationBucketName": "assets-from-north", "EncryptionType": "original"}
    with pytest.raises(ClientError) as refused:
        box.backup("backup", NORTH).start_restore_job(
            RecoveryPointArn=copy_north, Metadata=metadata, IamRoleArn=role, ResourceType="S3"
        )
    error = refused.value.response["Error"]
    assert error["Code"] == "InvalidParameterValueException"
    assert "copied from another Region (eu-central-1)" in error["Message"]
    assert box.backup("backup", NORTH).list_restore_jobs()["RestoreJobs"] == []
    own = prod_backup(box, 1)
    prod_role = f"arn:aws:iam::{box.accounts['prod']}:role/service-role/AWSBackupDefaultServiceRole"
    started = box.backup("prod").start_restore_job(
        RecoveryPointArn=own,
        Metadata={**metadata, "DestinationBucketName": "assets-in-place", "NewBucket": "true"},
        IamRoleArn=prod_role,
        ResourceType="S3",
    )
    assert started["RestoreJobId"]


def test_only_the_destination_bucket_is_mandatory(box: Box, tmp_path: Path) -> None:
    found = restore_check(
        box, tmp_path, "--recovery-point", prod_backup(box, 2), "--source-account",
        box.accounts["prod"], "--metadata", "NewBucket=",
    )  # fmt: skip
    assert found["status"] == "PASS", found
    assert found["evidence"] == "S3: DestinationBucketName=prod-assets"


def test_documented_keys_are_known_and_their_values_judged(box: Box, tmp_path: Path) -> None:
    rp = prod_backup(box, 3)
    code, out, err = restore_in_prod(
        box, tmp_path, rp, "RestoreLatestVersionsUpTo=all", "RestoreACLs=false"
    )
    assert code == 0, out + err
    assert "not a restore metadata key" not in out + err
    sent = box.backup("prod").get_restore_job_metadata(
        RestoreJobId=restore_job(box, rp)["RestoreJobId"]
    )
    assert sent["Metadata"]["RestoreLatestVersionsUpTo"] == "all"
    # A value AWS does not accept is one line, exit 2, before anything is sent.
    other = prod_backup(box, 4)
    code, out, err = restore_in_prod(box, tmp_path, other, "RestoreLatestVersionsUpTo=0")
    assert code == 2, out + err
    assert "RestoreLatestVersionsUpTo must be a positive whole number or all" in err
    assert box.restore_jobs("prod", EU, other) == []


def test_sse_kms_without_a_key_restores_on_the_aws_managed_key(box: Box, tmp_path: Path) -> None:
    rp = prod_backup(box, 5)
    code, out, err = restore_in_prod(box, tmp_path, rp, "EncryptionType=SSE-KMS", "KMSKey=")
    assert code == 0, out + err
    job = restore_job(box, rp)
    sent = box.backup("prod").get_restore_job_metadata(RestoreJobId=job["RestoreJobId"])
    assert sent["Metadata"]["EncryptionType"] == "SSE-KMS" and "KMSKey" not in sent["Metadata"]
    bucket = str(job["CreatedResourceArn"]).split(":::", 1)[1]
    s3 = box.sandbox.client("s3", box.accounts["prod"], EU)
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    default = rules[0]["ApplyServerSideEncryptionByDefault"]
    assert default["SSEAlgorithm"] == "aws:kms" and "KMSMasterKeyID" not in default
