"""drconsole's own fixes against the sandbox: applied, audited, refused when read-only or stale."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from drconsole.aws.audit import AuditLog
from drconsole.aws.fixes import FixConflict, apply_fix
from drconsole.aws.session import AwsSessions
from drconsole.checks import remedies
from drconsole.checks.fixes import plan_fix
from drconsole.checks.runner import run_copy_checks
from drconsole.config import Credentials, Settings
from drconsole.errors import ReadOnlyViolation
from drconsole.models import CheckStatus
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    try:
        yield sandbox, info
    finally:
        sandbox.stop()
        sandbox.reset()


def sessions_for(demo: tuple[Sandbox, ScenarioInfo], state: Path, **changes: object) -> AwsSessions:
    sandbox, info = demo
    settings = Settings(
        regions=(info.region,),
        endpoint_url=sandbox.endpoint_url,
        static_credentials=Credentials.from_mapping(
            sandbox.credentials_for(info.accounts["management"])
        ),
        management_account_id=info.accounts["management"],
        state_dir=state,
        retry_max_attempts=2,
    )
    return AwsSessions(replace(settings, **changes))


def central(info: ScenarioInfo) -> str:
    return (
        f"arn:aws:backup:{info.region}:{info.accounts['backup']}:backup-vault:central-eu-central-1"
    )


def test_read_only_refuses_before_any_call(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sandbox, info = demo
    rp = info.fault_recovery_points["source_key_not_shared"]
    report = run_copy_checks(sessions_for(demo, tmp_path, read_only=True), rp, central(info))
    plan = plan_fix(remedies.FIX_KEY_POLICY, report.facts)
    with pytest.raises(ReadOnlyViolation, match="read-only"):
        apply_fix(sessions_for(demo, tmp_path, read_only=True), plan)
    assert AuditLog(tmp_path).calls() == []
    kms = sandbox.client("kms", info.accounts["qa"], info.region)
    policy = kms.get_key_policy(KeyId=info.faults["source_key_not_shared"], PolicyName="default")
    assert "AllowBackupCopyGrantsBy" not in policy["Policy"]


def test_stale_plan_is_refused(demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path) -> None:
    sandbox, info = demo
    sessions = sessions_for(demo, tmp_path)
    rp = info.fault_recovery_points["source_key_not_shared"]
    report = run_copy_checks(sessions, rp, central(info))
    plan = plan_fix(remedies.FIX_KEY_POLICY, report.facts)
    kms = sandbox.client("kms", info.accounts["qa"], info.region)
    key = info.faults["source_key_not_shared"]
    document = json.loads(kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"])
    document["Statement"][0]["Sid"] = "Changed by someone else"
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=json.dumps(document))
    with pytest.raises(FixConflict, match="changed since the check"):
        apply_fix(sessions, plan)
    assert AuditLog(tmp_path).calls() == []
    # Re-checking plans against the new document; then the fix applies and the check passes.
    report = run_copy_checks(sessions, rp, central(info))
    apply_fix(sessions, plan_fix(remedies.FIX_KEY_POLICY, report.facts))
    after = run_copy_checks(sessions, rp, central(info))
    assert all(c.status is CheckStatus.PASS for c in after.checks)
    final = json.loads(kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"])
    assert final["Statement"][0]["Sid"] == "Changed by someone else"  # kept, not overwritten


def test_service_linked_role_fix_creates_the_role_aws_backup_uses(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sandbox, info = demo
    sessions = sessions_for(demo, tmp_path)
    dev = info.accounts["dev"]
    rp = info.fault_recovery_points["service_linked_role_missing"]
    dest = f"arn:aws:backup:{info.region}:{dev}:backup-vault:dev-vault"
    report = run_copy_checks(sessions, rp, dest)
    plan = plan_fix(remedies.FIX_SERVICE_LINKED_ROLE, report.facts)
    assert plan.before == "" and "AWSServiceRoleForBackup" in plan.diff
    apply_fix(sessions, plan)
    role = sandbox.client("iam", dev).get_role(RoleName="AWSServiceRoleForBackup")["Role"]
    assert role["Arn"].endswith(
        ":role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup"
    )
    (entry,) = AuditLog(tmp_path).calls()
    assert entry["operation"] == "iam:CreateServiceLinkedRole"
    assert entry["account"] == dev and entry["outcome"] == "ok"
    assert entry["caller"] == sessions.caller_identity_arn()
    assert entry["parameters"] == {
        "AWSServiceName": "backup.amazonaws.com",
        "fix": "create-service-linked-role",
    }
    again = run_copy_checks(sessions, rp, dest)
    assert all(c.status is CheckStatus.PASS for c in again.checks)


def test_cross_account_setting_fix(demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path) -> None:
    sandbox, info = demo
    sessions = sessions_for(demo, tmp_path)
    management = sandbox.client("backup", info.accounts["management"], info.region)
    management.update_global_settings(GlobalSettings={"isCrossAccountBackupEnabled": "false"})
    rp = info.fault_recovery_points["vault_aws_managed_key"]
    dest = f"arn:aws:backup:{info.region}:{info.accounts['qa']}:backup-vault:qa-vault"
    report = run_copy_checks(sessions, rp, dest)
    assert [c.fix_id for c in report.checks if c.status is CheckStatus.FAIL] == [
        remedies.FIX_CROSS_ACCOUNT
    ]
    apply_fix(sessions, plan_fix(remedies.FIX_CROSS_ACCOUNT, report.facts))
    settings = management.describe_global_settings()["GlobalSettings"]
    assert settings["isCrossAccountBackupEnabled"] == "true"
    assert AuditLog(tmp_path).calls()[-1]["account"] == info.accounts["management"]
