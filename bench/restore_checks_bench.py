"""Restore checks: the wall time of `run_restore_checks` on the demo with 50 ms per request,
its reads in parallel (as drconsole runs them) beside the same reads one after the other.

Run: .venv/bin/python bench/restore_checks_bench.py
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from _demo import management_settings, newest_prod_point

import drconsole.aws.restore_facts as restore_facts
from drconsole.aws.session import AwsSessions
from drconsole.checks.runner import run_restore_checks
from drconsole.config import Settings
from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.server import SandboxOptions

LATENCY_MS = 50
RUNS = 5


def seconds_per_run(settings: Settings, arn: str) -> float:
    """Mean wall time of one restore check run (clients warmed by a first run)."""
    sessions = AwsSessions(settings)
    metadata = {"DBInstanceIdentifier": "prod-orders-db-bench"}
    run_restore_checks(sessions, arn, metadata=metadata)
    started = time.perf_counter()
    for _ in range(RUNS):
        report = run_restore_checks(sessions, arn, metadata=metadata)
    assert report.ok, [c for c in report.checks if c.status.value != "PASS"]
    return (time.perf_counter() - started) / RUNS


def main() -> None:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=1000.0))
    try:
        settings = management_settings(sandbox, info, backup_account_id=info.accounts["backup"])
        database = newest_prod_point(sandbox, info, lambda p: p["ResourceName"] == "prod-orders-db")
        sandbox.options.latency_ms = LATENCY_MS
        parallel = seconds_per_run(settings, database)
        real = ThreadPoolExecutor

        def one_worker(max_workers: int) -> Any:
            return real(max_workers=1)

        restore_facts.ThreadPoolExecutor = one_worker  # type: ignore[assignment,misc]
        sequential = seconds_per_run(settings, database)
        restore_facts.ThreadPoolExecutor = real  # type: ignore[misc]
        print(f"restore checks, RDS in place, {LATENCY_MS} ms per request, mean of {RUNS}:")
        print(f"  drconsole (reads in parallel): {parallel:.2f} s")
        print(f"  the same reads one by one:     {sequential:.2f} s")
    finally:
        sandbox.stop()


if __name__ == "__main__":
    main()
