"""Restore jobs through the sandbox's API: progress, the restored resource, refusals."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from drconsole.sandbox import restores
from drconsole.sandbox.resources import create_source_resource
from drconsole.sandbox.scenarios.iam_roles import SERVICE_ROLE_POLICIES, ensure_aws_managed_policies
from drconsole.sandbox.server import Sandbox, SandboxOptions
from drconsole.sandbox.store import seed_recovery_point

from .shape_walk import RawAnswers

PROD = "111122223333"
OTHER = "444455556666"
REGION = "eu-central-1"
FINISHED = {"COMPLETED", "FAILED", "ABORTED"}
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "backup.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


class World:
    """An account with a restore role, a vault and recovery points of real moto resources."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.role = sandbox.client("iam", PROD, "us-east-1").create_role(
            RoleName="AWSBackupDefaultServiceRole",
            Path="/service-role/",
            AssumeRolePolicyDocument=TRUST,
        )["Role"]["Arn"]
        # AWS's policies of the default service role: without an Allow of what a job does, the
        # job fails.
        ensure_aws_managed_policies(PROD)
        for policy in SERVICE_ROLE_POLICIES:
            sandbox.client("iam", PROD, "us-east-1").attach_role_policy(
                RoleName="AWSBackupDefaultServiceRole", PolicyArn=policy
            )
        self.backup = sandbox.client("backup", PROD, REGION)
        self.raw = RawAnswers(self.backup)
        self.backup.create_backup_vault(BackupVaultName="vault")
        sandbox.client("backup", OTHER, REGION).create_backup_vault(BackupVaultName="other")
        self.volume = create_source_resource(PROD, REGION, "EBS", "data")
        self.table = create_source_resource(PROD, REGION, "DynamoDB", "orders")
        self.ebs_point = self.seed(self.volume, "EBS", "data")
        self.table_point = self.seed(self.table, "DynamoDB", "orders")
        self.foreign_point = seed_recovery_point(
            OTHER,
            REGION,
            "other",
            resource_arn=f"arn:aws:s3:::other-{OTHER}",
            resource_type="S3",
            created=datetime.now(UTC),
            encryption_key_arn=None,
            size_bytes=2**30,
        )

    def seed(self, resource_arn: str, kind: str, name: str) -> str:
        return seed_recovery_point(
            PROD,
            REGION,
            "vault",
            resource_arn=resource_arn,
            resource_type=kind,
            resource_name=name,
            created=datetime.now(UTC) - timedelta(hours=2),
            encryption_key_arn=None,
            size_bytes=8 * 2**30,
        )

    def metadata(self, point: str) -> dict[str, str]:
        answer = self.backup.get_recovery_point_restore_metadata(
            BackupVaultName="vault", RecoveryPointArn=point
        )
        metadata: dict[str, str] = answer["RestoreMetadata"]
        return metadata

    def restore(self, point: str, metadata: dict[str, str], **extra: Any) -> str:
        job_id: str = self.backup.start_restore_job(
            RecoveryPointArn=point, Metadata=metadata, IamRoleArn=self.role, **extra
        )["RestoreJobId"]
        return job_id

    def finished(self, job_id: str) -> dict[str, Any]:
        deadline = time.time() + 60  # a hang guard, not a timing expectation
        while time.time() < deadline:
            job: dict[str, Any] = self.backup.describe_restore_job(RestoreJobId=job_id)
            if job["Status"] in FINISHED:
                return job
            time.sleep(0.02)
        raise AssertionError(f"restore job {job_id} did not finish")


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    sandbox = Sandbox(SandboxOptions(time_scale=3000.0, region=REGION))
    sandbox.start()
    sandbox.reset()  # no state left by another module in this process
    try:
        yield World(sandbox)
    finally:
        sandbox.stop()
        sandbox.reset()


def test_restore_metadata_matches_the_shape(world: World) -> None:
    metadata = world.metadata(world.ebs_point)
    assert world.raw.check("GetRecoveryPointRestoreMetadata") == []
    assert metadata["volumeId"] == world.volume.rsplit("/", 1)[-1]


def test_restore_progresses_and_creates_the_volume(world: World) -> None:
    # About 1 s PENDING and 4 s RUNNING: each state outlasts a Describe on a loaded machine.
    world.sandbox.options.time_scale = 30.0
    deadline = time.monotonic() + 60  # a hang guard only
    try:
        job_id = world.restore(world.ebs_point, world.metadata(world.ebs_point))
        assert world.raw.check("StartRestoreJob") == []
        states: list[str] = []
        percents: list[float] = []
        while True:
            job = world.backup.describe_restore_job(RestoreJobId=job_id)
            if not states or states[-1] != job["Status"]:
                states.append(job["Status"])
            if job["Status"] == "RUNNING":
                percents.append(float(job["PercentDone"].rstrip("%")))
            if job["Status"] in FINISHED:
                break
            assert time.monotonic() < deadline, f"restore still {job['Status']} after 60 s"
            time.sleep(0.05)
    finally:
        world.sandbox.options.time_scale = 3000.0
    assert states == ["PENDING", "RUNNING", "COMPLETED"]
    assert world.raw.check("DescribeRestoreJob") == []
    assert percents == sorted(percents) and percents[-1] > percents[0]
    assert job["PercentDone"] == "100.00%" and job["ExpectedCompletionTimeMinutes"] >= 1
    created = job["CreatedResourceArn"]
    volume_id = created.rsplit("/", 1)[-1]
    ec2 = world.sandbox.client("ec2", PROD, REGION)
    volumes = ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"]
    assert volumes[0]["Size"] == 8
    point = world.backup.describe_recovery_point(
        BackupVaultName="vault", RecoveryPointArn=world.ebs_point
    )
    assert "LastRestoreTime" in point


def test_dynamodb_restore_fails_on_an_existing_name_then_completes(world: World) -> None:
    metadata = world.metadata(world.table_point)
    clash = world.finished(world.restore(world.table_point, metadata))
    assert clash["Status"] == "FAILED"
    assert clash["StatusMessage"] == restores.MSG_TABLE_EXISTS.format(name="orders")
    renamed = {**metadata, "targetTableName": "orders-restored"}
    job = world.finished(world.restore(world.table_point, renamed))
    assert job["Status"] == "COMPLETED"
    dynamodb = world.sandbox.client("dynamodb", PROD, REGION)
    table = dynamodb.describe_table(TableName="orders-restored")["Table"]
    assert job["CreatedResourceArn"] == table["TableArn"]


def test_restore_idempotency_token(world: World) -> None:
    metadata = {**world.metadata(world.table_point), "targetTableName": "orders-once"}
    first = world.restore(world.table_point, metadata, IdempotencyToken="restore-1")
    second = world.restore(world.table_point, metadata, IdempotencyToken="restore-1")
    assert first == second
    world.finished(first)
    listed = world.backup.list_restore_jobs()["RestoreJobs"]
    assert world.raw.check("ListRestoreJobs") == []
    assert [j["RestoreJobId"] for j in listed].count(first) == 1
    names = world.sandbox.client("dynamodb", PROD, REGION).list_tables()["TableNames"]
    assert names.count("orders-once") == 1


def test_restore_of_another_accounts_recovery_point_is_refused(world: World) -> None:
    with pytest.raises(ClientError) as error:
        world.restore(world.foreign_point, {"DestinationBucketName": "x", "NewBucket": "true"})
    assert error.value.response["Error"]["Code"] == "InvalidParameterValueException"
    message = error.value.response["Error"]["Message"]
    assert f"belongs to account {OTHER}" in message and PROD in message


def test_restore_with_a_role_backup_cannot_assume_is_refused(world: World) -> None:
    with pytest.raises(ClientError) as error:
        world.backup.start_restore_job(
            RecoveryPointArn=world.ebs_point,
            Metadata=world.metadata(world.ebs_point),
            IamRoleArn=f"arn:aws:iam::{PROD}:role/missing",
        )
    assert error.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_restore_jobs_are_private_to_their_account(world: World) -> None:
    metadata = {**world.metadata(world.table_point), "targetTableName": "orders-private"}
    job_id = world.restore(world.table_point, metadata)
    other = world.sandbox.client("backup", OTHER, REGION)
    with pytest.raises(ClientError) as error:
        other.describe_restore_job(RestoreJobId=job_id)
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert other.list_restore_jobs()["RestoreJobs"] == []
    completed = world.backup.list_restore_jobs(ByStatus="COMPLETED")["RestoreJobs"]
    assert all(j["Status"] == "COMPLETED" for j in completed)


def test_injected_failure_fails_the_next_restore(world: World) -> None:
    world.sandbox.inject_job_failure(world.volume, "Restore failed: an internal error occurred")
    job = world.finished(world.restore(world.ebs_point, world.metadata(world.ebs_point)))
    assert (job["Status"], job["StatusMessage"]) == (
        "FAILED",
        "Restore failed: an internal error occurred",
    )
    assert "CreatedResourceArn" not in job


def test_an_injected_completion_message_ends_the_next_restore_completed_with_it(
    world: World,
) -> None:
    """AWS ends an S3 restore that left objects out COMPLETED, with a StatusMessage; the
    sandbox does so on demand, for the next restore of the resource only (copies ignore it)."""
    said = "There are no objects that match the restore request for " + world.table_point + "."
    world.sandbox.inject_restore_message(world.table, said)
    metadata = {**world.metadata(world.table_point), "targetTableName": "orders-message"}
    job = world.finished(world.restore(world.table_point, metadata))
    assert (job["Status"], job["StatusMessage"]) == ("COMPLETED", said)
    assert job["CreatedResourceArn"]
    metadata = {**metadata, "targetTableName": "orders-message-again"}
    again = world.finished(world.restore(world.table_point, metadata))
    assert again["Status"] == "COMPLETED" and not again.get("StatusMessage")


def test_list_restore_jobs_filters_created_after_parent_and_testing_plan(world: World) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    metadata = {**world.metadata(world.table_point), "targetTableName": "orders-listed"}
    job_id = world.restore(world.table_point, metadata)
    world.finished(job_id)
    ids = [
        j["RestoreJobId"]
        for j in world.backup.list_restore_jobs(ByCreatedAfter=before)["RestoreJobs"]
    ]
    assert job_id in ids
    later = world.backup.list_restore_jobs(ByCreatedAfter=datetime.now(UTC) + timedelta(hours=1))
    assert later["RestoreJobs"] == []
    # Not a child of any job, not run by a restore testing plan: those filters list none of it.
    assert world.backup.list_restore_jobs(ByParentJobId=job_id)["RestoreJobs"] == []
    plan = f"arn:aws:backup:{REGION}:{PROD}:restore-testing-plan:nightly-abc"
    assert world.backup.list_restore_jobs(ByRestoreTestingPlanArn=plan)["RestoreJobs"] == []
    assert world.raw.check("ListRestoreJobs") == []


def test_a_held_restore_runs_past_its_end_until_released(world: World) -> None:
    metadata = {**world.metadata(world.table_point), "targetTableName": "orders-held"}
    world.sandbox.hold_jobs("restore")
    try:
        job_id = world.restore(world.table_point, metadata)
        time.sleep(0.5)  # at 3,000x its end passed long ago
        job = world.backup.describe_restore_job(RestoreJobId=job_id)
        assert job["Status"] == "RUNNING"
        tables = world.sandbox.client("dynamodb", PROD, REGION).list_tables()["TableNames"]
        assert "orders-held" not in tables
    finally:
        world.sandbox.release_jobs()
    job = world.finished(job_id)
    assert job["Status"] == "COMPLETED"
    tables = world.sandbox.client("dynamodb", PROD, REGION).list_tables()["TableNames"]
    assert "orders-held" in tables
