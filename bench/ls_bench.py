"""`drconsole ls recovery-points --json` over the `large` scenario: first record, total, memory.

Run: .venv/bin/python bench/ls_bench.py [--accounts 100] [--recovery-points 300000]
     [--latency-ms 50] [--sequential-accounts 5] [--first-record-runs N]

With `--first-record-runs N` only the first record is timed, over N runs of the command each
stopped at its first recovery point (the median is printed); the rest is skipped.

With `--cpu-runs N` the whole listing is run N times and its CPU is measured instead (wall times
mean little on a shared machine): the command's user+sys CPU (from the kernel's accounting of
the finished process) and the sandbox's, with their medians. Each `--checkout DIR` (a second
checkout of older code, as `PYTHONPATH`) is run in turn with this one, alternated, so that
both see the same load; the digest of each run's items (sorted) tells whether the documents
are the same.

Each checkout's drconsole is byte-compiled first, as installing it would (a shell with
PYTHONDONTWRITEBYTECODE set otherwise compiled every module again at each run).

The CLI runs in a subprocess, as a user runs it, against the sandbox (a child process that
counts the requests it receives). Measured: the time from starting the command until its first
recovery point is on stdout, until its end, and its peak resident memory (from the kernel's
accounting of the finished process).

The lower bound comes from the calls the command made: the shortest discovery chain before an
account can be asked (caller identity, DescribeOrganization and ListRoots together, the root's
ListAccountsForParent: the command asks each account as soon as the walk lists it), then per
account AssumeRole, ListBackupVaults and the pages of its largest vault one after the other (the
longest chain); every call after discovery can at best run `workers` at a time. The bound is the
larger of the chain and (discovery chain + those calls / workers), times the latency. Beside
it, in this process and on the same sandbox: a plain boto3 script writing every recovery point
as a JSON line with a 16-thread pool, and the same script one account at a time (on the first
accounts, scaled by calls).
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import math
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from _baselines import recovery_points_of
from _baselines import run as run_baseline
from _report import Bound, Measure, print_measures
from _sandbox import ChildSandbox, load_average

PAGE = 1000
WORKERS = 16  # drconsole's default max_workers
BUDGET_RATIO, BUDGET_FIRST, BUDGET_MB = 1.5, 1.0, 200


@dataclass
class CliRun:
    """What one `ls` run measured."""

    first: float
    wall: float
    peak_mb: float
    records: int
    exit_code: int
    stderr: str
    cpu: float = math.nan  # user + sys of the command's process
    digest: str = ""  # of its items' lines, sorted


def start_cli(
    sandbox: ChildSandbox, args: tuple[str, ...], stderr: int, checkout: str | None = None
) -> subprocess.Popen[bytes]:
    """`drconsole ARGS` started in a subprocess on the sandbox, both Regions, stdout piped;
    the drconsole of `checkout` (as PYTHONPATH) when given."""
    regions = f"{sandbox.info['region']},{sandbox.info['dr_region']}"
    command = [sys.executable, "-m", "drconsole", "--regions", regions, *args]
    env = sandbox.env()
    # drconsole as installed: byte-compiled (`byte_compile`), as pip compiles a package. With
    # PYTHONDONTWRITEBYTECODE set and no __pycache__, each run compiled every module it
    # imports again, before its first call (0.1-0.25 s of CPU, measured on 2026-12-06).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cwd = None
    if checkout is not None:
        env["PYTHONPATH"] = checkout
        cwd = "/"  # `-m` puts the working directory first on the path, ahead of PYTHONPATH
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=stderr, cwd=cwd)


def byte_compile(checkout: str | None = None) -> None:
    """Byte-compile the drconsole of `checkout` (this one when None), as installing it would:
    its runs then measure the command, not the compiling of its modules."""
    root = Path(checkout) if checkout else Path(__file__).resolve().parent.parent
    compileall.compile_dir(root / "drconsole", quiet=1)


def run_cli(sandbox: ChildSandbox, *args: str, checkout: str | None = None) -> CliRun:
    """`drconsole ARGS` in a subprocess; times its first recovery point and its end."""
    began = time.perf_counter()
    process = start_cli(sandbox, args, subprocess.PIPE, checkout)
    first = math.nan
    records = 0
    items = hashlib.sha256()
    lines: list[bytes] = []
    errors: list[bytes] = []
    drain = threading.Thread(target=lambda: errors.append(process.stderr.read()))  # type: ignore[union-attr]
    drain.start()
    assert process.stdout is not None
    for line in process.stdout:
        if b'"arn"' in line:
            if records == 0:
                first = time.perf_counter() - began
            records += line.count(b'"arn"')
            lines.append(line.rstrip(b",\n"))
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - began
    process.returncode = os.waitstatus_to_exitcode(status)
    drain.join()
    stderr = b"".join(errors).decode(errors="replace")
    for line in sorted(lines):
        items.update(line + b"\n")
    cpu = usage.ru_utime + usage.ru_stime
    peak = usage.ru_maxrss / 1024
    return CliRun(first, wall, peak, records, process.returncode, stderr, cpu, items.hexdigest())


def print_cpu_runs(sandbox: ChildSandbox, runs: int, checkouts: list[str]) -> int:
    """Run the listing `runs` times with this checkout and each of `checkouts` in turn; print
    each run's CPU, the sandbox's, and their medians."""
    this = str(Path(__file__).resolve().parent.parent)
    paths = [this, *checkouts]
    measured: dict[str, list[tuple[float, float, float]]] = {path: [] for path in paths}
    for _ in range(runs):
        for path in paths:
            before = sandbox.cpu_seconds()
            cli = run_cli(sandbox, "ls", "recovery-points", "--json", checkout=path)
            served = sandbox.cpu_seconds() - before
            measured[path].append((cli.cpu, served, cli.wall))
            print(
                f"  {path}: command CPU {cli.cpu:.2f} s, sandbox CPU {served:.2f} s, "
                f"wall {cli.wall:.2f} s, {cli.records:,} items {cli.digest[:12]}, "
                f"exit {cli.exit_code}, load {load_average():.1f}",
                flush=True,
            )
    print("  medians:")
    for path, values in measured.items():
        cpu, served, wall = (statistics.median(column) for column in zip(*values, strict=True))
        print(f"  {path}: command CPU {cpu:.2f} s, sandbox CPU {served:.2f} s, wall {wall:.2f} s")
    return 0


def first_record(sandbox: ChildSandbox, *args: str) -> float:
    """Seconds from starting `drconsole ARGS` to its first recovery point; stopped there."""
    began = time.perf_counter()
    process = start_cli(sandbox, args, subprocess.DEVNULL)
    assert process.stdout is not None
    first = math.nan
    for line in process.stdout:
        if b'"arn"' in line:
            first = time.perf_counter() - began
            break
    process.kill()
    process.wait()
    return first


def print_first_records(sandbox: ChildSandbox, runs: int) -> int:
    """Time the first record `runs` times and print each and their median."""
    times = sorted(first_record(sandbox, "ls", "recovery-points", "--json") for _ in range(runs))
    median = times[len(times) // 2]
    verdict = "ok" if median < BUDGET_FIRST else "OVER BUDGET"
    shown = " ".join(f"{t:.2f}" for t in times)
    print(f"  first record on stdout  {shown} s; median {median:.2f} s  [budget 1 s: {verdict}]")
    print(f"  load average at the end {load_average():.1f}")
    return 0


def bound_of(calls: Counter[str], workers: int, latency: float, pages_longest: int) -> Bound:
    """The lower bound of a listing's calls at `workers` (see the module docstring)."""
    discovery = sum(n for op, n in calls.items() if op.startswith("organizations:"))
    discovery += calls.get("sts:GetCallerIdentity", 0)
    rest = sum(calls.values()) - discovery
    chain = 1 + 1 + 1  # identity; DescribeOrganization with ListRoots; the root's accounts
    longest = chain + 1 + 1 + pages_longest  # AssumeRole, ListBackupVaults, the pages
    seconds = max(longest, chain + rest / workers) * latency
    return Bound(seconds, sum(calls.values()), workers)


def main() -> int:
    """Run the CLI and the baselines; print the figures side by side."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--recovery-points", type=int, default=300_000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--sequential-accounts", type=int, default=5)
    parser.add_argument(
        "--first-record-runs",
        type=int,
        default=0,
        help="only time the first record, over this many runs of the command (each stopped "
        "there), and print their median",
    )
    parser.add_argument(
        "--cpu-runs",
        type=int,
        default=0,
        help="only measure the CPU of the whole listing, over this many runs (and the "
        "sandbox's), alternated with each --checkout",
    )
    parser.add_argument(
        "--checkout",
        action="append",
        default=[],
        help="another checkout to alternate with (its drconsole as PYTHONPATH), for --cpu-runs",
    )
    args = parser.parse_args()
    for checkout in (None, *args.checkout):
        byte_compile(checkout)

    params = {"accounts": args.accounts, "recovery_points": args.recovery_points}
    print(
        f"building the large scenario ({args.accounts} accounts x 2 Regions, "
        f"{args.recovery_points:,} recovery points)"
    )
    sandbox = ChildSandbox(params, args.latency_ms)
    latency = sandbox.latency
    try:
        print(f"  built in {sandbox.info['build_seconds']:.1f} s; load {load_average():.1f}")
        if args.first_record_runs:
            return print_first_records(sandbox, args.first_record_runs)
        if args.cpu_runs:
            return print_cpu_runs(sandbox, args.cpu_runs, args.checkout)
        mark = sandbox.mark()
        cli = run_cli(sandbox, "ls", "recovery-points", "--json")
        calls = sandbox.calls_since(mark)
        load = load_average()
        mark = sandbox.mark()
        pooled = run_baseline(sandbox.info, recovery_points_of, 16)
        pooled_calls = sandbox.calls_since(mark)
        mark = sandbox.mark()
        one = run_baseline(sandbox.info, recovery_points_of, 1, args.sequential_accounts)
        one_calls = sandbox.calls_since(mark)
    finally:
        sandbox.stop()

    # Vaults hold the points evenly (2 per account and Region in `large`).
    vaults = max(1, calls.get("backup:ListBackupVaults", 1) * 2 - 2)
    pages_longest = max(1, math.ceil(args.recovery_points / vaults / PAGE))
    sequential = one.wall * sum(pooled_calls.values()) / max(1, sum(one_calls.values()))
    print(
        f"ls recovery-points --json, {args.accounts} accounts x 2 Regions, "
        f"{args.latency_ms} ms latency (load average {load:.1f} at the end)"
    )
    if cli.exit_code != 0:
        print(f"  the command failed ({cli.exit_code}): {cli.stderr.strip()[-500:]}")
    print(f"  records written         {cli.records:,} (the boto3 script: {pooled.found:,})")
    print("  calls made by the command:")
    for name, count in sorted(calls.items()):
        print(f"    {name:45s} {count}")
    measures = [
        Measure(
            "drconsole ls recovery-points --json",
            cli.wall,
            bound_of(calls, WORKERS, latency, pages_longest),
        ),
        Measure(
            "boto3 script, 16 threads",
            pooled.wall,
            bound_of(pooled_calls, 16, latency, pages_longest),
        ),
        Measure(
            f"boto3 sequential (x{pooled.accounts}/{one.accounts} accounts by calls)",
            sequential,
            None,
        ),
    ]
    print_measures(measures, BUDGET_RATIO)
    verdict = "ok" if cli.first < BUDGET_FIRST else "OVER BUDGET"
    print(f"  first record on stdout  {cli.first:.2f} s  [budget 1 s: {verdict}]")
    verdict = "ok" if cli.peak_mb < BUDGET_MB else "OVER BUDGET"
    print(f"  peak memory (command)   {cli.peak_mb:.0f} MB  [budget 200 MB: {verdict}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
