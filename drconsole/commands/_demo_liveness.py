"""Whether the recorded demo sandbox still runs (pid, identity, endpoint); signals to it alone."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drconsole.commands._demo_process import SandboxRecord


def process_identity(pid: int) -> str | None:
    """`<start time> <command line>` of a process, or None when it is gone or unreadable.

    Two processes that share a pid one after the other differ in their start time (clock ticks
    since boot on Linux, from /proc; `ps`'s start time elsewhere).
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        if Path("/proc/self/stat").exists():
            return None  # a Linux /proc without the pid: the process is gone
        return _ps_identity(pid)
    except OSError:
        return None
    # Field 22 (starttime), counted after the command name, which may hold spaces and parens.
    fields = stat.rsplit(")", 1)[-1].split()
    if len(fields) < 20:
        return None
    command = cmdline.replace(b"\0", b" ").decode("utf-8", "replace").strip()
    return f"{fields[19]} {command}"


def _ps_identity(pid: int) -> str | None:
    try:
        answer = subprocess.run(
            ["ps", "-o", "lstart=", "-o", "args=", "-p", str(pid)],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return answer.stdout.strip() or None if answer.returncode == 0 else None


def signal_sandbox(record: SandboxRecord, signum: int) -> bool:
    """Send `signum` to the recorded sandbox only if the pid is still that sandbox; True if sent.

    Where the OS offers it, a pidfd pins the process between the check and the signal, so a pid
    reused in between cannot receive it.
    """
    pidfd: int | None = None
    try:
        try:
            pidfd = os.pidfd_open(record.pid)
        except (AttributeError, OSError):
            pidfd = None
        if not record.is_ours():
            return False
        if pidfd is not None:
            signal.pidfd_send_signal(pidfd, signum)
        else:
            os.kill(record.pid, signum)
        return True
    except ProcessLookupError:
        return False
    finally:
        if pidfd is not None:
            os.close(pidfd)


def pid_alive(pid: int) -> bool:
    """True when a process with this pid exists (and is not a zombie of ours)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def endpoint_answers(endpoint_url: str, timeout: float = 2.0) -> bool:
    """True when something answers HTTP at the endpoint (any status)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(endpoint_url)
    connection = http.client.HTTPConnection(
        parts.hostname or "127.0.0.1", parts.port, timeout=timeout
    )
    try:
        connection.request("GET", "/")
        connection.getresponse().read()
    except OSError:
        return False
    finally:
        connection.close()
    return True
