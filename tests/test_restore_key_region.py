"""A KMS key of another Region than the restore's is a FAIL of restore.key: KMS keys are
Regional and the services encrypt only with a key of the resource's Region. Real `drconsole`
processes against a `drconsole sandbox` process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_cli_copy import EU, NORTH, SandboxProcess, drconsole, sandbox_process
from tests.test_cli_flow_requests import prod_point, restore_jobs


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxProcess]:
    yield from sandbox_process()


def prod_key(sb: SandboxProcess, region: str) -> str:
    kms = sb.client("kms", "prod", region)
    return str(kms.describe_key(KeyId="alias/prod-data")["KeyMetadata"]["Arn"])


def test_a_restore_with_a_key_of_another_region_fails_its_check_and_nothing_is_sent(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    rp = prod_point(sandbox, "DynamoDB")
    before = len(restore_jobs(sandbox, rp))
    done = drconsole(
        sandbox,
        tmp_path,
        "restore",
        "--recovery-point",
        rp,
        "--metadata",
        "targetTableName=key-region-restore",
        "--metadata",
        "encryptionType=KMS",
        "--metadata",
        f"kmsMasterKeyArn={prod_key(sandbox, NORTH)}",
        "--yes",
        "--json",
    )
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    checks = {c["id"]: c for e in events if e["event"] == "checks" for c in e["checks"]}
    key = checks["restore.key"]
    assert key["status"] == "FAIL" and key["cause"] == "KMS_KEY_UNUSABLE", key
    assert f"is in {NORTH}; the restore runs in {EU}" in key["evidence"]
    assert f"kmsMasterKeyArn=arn:aws:kms:{EU}:" in key["remediation"]
    assert done.returncode == 1, done.stdout[-600:] + done.stderr
    assert len(restore_jobs(sandbox, rp)) == before


def test_the_same_restore_with_the_key_of_its_region_passes(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    rp = prod_point(sandbox, "DynamoDB")
    done = drconsole(
        sandbox,
        tmp_path,
        "check",
        "restore",
        "--recovery-point",
        rp,
        "--metadata",
        "targetTableName=key-region-check",
        "--metadata",
        "encryptionType=KMS",
        "--metadata",
        f"kmsMasterKeyArn={prod_key(sandbox, EU)}",
        "--json",
    )
    checks = {c["id"]: c for c in json.loads(done.stdout)["checks"]}
    assert checks["restore.key"]["status"] == "PASS", checks["restore.key"]


def test_a_restore_after_a_copy_needs_a_key_of_the_destination_region(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """After a copy into eu-north-1 the restore runs there: the source Region's key no longer
    fits."""
    rp = prod_point(sandbox, "DynamoDB")
    prod = sandbox.accounts["prod"]
    done = drconsole(
        sandbox,
        tmp_path,
        "check",
        "restore",
        "--recovery-point",
        rp,
        "--to",
        f"arn:aws:backup:{NORTH}:{prod}:backup-vault:prod-vault",
        "--metadata",
        "targetTableName=key-region-after-copy",
        "--metadata",
        "encryptionType=KMS",
        "--metadata",
        f"kmsMasterKeyArn={prod_key(sandbox, EU)}",
        "--json",
    )
    checks = {c["id"]: c for c in json.loads(done.stdout)["checks"]}
    key = checks["restore.key"]
    assert key["status"] == "FAIL" and key["cause"] == "KMS_KEY_UNUSABLE", key
    assert f"is in {EU}; the restore runs in {NORTH}" in key["evidence"]
    assert done.returncode == 1


def test_a_key_named_by_alias_or_id_is_judged_as_the_restores_account_and_region_read_it(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """`check restore` with a key given by alias or id (not an ARN, which the form refuses)
    judged restore.key as if no key were involved: PASS "no KMS key involved". The key is the
    one of that name in the restoring account and Region, as the service resolves it."""
    rp = prod_point(sandbox, "DynamoDB")
    key_arn = prod_key(sandbox, EU)

    def restore_key(named: str) -> dict[str, str]:
        done = drconsole(
            sandbox, tmp_path, "check", "restore", "--recovery-point", rp, "--metadata",
            "encryptionType=KMS", "--metadata", f"kmsMasterKeyArn={named}", "--json",
        )  # fmt: skip
        checks = {c["id"]: c for c in json.loads(done.stdout)["checks"]}
        assert checks["restore.metadata"]["status"] == "FAIL"  # the form wants an ARN
        return checks["restore.key"]

    for named in ("alias/prod-data", key_arn.rsplit("/", 1)[1]):
        key = restore_key(named)
        assert key["status"] == "PASS" and key_arn in key["evidence"], key
    missing = restore_key("alias/no-such-key")
    assert missing["status"] != "PASS" and "no KMS key involved" not in missing["evidence"]
    assert f"arn:aws:kms:{EU}:{sandbox.accounts['prod']}:alias/no-such-key" in missing["evidence"]
