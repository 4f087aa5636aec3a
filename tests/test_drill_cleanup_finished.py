"""`drill cleanup RUN_ID` of a FINISHED drill that left a flow unfinished with its restore job
still running in AWS (the drill was killed mid-restore; `drill resume` then found that flow driven
by another drconsole process and failed the target): clean-up waits for the job holding that
flow's lock, so `drconsole jobs --resume` run meanwhile skips the flow as busy and the job's end
is journaled once, by clean-up, which then deletes the table it made (asked with plain boto3).
`drill history` says what each run left."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from drconsole.flows.journal import FlowLock, Journal
from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from tests import forked_cli
from tests.test_drill_abandon import (
    JOBS,
    ended_restore,
    killed_drill_mid_restore,
    restore_job,
    tables_of,
)
from tests.test_drill_interrupted import history_of
from tests.test_drill_run import DRILL, demo_sandbox, drill

sandbox = pytest.fixture(scope="module", name="sandbox")(demo_sandbox)


def restore_ends(state_dir: Path, flow_id: str) -> list[dict[str, object]]:
    """The ends of the flow's restore job its journal holds."""
    return [
        record
        for record in map(json.loads, (state_dir / "journal.jsonl").read_text().splitlines())
        if record["flow"] == flow_id
        and record["type"] == "finished"
        and record.get("step") == "restore"
    ]


def test_cleanup_of_a_finished_drill_holds_the_lock_of_the_flow_whose_job_it_waits_for(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    # The restore runs until released: resumed, then cleaned up while it runs, however slow
    # the machine (a slow clock alone let it end first on a loaded one).
    sb.hold_jobs("restore")
    try:
        held_restore_cleaned_up(sb, info, tmp_path)
    finally:
        sb.release_jobs()


def held_restore_cleaned_up(sb: Sandbox, info: ScenarioInfo, tmp_path: Path) -> None:
    killed = killed_drill_mid_restore(sb, info, tmp_path, "finished-waited-table", 20)
    env, run_id = killed.env, killed.run_id
    state_dir = tmp_path / "state" / "drconsole"
    (flow_id,) = [f.flow_id for f in Journal(state_dir).unfinished()]

    # `drill resume` while another process drives the drill's flow: the target fails, the
    # drill finishes, and the flow stays unfinished with its restore job running in AWS.
    with FlowLock(state_dir, flow_id) as lock:
        assert lock.acquire()
        resumed = drill(env, "resume", run_id, "--yes", "--json")
    assert resumed.returncode == 1, resumed.stdout[-3000:] + resumed.stderr
    listed = history_of(env, run_id)
    assert listed["verdict"] == "failed" and listed["finished"]
    assert listed["left"] == 1  # what the running restore makes (its copy was deleted)
    (line,) = [text for text in drill(env, "history").stdout.splitlines() if run_id in text]
    assert line.endswith("  1 left"), line
    assert flow_id in {f.flow_id for f in Journal(state_dir).unfinished()}
    assert restore_job(sb, info, killed.job_id)["Status"] in ("PENDING", "RUNNING")

    cleanup = subprocess.Popen(
        [*DRILL, "cleanup", run_id],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert cleanup.stdout is not None
        line = cleanup.stdout.readline()
        assert line.startswith(f"Waiting for restore job {killed.job_id}"), line
        # While clean-up waits for the job, `jobs --resume` does not drive its flow: busy.
        driven = forked_cli.run(
            [*JOBS, "--resume", "--json"], capture_output=True, text=True, env=env, timeout=180
        )
        assert driven.returncode == 0, driven.stdout + driven.stderr
        results = [json.loads(text) for text in driven.stdout.splitlines()]
        (result,) = [r for r in results if r.get("event") == "result" and r["flow"] == flow_id]
        assert (result["status"], result["message"]) == (
            "busy",
            f"flow {flow_id} is being run by another drconsole process",
        )
        assert restore_job(sb, info, killed.job_id)["Status"] in ("PENDING", "RUNNING")
        sb.release_jobs()
        out, err = cleanup.communicate(timeout=180)
    finally:
        if cleanup.poll() is None:
            cleanup.kill()

    assert cleanup.returncode == 0, line + out + err
    job = ended_restore(sb, info, killed.job_id)
    assert job["Status"] == "COMPLETED"
    assert f"restore job {killed.job_id}" in out and "ended COMPLETED" in out
    assert f"resource {job['CreatedResourceArn']}: deleted" in out
    assert out.endswith("nothing the drill created is left\n")
    # With plain boto3: the table the restore made is gone; its end was journaled once.
    assert killed.table not in tables_of(sb, info)
    assert len(restore_ends(state_dir, flow_id)) == 1
    after = history_of(env, run_id)
    assert after["verdict"] == "failed" and after["left"] == 0
    (line,) = [text for text in drill(env, "history").stdout.splitlines() if run_id in text]
    assert "left" not in line, line
