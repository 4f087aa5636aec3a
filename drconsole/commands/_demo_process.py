"""The demo's sandbox as a detached process that outlives the terminal, and its record file.

`drconsole demo` starts `python -m drconsole.commands._demo_process` in a new session (so a closed
terminal's SIGHUP does not reach it), with its output in `<state dir>/demo/sandbox.log`. Once the
scenario is built, the process writes `<state dir>/demo/sandbox.json` (mode 0600): its endpoint,
pid, scenario, accounts, Regions and the sandbox's own access keys for the management account.
Those keys belong to the local sandbox, not to AWS; they are never printed or logged. A later
`drconsole demo` or `drconsole jobs` finds the sandbox through that file, so that flows left in
flight in the demo can be resumed after the terminal closed. The record also holds the process's
identity (its start time and command line): a pid that now belongs to another process (the
sandbox died and the pid was reused) is never signalled.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drconsole.commands._demo_liveness import (
    endpoint_answers,
    pid_alive,
    process_identity,
    signal_sandbox,
)
from drconsole.errors import DrConsoleError
from drconsole.private_files import open_private, private_dir

RECORD_FILE = "sandbox.json"
# How often the running sandbox checks that its record is still there and still its own.
RECORD_LOOK_SECONDS = 2.0
LOG_FILE = "sandbox.log"
START_TIMEOUT_SECONDS = 120.0
STOP_TIMEOUT_SECONDS = 10.0


def demo_state_dir() -> Path:
    """`<state dir>/demo`: the demo's journal, audit log, sandbox record and sandbox log."""
    from drconsole.config import default_state_dir

    return default_state_dir() / "demo"


@dataclass(frozen=True)
class SandboxRecord:
    """What `sandbox.json` holds about the demo's running sandbox."""

    endpoint_url: str
    pid: int
    scenario: str
    region: str
    dr_region: str
    accounts: dict[str, str]
    credentials: dict[str, str]
    knobs: dict[str, Any]
    # process_identity(pid) when the sandbox wrote the record ("" in records of older versions).
    process: str = ""

    def __repr__(self) -> str:
        # The access keys stay out of tracebacks and logs.
        return f"SandboxRecord(endpoint_url={self.endpoint_url!r}, pid={self.pid})"

    @classmethod
    def read(cls, state_dir: Path) -> SandboxRecord | None:
        """The record in `state_dir`, or None (missing, torn or from another version)."""
        try:
            data = json.loads((state_dir / RECORD_FILE).read_text(encoding="utf-8"))
            return cls(
                endpoint_url=str(data["endpoint_url"]),
                pid=_pid(data["pid"]),
                scenario=str(data["scenario"]),
                region=str(data["region"]),
                dr_region=str(data["dr_region"]),
                accounts={str(k): str(v) for k, v in data["accounts"].items()},
                credentials={str(k): str(v) for k, v in data["credentials"].items()},
                knobs=dict(data.get("knobs", {})),
                process=str(data.get("process", "")),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def write(self, state_dir: Path) -> None:
        """Write atomically with mode 0600 (it holds the sandbox's access keys)."""
        private_dir(state_dir)
        temporary = state_dir / f".{RECORD_FILE}.{os.getpid()}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self.__dict__, handle, sort_keys=True)
        os.replace(temporary, state_dir / RECORD_FILE)

    def is_alive(self) -> bool:
        """True when the sandbox's own process runs and its endpoint answers HTTP."""
        return self.is_ours() and endpoint_answers(self.endpoint_url)

    def is_ours(self) -> bool:
        """True when the pid is still the sandbox that wrote the record (not a reused pid)."""
        if not pid_alive(self.pid):
            return False
        identity = process_identity(self.pid)
        if identity is None:
            return False
        if self.process:
            return identity == self.process
        return DEMO_PROCESS_MODULE in identity  # a record written before identities were kept


DEMO_PROCESS_MODULE = "drconsole.commands._demo_process"


def _pid(value: object) -> int:
    """A process id as a record holds it; ValueError past what the OS can give (os.kill of a
    20-digit number raises OverflowError)."""
    pid = int(value)  # type: ignore[call-overload]
    if not 0 < pid < 2**31:
        raise ValueError(f"not a process id: {pid}")
    return pid


def live_record(state_dir: Path) -> SandboxRecord | None:
    """The record of a sandbox that is running and answering, else None."""
    record = SandboxRecord.read(state_dir)
    return record if record is not None and record.is_alive() else None


DEMO_RPO_OBJECTIVES = (("Non-Prod", "3d"),)


def demo_settings(args: argparse.Namespace, record: SandboxRecord, state_dir: Path) -> Any:
    """Settings that point every client at the sandbox as its management account.

    The journal and audit log go to the demo folder of the state dir, so that flows run against
    the sandbox never mix with real ones.
    """
    from drconsole.config import Credentials, load_settings

    settings = load_settings(
        args,
        profile=None,
        regions=(record.region, record.dr_region),
        dr_regions=(record.dr_region,),
        endpoint_url=record.endpoint_url,
        static_credentials=Credentials.from_mapping(record.credentials),
        management_account_id=record.accounts["management"],
        backup_account_id=record.accounts["backup"],
        member_profiles=(),
        state_dir=state_dir,
        # The demo backs Non-Prod up every two or three days: its readiness objective says so.
        rpo_objectives=DEMO_RPO_OBJECTIVES,
    )
    return with_example_runbooks(settings)


def example_runbooks_dir() -> Path:
    """`examples/runbooks` of the source checkout drconsole runs from (absent when installed
    from a wheel)."""
    import drconsole

    return Path(drconsole.__file__).resolve().parent.parent / "examples" / "runbooks"


def with_example_runbooks(settings: Any) -> Any:
    """The demo's Drills screen lists the example runbooks, unless a runbooks folder was
    configured (`--runbooks`, `runbooks_dir`) or the examples are not there."""
    import dataclasses

    examples = example_runbooks_dir()
    if settings.runbooks_dir_source != "default" or not examples.is_dir():
        return settings
    return dataclasses.replace(settings, runbooks_dir=examples, runbooks_dir_source="demo")


# Starting and stopping --------------------------------------------------------------------------


def knob_args(args: argparse.Namespace) -> list[str]:
    """The sandbox flags of `args`, as command-line arguments for the detached process."""
    argv = [
        "--scenario",
        args.scenario,
        "--time-scale",
        repr(float(args.time_scale)),
        "--latency-ms",
        str(args.latency_ms),
        "--throttle-rate",
        repr(float(args.throttle_rate)),
    ]
    for account in args.access_denied:
        argv += ["--access-denied", account]
    argv.append(
        "--single-action-db-copy" if args.single_action_db_copy else "--no-single-action-db-copy"
    )
    return argv


class SandboxStarting:
    """A detached sandbox process on its way up; `wait()` returns its record once it is ready."""

    def __init__(self, state_dir: Path, process: subprocess.Popen[bytes]) -> None:
        self.state_dir = state_dir
        self.process = process

    def wait(self, timeout: float = START_TIMEOUT_SECONDS) -> SandboxRecord:
        """Block until the record names this process; raise DrConsoleError if it died."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            record = SandboxRecord.read(self.state_dir)
            if record is not None and record.pid == self.process.pid:
                return record
            if self.process.poll() is not None:
                raise DrConsoleError(
                    f"the demo sandbox stopped while starting (exit {self.process.returncode}): "
                    f"{last_log_line(self.state_dir)}"
                )
            time.sleep(0.05)
        raise DrConsoleError(f"the demo sandbox did not start within {timeout:.0f} s")


def last_log_line(state_dir: Path) -> str:
    """The last non-empty line of the sandbox's log (where a failure says why)."""
    try:
        lines = (state_dir / LOG_FILE).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return "no log"
    return next((line for line in reversed(lines) if line.strip()), "empty log")


def start_detached(args: argparse.Namespace, state_dir: Path) -> SandboxStarting:
    """Start the sandbox in its own session, output to the log file; return at once."""
    private_dir(state_dir)
    (state_dir / RECORD_FILE).unlink(missing_ok=True)
    log_fd = open_private(state_dir / LOG_FILE, os.O_WRONLY | os.O_APPEND)
    try:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "drconsole.commands._demo_process",
                str(state_dir),
                *knob_args(args),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log_fd,
            stderr=log_fd,
            start_new_session=True,
            close_fds=True,
        )
    finally:
        os.close(log_fd)
    return SandboxStarting(state_dir, process)


def stop(record: SandboxRecord, state_dir: Path, timeout: float = STOP_TIMEOUT_SECONDS) -> bool:
    """SIGTERM the sandbox, SIGKILL it after `timeout`; remove its record. True if it ran.

    A pid that belongs to another process now is left alone (only the stale record goes).
    """
    running = signal_sandbox(record, signal.SIGTERM)
    if running:
        deadline = time.monotonic() + timeout
        while record.is_ours() and time.monotonic() < deadline:
            time.sleep(0.05)
        signal_sandbox(record, signal.SIGKILL)
    current = SandboxRecord.read(state_dir)
    if current is not None and current.pid == record.pid:
        (state_dir / RECORD_FILE).unlink(missing_ok=True)
    return running


# The detached process itself ------------------------------------------------------------------


def names_this_process(state_dir: Path, pid: int) -> bool:
    """Whether the record in `state_dir` is this sandbox's (`pid`)."""
    current = SandboxRecord.read(state_dir)
    return current is not None and current.pid == pid


def serve(argv: list[str]) -> int:
    """Run the sandbox until SIGTERM/SIGINT, or until its record no longer names it, writing the
    record once the scenario is built."""
    import threading

    from drconsole.commands.sandbox import add_sandbox_flags, start_from_args, validate_flags

    parser = argparse.ArgumentParser(prog="drconsole-demo-sandbox")
    parser.add_argument("state_dir", type=Path)
    add_sandbox_flags(parser)
    args = parser.parse_args(argv)
    validate_flags(args)
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, frame: stopping.set())
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    started = time.monotonic()
    try:
        sandbox, info = start_from_args(args)
    except DrConsoleError as error:
        # One line for the log: `drconsole demo` shows the log's last line as the reason.
        print(f"the sandbox did not start: {error}", file=sys.stderr, flush=True)
        return error.exit_code
    record = SandboxRecord(
        endpoint_url=sandbox.endpoint_url,
        pid=os.getpid(),
        scenario=info.name,
        region=info.region,
        dr_region=info.dr_region,
        accounts=dict(info.accounts),
        credentials=sandbox.credentials_for(info.accounts["management"]),
        knobs={"time_scale": args.time_scale, "latency_ms": args.latency_ms},
        process=process_identity(os.getpid()) or "",
    )
    try:
        if not stopping.is_set():
            record.write(args.state_dir)
            print(
                f"demo sandbox pid {record.pid} at {record.endpoint_url}, scenario {info.name}, "
                f"ready in {time.monotonic() - started:.1f} s",
                flush=True,
            )
        next_look = time.monotonic() + RECORD_LOOK_SECONDS
        while not stopping.wait(0.2):
            if time.monotonic() < next_look:
                continue
            next_look = time.monotonic() + RECORD_LOOK_SECONDS
            if not names_this_process(args.state_dir, record.pid):
                # Its record removed (the state directory deleted) or replaced: nothing can find
                # this sandbox to reuse or stop it, and it would hold its memory for good.
                print(
                    f"demo sandbox pid {record.pid}: its record is gone from {args.state_dir}",
                    flush=True,
                )
                break
    finally:
        current = SandboxRecord.read(args.state_dir)
        if current is not None and current.pid == record.pid:
            (args.state_dir / RECORD_FILE).unlink(missing_ok=True)
        sandbox.stop()
        print(f"demo sandbox pid {record.pid} stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1:]))
