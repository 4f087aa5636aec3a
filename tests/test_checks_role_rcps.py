"""`restore.role` with the RCPs on the restoring account's path, against AWS Backup's
sts:AssumeRole of the role: judged with and without the confused-deputy keys (pure verdicts on
facts, no AWS; the CLI and the sandbox are in tests/test_cli_role_rcps.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from drconsole.checks import restore as checks
from drconsole.checks.facts import OrgMembership, ScpLevel, Unreadable
from drconsole.models import CauseCode, CheckStatus
from tests.test_checks_copy import SRC
from tests.test_checks_restore import ROLE, good_restore

ORG, OU = "o-prod12345", "ou-prod-1"
MEMBER = OrgMembership(SRC, ORG, "999999999999", f"{ORG}/r-root/{OU}/")


def judged(condition: dict[str, Any], levels: Any = None) -> Any:
    statement = {
        "Sid": "Perimeter", "Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole",
        "Resource": "*", "Condition": condition,
    }  # fmt: skip
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    rcps = levels if levels is not None else (ScpLevel(OU, (("Perimeter", document),)),)
    facts = replace(good_restore(), restoring_org=MEMBER, role_rcps=rcps)
    return checks.check_restore_role(facts)


def test_a_denial_with_and_without_the_source_keys_fails() -> None:
    # Absent: ...IfExists holds; sent: the job's own organization is not o-other.
    verdict = judged({"StringNotEqualsIfExists": {"aws:SourceOrgID": "o-other"}})
    assert (verdict.status, verdict.cause) == (CheckStatus.FAIL, CauseCode.ROLE_PERMISSIONS)
    assert f"denies sts:AssumeRole on {ROLE} to backup.amazonaws.com" in verdict.evidence


def test_a_denial_in_one_case_only_is_unknown_and_says_which() -> None:
    sent_only = judged({"StringEquals": {"aws:SourceAccount": SRC}})
    assert (sent_only.status, sent_only.cause) == (CheckStatus.UNKNOWN, CauseCode.UNKNOWN)
    assert "if AWS Backup sends the confused-deputy keys" in sent_only.evidence
    absent_only = judged({"Null": {"aws:SourceAccount": "true"}})
    assert absent_only.status is CheckStatus.UNKNOWN
    assert "if AWS Backup does not send the confused-deputy keys" in absent_only.evidence
    assert f"Confirm that AWS Backup can assume {ROLE}" in absent_only.remediation


def test_no_denial_either_way_keeps_the_verdict_and_the_principal_keys_are_a_services() -> None:
    # The org test exempts AWS services; an aws:PrincipalAccount test never applies to one.
    exempt = judged(
        {
            "StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG},
            "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
        }
    )
    assert exempt.status is CheckStatus.PASS, exempt
    assert judged({"StringEquals": {"aws:PrincipalAccount": SRC}}).status is CheckStatus.PASS
    # Without the exemption the service principal, which has no aws:PrincipalOrgID, is denied.
    assert judged({"StringNotEquals": {"aws:PrincipalOrgID": ORG}}).status is CheckStatus.FAIL


def test_unreadable_rcps_are_unknown_and_none_applying_keeps_the_verdict() -> None:
    refused = Unreadable("organizations:ListPoliciesForTarget", "AccessDenied", "no")
    verdict = judged({}, levels=refused)
    assert (verdict.status, verdict.cause) == (CheckStatus.UNKNOWN, CauseCode.ROLE_PERMISSIONS)
    facts = replace(good_restore(), restoring_org=MEMBER, role_rcps=None)
    assert checks.check_restore_role(facts).status is CheckStatus.PASS
