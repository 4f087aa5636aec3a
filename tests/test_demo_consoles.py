"""Several `drconsole demo` consoles on one sandbox (a later one reuses it): quitting one leaves
the sandbox to the others, the last one to quit stops it, a console that died does not count,
and `drconsole demo --stop` says which consoles it leaves without their sandbox. Real
processes in a real terminal (tmux); the sandbox is asked with plain boto3."""

from __future__ import annotations

import json
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import pytest

from tests.test_demo_resume import (
    ROOT,
    Terminal,
    alive,
    clean_env,
    demo_dir,  # noqa: F401 (a fixture)
    drconsole,
    wait_dead,
)

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
READY = r"backup \(b[^\n]*\bok\b"  # the accounts screen has read the organization
# Readiness decided too (`readiness…` gone): nothing is left asking the sandbox, whose stop
# would otherwise make the console's quit wait for its retries.
SETTLED = r"NOT READY[\s\S]*eu-north-1  \d+ with errors"


def console(env: dict[str, str], name: str) -> Terminal:
    """`drconsole demo` in a terminal of its own; the shell says when it has exited."""
    command = shlex.join([sys.executable, "-m", "drconsole", "demo"])
    return Terminal(
        f"cd {shlex.quote(str(ROOT))} && {command}; echo CONSOLE-EXITED $?; sleep 120", env, name
    )


def list_accounts(record: dict[str, Any]) -> list[str]:
    """The organization's accounts, asked of the sandbox with plain boto3."""
    organizations = boto3.client(
        "organizations",
        region_name="eu-central-1",
        endpoint_url=record["endpoint_url"],
        **record["credentials"],
    )
    return [account["Id"] for account in organizations.list_accounts()["Accounts"]]


def dead_console(demo: Path, sandbox_pid: int) -> None:
    """A console that attached to the sandbox and was killed (its terminal's process gone)."""
    code = (
        "import sys, time; from pathlib import Path; "
        "from drconsole.commands._demo_consoles import Attachment; "
        f"Attachment(Path({str(demo)!r}), {sandbox_pid}); print('attached', flush=True); "
        "time.sleep(120)"
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, cwd=ROOT)
    assert process.stdout is not None and process.stdout.readline().strip() == b"attached"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert (demo / "consoles" / str(process.pid)).exists()  # its mark outlived it


def test_the_last_console_to_quit_stops_the_sandbox(tmp_path: Path, demo_dir: Path) -> None:  # noqa: F811
    env = clean_env(tmp_path)
    first = console(env, "first")
    second = None
    try:
        first.wait_for(READY, timeout=90)
        record = json.loads((demo_dir / "sandbox.json").read_text())
        second = console(env, "second")
        second.wait_for(READY, timeout=90)
        reused = json.loads((demo_dir / "sandbox.json").read_text())
        assert reused["pid"] == record["pid"], "the second console started a sandbox of its own"

        first.keys("q")
        screen = first.wait_for(r"CONSOLE-EXITED \d+")
        assert "CONSOLE-EXITED 0" in screen, screen
        time.sleep(1.0)
        assert alive(record["pid"]), "quitting the first console stopped the sandbox"
        assert record["accounts"]["prod"] in list_accounts(record)  # it still answers
        assert "Demo sandbox kept for 1 other open console(s)" in screen, screen
        # The second console still reads AWS: `j` lists the jobs of every account.
        second.keys("j")
        second.wait_for(r"accounts org-wide", timeout=60)
        assert "NETWORK" not in second.text()

        dead_console(demo_dir, record["pid"])  # a console that died does not keep it
        second.keys("escape", "q")
        screen = second.wait_for(r"CONSOLE-EXITED \d+")
        assert "CONSOLE-EXITED 0" in screen and "kept" not in screen, screen
        assert wait_dead(record["pid"]), "the last console quit and the sandbox still runs"
        assert not (demo_dir / "sandbox.json").exists()
        with pytest.raises(botocore.exceptions.EndpointConnectionError):
            list_accounts(record)
        assert not list((demo_dir / "consoles").iterdir()), "marks left behind"
    finally:
        first.kill()
        if second is not None:
            second.kill()


def test_stop_names_the_consoles_it_leaves_without_a_sandbox(
    tmp_path: Path,
    demo_dir: Path,  # noqa: F811
) -> None:
    env = clean_env(tmp_path)
    term = console(env, "stopped")
    try:
        term.wait_for(SETTLED, timeout=90)
        record = json.loads((demo_dir / "sandbox.json").read_text())
        stopped = drconsole(env, "demo", "--stop")
        assert stopped.returncode == 0, stopped.stderr
        line = stopped.stdout.strip()
        assert line.startswith(
            f"Demo sandbox (pid {record['pid']}) stopped under 1 open console"
        ), line
        with pytest.raises(botocore.exceptions.EndpointConnectionError):
            list_accounts(record)
        term.keys("q")
        screen = term.wait_for(r"CONSOLE-EXITED \d+")
        assert "CONSOLE-EXITED 0" in screen and "Traceback" not in screen, screen
        assert wait_dead(record["pid"])  # reaped by the console that started it
        assert not (demo_dir / "sandbox.json").exists(), "the quitting console started one"
        again = drconsole(env, "demo", "--stop")
        assert again.stdout.strip() == "No demo sandbox is running.", again.stdout
    finally:
        term.kill()
