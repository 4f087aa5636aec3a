"""A two-hop route's second hop is judged before the first starts: `check copy` reports it, and
`copy --route two-hop` starts nothing when it would fail (real CLI against the demo sandbox)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from drconsole.aws.audit import AuditLog
from tests.copy_check_cli import demo_env, drconsole
from tests.test_cli_check import Env
from tests.two_hop_faults import key_not_shared

INTERMEDIATE = "central-eu-central-1"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    yield from demo_env(tmp_path_factory)


def dr_rds_point(demo: Env) -> str:
    """The newest RDS recovery point of the backup account's DR vault (eu-north-1)."""
    backup = demo.sandbox.client("backup", demo.info.accounts["backup"], demo.info.dr_region)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="dr-eu-north-1")
    rds = [p for p in points["RecoveryPoints"] if p["ResourceType"] == "RDS"]
    rds.sort(key=lambda p: p["CreationDate"], reverse=True)
    return str(rds[0]["RecoveryPointArn"])


def qa_vault(demo: Env) -> str:
    """qa's vault in eu-central-1: qa has no vault in eu-north-1, so the intermediate vault is
    the backup account's in eu-central-1, and the second hop crosses accounts."""
    return demo.vault("qa", "qa-vault")


def copy_job_ids(demo: Env) -> set[str]:
    """Every copy job of every account and Region, asked with plain boto3."""
    found: set[str] = set()
    for account in demo.info.accounts.values():
        for region in (demo.info.region, demo.info.dr_region):
            backup = demo.sandbox.client("backup", account, region)
            for page in backup.get_paginator("list_copy_jobs").paginate():
                found.update(job["CopyJobId"] for job in page["CopyJobs"])
    return found


def audited_starts(demo: Env) -> list[dict[str, Any]]:
    calls = AuditLog(demo.state / "drconsole").calls()
    return [c for c in calls if c["operation"].startswith("backup:Start")]


@contextmanager
def intermediate_key_not_shared_with_qa(demo: Env) -> Iterator[str]:
    """The intermediate vault's key policy without qa's account (as the reviewer had it); the
    policy is put back afterwards. Yields the key's ARN."""
    backup_account, qa = demo.info.accounts["backup"], demo.info.accounts["qa"]
    with key_not_shared(demo.sandbox, backup_account, demo.info.region, INTERMEDIATE, qa) as key:
        yield key


def test_check_copy_reports_the_second_hops_key_not_shared(demo: Env) -> None:
    rp, dest = dr_rds_point(demo), qa_vault(demo)
    with intermediate_key_not_shared_with_qa(demo) as key:
        result = drconsole(demo, "check", "copy", "--recovery-point", rp, "--to", dest, "--json")
        table = drconsole(demo, "check", "copy", "--recovery-point", rp, "--to", dest)
    assert result.returncode == 1, result.stdout + result.stderr
    document = json.loads(result.stdout)
    assert document["ok"] is False
    assert document["route"]["hops"] == 2
    assert document["route"]["intermediate"] == demo.vault("backup", INTERMEDIATE)
    bad = [c for c in document["checks"] if c["status"] in ("FAIL", "UNKNOWN")]
    assert [(c["id"], c["cause"]) for c in bad] == [("hop2.source.key", "SOURCE_KEY_NOT_SHARED")]
    assert bad[0]["title"].startswith("Hop 2: ")
    assert key in bad[0]["evidence"] and demo.info.accounts["qa"] in bad[0]["evidence"]
    # Judged before the first hop has made the copy: its status and the jobs then are not.
    hop2 = {c["id"] for c in document["checks"] if c["id"].startswith("hop2.")}
    assert {"hop2.source.vault-policy", "hop2.dest.access-policy", "hop2.route"} <= hop2
    assert not {"hop2.source.status", "hop2.jobs.concurrency"} & hop2
    # The first hop's and the direct copy's own checks pass: only the second hop blocks.
    assert all(c["id"].startswith("hop2.") for c in bad)
    assert table.returncode == 1
    assert "Hop 2: Source key usable by the destination" in table.stdout
    assert "SOURCE_KEY_NOT_SHARED" in table.stdout and "copy not ready" in table.stdout


def test_a_two_hop_copy_whose_second_hop_would_fail_starts_no_job(demo: Env) -> None:
    rp, dest = dr_rds_point(demo), qa_vault(demo)
    jobs_before = copy_job_ids(demo)
    starts_before = audited_starts(demo)
    with intermediate_key_not_shared_with_qa(demo):
        result = drconsole(
            demo, "copy", "--recovery-point", rp, "--to", dest, "--route", "two-hop",
            "--yes", "--json", "--poll-interval", "0.2",
        )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert copy_job_ids(demo) == jobs_before
    assert audited_starts(demo) == starts_before
    assert not [e for e in events if e["event"] == "job-started"]
    checks = {e["step"]: e for e in events if e["event"] == "checks"}
    assert checks["hop1"]["ok"] is True and checks["hop2"]["ok"] is False
    (failing,) = [c for c in checks["hop2"]["checks"] if c["status"] == "FAIL"]
    assert (failing["id"], failing["cause"]) == ("hop2.source.key", "SOURCE_KEY_NOT_SHARED")
    result_line = events[-1]
    assert (result_line["event"], result_line["status"], result_line["flow"]) == (
        "result",
        "blocked",
        None,
    )
    assert result_line["cause"] == "SOURCE_KEY_NOT_SHARED"
    assert result_line["message"].startswith("check hop2.source.key FAIL: ")


def test_a_two_hop_copy_judges_its_second_hop_first_and_completes(demo: Env) -> None:
    rp, dest = dr_rds_point(demo), qa_vault(demo)
    checked = drconsole(demo, "check", "copy", "--recovery-point", rp, "--to", dest, "--json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    hop2 = [c for c in json.loads(checked.stdout)["checks"] if c["id"].startswith("hop2.")]
    assert hop2 and {c["status"] for c in hop2} == {"PASS"}
    result = drconsole(
        demo, "copy", "--recovery-point", rp, "--to", dest, "--route", "two-hop",
        "--yes", "--json", "--poll-interval", "0.2", "--allow-duplicate-copy",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = [(e["event"], e.get("step")) for e in events]
    # The second hop is judged before the first job starts, and again on the copy it sends.
    first_job = kinds.index(("job-started", "hop1"))
    assert ("checks", "hop2") in kinds[:first_job]
    assert ("checks", "hop2") in kinds[first_job:]
    assert events[-1]["status"] == "completed"
    qa = demo.sandbox.client("backup", demo.info.accounts["qa"], demo.info.region)
    final = events[-1]["result"]["recovery_point"]
    points = qa.list_recovery_points_by_backup_vault(BackupVaultName="qa-vault")
    assert final in {p["RecoveryPointArn"] for p in points["RecoveryPoints"]}


def test_a_refused_single_copy_falls_back_only_to_a_route_whose_second_hop_passes(
    demo: Env,
) -> None:
    """`--route auto`: AWS refuses the copy in one job; the fall-back's only candidate would
    fail at hop 2, so no hop is started and the flow is blocked at hop 2 with its cause (a copy
    made by another test of this module is no reason to stop: --allow-duplicate-copy)."""
    rp, dest = dr_rds_point(demo), qa_vault(demo)
    jobs_before = copy_job_ids(demo)
    starts_before = audited_starts(demo)
    demo.sandbox.options.single_action_db_copy = False
    try:
        with intermediate_key_not_shared_with_qa(demo):
            result = drconsole(
                demo, "copy", "--recovery-point", rp, "--to", dest, "--yes", "--json",
                "--poll-interval", "0.2", "--allow-duplicate-copy",
            )  # fmt: skip
    finally:
        demo.sandbox.options.single_action_db_copy = True
    assert result.returncode == 1, result.stdout + result.stderr
    assert copy_job_ids(demo) == jobs_before
    starts = audited_starts(demo)[len(starts_before) :]
    assert [(s["operation"], s["outcome"]) for s in starts] == [("backup:StartCopyJob", "error")]
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert not [e for e in events if e["event"] == "job-started"]
    ended = [e for e in events if e["event"] == "flow-finished"][-1]
    assert (ended["status"], ended["step"], ended["cause"]) == (
        "blocked",
        "hop2",
        "SOURCE_KEY_NOT_SHARED",
    )
    assert ended["message"].startswith("check hop2.source.key FAIL: ")


def test_check_copy_fix_applies_the_second_hops_fix_to_the_intermediate_key(demo: Env) -> None:
    rp, dest = dr_rds_point(demo), qa_vault(demo)
    qa = demo.info.accounts["qa"]
    kms = demo.sandbox.client("kms", demo.info.accounts["backup"], demo.info.region)
    with intermediate_key_not_shared_with_qa(demo) as key:
        fixed = drconsole(
            demo, "check", "copy", "--recovery-point", rp, "--to", dest, "--fix", "--yes", "--json"
        )
        policy = kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
        again = drconsole(demo, "check", "copy", "--recovery-point", rp, "--to", dest, "--json")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    (fix,) = json.loads(fixed.stdout)["fixes"]
    assert (fix["check"], fix["applied"]) == ("hop2.source.key", True)
    assert f"arn:aws:iam::{qa}:root" in policy  # the intermediate vault's key, not the source's
    assert again.returncode == 0, again.stdout + again.stderr
