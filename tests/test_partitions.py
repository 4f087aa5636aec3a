"""The ARNs drconsole writes itself are in the partition of the ARNs AWS gave.

A GovCloud or China copy, restore or drill carries roles, vaults, account roots and AWS managed
policies of that partition: the requests it sends, what the checks compare with AWS's answers,
and the fixes they print. Each test takes a case that passes (or fails) in `aws`, moves every
ARN and Region to another partition, and expects the same verdicts with no `arn:aws:` left.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from datetime import UTC, datetime
from typing import Any

import pytest

from drconsole import partitions
from drconsole.checks import copy as copy_checks
from drconsole.checks import restore as restore_checks
from drconsole.diagnose import RULES, diagnose
from drconsole.drills.runbook import RestoreTarget
from drconsole.flows.plan import SourcePoint, plan_flow, planned_requests, restore_request
from drconsole.flows.routes import VaultRef
from drconsole.models import CheckStatus, RecoveryPoint
from tests import forked_cli
from tests.test_checks_copy import DEST, OWNER, SRC, good_facts, policy
from tests.test_checks_restore import good_restore
from tests.test_diagnose import SEEDS

GOV_REGIONS = {"eu-central-1": "us-gov-west-1", "eu-north-1": "us-gov-east-1"}
CHINA_REGIONS = {"eu-central-1": "cn-north-1", "eu-north-1": "cn-northwest-1"}


def moved(text: str, partition: str, regions: dict[str, str]) -> str:
    """`text` with every ARN and Region of the `aws` cases moved to another partition."""
    text = re.sub(r"\barn:aws:", f"arn:{partition}:", text)
    return re.sub("|".join(regions), lambda m: regions[m.group(0)], text)


def in_partition(value: Any, partition: str, regions: dict[str, str]) -> Any:
    """A copy of facts (dataclasses, tuples, dicts, policy text) moved to another partition."""
    if isinstance(value, str):
        return moved(value, partition, regions)
    if isinstance(value, tuple):
        return tuple(in_partition(v, partition, regions) for v in value)
    if isinstance(value, list):
        return [in_partition(v, partition, regions) for v in value]
    if isinstance(value, dict):
        return {k: in_partition(v, partition, regions) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: in_partition(getattr(value, f.name), partition, regions)
            for f in dataclasses.fields(value)
            if f.init
        }
        return dataclasses.replace(value, **changes)
    return value


def words(checks: list[Any]) -> str:
    """Every check's evidence and remediation."""
    return "\n".join(f"{c.evidence}\n{c.remediation or ''}" for c in checks)


def test_partitions_of_regions_and_arns() -> None:
    assert partitions.of_region("us-gov-west-1") == "aws-us-gov"
    assert partitions.of_region("cn-northwest-1") == "aws-cn"
    assert partitions.of_region("eu-central-1") == "aws"
    assert partitions.of_region("xx-nowhere") == "aws"
    assert partitions.of_arn("arn:aws-cn:backup:cn-north-1:1:recovery-point:x") == "aws-cn"
    assert partitions.of_arn("not an arn") == "aws"


@pytest.mark.parametrize(
    ("partition", "regions"), [("aws-us-gov", GOV_REGIONS), ("aws-cn", CHINA_REGIONS)]
)
@pytest.mark.parametrize("resource_type", ["EBS", "RDS", "DynamoDB", "S3", "EC2"])
def test_a_copy_that_passes_in_aws_passes_in_another_partition(
    partition: str, regions: dict[str, str], resource_type: str
) -> None:
    facts = good_facts(resource_type)
    moved_facts = in_partition(facts, partition, regions)
    expected = [(c.id, c.status) for c in copy_checks.copy_verdicts(facts)]
    verdicts = copy_checks.copy_verdicts(moved_facts)
    assert [(c.id, c.status) for c in verdicts] == expected
    assert "arn:aws:" not in words(verdicts)


def test_a_key_not_shared_in_govcloud_is_fixed_with_govcloud_principals() -> None:
    facts = good_facts("EBS")
    key = dataclasses.replace(facts.source_key, policy=policy(OWNER))
    failing = in_partition(dataclasses.replace(facts, source_key=key), "aws-us-gov", GOV_REGIONS)
    check = copy_checks.check_source_key(failing)
    assert check.status is CheckStatus.FAIL
    assert f"arn:aws-us-gov:iam::{DEST}:root" in (check.remediation or "")
    assert "arn:aws:" not in words([check])


@pytest.mark.parametrize("resource_type", ["DynamoDB", "S3", "RDS"])
def test_a_restore_that_passes_in_aws_passes_in_govcloud(resource_type: str) -> None:
    facts = good_restore(resource_type)
    moved_facts = in_partition(facts, "aws-us-gov", GOV_REGIONS)
    expected = [(c.id, c.status) for c in restore_checks.restore_verdicts(facts)]
    verdicts = restore_checks.restore_verdicts(moved_facts)
    assert [(c.id, c.status) for c in verdicts] == expected
    assert "arn:aws:" not in words(verdicts)


def test_a_missing_restore_role_names_the_partitions_managed_policies() -> None:
    facts = in_partition(good_restore("S3", role=None), "aws-cn", CHINA_REGIONS)
    check = restore_checks.check_restore_role(facts)
    assert check.status is CheckStatus.FAIL
    remedy = check.remediation or ""
    assert "arn:aws-cn:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores" in remedy
    assert "arn:aws-cn:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore" in remedy


def test_the_requests_of_a_govcloud_copy_and_restore_carry_govcloud_arns() -> None:
    source = SourcePoint(
        arn=f"arn:aws-us-gov:backup:us-gov-west-1:{SRC}:recovery-point:abc",
        account_id=SRC,
        region="us-gov-west-1",
        vault_name="central",
        resource_type="DynamoDB",
        resource_arn=f"arn:aws-us-gov:dynamodb:us-gov-west-1:{SRC}:table/orders",
        resource_name="orders",
    )
    dest = VaultRef(DEST, "us-gov-west-1", "prod-vault", "aws-us-gov")
    plan = plan_flow(source, dest, restore=True)
    copied = f"arn:aws-us-gov:backup:us-gov-west-1:{DEST}:recovery-point:copy"
    requests = [
        *planned_requests(plan, lambda step: f"token-{step}", None),
        restore_request(plan, copied, {"targetTableName": "t"}, "token-restore"),
    ]
    sent = json.dumps([r.parameters for r in requests])
    assert "arn:aws:" not in sent
    roles = [r.parameters["IamRoleArn"] for r in requests]
    assert roles == [
        f"arn:aws-us-gov:iam::{SRC}:role/service-role/AWSBackupDefaultServiceRole",
        f"arn:aws-us-gov:iam::{DEST}:role/service-role/AWSBackupDefaultServiceRole",
    ]
    assert plan.route.hops[0].source.arn.startswith("arn:aws-us-gov:backup:")


def test_recovery_points_and_drill_targets_name_their_vault_in_their_partition() -> None:
    point = RecoveryPoint(
        arn=f"arn:aws-cn:backup:cn-north-1:{SRC}:recovery-point:abc",
        vault_name="central",
        account_id=SRC,
        region="cn-north-1",
        resource_arn="",
        resource_type="DynamoDB",
        resource_name="",
        created=datetime(2026, 12, 1, tzinfo=UTC),
        status="COMPLETED",
        size_bytes=None,
        encryption_key_arn="",
        is_encrypted=False,
        source_vault_arn=None,
        expires=None,
    )
    assert point.vault_arn == f"arn:aws-cn:backup:cn-north-1:{SRC}:backup-vault:central"
    target = RestoreTarget(DEST, "us-gov-east-1", "restore-vault")
    assert (
        target.vault_arn == f"arn:aws-us-gov:backup:us-gov-east-1:{DEST}:backup-vault:restore-vault"
    )


def messages_with_arns() -> list[tuple[str, str]]:
    """The field messages and each rule's own examples that name an ARN."""
    found = [(s["message"], s["cause"]) for s in SEEDS]
    for rule in RULES:
        found += [(example, str(rule.cause)) for example in rule.example.split(" / ")]
    return [(message, cause) for message, cause in found if "arn:aws:" in message]


@pytest.mark.parametrize(("message", "cause"), messages_with_arns())
def test_explain_of_a_govcloud_message_answers_in_govcloud(message: str, cause: str) -> None:
    diagnosis = diagnose(moved(message, "aws-us-gov", GOV_REGIONS))
    assert diagnosis.cause == cause
    assert "arn:aws:" not in f"{diagnosis.explanation}\n{diagnosis.remediation}"


def test_explain_on_the_command_line_in_china() -> None:
    message = (
        "Access denied: User: arn:aws-cn:sts::111111111111:assumed-role/Ops/me is not"
        " authorized to perform: backup:CopyIntoBackupVault on resource:"
        " arn:aws-cn:backup:cn-north-1:222222222222:backup-vault:central"
    )
    done = forked_cli.run(
        [sys.executable, "-m", "drconsole", "explain", message],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "arn:aws-cn:iam::111111111111:root" in done.stdout
    assert "arn:aws:" not in done.stdout
