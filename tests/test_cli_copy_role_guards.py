"""`drconsole copy` (a real process) against a sandbox that enforces SCPs and the copy role's
permissions boundary on copies: what changes between the checks and StartCopyJob (held by the
sandbox until the test has made the change) is refused or failed as AWS does it, and the flow's
result names the cause the checks would have given, ROLE_PERMISSIONS."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests import forked_cli
from tests.demo_cli import demo_cli_env

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ROLE = "AWSBackupDefaultServiceRole"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, ScenarioInfo, dict]]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    home = tmp_path_factory.mktemp("home")
    try:
        yield sandbox, info, demo_cli_env(sandbox, info, home)
    finally:
        sandbox.stop()
        sandbox.reset()


def ebs_point(sandbox: Sandbox, info: ScenarioInfo) -> str:
    backup = sandbox.client("backup", info.accounts["prod"], info.region)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    return str(
        max(
            (
                p
                for p in points["RecoveryPoints"]
                if p["ResourceType"] == "EBS" and p.get("ResourceName") == "prod-web-data"
            ),
            key=lambda p: p["CreationDate"],
        )["RecoveryPointArn"]
    )


def copy_changed_at_start(
    demo: tuple[Sandbox, ScenarioInfo, dict], change: Any, output: str = "--json"
) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    """`drconsole copy --yes --json` of prod's volume into the central vault, with `change()`
    made while its StartCopyJob (sent once every check passed) is held by the sandbox
    (`output` "": the text output, and no events)."""
    sandbox, info, env = demo
    rp = ebs_point(sandbox, info)
    dest = (
        f"arn:aws:backup:{info.region}:{info.accounts['backup']}:backup-vault:central-eu-central-1"
    )
    mark = sandbox.request_log.mark()
    sandbox.fail_operation("backup:StartCopyJob", "hold")
    finished: list[subprocess.CompletedProcess[str]] = []
    command = [sys.executable, "-m", "drconsole", "copy", "--recovery-point", rp, "--to", dest,
               "--yes", "--allow-duplicate-copy", "--poll-interval", "0.05"]  # fmt: skip
    command += [output] if output else []
    runner = threading.Thread(
        target=lambda: finished.append(
            forked_cli.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
        )
    )
    runner.start()
    try:
        deadline = time.monotonic() + 90
        while not any(r.name == "backup:StartCopyJob" for r in sandbox.request_log.since(mark)):
            assert runner.is_alive() and time.monotonic() < deadline, finished
            time.sleep(0.05)
        change()
    finally:
        sandbox.clear_faults()
        runner.join(150)
    result = finished[0]
    assert "Traceback" not in result.stderr, result.stderr
    if not output:
        return result, []
    return result, [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


@contextlib.contextmanager
def scp_on_prods_ou(
    sandbox: Sandbox, info: ScenarioInfo, statement: dict[str, Any]
) -> Iterator[Any]:
    """An SCP holding `statement` (SCPs enabled at the root); yields the function attaching it
    to prod's OU, and detaches and deletes it after."""
    orgs = sandbox.client("organizations", info.accounts["management"], info.region)
    root = orgs.list_roots()["Roots"][0]["Id"]
    with contextlib.suppress(orgs.exceptions.PolicyTypeAlreadyEnabledException):
        orgs.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    ou = orgs.list_parents(ChildId=info.accounts["prod"])["Parents"][0]["Id"]
    policy = orgs.create_policy(
        Name="NoCopiesFromProd",
        Description="no copies",
        Type="SERVICE_CONTROL_POLICY",
        Content=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )["Policy"]["PolicySummary"]["Id"]
    try:
        yield lambda: orgs.attach_policy(PolicyId=policy, TargetId=ou)
    finally:
        with contextlib.suppress(orgs.exceptions.PolicyNotAttachedException):
            orgs.detach_policy(PolicyId=policy, TargetId=ou)
        orgs.delete_policy(PolicyId=policy)


def test_an_scp_denying_start_copy_job_refuses_the_copy_with_role_permissions(demo) -> None:
    sandbox, info, _ = demo
    prod = sandbox.client("backup", info.accounts["prod"], info.region)
    before = len(prod.list_copy_jobs()["CopyJobs"])
    deny = {"Effect": "Deny", "Action": "backup:StartCopyJob", "Resource": "*"}
    with scp_on_prods_ou(sandbox, info, deny) as attach:
        result, events = copy_changed_at_start(demo, attach)
    assert result.returncode == 3, result.stdout + result.stderr
    final = events[-1]
    assert (final["event"], final["status"], final["cause"]) == (
        "result",
        "interrupted",
        "ROLE_PERMISSIONS",
    ), final
    assert "backup:StartCopyJob" in final["message"]
    assert "with an explicit deny in a service control policy" in final["message"]
    assert len(prod.list_copy_jobs()["CopyJobs"]) == before  # nothing was started


def test_a_boundary_barring_copy_into_fails_the_job_and_names_the_copy_role(demo) -> None:
    sandbox, info, _ = demo
    iam = sandbox.client("iam", info.accounts["prod"], info.region)
    bound = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["backup:CopyFromBackupVault", "ec2:*", "kms:*"],
             "Resource": "*"},
        ],
    }  # fmt: skip
    arn = iam.create_policy(PolicyName="NoCopiesInto", PolicyDocument=json.dumps(bound))
    arn = arn["Policy"]["Arn"]

    def bound_the_role() -> None:
        iam.put_role_permissions_boundary(RoleName=DEFAULT_ROLE, PermissionsBoundary=arn)

    try:
        result, events = copy_changed_at_start(demo, bound_the_role)
    finally:
        with contextlib.suppress(iam.exceptions.NoSuchEntityException):
            iam.delete_role_permissions_boundary(RoleName=DEFAULT_ROLE)
        iam.delete_policy(PolicyArn=arn)
    assert result.returncode == 1, result.stdout + result.stderr
    final = events[-1]
    assert (final["status"], final["cause"]) == ("failed", "ROLE_PERMISSIONS"), final
    assert final["message"].endswith("Access Denied trying to call AWS Backup service."), final
    finished = next(e for e in events if e.get("event") == "flow-finished")
    # dest.access-policy passed before the job: the copy role's policies are the fix.
    assert f"role/service-role/{DEFAULT_ROLE}" in finished["remediation"], finished
    assert "put-backup-vault-access-policy" not in finished["remediation"], finished


@pytest.mark.parametrize("output", ("--json", ""))
def test_a_key_disabled_as_the_copy_starts_names_what_else_aws_message_fits(
    demo, output: str
) -> None:
    # Every check passed; the source key is disabled while StartCopyJob is on its way. AWS's
    # message ("… or access to KMS key is denied") does not say whose access: the flow keeps
    # explain's cause and names the other one its text fits, as `explain` and `ls jobs` do.
    sandbox, info, _ = demo
    kms = sandbox.client("kms", info.accounts["prod"], info.region)
    key = kms.describe_key(KeyId="alias/prod-data")["KeyMetadata"]["KeyId"]
    try:
        result, events = copy_changed_at_start(demo, lambda: kms.disable_key(KeyId=key), output)
    finally:
        kms.enable_key(KeyId=key)
    assert result.returncode == 1, result.stdout + result.stderr
    if not output:
        assert "  cause: KMS_KEY_UNUSABLE\n" in result.stdout, result.stdout
        also = "  also possible: ROLE_PERMISSIONS (AWS's message is the same for it)\n"
        assert also in result.stdout, result.stdout
        return
    finished = next(e for e in events if e.get("event") == "flow-finished")
    assert finished["message"].endswith("access to KMS key is denied"), finished
    assert (finished["cause"], finished["also_possible"]) == (
        "KMS_KEY_UNUSABLE",
        ["ROLE_PERMISSIONS"],
    ), finished


COPY_POLICY = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"


def check_copy(
    demo: tuple[Sandbox, ScenarioInfo, dict], rp: str, dest: str
) -> tuple[int, dict[str, Any]]:
    """`drconsole check copy --json` (a real process): its exit code and source.copy-role."""
    _, _, env = demo
    command = [sys.executable, "-m", "drconsole", "check", "copy", "--recovery-point", rp,
               "--to", dest, "--json"]  # fmt: skip
    result = forked_cli.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert result.stderr == "", result.stderr
    report = json.loads(result.stdout)
    return result.returncode, next(c for c in report["checks"] if c["id"] == "source.copy-role")


@contextlib.contextmanager
def copy_policy_detached(sandbox: Sandbox, info: ScenarioInfo) -> Iterator[Any]:
    """prod's default service role without AWSBackupServiceRolePolicyForBackup (its only
    policy allowing the copy's two Backup actions), attached again after."""
    iam = sandbox.client("iam", info.accounts["prod"], info.region)
    iam.detach_role_policy(RoleName=DEFAULT_ROLE, PolicyArn=COPY_POLICY)
    try:
        yield iam
    finally:
        iam.attach_role_policy(RoleName=DEFAULT_ROLE, PolicyArn=COPY_POLICY)


def test_a_copy_role_allowing_no_copy_fails_the_check_and_the_job(demo) -> None:
    sandbox, info, _ = demo
    rp = ebs_point(sandbox, info)
    dest = (
        f"arn:aws:backup:{info.region}:{info.accounts['backup']}:backup-vault:central-eu-central-1"
    )
    role = f"arn:aws:iam::{info.accounts['prod']}:role/service-role/{DEFAULT_ROLE}"
    with copy_policy_detached(sandbox, info) as iam:
        code, verdict = check_copy(demo, rp, dest)
        assert code == 1, verdict
        assert (verdict["status"], verdict["cause"]) == ("FAIL", "ROLE_PERMISSIONS"), verdict
        assert "may not call backup:CopyFromBackupVault" in verdict["evidence"], verdict
        assert "backup:CopyIntoBackupVault on " + dest in verdict["evidence"], verdict
        assert (
            f"aws iam attach-role-policy --role-name {DEFAULT_ROLE} --policy-arn {COPY_POLICY}"
            in verdict["remediation"]
        ), verdict
        # The policy taken away once every check passed: AWS's job fails, and the flow, whose
        # dest.access-policy passed, names the copy role's fix.
        iam.attach_role_policy(RoleName=DEFAULT_ROLE, PolicyArn=COPY_POLICY)
        result, events = copy_changed_at_start(
            demo, lambda: iam.detach_role_policy(RoleName=DEFAULT_ROLE, PolicyArn=COPY_POLICY)
        )
    assert result.returncode == 1, result.stdout + result.stderr
    final = events[-1]
    assert (final["status"], final["cause"]) == ("failed", "ROLE_PERMISSIONS"), final
    assert final["message"].endswith("Access Denied trying to call AWS Backup service."), final
    finished = next(e for e in events if e.get("event") == "flow-finished")
    assert role.split(":role/")[1] in finished["remediation"], finished
    assert "put-backup-vault-access-policy" not in finished["remediation"], finished
    code, verdict = check_copy(demo, rp, dest)  # the policy attached again
    assert (code, verdict["status"]) == (0, "PASS"), verdict
    assert (
        "AWSBackupServiceRolePolicyForBackup allows backup:CopyIntoBackupVault"
        in (verdict["evidence"])
    ), verdict


def test_a_same_account_copy_allowed_by_vault_policies_naming_the_role_warns(demo) -> None:
    """Within one account IAM lets a resource policy naming the role allow what its identity
    policies do not: the check WARNs (AWS does not document that AWS Backup's copy relies on
    it) and the sandbox, following IAM's rule, completes the copy."""
    sandbox, info, _ = demo
    prod = info.accounts["prod"]
    rp = ebs_point(sandbox, info)
    dest = f"arn:aws:backup:{info.dr_region}:{prod}:backup-vault:prod-vault"
    role = f"arn:aws:iam::{prod}:role/service-role/{DEFAULT_ROLE}"
    naming = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": role},
         "Action": ["backup:CopyFromBackupVault", "backup:CopyIntoBackupVault"], "Resource": "*"},
    ]}  # fmt: skip
    vaults = [sandbox.client("backup", prod, region) for region in (info.region, info.dr_region)]
    # The demo's own policies (the backup account may copy back), with the role named beside.
    kept = [
        v.get_backup_vault_access_policy(BackupVaultName="prod-vault")["Policy"] for v in vaults
    ]
    with copy_policy_detached(sandbox, info):
        code, verdict = check_copy(demo, rp, dest)
        assert code == 1, verdict
        assert (verdict["status"], verdict["cause"]) == ("FAIL", "ROLE_PERMISSIONS"), verdict
        for backup, policy in zip(vaults, kept, strict=True):
            document = json.loads(policy)
            document["Statement"] = [*document["Statement"], *naming["Statement"]]
            backup.put_backup_vault_access_policy(
                BackupVaultName="prod-vault", Policy=json.dumps(document)
            )
        try:
            code, verdict = check_copy(demo, rp, dest)
            assert code == 0, verdict  # a WARN fails nothing
            assert (verdict["status"], verdict["cause"]) == ("WARN", "ROLE_PERMISSIONS"), verdict
            assert "only the access policy of vault prod-vault allows it" in verdict["evidence"]
            job = vaults[0].start_copy_job(
                RecoveryPointArn=rp,
                SourceBackupVaultName="prod-vault",
                DestinationBackupVaultArn=dest,
                IamRoleArn=role,
            )["CopyJobId"]
            deadline = time.monotonic() + 60
            while (state := vaults[0].describe_copy_job(CopyJobId=job)["CopyJob"])["State"] not in (
                "COMPLETED",
                "FAILED",
            ):
                assert time.monotonic() < deadline, state
                time.sleep(0.05)
            assert state["State"] == "COMPLETED", state
        finally:
            for backup, policy in zip(vaults, kept, strict=True):
                backup.put_backup_vault_access_policy(BackupVaultName="prod-vault", Policy=policy)
