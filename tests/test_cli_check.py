"""`drconsole check copy|restore` in a subprocess against the sandbox: JSON, exit codes, fixes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from drconsole.sandbox.store import seed_recovery_point
from tests import forked_cli
from tests.demo_cli import demo_cli_env

ROOT = Path(__file__).resolve().parent.parent
RESTORE_POLICY = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"


@dataclass
class Env:
    sandbox: Sandbox
    info: ScenarioInfo
    env: dict[str, str]
    state: Path

    def vault(self, role: str, name: str) -> str:
        return f"arn:aws:backup:{self.info.region}:{self.info.accounts[role]}:backup-vault:{name}"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    home = tmp_path_factory.mktemp("home")
    env = demo_cli_env(sandbox, info, home)
    try:
        yield Env(sandbox, info, env, home / "state")
    finally:
        sandbox.stop()
        sandbox.reset()


def drconsole(demo: Env, *args: str) -> subprocess.CompletedProcess[str]:
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", *args],
        capture_output=True,
        text=True,
        env=demo.env,
        cwd=ROOT,
        timeout=120,
    )


def as_json(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_copy_json_reports_the_fault_and_exits_1(demo: Env) -> None:
    rp = demo.info.fault_recovery_points["source_key_not_shared"]
    dest = demo.vault("backup", "central-eu-central-1")
    result = drconsole(demo, "check", "copy", "--recovery-point", rp, "--to", dest, "--json")
    assert result.returncode == 1, result.stderr
    document = as_json(result)
    assert set(document) == {"kind", "recovery_point", "destination", "route", "checks", "ok"}
    assert (document["recovery_point"], document["destination"], document["ok"]) == (
        rp,
        dest,
        False,
    )
    assert document["route"]["cross_account"] is True
    assert document["route"]["source_account"] == demo.info.accounts["qa"]
    for item in document["checks"]:
        assert set(item) == {"id", "title", "status", "cause", "evidence", "remediation", "fix"}
    bad = [c for c in document["checks"] if c["status"] != "PASS"]
    assert [(c["id"], c["cause"], c["fix"]) for c in bad] == [
        ("source.key", "SOURCE_KEY_NOT_SHARED", "key-policy-share-with-destination")
    ]
    assert demo.info.faults["source_key_not_shared"] in bad[0]["remediation"]


def test_healthy_copy_exits_0_and_people_get_a_table(demo: Env) -> None:
    backup = demo.sandbox.client("backup", demo.info.accounts["prod"], demo.info.region)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    rp = next(
        p["RecoveryPointArn"]
        for p in points["RecoveryPoints"]
        if p["ResourceType"] == "EBS" and p.get("ResourceName") == "prod-web-data"
    )
    dest = demo.vault("backup", "central-eu-central-1")
    result = drconsole(demo, "check", "copy", "--recovery-point", rp, "--to", dest)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("│ PASS ") == 17
    assert "copy ready" in result.stdout
    assert "FAIL" not in result.stdout


def test_people_see_the_remediation(demo: Env) -> None:
    rp = demo.info.fault_recovery_points["vault_aws_managed_key"]
    dest = demo.info.faults["vault_aws_managed_key"]
    result = drconsole(demo, "check", "copy", "--recovery-point", rp, "--to", dest)
    assert result.returncode == 1
    assert "DEST_VAULT_AWS_MANAGED_KEY" in result.stdout
    assert "create-backup-vault" in result.stdout
    assert "copy not ready" in result.stdout


def test_a_vault_policy_allowing_with_not_principal_is_not_a_pass(demo: Env) -> None:
    """AWS does not support NotPrincipal in an Allow: a destination vault whose access policy
    admits "everyone but account X" that way is UNKNOWN, not a PASS for every other source."""
    backup = demo.sandbox.client("backup", demo.info.accounts["backup"], demo.info.region)
    vault = "central-eu-central-1"
    before = backup.get_backup_vault_access_policy(BackupVaultName=vault)["Policy"]
    statement = {
        "Effect": "Allow",
        "NotPrincipal": {"AWS": f"arn:aws:iam::{demo.info.accounts['dev']}:root"},
        "Action": "backup:CopyIntoBackupVault",
        "Resource": "*",
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    backup.put_backup_vault_access_policy(BackupVaultName=vault, Policy=policy)
    prod = demo.sandbox.client("backup", demo.info.accounts["prod"], demo.info.region)
    points = prod.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    rp = next(
        p["RecoveryPointArn"]
        for p in points["RecoveryPoints"]
        if p["ResourceType"] == "EBS" and p.get("ResourceName") == "prod-web-data"
    )
    try:
        result = drconsole(
            demo, "check", "copy", "--recovery-point", rp, "--to", demo.vault("backup", vault),
            "--json",
        )  # fmt: skip
    finally:
        backup.put_backup_vault_access_policy(BackupVaultName=vault, Policy=before)
    assert result.returncode == 1, result.stdout + result.stderr
    access = next(c for c in as_json(result)["checks"] if c["id"] == "dest.access-policy")
    assert access["status"] == "UNKNOWN", access
    assert 'NotPrincipal with "Effect": "Allow" is not supported by AWS' in access["evidence"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["--recovery-point", "arn:aws:backup:eu-central-1:12:recovery-point:x"],
            "--recovery-point",
        ),
        (["--to", "arn:aws:backup:eu-central-1:123456789012:backup-vault"], "--to"),
        (["--to", "vault-name"], "--to"),
    ],
)
def test_malformed_arns_exit_2_with_one_line(demo: Env, args: list[str], words: str) -> None:
    values = {
        "--recovery-point": demo.info.fault_recovery_points["source_key_not_shared"],
        "--to": demo.vault("backup", "central-eu-central-1"),
    }
    values.update(dict(zip(args[::2], args[1::2], strict=True)))
    flat = [item for pair in values.items() for item in pair]
    result = drconsole(demo, "check", "copy", *flat, "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_recovery_point_is_an_aws_error_exit_3(demo: Env) -> None:
    missing = f"arn:aws:backup:eu-central-1:{demo.info.accounts['prod']}:recovery-point:nope"
    dest = demo.vault("backup", "central-eu-central-1")
    result = drconsole(demo, "check", "copy", "--recovery-point", missing, "--to", dest)
    assert result.returncode == 3
    assert "not found" in result.stderr and "Traceback" not in result.stderr


def test_fix_applies_diffs_audits_and_rechecks(demo: Env) -> None:
    rp = demo.info.fault_recovery_points["vault_without_access_policy"]
    dest = demo.info.faults["vault_without_access_policy"]
    result = drconsole(
        demo, "check", "copy", "--recovery-point", rp, "--to", dest, "--fix", "--yes", "--json"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    document = as_json(result)
    assert document["ok"] is True
    (applied,) = document["fixes"]
    assert applied["applied"] is True and applied["fix"] == "vault-policy-allow-source"
    assert "+++ access policy of" in applied["diff"]
    assert f'"AWS": "arn:aws:iam::{demo.info.accounts["backup"]}:root"' in applied["diff"]
    (log,) = list(demo.state.rglob("audit.log"))
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    intent, outcome = entries[-2:]
    assert intent["entry"] == "intent" and outcome["intent"] == intent["id"]
    assert intent["operation"] == "backup:PutBackupVaultAccessPolicy"
    assert intent["account"] == demo.info.accounts["qa"] and outcome["outcome"] == "ok"
    assert intent["caller"].startswith("arn:aws:") and outcome["caller"] == intent["caller"]
    assert demo.env["AWS_SECRET_ACCESS_KEY"] not in log.read_text()


def test_fix_is_refused_in_read_only_mode(demo: Env) -> None:
    rp = demo.info.fault_recovery_points["service_linked_role_missing"]
    dest = demo.vault("dev", "dev-vault")
    result = drconsole(
        demo, "--read-only", "check", "copy", "--recovery-point", rp, "--to", dest, "--fix", "--yes"
    )
    assert result.returncode == 2
    assert "read-only" in result.stderr
    # The check itself still runs in read-only mode, and still fails.
    result = drconsole(
        demo, "--read-only", "check", "copy", "--recovery-point", rp, "--to", dest, "--json"
    )
    assert result.returncode == 1
    assert any(c["cause"] == "SERVICE_LINKED_ROLE_MISSING" for c in as_json(result)["checks"])


def test_fix_with_json_needs_yes(demo: Env) -> None:
    rp = demo.info.fault_recovery_points["source_key_not_shared"]
    dest = demo.vault("backup", "central-eu-central-1")
    result = drconsole(
        demo, "check", "copy", "--recovery-point", rp, "--to", dest, "--fix", "--json"
    )
    assert result.returncode == 2 and "--yes" in result.stderr


DEFAULT_GROUP = ("--metadata", "VpcSecurityGroupIds=[]")


def test_restore_checks(demo: Env) -> None:
    rp = demo.info.fault_recovery_points["vault_without_access_policy"]  # an RDS copy in backup
    # The copy's metadata names qa's security group, which the backup account lacks.
    foreign = as_json(drconsole(demo, "check", "restore", "--recovery-point", rp, "--json"))
    network = next(c for c in foreign["checks"] if c["id"] == "restore.network")
    assert (network["status"], network["cause"]) == ("FAIL", "RESTORE_NETWORK")
    assert "VpcSecurityGroupIds=[]" in network["remediation"]
    # With the VPC's default security group instead, every check passes.
    result = drconsole(demo, "check", "restore", "--recovery-point", rp, "--json", *DEFAULT_GROUP)
    assert result.returncode == 0, result.stdout + result.stderr
    document = as_json(result)
    assert document["kind"] == "restore" and document["ok"] is True
    assert {c["status"] for c in document["checks"]} == {"PASS"}

    prod = demo.info.accounts["prod"]
    result = drconsole(
        demo, "check", "restore", "--recovery-point", rp, "--account", prod, "--json"
    )
    assert result.returncode == 1
    first = as_json(result)["checks"][0]
    assert first["cause"] == "CROSS_ACCOUNT_RESTORE"
    assert f"drconsole copy --recovery-point {rp} --to arn:aws:backup:" in first["remediation"]


def test_restore_after_a_copy_is_checked_in_the_destination_account(demo: Env) -> None:
    """`check restore --to` and `check copy --restore` read the destination account's role
    and names: a restore role broken only in prod fails there, and the backup account's
    in-place restore still passes."""
    rp = demo.info.fault_recovery_points["vault_without_access_policy"]  # an RDS copy in backup
    prod, backup = demo.info.accounts["prod"], demo.info.accounts["backup"]
    prod_vault = demo.vault("prod", "prod-vault")
    rds = demo.sandbox.client("rds", prod, demo.info.region)
    rds.create_db_instance(
        DBInstanceIdentifier="taken-in-prod",
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="admin",
        MasterUserPassword="not-a-real-password",
        AllocatedStorage=20,
    )
    iam = demo.sandbox.client("iam", prod)
    iam.detach_role_policy(RoleName="AWSBackupDefaultServiceRole", PolicyArn=RESTORE_POLICY)
    try:
        restore = drconsole(
            demo,
            "check",
            "restore",
            "--recovery-point",
            rp,
            "--to",
            prod_vault,
            "--metadata",
            "DBInstanceIdentifier=taken-in-prod",
            "--json",
        )
        assert restore.returncode == 1, restore.stdout + restore.stderr
        document = as_json(restore)
        assert document["route"]["restoring_account"] == prod
        assert document["route"]["after_copy_to"] == prod_vault
        bad = {c["id"]: c for c in document["checks"] if c["status"] != "PASS"}
        assert set(bad) == {"restore.role", "restore.target-name"}
        assert f"arn:aws:iam::{prod}:role/" in bad["restore.role"]["evidence"]
        assert f"already exists in account {prod}" in bad["restore.target-name"]["evidence"]

        copy = drconsole(
            demo, "check", "copy", "--recovery-point", rp, "--to", prod_vault, "--restore", "--json"
        )
        assert copy.returncode == 1
        document = as_json(copy)
        failing = [c["id"] for c in document["restore"]["checks"] if c["status"] != "PASS"]
        assert failing == ["restore.role"]
        assert document["restore"]["route"]["restoring_account"] == prod

        in_place = drconsole(
            demo, "check", "restore", "--recovery-point", rp, "--json", *DEFAULT_GROUP
        )
        assert in_place.returncode == 0, in_place.stdout
        role = next(c for c in as_json(in_place)["checks"] if c["id"] == "restore.role")
        assert f"arn:aws:iam::{backup}:role/" in role["evidence"]
    finally:
        iam.attach_role_policy(RoleName="AWSBackupDefaultServiceRole", PolicyArn=RESTORE_POLICY)
        rds.delete_db_instance(DBInstanceIdentifier="taken-in-prod", SkipFinalSnapshot=True)


def test_restore_target_name_taken_and_bad_metadata(demo: Env) -> None:
    rp = demo.info.fault_recovery_points["vault_without_access_policy"]
    rds = demo.sandbox.client("rds", demo.info.accounts["backup"], demo.info.region)
    rds.create_db_instance(
        DBInstanceIdentifier="taken-db",
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="admin",
        MasterUserPassword="not-a-real-password",
        AllocatedStorage=20,
    )
    result = drconsole(
        demo,
        "check",
        "restore",
        "--recovery-point",
        rp,
        "--metadata",
        "DBInstanceIdentifier=taken-db",
        "--json",
        *DEFAULT_GROUP,
    )
    assert result.returncode == 1
    bad = [c for c in as_json(result)["checks"] if c["status"] != "PASS"]
    assert [c["id"] for c in bad] == ["restore.target-name"]
    result = drconsole(demo, "check", "restore", "--recovery-point", rp, "--metadata", "oops")
    assert result.returncode == 2 and "KEY=VALUE" in result.stderr


def test_database_across_account_and_region_plans_two_hops(demo: Env) -> None:
    backup = demo.sandbox.client("backup", demo.info.accounts["prod"], demo.info.region)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    rp = next(p["RecoveryPointArn"] for p in points["RecoveryPoints"] if p["ResourceType"] == "RDS")
    dr = demo.info.dr_region
    dest = f"arn:aws:backup:{dr}:{demo.info.accounts['backup']}:backup-vault:dr-eu-north-1"
    result = drconsole(demo, "check", "copy", "--recovery-point", rp, "--to", dest, "--json")
    assert result.returncode == 0, result.stdout + result.stderr  # WARN does not block
    document = as_json(result)
    route = document["route"]
    assert (route["hops"], route["single_action_may_work"]) == (2, True)
    assert route["intermediate"] == demo.vault("backup", "central-eu-central-1")
    (warned,) = [c for c in document["checks"] if c["status"] != "PASS"]
    assert (warned["id"], warned["status"], warned["cause"]) == (
        "route",
        "WARN",
        "UNSUPPORTED_COPY_ROUTE",
    )


def test_fsx_backup_is_checked_and_copied_back(demo: Env) -> None:
    # An FSx recovery point's ARN is FSx's own (arn:aws:fsx:...:backup/backup-...): it goes
    # through the checks and the copy flow like any other.
    prod, region = demo.info.accounts["prod"], demo.info.region
    key = demo.sandbox.client("kms", prod, region).describe_key(KeyId="alias/prod-data")
    rp = seed_recovery_point(
        prod,
        region,
        "prod-vault",
        resource_arn=f"arn:aws:fsx:{region}:{prod}:file-system/fs-0123456789abcdef0",
        resource_type="FSx",
        resource_name="prod-shares",
        created=datetime.now(UTC) - timedelta(hours=3),
        encryption_key_arn=key["KeyMetadata"]["Arn"],
        size_bytes=2**30,
    )
    assert rp.startswith(f"arn:aws:fsx:{region}:{prod}:backup/backup-")
    dest = demo.vault("backup", "central-eu-central-1")
    checked = drconsole(demo, "check", "copy", "--recovery-point", rp, "--to", dest, "--json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    document = as_json(checked)
    assert document["route"]["resource_type"] == "FSx"
    assert document["route"]["source_account"] == prod
    assert {c["status"] for c in document["checks"]} == {"PASS"}
    copied = drconsole(
        demo, "copy", "--recovery-point", rp, "--to", dest, "--yes", "--json",
        "--poll-interval", "0.2",
    )  # fmt: skip
    assert copied.returncode == 0, copied.stdout + copied.stderr
    result = json.loads(copied.stdout.splitlines()[-1])
    assert result["status"] == "completed", result
    backup = demo.sandbox.client("backup", demo.info.accounts["backup"], region)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="central-eu-central-1")
    copies = [p for p in points["RecoveryPoints"] if p["ResourceName"] == "prod-shares"]
    assert len(copies) == 1 and copies[0]["ResourceType"] == "FSx"
    assert copies[0]["RecoveryPointArn"].startswith(
        f"arn:aws:fsx:{region}:{demo.info.accounts['backup']}:backup/backup-"
    )


def test_remediation_commands_are_not_folded_on_a_narrow_terminal(demo: Env) -> None:
    rp = demo.info.fault_recovery_points["source_key_not_shared"]
    dest = demo.vault("backup", "central-eu-central-1")
    narrow = Env(demo.sandbox, demo.info, demo.env | {"COLUMNS": "80"}, demo.state)
    result = drconsole(narrow, "check", "copy", "--recovery-point", rp, "--to", dest)
    assert result.returncode == 1, result.stderr
    commands = [line for line in result.stdout.splitlines() if "aws kms put-key-policy" in line]
    assert len(commands) == 1, result.stdout
    # The whole command, policy included, is on the line: it pastes into a shell as it is.
    assert "--policy-name default --policy '{" in commands[0]
    assert commands[0].endswith("}]}'"), commands[0]
