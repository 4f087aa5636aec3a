"""Readiness's `restore.key` judges the key policy and grants of the key a restore would use, as
`drconsole check restore` does: a customer managed key whose policy no longer lets the restore
role use it makes prod's READY row NOT READY with `check restore`'s cause (and the sandbox's
restore job fails), a grant or a policy statement for the role makes `restore.key` PASS and
the row READY again, a key in an account drconsole cannot enter stays UNKNOWN, and the key's
grants are listed once per run. Real `drconsole readiness --json`, `check restore` and `check
copy --restore` processes, and the console's Readiness screen, against the embedded sandbox."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.server import SandboxOptions
from drconsole.tui.app import DrConsoleApp
from tests.demo_cli import demo_cli_env
from tests.restore_jobs import restore_ended
from tests.test_cli_restore_boundary_scps import ZONE, Env, checks_of, drconsole
from tests.test_cli_restore_key_calls import KEY_UNUSABLE, customer_key_point
from tests.test_cli_restore_key_reach import CLOSED_ACCOUNT
from tests.test_readiness_two_hops import retire_prod_fault
from tests.tui.conftest import sandbox_settings
from tests.tui.test_readiness_screen import open_readiness_row, readiness_decided

REGION = "eu-central-1"
# The key administrators' actions of AWS's default key policy for a console-made key, spelled
# out without `kms:Create*` (which covers kms:CreateGrant): the account root may govern the key
# but grants IAM no use of it.
ADMINISTRATION = [
    "kms:CreateAlias", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
    "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource",
    "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
]  # fmt: skip
USE = ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*"]
SLR = "role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup"
# The demo's statements sharing a member's key with the backup account (keys.py).
SHARING = ("Allow use of the key", "Allow attachment of persistent resources")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    """The demo with prod's deliberate fault retired, so that prod's row is READY but for
    what a test breaks."""
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    home = tmp_path_factory.mktemp("home")
    try:
        retire_prod_fault(sandbox, info)
        yield Env(sandbox, info, demo_cli_env(sandbox, info, home))
    finally:
        sandbox.stop()
        sandbox.reset()


def administration_only(account: str, *users: str) -> list[dict[str, Any]]:
    """The account root's key administration, and the key's use for `users` alone."""
    statements: list[dict[str, Any]] = [
        {"Sid": "KeyAdministration", "Effect": "Allow",
         "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": ADMINISTRATION,
         "Resource": "*"},
    ]  # fmt: skip
    if users:
        statements.append(
            {"Sid": "KeyUse", "Effect": "Allow", "Principal": {"AWS": list(users)},
             "Action": USE, "Resource": "*"}
        )  # fmt: skip
    return statements


@contextlib.contextmanager
def key_policy(demo: Env, role: str, alias: str, statements: list[dict[str, Any]]) -> Iterator[str]:
    """The key `alias` of `role`'s account with a policy of `statements` and the demo's
    statements sharing it with the backup account (its copies there still work), in place of
    its account root's `kms:*`; its ARN. The policy it had, and no grant made meanwhile,
    after."""
    kms = demo.client("kms", role)
    key = str(kms.describe_key(KeyId=alias)["KeyMetadata"]["Arn"])
    original = kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
    before = {g["GrantId"] for g in kms.list_grants(KeyId=key)["Grants"]}
    sharing = [s for s in json.loads(original)["Statement"] if s.get("Sid") in SHARING]
    document = {"Version": "2012-10-17", "Statement": [*statements, *sharing]}
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=json.dumps(document))
    try:
        yield key
    finally:
        kms.put_key_policy(KeyId=key, PolicyName="default", Policy=original)
        for grant in kms.list_grants(KeyId=key)["Grants"]:
            if grant["GrantId"] not in before:
                kms.revoke_grant(KeyId=key, GrantId=grant["GrantId"])


def restore_job(demo: Env, rp: str) -> dict[str, Any]:
    """The sandbox's restore job of prod's `rp`, started with boto3 past drconsole's checks on
    the restore metadata AWS gives for it (naming its key), in an Availability Zone of
    eu-central-1: what `drconsole restore` would send."""
    backup = demo.client("backup", "prod")
    metadata = backup.get_recovery_point_restore_metadata(
        BackupVaultName="prod-vault", RecoveryPointArn=rp
    )["RestoreMetadata"]
    return restore_ended(
        backup,
        RecoveryPointArn=rp,
        IamRoleArn=demo.role_arn("prod"),
        Metadata={**metadata, "availabilityZone": ZONE},
        ResourceType="EBS",
    )


def readiness_row(demo: Env, role: str) -> dict[str, Any]:
    """The readiness row of `role`'s account in eu-central-1 (`readiness --json`)."""
    account = demo.info.accounts[role]
    result = drconsole(demo, "readiness", "--account", role, "--region", REGION, "--json")
    assert result.returncode in (0, 1), result.stdout[-800:] + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    rows = json.loads(result.stdout)["rows"]
    return dict(next(r for r in rows if r["account_id"] == account and r["region"] == REGION))


def restore_key_of(row: dict[str, Any], vault: str) -> dict[str, Any]:
    """The row's `restore.key` for a restore in `vault` (status PASS with no details when it
    passed, as `readiness --json` lists passed checks by id)."""
    run = next(r for r in row["restore"] if r["destination_vault"].endswith(f":{vault}"))
    failed = {c["id"]: c for c in run["checks"]}
    if "restore.key" in failed:
        return dict(failed["restore.key"])
    assert "restore.key" in run["passed"], run
    return {"id": "restore.key", "status": "PASS", "cause": None}


def test_readiness_fails_a_key_whose_policy_no_longer_lets_the_restore_role_use_it(
    demo: Env,
) -> None:
    """The policy lets the account root administer prod's customer managed key and AWS
    Backup's service-linked role use it (copies into prod-vault still work), but not the
    restore role: `check restore` FAILs `restore.key`, the restore job fails, and readiness
    says NOT READY with the same cause (it said READY's PASS on the key's state alone)."""
    prod = demo.info.accounts["prod"]
    before = readiness_row(demo, "prod")
    assert (before["verdict"], before["causes"]) == ("READY", []), before["explanation"]
    rp, key = customer_key_point(demo)
    with key_policy(demo, "prod", key, administration_only(prod, f"arn:aws:iam::{prod}:{SLR}")):
        row = readiness_row(demo, "prod")
        code, checks = checks_of(demo, rp)
        job = restore_job(demo, rp)
    judged = restore_key_of(row, "prod-vault")
    said = checks["restore.key"]
    assert (said["status"], said["cause"]) == ("FAIL", "KMS_KEY_UNUSABLE"), said
    assert code == 1
    assert job["Status"] == "FAILED" and KEY_UNUSABLE in job["StatusMessage"], job
    assert (judged["status"], judged["cause"]) == (said["status"], said["cause"]), judged
    assert (row["verdict"], row["causes"]) == ("NOT READY", ["KMS_KEY_UNUSABLE"]), row
    role = demo.role_arn("prod")
    assert (
        f"{role} may not use it (key policy: implicit-deny, and no grant to it)"
        in (judged["evidence"])
    )
    assert f"arn:aws:iam::{prod}:{SLR} may not use it" not in judged["evidence"]
    assert f"AllowRestoreInAccount{prod}" in judged["remediation"]
    # Nothing else in the row blamed the key: the copies back into prod-vault still work.
    said_by_row = [e for e in row["explanation"] if e.startswith("KMS_KEY_UNUSABLE")]
    assert said_by_row and all("Key for the restored resource usable" in e for e in said_by_row)
    # The policy back, the row is READY again and the same restore completes: the key policy
    # alone failed it.
    assert readiness_row(demo, "prod")["verdict"] == "READY"
    assert restore_job(demo, rp)["Status"] == "COMPLETED"


def test_a_grant_to_the_restore_role_makes_the_key_usable_again(demo: Env) -> None:
    """Under the same policy, a grant to the restore role (CreateGrant, Decrypt) lets it use
    the key: readiness's `restore.key`, FAILed without it, PASSes again, as `check
    restore`'s does, and the row is READY."""
    prod = demo.info.accounts["prod"]
    rp, key = customer_key_point(demo)
    role = demo.role_arn("prod")
    with key_policy(demo, "prod", key, administration_only(prod, f"arn:aws:iam::{prod}:{SLR}")):
        without = restore_key_of(readiness_row(demo, "prod"), "prod-vault")
        demo.client("kms", "prod").create_grant(
            KeyId=key, GranteePrincipal=role, Operations=["CreateGrant", "Decrypt"]
        )
        row = readiness_row(demo, "prod")
        _, checks = checks_of(demo, rp)
    assert (without["status"], without["cause"]) == ("FAIL", "KMS_KEY_UNUSABLE"), without
    assert checks["restore.key"]["status"] == "PASS", checks["restore.key"]
    assert restore_key_of(row, "prod-vault")["status"] == "PASS", row["restore"]
    assert (row["verdict"], row["causes"]) == ("READY", []), row["explanation"]


@pytest.mark.parametrize(
    "variant",
    ["root-may-use", "administration-only", "restore-role-named", "restore-role-denied"],
)
def test_readiness_and_check_restore_agree_on_the_key(demo: Env, variant: str) -> None:
    """On the same key, readiness's `restore.key` has `check restore`'s status and cause, for
    a policy that delegates to IAM, one that lets no one use the key, one naming the restore
    role and the service-linked role, and one whose explicit Deny to the restore role beats
    a grant to it."""
    prod = demo.info.accounts["prod"]
    rp, key = customer_key_point(demo)
    role, slr = demo.role_arn("prod"), f"arn:aws:iam::{prod}:{SLR}"
    root = {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{prod}:root"},
            "Action": "kms:*", "Resource": "*"}  # fmt: skip
    deny = {"Sid": "NoRestores", "Effect": "Deny", "Principal": {"AWS": role},
            "Action": "kms:CreateGrant", "Resource": "*"}  # fmt: skip
    statements = {
        "root-may-use": [root],
        "administration-only": administration_only(prod),
        "restore-role-named": administration_only(prod, role, slr),
        "restore-role-denied": [root, deny],
    }[variant]
    expected = {
        "root-may-use": "PASS",
        "administration-only": "FAIL",
        "restore-role-named": "PASS",
        "restore-role-denied": "FAIL",
    }[variant]
    with key_policy(demo, "prod", key, statements):
        if variant == "restore-role-denied":
            demo.client("kms", "prod").create_grant(
                KeyId=key, GranteePrincipal=role, Operations=["CreateGrant", "Decrypt"]
            )
        row = readiness_row(demo, "prod")
        _, checks = checks_of(demo, rp)
    said, judged = checks["restore.key"], restore_key_of(row, "prod-vault")
    assert said["status"] == expected, said
    assert (judged["status"], judged["cause"]) == (said["status"], said["cause"]), judged


def test_the_grants_of_a_key_are_listed_once_per_run(demo: Env) -> None:
    """qa-vault and qa-archive-vault share qa's key: with a policy that lets neither the
    restore role nor the service-linked role use it, both restores FAIL on it and its grants
    are listed once (not per vault, nor per principal)."""
    qa = demo.info.accounts["qa"]
    log = demo.sandbox.request_log
    with key_policy(demo, "qa", "alias/qa-data", administration_only(qa)):
        mark = log.mark()
        row = readiness_row(demo, "qa")
        listed = [r for r in log.since(mark) if r.name == "kms:ListGrants"]
    for vault in ("qa-vault", "qa-archive-vault"):
        judged = restore_key_of(row, vault)
        assert (judged["status"], judged["cause"]) == ("FAIL", "KMS_KEY_UNUSABLE"), judged
    assert len(listed) == 1, listed


def test_a_key_in_an_account_drconsole_cannot_enter_stays_unknown(demo: Env) -> None:
    """A prod vault keyed in an account drconsole has no role in, its key described from prod
    (its policy names prod's root): its policy and grants cannot be read, so readiness's
    `restore.key` is UNKNOWN with what to verify there, as `check copy --restore` says — not
    the PASS of the key's state, nor a FAIL."""
    prod = demo.info.accounts["prod"]
    kms = demo.sandbox.client("kms", CLOSED_ACCOUNT, REGION)
    others = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{prod}:root"},
              "Action": "kms:*", "Resource": "*"}  # fmt: skip
    owner = {**others, "Principal": {"AWS": f"arn:aws:iam::{CLOSED_ACCOUNT}:root"}}
    policy = {"Version": "2012-10-17", "Statement": [owner, others]}
    key = kms.create_key(Policy=json.dumps(policy))["KeyMetadata"]["Arn"]
    backup = demo.client("backup", "prod")
    backup.create_backup_vault(BackupVaultName="prod-key-elsewhere", EncryptionKeyArn=key)
    try:
        row = readiness_row(demo, "prod")
        vault = next(
            r["destination_vault"]
            for r in row["restore"]
            if r["destination_vault"].endswith(":prod-key-elsewhere")
        )
        backup_point = row["copy_back"][0]["recovery_point"]
        result = drconsole(
            demo, "check", "copy", "--recovery-point", backup_point, "--to", vault, "--restore",
            "--json",
        )  # fmt: skip
    finally:
        backup.delete_backup_vault(BackupVaultName="prod-key-elsewhere")
    judged = restore_key_of(row, "prod-key-elsewhere")
    assert (judged["status"], judged["cause"]) == ("UNKNOWN", "ROLE_PERMISSIONS"), judged
    assert f"only its account {CLOSED_ACCOUNT} may read the key's policy" in judged["evidence"]
    assert judged["remediation"].startswith(f"In account {CLOSED_ACCOUNT} (the key's owner)")
    assert f"AllowRestoreInAccount{prod}" in judged["remediation"]
    assert result.returncode in (0, 1), result.stdout[-800:] + result.stderr
    said = {c["id"]: c for c in json.loads(result.stdout)["restore"]["checks"]}["restore.key"]
    assert (judged["status"], judged["cause"]) == (said["status"], said["cause"]), said


async def test_the_readiness_screen_fails_the_key_too(demo: Env, tmp_path: Path) -> None:
    """The console's Readiness screen (the same evaluation, in the app) under the policy
    without the restore role: prod's row NOT READY on `restore.key` in prod-vault, its
    checks screen showing the statement to add."""
    prod = demo.info.accounts["prod"]
    _, key = customer_key_point(demo)
    settings = sandbox_settings(demo.sandbox, demo.info, tmp_path, retry_max_attempts=2)
    with key_policy(demo, "prod", key, administration_only(prod, f"arn:aws:iam::{prod}:{SLR}")):
        app = DrConsoleApp(settings)
        async with app.run_test(size=(120, 40)) as pilot:
            await readiness_decided(pilot)
            rows = {(r.account_name, r.region): r for r in app.readiness.rows.values()}
            row = rows["prod", REGION]
            assert row.verdict.value == "NOT READY"
            assert [cause.value for cause in row.causes] == ["KMS_KEY_UNUSABLE"]
            (finding,) = row.findings()
            assert (finding.check.id, finding.direction) == ("restore.key", "restore")
            assert finding.destination_vault_arn.endswith(":backup-vault:prod-vault")
            await open_readiness_row(pilot, "prod")
            await pilot.pause(0.3)
            said = " ".join(str(app.screen.query_one("#remediation-text").render()).split())
            assert f"AllowRestoreInAccount{prod}" in said, said
