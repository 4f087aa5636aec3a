"""A console whose terminal goes away without a SIGHUP reaching it (a dropped SSH session whose
shell took the signal, `trap '' HUP`, a killed tmux server) ends by itself with exit 129, as for
SIGHUP: it kept running for good, its input thread spinning on end-of-file at half a core, and
calling AWS for nobody."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests.tui.test_tmux import ROOT, Terminal, pytestmark  # noqa: F401  (tmux installed)
from tests.tui.test_tmux_read_only import console_exports


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sb, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0))
    try:
        yield sb, info
    finally:
        sb.stop()
        sb.reset()


def console_command(sb: Sandbox, info: ScenarioInfo, home: Path) -> str:
    """The console on the sandbox, under a shell that ignores SIGHUP (and so the console does:
    an ignored signal stays ignored) and writes the console's exit code once it ends."""
    exports = console_exports(sb, info, home)
    console = f"env -u AWS_PROFILE {exports} {sys.executable} -m drconsole --read-only"
    script = f"trap '' HUP; echo $$ > {home}/shell.pid; {console}; echo $? > {home}/exit-code"
    return f"cd {ROOT} && bash -c {shlex.quote(script)}"


def console_pid(home: Path) -> int | None:
    """The console's process: the child of the shell that started it."""
    shell = (home / "shell.pid").read_text().strip()
    found = subprocess.run(["pgrep", "-P", shell], capture_output=True, text=True).stdout.split()
    return int(found[0]) if found else None


def test_a_console_whose_terminal_hung_up_ends_with_129(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    term = Terminal("gone", 80, 24, console_command(sb, info, tmp_path))
    pid: int | None = None
    try:
        term.wait_for(r"6 accounts", timeout=90)
        pid = console_pid(tmp_path)
        assert pid is not None
        term.close()  # the terminal goes: no SIGHUP reaches the console (ignored)
        exit_code = tmp_path / "exit-code"
        deadline = time.monotonic() + 30
        while not exit_code.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert exit_code.exists(), "the console still runs 30 s after its terminal went away"
        assert exit_code.read_text().strip() == "129"
    finally:
        term.close()
        if pid is not None and os.path.exists(f"/proc/{pid}"):
            os.kill(pid, signal.SIGKILL)  # never left running by a failing test
