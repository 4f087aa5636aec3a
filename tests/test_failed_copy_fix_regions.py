"""A failed copy's fix names the Region each of its commands must run in: the source's for a
command on the snapshot or on the copy jobs (a copy job runs in the source account and Region),
the destination's for one on the destination vault; and every placeholder a fix can print is
either one a flow or job fills in or one left to the operator on purpose."""

from __future__ import annotations

import ast
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drconsole.diagnose import RULES, placeholders
from drconsole.diagnose.facts import Facts
from drconsole.flows.endings import _filled
from drconsole.flows.journal import FlowState
from drconsole.models import CauseCode, Diagnosis
from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from tests import forked_cli
from tests.test_drill_run import demo_sandbox, env_for

EU, NORTH = "eu-central-1", "eu-north-1"
DIAGNOSE = Path(__file__).resolve().parents[1] / "drconsole" / "diagnose"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    yield from demo_sandbox()


def _failed_copy(
    sb: Sandbox, info: ScenarioInfo, home: Path, kind: str, message: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A prod `kind` point of eu-central-1 copied to backup's eu-north-1 vault, the job
    failing with AWS's `message`: the point and the flow's last event."""
    prod, backup = info.accounts["prod"], info.accounts["backup"]
    points = sb.client("backup", prod, EU).list_recovery_points_by_backup_vault(
        BackupVaultName="prod-vault"
    )["RecoveryPoints"]
    faulty = set(info.faults.values())
    point = next(
        p for p in points if p["ResourceType"] == kind and p["RecoveryPointArn"] not in faulty
    )
    sb.inject_job_failure(point["ResourceArn"], message)
    to = f"arn:aws:backup:{NORTH}:{backup}:backup-vault:dr-{NORTH}"
    done = forked_cli.run(
        [
            sys.executable, "-m", "drconsole", "copy", "--recovery-point",
            point["RecoveryPointArn"], "--to", to, "--allow-duplicate-copy", "--yes", "--json",
            "--poll-interval", "0.2",
        ],
        env=env_for(sb, info, home), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    finished = next((e for e in events if e["event"] == "flow-finished"), None)
    assert finished is not None, (done.returncode, done.stdout[-1500:], done.stderr[-1500:])
    return point, finished


def test_fix_for_an_aws_managed_key_reencrypts_in_the_source_region(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    point, finished = _failed_copy(
        sb,
        info,
        tmp_path,
        "EBS",
        "Encrypted snapshots with Amazon EBS default key cannot be shared",
    )
    assert finished["cause"] == "AWS_MANAGED_RESOURCE_KEY", finished
    fix = finished["remediation"]
    snapshot = point["RecoveryPointArn"].rsplit("/", 1)[1]
    # The snapshot is in eu-central-1, prod's: eu-north-1 is only where the copy was going.
    assert f"--source-region {EU} --source-snapshot-id {snapshot}" in fix, fix
    assert f"source account {info.accounts['prod']}, Region {EU}" in fix, fix
    assert NORTH not in fix, fix


def test_fix_for_too_many_copy_jobs_lists_them_where_they_run(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    message = "Copy job failed because the maximum number of concurrent copy jobs was reached."
    point, finished = _failed_copy(sb, info, tmp_path, "EFS", message)
    assert finished["cause"] == "TOO_MANY_JOBS", finished
    fix = finished["remediation"]
    # The StartCopyJob went to eu-central-1, in prod: its jobs are listed there.
    assert f"list-copy-jobs --by-state RUNNING --region {EU}" in fix, fix
    assert f"source account {info.accounts['prod']}" in fix, fix
    # The same job as AWS lists it (the console's jobs screen and `ls jobs` explain it alike).
    env = env_for(sb, info, tmp_path)
    listed = forked_cli.run(
        [sys.executable, "-m", "drconsole", "ls", "jobs", "--state", "FAILED", "--json",
         "--account", "prod", "--regions", EU],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    jobs = [
        j
        for j in json.loads(listed.stdout)["items"]
        if j["kind"] == "copy" and j["recovery_point_arn"] == point["RecoveryPointArn"]
    ]
    assert jobs, listed.stdout[-2000:]
    assert f"list-copy-jobs --by-state RUNNING --region {EU}" in jobs[0]["remediation"], jobs[0]


def _placeholders_in_source() -> set[str]:
    """Every <NAME> in the diagnose modules' text, and every name given to `fill` (which
    prints <NAME> when the message lacks the value)."""
    names: set[str] = set()
    for module in DIAGNOSE.glob("*.py"):
        if module.name == "placeholders.py":
            continue
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                names |= set(placeholders.PLACEHOLDER_RE.findall(node.value))
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", ""))
                in ("fill", "region_of")
                and len(node.args) == 2
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
                and node.args[1].value.isupper()
            ):
                names.add(node.args[1].value)
    return names


def _placeholders_rendered() -> set[str]:
    """Every <NAME> the rules print, for their own example messages and for none."""
    names: set[str] = set()
    for rule in RULES:
        for text in [*rule.example.split(" / "), ""]:
            diagnosis = rule.render(rule.pattern.search(text), Facts.read(text))
            for said in (diagnosis.explanation, diagnosis.remediation):
                names |= set(placeholders.PLACEHOLDER_RE.findall(said))
    return names


def test_every_placeholder_of_a_fix_is_filled_or_left_to_the_operator_on_purpose() -> None:
    """A new fix cannot print a placeholder nobody fills without saying it is the operator's."""
    used = _placeholders_in_source() | _placeholders_rendered()
    known = placeholders.FILLED_FROM_THE_JOB | placeholders.LEFT_TO_THE_OPERATOR
    assert used - known == set(), sorted(used - known)
    assert not placeholders.FILLED_FROM_THE_JOB & placeholders.LEFT_TO_THE_OPERATOR
    # No fix says a bare <REGION>: which Region a command is for is the point of the name.
    assert "REGION" not in used


def test_a_flow_fills_every_placeholder_it_answers_for_each_hop() -> None:
    """Hop 2 of a two-hop copy (prod eu-central-1 -> backup eu-central-1 -> backup
    eu-north-1), then its restore: each placeholder the job's record answers is filled."""
    prod, backup = "111111111111", "222222222222"
    first = f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault"
    middle = f"arn:aws:backup:{EU}:{backup}:backup-vault:dr-{EU}"
    last = f"arn:aws:backup:{NORTH}:{backup}:backup-vault:dr-{NORTH}"
    state = FlowState("f-1")
    state.plan = {
        "recovery_point": f"arn:aws:rds:{EU}:{prod}:snapshot:awsbackup:job-1",
        "source": {"account": prod, "region": EU},
        "destination": last,
    }
    state.hops = [
        {"source": first, "destination": middle},
        {"source": middle, "destination": last},
    ]
    state.step("hop1").result_arn = f"arn:aws:rds:{EU}:{backup}:snapshot:awsbackup:job-2"
    state.step("hop2").result_arn = f"arn:aws:rds:{NORTH}:{backup}:snapshot:awsbackup:job-3"
    every = " ".join(f"{name}=<{name}>" for name in sorted(placeholders.FILLED_FROM_THE_JOB))
    said = _filled(Diagnosis(CauseCode.UNKNOWN, every, every), state, "hop2").remediation
    assert "<" not in said.replace("<SNAPSHOT_ID>", ""), said  # an RDS point: no EBS snapshot
    assert f"SOURCE_ACCOUNT_ID={backup} SOURCE_REGION={EU}" in said, said
    assert f"DESTINATION_REGION={NORTH}" in said and "SNAPSHOT=awsbackup:job-2" in said, said
    assert f"RESTORE_REGION={NORTH} " in said, said
    restore = _filled(Diagnosis(CauseCode.UNKNOWN, every, every), state, "restore").remediation
    assert "SNAPSHOT=awsbackup:job-3" in restore and f"RESTORE_ACCOUNT_ID={backup}" in restore


def test_explain_fills_the_fix_from_the_job_it_is_told_of() -> None:
    """`explain --recovery-point ARN --to VAULT_ARN` fills what a flow would: the snapshot and
    the Region of the source, where the copy job ran, not the destination's."""
    point = f"arn:aws:ec2:{EU}::snapshot/snap-0123456789abcdef0"
    vault = f"arn:aws:backup:{NORTH}:222233334444:backup-vault:dr-{NORTH}"
    done = forked_cli.run(
        [sys.executable, "-m", "drconsole", "explain", "--json", "--recovery-point", point,
         "--to", vault, "Encrypted snapshots with Amazon EBS default key cannot be shared"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    fix = json.loads(done.stdout)["remediation"]
    assert f"--source-region {EU} --source-snapshot-id snap-0123456789abcdef0" in fix, fix
    refused = forked_cli.run(
        [sys.executable, "-m", "drconsole", "explain", "--to", "dr-vault", "message"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert refused.returncode == 2 and refused.stdout == "", refused
    assert refused.stderr.count("\n") == 1 and "--to" in refused.stderr, refused.stderr
