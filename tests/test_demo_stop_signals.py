"""SIGTERM and SIGHUP end a running console as a confirmed quit does: the terminal is the
shell's again, the exit code is 128 + the signal's, and `drconsole demo` stops its sandbox.
Killed at once, the console left its screen on the terminal (echo off) and the sandbox running.
A real console in a real terminal (tmux)."""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import pytest

from tests.test_demo_consoles import SETTLED, console
from tests.test_demo_resume import (
    clean_env,
    demo_dir,  # noqa: F401 (a fixture)
    wait_dead,
)

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_stop_signal_ends_the_console_as_a_quit_does(
    tmp_path: Path,
    demo_dir: Path,  # noqa: F811
    signum: int,
) -> None:
    env = clean_env(tmp_path)
    term = console(env, f"signal-{signum}")
    try:
        term.wait_for(SETTLED, timeout=90)
        record = json.loads((demo_dir / "sandbox.json").read_text())
        [mark] = list((demo_dir / "consoles").iterdir())  # the console's own pid
        os.kill(int(mark.name), signum)
        screen = term.wait_for(r"CONSOLE-EXITED \d+")
        assert f"CONSOLE-EXITED {128 + signum}" in screen, screen
        # The console's screen is gone (Textual left its alternate screen): the shell's is back.
        assert "Organization" not in screen, screen
        assert wait_dead(record["pid"]), "the console ended and its sandbox still runs"
        assert not (demo_dir / "sandbox.json").exists()
    finally:
        term.kill()
