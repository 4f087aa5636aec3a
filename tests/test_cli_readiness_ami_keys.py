"""Readiness judges the restore in place of the account's own EC2 recovery points (a vault no
copy comes back into: here prod's Default vault) on each key of every protected instance's
newest AMI's snapshots, as `check restore` does (each restored volume is made with its
snapshot's key): an instance whose data volume is on a key shared with the backup account but
that the restore role may not use makes prod's READY row NOT READY with `check restore`'s
cause (and the sandbox's restore job fails); with every key usable the row stays READY and the
restore completes; the AMIs and snapshots of a row are read in one batch, so the calls do not
grow with the instances. Real `drconsole readiness --json` and `check restore` processes
against the embedded sandbox."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from drconsole.readiness.facts import SharedFacts
from tests.demo_sessions import demo_sessions
from tests.rds_option_groups import wait
from tests.test_cli_ami_snapshot_keys import (
    KEY_UNUSABLE,
    forced_restore,
    prod_key,
    restore_check,
    snapshot_of,
    unshared_prod_key,
)
from tests.test_cli_readiness_restore_key import (
    SHARING,
    SLR,
    administration_only,
    demo,
    readiness_row,
    restore_key_of,
)
from tests.test_cli_restore_boundary_scps import Env, checks_of, drconsole

__all__ = ["demo"]  # the module's own demo sandbox (prod's fault retired), by the same fixture


@contextlib.contextmanager
def instance(demo: Env, volumes: dict[str, str], vault: str = "Default") -> Iterator[str]:
    """prod's instance with a volume per device on the key named, backed up by AWS Backup into
    `vault` (Default: no copy comes back into it); the recovery point's ARN. The recovery point
    deleted after: the row is as it was."""
    ec2, backup = demo.client("ec2", "prod"), demo.client("backup", "prod")
    if vault == "Default" and "Default" not in {
        v["BackupVaultName"] for v in backup.list_backup_vaults()["BackupVaultList"]
    }:
        backup.create_backup_vault(BackupVaultName="Default")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    mappings = [
        {"DeviceName": device, "Ebs": {"VolumeSize": 8, "Encrypted": True, "KmsKeyId": key}}
        for device, key in volumes.items()
    ]
    launched = ec2.run_instances(
        ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro",
        BlockDeviceMappings=mappings,
    )["Instances"][0]  # fmt: skip
    prod, region = demo.info.accounts["prod"], demo.info.region
    started = backup.start_backup_job(
        BackupVaultName=vault,
        ResourceArn=f"arn:aws:ec2:{region}:{prod}:instance/{launched['InstanceId']}",
        IamRoleArn=demo.role_arn("prod"),
    )
    job = wait(lambda: backup.describe_backup_job(BackupJobId=started["BackupJobId"]))
    assert job["State"] == "COMPLETED", job
    rp = str(started["RecoveryPointArn"])
    try:
        yield rp
    finally:
        backup.delete_recovery_point(BackupVaultName=vault, RecoveryPointArn=rp)


def shared_key_closed_to_restores(demo: Env) -> str:
    """A key of prod's shared with the backup account as prod's own data key is, that AWS
    Backup's service-linked role may use (copies work) but not the restore role."""
    prod = demo.info.accounts["prod"]
    kms = demo.client("kms", "prod")
    shared = kms.get_key_policy(KeyId=prod_key(demo), PolicyName="default")["Policy"]
    sharing = [s for s in json.loads(shared)["Statement"] if s.get("Sid") in SHARING]
    statements = [*administration_only(prod, f"arn:aws:iam::{prod}:{SLR}"), *sharing]
    policy = json.dumps({"Version": "2012-10-17", "Statement": statements})
    return str(kms.create_key(Policy=policy)["KeyMetadata"]["Arn"])


def test_readiness_fails_an_instance_whose_data_volume_key_the_restore_role_may_not_use(
    demo: Env,
) -> None:
    closed = shared_key_closed_to_restores(demo)
    with instance(demo, {"/dev/xvda": prod_key(demo), "/dev/sdf": closed}) as rp:
        row = readiness_row(demo, "prod")
        said = restore_check(demo, rp)
        job = forced_restore(demo, rp)
        snapshot = snapshot_of(demo, rp, "/dev/sdf")
    judged = restore_key_of(row, "Default")
    assert (said["status"], said["cause"]) == ("FAIL", "KMS_KEY_UNUSABLE"), said
    assert (judged["status"], judged["cause"]) == (said["status"], said["cause"]), judged
    assert row["verdict"] == "NOT READY" and "KMS_KEY_UNUSABLE" in row["causes"], row["causes"]
    image = rp.rsplit("/", 1)[-1]
    assert f"snapshot {snapshot} (/dev/sdf) of AMI {image}" in judged["evidence"], judged
    assert closed in judged["evidence"]
    assert (job["Status"], job["StatusMessage"]) == ("FAILED", KEY_UNUSABLE), job
    # The recovery point gone, nothing blames the key: that instance alone failed it.
    assert "KMS_KEY_UNUSABLE" not in readiness_row(demo, "prod")["causes"]


def test_a_vault_copies_come_back_into_is_judged_in_place_as_well(demo: Env) -> None:
    """prod-vault receives copies back (restored on its key): the restore after a copy back
    passes `restore.key`, but the everyday restore in place of the instance's own recovery
    point uses its snapshots' keys, and fails on the one the restore role may not use, as
    `check restore` and the sandbox's job say. `readiness` names it `restore in place`."""
    closed = shared_key_closed_to_restores(demo)
    with instance(demo, {"/dev/xvda": prod_key(demo), "/dev/sdf": closed}, "prod-vault") as rp:
        row = readiness_row(demo, "prod")
        said = restore_check(demo, rp)
        job = forced_restore(demo, rp)
        text = drconsole(demo, "readiness", "--account", "prod", "--region", demo.info.region)
    runs = [r for r in row["restore"] if r["destination_vault"].endswith(":prod-vault")]
    assert [r["in_place"] for r in runs] == [False, True], runs
    after_copy, in_place = runs
    assert "restore.key" in after_copy["passed"], after_copy
    (judged,) = in_place["checks"]
    assert (judged["id"], judged["status"], judged["cause"]) == (
        "restore.key", said["status"], said["cause"]
    ), judged  # fmt: skip
    assert said["status"] == "FAIL" and closed in judged["evidence"], said
    assert row["verdict"] == "NOT READY" and "KMS_KEY_UNUSABLE" in row["causes"], row["causes"]
    assert (job["Status"], job["StatusMessage"]) == ("FAILED", KEY_UNUSABLE), job
    assert "restore in place from prod-vault" in text.stdout, text.stdout


def test_an_instance_whose_every_key_may_be_used_passes_and_restores(demo: Env) -> None:
    with instance(demo, {"/dev/xvda": prod_key(demo), "/dev/sdf": prod_key(demo)}) as rp:
        row = readiness_row(demo, "prod")
        job = forced_restore(demo, rp)
    assert restore_key_of(row, "Default")["status"] == "PASS", row["restore"]
    assert "KMS_KEY_UNUSABLE" not in row["causes"], row["explanation"]
    assert job["Status"] == "COMPLETED", job


def test_a_disabled_data_volume_key_of_one_instance_among_several_is_named(demo: Env) -> None:
    """Three instances, the third's data volume on a key disabled since: the row FAILs on
    it, naming that snapshot, not the others."""
    usable, disabled = prod_key(demo), unshared_prod_key(demo)
    kms = demo.client("kms", "prod")
    with contextlib.ExitStack() as stack:
        points = [
            stack.enter_context(instance(demo, {"/dev/xvda": usable, "/dev/sdf": usable}))
            for _ in range(2)
        ]
        bad = stack.enter_context(instance(demo, {"/dev/xvda": usable, "/dev/sdf": disabled}))
        kms.disable_key(KeyId=disabled.rsplit("/", 1)[-1])
        stack.callback(kms.enable_key, KeyId=disabled.rsplit("/", 1)[-1])
        judged = restore_key_of(readiness_row(demo, "prod"), "Default")
        named = snapshot_of(demo, bad, "/dev/sdf")
        others = [snapshot_of(demo, point, "/dev/sdf") for point in points]
    assert (judged["status"], judged["cause"]) == ("FAIL", "KMS_KEY_UNUSABLE"), judged
    assert named in judged["evidence"] and "Disabled" in judged["evidence"], judged
    assert not any(snapshot in judged["evidence"] for snapshot in others), judged


def test_the_amis_of_a_row_are_read_in_one_batch(demo: Env) -> None:
    """DescribeImages and DescribeSnapshots are asked as often for four instances as for
    one: the row's AMIs and their snapshots are read together."""
    key = prod_key(demo)
    log = demo.sandbox.request_log

    def reads() -> dict[str, int]:
        mark = log.mark()
        readiness_row(demo, "prod")
        seen = [r.name for r in log.since(mark)]
        return {name: seen.count(name) for name in ("ec2:DescribeImages", "ec2:DescribeSnapshots")}

    with contextlib.ExitStack() as stack:
        stack.enter_context(instance(demo, {"/dev/xvda": key, "/dev/sdf": key}))
        one = reads()
        for _ in range(3):
            stack.enter_context(instance(demo, {"/dev/xvda": key, "/dev/sdf": key}))
        four = reads()
    assert one == four, (one, four)
    assert one["ec2:DescribeSnapshots"] >= 1, one


def test_amis_that_cannot_be_read_warn_the_key_rather_than_pass(demo: Env) -> None:
    closed = shared_key_closed_to_restores(demo)
    with instance(demo, {"/dev/xvda": prod_key(demo), "/dev/sdf": closed}):
        demo.sandbox.fail_operation("ec2:DescribeImages", "denied")
        try:
            judged = restore_key_of(readiness_row(demo, "prod"), "Default")
        finally:
            demo.sandbox.clear_faults()
    assert judged["status"] == "WARN", judged
    assert "ec2:DescribeImages" in judged["evidence"], judged
    assert "describe-snapshots" in judged["remediation"], judged


def test_the_amis_are_asked_199_at_a_time_as_ec2_refuses_more_than_200(
    demo: Env, tmp_path: Path
) -> None:
    """EC2 (the sandbox as AWS) refuses a Describe call with more than 200 filter values; the
    reader asks 301 AMIs in two calls, and then answers the real one and its snapshots from
    what those read, with no call of its own."""
    prod, region = demo.info.accounts["prod"], demo.info.region
    missing = [f"ami-{n:017x}" for n in range(300)]
    with pytest.raises(ClientError) as refused:
        demo.client("ec2", "prod").describe_images(
            Filters=[{"Name": "image-id", "Values": missing[:201]}]
        )
    assert refused.value.response["Error"]["Code"] == "FilterLimitExceeded"
    log = demo.sandbox.request_log
    with instance(demo, {"/dev/xvda": prod_key(demo), "/dev/sdf": prod_key(demo)}) as rp:
        reader = SharedFacts(demo_sessions(demo.sandbox, demo.info, tmp_path))
        point = reader.recovery_point_at(rp, f"arn:aws:backup:{region}:{prod}:backup-vault:Default")
        mark = log.mark()
        reader.read_images(prod, region, [*missing, rp.rsplit("/", 1)[-1]])
        batched = [r.name for r in log.since(mark)]
        mark = log.mark()
        image = reader.image(point)
        snapshots = reader.image_snapshots(point, {})
        after = [r.name for r in log.since(mark) if r.name.startswith("ec2:")]
    assert batched.count("ec2:DescribeImages") == 2, batched
    assert batched.count("ec2:DescribeSnapshots") == 1, batched
    assert isinstance(image, dict) and image["ImageId"] == rp.rsplit("/", 1)[-1], image
    assert isinstance(snapshots, tuple), snapshots
    assert [s.device_name for s in snapshots] == ["/dev/xvda", "/dev/sdf"], snapshots
    assert after == [], after


@contextlib.contextmanager
def backed_up_volume(demo: Env, key: str) -> Iterator[str]:
    """A volume of prod's on `key`, backed up by AWS Backup into prod-vault; the recovery
    point's ARN, deleted after."""
    ec2, backup = demo.client("ec2", "prod"), demo.client("backup", "prod")
    prod, region = demo.info.accounts["prod"], demo.info.region
    volume = ec2.create_volume(AvailabilityZone=f"{region}a", Size=8, Encrypted=True, KmsKeyId=key)[
        "VolumeId"
    ]
    started = backup.start_backup_job(
        BackupVaultName="prod-vault",
        ResourceArn=f"arn:aws:ec2:{region}:{prod}:volume/{volume}",
        IamRoleArn=demo.role_arn("prod"),
    )
    job = wait(lambda: backup.describe_backup_job(BackupJobId=started["BackupJobId"]))
    assert job["State"] == "COMPLETED", job
    rp = str(started["RecoveryPointArn"])
    try:
        yield rp
    finally:
        backup.delete_recovery_point(BackupVaultName="prod-vault", RecoveryPointArn=rp)


def test_an_ebs_backup_on_a_key_the_restore_role_may_not_use_fails_in_place(demo: Env) -> None:
    """An EBS snapshot keeps its volume's key: a volume on a key the restore role may not use,
    backed up into prod-vault (copies come back into it on its own key) beside another volume
    without a copy on a usable key (either may stand for EBS in the DR copy run), fails the
    restore in place there, naming its recovery point, as `check restore` does; the restore
    after a copy back still passes."""
    closed = shared_key_closed_to_restores(demo)
    with (
        backed_up_volume(demo, prod_key(demo)),
        backed_up_volume(demo, closed) as rp,
        backed_up_volume(demo, prod_key(demo)),
    ):
        row = readiness_row(demo, "prod")
        said = checks_of(demo, rp)[1]["restore.key"]
    runs = [r for r in row["restore"] if r["destination_vault"].endswith(":prod-vault")]
    after_copy, in_place = runs
    assert "restore.key" in after_copy["passed"], after_copy
    (judged,) = in_place["checks"]
    assert (judged["status"], judged["cause"]) == (said["status"], said["cause"]), judged
    assert said["status"] == "FAIL", said
    assert f"the EBS recovery point {rp}" in judged["evidence"] and closed in judged["evidence"]
