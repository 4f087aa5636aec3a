"""Restore metadata the service refuses given another key or the backed-up resource: EC2's
network interfaces beside a subnet of the restore's own, CPU options of another instance type,
an EBS volume smaller than its snapshot, Multi-Attach off io1/io2, EFS's ItemsToRestore. The
form's functions, and real `drconsole` processes against a `drconsole sandbox` process."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drconsole.checks.restore_network import network_request
from drconsole.flows import restore_forms as forms
from tests.test_cli_copy import EU, SandboxProcess, audit_requests, drconsole, journal, newest
from tests.test_cli_copy import sandbox_process as start_sandbox

SOURCE_NICS = json.dumps(
    [
        {
            "DeviceIndex": 0,
            "SubnetId": "subnet-0aaa1111",
            "Groups": ["sg-0aaa1111"],
            "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": "10.0.1.25"}],
        }
    ]
)
EC2_AWS = {
    "InstanceType": "m5.2xlarge",
    "SubnetId": "subnet-0aaa1111",
    "SecurityGroupIds": '["sg-0aaa1111"]',
    "NetworkInterfaces": SOURCE_NICS,
    "CpuOptions": '{"CoreCount":4,"ThreadsPerCore":2}',
    "HibernationOptions": '{"Configured":true}',
    "Placement": '{"AvailabilityZone":"eu-central-1a"}',
}
EBS_AWS = {
    "availabilityZone": "eu-central-1a",
    "volumeType": "io2",
    "volumeSize": "100",
    "iops": "5000",
    "multiAttachEnabled": "true",
    "encrypted": "true",
}


def _sent(resource_type: str, aws: dict[str, str], given: dict[str, str]) -> dict[str, str]:
    form = forms.build_form(resource_type, aws, EU, "abc123")
    values = forms.with_overrides(form, given)
    assert forms.validate(form, values) == []
    return forms.metadata_for(form, values)


def _problems(resource_type: str, aws: dict[str, str], given: dict[str, str]) -> list[str]:
    form = forms.build_form(resource_type, aws, EU, "abc123")
    return forms.problems_of_given(form, forms.with_overrides(form, given), given)


@pytest.mark.parametrize(
    "given",
    [{}, {"SubnetId": "subnet-0bbb2222"}, {"SecurityGroupIds": "sg-0bbb2222", "SubnetId": ""}],
    ids=["aws-subnet", "new-subnet", "new-groups-only"],
)
def test_ec2_network_interfaces_are_not_sent_beside_a_subnet_or_groups(
    given: dict[str, str],
) -> None:
    sent = _sent("EC2", EC2_AWS, given)
    assert "NetworkInterfaces" not in sent
    form = forms.build_form("EC2", EC2_AWS, EU, "abc123")
    [note] = forms.dropped_notes(form, forms.with_overrides(form, given))
    assert note.startswith("NetworkInterfaces of the recovery point is not sent")


def test_ec2_network_interfaces_are_sent_and_judged_when_nothing_else_names_the_network() -> None:
    sent = _sent("EC2", EC2_AWS, {"SubnetId": "", "SecurityGroupIds": ""})
    assert sent["NetworkInterfaces"] == SOURCE_NICS and "SubnetId" not in sent
    request = network_request("EC2", sent)
    assert request is not None
    assert request.subnet == "subnet-0aaa1111" and request.security_groups == ("sg-0aaa1111",)
    # With a subnet of the restore's own, the interfaces (dropped) are not what is judged.
    named = network_request("EC2", {**EC2_AWS, "SubnetId": "subnet-0bbb2222"})
    assert named is not None and named.subnet == "subnet-0bbb2222"


def test_ec2_cpu_and_hibernation_options_are_dropped_with_another_instance_type() -> None:
    changed = _sent("EC2", EC2_AWS, {"InstanceType": "t3.micro"})
    assert "CpuOptions" not in changed and "HibernationOptions" not in changed
    form = forms.build_form("EC2", EC2_AWS, EU, "abc123")
    notes = forms.dropped_notes(form, forms.with_overrides(form, {"InstanceType": "t3.micro"}))
    assert any(
        n.startswith("CpuOptions of the recovery point is not sent") and "m5.2xlarge" in n
        for n in notes
    )
    same = _sent("EC2", EC2_AWS, {})
    assert same["CpuOptions"] == EC2_AWS["CpuOptions"]
    assert same["HibernationOptions"] == EC2_AWS["HibernationOptions"]
    # Options the operator gives are sent as given.
    given = _sent("EC2", EC2_AWS, {"InstanceType": "t3.micro", "CpuOptions": '{"CoreCount":1}'})
    assert given["CpuOptions"] == '{"CoreCount":1}'


def test_ebs_volume_size_below_the_backed_up_volume_is_refused() -> None:
    aws = {**EBS_AWS, "volumeType": "gp3", "iops": "3000", "multiAttachEnabled": "false"}
    [line] = _problems("EBS", aws, {"volumeSize": "8"})
    assert line.startswith("volumeSize (Size (GiB)) must be at least 100") and "not 8" in line
    assert _problems("EBS", aws, {"volumeSize": "100"}) == []
    assert _problems("EBS", aws, {"volumeSize": "200"}) == []


def test_ebs_multi_attach_is_dropped_or_refused_off_io1_and_io2() -> None:
    sent = _sent("EBS", EBS_AWS, {"volumeType": "gp3", "iops": "3000"})
    assert "multiAttachEnabled" not in sent
    assert _sent("EBS", EBS_AWS, {"volumeType": "io1"})["multiAttachEnabled"] == "true"
    [line] = _problems(
        "EBS", EBS_AWS, {"volumeType": "gp3", "iops": "3000", "multiAttachEnabled": "true"}
    )
    assert line.startswith("multiAttachEnabled must be false for gp3")


@pytest.mark.parametrize(
    "items",
    ["/a,/b", '["/a","/b","/c","/d","/e","/f"]', "[]", '["a/b"]', '"/a"', "[1]", "[/a"],
)
def test_efs_items_to_restore_must_be_a_json_list_of_one_to_five_paths(items: str) -> None:
    aws = {"file-system-id": "fs-0source", "newFileSystem": "true"}
    [line] = _problems("EFS", aws, {"ItemsToRestore": items})
    assert line.startswith("ItemsToRestore must be a JSON list of one to 5 paths")
    assert _problems("EFS", aws, {"ItemsToRestore": '["/a","/b/c"]'}) == []


# --- Through the CLI, against the sandbox ------------------------------------------------------


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxProcess]:
    yield from start_sandbox()


def _prod_point(sb: SandboxProcess, name: str) -> str:
    points = sb.client("backup", "prod", EU).list_recovery_points_by_backup_vault(
        BackupVaultName="prod-vault"
    )["RecoveryPoints"]
    mine = [p for p in points if p["ResourceName"] == name]
    return str(max(mine, key=lambda p: p["CreationDate"])["RecoveryPointArn"])


def _events(done: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def _aws_metadata(sb: SandboxProcess, rp: str) -> dict[str, str]:
    return _aws_metadata_in(sb, "prod", "prod-vault", rp)


def _aws_metadata_in(sb: SandboxProcess, role: str, vault: str, rp: str) -> dict[str, str]:
    backup = sb.client("backup", role, EU)
    found = backup.get_recovery_point_restore_metadata(BackupVaultName=vault, RecoveryPointArn=rp)[
        "RestoreMetadata"
    ]
    return dict(found)


def test_an_ec2_restore_into_another_subnet_sends_it_without_the_source_interfaces(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    rp = _prod_point(sandbox, "prod-web-1")
    source = json.loads(_aws_metadata(sandbox, rp)["NetworkInterfaces"])[0]["SubnetId"]
    ec2 = sandbox.client("ec2", "prod", EU)
    [home] = ec2.describe_subnets(SubnetIds=[source])["Subnets"]
    [vpc] = ec2.describe_vpcs(VpcIds=[home["VpcId"]])["Vpcs"]
    first, second = vpc["CidrBlock"].split(".")[:2]
    other = ec2.create_subnet(
        VpcId=vpc["VpcId"],
        CidrBlock=f"{first}.{second}.251.0/24",
        AvailabilityZone=home["AvailabilityZone"],
    )["Subnet"]["SubnetId"]
    done = drconsole(
        sandbox, tmp_path, "restore", "--recovery-point", rp, "--metadata", f"SubnetId={other}",
        "--yes", "--json", "--poll-interval", "0.2",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert _events(done)[-1]["status"] == "completed"
    [start] = audit_requests(tmp_path)
    metadata = start["parameters"]["Metadata"]
    assert metadata["SubnetId"] == other and "NetworkInterfaces" not in metadata
    assert "warning: NetworkInterfaces of the recovery point is not sent" in done.stderr
    restored = ec2.describe_instances(Filters=[{"Name": "subnet-id", "Values": [other]}])[
        "Reservations"
    ]
    assert restored, "the instance is in the subnet asked for"


def test_the_network_check_judges_the_interfaces_when_they_are_sent(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    rp = _prod_point(sandbox, "prod-web-1")
    backup = sandbox.client("backup", "prod", EU)
    vault = "prod-vault"
    aws = backup.get_recovery_point_restore_metadata(BackupVaultName=vault, RecoveryPointArn=rp)[
        "RestoreMetadata"
    ]
    interface = json.loads(aws["NetworkInterfaces"])[0]
    done = drconsole(
        sandbox, tmp_path, "check", "restore", "--recovery-point", rp, "--metadata",
        "SubnetId=", "--metadata", "SecurityGroupIds=", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    checks = json.loads(done.stdout)["checks"]
    network = next(c for c in checks if c["id"] == "restore.network")
    assert network["status"] == "PASS" and f"subnet {interface['SubnetId']}" in network["evidence"]
    assert not journal(tmp_path) and not audit_requests(tmp_path)


def test_an_ebs_volume_smaller_than_its_snapshot_is_refused_and_fails_in_the_sandbox(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    rp = _prod_point(sandbox, "prod-web-data")
    backup = sandbox.client("backup", "prod", EU)
    aws = backup.get_recovery_point_restore_metadata(
        BackupVaultName="prod-vault", RecoveryPointArn=rp
    )["RestoreMetadata"]
    floor = int(aws["volumeSize"])
    assert floor > 1
    before = len(backup.list_restore_jobs()["RestoreJobs"])
    done = drconsole(
        sandbox, tmp_path, "restore", "--recovery-point", rp, "--metadata", "volumeSize=1",
        "--yes", "--json",
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    [line] = done.stderr.strip().splitlines()
    assert f"volumeSize (Size (GiB)) must be at least {floor}" in line
    assert not journal(tmp_path) and not audit_requests(tmp_path)
    assert len(backup.list_restore_jobs()["RestoreJobs"]) == before
    checked = drconsole(
        sandbox, tmp_path, "check", "restore", "--recovery-point", rp, "--metadata",
        "volumeSize=1", "--json",
    )  # fmt: skip
    metadata_check = next(
        c for c in json.loads(checked.stdout)["checks"] if c["id"] == "restore.metadata"
    )
    assert metadata_check["status"] == "FAIL", checked.stdout

    # Sent anyway (as another client could), CreateVolume refuses it: the job FAILS.
    role = f"arn:aws:iam::{sandbox.accounts['prod']}:role/service-role/AWSBackupDefaultServiceRole"
    job = backup.start_restore_job(
        RecoveryPointArn=rp,
        IamRoleArn=role,
        Metadata={**aws, "volumeSize": "1"},
        ResourceType="EBS",
    )["RestoreJobId"]
    deadline = time.monotonic() + 60
    while (described := backup.describe_restore_job(RestoreJobId=job))["Status"] not in (
        "COMPLETED",
        "FAILED",
        "ABORTED",
    ):
        assert time.monotonic() < deadline
        time.sleep(0.3)
    assert described["Status"] == "FAILED"
    assert f"expect size >= {floor}GB" in described["StatusMessage"]


def test_bad_items_to_restore_is_one_line_and_nothing_is_written(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    rp = _prod_point(sandbox, "prod-shared-files")
    done = drconsole(
        sandbox, tmp_path, "restore", "--recovery-point", rp, "--metadata",
        "ItemsToRestore=/a,/b", "--yes", "--json",
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    [line] = done.stderr.strip().splitlines()
    assert "ItemsToRestore must be a JSON list of one to 5 paths" in line
    assert not journal(tmp_path) and not audit_requests(tmp_path)


def _target_check(done: Any) -> dict[str, Any]:
    checks = json.loads(done.stdout)["checks"]
    found: dict[str, Any] = next(c for c in checks if c["id"] == "restore.target-name")
    return found


def test_an_efs_restore_into_an_existing_file_system_needs_one_where_it_runs(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """In the backup account, a copy's `file-system-id` names prod's file system: a restore
    into it (newFileSystem false) is judged before it is sent, not left to FAIL late."""
    copy = newest(sandbox, "central-eu-central-1", EU, "EFS")
    backup_account = sandbox.accounts["backup"]
    source_id = _aws_metadata_in(sandbox, "backup", "central-eu-central-1", copy)["file-system-id"]
    checked = drconsole(
        sandbox, tmp_path, "check", "restore", "--recovery-point", copy, "--source-account",
        backup_account, "--metadata", "newFileSystem=false", "--json",
    )  # fmt: skip
    assert checked.returncode == 1, checked.stdout + checked.stderr
    check = _target_check(checked)
    assert check["status"] == "FAIL" and check["cause"] == "UNKNOWN"
    assert f"EFS file system {source_id}" in check["evidence"]
    assert f"not found in account {backup_account}" in check["evidence"]
    assert "newFileSystem=true" in check["remediation"]

    before = sandbox.client("backup", "backup", EU).list_restore_jobs()["RestoreJobs"]
    done = drconsole(
        sandbox, tmp_path, "restore", "--recovery-point", copy, "--source-account",
        backup_account, "--metadata", "newFileSystem=false", "--allow-backup-account-restore",
        "--yes", "--json",
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert _events(done)[-1]["status"] == "blocked"
    assert not audit_requests(tmp_path)
    after = sandbox.client("backup", "backup", EU).list_restore_jobs()["RestoreJobs"]
    assert len(after) == len(before)

    # In prod, its own file system exists: the same restore into it passes.
    own = _prod_point(sandbox, "prod-shared-files")
    in_place = drconsole(
        sandbox, tmp_path, "check", "restore", "--recovery-point", own, "--metadata",
        "newFileSystem=false", "--json",
    )  # fmt: skip
    passed = _target_check(in_place)
    assert passed["status"] == "PASS" and "exists in account" in passed["evidence"], passed
