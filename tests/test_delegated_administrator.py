"""Run from a delegated administrator whose config names the management account (as `init`
wrote it): the organization is read from the caller's own account, never through a member
role in the management account, which normally has none. And `init` from a delegated
administrator writes no management account.

The sandbox answers Organizations' reads from a member as AWS does: a registered delegated
administrator's from its organization, any other member's with AccessDeniedException."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests import forked_cli
from tests.demo_cli import demo_cli_env

ROLE = "OrganizationAccountAccessRole"


@pytest.fixture(scope="module")
def delegated() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    """The demo organization with the backup account a delegated administrator (AWS Backup's),
    reaching the members through a role that trusts it; the management account has no member
    role (Organizations makes one only in the accounts it creates)."""
    sb, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    try:
        _make_delegated(sb, info)
        yield sb, info
    finally:
        sb.stop()
        sb.reset()


def _make_delegated(sb: Sandbox, info: ScenarioInfo) -> None:
    management, backup = info.accounts["management"], info.accounts["backup"]
    orgs = sb.client("organizations", management, info.region)
    orgs.register_delegated_administrator(AccountId=backup, ServicePrincipal="backup.amazonaws.com")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": [f"arn:aws:iam::{a}:root" for a in (management, backup)]},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    for account in info.accounts.values():
        iam = sb.client("iam", account, info.region)
        if account == management:
            for attached in iam.list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"]:
                iam.detach_role_policy(RoleName=ROLE, PolicyArn=attached["PolicyArn"])
            iam.delete_role(RoleName=ROLE)
        else:
            iam.update_assume_role_policy(RoleName=ROLE, PolicyDocument=json.dumps(trust))


def _env(sb: Sandbox, info: ScenarioInfo, home: Path, config: str | None) -> dict[str, str]:
    """The backup account's keys; `config` as the config file when given."""
    env = demo_cli_env(sb, info, home)
    keys = sb.credentials_for(info.accounts["backup"])
    env.update(
        AWS_ACCESS_KEY_ID=keys["aws_access_key_id"],
        AWS_SECRET_ACCESS_KEY=keys["aws_secret_access_key"],
    )
    if config is not None:
        (home / "config" / "drconsole").mkdir(parents=True, exist_ok=True)
        (home / "config" / "drconsole" / "config.toml").write_text(config)
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", *args],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def _into(sb: Sandbox, mark: int, account: str) -> list[str]:
    """The roles asked for in `account` since `mark`."""
    return [
        str(seen.role_arn)
        for seen in sb.request_log.since(mark)
        if seen.operation == "AssumeRole" and f":{account}:" in str(seen.role_arn)
    ]


def test_the_sandbox_answers_a_member_as_aws_does(
    delegated: tuple[Sandbox, ScenarioInfo],
) -> None:
    sb, info = delegated
    from_backup = sb.client("organizations", info.accounts["backup"], info.region)
    listed = {a["Id"] for a in from_backup.list_accounts()["Accounts"]}
    assert listed == set(info.accounts.values())
    from_prod = sb.client("organizations", info.accounts["prod"], info.region)
    with pytest.raises(ClientError) as refused:
        from_prod.list_accounts()
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert from_prod.describe_organization()["Organization"]["Id"]  # every member may


def test_ls_accounts_and_check_copy_read_the_organization_from_the_delegated_administrator(
    delegated: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = delegated
    management = info.accounts["management"]
    config = (
        f'role_name = "{ROLE}"\nmanagement_account_id = "{management}"\n'
        f'regions = ["{info.region}"]\n'
    )
    env = _env(sb, info, tmp_path, config)
    mark = sb.request_log.mark()
    listed = _run(env, "ls", "accounts", "--json")
    assert listed.returncode == 0, listed.stderr[-2000:]
    items = json.loads(listed.stdout)["items"]
    assert {a["id"] for a in items} == set(info.accounts.values()), items
    roles = {a["name"]: a["role"] for a in items}
    assert roles["management"] == "management" and roles["backup"] == "backup", roles

    points = sb.client("backup", info.accounts["prod"], info.region)
    point = next(
        p["RecoveryPointArn"]
        for p in points.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")[
            "RecoveryPoints"
        ]
        if p["ResourceType"] == "EBS" and p.get("ResourceName") == "prod-web-data"
    )
    to = (
        f"arn:aws:backup:{info.region}:{info.accounts['backup']}:backup-vault:central-{info.region}"
    )
    # An EBS point's ARN names no account: --source-account spares the search for its owner
    # (which may look in the management account's vaults, as in any member's).
    checked = _run(
        env, "check", "copy", "--recovery-point", point, "--to", to, "--json",
        "--source-account", info.accounts["prod"],
    )  # fmt: skip
    document: dict[str, Any] = json.loads(checked.stdout)
    statuses = {c["id"]: (c["status"], c["evidence"]) for c in document["checks"]}
    org_checks = {k: v for k, v in statuses.items() if k.startswith("org.") or k == "source.scps"}
    assert org_checks and all(s == "PASS" for s, _ in org_checks.values()), org_checks
    assert checked.returncode == 0, (checked.stderr[-1500:], statuses)
    assert _into(sb, mark, management) == [], "no role is asked for in the management account"


def test_init_from_a_delegated_administrator_writes_no_management_account(
    delegated: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = delegated
    env = _env(sb, info, tmp_path, None)
    done = _run(env, "init", "--yes", "--role-name", ROLE)
    assert done.returncode == 0, done.stderr[-2000:] + done.stdout[-2000:]
    written = tomllib.loads((tmp_path / "config" / "drconsole" / "config.toml").read_text())
    assert "management_account_id" not in written, written
    assert written.get("backup_account_id") == info.accounts["backup"], written
