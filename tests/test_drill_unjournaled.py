"""`drill cleanup RUN_ID` of a drill whose Start call was journaled as sent but whose job id was
never journaled (the drill was killed while AWS's answer was on its way): the job is looked up
in the account and Region the request went to — found, it is journaled, waited for and what it
made deleted (checked with plain boto3); two jobs matching the request stop clean-up without
deleting what either made; a lookup AWS refuses is said with its cause and retried by a later
clean-up. A job someone else started — a restore into another table, a copy created after the
call could have reached AWS — is never taken for the drill's (their table and copy are still
there, plain boto3); no job listed is taken as none started only once AWS would list it, and
until then the call counts as left; a finished drill's flow is ended by its clean-up, so
`jobs --resume` sends no Start call after it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from drconsole.flows.journal import FlowLock, Journal
from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from tests import forked_cli
from tests.test_drill_abandon import (
    HOUR,
    JOBS,
    ended_restore,
    interrupted_drill,
    sent_earlier,
    tables_of,
)
from tests.test_drill_interrupted import history_of, recovery_points, run_interrupted
from tests.test_drill_run import (
    EU,
    copy_jobs,
    demo_sandbox,
    drill,
    env_for,
    killed_once,
    restore_jobs,
    table_runbook,
)

sandbox = pytest.fixture(scope="module", name="sandbox")(demo_sandbox)


class LostAnswer(NamedTuple):
    """A drill killed while AWS's answer to one of its Start calls was held back."""

    env: dict[str, str]
    run_id: str
    flows: Path  # the flow journal
    job_id: str  # the job AWS started, unknown to the journal
    request: dict[str, Any]  # the Start call as journaled


def killed_with_answer_lost(
    sb: Sandbox, info: ScenarioInfo, tmp_path: Path, table: str, step: str
) -> LostAnswer:
    """`drill run` killed once its `step` (hop1, restore) Start call reached the sandbox, whose
    answer is held back meanwhile ("late"): the job runs in AWS, its id is not journaled."""
    backup, recovery = info.accounts["backup"], info.accounts["recovery"]
    listed: Callable[[], list[str]] = (
        (lambda: [j["RestoreJobId"] for j in restore_jobs(sb, recovery)])
        if step == "restore"
        else (lambda: [j["CopyJobId"] for j in copy_jobs(sb, backup)])
    )
    before = set(listed())
    env = env_for(sb, info, tmp_path)
    runbook = table_runbook(tmp_path, info, table)
    if step != "restore":
        # A resource no other drill of this module copies: the jobs its copy is looked up
        # among are only this drill's. Another drill's copy of the same recovery point into
        # the same vault, created while this drill's call could have reached AWS, is a second
        # match (copy jobs carry nothing else of the request): the time window does not part
        # two drills run within minutes of each other.
        text = runbook.read_text().replace(info.accounts["prod"], info.accounts["dev"])
        runbook.write_text(text.replace("prod-sessions", "dev-sessions"))
    flows = tmp_path / "state" / "drconsole" / "journal.jsonl"
    operation = "backup:StartRestoreJob" if step == "restore" else "backup:StartCopyJob"
    started: list[str] = []

    def sent_and_started(text: str) -> bool:
        journaled = any(
            '"type": "start"' in line and f'"step": "{step}"' in line for line in text.splitlines()
        )
        if journaled and not started:
            started.extend(j for j in listed() if j not in before)
        return bool(started)

    sb.options.time_scale = 20  # the job still runs when cleanup starts
    sb.fail_operation(operation, "late")
    try:
        text = killed_once(env, runbook, flows, sent_and_started, f"the {step} call in AWS")
    finally:
        sb.clear_faults()
        sb.options.time_scale = 600
    # The journal as the kill left it: the request, and no job id for it.
    records = [json.loads(line) for line in flows.read_text().splitlines()]
    (start,) = [r for r in records if r["type"] == "start" and r["step"] == step]
    assert not [r for r in records if r["type"] == "job" and r["step"] == step], text
    drills = tmp_path / "state" / "drconsole" / "drills" / "journal.jsonl"
    run_id = json.loads(drills.read_text().splitlines()[0])["flow"]
    (job_id,) = started
    return LostAnswer(env, run_id, flows, job_id, start["request"])


def journaled(flows: Path, record_type: str) -> list[dict[str, Any]]:
    records = [json.loads(line) for line in flows.read_text().splitlines()]
    return [r for r in records if r["type"] == record_type]


def test_cleanup_finds_a_restore_whose_answer_was_lost_waits_for_it_and_deletes_its_table(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    recovery = info.accounts["recovery"]
    lost = killed_with_answer_lost(sb, info, tmp_path, "lost-answer-table", "restore")
    assert restore_jobs_status(sb, info, lost.job_id) in ("PENDING", "RUNNING")

    done = drill(lost.env, "cleanup", lost.run_id, "--yes", "--json")
    # With plain boto3, once AWS has ended the restore: the table it restored is gone.
    job = ended_restore(sb, info, lost.job_id)
    assert job["Status"] == "COMPLETED"
    assert "lost-answer-table" not in tables_of(sb, info)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        f"The restore request of target table (account {recovery}, Region {EU}) was sent but "
        f"its job id never journaled: AWS lists restore job {lost.job_id} for it, journaled now"
    ) in done.stderr
    assert f"Waiting for restore job {lost.job_id}" in done.stderr
    result = json.loads(done.stdout)
    assert result["unresolved"] == [] and result["running"] == [] and result["left"] == []
    assert job["CreatedResourceArn"] in [c["arn"] for c in result["cleanup"]]
    # The journal now knows the job, with its usual record: a later clean-up asks AWS nothing.
    assert [(r["step"], r["job_id"]) for r in journaled(lost.flows, "job")][-1] == (
        "restore",
        lost.job_id,
    )
    again = drill(lost.env, "cleanup", lost.run_id)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout == "nothing the drill created is left\n"


def test_cleanup_finds_a_copy_whose_answer_was_lost_in_the_source_account_and_deletes_it(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    backup, recovery = info.accounts["backup"], info.accounts["recovery"]
    restores_before = {j["RestoreJobId"] for j in restore_jobs(sb, recovery)}
    lost = killed_with_answer_lost(sb, info, tmp_path, "lost-copy-table", "hop1")

    done = drill(lost.env, "cleanup", lost.run_id, "--yes", "--json")
    client = sb.client("backup", backup, EU)
    deadline = time.monotonic() + 120
    while (copy := client.describe_copy_job(CopyJobId=lost.job_id)["CopyJob"])["State"] in (
        "CREATED",
        "RUNNING",
    ):
        assert time.monotonic() < deadline, "the copy did not end"
        time.sleep(0.2)
    # With plain boto3: the recovery point the copy made is gone.
    assert copy["State"] == "COMPLETED"
    assert copy["DestinationRecoveryPointArn"] not in recovery_points(sb, recovery)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        f"The copy hop1 request of target table (account {backup}, Region {EU}) was sent but "
        f"its job id never journaled: AWS lists copy job {lost.job_id} for it, journaled now"
    ) in done.stderr
    result = json.loads(done.stdout)
    assert [(c["arn"], c["deleted"]) for c in result["cleanup"]] == [
        (copy["DestinationRecoveryPointArn"], True)
    ]
    assert not [j for j in restore_jobs(sb, recovery) if j["RestoreJobId"] not in restores_before]


def test_two_jobs_matching_a_lost_answer_stop_cleanup_and_neither_is_deleted(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    recovery = info.accounts["recovery"]
    lost = killed_with_answer_lost(sb, info, tmp_path, "twice-restored-table", "restore")
    # Someone else started the same restore at the same time (another token, same request).
    other = {**lost.request, "IdempotencyToken": "someone-else"}
    client = sb.client("backup", recovery, EU)
    other_id = client.start_restore_job(**other)["RestoreJobId"]

    done = drill(lost.env, "cleanup", lost.run_id, "--yes", "--json")
    assert done.returncode == 1, done.stdout + done.stderr
    both = ", ".join(sorted([lost.job_id, other_id]))
    assert (
        f"The restore request of target table (account {recovery}, Region {EU}) was sent but "
        f"its job id never journaled, and 2 restore jobs match it: {both}. Clean-up cannot "
        "tell which is the drill's: nothing they make is deleted; see to them by hand"
    ) in done.stderr
    result = json.loads(done.stdout)
    (unresolved,) = result["unresolved"]
    assert unresolved["step"] == "restore" and unresolved["matches"] == sorted(
        [lost.job_id, other_id]
    )
    assert "Waiting for" not in done.stderr
    # Neither job is journaled as the drill's, and what they restored stays (plain boto3).
    assert not [r for r in journaled(lost.flows, "job") if r["step"] == "restore"]
    ended = [ended_restore(sb, info, job) for job in (lost.job_id, other_id)]
    assert "COMPLETED" in [job["Status"] for job in ended]
    assert "twice-restored-table" in tables_of(sb, info)
    # A later clean-up says the same, and still deletes nothing of it.
    again = drill(lost.env, "cleanup", lost.run_id)
    assert again.returncode == 1, again.stdout + again.stderr
    assert "2 restore jobs match it" in again.stdout + again.stderr
    assert "twice-restored-table" in tables_of(sb, info)


def test_a_start_call_that_never_reached_aws_is_said_so_once_aws_would_list_its_job(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    recovery = info.accounts["recovery"]
    # StartRestoreJob throttled past the retries just now: journaled as sent, never answered.
    drill_ = interrupted_drill(sb, info, tmp_path, "never-restored-table", sent_ago=timedelta(0))
    flows = tmp_path / "state" / "drconsole" / "journal.jsonl"

    sb.fail_operation("backup:ListRestoreJobs", "denied")
    try:
        refused = drill(drill_.env, "cleanup", drill_.run_id, "--yes", "--json")
    finally:
        sb.clear_faults()
    assert refused.returncode == 1, refused.stdout + refused.stderr
    prefix = (
        f"The restore request of target table (account {recovery}, Region {EU}) was sent but "
        "its job id never journaled, and its job could not be looked up (ROLE_PERMISSIONS: "
    )
    assert prefix in refused.stderr
    assert f"drconsole drill cleanup {drill_.run_id} looks again" in refused.stderr
    (unresolved,) = json.loads(refused.stdout)["unresolved"]
    assert unresolved["cause"] == "ROLE_PERMISSIONS" and unresolved["matches"] == []
    assert not journaled(flows, "no-job")
    # What the drill surely made is deleted meanwhile (plain boto3); the Start call whose job
    # is not known is still left: history and the Drills screen offer to clean up again.
    assert drill_.copied not in recovery_points(sb, recovery)
    assert history_of(drill_.env, drill_.run_id)["left"] == 1

    # AWS lists no job of it, but may not list it yet: not decided until its lists would.
    early = drill(drill_.env, "cleanup", drill_.run_id)
    assert early.returncode == 1, early.stdout + early.stderr
    assert (
        f"The restore request of target table (account {recovery}, Region {EU}) was sent but "
        "its job id never journaled, and AWS lists no restore job of it yet: AWS's job lists "
        "lag, so from "
    ) in early.stdout
    assert early.stdout.endswith(
        "0 left, and 1 Start call(s) whose job is not known: what such a job makes is not deleted\n"
    )
    assert not journaled(flows, "no-job")
    assert history_of(drill_.env, drill_.run_id)["left"] == 1

    # Once the call is long past: it started no job.
    sent_earlier(flows, HOUR)
    again = drill(drill_.env, "cleanup", drill_.run_id, "--json")
    assert again.returncode == 0, again.stdout + again.stderr
    assert (
        f"The restore request of target table (account {recovery}, Region {EU}) was sent but "
        f"its job id never journaled: it never started a job (no restore job in account "
        f"{recovery}, Region {EU} matches the request), nothing to wait for"
    ) in again.stderr
    assert "Waiting for" not in again.stderr
    assert json.loads(again.stdout)["unresolved"] == []
    assert [r["step"] for r in journaled(flows, "no-job")] == ["restore"]
    assert history_of(drill_.env, drill_.run_id)["left"] == 0
    # No restore was started by any of it (plain boto3), and a third clean-up asks nothing.
    new = [j for j in restore_jobs(sb, recovery) if j["RestoreJobId"] not in drill_.restores_before]
    assert new == []
    third = drill(drill_.env, "cleanup", drill_.run_id)
    assert third.returncode == 0, third.stdout + third.stderr
    assert third.stdout == "nothing the drill created is left\n"


def test_a_restore_someone_else_started_after_the_drill_s_call_is_never_taken_for_it(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    recovery = info.accounts["recovery"]
    # The drill's StartRestoreJob was throttled (no job); then an operator restores the same
    # recovery point with the same role into a table of their own, with another token.
    drill_ = interrupted_drill(sb, info, tmp_path, "drill-own-table", sent_ago=timedelta(0))
    flows = tmp_path / "state" / "drconsole" / "journal.jsonl"
    (start,) = [r for r in journaled(flows, "start") if r["step"] == "restore"]
    request = start["request"]
    metadata = {**request["Metadata"], "targetTableName": "operator-own-table"}
    client = sb.client("backup", recovery, EU)
    theirs = client.start_restore_job(
        **{**request, "Metadata": metadata, "IdempotencyToken": "operator-incident-restore"}
    )["RestoreJobId"]
    assert ended_restore(sb, info, theirs)["Status"] == "COMPLETED"

    done = drill(drill_.env, "cleanup", drill_.run_id, "--yes", "--json")
    # With plain boto3: the operator's table is still there.
    assert "operator-own-table" in tables_of(sb, info)
    assert done.returncode == 1, done.stdout + done.stderr
    assert theirs not in done.stdout + done.stderr
    assert not [r for r in journaled(flows, "job") if r["step"] == "restore"]
    (unresolved,) = json.loads(done.stdout)["unresolved"]
    assert unresolved["matches"] == [] and unresolved["settles"]

    sent_earlier(flows, HOUR)
    later = drill(drill_.env, "cleanup", drill_.run_id, "--json")
    assert later.returncode == 0, later.stdout + later.stderr
    assert [r["step"] for r in journaled(flows, "no-job")] == ["restore"]
    assert "operator-own-table" in tables_of(sb, info)


def test_a_copy_started_after_the_drill_s_call_could_have_reached_aws_is_never_taken_for_it(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    backup, recovery = info.accounts["backup"], info.accounts["recovery"]
    env = {**env_for(sb, info, tmp_path), "AWS_MAX_ATTEMPTS": "2"}
    runbook = table_runbook(tmp_path, info, "copy-throttled-table")
    run_interrupted(sb, env, runbook, "backup:StartCopyJob")
    flows = tmp_path / "state" / "drconsole" / "journal.jsonl"
    # The drill's StartCopyJob, throttled an hour ago, started no job; an operator now copies
    # the same recovery point into the same vault with the same role (plain boto3).
    sent_earlier(flows, HOUR)
    (start,) = [r for r in journaled(flows, "start") if r["step"] == "hop1"]
    client = sb.client("backup", backup, EU)
    theirs = client.start_copy_job(**{**start["request"], "IdempotencyToken": "operator-copy"})
    deadline = time.monotonic() + 120
    while (copy := client.describe_copy_job(CopyJobId=theirs["CopyJobId"])["CopyJob"])["State"] in (
        "CREATED",
        "RUNNING",
    ):
        assert time.monotonic() < deadline, "the copy did not end"
        time.sleep(0.2)
    assert copy["State"] == "COMPLETED"
    run_id = json.loads(
        (tmp_path / "state" / "drconsole" / "drills" / "journal.jsonl").read_text().splitlines()[0]
    )["flow"]

    done = drill(env, "cleanup", run_id, "--yes", "--json")
    # With plain boto3: the operator's copy is still in the vault.
    assert copy["DestinationRecoveryPointArn"] in recovery_points(sb, recovery)
    assert done.returncode == 0, done.stdout + done.stderr
    assert theirs["CopyJobId"] not in done.stdout + done.stderr
    assert [r["step"] for r in journaled(flows, "no-job")] == ["hop1"]
    assert json.loads(done.stdout)["cleanup"] == []


def test_cleanup_of_a_finished_drill_ends_its_flow_so_no_start_is_sent_after_it_said_no_job(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    recovery = info.accounts["recovery"]
    drill_ = interrupted_drill(sb, info, tmp_path, "finished-unsent-table")
    state_dir = tmp_path / "state" / "drconsole"
    (flow_id,) = [f.flow_id for f in Journal(state_dir).unfinished()]
    # `drill resume` while another process drives the drill's flow: the drill finishes (its
    # target failed) and the flow stays unfinished, its restore call journaled, unanswered.
    with FlowLock(state_dir, flow_id) as lock:
        assert lock.acquire()
        resumed = drill(drill_.env, "resume", drill_.run_id, "--yes", "--json")
    assert resumed.returncode == 1, resumed.stdout[-3000:] + resumed.stderr
    assert history_of(drill_.env, drill_.run_id)["finished"]

    done = drill(drill_.env, "cleanup", drill_.run_id)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "it never started a job" in done.stdout
    # `jobs --resume` then carries nothing on: no restore is started (plain boto3).
    assert flow_id not in {f.flow_id for f in Journal(state_dir).unfinished()}
    jobs = forked_cli.run(
        [*JOBS, "--resume", "--json"], capture_output=True, text=True, env=drill_.env, timeout=180
    )
    assert jobs.returncode == 0, jobs.stdout + jobs.stderr
    new = [j for j in restore_jobs(sb, recovery) if j["RestoreJobId"] not in drill_.restores_before]
    assert new == []


def restore_jobs_status(sb: Sandbox, info: ScenarioInfo, job_id: str) -> str:
    backup = sb.client("backup", info.accounts["recovery"], EU)
    return str(backup.describe_restore_job(RestoreJobId=job_id)["Status"])
