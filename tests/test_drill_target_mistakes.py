"""Runbook mistakes about a target, through `drill plan` and `drill run`: a pinned recovery point
of another resource, a source vault or Region that does not exist, two targets restoring under
one fixed name, a tolerance with nothing compared, a comparison a type cannot make. Plan and run
agree: a target that cannot start is exit 1 with a cause saying why (not an AWS failure, exit
3), a mistake in the runbook's text is one line with its line and column, exit 2."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from tests import forked_cli
from tests.test_drill_run import (
    EU,
    _runbook,
    copy_jobs,
    demo_sandbox,
    drill,
    env_for,
    restore_jobs,
    result_of,
)

sandbox = pytest.fixture(scope="module", name="sandbox")(demo_sandbox)


def central_point(sb: Sandbox, info: ScenarioInfo, resource_type: str, ends: str = "") -> str:
    """A recovery point ARN of the central vault (of a resource whose ARN ends with `ends`)."""
    points = sb.client("backup", info.accounts["backup"], EU).list_recovery_points_by_backup_vault(
        BackupVaultName="central-eu-central-1", ByResourceType=resource_type
    )["RecoveryPoints"]
    return next(p["RecoveryPointArn"] for p in points if p["ResourceArn"].endswith(ends))


def jobs_count(sb: Sandbox, info: ScenarioInfo) -> tuple[int, int]:
    """Copy jobs of the backup account and restore jobs of the recovery account so far."""
    return (
        len(copy_jobs(sb, info.accounts["backup"])),
        len(restore_jobs(sb, info.accounts["recovery"])),
    )


@pytest.mark.parametrize(
    ("resource_type", "ends", "of"),
    [("DynamoDB", "/qa-sessions", "DynamoDB arn:"), ("EBS", "", "EBS arn:aws:ec2:")],
)
def test_a_pinned_point_of_another_resource_cannot_start(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, resource_type: str, ends: str, of: str
) -> None:
    """A `recovery_point: ARN` of another resource (a wrong paste; even of another type) is not
    planned nor run as the target's resource: plan NOT READY naming both, run starts no job."""
    sb, info = sandbox
    arn = central_point(sb, info, resource_type, ends)
    path = _runbook(
        tmp_path,
        info,
        "",
        '  - name: prod-sessions\n    resource: {account: "PROD", type: DynamoDB, '
        f"name: prod-sessions}}\n    recovery_point: {arn}\n"
        "    metadata: {targetTableName: pinned-elsewhere}\n",
    )
    env = env_for(sb, info, tmp_path)
    plan = drill(env, "plan", str(path), "--json")
    assert plan.returncode == 1, plan.stdout[-1500:] + plan.stderr
    planned = json.loads(plan.stdout)["targets"][0]
    assert not planned["ok"] and planned["cause"] == "POINT_OF_ANOTHER_RESOURCE", planned
    assert f"recovery point {arn} is a backup of {of}" in planned["message"]
    assert (
        f"not of the target's resource DynamoDB prod-sessions in {info.accounts['prod']}"
        in (planned["message"])
    )
    before = jobs_count(sb, info)
    run = drill(env, "run", str(path), "--yes", "--json")
    assert run.returncode == 1, run.stdout[-2000:] + run.stderr
    target = result_of(run)["targets"][0]
    assert (target["verdict"], target["cause"]) == ("failed", "POINT_OF_ANOTHER_RESOURCE")
    assert jobs_count(sb, info) == before  # nothing copied, nothing restored


@pytest.mark.parametrize(
    ("source", "said"),
    [
        ("vault: central-eu-centrl-1", "source vault central-eu-centrl-1 not found in account"),
        (
            "region: eu-nort-1, vault: central-eu-central-1",
            "source Region eu-nort-1 is not an AWS Region",
        ),
    ],
)
def test_a_source_vault_or_region_typo_fails_the_target_in_plan_and_run_alike(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, source: str, said: str
) -> None:
    """AWS answered that the runbook's vault (or Region) is not there: the target cannot start
    (exit 1 in plan and run, cause SOURCE_NOT_FOUND), not an AWS failure (exit 3)."""
    sb, info = sandbox
    path = _runbook(
        tmp_path,
        info,
        "",
        '  - name: table\n    resource: {account: "PROD", type: DynamoDB, name: prod-sessions}\n'
        f'    source: {{account: "{info.accounts["backup"]}", {source}}}\n'
        "    metadata: {targetTableName: typo-table}\n",
    )
    env = env_for(sb, info, tmp_path)
    plan = drill(env, "plan", str(path), "--json")
    assert plan.returncode == 1, plan.stdout[-1500:] + plan.stderr
    planned = json.loads(plan.stdout)["targets"][0]
    assert planned["cause"] == "SOURCE_NOT_FOUND" and said in planned["message"], planned
    run = drill(env, "run", str(path), "--yes", "--json")
    assert run.returncode == 1, run.stdout[-2000:] + run.stderr
    target = result_of(run)["targets"][0]
    assert (target["verdict"], target["cause"]) == ("failed", "SOURCE_NOT_FOUND"), target
    assert said in target["failures"][0]


def refused(env: dict[str, str], path: Path) -> list[str]:
    """`drill plan` and `drill run` of a runbook both refused with one line, exit 2."""
    lines = []
    for command in (["plan"], ["run", "--yes", "--json"]):
        done = forked_cli.run(
            [sys.executable, "-m", "drconsole", "drill", *command, str(path)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        assert done.returncode == 2, done.stdout[-1500:] + done.stderr
        assert done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
        lines.append(done.stderr)
    assert lines[0] == lines[1]
    return lines


def test_two_targets_restoring_under_one_fixed_name_are_refused_before_any_copy(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """Two targets restoring the same table name where the restores land: one line at the
    second one's name, exit 2, nothing journaled, no copy (else one fails after its copy)."""
    sb, info = sandbox
    path = _runbook(
        tmp_path,
        info,
        "",
        '  - name: prod\n    resource: {account: "PROD", type: DynamoDB, name: prod-sessions}\n'
        "    metadata: {targetTableName: drill-sessions}\n"
        '  - name: qa\n    resource: {account: "QA", type: DynamoDB, name: qa-sessions}\n'
        "    metadata: {targetTableName: drill-sessions}\n",
    )
    env = env_for(sb, info, tmp_path)
    before = jobs_count(sb, info)
    line = refused(env, path)[0]
    assert line == (
        f"drconsole: {path}:11:33: targets[1].metadata.targetTableName: targets prod and qa both "
        f"restore DynamoDB table drill-sessions in account {info.accounts['recovery']} {EU}: "
        "the second would fail (it already exists) after its copy was made; give each target "
        "its own targetTableName\n"
    )
    assert jobs_count(sb, info) == before
    assert not (tmp_path / "state" / "drconsole" / "drills").exists()
    # Restored into two Regions, the same name is two tables: both can start.
    named = "    metadata: {targetTableName: drill-sessions}\n"
    north = f"{named}    restore_to: {{region: eu-north-1}}\n"
    path.write_text(path.read_text().replace(named, north, 1))
    plan = drill(env, "plan", str(path))
    assert plan.returncode in (0, 1) and "restore DynamoDB table" not in plan.stderr, plan.stderr


def test_a_tolerance_without_compare_or_a_compare_of_ec2_is_refused(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """`tolerance` without `compare_with_source` compares nothing; an EC2 instance has no
    measure to compare: both are runbook mistakes (one line, exit 2), never a "match"."""
    sb, info = sandbox
    env = env_for(sb, info, tmp_path)
    path = _runbook(
        tmp_path,
        info,
        "",
        '  - name: table\n    resource: {account: "PROD", type: DynamoDB, name: prod-sessions}\n'
        "    validate: {builtin: true, tolerance: 5%}\n",
    )
    assert refused(env, path)[0] == (
        f"drconsole: {path}:8:42: targets[0].validate.tolerance: tolerance applies to "
        "compare_with_source: add compare_with_source: true\n"
    )
    path = _runbook(
        tmp_path,
        info,
        "",
        '  - name: web\n    resource: {account: "PROD", type: EC2, name: prod-web}\n'
        "    validate: {compare_with_source: true}\n",
    )
    assert refused(env, path)[0].startswith(
        f"drconsole: {path}:8:37: targets[0].validate.compare_with_source: a restored EC2 "
        "resource has no measure (size, count) to compare with its source"
    )
