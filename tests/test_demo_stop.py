"""`drconsole demo --stop` signals only the sandbox it started: a recorded pid that now belongs
to another process (the sandbox died, the pid was reused) is left alive."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drconsole.commands._demo_liveness import process_identity
from drconsole.commands._demo_process import DEMO_PROCESS_MODULE
from tests import forked_cli

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)", DEMO_PROCESS_MODULE]


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    """A process that is not the demo sandbox, though its command line names the module."""
    process = subprocess.Popen(SLEEPER)
    deadline = time.monotonic() + 10
    while DEMO_PROCESS_MODULE not in (process_identity(process.pid) or ""):
        assert time.monotonic() < deadline, "the sleeper did not start"
        time.sleep(0.02)
    yield process
    process.kill()
    process.wait()


def write_record(state: Path, pid: int, process: str | None) -> Path:
    demo = state / "drconsole" / "demo"
    demo.mkdir(parents=True, exist_ok=True)
    record = {
        "endpoint_url": "http://127.0.0.1:9",
        "pid": pid,
        "scenario": "demo",
        "region": "eu-central-1",
        "dr_region": "eu-north-1",
        "accounts": {"management": "123456789012"},
        "credentials": {},
        "knobs": {},
    }
    if process is not None:
        record["process"] = process
    path = demo / "sandbox.json"
    path.write_text(json.dumps(record))
    return path


def demo_stop(state: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env["XDG_STATE_HOME"] = str(state)
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", "demo", "--stop"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_reused_pid_is_left_alive(sleeper: subprocess.Popen[bytes], tmp_path: Path) -> None:
    # The record's identity: the same command line, but a process started at another time.
    identity = process_identity(sleeper.pid)
    assert identity is not None
    start, command = identity.split(" ", 1)
    record = write_record(tmp_path, sleeper.pid, f"{int(start) - 1} {command}")
    result = demo_stop(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "another process now, left alone" in result.stdout
    time.sleep(0.3)
    assert sleeper.poll() is None, "the foreign process was killed"
    assert not record.exists(), "the stale record is removed"


def test_a_foreign_pid_in_an_old_record_is_left_alive(tmp_path: Path) -> None:
    foreign = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        write_record(tmp_path, foreign.pid, None)  # a record without identity (older versions)
        result = demo_stop(tmp_path)
        assert "left alone" in result.stdout, result.stdout + result.stderr
        time.sleep(0.3)
        assert foreign.poll() is None
    finally:
        foreign.kill()
        foreign.wait()


def test_the_recorded_process_itself_is_stopped(
    sleeper: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    write_record(tmp_path, sleeper.pid, process_identity(sleeper.pid))
    result = demo_stop(tmp_path)
    assert result.returncode == 0 and "stopped" in result.stdout, result.stdout + result.stderr
    assert sleeper.wait(10) is not None


@pytest.mark.parametrize("how", ["removed", "replaced"])
def test_a_sandbox_whose_record_is_gone_stops_itself(tmp_path: Path, how: str) -> None:
    """The state directory deleted (or the record naming another sandbox): nothing could find
    this sandbox to reuse or stop it, so it stops itself instead of running for good."""
    demo = tmp_path / "drconsole" / "demo"
    demo.mkdir(parents=True)
    process = subprocess.Popen(
        [sys.executable, "-m", DEMO_PROCESS_MODULE, str(demo), "--scenario", "demo"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while not (demo / "sandbox.json").exists():
            assert process.poll() is None, "the sandbox did not start"
            assert time.monotonic() < deadline, "the sandbox wrote no record"
            time.sleep(0.1)
        if how == "removed":
            (demo / "sandbox.json").unlink()
        else:
            write_record(tmp_path, os.getpid(), None)
        process.wait(timeout=30)
        output = process.stdout.read().decode() if process.stdout else ""
        assert process.returncode == 0
        assert "its record is gone" in output and "stopped" in output
        if how == "replaced":  # the other sandbox's record is left as it is
            assert json.loads((demo / "sandbox.json").read_text())["pid"] == os.getpid()
    finally:
        process.kill()
        process.wait()
