"""`ls jobs --summary` against `ls jobs --state FAILED --since 24h`: calls and wall time.

Run: .venv/bin/python bench/job_summary_bench.py [--scenario demo|large] [--latency-ms 50]
     [--accounts 100] [--recovery-points 300000] [--night-jobs 0] [--runs 3]

`ls jobs --since 24h` (every state: what the jobs screen reads) is measured beside them.
`--night-jobs N` (large): N backup jobs per account and Region in the last 24 hours.

Both commands run in a subprocess, as a user runs them, from the management account over both
Regions, against the sandbox served from a child process that counts the requests it receives.
Each command runs `--runs` times; the best wall time is kept (the machine is shared), and the
calls of the last run are listed by operation.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections import Counter

from _sandbox import ChildSandbox, load_average

COMMANDS = {
    "ls jobs --summary": ("ls", "jobs", "--summary"),
    "ls jobs --state FAILED --since 24h": ("ls", "jobs", "--state", "FAILED", "--since", "24h"),
    "ls jobs --since 24h": ("ls", "jobs", "--since", "24h"),
}


def run(sandbox: ChildSandbox, args: tuple[str, ...]) -> tuple[float, Counter[str], int]:
    """One run of `drconsole ARGS`: wall seconds, the calls it made, its exit code."""
    regions = f"{sandbox.info['region']},{sandbox.info['dr_region']}"
    mark = sandbox.mark()
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "drconsole", "--regions", regions, *args],
        env=sandbox.env(),
        capture_output=True,
        check=False,
    )
    wall = time.perf_counter() - began
    return wall, sandbox.calls_since(mark), done.returncode


def main() -> int:
    """Run both commands and print their calls and times side by side."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="demo", choices=("demo", "large"))
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--recovery-points", type=int, default=300_000)
    parser.add_argument("--night-jobs", type=int, default=0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    params: dict[str, int] = {}
    if args.scenario == "large":
        params = {
            "accounts": args.accounts,
            "recovery_points": args.recovery_points,
            "night_jobs": args.night_jobs,
        }
    sandbox = ChildSandbox(params, args.latency_ms, args.scenario)
    results = {}
    try:
        for label, command in COMMANDS.items():
            runs = [run(sandbox, command) for _ in range(args.runs)]
            best = min(wall for wall, _, _ in runs)
            _, calls, code = runs[-1]
            results[label] = (best, calls, code)
    finally:
        sandbox.stop()
    print(
        f"{args.scenario} scenario ({sandbox.info['accounts']} accounts x 2 Regions), "
        f"{args.latency_ms} ms latency per call, best of {args.runs} (load {load_average():.1f})"
    )
    for label, (best, calls, code) in results.items():
        print(f"  {label:38s} {best:6.2f} s  {sum(calls.values()):4d} calls  exit {code}")
        for name, count in sorted(calls.items()):
            print(f"      {name:50s} {count}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
