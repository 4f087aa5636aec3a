"""Copy failures explained as AWS documents their causes: the route refusal by resource type,
the Access Denied of a copy, RDS's manual-snapshot quota, and the per-Region cross-account
setting (the classifier on real messages, and `drconsole explain` as a user runs it)."""

from __future__ import annotations

import json

import pytest

from drconsole.checks import copy as checks
from drconsole.diagnose import diagnose
from drconsole.models import CauseCode, CheckStatus
from tests.test_checks_copy import REGION, good_facts
from tests.test_cli_explain import explain

REFUSAL = (
    "Copy job from {src} to {dst} cannot be initiated for {kind} resources. Feature is not"
    " supported for provided resource type."
)


@pytest.mark.parametrize("kind", ["FSx", "EFS", "EBS", "EC2", "S3"])
def test_route_refusal_of_a_type_that_is_not_a_database_is_final(kind: str) -> None:
    """Two hops split a database copy across account and Region ("For Amazon RDS and Aurora
    snapshots, AWS Backup only supports automating either cross-account or cross-Region
    copies"); for another type "copy operations for that resource type are not supported in any
    scenario" (AWS Backup, recov-point-create-a-copy): a second hop meets the same refusal."""
    d = diagnose(REFUSAL.format(src="us-east-1", dst="us-west-2", kind=kind))
    assert d.cause is CauseCode.UNSUPPORTED_COPY_ROUTE
    assert d.remediation.startswith("Do not retry in two hops"), d.remediation
    assert "drconsole copy" not in d.remediation
    # drconsole restores EFS, EBS, EC2 and S3; FSx it does not: AWS Backup's own restore then.
    restore = "aws backup start-restore-job" if kind == "FSx" else "drconsole restore"
    assert f"  {restore} --recovery-point" in d.remediation, d.remediation
    assert kind in d.remediation


@pytest.mark.parametrize("kind", ["EKS", "Redshift", "Quantum Ledger"])
def test_route_refusal_of_a_type_drconsole_does_not_restore_offers_aws_backups_restore(
    kind: str,
) -> None:
    # `drconsole restore` refuses a type it has no restore form for: explain must not offer it.
    result = explain("--json", REFUSAL.format(src="us-east-1", dst="us-west-2", kind=kind))
    assert result.returncode == 0, result.stderr
    remediation = json.loads(result.stdout)["remediation"]
    assert "drconsole restore" not in remediation
    assert "aws backup start-restore-job --recovery-point-arn" in remediation
    assert "get-recovery-point-restore-metadata" in remediation


def test_route_refusal_names_the_service_copy_of_its_type() -> None:
    fsx = diagnose(REFUSAL.format(src="us-east-1", dst="us-west-2", kind="FSx")).remediation
    assert "aws fsx copy-backup" in fsx and "--source-region us-east-1 --region us-west-2" in fsx
    efs = diagnose(REFUSAL.format(src="eu-north-1", dst="eu-central-1", kind="EFS")).remediation
    assert "--destinations Region=eu-central-1" in efs


@pytest.mark.parametrize("kind", ["RDS", "Aurora", "DocumentDB", "Neptune"])
def test_route_refusal_of_a_database_still_offers_two_hops(kind: str) -> None:
    d = diagnose(REFUSAL.format(src="eu-north-1", dst="eu-central-1", kind=kind))
    assert "two hops" in d.remediation and "drconsole copy" in d.remediation
    assert "from eu-north-1 to eu-central-1" in d.remediation


def test_explain_cli_answers_by_the_type_named() -> None:
    message = REFUSAL.format(src="us-east-1", dst="us-west-2", kind="FSx")
    result = explain("--json", message)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["cause"] == "UNSUPPORTED_COPY_ROUTE"
    assert "copy in two hops" not in payload["remediation"].lower()


def test_access_denied_copy_names_the_vault_policy_and_the_copy_role_policy() -> None:
    """ "add the backup:CopyIntoBackupVault action to your AWS Identity and Access Management
    (IAM) identity-based policy and destination vault access policy"
    (https://repost.aws/knowledge-center/backup-resolve-access-denied-error)."""
    d = diagnose("Access Denied trying to call AWS Backup service.")
    assert d.cause is CauseCode.VAULT_POLICY_DENIES_COPY
    assert "IAM policy of the role that runs the copy" in d.explanation
    assert '"Principal"' in d.remediation  # the vault access policy statement
    role_statement = json.dumps(
        {
            "Effect": "Allow",
            "Action": "backup:CopyIntoBackupVault",
            "Resource": "<DESTINATION_VAULT_ARN>",
        },
        indent=2,
    )
    assert role_statement in d.remediation
    assert "aws iam put-role-policy --role-name <COPY_ROLE_NAME>" in d.remediation


def test_rds_manual_snapshot_quota_in_the_destination_is_classified() -> None:
    """A copy of an RDS or Aurora recovery point is a manual snapshot in the destination account
    and Region; RDS refuses the 101st (pbudzon/aws-maintenance#12)."""
    message = (
        "botocore.errorfactory.SnapshotQuotaExceededFault: An error occurred"
        " (SnapshotQuotaExceeded) when calling the CopyDBClusterSnapshot operation: Cannot"
        " create more than 100 manual snapshots"
    )
    d = diagnose(message)
    assert d.cause is CauseCode.TOO_MANY_JOBS
    assert "not on jobs running" in d.explanation
    assert "aws rds describe-db-cluster-snapshots --snapshot-type manual" in d.remediation
    assert "Manual DB cluster snapshots" in d.remediation
    assert "request-service-quota-increase --service-code rds" in d.remediation


def test_cross_account_setting_is_enabled_in_its_region() -> None:
    """ "A value for isCrossAccountBackupEnabled and a Region. Example: update-global-settings
    --global-settings isCrossAccountBackupEnabled=false --region us-west-2."
    (AWS Backup API, UpdateGlobalSettings)."""
    check = checks.check_cross_account_setting(good_facts(cross_account_enabled=False))
    assert check.status is CheckStatus.FAIL
    enable = f"isCrossAccountBackupEnabled=true --region {REGION}"
    trusted = "aws organizations enable-aws-service-access --service-principal backup.amazonaws.com"
    assert enable in check.remediation and f"Region {REGION}" in check.remediation
    assert trusted in check.remediation
    # explain says the same: the Region the copy job runs in, and trusted access.
    said = diagnose(
        "Copy job failed. Cross-account copy feature is not enabled for the current organization."
    )
    assert "isCrossAccountBackupEnabled=true --region <SOURCE_REGION>" in said.remediation
    assert trusted in said.remediation
