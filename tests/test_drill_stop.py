"""Stopping a drill (the console quits while it runs, or Ctrl+C): no job is started after the
stop, a running validation command is killed, nothing is validated or cleaned up afterwards, and
the drill stays unfinished for `drill resume`."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from drconsole.aws.session import AwsSessions
from drconsole.drills.journal import DrillJournal
from drconsole.drills.parse import load_runbook
from drconsole.drills.runner import DrillRunner
from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from tests import forked_cli
from tests.test_drill_run import (
    DRILL,
    PAYMENTS,
    _runbook,
    copy_jobs,
    demo_sandbox,
    env_for,
    table_runbook,
)
from tests.tui.conftest import sandbox_settings

sandbox = pytest.fixture(scope="module", name="sandbox")(demo_sandbox)


class RunningDrill:
    """A drill run to its end in a thread, as the console runs it; its events are kept."""

    def __init__(self, sb: Sandbox, info: ScenarioInfo, runbook: Path, state: Path) -> None:
        settings = sandbox_settings(sb, info, state, retry_max_attempts=2)
        self.events: list[dict[str, Any]] = []
        self.outcome: list[Any] = []
        self.runner = DrillRunner(
            AwsSessions(settings),
            load_runbook(runbook),
            state_dir=state,
            ask_manual=lambda step: (True, ""),
            on_event=self.events.append,
            min_poll=0.2,
        )
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.outcome.append(self.runner.run_to_end(None, None))
        except BaseException as exc:
            self.outcome.append(exc)

    def wait_for(self, seen: Callable[[dict[str, Any]], bool]) -> None:
        deadline = time.monotonic() + 120
        while not any(seen(e) for e in list(self.events)):
            assert time.monotonic() < deadline, self.events[-5:]
            assert self.thread.is_alive(), self.outcome
            time.sleep(0.05)

    def stop(self, within: float) -> None:
        """stop() as the console's quit calls it; the drill's thread must end `within` seconds."""
        self.runner.stop()
        self.thread.join(within)
        assert not self.thread.is_alive(), f"the drill still ran {within:g}s after stop()"
        assert len(self.outcome) == 1 and isinstance(self.outcome[0], InterruptedError)

    def journaled(self) -> list[str]:
        records = DrillJournal(self.runner.state_dir).journal.records()
        return [str(r["type"]) for r in records if r["flow"] == self.runner.run_id]


def test_no_copy_job_starts_after_a_stop_during_the_checks(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    backup = info.accounts["backup"]
    before = {j["CopyJobId"] for j in copy_jobs(sb, backup)}
    sb.fail_operation("iam:GetRole", "slow")  # the checks take a while (a throttled AWS)
    try:
        drill = RunningDrill(sb, info, PAYMENTS, tmp_path / "state")
        drill.wait_for(lambda e: e["event"] == "target-resolved")
        time.sleep(1.0)  # the targets are in their checks
        stopped_at = datetime.now(UTC)
        drill.stop(within=60)
    finally:
        sb.clear_faults()
    started = [j for j in copy_jobs(sb, backup) if j["CopyJobId"] not in before]
    late = [j for j in started if j["CreationDate"] > stopped_at]
    assert not late, f"{len(late)} copy job(s) started after the drill was stopped"
    records = drill.journaled()
    assert "target-flow" not in records and "drill-end" not in records, records
    # Unfinished: `drill resume` carries it on.
    state = DrillJournal(tmp_path / "state").run(drill.runner.run_id)
    assert state is not None and state.end is None


def test_a_stop_kills_the_validation_command_and_cleans_nothing_up(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    # `sleep` is the shell's child: it would hold the output open past a kill of the shell alone.
    command = "sleep 60; true"
    runbook = _runbook(
        tmp_path,
        info,
        "",
        '  - name: table\n    resource: {account: "PROD", type: DynamoDB, name: prod-sessions}\n'
        "    metadata: {targetTableName: stop-validation}\n"
        f"    validate: {{builtin: true, command: '{command}', timeout: 5m}}\n",
    )
    drill = RunningDrill(sb, info, runbook, tmp_path / "state")
    drill.wait_for(lambda e: e["event"] == "validation" and e["kind"] == "builtin")
    time.sleep(0.5)  # the command runs
    drill.stop(within=10)
    records = drill.journaled()
    assert records.count("validation") == 1, records  # the built-in one only
    for late in ("validated", "cleanup", "drill-end", "drill-verdict"):
        assert late not in records, records
    state = DrillJournal(tmp_path / "state").run(drill.runner.run_id)
    assert state is not None and state.end is None
    assert not state.target("table").validated


def test_ctrl_c_on_drill_run_during_the_validation_command_judges_nothing(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """Ctrl+C reaches the terminal's whole foreground group: the drill stops itself (and kills
    its command); the command is not killed by the signal into a failed validation."""
    sb, info = sandbox
    # Long enough that only a killed command lets the drill end within the wait below; that
    # wait is generous because a loaded machine may still be between two AWS calls.
    validate = "{builtin: true, command: 'sleep 60; true', timeout: 5m}"
    runbook = table_runbook(tmp_path, info, "ctrl-c-table", validate)
    journal = tmp_path / "state" / "drconsole" / "drills" / "journal.jsonl"
    process = subprocess.Popen(
        [*DRILL, "run", str(runbook), "--yes", "--poll-interval", "0.1"],
        env=env_for(sb, info, tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        process_group=0,  # a terminal's foreground group of its own
        # A test run started in the background by a non-interactive shell (a CI script) has
        # SIGINT ignored, which its children inherit and Python then leaves ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 90
    while '"kind": "builtin"' not in (journal.read_text() if journal.exists() else ""):
        assert time.monotonic() < deadline and process.poll() is None, "no builtin validation"
        time.sleep(0.05)
    time.sleep(0.5)  # the command runs
    os.killpg(process.pid, signal.SIGINT)  # Ctrl+C
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr, stderr
    (state,) = DrillJournal(tmp_path / "state" / "drconsole").runs()
    assert state.end is None and not state.cleanups
    record = state.target("table")
    assert [v["kind"] for v in record.validations] == ["builtin"] and not record.validated


def test_sigterm_stops_drill_run_and_drill_resume_as_ctrl_c_does(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """systemd's stop and a CI job's timeout send SIGTERM to drconsole alone: the validation
    command (in a group of its own) is killed with every process it started, the stop is
    journaled, and `drill resume` carries the drill on (and stops the same way)."""
    sb, info = sandbox
    marker = "sleep 377.25"  # found by its command line below: this test's alone
    validate = f"{{builtin: true, command: '{marker}; true', timeout: 5m}}"
    runbook = table_runbook(tmp_path, info, "sigterm-table", validate)
    state_dir = tmp_path / "state" / "drconsole"
    env = env_for(sb, info, tmp_path)
    run = [*DRILL, "run", str(runbook), "--yes", "--poll-interval", "0.1"]
    run_id = stopped_by_sigterm(run, env, marker, state_dir)
    resume = [*DRILL, "resume", run_id, "--yes", "--poll-interval", "0.1"]
    assert stopped_by_sigterm(resume, env, marker, state_dir) == run_id
    history = forked_cli.run(
        [*DRILL, "history"], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    assert run_id in history.stdout and "stopped by SIGTERM" in history.stdout


def stopped_by_sigterm(command: list[str], env: dict[str, str], marker: str, state: Path) -> str:
    """Run `command` until its validation command runs, SIGTERM it; check the orderly stop and
    return the drill's run id."""
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 120
    while not processes_running(marker):
        assert time.monotonic() < deadline and process.poll() is None, "the command never ran"
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err, err
    deadline = time.monotonic() + 10
    while processes_running(marker):  # the command and its `sleep` child
        assert time.monotonic() < deadline, f"still running: {processes_running(marker)}"
        time.sleep(0.1)
    (drill,) = DrillJournal(state).runs()
    assert drill.end is None and not drill.cleanups  # unfinished: resumable
    assert drill.stopped is not None and drill.stopped["by"] == "SIGTERM"
    assert f"stopped (SIGTERM): `drconsole drill resume {drill.run_id}`" in out, out
    record = drill.target("table")
    assert not record.validated and all(v["kind"] == "builtin" for v in record.validations)
    return drill.run_id


def processes_running(marker: str) -> list[str]:
    """Command lines of the processes whose command line holds `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker in line:
            found.append(line)
    return found
