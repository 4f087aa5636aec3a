"""`restore.role`'s judgement of the restore role's KMS calls on a customer managed key, on facts
built by hand: only EBS and EC2 restores on a customer managed key are judged, and a boundary
testing what drconsole does not know of those requests (the key's tags) is UNKNOWN, not FAIL."""

from __future__ import annotations

import json
from dataclasses import replace

from drconsole.checks import restore as checks
from drconsole.checks.facts import BoundaryFacts, KeyFacts, RoleFacts
from drconsole.checks.restore_key_calls import KEY_ACTIONS, restore_key_requests
from drconsole.models import CheckStatus
from tests.test_checks_copy import TRUST
from tests.test_checks_restore import KEY, RESTORE_POLICY_ARN, ROLE, good_restore

METADATA = {"availabilityZone": "eu-central-1a"}


def bounded(statements: list[dict[str, object]], resource_type: str = "EBS", **changes: object):  # type: ignore[no-untyped-def]
    boundary = BoundaryFacts(
        "arn:aws:iam::111122223333:policy/Bound",
        json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )
    role = RoleFacts(ROLE, TRUST, (RESTORE_POLICY_ARN,), boundary=boundary)
    facts = good_restore(resource_type, role=role, metadata=METADATA, **changes)
    return replace(facts, recovery_point=replace(facts.recovery_point, resource_type=resource_type))


VOLUMES = {"Effect": "Allow", "Action": ["ec2:*", "backup:*"], "Resource": "*"}


def test_only_ebs_and_ec2_restores_on_a_customer_managed_key_are_judged() -> None:
    assert [r.action for r in restore_key_requests(bounded([]))] == list(KEY_ACTIONS)
    assert {r.resource for r in restore_key_requests(bounded([], "EC2"))} == {KEY}
    for kind in ("RDS", "DynamoDB", "EFS", "S3", "Aurora"):
        assert restore_key_requests(bounded([], kind)) == [], kind
    managed = KeyFacts(KEY, "AWS", "Enabled")
    assert restore_key_requests(bounded([], restore_key=managed)) == []
    assert restore_key_requests(bounded([], restore_key=None)) == []


def test_a_boundary_without_kms_fails_an_ebs_restore_but_not_an_aws_managed_keys() -> None:
    verdict = checks.check_restore_role(bounded([VOLUMES]))
    assert verdict.status is CheckStatus.FAIL, verdict
    assert f"kms:CreateGrant (does not allow it on {KEY})" in verdict.evidence
    managed = bounded([VOLUMES], restore_key=KeyFacts(KEY, "AWS", "Enabled"))
    assert checks.check_restore_role(managed).status is CheckStatus.PASS


def test_a_boundary_testing_the_keys_tags_is_unknown() -> None:
    tagged = {
        "Effect": "Allow",
        "Action": "kms:*",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/use": "restore"}},
    }
    verdict = checks.check_restore_role(bounded([VOLUMES, tagged]))
    assert verdict.status is CheckStatus.UNKNOWN, verdict
    assert "aws:ResourceTag/use" in verdict.evidence, verdict


def test_a_boundary_allowing_the_grant_only_for_aws_resources_passes() -> None:
    grant = {
        "Effect": "Allow",
        "Action": "kms:CreateGrant",
        "Resource": "*",
        "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
    }
    through_ec2 = {
        "Effect": "Allow",
        "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
        "Resource": "*",
        "Condition": {"StringLike": {"kms:ViaService": "ec2.*.amazonaws.com"}},
    }
    verdict = checks.check_restore_role(bounded([VOLUMES, grant, through_ec2]))
    assert verdict.status is CheckStatus.PASS, verdict
    assert "allows ec2:CreateVolume, kms:CreateGrant" in verdict.evidence, verdict
