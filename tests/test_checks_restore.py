"""Restore verdicts, ARN parsing, fix plans and the audit log: pure paths, no AWS."""

from __future__ import annotations

import json
import os
from dataclasses import replace

import pytest

from drconsole.aws.audit import REDACTED, AuditLog
from drconsole.checks import fixes, remedies
from drconsole.checks import restore as checks
from drconsole.checks.arns import parse_recovery_point_arn, parse_vault_arn
from drconsole.checks.copy import copy_verdicts
from drconsole.checks.facts import (
    IdentityPolicy,
    KeyFacts,
    RecoveryPointFacts,
    RestoreFacts,
    RoleFacts,
    TargetName,
    Unreadable,
    VaultFacts,
    restore_policy_arns,
)
from drconsole.errors import UsageError
from drconsole.models import CauseCode, CheckStatus
from tests.test_checks_copy import DEST, SRC, TRUST, good_facts

# The AWS managed restore policies in the `aws` partition (the sandbox's).
RESTORE_POLICY_ARN, S3_RESTORE_POLICY_ARN = restore_policy_arns("S3", "aws")

DENIED = Unreadable("iam:GetRole", "AccessDenied", "not authorized")
ROLE = f"arn:aws:iam::{SRC}:role/service-role/AWSBackupDefaultServiceRole"
KEY = f"arn:aws:kms:eu-central-1:{SRC}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def good_restore(resource_type: str = "DynamoDB", **changes: object) -> RestoreFacts:
    rp = RecoveryPointFacts(
        arn=f"arn:aws:backup:eu-central-1:{SRC}:recovery-point:abc",
        account_id=SRC,
        region="eu-central-1",
        vault_name="prod-vault",
        resource_type=resource_type,
        resource_arn=f"arn:aws:dynamodb:eu-central-1:{SRC}:table/orders",
        resource_name="orders",
        status="COMPLETED",
        encryption_key_arn=KEY,
    )
    attached = (RESTORE_POLICY_ARN, S3_RESTORE_POLICY_ARN)
    facts = RestoreFacts(
        recovery_point=rp,
        restoring_account_id=SRC,
        role_arn=ROLE,
        role=RoleFacts(ROLE, TRUST, attached),
        metadata={
            "targetTableName": "orders-restored",
            "DestinationBucketName": "b",
            "DBInstanceIdentifier": "db",
        },
        target_names=(TargetName("DynamoDB table", "orders-restored", False),),
        restore_key=KeyFacts(KEY, "CUSTOMER", "Enabled"),
        restoring_scps=None,  # no SCPs apply
    )
    return replace(facts, **changes)


def test_good_restore_passes() -> None:
    verdicts = checks.restore_verdicts(good_restore())
    assert [c.status for c in verdicts] == [CheckStatus.PASS] * len(verdicts)


@pytest.mark.parametrize(
    ("verdict", "facts", "cause"),
    [
        (
            checks.check_restore_account,
            good_restore(restoring_account_id=DEST),
            CauseCode.CROSS_ACCOUNT_RESTORE,
        ),
        (checks.check_restore_role, good_restore(role=None), CauseCode.ROLE_PERMISSIONS),
        (
            checks.check_restore_role,
            good_restore(role=RoleFacts(ROLE, TRUST.replace("backup.amazonaws", "ec2.amazonaws"))),
            CauseCode.ROLE_PERMISSIONS,
        ),
        (
            checks.check_restore_role,
            good_restore("S3", role=RoleFacts(ROLE, TRUST, (RESTORE_POLICY_ARN,))),
            CauseCode.ROLE_PERMISSIONS,
        ),
        (checks.check_restore_metadata, good_restore(metadata={}), CauseCode.UNKNOWN),
        (
            checks.check_target_names,
            good_restore(target_names=(TargetName("DynamoDB table", "orders", True),)),
            CauseCode.RESOURCE_ALREADY_EXISTS,
        ),
        (
            checks.check_restore_key,
            good_restore(restore_key=KeyFacts(KEY, "CUSTOMER", "Disabled")),
            CauseCode.KMS_KEY_UNUSABLE,
        ),
    ],
)
def test_restore_fail_paths(verdict, facts, cause) -> None:  # type: ignore[no-untyped-def]
    result = verdict(facts)
    assert result.status is CheckStatus.FAIL, result
    assert result.cause is cause
    assert result.remediation


def test_cross_account_restore_names_the_copy_first_command() -> None:
    vault = f"arn:aws:backup:eu-central-1:{DEST}:backup-vault:dest-vault"
    result = checks.check_restore_account(
        good_restore(restoring_account_id=DEST, copy_back_vaults=(vault,))
    )
    expected = f"drconsole copy --recovery-point {good_restore().recovery_point.arn} --to {vault}"
    assert expected in result.remediation


@pytest.mark.parametrize(
    ("verdict", "facts"),
    [
        (checks.check_restore_role, good_restore(role=DENIED)),
        (checks.check_restore_metadata, good_restore(metadata=DENIED)),
        (
            checks.check_target_names,
            good_restore(target_names=(TargetName("DynamoDB table", "x", DENIED),)),
        ),
        (checks.check_restore_key, good_restore(restore_key=DENIED)),
    ],
)
def test_restore_unreadable_is_unknown(verdict, facts) -> None:  # type: ignore[no-untyped-def]
    assert verdict(facts).status is CheckStatus.UNKNOWN


# --- ARNs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arn", "kind", "account", "hint"),
    [
        (f"arn:aws:backup:eu-central-1:{SRC}:recovery-point:1EB3B5E7-9EB0", "backup", SRC, None),
        ("arn:aws:ec2:eu-central-1::snapshot/snap-0123456789abcdef0", "ebs-snapshot", None, None),
        ("arn:aws:ec2:eu-north-1::image/ami-0123456789abcdef0", "ec2-image", None, "EC2"),
        (f"arn:aws:rds:eu-central-1:{SRC}:snapshot:awsbackup:job-1a2b", "rds-snapshot", SRC, "RDS"),
        (
            f"arn:aws:rds:eu-north-1:{SRC}:cluster-snapshot:awsbackup:job-1a2b",
            "rds-cluster-snapshot",
            SRC,
            None,
        ),
        (
            f"arn:aws:dynamodb:eu-central-1:{SRC}:table/orders/backup/01700000000000-abcdef12",
            "dynamodb-backup",
            SRC,
            "DynamoDB",
        ),
    ],
)
def test_recovery_point_arns(arn: str, kind: str, account: str | None, hint: str | None) -> None:
    parsed = parse_recovery_point_arn(arn)
    assert (parsed.kind, parsed.account_id, parsed.resource_type_hint) == (kind, account, hint)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("", "empty"),
        ("not-an-arn", "is not an ARN"),
        (f"arn:aws:backup:eu-central-1:{SRC}:backup-vault:x", "not a recovery point ARN"),
        ("arn:aws:backup:moon-1:123:recovery-point:x", "invalid Region"),
        ("arn:aws:backup:eu-central-1:12345:recovery-point:x", "invalid account id"),
    ],
)
def test_bad_recovery_point_arns_name_the_argument(value: str, words: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_recovery_point_arn(value)
    assert str(raised.value).startswith("--recovery-point: ")
    assert words in str(raised.value)
    assert "\n" not in str(raised.value)


def test_vault_arns() -> None:
    parsed = parse_vault_arn(f"arn:aws:backup:eu-north-1:{DEST}:backup-vault:dr-eu-north-1")
    assert (parsed.account_id, parsed.region, parsed.name) == (DEST, "eu-north-1", "dr-eu-north-1")
    for bad, words in [
        (f"arn:aws:backup:eu-north-1:{DEST}:recovery-point:x", "not a backup vault ARN"),
        ("arn:aws:backup:eu-north-1:12:backup-vault:x1", "invalid account id"),
        (f"arn:aws:backup:eu-north-1:{DEST}:backup-vault:a b", "invalid vault name"),
    ]:
        with pytest.raises(UsageError, match=f"^--to: .*{words}"):
            parse_vault_arn(bad)


# --- Fix plans and the audit log ----------------------------------------------------------


def test_vault_policy_fix_keeps_existing_statements_and_adds_the_source() -> None:
    facts = good_facts()
    assert isinstance(facts.dest_vault, VaultFacts)
    plan = fixes.plan_fix(remedies.FIX_VAULT_POLICY, facts)
    after = json.loads(plan.after)
    assert len(after["Statement"]) == 2
    assert after["Statement"][-1] == remedies.vault_policy_statement(SRC, "aws")
    assert plan.account_id == DEST and plan.operation == "PutBackupVaultAccessPolicy"
    assert plan.diff.startswith("--- access policy of")
    added = [line for line in plan.diff.splitlines() if line.startswith("+ ")]
    assert any(f'"AWS": "arn:aws:iam::{SRC}:root"' in line for line in added)


def test_key_policy_fix_is_idempotent_by_sid() -> None:
    plan = fixes.plan_fix(remedies.FIX_KEY_POLICY, good_facts())
    assert plan.account_id == SRC and plan.service == "kms"
    # The good key policy already holds the statements: the fix changes nothing.
    assert plan.before == plan.after and plan.diff == ""


def test_fix_needs_readable_facts() -> None:
    with pytest.raises(fixes.FixNotPossible):
        fixes.plan_fix(remedies.FIX_KEY_POLICY, good_facts(source_key=DENIED))
    with pytest.raises(UsageError, match="unknown fix"):
        fixes.plan_fix("rm-rf", good_facts())


# Not hexadecimal: the log's random ids and times cannot contain it by chance.
SECRET_VALUE = "wJalrXUtnFEMI-K7MDENG"


def test_audit_log_writes_intents_then_outcomes_without_secrets(tmp_path) -> None:  # type: ignore[no-untyped-def]
    log = AuditLog(tmp_path / "state")
    first = log.intent(
        caller_arn=f"arn:aws:sts::{SRC}:assumed-role/Admin/me",
        account_id=DEST,
        region="eu-north-1",
        operation="backup:PutBackupVaultAccessPolicy",
        parameters={
            "BackupVaultName": "v",
            "SecretAccessKey": SECRET_VALUE,
            "nested": {"Password": "p"},
        },
    )
    second = log.intent(
        caller_arn="x",
        account_id=DEST,
        region="r",
        operation="iam:CreateServiceLinkedRole",
        parameters={},
    )
    # The second call's process died in flight: its intent stays, pending.
    log.outcome(first, caller_arn="x", operation="backup:PutBackupVaultAccessPolicy", outcome="ok")
    text = log.path.read_text()
    assert SECRET_VALUE not in text and '"p"' not in text and REDACTED in text
    calls = log.calls()
    assert [(c["operation"], c["outcome"]) for c in calls] == [
        ("backup:PutBackupVaultAccessPolicy", "ok"),
        ("iam:CreateServiceLinkedRole", "pending"),
    ]
    assert calls[0]["caller"].endswith("assumed-role/Admin/me") and calls[1]["id"] == second
    assert [e["entry"] for e in log.entries()] == ["intent", "intent", "outcome"]
    assert oct(os.stat(log.path).st_mode & 0o777) == "0o600"


def test_restore_role_with_its_own_policies_is_a_warning_not_a_failure() -> None:
    """AWS judges what the role may do, not which policies it has: a customer managed policy
    (or an inline one) may grant what AWSBackupServiceRolePolicyForRestores grants, so the
    check cannot say FAIL for it; a role with no permission policy at all fails."""
    own = f"arn:aws:iam::{SRC}:policy/backup-restores"
    result = checks.check_restore_role(good_restore(role=RoleFacts(ROLE, TRUST, (own,))))
    assert (result.status, result.cause) == (CheckStatus.WARN, CauseCode.ROLE_PERMISSIONS)
    assert own in result.evidence
    inline = RoleFacts(ROLE, TRUST, (), ("restores",))
    assert checks.check_restore_role(good_restore(role=inline)).status is CheckStatus.WARN
    managed_only = RoleFacts(ROLE, TRUST, ("arn:aws:iam::aws:policy/AWSBackupFullAccess",))
    assert checks.check_restore_role(good_restore(role=managed_only)).status is CheckStatus.FAIL
    assert checks.check_restore_role(good_restore(role=RoleFacts(ROLE, TRUST))).status is (
        CheckStatus.FAIL
    )


def test_a_trust_policy_allowing_with_not_principal_is_unknown() -> None:
    """IAM: NotPrincipal "must be used with "Effect":"Deny"" and is not for trust policies."""
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "NotPrincipal": {"AWS": f"arn:aws:iam::{DEST}:root"},
                "Action": "sts:AssumeRole",
            },
        }
    )
    facts = good_restore(role=RoleFacts(ROLE, trust, (RESTORE_POLICY_ARN, S3_RESTORE_POLICY_ARN)))
    result = checks.check_restore_role(facts)
    assert result.status is CheckStatus.UNKNOWN, result
    assert "NotPrincipal" in result.evidence


@pytest.mark.parametrize("key", ["aws:SourceAccount", "aws:SourceArn"])
def test_a_trust_policy_hinging_on_a_confused_deputy_condition_is_unknown(key: str) -> None:
    """Whether AWS Backup sends aws:SourceAccount/aws:SourceArn when it assumes a role is not
    documented: a trust policy allowing it only under such a condition earns no PASS and no
    FAIL, in restore.role and source.copy-role alike."""
    value = SRC if key == "aws:SourceAccount" else f"arn:aws:backup:*:{SRC}:*"
    operator = "StringEquals" if key == "aws:SourceAccount" else "ArnLike"
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": {"Service": "backup.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {operator: {key: value}},
            },
        }
    )
    role = RoleFacts(ROLE, trust, (RESTORE_POLICY_ARN, S3_RESTORE_POLICY_ARN))
    restore_role = checks.check_restore_role(good_restore(role=role))
    copy_role = {c.id: c for c in copy_verdicts(good_facts(copy_role=role))}["source.copy-role"]
    for result in (restore_role, copy_role):
        assert result.status is CheckStatus.UNKNOWN, result
        assert result.cause is CauseCode.UNKNOWN
        assert f"statement #0, which tests {key}" in result.evidence
        assert "AWS does not document whether AWS Backup sends that key" in result.evidence


ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}


def _with_policies(*policies: IdentityPolicy, attached: tuple[str, ...] = ()) -> RestoreFacts:
    role = RoleFacts(ROLE, TRUST, attached, identity_policies=policies)
    return good_restore(role=role)


def test_a_deny_hinging_on_an_organization_not_read_is_unknown() -> None:
    # restoring_org None: the organization was not read, so aws:PrincipalOrgID is not known.
    deny = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "OutsideOrg", "Effect": "Deny", "Action": "dynamodb:*",
                       "Resource": "*", "Condition": {"StringNotEquals":
                                                      {"aws:PrincipalOrgID": "o-abc"}}}],
    }  # fmt: skip
    facts = _with_policies(
        IdentityPolicy(RESTORE_POLICY_ARN, False, json.dumps({"Statement": [ALLOW_ALL]})),
        IdentityPolicy("fence", True, json.dumps(deny)),
        attached=(RESTORE_POLICY_ARN,),
    )
    verdict = checks.check_restore_role(facts)
    assert verdict.status is CheckStatus.UNKNOWN, verdict
    assert "inline policy fence" in verdict.evidence and "aws:PrincipalOrgID" in verdict.evidence


def test_a_malformed_identity_policy_is_unknown_and_a_refused_list_too() -> None:
    broken = _with_policies(IdentityPolicy("odd", True, '{"Statement": "nope"'))
    verdict = checks.check_restore_role(broken)
    assert verdict.status is CheckStatus.UNKNOWN, verdict
    assert "inline policy odd" in verdict.evidence and "could not be judged" in verdict.evidence
    refused = Unreadable("iam:ListRolePolicies", "AccessDenied", "not authorized")
    role = RoleFacts(ROLE, TRUST, (RESTORE_POLICY_ARN,), identity_policies=refused)
    listed = checks.check_restore_role(good_restore(role=role))
    assert (listed.status, listed.cause) == (CheckStatus.UNKNOWN, CauseCode.ROLE_PERMISSIONS)
    assert "iam:ListRolePolicies" in listed.evidence, listed
