"""Resource control policies that refuse AWS Backup a job's role (sts:AssumeRole by
backup.amazonaws.com), through the CLI in a subprocess against the sandbox: a data perimeter
RCP written without the `aws:PrincipalIsAWSService` exclusion FAILs `restore.role` and
`source.copy-role` (each hop's role), and the sandbox's jobs forced with boto3 fail; with the
exclusion both pass and the jobs complete; RCPs that cannot be read, or a denial hinging on
aws:SourceAccount (which AWS Backup may or may not send), are UNKNOWN; `explain` of the job's
message names the RCP; the restore flow starts nothing; readiness says NOT READY."""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any

from tests.rcp_policies import attached_rcp as rcp_attached
from tests.test_cli_restore_boundary_scps import (
    Env,
    checks_of,
    demo,
    drconsole,
    ebs_point,
    forced_restore,
    prod_ou,
)

__all__ = ["demo"]  # the module's own demo sandbox, made by the same fixture

ROLE_NOT_ASSUMED = "IAM Role {role} cannot be assumed by AWS Backup"


def attached_rcp(
    demo: Env, target: str, document: dict[str, Any]
) -> contextlib.AbstractContextManager[str]:
    """An RCP named IdentityPerimeter attached at `target` for the length of a `with`."""
    orgs = demo.client("organizations", "management")
    return rcp_attached(orgs, target, document, "IdentityPerimeter")


def perimeter(demo: Env, *, services_exempt: bool) -> dict[str, Any]:
    """The identity perimeter of a data perimeter: sts:AssumeRole only by principals of the
    organization; AWS's own example exempts AWS services, the faulty one does not."""
    condition: dict[str, Any] = {
        "StringNotEqualsIfExists": {"aws:PrincipalOrgID": demo.info.org_id}
    }
    if services_exempt:
        condition["BoolIfExists"] = {"aws:PrincipalIsAWSService": "false"}
    return deny_assume_role(condition)


def deny_assume_role(condition: dict[str, Any]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "EnforceOrgIdentities", "Effect": "Deny", "Principal": "*",
             "Action": "sts:AssumeRole", "Resource": "*", "Condition": condition},
        ],
    }  # fmt: skip


def central_vault(demo: Env) -> str:
    backup = demo.info.accounts["backup"]
    return f"arn:aws:backup:{demo.info.region}:{backup}:backup-vault:central-{demo.info.region}"


def copy_checks(demo: Env, rp: str, dest: str) -> tuple[int, dict[str, dict[str, Any]]]:
    result = drconsole(demo, "check", "copy", "--recovery-point", rp, "--to", dest, "--json")
    assert result.stdout, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, {c["id"]: c for c in json.loads(result.stdout)["checks"]}


def forced_copy(demo: Env, rp: str, dest: str) -> dict[str, Any]:
    """prod's copy job of `rp` into `dest`, started with boto3 past drconsole's checks, once it
    has ended."""
    backup = demo.client("backup", "prod")
    job_id = backup.start_copy_job(
        RecoveryPointArn=rp,
        SourceBackupVaultName="prod-vault",
        DestinationBackupVaultArn=dest,
        IamRoleArn=demo.role_arn("prod"),
    )["CopyJobId"]
    for _ in range(2400):
        job: dict[str, Any] = backup.describe_copy_job(CopyJobId=job_id)["CopyJob"]
        if job["State"] in ("COMPLETED", "FAILED", "PARTIAL"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"copy job {job_id} did not end")


def test_an_rcp_refusing_aws_backup_the_restore_role_fails_the_check_and_the_job(
    demo: Env,
) -> None:
    rp, ou, role = ebs_point(demo), prod_ou(demo), demo.role_arn("prod")
    with attached_rcp(demo, ou, perimeter(demo, services_exempt=False)):
        code, checks = checks_of(demo, rp)
        job = forced_restore(demo, rp)
    verdict = checks["restore.role"]
    assert code == 1
    assert (verdict["status"], verdict["cause"]) == ("FAIL", "ROLE_PERMISSIONS"), verdict
    assert (
        f"the resource control policy IdentityPerimeter attached to {ou} denies sts:AssumeRole "
        f'on {role} to backup.amazonaws.com (statement "EnforceOrgIdentities")'
    ) in verdict["evidence"], verdict
    assert f"--target-id {ou} --filter RESOURCE_CONTROL_POLICY" in verdict["remediation"]
    assert '"aws:PrincipalIsAWSService": "false"' in verdict["remediation"], verdict
    assert (job["Status"], job["StatusMessage"]) == ("FAILED", ROLE_NOT_ASSUMED.format(role=role))
    # `explain` of the job's message names the cause and the RCP.
    explained = drconsole(demo, "explain", job["StatusMessage"], "--json")
    document = json.loads(explained.stdout)
    assert document["cause"] == "ROLE_PERMISSIONS", document
    assert "resource control policy" in document["explanation"], document
    assert "aws:PrincipalIsAWSService" in document["remediation"], document


def aws_identity_perimeter(demo: Env) -> dict[str, Any]:
    """AWS's own identity perimeter RCP (aws-samples/data-perimeter-policy-examples,
    identity_perimeter_rcp.json) without its third-party accounts and OIDC statements: AWS
    services exempted from the organization test, and held to the organization by the
    confused-deputy keys when they send them."""
    org = demo.info.org_id
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "EnforceOrgIdentities", "Effect": "Deny", "Principal": "*",
             "Action": ["kms:*", "sts:AssumeRole", "sts:GetSessionToken"], "Resource": "*",
             "Condition": {
                 "StringNotEqualsIfExists": {
                     "aws:PrincipalOrgID": org, "aws:ResourceTag/dp:exclude:identity": "true"},
                 "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}},
            {"Sid": "EnforceConfusedDeputyProtection", "Effect": "Deny", "Principal": "*",
             "Action": ["kms:*", "sts:*"], "Resource": "*",
             "Condition": {
                 "StringNotEqualsIfExists": {
                     "aws:SourceOrgID": org, "aws:ResourceTag/dp:exclude:identity": "true"},
                 "Null": {"aws:SourceAccount": "false"},
                 "Bool": {"aws:PrincipalIsAWSService": "true"}}},
        ],
    }  # fmt: skip


def test_the_perimeter_exempting_aws_services_passes_and_the_restore_completes(
    demo: Env,
) -> None:
    """AWS's own perimeter: whether or not AWS Backup sends aws:SourceAccount, neither
    statement denies it the role (a confused-deputy key names the job's own account)."""
    rp = ebs_point(demo)
    with attached_rcp(demo, prod_ou(demo), aws_identity_perimeter(demo)):
        code, checks = checks_of(demo, rp)
        job = forced_restore(demo, rp)
    assert checks["restore.role"]["status"] == "PASS", checks["restore.role"]
    assert code == 0, checks
    assert job["Status"] == "COMPLETED", job


def test_the_copy_roles_assumption_is_judged_on_the_source_accounts_rcps(demo: Env) -> None:
    rp, dest, role = ebs_point(demo), central_vault(demo), demo.role_arn("prod")
    with attached_rcp(demo, prod_ou(demo), perimeter(demo, services_exempt=False)):
        code, checks = copy_checks(demo, rp, dest)
        job = forced_copy(demo, rp, dest)
    verdict = checks["source.copy-role"]
    assert code == 1
    assert (verdict["status"], verdict["cause"]) == ("FAIL", "ROLE_PERMISSIONS"), verdict
    assert f"denies sts:AssumeRole on {role} to backup.amazonaws.com" in verdict["evidence"]
    assert (job["State"], job["StatusMessage"]) == ("FAILED", ROLE_NOT_ASSUMED.format(role=role))
    with attached_rcp(demo, prod_ou(demo), perimeter(demo, services_exempt=True)):
        code, checks = copy_checks(demo, rp, dest)
        job = forced_copy(demo, rp, dest)
    assert checks["source.copy-role"]["status"] == "PASS", checks["source.copy-role"]
    assert job["State"] == "COMPLETED", job


def test_each_hop_of_a_two_hop_route_judges_its_own_copy_role(demo: Env) -> None:
    """An RDS copy from prod (eu-central-1) to the backup account's DR vault (eu-north-1) goes
    through the backup account's vault in eu-central-1 first: its second hop's copy role is the
    backup account's. An RCP of the backup account refusing AWS Backup that role fails that
    hop, so the route goes through prod's own vault in eu-north-1, whose hops both run as
    prod's role."""
    points = demo.client("backup", "prod").list_recovery_points_by_backup_vault(
        BackupVaultName="prod-vault"
    )["RecoveryPoints"]
    rds = max((p for p in points if p["ResourceType"] == "RDS"), key=lambda p: p["CreationDate"])
    prod, backup = demo.info.accounts["prod"], demo.info.accounts["backup"]
    dr_vault = (
        f"arn:aws:backup:{demo.info.dr_region}:{backup}:backup-vault:dr-{demo.info.dr_region}"
    )
    args = ("check", "copy", "--recovery-point", rds["RecoveryPointArn"], "--to", dr_vault)
    plain = json.loads(drconsole(demo, *args, "--json").stdout)
    with attached_rcp(demo, backup, perimeter(demo, services_exempt=False)):
        refused = json.loads(drconsole(demo, *args, "--json").stdout)
    assert plain["route"]["hops"] == refused["route"]["hops"] == 2
    assert plain["route"]["intermediate"].split(":")[3:5] == [demo.info.region, backup], plain
    assert refused["route"]["intermediate"].split(":")[3:5] == [demo.info.dr_region, prod]
    checks = {c["id"]: c for c in plain["checks"]}
    assert checks["hop2.source.copy-role"]["status"] == "PASS", checks["hop2.source.copy-role"]
    assert f"arn:aws:iam::{backup}:role/" in checks["hop2.source.copy-role"]["evidence"]


def test_unreadable_rcps_and_a_denial_hinging_on_the_source_account_are_unknown(
    demo: Env,
) -> None:
    rp, ou = ebs_point(demo), prod_ou(demo)
    prod = demo.info.accounts["prod"]
    with attached_rcp(demo, ou, perimeter(demo, services_exempt=True)):
        demo.sandbox.options.faults["organizations:ListPoliciesForTarget"] = "denied"
        try:
            _, checks = checks_of(demo, rp)
        finally:
            demo.sandbox.options.faults.pop("organizations:ListPoliciesForTarget")
    verdict = checks["restore.role"]
    assert verdict["status"] == "UNKNOWN", verdict
    assert f"the resource control policies of account {prod}" in verdict["evidence"], verdict
    # Whether AWS Backup sends aws:SourceAccount when it assumes the role is not documented.
    confused_deputy = deny_assume_role({"StringNotEquals": {"aws:SourceAccount": prod}})
    with attached_rcp(demo, ou, confused_deputy):
        _, checks = checks_of(demo, rp)
    verdict = checks["restore.role"]
    assert (verdict["status"], verdict["cause"]) == ("UNKNOWN", "UNKNOWN"), verdict
    assert "aws:SourceAccount" in verdict["evidence"] and ou in verdict["evidence"], verdict


def test_the_restore_flow_starts_no_job_when_an_rcp_refuses_the_role(demo: Env) -> None:
    rp = ebs_point(demo)
    backup = demo.client("backup", "prod")
    before = {j["RestoreJobId"] for j in backup.list_restore_jobs()["RestoreJobs"]}
    with attached_rcp(demo, prod_ou(demo), perimeter(demo, services_exempt=False)):
        result = drconsole(
            demo, "restore", "--recovery-point", rp, "--metadata", "availabilityZone=eu-central-1a",
            "--yes", "--json",
        )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "restore.role" in result.stdout, result.stdout
    after = {j["RestoreJobId"] for j in backup.list_restore_jobs()["RestoreJobs"]}
    assert after == before


def test_readiness_judges_the_restore_roles_assumption(demo: Env) -> None:
    prod, ou = demo.info.accounts["prod"], prod_ou(demo)
    with attached_rcp(demo, ou, perimeter(demo, services_exempt=False)):
        result = drconsole(demo, "readiness", "--json")
    assert "Traceback" not in result.stderr, result.stderr
    rows = json.loads(result.stdout)["rows"]
    row = next(r for r in rows if r["account_id"] == prod and r["region"] == demo.info.region)
    assert row["verdict"] == "NOT READY" and "ROLE_PERMISSIONS" in row["causes"], row
    said = [e for e in row["explanation"] if e.startswith("ROLE_PERMISSIONS")]
    assert any(f"IdentityPerimeter attached to {ou} denies sts:AssumeRole" in e for e in said), row
