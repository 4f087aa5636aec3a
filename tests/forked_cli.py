"""`subprocess.run` for `python -m drconsole`, forked from a process that imported drconsole."""

# The command still runs in a new process with the argv, environment, directory, standard
# streams and exit status the test gives it, and is killed at its timeout as subprocess.run
# kills it; only Python's start and drconsole's imports are saved (tests/forked_cli_server.py).
# Anything this cannot give exactly as a new interpreter would — interpreter settings in the
# environment (PYTHON*, locale, TZ), other Popen options, another program — goes to
# subprocess.run unchanged. DRCONSOLE_TESTS_EXEC=1 sends every command there.

from __future__ import annotations

import atexit
import contextlib
import json
import locale
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tests.forked_cli_server import HEADER

DRCONSOLE = [sys.executable, "-m", "drconsole"]
# Environment variables that only a running command reads (botocore, rich, drconsole; pytest's
# own): a command given other values than this process's can be forked. Any other difference
# (PYTHON*, the locale, TZ, TEXTUAL_*, ESCDELAY: read by the interpreter or at an import) runs
# it anew.
READ_WHILE_RUNNING = ("AWS_", "XDG_", "DRCONSOLE_", "PYTEST_")
READ_WHILE_RUNNING_EXACTLY = frozenset(
    {"HOME", "PATH", "USER", "LOGNAME", "TMPDIR", "CI"}
    | {"NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "TERM", "COLORTERM"}
    | {"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"}
)
STREAM_OPTIONS = frozenset({"input", "stdin", "stdout", "stderr", "capture_output"})
RUN_OPTIONS = STREAM_OPTIONS | {"env", "cwd", "timeout", "text", "check", "encoding", "errors"}
ROOT = Path(__file__).resolve().parent.parent

_server_lock = threading.Lock()
_server: tuple[subprocess.Popen[bytes], str, int] | None = None


def _read_at_start(name: str) -> bool:
    return not name.startswith(READ_WHILE_RUNNING) and name not in READ_WHILE_RUNNING_EXACTLY


def forkable(
    args: Sequence[Any], env: Mapping[str, str] | None, options: Mapping[str, Any]
) -> bool:
    """Whether this run can be forked and still be what a new interpreter would do."""
    if os.environ.get("DRCONSOLE_TESTS_EXEC") or not set(options) <= RUN_OPTIONS:
        return False
    if [str(a) for a in args[:3]] != DRCONSOLE:
        return False
    if env is not None:
        changed = {k for k in env.keys() | os.environ.keys() if env.get(k) != os.environ.get(k)}
        if any(_read_at_start(name) for name in changed):
            return False
    return options.get("stdin") not in (subprocess.PIPE,)


def _started_server() -> tuple[str, int]:
    """This process's fork server (its socket path), started on first use."""
    global _server
    with _server_lock:
        if _server is not None and _server[0].poll() is None:
            return _server[1], _server[2]
        socket_dir = Path(os.environ.get("TMPDIR", "/tmp"))
        path = str(socket_dir / f"drconsole-tests-fork-{os.getpid()}-{id(_server_lock)}.sock")
        if os.path.exists(path):
            os.unlink(path)
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(path)
        listener.listen(64)
        lifeline_read, lifeline_write = os.pipe()
        os.set_inheritable(lifeline_write, False)
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.forked_cli_server",
                str(listener.fileno()),
                str(lifeline_read),
            ],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            pass_fds=(listener.fileno(), lifeline_read),
        )
        listener.close()
        os.close(lifeline_read)
        # lifeline_write stays open for as long as this process lives.
        _server = (process, path, lifeline_write)
        atexit.register(_stop_server, process, path, lifeline_write)
        return path, lifeline_write


def _stop_server(process: subprocess.Popen[bytes], path: str, lifeline_write: int) -> None:
    """End the fork server with this process, and wait for it (its commands' CPU is counted)."""
    with contextlib.suppress(OSError):
        os.close(lifeline_write)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _stream_fd(value: Any, default_fd: int, write: bool) -> tuple[int, int | None]:
    """The descriptor to hand the command, and our end of a pipe if one was made."""
    if value is None:
        return os.dup(default_fd), None
    if value == subprocess.DEVNULL:
        return os.open(os.devnull, os.O_WRONLY if write else os.O_RDONLY), None
    if value == subprocess.PIPE:
        read_end, write_end = os.pipe()
        return (write_end, read_end) if write else (read_end, write_end)
    if isinstance(value, int):
        return os.dup(value), None
    return os.dup(value.fileno()), None


def _drain(fd: int, into: list[bytes]) -> None:
    with os.fdopen(fd, "rb") as stream:
        into.append(stream.read())


def _feed(fd: int, data: bytes) -> None:
    with os.fdopen(fd, "wb") as stream, contextlib.suppress(BrokenPipeError):
        stream.write(data)


def _decoded(data: bytes | None, encoding: str, errors: str) -> str | None:
    if data is None:
        return None
    # As subprocess.run does in text mode (universal newlines).
    return data.decode(encoding, errors).replace("\r\n", "\n").replace("\r", "\n")


def run(args: Sequence[Any], **options: Any) -> subprocess.CompletedProcess[Any]:
    """subprocess.run(args, **options), forked when the command is drconsole's."""
    env = options.get("env")
    if not forkable(args, env, options):
        return subprocess.run(args, **options)
    text = bool(options.get("text") or options.get("encoding") or options.get("errors"))
    encoding = options.get("encoding") or locale.getpreferredencoding(False)
    errors = options.get("errors") or "strict"
    data = options.get("input")
    if isinstance(data, str):
        data = data.encode(encoding, errors)
    capture = options.get("capture_output", False)
    stdin_fd, stdin_ours = (
        _stream_fd(subprocess.PIPE, 0, False)
        if data is not None
        else _stream_fd(options.get("stdin"), 0, False)
    )
    stdout_fd, stdout_ours = _stream_fd(
        subprocess.PIPE if capture else options.get("stdout"), 1, True
    )
    stderr_option = subprocess.PIPE if capture else options.get("stderr")
    if stderr_option == subprocess.STDOUT:
        stderr_fd, stderr_ours = os.dup(stdout_fd), None
    else:
        stderr_fd, stderr_ours = _stream_fd(stderr_option, 2, True)
    body = json.dumps(
        {
            "args": [str(a) for a in args[3:]],
            "env": dict(os.environ if env is None else env),
            "cwd": str(options.get("cwd") or os.getcwd()),
        }
    ).encode()
    path, _ = _started_server()
    conn = socket.socket(socket.AF_UNIX)
    try:
        conn.connect(path)
        socket.send_fds(conn, [HEADER.pack(len(body)) + body], [stdin_fd, stdout_fd, stderr_fd])
    finally:
        for fd in (stdin_fd, stdout_fd, stderr_fd):
            os.close(fd)
    outputs: dict[str, list[bytes]] = {"stdout": [], "stderr": []}
    workers = []
    if stdin_ours is not None:
        workers.append(threading.Thread(target=_feed, args=(stdin_ours, data or b""), daemon=True))
    for name, fd in (("stdout", stdout_ours), ("stderr", stderr_ours)):
        if fd is not None:
            workers.append(threading.Thread(target=_drain, args=(fd, outputs[name]), daemon=True))
    for worker in workers:
        worker.start()
    with conn:
        pid = HEADER.unpack(_exactly(conn, HEADER.size))[0]
        conn.settimeout(options.get("timeout"))
        try:
            status = HEADER.unpack(_exactly(conn, HEADER.size))[0]
        except TimeoutError:
            os.kill(pid, signal.SIGKILL)
            conn.settimeout(None)
            _exactly(conn, HEADER.size)
            for worker in workers:
                worker.join()
            raise subprocess.TimeoutExpired(
                list(args),
                options["timeout"],
                _joined(outputs["stdout"]),
                _joined(outputs["stderr"]),
            ) from None
    for worker in workers:
        worker.join()
    stdout = _joined(outputs["stdout"]) if stdout_ours is not None else None
    stderr = _joined(outputs["stderr"]) if stderr_ours is not None else None
    result: subprocess.CompletedProcess[Any] = subprocess.CompletedProcess(
        list(args),
        os.waitstatus_to_exitcode(status),
        _decoded(stdout, encoding, errors) if text else stdout,
        _decoded(stderr, encoding, errors) if text else stderr,
    )
    if options.get("check"):
        result.check_returncode()
    return result


def _joined(parts: list[bytes]) -> bytes | None:
    return b"".join(parts) if parts else None


def _exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        more = conn.recv(size - len(data))
        if not more:
            raise ConnectionError("the fork server went away")
        data += more
    return data
