"""The pre-flight checks judge restore metadata as the restore does: `check restore` and
`drill plan` FAIL `restore.metadata` for a value `restore` and `drill run` refuse, and a value
Python reads as a digit that is none (`²`) is refused in one line, never a crash that leaves a
drill unfinished. The real CLI against the demo sandbox; outcomes read with plain boto3."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.server import SandboxOptions
from tests.cli_box import EU, NORTH, Box, journal

VAULT = "central-eu-central-1"


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0))
    try:
        yield Box(sandbox, info)
    finally:
        sandbox.stop()


BAD_VALUES = [
    ("S3", "RestoreLatestVersionsUpTo=\u00b2", "RestoreLatestVersionsUpTo"),
    ("S3", "RestoreLatestVersionsUpTo=abc", "RestoreLatestVersionsUpTo"),
    ("S3", "NewBucket=maybe", "NewBucket"),
    ("DynamoDB", "encryptionType=bogus", "encryptionType"),
    # A KMS key ARN is parsed whole (its prefix alone was: `arn:aws:kms:` was sent to AWS);
    # a key of another Region is restore.key's FAIL, with its remedy (test_restore_key_region).
    ("DynamoDB", "kmsMasterKeyArn=arn:aws:kms:", "kmsMasterKeyArn"),
    ("DynamoDB", "kmsMasterKeyArn=arn:aws:kms:eu-central-1:1:key/x", "kmsMasterKeyArn"),
    ("DynamoDB", "kmsMasterKeyArn=arn:aws:kms:no-such-region:abc:alias", "kmsMasterKeyArn"),
]
NAME = {"S3": "DestinationBucketName=preflight-bucket", "DynamoDB": "targetTableName=preflight"}


@pytest.mark.parametrize(("rtype", "metadata", "key"), BAD_VALUES)
def test_check_restore_fails_what_restore_refuses(
    box: Box, tmp_path: Path, rtype: str, metadata: str, key: str
) -> None:
    rp = box.newest(VAULT, EU, rtype)
    given = ("--metadata", metadata, "--metadata", NAME[rtype])
    source = ("--source-account", box.accounts["backup"])
    check = box.cli(tmp_path, "check", "restore", "--recovery-point", rp, *source, *given, "--json")
    assert check.returncode == 1, check.stdout + check.stderr
    verdict = {c["id"]: c for c in json.loads(check.stdout)["checks"]}["restore.metadata"]
    assert verdict["status"] == "FAIL" and key in verdict["evidence"], verdict

    restore = box.cli(
        tmp_path, "restore", "--recovery-point", rp, *source, *given,
        "--allow-backup-account-restore", "--yes",
    )  # fmt: skip
    assert restore.returncode == 2, restore.stdout + restore.stderr
    assert len(restore.stderr.splitlines()) == 1 and key in restore.stderr, restore.stderr
    assert "defect" not in restore.stderr
    assert box.restore_jobs("backup", EU, rp) == []  # nothing reached AWS
    assert journal(tmp_path) == []  # nor the journal


def test_drill_plan_and_run_refuse_a_superscript_version_count(box: Box, tmp_path: Path) -> None:
    accounts = box.accounts
    runbook = tmp_path / "s3v.yaml"
    runbook.write_text(
        "name: s3v\n"
        f'restore_to: {{account: "{accounts["recovery"]}", region: {EU}, vault: recovery-vault}}\n'
        f'source: {{account: "{accounts["backup"]}", region: {NORTH}}}\n'
        "targets:\n"
        "  - name: receipts\n"
        f'    resource: {{account: "{accounts["prod"]}", type: S3, name: prod-assets}}\n'
        '    metadata: {RestoreLatestVersionsUpTo: "\u00b2"}\n'
    )
    plan = box.cli(tmp_path, "drill", "plan", str(runbook), "--json")
    assert plan.returncode == 1, plan.stdout + plan.stderr
    assert not json.loads(plan.stdout)["ok"]
    assert "RestoreLatestVersionsUpTo" in plan.stdout

    run = box.cli(tmp_path, "drill", "run", str(runbook), "--yes")
    assert "defect" not in run.stderr, run.stderr
    assert run.returncode == 1, run.stdout + run.stderr
    history = box.cli(tmp_path, "drill", "history", "--json")
    (past,) = json.loads(history.stdout)["runs"]
    assert past["verdict"] != "unfinished", past  # nothing left for `drill resume`
    assert box.backup("backup", NORTH).list_copy_jobs()["CopyJobs"] == []  # nothing started


def test_copy_then_restore_refuses_a_malformed_key_before_its_copy(
    box: Box, tmp_path: Path
) -> None:
    """`copy --restore` judges the restore's metadata before the copy: a key AWS could never
    use started the copy, which then blocked at the restore (hours later, on AWS)."""
    rp = box.newest(VAULT, EU, "DynamoDB")
    back = box.vault("prod", "prod-vault")
    done = box.cli(
        tmp_path, "copy", "--recovery-point", rp, "--source-account", box.accounts["backup"],
        "--to", back, "--restore", "--allow-duplicate-copy", "--yes",
        "--metadata", "encryptionType=KMS",
        "--metadata", "kmsMasterKeyArn=arn:aws:kms:eu-central-1:1:key/x",
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert len(done.stderr.splitlines()) == 1 and "kmsMasterKeyArn" in done.stderr, done.stderr
    assert box.copy_jobs("backup", EU, rp) == [] and journal(tmp_path) == []
