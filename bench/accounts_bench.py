"""The accounts screen on the `large` scenario: every account's posture, keystrokes, memory.

Run: .venv/bin/python bench/accounts_bench.py [--accounts 100] [--points-per-account 3000]
     [--latency-ms 50] [--sequential-accounts 10] [--no-keys]

The screen is the real one: DrConsoleApp headless (Textual's Pilot) on the sandbox, its own
workers loading the organization and every account's posture (vaults and their recovery point
counts, newest backup, service-linked role) in 2 Regions. The sandbox runs in a child process and
counts the requests it receives. Measured:

- posture: from the app's start until every account's row shows its posture (the screen's
  workers have finished and the table is redrawn);
- keystrokes: while it loads, a thread types into the `/` filter as a terminal would (spaces and
  backspaces, so that every keystroke refilters the whole table and the list is not narrowed),
  each timed from the moment it is sent to the end of the frame that shows it;
- memory: the bench process's peak resident set (the console alone: the sandbox is elsewhere).

The lower bound comes from the calls the screen made, counted by the sandbox: the first
accounts are known after three round trips (caller identity; DescribeOrganization with
ListRoots; the root's ListAccountsForParent), and the screen reads each account as the walk
lists it, on the threads that walk the rest of the organization; every other call can at best
run `concurrency` at a time, where `concurrency` is the most AWS-calling threads seen alive. So
the bound is (3 + other calls / concurrency) x latency, and never less than the deepest
account's own chain (the whole walk, one ListOrganizationalUnits per OU level, then AssumeRole
and a read). Beside it, in this process and on the same sandbox: a
plain boto3 script making the same reads with a 16-thread pool, and the same script one account
at a time (on the first accounts, scaled by calls).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _baselines import posture_of
from _baselines import run as run_baseline
from _report import Bound, Measure, print_measures
from _sandbox import ChildSandbox, load_average, peak_rss_mb
from _typist import type_filter
from textual.widgets import Input

from drconsole.config import Credentials, Settings

OU_LEVELS = 2  # the large scenario's deepest OU path: Root/Non-Prod/QA
BUDGET_RATIO, BUDGET_KEY, BUDGET_MB, BUDGET_100 = 1.5, 0.100, 400, 4.0


@dataclass
class ScreenRun:
    """What one run of the accounts screen measured."""

    posture: float = 0.0
    organization: float = 0.0
    keys: list[float] = field(default_factory=list)
    readiness: float = 0.0  # every account's readiness verdict shown (after the posture)
    readiness_keys: list[float] = field(default_factory=list)
    concurrency: int = 0
    peak_mb: float = 0.0  # at the end, readiness included
    posture_mb: float = 0.0  # when every posture is shown
    accounts: int = 0
    cpu: float = 0.0  # the whole process, from the app's start to every posture shown
    ui_cpu: float = 0.0  # of which the UI thread (the event loop)


def settings_for(info: dict[str, Any], state_dir: Path) -> Settings:
    """What `drconsole` would use as the management account on the sandbox."""
    return Settings(
        regions=(info["region"], info["dr_region"]),
        dr_regions=(info["dr_region"],),
        endpoint_url=info["endpoint_url"],
        static_credentials=Credentials.from_mapping(info["credentials"]),
        management_account_id=info["management"],
        state_dir=state_dir,
    )


def aws_threads() -> int:
    """Threads that make AWS calls now (the screen's pools)."""
    return sum(
        1
        for thread in threading.enumerate()
        if thread.name.startswith(("ThreadPoolExecutor", "drconsole-aws"))
    )


async def drive_screen(
    info: dict[str, Any],
    type_keys: bool,
    readiness_timeout: float = 300,
    on_posture: Callable[[], object] = lambda: None,
) -> ScreenRun:
    """Start the console on the sandbox and wait for every account's posture."""
    from drconsole.tui.app import DrConsoleApp
    from drconsole.tui.screens.accounts import AccountsScreen

    # When each key was sent, in the order sent.
    sent: collections.deque[float] = collections.deque()
    result = ScreenRun()

    class TimedApp(DrConsoleApp):
        """The console, timing each filter keystroke to the frame that shows it."""

        CSS_PATH = str(
            Path(sys.modules[DrConsoleApp.__module__].__file__ or "").parent / "drconsole.tcss"
        )

        def on_input_changed(self, event: Input.Changed) -> None:
            # Every key sent changes the filter's value (a space, or a backspace on a value
            # that is not empty) and keys are handled in order: this is the oldest one.
            if sent:
                started = sent.popleft()
                self.call_after_refresh(lambda: result.keys.append(time.perf_counter() - started))

    app = TimedApp(settings_for(info, Path(tempfile.mkdtemp(prefix="drconsole-bench-"))))
    stop_typing = threading.Event()

    began = time.perf_counter()
    cpu, ui_cpu = time.process_time(), time.thread_time()
    async with app.run_test(size=(120, 40)) as pilot:
        while not isinstance(app.screen, AccountsScreen):
            await asyncio.sleep(0.001)
        screen = app.screen
        while screen.organization is None:
            await asyncio.sleep(0.005)
            result.concurrency = max(result.concurrency, aws_threads())
        result.organization = time.perf_counter() - began
        keys = threading.Thread(
            target=type_filter, args=(app, sent, stop_typing, "   ", 1, 0.5), daemon=True
        )
        if type_keys:
            keys.start()
        groups = screen.LOADING_GROUPS
        await asyncio.sleep(0.05)
        while any(w.group in groups and not w.is_finished for w in screen.workers):
            result.concurrency = max(result.concurrency, aws_threads())
            await asyncio.sleep(0.01)
        while screen._rebuild_timer is not None:
            await asyncio.sleep(0.005)
        drawn = asyncio.Event()
        screen.call_after_refresh(drawn.set)
        await drawn.wait()
        result.posture = time.perf_counter() - began
        result.cpu = time.process_time() - cpu
        result.ui_cpu = time.thread_time() - ui_cpu
        posture_keys = len(result.keys)
        result.posture_mb = peak_rss_mb()
        on_posture()
        # Then the readiness verdicts (the State column), decided after the inventory.
        deadline = time.perf_counter() + readiness_timeout
        await asyncio.sleep(0.05)
        while any(w.group == "readiness" and not w.is_finished for w in app.workers):
            if time.perf_counter() > deadline:
                break
            await asyncio.sleep(0.02)
        else:
            result.readiness = time.perf_counter() - began
        stop_typing.set()
        if type_keys:
            keys.join()
        await pilot.pause(0.3)  # the last keystrokes are drawn
        result.readiness_keys = result.keys[posture_keys:]
        result.keys = result.keys[:posture_keys]
        result.accounts = len(screen.postures)
    result.peak_mb = peak_rss_mb()
    return result


def bound_of(calls: collections.Counter[str], concurrency: int, latency: float) -> Bound:
    """The lower bound of the screen's calls at its concurrency (see the module docstring)."""
    # Caller identity; DescribeOrganization with ListRoots; the root's accounts: then the
    # first accounts are known, and every other call (the rest of the walk too) shares the
    # screen's threads.
    chain = 1 + 1 + 1
    first_calls = 1 + 1 + 1 + 1
    # identity; DescribeOrganization with ListRoots; one level of OUs each; the deepest accounts
    walk = 1 + 1 + OU_LEVELS + 1
    extra = 1 if calls.get("backup:ListRecoveryPointsByResource") else 0
    own_chain = walk + 1 + 1 + extra  # AssumeRole, a read (then the newest point's lookup)
    rest = sum(calls.values()) - first_calls
    seconds = max(own_chain, chain + rest / max(1, concurrency)) * latency
    return Bound(seconds, sum(calls.values()), concurrency)


def main() -> int:
    """Run the screen and the baselines; print the figures side by side."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--points-per-account", type=int, default=3000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--sequential-accounts", type=int, default=10)
    parser.add_argument(
        "--baseline-accounts",
        type=int,
        default=None,
        help="run the 16-thread boto3 script on the first N accounts only (scaled by calls)",
    )
    parser.add_argument("--readiness-timeout", type=float, default=300)
    parser.add_argument("--no-keys", action="store_true", help="load without typing")
    args = parser.parse_args()

    params = {"accounts": args.accounts, "recovery_points": args.accounts * args.points_per_account}
    print(
        f"building the large scenario ({args.accounts} accounts x 2 Regions, "
        f"{params['recovery_points']:,} recovery points)"
    )
    sandbox = ChildSandbox(params, args.latency_ms)
    info = sandbox.info
    latency = sandbox.latency
    try:
        print(f"  built in {info['build_seconds']:.1f} s; load average {load_average():.1f}")
        mark = sandbox.mark()
        cpu = sandbox.cpu_seconds()
        at_posture: list[collections.Counter[str]] = []
        posture_cpu: list[float] = []
        screen = asyncio.run(
            drive_screen(
                info,
                type_keys=not args.no_keys,
                readiness_timeout=args.readiness_timeout,
                on_posture=lambda: (
                    at_posture.append(sandbox.calls_since(mark)),
                    posture_cpu.append(sandbox.cpu_seconds() - cpu),
                ),
            )
        )
        server_cpu = sandbox.cpu_seconds() - cpu
        calls = at_posture[0]
        readiness_calls = sum(sandbox.calls_since(mark).values()) - sum(calls.values())
        load = load_average()
        mark = sandbox.mark()
        pooled = run_baseline(info, posture_of, 16, accounts=args.baseline_accounts)
        pooled_calls = sandbox.calls_since(mark)
        mark = sandbox.mark()
        one = run_baseline(info, posture_of, 1, accounts=args.sequential_accounts)
        one_calls = sandbox.calls_since(mark)
    finally:
        sandbox.stop()

    bound = bound_of(calls, screen.concurrency, latency)
    # A baseline run on some accounts only is scaled to the screen's calls (the same reads).
    scale = sum(calls.values()) / max(1, sum(pooled_calls.values()))
    if pooled.accounts == screen.accounts:
        scale = 1.0
    pooled_bound = bound_of(pooled_calls, 16, latency)
    if scale != 1.0:
        pooled_bound = Bound(pooled_bound.seconds * scale, sum(calls.values()), 16)
    pooled_wall = pooled.wall * scale
    sequential = one.wall * sum(calls.values()) / max(1, sum(one_calls.values()))
    print(
        f"accounts screen, {screen.accounts} accounts x 2 Regions, {args.latency_ms} ms latency "
        f"(load average {load:.1f} at the end; sandbox CPU {server_cpu:.1f} s in its own process)"
    )
    print(f"  organization shown      {screen.organization:.2f} s")
    print(
        f"  sandbox CPU             {posture_cpu[0]:.2f} s until every posture was shown "
        f"({posture_cpu[0] / max(1, sum(calls.values())) * 1000:.1f} ms a call: it answers in "
        "one process, so this is a floor of its own on the wall time)"
    )
    print(
        f"  console CPU             {screen.cpu:.2f} s, of which the UI thread "
        f"{screen.ui_cpu:.2f} s (steadier than wall times on a busy machine)"
    )
    print("  calls made by the screen:")
    for name, count in sorted(calls.items()):
        print(f"    {name:45s} {count}")
    measures = [
        Measure("drconsole (accounts screen)", screen.posture, bound),
        Measure(
            "boto3 script, 16 threads"
            + ("" if scale == 1.0 else f" ({pooled.accounts} accounts, scaled by calls)"),
            pooled_wall,
            pooled_bound,
        ),
        Measure(
            f"boto3 sequential ({one.accounts} accounts, scaled by calls)",
            sequential,
            None,
        ),
    ]
    print_measures(measures, BUDGET_RATIO)
    for label, typed in (("posture", screen.keys), ("readiness", screen.readiness_keys)):
        if typed:
            keys = sorted(typed)
            p99 = keys[min(len(keys) - 1, int(len(keys) * 0.99))]
            verdict = "ok" if p99 < BUDGET_KEY else "OVER BUDGET"
            print(
                f"  keystroke while the {label} loads ({len(keys)} keys): p50 "
                f"{statistics.median(keys) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max "
                f"{keys[-1] * 1000:.0f} ms  [budget p99 100 ms: {verdict}]"
            )
    if screen.readiness:
        print(
            f"  readiness verdicts shown {screen.readiness:.2f} s (decided after the posture, "
            f"{readiness_calls} more calls)"
        )
    else:
        print("  readiness verdicts       not all decided within the time given")
    verdict = "ok" if screen.posture_mb < BUDGET_MB else "OVER BUDGET"
    print(
        f"  peak memory (console)   {screen.posture_mb:.0f} MB when every posture is shown  "
        f"[budget 400 MB: {verdict}]; {screen.peak_mb:.0f} MB once readiness ran too"
    )
    if args.accounts == 100:
        verdict = "ok" if screen.posture < BUDGET_100 else "OVER BUDGET"
        print(f"  100 accounts            {screen.posture:.2f} s  [budget 4 s: {verdict}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
