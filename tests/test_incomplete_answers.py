"""Answers from AWS that lack a field drconsole lists or keys records by, through the real CLI.

The sandbox answers through `tests/field_dropper.py`, which leaves chosen fields out of chosen
operations' answers. A record that cannot be identified is skipped and reported on its account
and Region with SERVICE_ERROR while the rest of the listing goes on; an answer a call cannot do
without ends that call as an AWS failure (exit 3, one line); never "a defect of drconsole".
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.server import SandboxOptions
from tests.cli_box import EU, Box, journal
from tests.field_dropper import Drop, FieldDropper, install


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0))
    try:
        yield Box(sandbox, info)
    finally:
        sandbox.stop()


@pytest.fixture
def dropper(box: Box) -> Iterator[FieldDropper]:
    found = install(box.sandbox)
    try:
        yield found
    finally:
        found.drops = []


def assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    """No traceback, no defect, and every line on stderr is drconsole's own."""
    assert "Traceback" not in result.stderr, result.stderr
    assert "defect of drconsole" not in result.stderr, result.stderr
    for line in result.stderr.splitlines():
        assert line.startswith(("drconsole: ", "wrote ", "flow ")), result.stderr


def json_of(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def vault_names(box: Box, role: str, region: str = EU) -> list[str]:
    """The account's vaults, read with plain boto3 (before a drop is set: the sandbox's own
    clients go through the dropper too)."""
    listed = box.backup(role, region).list_backup_vaults()["BackupVaultList"]
    return sorted(v["BackupVaultName"] for v in listed)


def test_a_vault_without_name_and_arn_is_skipped_and_reported(
    box: Box, dropper: FieldDropper, tmp_path: Path
) -> None:
    qa = box.accounts["qa"]
    every = vault_names(box, "qa")
    dropper.drops = [
        Drop("backup:ListBackupVaults", field, account=qa, first_only=True)
        for field in ("BackupVaultName", "BackupVaultArn")
    ]
    result = box.cli(tmp_path, "ls", "vaults", "--json")
    assert_clean(result)
    assert result.returncode == 0, result.stderr
    document = json_of(result)
    listed = sorted(v["name"] for v in document["items"] if v["account_id"] == qa)
    assert len(listed) == len(every) - 1 and set(listed) < set(every)
    # the other accounts are listed whole
    assert {v["account_id"] for v in document["items"]} >= {box.accounts["prod"], qa}
    [error] = document["errors"]
    assert (error["account_id"], error["region"], error["cause"]) == (qa, EU, "SERVICE_ERROR")
    assert error["operation"] == "ListBackupVaults" and error["code"] == "IncompleteAnswer"
    assert "1 vault(s) skipped" in error["message"]

    people = box.cli(tmp_path, "ls", "vaults")
    assert_clean(people)
    assert people.returncode == 0
    assert f"drconsole: account {qa} (qa) {EU}: ListBackupVaults: 1 vault(s) skipped" in (
        people.stderr
    )


def test_a_vault_listed_without_its_name_is_named_from_its_arn(
    box: Box, dropper: FieldDropper, tmp_path: Path
) -> None:
    prod = box.accounts["prod"]
    every = vault_names(box, "prod")
    dropper.drops = [Drop("backup:ListBackupVaults", "BackupVaultName", account=prod)]
    result = box.cli(tmp_path, "ls", "recovery-points", "--account", prod, "--json")
    assert_clean(result)
    assert result.returncode == 0, result.stderr
    document = json_of(result)
    assert document["errors"] == []
    assert {p["vault_name"] for p in document["items"]} <= set(every)
    assert document["items"]


def test_every_vault_skipped_in_a_region_is_not_a_failed_listing(
    box: Box, dropper: FieldDropper, tmp_path: Path
) -> None:
    dropper.drops = [
        Drop("backup:ListBackupVaults", field) for field in ("BackupVaultName", "BackupVaultArn")
    ]
    result = box.cli(tmp_path, "ls", "recovery-points")
    assert_clean(result)
    # every Region answered: what it sent is reported, the listing did not fail (exit 0)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("vault(s) skipped, the answer from AWS lacked") >= 5


def test_check_copy_says_the_vault_it_could_not_search(
    box: Box, dropper: FieldDropper, tmp_path: Path
) -> None:
    rp = box.info.fault_recovery_points["source_key_not_shared"]
    dest = box.vault("backup", "central-eu-central-1")
    dropper.drops = [
        Drop("backup:ListBackupVaults", field) for field in ("BackupVaultName", "BackupVaultArn")
    ]
    result = box.cli(tmp_path, "check", "copy", "--recovery-point", rp, "--to", dest)
    assert_clean(result)
    assert result.returncode == 3, result.stderr
    assert "skipped, the answer from AWS lacked their BackupVaultName or BackupVaultArn" in (
        result.stderr
    )
    assert "[SERVICE_ERROR]" in result.stderr


def test_an_account_listed_without_its_id_is_skipped_and_reported(
    box: Box, dropper: FieldDropper, tmp_path: Path
) -> None:
    dropper.drops = [Drop("organizations:ListAccountsForParent", "Id", first_only=True)]
    result = box.cli(tmp_path, "ls", "accounts", "--json")
    assert_clean(result)
    assert result.returncode == 0, result.stderr
    document = json_of(result)
    # one account less under each parent that holds accounts
    assert 0 < len(document["items"]) < len(box.accounts)
    assert document["errors"]
    for error in document["errors"]:
        assert error["operation"] == "ListAccountsForParent"
        assert error["cause"] == "SERVICE_ERROR"
        assert (
            "account(s) skipped, the answer from AWS lacked their Id (under Root"
            in (error["message"])
        )
    readiness = box.cli(tmp_path, "readiness")
    assert_clean(readiness)
    assert readiness.returncode == 1  # accounts left out: not known to be ready
    assert "ListAccountsForParent: 1 account(s) skipped" in readiness.stderr


@pytest.mark.parametrize("as_json", [True, False])
def test_recovery_points_without_their_arn_are_left_out_and_reported(
    box: Box, dropper: FieldDropper, tmp_path: Path, as_json: bool
) -> None:
    prod = box.accounts["prod"]
    listed = box.backup("prod").list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    dropper.drops = [
        Drop("backup:ListRecoveryPointsByBackupVault", "RecoveryPointArn", account=prod)
    ]
    args = ["ls", "recovery-points", "--account", prod, "--vault", "prod-vault"]
    result = box.cli(tmp_path, *args, *(["--json"] if as_json else []))
    assert_clean(result)
    # every Region answered: the listing did not fail
    assert result.returncode == 0, result.stderr
    # they were listed as UNREADABLE, each with "(unreadable record)" for its ARN
    assert "(unreadable record)" not in result.stdout
    count = len(listed["RecoveryPoints"])
    words = (
        f"ListRecoveryPointsByBackupVault: {count} recovery point(s) of vault prod-vault "
        "skipped, the answer from AWS lacked their RecoveryPointArn"
    )
    if as_json:
        document = json_of(result)
        assert document["items"] == []
        [error] = document["errors"]
        assert (error["account_id"], error["cause"], error["message"]) == (
            prod,
            "SERVICE_ERROR",
            words,
        )
    else:
        assert f"drconsole: account {prod} (prod) {EU}: {words} [SERVICE_ERROR]" in (result.stderr)


def test_jobs_without_their_ids_are_left_out_and_reported(
    box: Box, dropper: FieldDropper, tmp_path: Path
) -> None:
    dropper.drops = [Drop("backup:ListCopyJobs", "CopyJobId")]
    result = box.cli(tmp_path, "ls", "jobs", "--json")
    assert_clean(result)
    assert result.returncode == 0, result.stderr
    document = json_of(result)
    kinds = {job["kind"] for job in document["items"]}
    assert "copy" not in kinds and {"backup", "restore"} <= kinds
    skipped = [e for e in document["errors"] if e["operation"] == "ListCopyJobs"]
    assert skipped and all(e["code"] == "IncompleteAnswer" for e in skipped)
    assert "job(s) skipped, the answer from AWS lacked their CopyJobId" in skipped[0]["message"]


def test_a_protected_resource_without_its_arn_makes_its_row_unknown_at_best(
    box: Box, dropper: FieldDropper, tmp_path: Path
) -> None:
    prod = box.accounts["prod"]
    dropper.drops = [
        Drop("backup:ListProtectedResources", "ResourceArn", account=prod, first_only=True)
    ]
    result = box.cli(tmp_path, "readiness", "--json")
    assert_clean(result)
    assert result.returncode == 1, result.stderr
    [row] = [r for r in json_of(result)["rows"] if (r["account_id"], r["region"]) == (prod, EU)]
    assert row["verdict"] != "READY"
    assert all(r["resource_arn"] for r in row["resources"])
    assert any(
        "ListProtectedResources: 1 protected resource(s)" in line
        and "lacked their ResourceArn" in line
        for line in row["unreadable"]
    )


@pytest.mark.parametrize(
    ("operation", "field"),
    [("backup:DescribeRestoreJob", "Status"), ("backup:DescribeCopyJob", "State")],
)
def test_a_job_described_without_its_state_ends_the_wait_with_a_resume(
    box: Box, dropper: FieldDropper, tmp_path: Path, operation: str, field: str
) -> None:
    points = box.backup("prod").list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    point = next(p for p in points["RecoveryPoints"] if p["ResourceType"] == "DynamoDB")
    dropper.drops = [Drop(operation, field)]
    if operation == "backup:DescribeRestoreJob":
        args = ["restore", "--recovery-point", point["RecoveryPointArn"]]
    else:
        destination = box.vault("backup", "central-eu-central-1")
        args = ["copy", "--recovery-point", point["RecoveryPointArn"], "--to", destination]
        args.append("--allow-duplicate-copy")
    # it waited for ever: a job of no state never finishes
    result = box.cli(tmp_path, *args, "--yes", "--poll-interval", "0.1")
    assert_clean(result)
    assert result.returncode == 3, result.stderr
    shown = result.stdout + result.stderr
    assert f"{operation.split(':')[1]}: the answer from AWS has no {field}" in shown
    assert "drconsole jobs --resume --flow" in shown


def test_a_copy_described_completed_without_its_copy_never_carries_on_with_the_source(
    box: Box, dropper: FieldDropper, tmp_path: Path
) -> None:
    """DescribeCopyJob answers COMPLETED without DestinationRecoveryPointArn: the flow is
    interrupted before the copy's end is journaled (exit 3, resumable), never completed with
    the source recovery point as its copy; once the answer is whole, a resume ends it with the
    copy the job made."""
    points = box.backup("prod").list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    point = next(p for p in points["RecoveryPoints"] if p["ResourceType"] == "DynamoDB")
    source = point["RecoveryPointArn"]
    destination = box.vault("backup", "central-eu-central-1")
    dropper.drops = [Drop("backup:DescribeCopyJob", "DestinationRecoveryPointArn")]
    args = ["copy", "--recovery-point", source, "--to", destination, "--allow-duplicate-copy"]
    result = box.cli(tmp_path, *args, "--yes", "--poll-interval", "0.1")
    assert_clean(result)
    assert result.returncode == 3, result.stdout + result.stderr
    shown = result.stdout + result.stderr
    assert "DescribeCopyJob: the answer from AWS has no DestinationRecoveryPointArn" in shown
    assert "drconsole jobs --resume --flow" in shown
    records = journal(tmp_path)
    assert not [r for r in records if r["type"] in ("finished", "done")], records
    dropper.drops = []
    resumed = box.cli(tmp_path, "jobs", "--resume", "--json", "--poll-interval", "0.1")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    records = journal(tmp_path)
    (job,) = [r["job_id"] for r in records if r["type"] == "job"]
    made = box.backup("prod").describe_copy_job(CopyJobId=job)["CopyJob"]
    (done,) = [r["result"] for r in records if r["type"] == "done"]
    assert done["recovery_point"] == made["DestinationRecoveryPointArn"] != source


def test_a_vault_without_its_names_makes_its_readiness_row_unknown_at_best(
    box: Box, dropper: FieldDropper, tmp_path: Path
) -> None:
    prod = box.accounts["prod"]
    dropper.drops = [
        Drop("backup:ListBackupVaults", field, account=prod, first_only=True)
        for field in ("BackupVaultName", "BackupVaultArn")
    ]
    result = box.cli(tmp_path, "readiness", "--json")
    assert_clean(result)
    assert result.returncode == 1, result.stderr
    [row] = [r for r in json_of(result)["rows"] if (r["account_id"], r["region"]) == (prod, EU)]
    assert row["verdict"] != "READY"
    assert any(
        "ListBackupVaults: 1 vault(s)" in line and "BackupVaultName or BackupVaultArn" in line
        for line in row["unreadable"]
    )


@pytest.mark.parametrize(
    ("operation", "field", "words"),
    [
        ("sts:GetCallerIdentity", "Account", "GetCallerIdentity: the answer from AWS has no"),
        ("organizations:ListRoots", "Id", "ListRoots: the answer from AWS has no Id"),
        ("organizations:DescribeOrganization", "Organization", "has no Organization"),
    ],
)
def test_an_answer_a_listing_needs_ends_it_in_one_line(
    box: Box, dropper: FieldDropper, tmp_path: Path, operation: str, field: str, words: str
) -> None:
    dropper.drops = [Drop(operation, field)]
    result = box.cli(tmp_path, "ls", "vaults")
    assert_clean(result)
    assert result.returncode == 3, result.stderr
    [line] = result.stderr.splitlines()
    assert words in line and line.endswith("[SERVICE_ERROR]")


def test_assumed_role_credentials_missing_fail_that_account_only(
    box: Box, dropper: FieldDropper, tmp_path: Path
) -> None:
    dropper.drops = [Drop("sts:AssumeRole", "Credentials")]
    result = box.cli(tmp_path, "ls", "vaults", "--json")
    assert_clean(result)
    assert result.returncode == 0, result.stderr  # the management account's own vaults
    document = json_of(result)
    members = set(box.accounts.values()) - {box.accounts["management"]}
    assert {e["account_id"] for e in document["errors"]} == members
    assert {e["cause"] for e in document["errors"]} == {"SERVICE_ERROR"}
    assert "AssumeRole: the answer from AWS has no Credentials" in document["errors"][0]["message"]


def test_check_copy_without_the_source_account_s_credentials_says_service_error(
    box: Box, dropper: FieldDropper, tmp_path: Path
) -> None:
    dest = box.vault("backup", "central-eu-central-1")
    points = box.backup("prod").list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    table = next(p for p in points["RecoveryPoints"] if p["ResourceType"] == "DynamoDB")
    dropper.drops = [Drop("sts:AssumeRole", "SessionToken")]
    # an ARN that names its account, and one that does not (every account is searched)
    for rp in (table["RecoveryPointArn"], box.info.fault_recovery_points["source_key_not_shared"]):
        result = box.cli(tmp_path, "check", "copy", "--recovery-point", rp, "--to", dest)
        assert_clean(result)
        assert result.returncode == 3, result.stderr
        [line] = result.stderr.splitlines()
        # it was tagged ROLE_PERMISSIONS, or "not found in any vault" of accounts that could
        # not be asked
        assert "AssumeRole: the answer from AWS has no SessionToken" in line
        assert line.endswith("[SERVICE_ERROR]")


def test_a_key_or_role_answer_without_its_fields_makes_the_check_unknown(
    box: Box, dropper: FieldDropper, tmp_path: Path
) -> None:
    rp = box.info.fault_recovery_points["source_key_not_shared"]
    dest = box.vault("backup", "central-eu-central-1")
    dropper.drops = [Drop("kms:DescribeKey", "KeyMetadata"), Drop("iam:GetRole", "Role")]
    result = box.cli(tmp_path, "check", "copy", "--recovery-point", rp, "--to", dest, "--json")
    assert_clean(result)
    assert result.returncode == 1, result.stderr
    checks = json_of(result)["checks"]
    unknown = [c for c in checks if c["status"] == "UNKNOWN"]
    assert unknown and {c["cause"] for c in unknown} == {"SERVICE_ERROR"}
    assert any("IncompleteAnswer" in c["evidence"] for c in unknown)


# Every (operation, field) below is one drconsole reads to list or key records, or to make
# its calls at all; each command must end with its own line and a documented exit code.
DROPPED = [
    ("backup:ListBackupVaults", "BackupVaultName"),
    ("backup:ListBackupVaults", "BackupVaultArn"),
    ("backup:ListRecoveryPointsByBackupVault", "RecoveryPointArn"),
    ("backup:ListRecoveryPointsByBackupVault", "CreationDate"),
    ("backup:ListProtectedResources", "ResourceArn"),
    ("backup:ListCopyJobs", "CopyJobId"),
    ("backup:ListRestoreJobs", "RestoreJobId"),
    ("backup:DescribeRecoveryPoint", "RecoveryPointArn"),
    ("organizations:ListAccountsForParent", "Id"),
    ("organizations:ListOrganizationalUnitsForParent", "Id"),
    ("organizations:ListRoots", "Id"),
    ("organizations:DescribeOrganization", "Id"),
    ("organizations:ListParents", "Id"),
    ("sts:AssumeRole", "Credentials"),
    ("sts:AssumeRole", "AccessKeyId"),
    ("sts:GetCallerIdentity", "Arn"),
    ("iam:GetRole", "Arn"),
    ("iam:GetRole", "Role"),
    ("organizations:ListPoliciesForTarget", "Id"),
    ("backup:ListBackupJobs", "BackupJobId"),
    ("kms:DescribeKey", "KeyMetadata"),
    ("kms:GetKeyPolicy", "Policy"),
]
COMMANDS = ["ls-accounts", "ls-vaults", "ls-recovery-points", "ls-jobs", "check-copy", "readiness"]


def command_args(box: Box, name: str) -> list[str]:
    if name == "check-copy":
        rp = box.info.fault_recovery_points["source_key_not_shared"]
        return [
            "check",
            "copy",
            "--recovery-point",
            rp,
            "--to",
            box.vault("backup", "dr-eu-north-1", "eu-north-1"),
        ]
    return name.split("-", 1)


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    drop=st.sampled_from(DROPPED),
    first_only=st.booleans(),
    command=st.sampled_from(COMMANDS),
)
def test_no_missing_field_stops_a_command_with_a_defect(
    box: Box,
    dropper: FieldDropper,
    tmp_path: Path,
    drop: tuple[str, str],
    first_only: bool,
    command: str,
) -> None:
    dropper.drops = [Drop(*drop, first_only=first_only)]
    try:
        result = box.cli(tmp_path, *command_args(box, command))
    finally:
        dropper.drops = []
    assert_clean(result)
    assert result.returncode in (0, 1, 3), result.stderr
    if result.returncode == 3:
        assert result.stderr.strip(), "exit 3 says why"


@pytest.mark.parametrize("command", ["copy", "restore"])
def test_a_recovery_point_without_resource_type_is_blamed_on_the_answer(
    box: Box, dropper: FieldDropper, tmp_path: Path, command: str
) -> None:
    points = box.backup("prod").list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    # a recovery point every check passes: only the answer's ResourceType is wrong
    rp = next(p for p in points["RecoveryPoints"] if p["ResourceType"] == "DynamoDB")
    to = ["--to", box.vault("backup", "central-eu-central-1"), "--allow-duplicate-copy"]
    dropper.drops = [Drop("backup:DescribeRecoveryPoint", "ResourceType", blank=True)]
    result = box.cli(
        tmp_path,
        command,
        "--recovery-point",
        rp["RecoveryPointArn"],
        *(to if command == "copy" else []),
        "--yes",
    )
    assert_clean(result)
    # it was "the 'plan' record ... cannot be journaled", or "--restore: drconsole restores
    # EBS, ... not ", exit 2: a usage error for what AWS sent
    assert result.returncode == 3, result.stderr
    [line] = result.stderr.splitlines()
    assert "the answer from AWS (DescribeRecoveryPoint) has no ResourceType" in line
    assert line.endswith("[SERVICE_ERROR]") and "journaled" not in line
    assert journal(tmp_path) == []


def test_check_restore_without_resource_type_is_not_ready(
    box: Box, dropper: FieldDropper, tmp_path: Path
) -> None:
    points = box.backup("prod").list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    rp = next(p for p in points["RecoveryPoints"] if p["ResourceType"] == "DynamoDB")
    dropper.drops = [Drop("backup:DescribeRecoveryPoint", "ResourceType", blank=True)]
    result = box.cli(
        tmp_path, "check", "restore", "--recovery-point", rp["RecoveryPointArn"], "--json"
    )
    assert_clean(result)
    # `restore` refuses to plan it: the check that comes before must not say it is ready (its
    # metadata check passed with "no required keys")
    checks = {check["id"]: check for check in json.loads(result.stdout)["checks"]}
    metadata = checks["restore.metadata"]
    assert metadata["status"] == "UNKNOWN", metadata
    assert metadata["cause"] == "SERVICE_ERROR"
    assert "no ResourceType" in metadata["evidence"]
    assert result.returncode != 0


def test_a_drill_target_without_resource_type_cannot_start(
    box: Box, dropper: FieldDropper, tmp_path: Path
) -> None:
    prod = box.accounts["prod"]
    points = box.backup("prod").list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    point = next(p for p in points["RecoveryPoints"] if p["ResourceType"] == "DynamoDB")
    runbook = tmp_path / "runbook.yaml"
    runbook.write_text(
        "name: blank-type\nobjectives: {rpo: 36h, rto: 2h}\n"
        f'source: {{account: "{prod}", region: {EU}, vault: prod-vault}}\n'
        f'restore_to: {{account: "{prod}", region: {EU}, vault: prod-vault}}\n'
        "targets:\n"
        f"  - name: db\n    resource: {point['ResourceArn']}\n"
        f"    recovery_point: {point['RecoveryPointArn']}\n"
    )
    dropper.drops = [Drop("backup:DescribeRecoveryPoint", "ResourceType", blank=True)]
    result = box.cli(tmp_path, "drill", "plan", str(runbook))
    assert_clean(result)
    # it was "ready", planning "a restored  (new name, ...)" of no type; AWS's answer is at
    # fault, not the target: an AWS failure (exit 3), as `drill run` has it (interrupted)
    assert result.returncode == 3, result.stdout
    assert "the answer from AWS has no ResourceType" in result.stdout
    assert "[SERVICE_ERROR]" in result.stdout


def test_a_recovery_point_described_without_its_vault_is_in_the_vault_asked(
    box: Box, dropper: FieldDropper, tmp_path: Path
) -> None:
    points = box.backup("prod").list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    point = next(p for p in points["RecoveryPoints"] if p["ResourceType"] == "DynamoDB")
    dropper.drops = [Drop("backup:DescribeRecoveryPoint", "BackupVaultName")]
    result = box.cli(
        tmp_path,
        "copy",
        "--recovery-point",
        point["RecoveryPointArn"],
        "--to",
        box.vault("backup", "central-eu-central-1"),
        "--allow-duplicate-copy",
        "--yes",
        "--json",
        "--poll-interval",
        "0.1",
    )
    assert_clean(result)
    # it asked about a vault named "" and was blocked by that check (exit 1)
    assert result.returncode == 0, result.stderr
    [plan] = [r for r in journal(tmp_path) if r["type"] == "plan"]
    assert plan["plan"]["source"]["vault"] == "prod-vault"


@pytest.mark.parametrize(
    ("resource_type", "operation", "field"),
    [("DynamoDB", "dynamodb:DescribeTable", "Table"), ("S3", "s3:ListObjectsV2", "Key")],
)
def test_a_drill_whose_restored_resource_is_read_without_it_is_interrupted(
    box: Box, dropper: FieldDropper, tmp_path: Path, resource_type: str, operation: str, field: str
) -> None:
    prod = box.accounts["prod"]
    points = box.backup("prod").list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    point = next(p for p in points["RecoveryPoints"] if p["ResourceType"] == resource_type)
    runbook = tmp_path / "runbook.yaml"
    runbook.write_text(
        "name: unread\nobjectives: {rpo: 36h, rto: 2h}\n"
        f'source: {{account: "{prod}", region: {EU}, vault: prod-vault}}\n'
        f'restore_to: {{account: "{prod}", region: {EU}, vault: prod-vault}}\n'
        f"targets:\n  - name: it\n    resource: {point['ResourceArn']}\n"
    )
    dropper.drops = [Drop(operation, field)]
    result = box.cli(tmp_path, "drill", "run", str(runbook), "--yes", "--poll-interval", "0.1")
    assert_clean(result)
    # it stopped after the restore with "a defect of drconsole: KeyError: 'Table'" ('Key',
    # from botocore's own decoding of the S3 listing). An answer AWS sent incomplete says
    # nothing of the restore (SERVICE_ERROR): the drill is interrupted, not failed
    assert result.returncode == 3, result.stderr
    name = operation.split(":")[1]
    assert f"{name}: the answer from AWS has no {field}" in result.stdout
    [run_id] = set(re.findall(r"`drconsole drill resume (\S+)` carries it on", result.stdout))
    dropper.drops = []
    resumed = box.cli(tmp_path, "drill", "resume", run_id, "--yes", "--poll-interval", "0.1")
    assert_clean(resumed)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr


def test_readiness_json_and_html_say_which_accounts_were_left_out(
    box: Box, dropper: FieldDropper, tmp_path: Path
) -> None:
    dropper.drops = [Drop("organizations:ListAccountsForParent", "Id", first_only=True)]
    page = tmp_path / "readiness.html"
    readiness = box.cli(tmp_path, "readiness", "--json", "--html", str(page))
    assert_clean(readiness)
    assert readiness.returncode == 1
    document = json_of(readiness)
    # `ready` is false because of them, and the document itself says so
    assert document["ready"] is False and document["skipped"]
    for skipped in document["skipped"]:
        assert skipped["operation"] == "ListAccountsForParent"
        assert skipped["cause"] == "SERVICE_ERROR"
        assert "1 account(s) skipped" in skipped["message"]
    html = page.read_text()
    assert "<h2>Not evaluated</h2>" in html and "1 account(s) skipped" in html
