"""A secret restore metadata value kept off the command line: `--metadata KEY=-`.

On the command line a password sits in the shell's history and in `/proc/PID/cmdline` (readable
by every local user) for the whole flow. Given as `-` it is asked without echo in a terminal,
or read from standard input for `--yes`; either way it is sent as typed and printed nowhere.
Real `drconsole` processes against a `drconsole sandbox` process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import forked_cli
from tests.test_cli_copy import TIMEOUT, Prompted, SandboxProcess, journal, sandbox_process
from tests.test_cli_flow_requests import only, prod_point, restore_jobs, sent_with

SECRET = "St4nd1nput-Secret#9"
POLL = ("--poll-interval", "0.2")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxProcess]:
    yield from sandbox_process()


def restore_reading_stdin(
    sb: SandboxProcess, state: Path, rp: str, stdin: str
) -> subprocess.CompletedProcess[str]:
    argv = ["restore", "--recovery-point", rp, "--metadata", "MasterUserPassword=-"]
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", *argv, "--yes", "--json", *POLL],
        input=stdin,
        env=sb.env(state),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def test_a_secret_read_from_standard_input_is_sent_as_given(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    rp = prod_point(sandbox, "RDS")
    done = restore_reading_stdin(sandbox, tmp_path, rp, SECRET + "\n")
    assert done.returncode == 0, done.stdout + done.stderr
    assert SECRET not in done.stdout + done.stderr
    for line in done.stdout.splitlines():
        json.loads(line)  # the --json stream is JSON only
    for path in (tmp_path / "xdg-state").rglob("*"):
        assert not path.is_file() or SECRET not in path.read_text(), path
    records = journal(tmp_path)
    start, job = only(records, "start"), only(records, "job")
    assert start["request"]["Metadata"]["MasterUserPassword"] == "<redacted>"
    # Sent as read, not as "-" and not as the journal's marker.
    assert sent_with(sandbox, start, SECRET) == job["job_id"]


def test_no_line_on_standard_input_is_one_line_and_nothing_started(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    rp = prod_point(sandbox, "RDS")
    before = len(restore_jobs(sandbox, rp))
    done = restore_reading_stdin(sandbox, tmp_path, rp, "")
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr == (
        "drconsole: --metadata MasterUserPassword (given as -): standard input holds no line "
        "for its value\n"
    )
    assert journal(tmp_path) == []
    assert len(restore_jobs(sandbox, rp)) == before


def test_in_a_terminal_the_secret_is_asked_without_echo(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    rp = prod_point(sandbox, "RDS")
    term = Prompted(
        sandbox,
        tmp_path,
        "restore",
        "--recovery-point",
        rp,
        "--metadata",
        "MasterUserPassword=-",
        "--yes",
        *POLL,
    )
    try:
        term.wait_for("MasterUserPassword (not shown): ")
        term.send(SECRET, "Enter")
        shown = term.wait_for("EXIT=")
        assert "EXIT=0" in shown, shown
        assert SECRET not in shown  # not echoed, not printed
    finally:
        term.close()
    records = journal(tmp_path)
    start, job = only(records, "start"), only(records, "job")
    assert sent_with(sandbox, start, SECRET) == job["job_id"]
