"""The Drills screen resumes an unfinished drill: a drill killed mid-copy by `drill run` is
resumed with `R` (asked first) in the run view, waits on the copy jobs already started (exactly
one copy and one restore job per target, asked with plain boto3), asks the manual step left and
writes its report; a drill an AWS error interrupted (StartRestoreJob throttled) is listed
unfinished and `R` finishes it with its copy waited on; a drill held by another drconsole
process is refused with one line and nothing done, an edited runbook or a drill finished
elsewhere meanwhile is not resumed, and read-only mode neither offers nor runs a resume."""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, ListView

from drconsole.drills.journal import DrillJournal
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from drconsole.tui.app import DrConsoleApp
from drconsole.tui.arming import ARMING_SECONDS
from drconsole.tui.drills.list_screen import DrillsScreen
from drconsole.tui.drills.manual_dialog import ManualStepDialog
from drconsole.tui.drills.run_screen import DrillScreen, utcnow
from drconsole.tui.screens.confirm import ConfirmDialog
from tests import forked_cli
from tests.test_drill_run import env_for, killed_mid_copy
from tests.tui.conftest import notices as notices_said
from tests.tui.conftest import sandbox_settings, screen_lines, wait_until

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "runbooks"
SIZE = (100, 30)
EU, NORTH = "eu-central-1", "eu-north-1"
DRILL = [sys.executable, "-m", "drconsole", "drill"]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sb, info = start_sandbox("demo", SandboxOptions(time_scale=600))
    yield sb, info
    sb.stop()


@pytest.fixture
def runbooks(tmp_path: Path) -> Path:
    folder = tmp_path / "runbooks"
    folder.mkdir()
    shutil.copy(EXAMPLES / "payments.yaml", folder / "payments.yaml")
    return folder


def cli_env(sb: Sandbox, info: ScenarioInfo, home: Path) -> dict[str, str]:
    """`drill run`'s environment, with a terminal type for the one run in a pseudo-terminal."""
    return {**env_for(sb, info, home), "TERM": "xterm"}


def app_on(sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, **changes: Any) -> DrConsoleApp:
    sb, info = sandbox
    # The state dir of the CLI run with XDG_STATE_HOME=tmp_path/state: one journal for both.
    return DrConsoleApp(sandbox_settings(sb, info, tmp_path / "state" / "drconsole", **changes))


def copy_jobs(sb: Sandbox, account: str) -> list[dict[str, Any]]:
    return [
        job
        for region in (EU, NORTH)
        for job in sb.client("backup", account, region).list_copy_jobs()["CopyJobs"]
    ]


def restore_jobs(sb: Sandbox, account: str) -> list[dict[str, Any]]:
    return list(sb.client("backup", account, EU).list_restore_jobs()["RestoreJobs"])


def drill_records(tmp_path: Path, kind: str) -> list[dict[str, Any]]:
    journal = tmp_path / "state" / "drconsole" / "drills" / "journal.jsonl"
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    return [r for r in records if r["type"] == kind]


def screen_text(app: DrConsoleApp) -> str:
    return "\n".join(screen_lines(app))


def detail_of(listing: DrillsScreen) -> str:
    return str(listing.query_one("#runbook-detail").render())


def footer(app: DrConsoleApp) -> str:
    return screen_lines(app)[-1]


async def open_drills(app: DrConsoleApp, pilot: Any) -> DrillsScreen:
    app.action_drills()
    await wait_until(pilot, lambda: isinstance(app.screen, DrillsScreen), what="drills")
    listing = app.screen
    assert isinstance(listing, DrillsScreen)
    await wait_until(pilot, lambda: listing.catalog is not None, what="runbooks")
    listing.query_one(ListView).index = 0
    await pilot.pause()
    return listing


def kill_mid_copy(sb: Sandbox, env: dict[str, str], runbook: Path, tmp_path: Path) -> str:
    """`drill run` killed once every target's copy job has started; its run id."""
    killed_mid_copy(sb, env, runbook, tmp_path)
    return str(drill_records(tmp_path, "drill-start")[0]["flow"])


async def test_a_drill_killed_mid_copy_is_resumed_from_the_drills_screen_with_no_job_twice(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, runbooks: Path, monkeypatch: Any
) -> None:
    sb, info = sandbox
    backup, recovery = info.accounts["backup"], info.accounts["recovery"]
    monkeypatch.setattr(DrillScreen, "MIN_POLL", 0.1)
    copies_before = {j["CopyJobId"] for j in copy_jobs(sb, backup)}
    restores_before = {j["RestoreJobId"] for j in restore_jobs(sb, recovery)}
    run_id = kill_mid_copy(sb, cli_env(sb, info, tmp_path), runbooks / "payments.yaml", tmp_path)
    copies_at_kill = {j["CopyJobId"] for j in copy_jobs(sb, backup)} - copies_before
    assert len(copies_at_kill) == 3

    app = app_on(sandbox, tmp_path, runbooks_dir=runbooks)
    async with app.run_test(size=SIZE) as pilot:
        listing = await open_drills(app, pilot)
        await wait_until(pilot, lambda: "unfinished" in screen_text(app), what="the run")
        assert f"unfinished run {run_id}: R resumes it" in detail_of(listing)
        assert "R Resume drill" in footer(app)

        # R asks first; No leaves the drill as it is.
        await pilot.press("R")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="asked")
        assert "Resume drill payments?" in screen_text(app)
        await pilot.press("n")
        assert app.screen is listing and not drill_records(tmp_path, "drill-resume")

        # From the past runs (Tab), the unfinished row: R, then y.
        await pilot.press("tab")
        assert "R Resume drill" in footer(app)
        await pilot.press("R")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="asked")
        await pilot.pause(ARMING_SECONDS)  # yes answers once the question was on screen
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, DrillScreen), what="run view")
        drill = app.screen
        assert isinstance(drill, DrillScreen) and drill.resume_run == run_id

        # The run view of a fresh run: progress per target, the manual step left asked in
        # the dialog (the `before` one was answered by the killed run), then the report.
        await wait_until(
            pilot, lambda: isinstance(app.screen, ManualStepDialog), what="step", timeout=120
        )
        assert app.screen.step.name == "app-check"  # type: ignore[attr-defined]
        progress = str(drill.query_one("#drill-progress").render())
        assert all(f"{t}" in progress for t in ("payments-db", "receipts", "sessions"))
        assert progress.count("validated") == 3
        assert f"drill {run_id} of payments resumed from its journal" in drill.log_lines
        # The console holds the drill's lock while it asks: `drill resume` elsewhere is refused.
        elsewhere = await asyncio.to_thread(
            subprocess.run,
            [*DRILL, "resume", run_id, "--yes", "--json"],
            env=cli_env(sb, info, tmp_path),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert elsewhere.returncode == 2, elsewhere.stdout[-2000:] + elsewhere.stderr
        assert f"drill {run_id} is being run by another drconsole process" in elsewhere.stderr
        await wait_until(pilot, lambda: isinstance(app.focused, Input), what="step armed")
        await pilot.press(*"checked after resume", "enter")
        await wait_until(pilot, lambda: drill.report is not None, what="report", timeout=90)
        # The clock runs from the drill's journaled start, not from the resume.
        start = drill_records(tmp_path, "drill-start")[0]["started"]
        assert drill.progress.started == datetime.fromisoformat(start)
        assert "Drill payments  PASSED" in str(drill.query_one("#drill-text").render())

    report = drill.report
    assert report is not None and report["run_id"] == run_id and report["verdict"] == "passed"
    on_disk = json.loads((Path(report["report_dir"]) / "report.json").read_text())
    assert on_disk["run_id"] == run_id and on_disk["verdict"] == "passed"
    assert on_disk["interrupted"] and on_disk["interrupted_seconds"] > 0
    steps = {m["step"]: m for m in on_disk["manual_steps"]}
    assert steps["app-check"]["performed"] and steps["app-check"]["note"] == "checked after resume"
    assert len(drill_records(tmp_path, "drill-resume")) == 1
    # Exactly one copy job per target, the one started before the kill (waited on, not started
    # again), and one restore job per target, in the recovery account.
    new_copies = [j for j in copy_jobs(sb, backup) if j["CopyJobId"] not in copies_before]
    assert {j["CopyJobId"] for j in new_copies} == copies_at_kill
    assert sorted(j["SourceRecoveryPointArn"] for j in new_copies) == sorted(
        t["recovery_point"]["recovery_point"] for t in on_disk["targets"]
    )
    new_restores = [
        j for j in restore_jobs(sb, recovery) if j["RestoreJobId"] not in restores_before
    ]
    assert len(new_restores) == 3
    journaled = {j["job_id"] for t in on_disk["targets"] for j in t["jobs"]}
    assert journaled == copies_at_kill | {j["RestoreJobId"] for j in new_restores}


class Terminal:
    """A command in a pseudo-terminal of its own, read as it writes."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
        self.process = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self.master = master
        self.output = ""

    def wait_for(self, pattern: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.output):
            if time.monotonic() > deadline:
                raise AssertionError(f"no {pattern!r} in {self.output[-2000:]!r}")
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    self.output += os.read(self.master, 65536).decode(errors="replace")
                except OSError:
                    time.sleep(0.1)

    def send(self, text: str) -> None:
        os.write(self.master, text.encode())

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)
        if self.master >= 0:
            os.close(self.master)
            self.master = -1


async def test_a_drill_held_elsewhere_is_refused_and_read_only_never_resumes(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, runbooks: Path
) -> None:
    sb, info = sandbox
    backup, recovery = info.accounts["backup"], info.accounts["recovery"]
    copies_before = len(copy_jobs(sb, backup))
    restores_before = len(restore_jobs(sb, recovery))
    env = cli_env(sb, info, tmp_path)
    runbook_file = runbooks / "payments.yaml"
    # `drill run` in a terminal of its own, started and waiting at its first manual step:
    # journaled, unfinished, and holding the drill's lock.
    terminal = Terminal([*DRILL, "run", str(runbook_file)], env)
    try:
        terminal.wait_for(r"Start the drill\?")
        time.sleep(0.3)  # a key typed before the question is drawn does not answer it
        terminal.send("y")
        terminal.wait_for(r"Performed\?")
        run_id = str(drill_records(tmp_path, "drill-start")[0]["flow"])

        # Read-only: R is neither shown nor acted on; the run view, opened all the same, is
        # refused by the runner before any AWS call.
        app = app_on(sandbox, tmp_path, runbooks_dir=runbooks, read_only=True)
        async with app.run_test(size=SIZE) as pilot:
            listing = await open_drills(app, pilot)
            await wait_until(
                pilot,
                lambda: f"drill resume {run_id} (not in read-only" in detail_of(listing),
                what="detail",
            )
            assert "Resume" not in footer(app)
            await pilot.press("R")
            await pilot.pause(0.3)
            assert app.screen is listing
            runbook = listing.shown[0].runbook
            assert runbook is not None
            drill = DrillScreen(runbook, resume_run=run_id)
            await app.push_screen(drill)
            await wait_until(
                pilot, lambda: "read-only mode is on" in screen_text(app), what="refused"
            )
            assert drill.runner is not None and not drill.running

        app = app_on(sandbox, tmp_path, runbooks_dir=runbooks)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            listing = await open_drills(app, pilot)
            await wait_until(pilot, lambda: "R Resume drill" in footer(app), what="offered")
            await pilot.press("R")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="asked")
            await pilot.pause(ARMING_SECONDS)  # yes answers once the question was on screen
            await pilot.press("y")
            await wait_until(pilot, lambda: isinstance(app.screen, DrillScreen), what="view")
            drill = app.screen
            assert isinstance(drill, DrillScreen)
            await wait_until(
                pilot, lambda: "Not resumed" in screen_text(app), what="refused", timeout=30
            )
            assert f"drill {run_id} is being run by another drconsole process" in screen_text(app)
            assert not drill.running and not app.drill_screens
            await pilot.press("escape")
            assert app.screen is listing
            assert not drill_records(tmp_path, "drill-resume")

            # A runbook edited since the run started is not resumed (as `drill resume`).
            original = runbook_file.read_text()
            runbook_file.write_text(original + "# edited\n")
            await pilot.press("R")
            await wait_until(pilot, lambda: notified(app, "SHA-256 differs"), what="changed")
            assert app.screen is listing
            runbook_file.write_text(original)

            # The other process ends; `drill resume` finishes the drill there. The list, read
            # before, still shows it unfinished: R says it has finished, and r shows how.
            terminal.kill()
            resumed = await asyncio.to_thread(
                subprocess.run,
                [*DRILL, "resume", run_id, "--yes", "--json", "--poll-interval", "0.1"],
                env=env,
                capture_output=True,
                text=True,
                timeout=180,
            )
            assert resumed.returncode == 0, resumed.stdout[-2000:] + resumed.stderr
            await pilot.press("R")
            await wait_until(pilot, lambda: notified(app, "has finished since"), what="ended")
            assert app.screen is listing
            await pilot.press("r")
            await wait_until(pilot, lambda: "passed" in screen_text(app), what="passed")
            assert "Resume" not in footer(app)
    finally:
        terminal.kill()
    # One resume ran the drill, the CLI's: one copy and one restore job per target.
    assert len(drill_records(tmp_path, "drill-resume")) == 1
    state = DrillJournal(tmp_path / "state" / "drconsole").run(run_id)
    assert state is not None and state.end is not None
    assert len(copy_jobs(sb, backup)) == copies_before + 3
    assert len(restore_jobs(sb, recovery)) == restores_before + 3


def notified(app: DrConsoleApp, text: str) -> bool:
    return any(text in n for n in notices_said(app))


async def test_a_drill_interrupted_by_throttling_is_listed_unfinished_and_r_finishes_it(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, monkeypatch: Any
) -> None:
    sb, info = sandbox
    backup, recovery = info.accounts["backup"], info.accounts["recovery"]
    monkeypatch.setattr(DrillScreen, "MIN_POLL", 0.1)
    folder = tmp_path / "runbooks"
    folder.mkdir()
    (folder / "tables.yaml").write_text(
        "name: tables\ncleanup: always\n"
        f'source: {{account: "{backup}", region: {EU}, vault: central-eu-central-1}}\n'
        f'restore_to: {{account: "{recovery}", region: {EU}, vault: recovery-vault}}\n'
        "targets:\n"
        f'  - name: table\n    resource: {{account: "{info.accounts["prod"]}", type: DynamoDB,'
        " name: prod-sessions}\n    metadata: {targetTableName: screen-throttled-table}\n"
    )
    copies_before = {j["CopyJobId"] for j in copy_jobs(sb, backup)}
    restores_before = {j["RestoreJobId"] for j in restore_jobs(sb, recovery)}
    sb.fail_operation("backup:StartRestoreJob", "throttle")
    try:
        ran = forked_cli.run(
            [*DRILL, "run", str(folder / "tables.yaml"), "--yes", "--json"],
            env={**cli_env(sb, info, tmp_path), "AWS_MAX_ATTEMPTS": "2"},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        sb.clear_faults()
    assert ran.returncode == 3, ran.stdout[-2000:] + ran.stderr
    run_id = str(drill_records(tmp_path, "drill-start")[0]["flow"])

    app = app_on(sandbox, tmp_path, runbooks_dir=folder)
    async with app.run_test(size=SIZE) as pilot:
        listing = await open_drills(app, pilot)
        await wait_until(pilot, lambda: "unfinished" in screen_text(app), what="the run")
        assert f"unfinished run {run_id}: R resumes it" in detail_of(listing)
        await pilot.press("R")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="asked")
        await pilot.pause(ARMING_SECONDS)  # yes answers once the question was on screen
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, DrillScreen), what="run view")
        drill = app.screen
        assert isinstance(drill, DrillScreen)
        await wait_until(pilot, lambda: drill.report is not None, what="report", timeout=90)
        assert "Drill tables  PASSED" in str(drill.query_one("#drill-text").render())
        # The copy ended before the interruption: the resumed flow's events name only the
        # restore, and the breakdown counted the copy's time as checks.
        target = drill.progress.targets["table"]
        phases = [label for label, _, _ in drill.progress.breakdown(target, utcnow())]
        assert phases[:3] == ["checks", "hop1", "wait"], phases
        assert "restore" in phases

    report = drill.report
    assert report is not None and report["run_id"] == run_id and report["verdict"] == "passed"
    assert len(drill_records(tmp_path, "drill-end")) == 1
    # The copy made before the interruption was waited on, not made again; one restore.
    assert len([j for j in copy_jobs(sb, backup) if j["CopyJobId"] not in copies_before]) == 1
    assert (
        len([j for j in restore_jobs(sb, recovery) if j["RestoreJobId"] not in restores_before])
        == 1
    )
