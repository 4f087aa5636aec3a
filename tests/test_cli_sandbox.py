"""`drconsole sandbox` and `drconsole demo` as a user runs them: real subprocesses."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests import forked_cli

STARTUP_TIMEOUT = 60.0
# A stop that never ends fails on this; how much work stopping does is measured in CPU time, which
# a loaded machine does not stretch the way it stretches wall-clock time.
STOP_TIMEOUT = 60.0
STOP_CPU_SECONDS = 3.0


DOWN = "ap-southeast-2"  # the Region the shared sandbox plays an outage of


def launch(*flags: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start `python -m drconsole sandbox ...` with pipes."""
    return subprocess.Popen(
        [sys.executable, "-m", "drconsole", "sandbox", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def read_line(process: subprocess.Popen[str], timeout: float) -> str:
    """The first stdout line, or fail when none comes in time."""
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    if not selector.select(timeout):
        process.kill()
        pytest.fail(f"no startup line within {timeout} s")
    return process.stdout.readline()


class Running:
    """A running `drconsole sandbox` process and what it printed."""

    def __init__(self, process: subprocess.Popen[str], line: str, started: float) -> None:
        self.process = process
        self.line = line
        self.info: dict[str, Any] = json.loads(line)
        self.startup_seconds = time.perf_counter() - started

    def session(self) -> boto3.session.Session:
        credentials = self.info["credentials"]
        return boto3.session.Session(region_name=self.info["region"], **credentials)

    def client(self, service: str) -> Any:
        return self.session().client(service, endpoint_url=self.info["endpoint_url"])

    def stop(self, sig: int) -> tuple[int, float, str, str]:
        """Send `sig`; the exit code, the CPU seconds spent stopping, stdout and stderr."""
        cpu_before = cpu_seconds_of(self.process.pid)
        children_before = children_cpu_seconds()
        started = time.perf_counter()
        self.process.send_signal(sig)
        stdout, stderr = self.process.communicate(timeout=STOP_TIMEOUT)
        cpu_total = children_cpu_seconds() - children_before  # this process, reaped just now
        print(f"\nstop: {time.perf_counter() - started:.2f} s, {cpu_total - cpu_before:.2f} s CPU")
        return self.process.returncode, cpu_total - cpu_before, stdout, stderr


def cpu_seconds_of(pid: int) -> float:
    """User plus system CPU seconds a running process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """User plus system CPU seconds of every child this process has reaped."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def start_running(*flags: str) -> Running:
    started = time.perf_counter()
    process = launch("--port", "0", *flags)
    return Running(process, read_line(process, STARTUP_TIMEOUT), started)


def stopped(server: Running) -> None:
    """Kill `server` when a test left it running."""
    if server.process.poll() is None:
        server.process.kill()
        server.process.wait()


@pytest.fixture
def running() -> Iterator[Running]:
    """A sandbox of its own, for a test that stops it."""
    server = start_running("--time-scale", "3600")
    try:
        yield server
    finally:
        stopped(server)


@pytest.fixture(scope="module")
def served() -> Iterator[Running]:
    """One sandbox, refusing the qa account, with a Region down nothing else uses, shared by
    the tests that only read from it."""
    server = start_running(
        "--access-denied", "qa", "--region-down", f"{DOWN}:unavailable", "--time-scale", "3600"
    )
    try:
        yield server
        code, _, _, stderr = server.stop(signal.SIGTERM)
        assert code == 0, stderr  # it also stops cleanly after refusing calls
    finally:
        stopped(server)


def test_prints_one_json_line_and_serves_the_organization(served: Running) -> None:
    running = served
    info = running.info
    assert running.line.endswith("\n") and "\n" not in running.line[:-1]
    assert set(info) >= {"endpoint_url", "region", "org_id", "accounts", "credentials"}
    assert info["endpoint_url"].startswith("http://127.0.0.1:")
    assert info["region"] == "eu-central-1"
    assert set(info["accounts"]) == {"management", "backup", "prod", "qa", "dev", "recovery"}
    assert set(info["credentials"]) >= {"aws_access_key_id", "aws_secret_access_key"}
    assert set(info["faults"]) == set(info["fault_recovery_points"])
    assert len(info["faults"]) == 5
    organizations = running.client("organizations")
    assert organizations.describe_organization()["Organization"]["Id"] == info["org_id"]
    listed = {a["Id"] for a in organizations.list_accounts()["Accounts"]}
    assert listed == set(info["accounts"].values())
    caller = running.client("sts").get_caller_identity()
    assert caller["Account"] == info["accounts"]["management"]
    print(f"\nsandbox start-up to JSON line: {running.startup_seconds:.2f} s")


def test_sigterm_stops_cleanly(running: Running) -> None:
    code, cpu_seconds, stdout, stderr = running.stop(signal.SIGTERM)
    assert code == 0, stderr
    assert cpu_seconds < STOP_CPU_SECONDS
    assert stdout == ""
    assert "Traceback" not in stderr


def test_sigint_stops_cleanly(running: Running) -> None:
    running.client("sts").get_caller_identity()
    code, cpu_seconds, stdout, stderr = running.stop(signal.SIGINT)
    assert code == 0, stderr
    assert cpu_seconds < STOP_CPU_SECONDS
    assert stdout == ""
    assert "Traceback" not in stderr


def test_region_down_answers_503_there_and_nowhere_else(served: Running) -> None:
    info = served.info
    keys = info["credentials"]
    for region, down in ((DOWN, True), (info["region"], False)):
        backup = boto3.client(
            "backup",
            region_name=region,
            endpoint_url=info["endpoint_url"],
            config=Config(retries={"mode": "standard", "max_attempts": 1}),
            **keys,
        )
        if down:
            with pytest.raises(backup.exceptions.ClientError) as caught:
                backup.list_backup_vaults()
            assert caught.value.response["Error"]["Code"] == "ServiceUnavailable"
        else:
            backup.list_backup_vaults()


def test_access_denied_account_by_role(served: Running) -> None:
    info = served.info
    sts = served.client("sts")
    for role, expect_denied in (("qa", True), ("prod", False)):
        account = info["accounts"][role]
        assumed = sts.assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
            RoleSessionName="test",
        )["Credentials"]
        backup = boto3.client(
            "backup",
            region_name=info["region"],
            endpoint_url=info["endpoint_url"],
            aws_access_key_id=assumed["AccessKeyId"],
            aws_secret_access_key=assumed["SecretAccessKey"],
            aws_session_token=assumed["SessionToken"],
        )
        if expect_denied:
            with pytest.raises(backup.exceptions.ClientError) as caught:
                backup.list_backup_vaults()
            assert "AccessDenied" in caught.value.response["Error"]["Code"]
        else:
            assert backup.list_backup_vaults()["BackupVaultList"]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--port", "-1"], "--port must be between 0 and 65535"),
        (["--port", "70000"], "--port must be between 0 and 65535"),
        (["--time-scale", "-5"], "--time-scale must be greater than 0"),
        (["--time-scale", "0"], "--time-scale must be greater than 0"),
        (["--latency-ms", "-1"], "--latency-ms must be 0 to 60000"),
        (["--latency-ms", "99999999"], "--latency-ms must be 0 to 60000"),
        (["--time-scale", "inf"], "--time-scale must be greater than 0 and at most 1e+06"),
        (["--throttle-rate", "1.5"], "--throttle-rate must be at least 0 and below 1"),
        (["--scenario", "nope"], "--scenario must be one of demo, large"),
        (["--access-denied", "someone"], "--access-denied takes a 12-digit account id"),
        (["--port", "abc"], "argument --port: invalid int value"),
    ],
)
def test_bad_flags_give_one_line_and_exit_2(flags: list[str], expected: str) -> None:
    result = forked_cli.run(
        [sys.executable, "-m", "drconsole", "sandbox", *flags],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]


def test_port_in_use_gives_one_line_and_exit_2() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = forked_cli.run(
            [sys.executable, "-m", "drconsole", "sandbox", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"--port {port}" in lines[0]


@pytest.mark.parametrize("command", ["sandbox", "demo"])
def test_without_moto_says_how_to_install_it(command: str) -> None:
    # moto hidden from this interpreter, as on an install without the `demo` extra.
    code = (
        "import sys; sys.modules['moto'] = None; "
        "from drconsole.cli import main; "
        f"raise SystemExit(main([{command!r}]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "pip install 'drconsole[demo]'" in lines[0]


def test_demo_opens_the_console_and_quits(tmp_path: Path) -> None:
    """`drconsole demo` in a terminal: the console paints, then `q` quits with exit 0."""
    import pty

    dirs = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_STATE_HOME": str(tmp_path / "state")}
    pid, fd = pty.fork()
    if pid == 0:  # the child: become `drconsole demo` in the pseudo-terminal
        os.environ.update({"TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30", **dirs})
        os.execv(sys.executable, [sys.executable, "-m", "drconsole", "demo"])
    started = time.perf_counter()
    screen = b""
    painted_at = None
    try:
        selector = selectors.DefaultSelector()
        selector.register(fd, selectors.EVENT_READ)
        while time.perf_counter() - started < STARTUP_TIMEOUT:
            if selector.select(0.5):
                try:
                    screen += os.read(fd, 65536)
                except OSError:
                    break
            if painted_at is None and b"drconsole" in screen and len(screen) > 2000:
                painted_at = time.perf_counter() - started
                break
        assert painted_at is not None, screen[-2000:]
        os.write(fd, b"q")
        deadline = time.perf_counter() + STOP_TIMEOUT
        status = None
        while time.perf_counter() < deadline:
            if selector.select(0.1):
                with contextlib.suppress(OSError):
                    os.read(fd, 65536)
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
        assert status is not None and os.WIFEXITED(status), "demo did not quit on q"
        assert os.WEXITSTATUS(status) == 0
        print(f"\ndemo start-up to first paint: {painted_at:.2f} s")
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)
        # The demo's sandbox runs in a background process of its own: never leave one behind.
        stopped_demo = forked_cli.run(
            [sys.executable, "-m", "drconsole", "demo", "--stop"],
            env={**os.environ, **dirs},
            capture_output=True,
            text=True,
            timeout=STOP_TIMEOUT,
        )
    # Quit with no flow in flight, the demo stopped its sandbox itself.
    assert stopped_demo.stdout.strip() == "No demo sandbox is running.", stopped_demo


EXPECTED_FAULT_CAUSES = {
    "vault_aws_managed_key": "DEST_VAULT_AWS_MANAGED_KEY",
    "vault_without_access_policy": "VAULT_POLICY_DENIES_COPY",
    "source_key_not_shared": "SOURCE_KEY_NOT_SHARED",
    "aws_managed_resource_key": "AWS_MANAGED_RESOURCE_KEY",
    "service_linked_role_missing": "SERVICE_LINKED_ROLE_MISSING",
}


def test_each_fault_names_a_copy_that_meets_it(running: Running, tmp_path: Path) -> None:
    info = running.info
    assert set(info["fault_destinations"]) == set(info["faults"]) == set(EXPECTED_FAULT_CAUSES)
    credentials = info["credentials"]
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env |= {
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "AWS_ENDPOINT_URL": info["endpoint_url"],
        "AWS_DEFAULT_REGION": info["region"],
        "AWS_ACCESS_KEY_ID": credentials["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": credentials["aws_secret_access_key"],
    }
    for fault, cause in EXPECTED_FAULT_CAUSES.items():
        done = forked_cli.run(
            [
                sys.executable, "-m", "drconsole", "check", "copy", "--json",
                "--recovery-point", info["fault_recovery_points"][fault],
                "--to", info["fault_destinations"][fault],
            ],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
        assert done.returncode == 1, (fault, done.stdout, done.stderr)
        report = json.loads(done.stdout)
        assert report["destination"] == info["fault_destinations"][fault]
        failed = {check["cause"] for check in report["checks"] if check["status"] == "FAIL"}
        assert cause in failed, (fault, failed)
