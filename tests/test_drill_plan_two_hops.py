"""`drill plan` judges a database copy across account and Region as `drill run` carries it out:
the single job, and the two hops it falls back to when AWS refuses it, through the intermediate
vault the flow would choose, the second hop foreseen (real CLI against the demo sandbox)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drconsole.drills.planner import TargetPlan
from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.server import SandboxOptions
from tests import forked_cli
from tests.demo_cli import demo_cli_env
from tests.test_cli_check import Env
from tests.test_cli_two_hop_checks import (
    INTERMEDIATE,
    copy_job_ids,
    intermediate_key_not_shared_with_qa,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    home = tmp_path_factory.mktemp("home")
    try:
        yield Env(sandbox, info, demo_cli_env(sandbox, info, home), home / "state")
    finally:
        sandbox.stop()
        sandbox.reset()


def drill(demo: Env, *args: str, read_only: bool = True) -> subprocess.CompletedProcess[str]:
    flags = ["--read-only"] if read_only else []
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", *flags, "drill", *args],
        capture_output=True,
        text=True,
        env=demo.env,
        cwd=ROOT,
        timeout=300,
    )


def newest_point(demo: Env, resource_type: str) -> dict[str, Any]:
    """The newest recovery point of a type in the backup account's DR vault (eu-north-1)."""
    backup = demo.sandbox.client("backup", demo.info.accounts["backup"], demo.info.dr_region)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="dr-eu-north-1")
    found = [p for p in points["RecoveryPoints"] if p["ResourceType"] == resource_type]
    found = [p for p in found if p["Status"] == "COMPLETED"]
    return dict(max(found, key=lambda p: p["CreationDate"]))


def runbook(demo: Env, tmp_path: Path, resource_type: str, name: str) -> Path:
    """One target of `resource_type` from the DR vault (backup account, eu-north-1) into qa's
    vault in eu-central-1: across account and Region. qa has no vault in eu-north-1, so a
    database's fall-back goes through the backup account's vault in eu-central-1."""
    info = demo.info
    point = newest_point(demo, resource_type)
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        f"""
name: {name}
source: {{account: "{info.accounts["backup"]}", region: {info.dr_region}, vault: dr-eu-north-1}}
restore_to: {{account: "{info.accounts["qa"]}", region: {info.region}, vault: qa-vault}}
targets:
  - name: {name}-target
    resource: {point["ResourceArn"]}
    recovery_point: {point["RecoveryPointArn"]}
"""
    )
    return path


def only_target(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    (target,) = json.loads(done.stdout)["targets"]
    return dict(target)


def test_a_fall_back_whose_second_hop_would_fail_makes_the_target_not_ready(
    demo: Env, tmp_path: Path
) -> None:
    path = runbook(demo, tmp_path, "RDS", "twohop-key")
    with intermediate_key_not_shared_with_qa(demo) as key:
        planned = drill(demo, "plan", str(path), "--json")
        text = drill(demo, "plan", str(path))
    assert planned.returncode == 1, planned.stdout + planned.stderr
    target = only_target(planned)
    assert target["ok"] is False
    assert target["cause"] == "SOURCE_KEY_NOT_SHARED"
    assert target["message"].startswith("fall-back hop2 check hop2.source.key FAIL: ")
    assert key in target["message"] and demo.info.accounts["qa"] in target["message"]
    # The single job's own checks pass: only the second hop of the fall-back blocks.
    steps = {c["step"]: c for c in target["checks"]}
    assert list(steps) == ["hop1", "restore", "fall-back hop1", "fall-back hop2"]
    assert steps["hop1"]["ok"] and steps["fall-back hop1"]["ok"]
    bad = [c for c in steps["fall-back hop2"]["checks"] if c["status"] in ("FAIL", "UNKNOWN")]
    assert [(c["id"], c["cause"]) for c in bad] == [("hop2.source.key", "SOURCE_KEY_NOT_SHARED")]
    assert target["route"]["fall_back"] == {"intermediate": None, "no_intermediate": None}
    assert text.returncode == 1, text.stdout + text.stderr
    assert "Target twohop-key-target: NOT READY" in text.stdout
    assert "checks of fall-back hop2: " in text.stdout
    assert "FAIL hop2.source.key [SOURCE_KEY_NOT_SHARED]" in text.stdout
    assert "if AWS refuses it in one job: no intermediate vault passes both hops' checks" in (
        text.stdout
    )
    assert "A target cannot start: see above." in text.stdout


def test_drill_run_refuses_what_the_plan_says_is_not_ready(demo: Env, tmp_path: Path) -> None:
    """Where AWS refuses the single job, `drill run` falls back and is blocked at the second
    hop with the cause the plan named, before any copy is made."""
    path = runbook(demo, tmp_path, "RDS", "twohop-run")
    jobs_before = copy_job_ids(demo)
    demo.sandbox.options.single_action_db_copy = False
    try:
        with intermediate_key_not_shared_with_qa(demo):
            planned = drill(demo, "plan", str(path), "--json")
            ran = drill(
                demo, "run", str(path), "--yes", "--json", "--poll-interval", "0.1",
                read_only=False,
            )  # fmt: skip
    finally:
        demo.sandbox.options.single_action_db_copy = True
    assert planned.returncode == 1, planned.stdout + planned.stderr
    assert ran.returncode == 1, ran.stdout[-3000:] + ran.stderr
    assert only_target(planned)["cause"] == "SOURCE_KEY_NOT_SHARED"
    result = json.loads(ran.stdout.strip().splitlines()[-1])
    assert result["event"] == "result", ran.stdout[-2000:]
    (failed,) = result["targets"]
    assert failed["cause"] == "SOURCE_KEY_NOT_SHARED", failed
    assert copy_job_ids(demo) == jobs_before


def test_a_fall_back_that_passes_is_ready_with_its_second_hop_listed(
    demo: Env, tmp_path: Path
) -> None:
    path = runbook(demo, tmp_path, "RDS", "twohop-ok")
    planned = drill(demo, "plan", str(path), "--json")
    text = drill(demo, "plan", str(path))
    assert planned.returncode == 0, planned.stdout + planned.stderr
    target = only_target(planned)
    assert target["ok"] is True and target["cause"] is None
    intermediate = demo.vault("backup", INTERMEDIATE)
    assert target["route"]["fall_back"] == {"intermediate": intermediate, "no_intermediate": None}
    steps = {c["step"]: c for c in target["checks"]}
    assert list(steps) == ["hop1", "restore", "fall-back hop1", "fall-back hop2"]
    hop2 = [c["id"] for c in steps["fall-back hop2"]["checks"]]
    assert {"hop2.source.key", "hop2.source.vault-policy", "hop2.dest.access-policy"} <= set(hop2)
    assert all(c.startswith("hop2.") for c in hop2)
    assert all(s["ok"] for s in steps.values())
    # The fall-back's first hop makes a copy in the intermediate vault, which clean-up deletes.
    made = f"if AWS refuses the single copy job: a copy of the recovery point in {intermediate}"
    assert made in target["creates"][1]
    assert target["cleanup_deletes"][1].startswith(made)
    assert text.returncode == 0, text.stdout + text.stderr
    assert f"if AWS refuses it in one job: two hops through {intermediate}" in text.stdout
    assert "checks of fall-back hop2: " in text.stdout
    assert "Every target can start." in text.stdout


def test_a_one_hop_copy_plans_as_before(demo: Env, tmp_path: Path) -> None:
    """An EBS copy across account and Region goes in one job: no fall-back is judged."""
    path = runbook(demo, tmp_path, "EBS", "onehop")
    planned = drill(demo, "plan", str(path), "--json")
    text = drill(demo, "plan", str(path))
    assert planned.returncode == 0, planned.stdout + planned.stderr
    target = only_target(planned)
    assert [c["step"] for c in target["checks"]] == ["hop1", "restore"]
    assert target["route"]["fall_back"] is None and len(target["route"]["hops"]) == 1
    assert target["checked_before_their_step"] == ["restore"]
    assert len(target["creates"]) == 2 and "refuses" not in " ".join(target["creates"])
    assert "fall-back" not in text.stdout and "refuses it in one job" not in text.stdout


def test_a_fall_back_without_any_candidate_vault_is_said_with_the_vaults_to_create(
    demo: Env, tmp_path: Path
) -> None:
    """qa's RDS backup in eu-central-1 into a vault of the management account in eu-north-1:
    neither qa has a vault in eu-north-1 nor management one in eu-central-1, so a refused
    single job has nothing to fall back through."""
    from datetime import UTC, datetime

    from drconsole.sandbox.store import seed_recovery_point

    info = demo.info
    qa, management = info.accounts["qa"], info.accounts["management"]
    lonely = "drill-lonely-vault"
    demo.sandbox.client("backup", management, info.dr_region).create_backup_vault(
        BackupVaultName=lonely
    )
    resource = f"arn:aws:rds:{info.region}:{qa}:db:qa-lonely-db"
    point = seed_recovery_point(
        qa,
        info.region,
        "qa-vault",
        resource_arn=resource,
        resource_type="RDS",
        resource_name="qa-lonely-db",
        created=datetime.now(UTC),
        encryption_key_arn=None,
        size_bytes=2**30,
    )
    path = tmp_path / "lonely.yaml"
    path.write_text(
        f"""
name: lonely
source: {{account: "{qa}", region: {info.region}, vault: qa-vault}}
restore_to: {{account: "{management}", region: {info.dr_region}, vault: {lonely}}}
targets:
  - name: lonely-db
    resource: {resource}
    recovery_point: {point}
"""
    )
    planned = drill(demo, "plan", str(path), "--json")
    text = drill(demo, "plan", str(path))
    assert planned.returncode == 1, planned.stdout + planned.stderr
    target = only_target(planned)
    assert target["ok"] is False
    missing = target["route"]["fall_back"]["no_intermediate"]
    assert target["route"]["fall_back"]["intermediate"] is None
    assert missing.startswith("no intermediate vault for a two-hop copy: create a vault in ")
    assert f"account {management} in {info.region}" in missing
    assert f"account {qa} in {info.dr_region}" in missing
    assert not [c for c in target["checks"] if c["step"].startswith("fall-back")]
    assert f"if AWS refuses it in one job: {missing} [UNSUPPORTED_COPY_ROUTE]" in text.stdout
    # Its first failure is the single job's (into a vault with the AWS managed key); with that
    # one passing, the missing fall-back is what the plan names:
    alone = TargetPlan(None, fall_back=(None, missing))  # type: ignore[arg-type]
    assert (alone.ok, alone.unanswered) == (False, False)
    assert alone.first_failure() == ("UNSUPPORTED_COPY_ROUTE", missing)
