"""A drill whose EC2 target names an instance profile the restoring account lacks: `drill plan`
says so, and `drill run` blocks the target before its copy (no copy job) with the plan's cause."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests import forked_cli

EU, NORTH = "eu-central-1", "eu-north-1"
CHECK = "restore.instance-profile"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sb, info = start_sandbox("demo", SandboxOptions(time_scale=600))
    yield sb, info
    sb.stop()


def drill(sb: Sandbox, info: ScenarioInfo, home: Path, *args: str) -> Any:
    credentials = sb.credentials_for(info.accounts["management"])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "XDG_"))}
    env.update(
        AWS_ENDPOINT_URL=sb.endpoint_url,
        AWS_ACCESS_KEY_ID=credentials["aws_access_key_id"],
        AWS_SECRET_ACCESS_KEY=credentials["aws_secret_access_key"],
        AWS_REGION=EU,
        XDG_STATE_HOME=str(home / "state"),
        XDG_CONFIG_HOME=str(home / "config"),
    )
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", "drill", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )


def copy_jobs(sb: Sandbox, account: str) -> set[str]:
    return {
        job["CopyJobId"]
        for region in (EU, NORTH)
        for job in sb.client("backup", account, region).list_copy_jobs()["CopyJobs"]
    }


def test_a_profile_the_restoring_account_lacks_blocks_the_target_before_its_copy(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    backup, qa, prod = info.accounts["backup"], info.accounts["qa"], info.accounts["prod"]
    runbook = tmp_path / "drill.yaml"
    runbook.write_text(
        "name: web\ncleanup: always\n"
        f'source: {{account: "{backup}", region: {EU}, vault: central-eu-central-1}}\n'
        f'restore_to: {{account: "{qa}", region: {EU}, vault: qa-vault}}\n'
        "targets:\n"
        f'  - name: web\n    resource: {{account: "{prod}", type: EC2, name: prod-web-1}}\n'
    )
    plan = drill(sb, info, tmp_path, "plan", str(runbook), "--json")
    (planned,) = json.loads(plan.stdout)["targets"]
    failing = [c for step in planned["checks"] for c in step["checks"] if c["status"] != "PASS"]
    assert [(c["id"], c["status"], c["cause"]) for c in failing] == [(CHECK, "FAIL", "UNKNOWN")]
    assert "prod-web-profile" in failing[0]["evidence"] and qa in failing[0]["evidence"]
    before = copy_jobs(sb, backup) | copy_jobs(sb, qa)

    done = drill(sb, info, tmp_path, "run", str(runbook), "--yes", "--json")

    assert done.returncode == 1, done.stdout[-3000:] + done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    (target,) = result["targets"]
    assert (target["verdict"], target["cause"]) == ("failed", "UNKNOWN"), target
    assert copy_jobs(sb, backup) | copy_jobs(sb, qa) == before
    report = json.loads((Path(result["report_dir"]) / "report.json").read_text())
    (reported,) = report["targets"]
    assert reported["failures"] == [planned["message"]] and CHECK in reported["failures"][0]
    assert reported["jobs"] == [] and reported["created_resource"] is None
