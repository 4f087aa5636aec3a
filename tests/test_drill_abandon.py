"""`drill cleanup RUN_ID` of an unfinished drill (interrupted by AWS, or killed) as a user runs it
against the demo sandbox: it abandons the drill — asked in a terminal, or --yes; refused with no
one to ask, while the drill or its flow is driven elsewhere, and in read-only mode — then ends its
flows, deletes what it created (checked with plain boto3), writes report.json and history as
abandoned (never readiness coverage), and `drill resume` refuses it with no job started. A
restore job still running in AWS when the drill was killed (AWS cannot cancel it) is waited for,
at most --wait, and what it restores deleted too, then or by a later `drill cleanup`."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from drconsole.drills.journal import DrillJournal
from drconsole.drills.run_base import drill_lock
from drconsole.flows.journal import FlowLock, Journal
from drconsole.readiness.drills import drill_coverage
from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from tests import forked_cli
from tests.test_drill_interrupted import (
    history_of,
    recovery_points,
    run_interrupted,
)
from tests.test_drill_run import (
    DRILL,
    EU,
    copy_jobs,
    demo_sandbox,
    drill,
    env_for,
    killed_in_validation,
    killed_mid_restore,
    killed_once_started,
    restore_jobs,
    table_runbook,
)
from tests.tui.test_drills_resume import Terminal

JOBS = [*DRILL[:-1], "jobs"]
HOUR = timedelta(hours=1)


sandbox = pytest.fixture(scope="module", name="sandbox")(demo_sandbox)


class Interrupted(NamedTuple):
    """An interrupted drill, its copy, and the jobs that were there before it."""

    env: dict[str, str]
    report: dict[str, Any]
    copy: dict[str, Any]
    copies_before: set[str]
    restores_before: set[str]

    @property
    def run_id(self) -> str:
        return str(self.report["run_id"])

    @property
    def copied(self) -> str:
        return str(self.copy["DestinationRecoveryPointArn"])


def sent_earlier(flows: Path, ago: timedelta) -> None:
    """The flow journal as if its Start calls had been sent `ago` earlier than they were."""
    lines = []
    for line in flows.read_text().splitlines():
        record = json.loads(line)
        if record["type"] == "start":
            moment = datetime.fromisoformat(record["time"]) - ago
            record["time"] = moment.isoformat(timespec="milliseconds")
        lines.append(json.dumps(record, sort_keys=True))
    flows.write_text("".join(f"{line}\n" for line in lines))


def interrupted_drill(
    sb: Sandbox, info: ScenarioInfo, tmp_path: Path, table: str, sent_ago: timedelta = HOUR
) -> Interrupted:
    """A drill whose StartRestoreJob was throttled past the retries, after its copy was made;
    its Start calls journaled as sent `sent_ago` (by default long enough ago that clean-up
    takes a Start call AWS lists no job of as having started none)."""
    backup, recovery = info.accounts["backup"], info.accounts["recovery"]
    env = {**env_for(sb, info, tmp_path), "AWS_MAX_ATTEMPTS": "2"}
    copies_before = {j["CopyJobId"] for j in copy_jobs(sb, backup)}
    restores_before = {j["RestoreJobId"] for j in restore_jobs(sb, recovery)}
    runbook = table_runbook(tmp_path, info, table)
    report = run_interrupted(sb, env, runbook, "backup:StartRestoreJob")
    if sent_ago:
        sent_earlier(tmp_path / "state" / "drconsole" / "journal.jsonl", sent_ago)
    (copy,) = [j for j in copy_jobs(sb, backup) if j["CopyJobId"] not in copies_before]
    assert copy["DestinationRecoveryPointArn"] in recovery_points(sb, recovery)
    return Interrupted(env, report, copy, copies_before, restores_before)


def test_cleanup_of_an_unfinished_drill_with_no_one_to_ask_deletes_nothing(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    drill_ = interrupted_drill(sb, info, tmp_path, "unasked-table")
    # No terminal and no --yes: one line, exit 2, nothing deleted, the drill still unfinished.
    asked = drill(drill_.env, "cleanup", drill_.run_id)
    assert asked.returncode == 2, asked.stdout + asked.stderr
    assert asked.stderr == (
        f"drconsole: drill {drill_.run_id} is not finished: not a terminal, pass --yes to "
        "abandon it and delete what it created\n"
    )
    assert asked.stdout == ""
    assert drill_.copied in recovery_points(sb, info.accounts["recovery"])
    assert history_of(drill_.env, drill_.run_id)["verdict"] == "unfinished"


def test_cleanup_yes_is_refused_while_the_drill_is_locked_elsewhere_and_in_read_only_mode(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    drill_ = interrupted_drill(sb, info, tmp_path, "locked-table")
    state_dir = tmp_path / "state" / "drconsole"
    # While another process holds the drill's lock (it runs or resumes it): refused.
    with drill_lock(state_dir, drill_.run_id):
        busy = drill(drill_.env, "cleanup", drill_.run_id, "--yes")
    assert busy.returncode == 2, busy.stdout + busy.stderr
    assert busy.stderr == (
        f"drconsole: drill {drill_.run_id} is being run by another drconsole process\n"
    )
    # Nor while another process carries the drill's flow on (`drconsole jobs --resume`).
    flow_id = drill_.report["targets"][0]["flow"]
    with FlowLock(state_dir, flow_id) as lock:
        assert lock.acquire()
        driven = drill(drill_.env, "cleanup", drill_.run_id, "--yes")
    assert driven.returncode == 2, driven.stdout + driven.stderr
    assert driven.stderr == (
        f"drconsole: drill {drill_.run_id}: its flow {flow_id} is being run by another "
        "drconsole process; nothing was abandoned\n"
    )
    # Read-only mode refuses before any AWS call.
    read_only = drill(drill_.env, "--read-only", "cleanup", drill_.run_id, "--yes")
    assert read_only.returncode == 2, read_only.stdout + read_only.stderr
    assert read_only.stderr.startswith(
        "drconsole: read-only mode is on: drill cleanup deletes what a drill created, so it "
        "was refused before any AWS call"
    )
    assert drill_.copied in recovery_points(sb, info.accounts["recovery"])
    assert history_of(drill_.env, drill_.run_id)["verdict"] == "unfinished"


def test_cleanup_yes_abandons_an_interrupted_drill_and_resume_then_refuses_it(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    backup, recovery = info.accounts["backup"], info.accounts["recovery"]
    drill_ = interrupted_drill(sb, info, tmp_path, "abandoned-table")
    env, run_id, copied = drill_.env, drill_.run_id, drill_.copied
    state_dir = tmp_path / "state" / "drconsole"

    flow_id = drill_.report["targets"][0]["flow"]
    assert flow_id in {f.flow_id for f in Journal(state_dir).unfinished()}

    done = drill(env, "cleanup", run_id, "--yes", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["abandoned"] is True and result["left"] == []
    assert result["report"] == f"report in {drill_.report['report_dir']}"
    assert [(c["arn"], c["deleted"]) for c in result["cleanup"]] == [(copied, True)]
    # With plain boto3: the copy the drill made is gone.
    assert copied not in recovery_points(sb, recovery)

    directory = Path(drill_.report["report_dir"])
    abandoned = json.loads((directory / "report.json").read_text())
    assert abandoned["verdict"] == "abandoned" and abandoned["resume"] is None
    assert abandoned["finished"]
    (target,) = abandoned["targets"]
    assert target["verdict"] == "abandoned" and target["cause"] == "THROTTLED"
    assert "the drill was abandoned" in target["failures"][0]
    assert "drill resume" not in target["failures"][0]
    assert [c["arn"] for c in target["cleanup"]] == [copied]
    assert "ABANDONED" in (directory / "report.html").read_text()
    listed = history_of(env, run_id)
    assert listed["verdict"] == "abandoned" and listed["finished"] == abandoned["finished"]
    resource = target["recovery_point"]["resource_arn"]
    assert resource not in drill_coverage(state_dir)

    # Resume refuses the abandoned drill, and starts nothing (plain boto3).
    resumed = drill(env, "resume", run_id, "--yes", "--json")
    assert resumed.returncode == 2, resumed.stdout + resumed.stderr
    assert resumed.stderr.startswith(f"drconsole: drill {run_id} has already finished")
    new_copies = [j for j in copy_jobs(sb, backup) if j["CopyJobId"] not in drill_.copies_before]
    assert new_copies == [drill_.copy]
    restores = restore_jobs(sb, recovery)
    assert not [j for j in restores if j["RestoreJobId"] not in drill_.restores_before]

    # Its flow was ended with it: `drconsole jobs --resume` carries nothing on, starts nothing.
    assert flow_id not in {f.flow_id for f in Journal(state_dir).unfinished()}
    jobs = forked_cli.run(
        [*JOBS, "--resume", "--json"], capture_output=True, text=True, env=env, timeout=180
    )
    assert jobs.returncode == 0, jobs.stdout + jobs.stderr
    assert flow_id not in jobs.stdout
    restores = restore_jobs(sb, recovery)
    assert not [j for j in restores if j["RestoreJobId"] not in drill_.restores_before]

    # Cleaning up the now finished drill again asks nothing and finds nothing left.
    again = drill(env, "cleanup", run_id)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout == "nothing the drill created is left\n"


def test_an_abandoned_drill_whose_runbook_changed_is_still_listed_as_abandoned(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    drill_ = interrupted_drill(sb, info, tmp_path, "changed-runbook-table")
    runbook = Path(drill_.report["runbook"]["path"])
    runbook.write_text(runbook.read_text() + "# edited after the drill was interrupted\n")

    done = drill(drill_.env, "cleanup", drill_.run_id, "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    # The report cannot be built again from a changed runbook: said, and the journal decides.
    assert f"drill {drill_.run_id} abandoned; report not written again: " in done.stdout
    assert "SHA-256 differs" in done.stdout
    assert drill_.copied not in recovery_points(sb, info.accounts["recovery"])
    listed = history_of(drill_.env, drill_.run_id)
    assert listed["verdict"] == "abandoned" and listed["finished"]
    resumed = drill(drill_.env, "resume", drill_.run_id, "--yes")
    assert resumed.returncode == 2
    assert resumed.stderr.startswith(f"drconsole: drill {drill_.run_id} has already finished")


def test_cleanup_in_a_terminal_asks_before_abandoning_and_a_key_typed_ahead_does_not_answer(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    recovery = info.accounts["recovery"]
    drill_ = interrupted_drill(sb, info, tmp_path, "asked-table")
    env = {**drill_.env, "TERM": "xterm-256color"}
    question = rf"Abandon drill {drill_.run_id} and delete what it created\?"

    terminal = Terminal([*DRILL, "cleanup", drill_.run_id], env)
    try:
        terminal.send("y")  # typed before the question is asked: dropped, not a yes
        terminal.wait_for(question)
        time.sleep(0.3)
        terminal.send("n")
        terminal.wait_for("Nothing was deleted.")
        assert terminal.process.wait(timeout=60) == 1
    finally:
        terminal.kill()
    assert drill_.copied in recovery_points(sb, recovery)
    assert history_of(drill_.env, drill_.run_id)["verdict"] == "unfinished"

    terminal = Terminal([*DRILL, "cleanup", drill_.run_id], env)
    try:
        terminal.wait_for(question)
        time.sleep(0.3)
        terminal.send("y")
        terminal.wait_for("nothing the drill created is left")
        assert terminal.process.wait(timeout=60) == 0
    finally:
        terminal.kill()
    assert drill_.copied not in recovery_points(sb, recovery)
    assert history_of(drill_.env, drill_.run_id)["verdict"] == "abandoned"


def test_a_target_that_passed_in_an_abandoned_drill_is_not_readiness_coverage(
    tmp_path: Path,
) -> None:
    """Two targets, one restored and validated, one interrupted: the drill, abandoned, never
    counts as coverage of either (nobody let it finish: its after steps, its clean-up)."""
    report = {
        "run_id": "20261201T000000Z-0abcde",
        "runbook": {"name": "payments"},
        "finished": "2026-12-01T01:00:00+00:00",
        "verdict": "abandoned",
        "targets": [
            {"verdict": "passed", "recovery_point": {"resource_arn": "arn:aws:dynamodb:t/a"}},
            {"verdict": "abandoned", "recovery_point": {"resource_arn": "arn:aws:dynamodb:t/b"}},
        ],
    }
    directory = tmp_path / "drills" / "payments" / "20261201T000000Z-0abcde"
    directory.mkdir(parents=True)
    (directory / "report.json").write_text(json.dumps(report))
    journal = DrillJournal(tmp_path)
    journal.append(
        "20261201T000000Z-0abcde", "drill-start", runbook="payments", started=report["finished"]
    )
    journal.append(
        "20261201T000000Z-0abcde",
        "drill-end",
        finished=report["finished"],
        report_dir=str(directory),
        abandoned=True,
    )
    assert drill_coverage(tmp_path) == {}


def test_cleanup_yes_abandons_a_drill_killed_during_validation_and_deletes_its_table_and_copy(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """Killed, not interrupted: no report was written; abandoning writes the first one."""
    sb, info = sandbox
    recovery = info.accounts["recovery"]
    path = table_runbook(
        tmp_path, info, "killed-abandoned-table", validate="{command: 'sleep 30', timeout: 1m}"
    )
    env = env_for(sb, info, tmp_path)
    state_dir = tmp_path / "state" / "drconsole"
    # the builtin validation passed: the command validation is running now
    text = killed_in_validation(env, path, tmp_path)
    run_id = json.loads(text.splitlines()[0])["flow"]
    tables = sb.client("dynamodb", recovery, EU)
    assert "killed-abandoned-table" in tables.list_tables()["TableNames"]
    assert history_of(env, run_id)["verdict"] == "unfinished"

    done = drill(env, "cleanup", run_id, "--yes", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["abandoned"] is True and result["left"] == []
    kinds = sorted((c["kind"], c["deleted"]) for c in result["cleanup"])
    assert kinds == [("recovery-point", True), ("resource", True)]
    # With plain boto3: the restored table and the copy are gone.
    assert "killed-abandoned-table" not in tables.list_tables()["TableNames"]
    copied = next(c["arn"] for c in result["cleanup"] if c["kind"] == "recovery-point")
    assert copied not in recovery_points(sb, recovery)

    report = json.loads((state_dir / "drills" / "edge" / run_id / "report.json").read_text())
    assert report["verdict"] == "abandoned" and report["finished"] and report["resume"] is None
    (target,) = report["targets"]
    assert target["verdict"] == "abandoned"
    assert target["failures"] == ["validation did not finish: the drill was abandoned"]
    assert history_of(env, run_id)["verdict"] == "abandoned"
    resumed = drill(env, "resume", run_id, "--yes")
    assert resumed.returncode == 2
    assert resumed.stderr.startswith(f"drconsole: drill {run_id} has already finished")


def test_cleanup_writes_the_report_with_the_journal_s_job_times_when_aws_cannot_describe_them(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """DescribeCopyJob and DescribeRestoreJob refused while `drill cleanup` writes the report
    (throttling past the retries fails them the same way, after minutes of backing off): the
    deletes are done, and the report is written with each job's times from the drill's journal
    and why AWS's were not read (it was not written at all, and cleanup ended with the error)."""
    sb, info = sandbox
    recovery = info.accounts["recovery"]
    path = table_runbook(
        tmp_path, info, "unread-jobs-table", validate="{command: 'sleep 30', timeout: 1m}"
    )
    env = env_for(sb, info, tmp_path)
    state_dir = tmp_path / "state" / "drconsole"
    text = killed_in_validation(env, path, tmp_path)
    run_id = json.loads(text.splitlines()[0])["flow"]
    sb.fail_operation("backup:DescribeCopyJob", "denied")
    sb.fail_operation("backup:DescribeRestoreJob", "denied")
    try:
        done = drill(env, "cleanup", run_id, "--yes", "--json")
    finally:
        sb.clear_faults()
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["abandoned"] is True and result["left"] == []
    tables = sb.client("dynamodb", recovery, EU)
    assert "unread-jobs-table" not in tables.list_tables()["TableNames"]
    report = json.loads((state_dir / "drills" / "edge" / run_id / "report.json").read_text())
    assert report["verdict"] == "abandoned"
    (target,) = report["targets"]
    assert [job["step"] for job in target["jobs"]] == ["hop1", "restore"]
    for job in target["jobs"]:
        assert job["state"] == "COMPLETED"
        assert job["created"] and job["completed"] and job["created"] <= job["completed"]
        assert job["unread"].startswith("ROLE_PERMISSIONS: Describe"), job
    html = (state_dir / "drills" / "edge" / run_id / "report.html").read_text()
    assert html.count("times from drconsole's journal: AWS's record could not be read") == 2
    assert history_of(env, run_id)["verdict"] == "abandoned"


class KilledMidRestore(NamedTuple):
    """A drill killed while its restore job ran, and that job."""

    env: dict[str, str]
    run_id: str
    job_id: str
    table: str


def killed_drill_mid_restore(
    sb: Sandbox, info: ScenarioInfo, tmp_path: Path, table: str, time_scale: float
) -> KilledMidRestore:
    path = table_runbook(tmp_path, info, table)
    env = env_for(sb, info, tmp_path)
    text = killed_mid_restore(sb, env, path, tmp_path, time_scale)
    records = [json.loads(line) for line in text.splitlines()]
    (job,) = [r for r in records if r["type"] == "job" and r["step"] == "restore"]
    drills = tmp_path / "state" / "drconsole" / "drills" / "journal.jsonl"
    run_id = json.loads(drills.read_text().splitlines()[0])["flow"]
    # With plain boto3: the restore still runs in AWS, nothing restored yet.
    status = restore_job(sb, info, job["job_id"])["Status"]
    assert status in ("PENDING", "RUNNING"), status
    assert table not in tables_of(sb, info)
    return KilledMidRestore(env, run_id, job["job_id"], table)


def restore_job(sb: Sandbox, info: ScenarioInfo, job_id: str) -> dict[str, Any]:
    backup = sb.client("backup", info.accounts["recovery"], EU)
    return dict(backup.describe_restore_job(RestoreJobId=job_id))


def ended_restore(sb: Sandbox, info: ScenarioInfo, job_id: str) -> dict[str, Any]:
    """The restore job once AWS has ended it (asked with plain boto3)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = restore_job(sb, info, job_id)
        if job["Status"] in ("COMPLETED", "FAILED", "ABORTED"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"restore job {job_id} did not end")


def tables_of(sb: Sandbox, info: ScenarioInfo) -> list[str]:
    return list(sb.client("dynamodb", info.accounts["recovery"], EU).list_tables()["TableNames"])


def test_cleanup_of_a_drill_killed_mid_restore_waits_for_the_restore_and_deletes_its_table(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    recovery = info.accounts["recovery"]
    killed = killed_drill_mid_restore(sb, info, tmp_path, "killed-mid-restore-table", 20)

    done = drill(killed.env, "cleanup", killed.run_id, "--yes", "--json")
    # With plain boto3, once AWS has ended the restore: the table it restored is gone.
    job = ended_restore(sb, info, killed.job_id)
    assert job["Status"] == "COMPLETED"
    assert killed.table not in tables_of(sb, info)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        f"Waiting for restore job {killed.job_id} (account {recovery}, Region {EU}) of target "
        "table: AWS cannot cancel it; what it restores is deleted once it ends"
    ) in done.stderr
    assert f"restore job {killed.job_id}" in done.stderr and "ended COMPLETED" in done.stderr
    result = json.loads(done.stdout)
    assert result["abandoned"] is True and result["left"] == [] and result["running"] == []
    deleted = {(c["kind"], c["arn"]): c["deleted"] for c in result["cleanup"]}
    assert deleted[("resource", job["CreatedResourceArn"])] is True
    copied = next(arn for kind, arn in deleted if kind == "recovery-point")
    assert copied not in recovery_points(sb, recovery)

    directory = tmp_path / "state" / "drconsole" / "drills" / "edge" / killed.run_id
    report = json.loads((directory / "report.json").read_text())
    assert report["verdict"] == "abandoned"
    (target,) = report["targets"]
    assert job["CreatedResourceArn"] in [c["arn"] for c in target["cleanup"]]
    assert history_of(killed.env, killed.run_id)["verdict"] == "abandoned"


def test_cleanup_past_its_wait_says_what_still_runs_and_a_later_cleanup_deletes_it(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    # The restore runs until released: two cleanups meet it running, however slow the machine.
    sb.hold_jobs("restore")
    try:
        cleanups_past_a_held_restore(sb, info, tmp_path)
    finally:
        sb.release_jobs()


def cleanups_past_a_held_restore(sb: Sandbox, info: ScenarioInfo, tmp_path: Path) -> None:
    recovery = info.accounts["recovery"]
    killed = killed_drill_mid_restore(sb, info, tmp_path, "waited-restore-table", 20)
    env, run_id = killed.env, killed.run_id

    # The bound passes while the restore runs: said, the copy deleted, the drill abandoned.
    first = drill(env, "cleanup", run_id, "--yes", "--wait", "1s")
    assert first.returncode == 1, first.stdout + first.stderr
    assert (
        f"Not seen ended within 1.0s: restore job {killed.job_id} (account {recovery}, Region "
        f"{EU}) of target table: what it restores is not deleted. Once it has ended, "
        f"drconsole drill cleanup {run_id} deletes what is left."
    ) in first.stdout
    assert "recovery-point " in first.stdout and "deleted from vault recovery-vault" in first.stdout
    assert first.stdout.endswith(
        f"0 left, and 1 job(s) still running: drconsole drill cleanup {run_id} again once they "
        "have ended\n"
    )
    assert history_of(env, run_id)["verdict"] == "abandoned"
    assert restore_job(sb, info, killed.job_id)["Status"] in ("PENDING", "RUNNING")

    # Ctrl-C while waiting: stopped, nothing broken, the job still to wait for.
    process = subprocess.Popen(
        [*DRILL, "cleanup", run_id],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A test run started in the background by a non-interactive shell (a CI script) has
        # SIGINT ignored, which its children inherit and Python then leaves ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith(f"Waiting for restore job {killed.job_id}"), line
    time.sleep(1)  # polling it now
    assert restore_job(sb, info, killed.job_id)["Status"] in ("PENDING", "RUNNING")
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, out + err
    assert f"drconsole drill cleanup {run_id} waits for the drill's jobs" in out

    # Run again once the restore may end: it waits for it and deletes the table it made.
    sb.release_jobs()
    again = drill(env, "cleanup", run_id)
    assert again.returncode == 0, again.stdout + again.stderr
    job = restore_job(sb, info, killed.job_id)
    assert job["Status"] == "COMPLETED"
    assert killed.table not in tables_of(sb, info)
    assert f"resource {job['CreatedResourceArn']}: deleted" in again.stdout
    assert again.stdout.endswith("nothing the drill created is left\n")
    report = json.loads(
        (tmp_path / "state" / "drconsole" / "drills" / "edge" / run_id / "report.json").read_text()
    )
    assert report["verdict"] == "abandoned"
    assert job["CreatedResourceArn"] in [c["arn"] for c in report["targets"][0]["cleanup"]]


def test_cleanup_of_a_drill_killed_mid_copy_waits_for_the_copy_and_deletes_the_copy_it_made(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    backup, recovery = info.accounts["backup"], info.accounts["recovery"]
    path = table_runbook(tmp_path, info, "killed-mid-copy-table")
    env = env_for(sb, info, tmp_path)
    restores_before = {j["RestoreJobId"] for j in restore_jobs(sb, recovery)}
    text = killed_once_started(sb, env, path, tmp_path, "hop1", 10)
    records = [json.loads(line) for line in text.splitlines()]
    (job,) = [r for r in records if r["type"] == "job" and r["step"] == "hop1"]
    client = sb.client("backup", backup, EU)
    assert client.describe_copy_job(CopyJobId=job["job_id"])["CopyJob"]["State"] in (
        "CREATED",
        "RUNNING",
    )
    drills = tmp_path / "state" / "drconsole" / "drills" / "journal.jsonl"
    run_id = json.loads(drills.read_text().splitlines()[0])["flow"]

    done = drill(env, "cleanup", run_id, "--yes", "--json")
    # With plain boto3, once AWS has ended the copy: the recovery point it made is gone.
    deadline = time.monotonic() + 120
    while (copy := client.describe_copy_job(CopyJobId=job["job_id"])["CopyJob"])["State"] in (
        "CREATED",
        "RUNNING",
    ):
        assert time.monotonic() < deadline, "the copy did not end"
        time.sleep(0.2)
    assert copy["State"] == "COMPLETED"
    assert copy["DestinationRecoveryPointArn"] not in recovery_points(sb, recovery)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        f"Waiting for copy job {job['job_id']} (account {backup}, Region {EU}) of target table: "
        "AWS cannot cancel it; the recovery point it copies is deleted once it ends"
    ) in done.stderr
    result = json.loads(done.stdout)
    assert result["running"] == [] and result["left"] == []
    assert [(c["arn"], c["deleted"]) for c in result["cleanup"]] == [
        (copy["DestinationRecoveryPointArn"], True)
    ]
    # Nothing was restored from it: the flow was ended, not carried on.
    assert not [j for j in restore_jobs(sb, recovery) if j["RestoreJobId"] not in restores_before]


def test_cleanup_whose_report_folder_cannot_be_written_says_so_and_deletes_everything(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """A file where the abandoned drill's report folder goes: the deletes are done and the
    command says the report was not written, with why (it failed on the file error)."""
    sb, info = sandbox
    recovery = info.accounts["recovery"]
    path = table_runbook(
        tmp_path, info, "unwritable-report-table", validate="{command: 'sleep 30', timeout: 1m}"
    )
    env = env_for(sb, info, tmp_path)
    text = killed_in_validation(env, path, tmp_path)
    run_id = json.loads(text.splitlines()[0])["flow"]
    folder = tmp_path / "state" / "drconsole" / "drills" / "edge" / run_id
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("not a folder\n")
    done = drill(env, "cleanup", run_id, "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"drill {run_id} abandoned; report not written again: " in done.stdout
    assert "Traceback" not in done.stderr
    tables = sb.client("dynamodb", recovery, EU)
    assert "unwritable-report-table" not in tables.list_tables()["TableNames"]
    assert history_of(env, run_id)["verdict"] == "abandoned"
