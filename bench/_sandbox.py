"""The `large` scenario served from a child process, as AWS would serve it: its CPU is not ours.

The child builds the scenario, then answers the bench process over a pipe: its CPU time so far,
and the requests it has received (by `service:Operation`) since a mark, read from the sandbox's
own request log, so that the calls a subprocess made (the CLI) are counted as well as ours.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import Counter
from multiprocessing.connection import Connection
from typing import Any


def serve(
    params: dict[str, Any], latency_ms: int, conn: Connection, scenario: str = "large"
) -> None:
    """Child process: build the scenario, then serve until told to stop."""
    from drconsole.sandbox.scenarios import start_sandbox
    from drconsole.sandbox.server import SandboxOptions

    sandbox, info = start_sandbox(scenario, SandboxOptions(), **params)
    sandbox.options.latency_ms = latency_ms  # latency applies to the measured runs, not the build
    conn.send(
        {
            "endpoint_url": sandbox.endpoint_url,
            "region": info.region,
            "dr_region": info.dr_region,
            "management": info.accounts["management"],
            "credentials": sandbox.credentials_for(info.accounts["management"]),
            "recovery_points": info.recovery_point_count,
            "accounts": len(info.accounts),
            "build_seconds": info.build_seconds,
        }
    )
    log = sandbox.middleware.log
    while True:
        message = conn.recv()
        if message == "cpu":
            conn.send(time.process_time())
        elif message == "mark":
            conn.send(log.mark())
        elif isinstance(message, tuple) and message[0] == "since":
            conn.send(Counter(seen.name for seen in log.since(message[1])))
        else:
            break
    sandbox.stop()


class ChildSandbox:
    """The large scenario (or another) served from a child process."""

    def __init__(self, params: dict[str, Any], latency_ms: int, scenario: str = "large") -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=serve, args=(params, latency_ms, child, scenario))
        self.process.start()
        # Only the child writes to its end: closed here, a child that fails to build its
        # scenario ends the wait below (its traceback is on stderr) instead of hanging it.
        child.close()
        try:
            self.info: dict[str, Any] = self.conn.recv()
        except EOFError:
            self.process.join(timeout=30)
            raise SystemExit(
                f"the sandbox process ended before serving (exit {self.process.exitcode})"
            ) from None
        self.latency = latency_ms / 1000

    def cpu_seconds(self) -> float:
        """CPU time the sandbox process has used so far."""
        self.conn.send("cpu")
        return float(self.conn.recv())

    def mark(self) -> int:
        """A mark in the sandbox's request log."""
        self.conn.send("mark")
        return int(self.conn.recv())

    def calls_since(self, mark: int) -> Counter[str]:
        """Requests received since `mark`, by `service:Operation` (retries included)."""
        self.conn.send(("since", mark))
        calls: Counter[str] = self.conn.recv()
        return calls

    def env(self) -> dict[str, str]:
        """The environment that points the CLI (or boto3) at the sandbox as management."""
        keys = self.info["credentials"]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "XDG_"))}
        env.update(
            AWS_ENDPOINT_URL=self.info["endpoint_url"],
            AWS_ACCESS_KEY_ID=keys["aws_access_key_id"],
            AWS_SECRET_ACCESS_KEY=keys["aws_secret_access_key"],
            AWS_REGION=self.info["region"],
        )
        return env

    def stop(self) -> None:
        """Stop the child."""
        self.conn.send("stop")
        self.process.join(timeout=30)


def load_average() -> float:
    """The 1-minute load average (other work on the machine slows every figure)."""
    return os.getloadavg()[0]


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (VmHWM), in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb() -> float:
    """This process's resident memory now (VmRSS), in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")
