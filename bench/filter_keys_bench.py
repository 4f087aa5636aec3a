"""The accounts screen's filter keys once every account is shown: `/`, each character, Escape.

Run: .venv/bin/python bench/filter_keys_bench.py [--accounts 1000] [--rounds 20] [--text prod]

The screen is the real one (DrConsoleApp headless, Textual's Pilot) on the `large` scenario
served from a child process, every account's posture loaded first (no latency: only the keys
are timed). Then, round after round: `/`, the characters of `--text` one by one (each narrows
the list), and Escape (back to every row). Each key is timed from just before Pilot sends it to
the end of the frame that shows it: the UI thread's CPU time (what the key costs the console,
steady on a shared machine) and the wall time. A key bound to nothing (F12) is timed the same
way: what Pilot's press and a frame cost alone, included in every other figure. Headless,
Escape is taken at once: a terminal adds Textual's `ESCDELAY` (100 ms by default) before it.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from _sandbox import ChildSandbox, load_average
from accounts_bench import settings_for


def percentile(values: list[float], share: float) -> float:
    """The value under which `share` of `values` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


async def time_keys(info: dict[str, Any], rounds: int, text: str) -> dict[str, list[float]]:
    """CPU and wall time of each kind of key, keyed 'escape cpu', 'char wall' and so on."""
    from drconsole.tui.app import DrConsoleApp
    from drconsole.tui.screens.accounts import AccountsScreen

    app = DrConsoleApp(settings_for(info, Path(tempfile.mkdtemp(prefix="drconsole-bench-"))))
    timings: dict[str, list[float]] = defaultdict(list)
    async with app.run_test(size=(120, 40)) as pilot:
        while not isinstance(app.screen, AccountsScreen):
            await asyncio.sleep(0.01)
        screen = app.screen
        while screen.organization is None:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        while any(not w.is_finished for w in screen.workers) or screen._rebuild_timer:
            await asyncio.sleep(0.02)
        await pilot.pause(0.3)

        async def timed(kind: str, key: str) -> None:
            drawn = asyncio.Event()
            cpu, wall = time.thread_time(), time.perf_counter()
            await pilot.press(key)
            screen.call_after_refresh(drawn.set)
            await drawn.wait()
            timings[f"{kind} cpu"].append(time.thread_time() - cpu)
            timings[f"{kind} wall"].append(time.perf_counter() - wall)

        rows = screen.table.row_count
        for _ in range(rounds):
            await timed("none", "f12")  # bound to nothing: what Pilot and a frame cost alone
            await timed("slash", "slash")
            for char in text:
                await timed("char", char)
            await timed("escape", "escape")
            assert screen.table.row_count == rows, (screen.table.row_count, rows)
            await pilot.pause(0.05)
    return timings


def main() -> int:
    """Build the scenario, time the keys, print p50 and p99 of each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--text", default="prod")
    args = parser.parse_args()
    sandbox = ChildSandbox({"accounts": args.accounts, "recovery_points": args.accounts * 3}, 0)
    try:
        before = load_average()
        cpu = time.process_time()
        timings = asyncio.run(time_keys(sandbox.info, args.rounds, args.text))
        cpu = time.process_time() - cpu
    finally:
        sandbox.stop()
    print(
        f"accounts screen, {args.accounts} accounts, {args.rounds} rounds of / "
        f"{args.text!r} Escape (load average {before:.1f} -> {load_average():.1f}; "
        f"console CPU {cpu:.1f} s)"
    )
    for kind in ("none", "slash", "char", "escape"):
        for measure in ("cpu", "wall"):
            values = timings[f"{kind} {measure}"]
            print(
                f"  {kind:6s} {measure:4s} p50 {statistics.median(values) * 1000:6.1f} ms  "
                f"p99 {percentile(values, 0.99) * 1000:6.1f} ms  ({len(values)} keys)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
