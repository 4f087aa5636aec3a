"""An EC2 instance launched from an AWS Marketplace AMI, backed up by AWS Backup in the sandbox:
`check copy` FAILs its copy into another account with MARKETPLACE_AMI and `copy` starts no job;
within its account the copy is allowed; the sandbox's copy job, forced with plain boto3, fails
with AWS's message, which `explain` classifies the same way; an AMI whose product codes cannot
be read is UNKNOWN, never PASS (real CLI against the demo sandbox over HTTP)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drconsole.sandbox.marketplace_images import marketplace_image
from tests.copy_check_cli import (
    backed_up_instance as backed_up,
)
from tests.copy_check_cli import (
    check_named,
    checked,
    copy_jobs,
    demo_env,
    drconsole,
    prod_dr_vault,
)
from tests.rds_option_groups import wait
from tests.test_cli_check import Env

CHECK_ID = "route"
PRODUCT_CODE = "cbhxbm3xdmzvqwtmk2xlpd3sk"
MESSAGE = "Images from AWS Marketplace cannot be copied to another AWS account."


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    yield from demo_env(tmp_path_factory)


def backed_up_instance(demo: Env, image_id: str, name: str) -> str:
    """prod's EC2 instance launched from `image_id`, backed up into prod-vault; the point's ARN."""
    tags = [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}]
    return backed_up(demo, image_id, TagSpecifications=tags)


@pytest.fixture(scope="module")
def marketplace_point(demo: Env) -> str:
    """prod's backup of an instance launched from a Marketplace AMI."""
    prod, region = demo.info.accounts["prod"], demo.info.region
    image_id = marketplace_image(prod, region, PRODUCT_CODE)
    return backed_up_instance(demo, image_id, "firewall")


def the_check(report: dict[str, Any], check_id: str = CHECK_ID) -> dict[str, Any]:
    return check_named(report, check_id)


def central(demo: Env) -> str:
    return demo.vault("backup", "central-eu-central-1")


def test_the_recovery_point_ami_answers_its_marketplace_codes(
    demo: Env, marketplace_point: str
) -> None:
    ec2 = demo.sandbox.client("ec2", demo.info.accounts["prod"], demo.info.region)
    image = ec2.describe_images(ImageIds=[marketplace_point.rsplit("/", 1)[-1]])["Images"][0]
    assert image["ProductCodes"] == [
        {"ProductCodeId": PRODUCT_CODE, "ProductCodeType": "marketplace"}
    ]


def test_check_copy_into_another_account_fails_with_marketplace_ami(
    demo: Env, marketplace_point: str
) -> None:
    code, report = checked(demo, marketplace_point, central(demo))
    check = the_check(report)
    assert code == 1 and report["ok"] is False
    assert (check["status"], check["cause"]) == ("FAIL", "MARKETPLACE_AMI"), check
    assert PRODUCT_CODE in check["evidence"]
    assert demo.info.accounts["backup"] in check["remediation"]


def test_the_same_point_copied_within_its_account_passes(demo: Env, marketplace_point: str) -> None:
    # EC2 blocks Marketplace AMIs only from other accounts: a copy into another Region of the
    # same account is allowed, and the sandbox completes it.
    _, report = checked(demo, marketplace_point, prod_dr_vault(demo))
    assert the_check(report)["status"] == "PASS", the_check(report)
    prod = demo.info.accounts["prod"]
    backup = demo.sandbox.client("backup", prod, demo.info.region)
    started = backup.start_copy_job(
        RecoveryPointArn=marketplace_point,
        SourceBackupVaultName="prod-vault",
        DestinationBackupVaultArn=prod_dr_vault(demo),
        IamRoleArn=f"arn:aws:iam::{prod}:role/service-role/AWSBackupDefaultServiceRole",
    )
    job = wait(lambda: backup.describe_copy_job(CopyJobId=started["CopyJobId"]))
    assert job["State"] == "COMPLETED", job
    # The copy's AMI keeps the codes where it now lives.
    copy_ami = job["DestinationRecoveryPointArn"].rsplit("/", 1)[-1]
    ec2 = demo.sandbox.client("ec2", prod, demo.info.dr_region)
    image = ec2.describe_images(ImageIds=[copy_ami])["Images"][0]
    assert [c["ProductCodeId"] for c in image["ProductCodes"]] == [PRODUCT_CODE]


def test_copy_starts_no_job(demo: Env, marketplace_point: str) -> None:
    before = len(copy_jobs(demo))
    args = ["--recovery-point", marketplace_point, "--to", central(demo), "--yes", "--json"]
    result = drconsole(demo, "copy", *args)
    assert result.returncode == 1, result.stdout + result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    checks = [c for e in events if e.get("event") == "checks" for c in e.get("checks", [])]
    assert any(
        c["id"] == CHECK_ID and c["status"] == "FAIL" and c["cause"] == "MARKETPLACE_AMI"
        for c in checks
    ), events
    assert "job-started" not in {e.get("event") for e in events}
    assert len(copy_jobs(demo)) == before


def test_a_forced_copy_job_fails_with_aws_message_that_explain_classifies(
    demo: Env, marketplace_point: str
) -> None:
    prod = demo.info.accounts["prod"]
    backup = demo.sandbox.client("backup", prod, demo.info.region)
    started = backup.start_copy_job(  # AWS lets it start: the job fails later
        RecoveryPointArn=marketplace_point,
        SourceBackupVaultName="prod-vault",
        DestinationBackupVaultArn=central(demo),
        IamRoleArn=f"arn:aws:iam::{prod}:role/service-role/AWSBackupDefaultServiceRole",
    )
    job = wait(lambda: backup.describe_copy_job(CopyJobId=started["CopyJobId"]))
    assert (job["State"], job["StatusMessage"]) == ("FAILED", MESSAGE)
    explained = drconsole(demo, "explain", MESSAGE, "--json")
    assert json.loads(explained.stdout)["cause"] == "MARKETPLACE_AMI", explained.stdout


def test_an_instance_from_a_plain_ami_copies_into_another_account(demo: Env) -> None:
    prod, region = demo.info.accounts["prod"], demo.info.region
    ec2 = demo.sandbox.client("ec2", prod, region)
    plain = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    rp = backed_up_instance(demo, plain, "web")
    _, report = checked(demo, rp, central(demo))
    assert the_check(report)["status"] == "PASS", the_check(report)


def test_unreadable_product_codes_are_unknown_never_pass(demo: Env, marketplace_point: str) -> None:
    demo.sandbox.fail_operation("ec2:DescribeImages", "denied")
    try:
        code, report = checked(demo, marketplace_point, central(demo))
    finally:
        demo.sandbox.clear_faults()
    check = the_check(report)
    assert (check["status"], check["cause"]) == ("UNKNOWN", "ROLE_PERMISSIONS"), check
    assert "ec2:DescribeImages" in check["evidence"]
    assert code == 1


def test_drill_plan_stops_the_target_before_anything_starts(
    demo: Env, marketplace_point: str, tmp_path: Path
) -> None:
    prod, backup, region = (
        demo.info.accounts["prod"],
        demo.info.accounts["backup"],
        demo.info.region,
    )
    backup_api = demo.sandbox.client("backup", prod, region)
    described = backup_api.describe_recovery_point(
        BackupVaultName="prod-vault", RecoveryPointArn=marketplace_point
    )
    instance = described["ResourceArn"]
    runbook = tmp_path / "firewall.yaml"
    runbook.write_text(
        f"""name: firewall
source: {{account: "{prod}", region: {region}, vault: prod-vault}}
restore_to: {{account: "{backup}", region: {region}, vault: central-eu-central-1}}
targets:
  - name: firewall
    resource: {instance}
"""
    )
    before = len(copy_jobs(demo))
    result = drconsole(demo, "--read-only", "drill", "plan", str(runbook), "--json")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "MARKETPLACE_AMI" in result.stdout, result.stdout
    assert len(copy_jobs(demo)) == before
