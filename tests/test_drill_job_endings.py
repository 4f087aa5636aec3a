"""A drill whose copy ends PARTIAL or whose restore ends ABORTED: the target fails with the
job's state and id in its report, nothing is restored from a partial copy (one sandbox,
`drill run` in subprocesses)."""

from __future__ import annotations

from pathlib import Path

from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from tests.test_drill_run import (
    EU,
    drill,
    env_for,
    restore_jobs,
    result_of,
    sandbox,
    table_runbook,
)

__all__ = ["sandbox"]


def prod_table(sb: Sandbox, info: ScenarioInfo) -> str:
    dynamodb = sb.client("dynamodb", info.accounts["prod"], EU)
    return str(dynamodb.describe_table(TableName="prod-sessions")["Table"]["TableArn"])


def test_a_partial_copy_fails_the_target_before_its_restore(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    recovery = info.accounts["recovery"]
    restores = len(restore_jobs(sb, recovery))
    sb.inject_job_ending(prod_table(sb, info), "PARTIAL", "1 of 2 nested copies failed")
    path = table_runbook(tmp_path, info, "endings-partial")
    done = drill(env_for(sb, info, tmp_path), "run", str(path), "--yes", "--json")
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr
    result = result_of(done)
    assert result["verdict"] == "failed", result
    (target,) = result["targets"]
    assert target["verdict"] == "failed", target
    assert "ended PARTIAL: 1 of 2 nested copies failed" in target["failures"][0], target
    assert len(restore_jobs(sb, recovery)) == restores


def test_an_aborted_restore_fails_the_target(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    sb.inject_job_ending(prod_table(sb, info), "ABORTED")
    path = table_runbook(tmp_path, info, "endings-aborted")
    done = drill(env_for(sb, info, tmp_path), "run", str(path), "--yes", "--json")
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr
    (target,) = result_of(done)["targets"]
    assert target["verdict"] == "failed", target
    assert "ended ABORTED" in target["failures"][0], target
    aborted = [j for j in restore_jobs(sb, info.accounts["recovery"]) if j["Status"] == "ABORTED"]
    assert len(aborted) == 1 and aborted[0]["RestoreJobId"] in target["failures"][0], target
