"""AWS's own vault, aws/efs/automatic-backup-vault (EFS automatic backups go there; AWS reserves
it "for those automatic backups only"), is data from AWS with a name no one else may use: its
ARN parses wherever drconsole meets it, readiness judges the DR copy out of it and never offers
it as a copy-back destination, and a copy into it is refused by the checks. Readiness used to
end with exit 2, blaming a `--to` flag nobody gave."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

from drconsole.sandbox import store
from drconsole.sandbox.point_records import RecoveryPoint
from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from tests import forked_cli
from tests.test_drill_run import EU, env_for, sandbox

__all__ = ["sandbox"]

EFS_VAULT = "aws/efs/automatic-backup-vault"


def efs_automatic_vault(sb: Sandbox, info: ScenarioInfo) -> tuple[str, str]:
    """EFS's automatic backup vault in prod, holding one EFS recovery point, as on AWS; (the
    vault's ARN, the recovery point's). Made in the sandbox's store: CreateBackupVault refuses
    such a name, as AWS does."""
    prod = info.accounts["prod"]
    backend = store.backend_for(prod, EU)
    vault = backend.vaults.get(EFS_VAULT) or backend.create_backup_vault(EFS_VAULT, {}, "", "t")
    system = sb.client("efs", prod, EU).describe_file_systems()["FileSystems"][0]
    now = time.time()
    point = f"arn:aws:backup:{EU}:{prod}:recovery-point:{uuid.uuid4()}"
    backend.add_point(
        RecoveryPoint(
            arn=point, account_id=prod, region=EU, vault_name=EFS_VAULT,
            vault_arn=vault.backup_vault_arn, resource_arn=system["FileSystemArn"],
            resource_type="EFS", resource_name=system.get("Name") or system["FileSystemId"],
            created=now - 600, completed=now - 300, encryption_key_arn=None, size_bytes=1024,
            iam_role_arn=f"arn:aws:iam::{prod}:role/service-role/AWSBackupDefaultServiceRole",
            delete_after_days=35,
        )
    )  # fmt: skip
    return vault.backup_vault_arn, point


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", *args],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip


def test_readiness_judges_the_copy_out_of_it_and_never_copies_back_into_it(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    vault, _ = efs_automatic_vault(sb, info)
    done = run(env_for(sb, info, tmp_path), "readiness", "--account", "prod", "--json")
    assert done.returncode in (0, 1), done.stderr
    assert "--to" not in done.stderr
    (row,) = [r for r in json.loads(done.stdout)["rows"] if r["region"] == EU]
    assert vault not in [run["destination_vault"] for run in row["copy_back"]]
    assert vault in [run["source_vault"] for run in row["dr_copy"]]


def test_ls_and_check_copy_take_its_arn_and_the_checks_refuse_a_copy_into_it(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    vault, point = efs_automatic_vault(sb, info)
    env = env_for(sb, info, tmp_path)
    listed = run(env, "ls", "recovery-points", "--vault", vault, "--json")
    assert listed.returncode == 0, listed.stderr
    assert point in listed.stdout
    backup = info.accounts["backup"]
    copies = sb.client("backup", backup, EU).list_recovery_points_by_backup_vault(
        BackupVaultName="central-eu-central-1"
    )["RecoveryPoints"]
    source = next(p["RecoveryPointArn"] for p in copies if p["ResourceType"] == "EFS")
    checked = run(env, "check", "copy", "--recovery-point", source, "--to", vault, "--json")
    assert checked.returncode == 1, checked.stdout[-2000:] + checked.stderr
    checks = {c["id"]: c for c in json.loads(checked.stdout)["checks"]}
    assert checks["dest.vault"]["status"] == "FAIL"
    assert checks["dest.vault"]["cause"] == "UNSUPPORTED_COPY_ROUTE"
    assert "reserved for those backups only" in checks["dest.vault"]["evidence"]


def test_a_vault_arn_from_aws_that_drconsole_cannot_read_is_one_unknown_pair(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """A vault name no pattern of drconsole's knows (a broken or hostile endpoint, a name AWS
    may allow one day) makes that copy-back pair UNKNOWN, with the rest of the report."""
    sb, info = sandbox
    backend = store.backend_for(info.accounts["qa"], EU)
    odd = "odd.vault\x1b[2J"
    if odd not in backend.vaults:
        backend.create_backup_vault(odd, {}, "", "t")
    done = run(env_for(sb, info, tmp_path), "readiness", "--account", "qa", "--json")
    assert done.returncode == 1, done.stderr
    (row,) = [r for r in json.loads(done.stdout)["rows"] if r["region"] == EU]
    assert row["verdict"] in ("UNKNOWN", "NOT READY"), row["verdict"]
    pairs = [r for r in row["copy_back"] if "odd.vault" in r["destination_vault"]]
    assert pairs, row["copy_back"]
    for pair in pairs:  # one per resource type copied back
        (check,) = pair["checks"]
        assert check["status"] == "UNKNOWN" and "the vault AWS listed" in check["evidence"]


def test_a_drill_of_an_efs_automatic_backup_is_planned(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """A drill whose EFS target's backups are in AWS's own vault (where automatic backups go):
    the runbook names that vault as its source and the plan resolves the point in it (the
    drill planner's vault parser, another than the checks', ended the whole plan)."""
    sb, info = sandbox
    _, point = efs_automatic_vault(sb, info)
    prod, recovery = info.accounts["prod"], info.accounts["recovery"]
    system = sb.client("efs", prod, EU).describe_file_systems()["FileSystems"][0]
    runbook = tmp_path / "efs.yaml"
    runbook.write_text(
        "name: efs-auto\ncleanup: always\n"
        f'restore_to: {{account: "{recovery}", region: {EU}, vault: recovery-vault}}\n'
        "targets:\n  - name: files\n"
        f'    resource: {{account: "{prod}", type: EFS, name: {system.get("Name")}}}\n'
        f'    source: {{account: "{prod}", region: {EU}, vault: {EFS_VAULT}}}\n'
    )
    done = run(env_for(sb, info, tmp_path), "drill", "plan", str(runbook), "--json")
    assert done.returncode in (0, 1), done.stdout[-2000:] + done.stderr
    assert "defect" not in done.stderr and "Traceback" not in done.stderr
    (target,) = json.loads(done.stdout)["targets"]
    assert (target["resolved"] or {}).get("recovery_point") == point, target
