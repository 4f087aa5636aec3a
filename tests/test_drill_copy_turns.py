"""One resource in several targets of a drill (restored into two Regions, or by two teams'
targets): AWS Backup copies a resource once at a time, and the `jobs.concurrency` check fails a
copy while another of the resource runs, so the drill copies it for one target after another.
Its verdict then does not depend on which target's check ran after which copy started."""

from __future__ import annotations

import itertools
from datetime import datetime
from pathlib import Path

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from tests.test_drill_run import copy_jobs, demo_sandbox, drill, env_for, result_of

sandbox = pytest.fixture(scope="module", name="sandbox")(demo_sandbox)


def test_targets_of_one_resource_copy_it_one_after_another(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    backup, prod = info.accounts["backup"], info.accounts["prod"]
    resource = f'resource: {{account: "{prod}", type: EBS, name: prod-web-data}}'
    path = tmp_path / "one-resource.yaml"
    path.write_text(
        "name: one-resource\ncleanup: always\n"
        f'source: {{account: "{backup}", region: eu-north-1, vault: dr-eu-north-1}}\n'
        f'restore_to: {{account: "{info.accounts["recovery"]}", region: eu-central-1, '
        "vault: recovery-vault}\ntargets:\n"
        f"  - name: web-data-central\n    {resource}\n"
        f"  - name: web-data-north\n    {resource}\n    restore_to: {{region: eu-north-1}}\n"
        f"  - name: web-data-again\n    {resource}\n"
    )
    env = env_for(sb, info, tmp_path)
    plan = drill(env, "plan", str(path))
    assert plan.returncode == 0, plan.stdout[-1500:] + plan.stderr
    assert (
        "Targets web-data-central, web-data-north, web-data-again copy the same resource "
        f"arn:aws:ec2:eu-central-1:{prod}:volume/"
    ) in plan.stdout
    assert "their copies run one after another" in plan.stdout
    known = {job["CopyJobId"] for job in copy_jobs(sb, backup)}
    sb.options.time_scale = 20  # copies last seconds, as on AWS they last minutes
    try:
        run = drill(env, "run", str(path), "--yes", "--json", "--poll-interval", "0.2")
    finally:
        sb.options.time_scale = 600
    result = result_of(run)
    verdicts = {t["target"]: (t["verdict"], t["cause"]) for t in result["targets"]}
    assert run.returncode == 0, verdicts
    ours = sorted(
        (job for job in copy_jobs(sb, backup) if job["CopyJobId"] not in known),
        key=lambda job: job["CreationDate"],
    )
    assert len(ours) == 3 and all(job["State"] == "COMPLETED" for job in ours), ours
    # No copy of the resource started before the one before it completed.
    spans: list[tuple[datetime, datetime]] = [
        (job["CreationDate"], job["CompletionDate"]) for job in ours
    ]
    for (_, ended), (started, _) in itertools.pairwise(spans):
        assert started >= ended, spans
