"""A validation command run in its own process group, so that stopping the drill (or its
timeout) ends it and every process it started, not only the shell."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time

POLL_SECONDS = 0.25  # how soon a stop is seen while the command runs


def run_command(
    argv: list[str],
    env: dict[str, str],
    timeout: float,
    stopping: threading.Event | None,
) -> subprocess.CompletedProcess[str]:
    """Run `argv` to its end; TimeoutExpired after `timeout` seconds, InterruptedError once
    `stopping` is set — in both cases with its whole process group killed first."""
    if not 0 < timeout <= threading.TIMEOUT_MAX:  # no wait can be that long: refused, not run
        raise OverflowError(f"timeout value {timeout:g}s is out of range")
    process = subprocess.Popen(
        argv,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Its own group: a `sh -c` command's children are killed with it. Ctrl+C on a terminal
        # reaches the drill instead, whose stop ends the command here.
        process_group=0,
    )
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        try:
            out, err = process.communicate(timeout=max(0.0, min(POLL_SECONDS, left)))
            return subprocess.CompletedProcess(argv, process.returncode, out, err)
        except subprocess.TimeoutExpired:
            if stopping is not None and stopping.is_set():
                _kill(process)
                stopped = "the drill was stopped while its validation command ran"
                raise InterruptedError(stopped) from None
            if left <= 0:
                out, err = _kill(process)
                raise subprocess.TimeoutExpired(argv, timeout, out, err) from None


def _kill(process: subprocess.Popen[str]) -> tuple[str, str]:
    """Kill the command's process group; what it wrote so far."""
    with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
        os.killpg(process.pid, signal.SIGKILL)
    try:
        out, err = process.communicate(timeout=5)
    except subprocess.TimeoutExpired:  # a process that left the group still holds the pipes
        process.kill()
        return "", ""
    return out or "", err or ""
