"""The accounts screen's filter keys typed in a real terminal (tmux), while accounts load and after.

Run: .venv/bin/python bench/terminal_keys_bench.py [--accounts 1000] [--rounds 8] [--text prod]
     [--tree CHECKOUT]  (the console from another checkout, to compare codes the same minutes)

The console (`python -m drconsole`, a process of its own, as an operator runs it) opens in a
tmux pane of 120x40 on the `large` scenario, served from a child process with `--latency-ms`
(50) on every call. Round after round, as soon as its first screen is up: `/`, the characters
of `--text` one by one, and Escape, each sent with `tmux send-keys` and timed until the pane
shows it (polled every `--poll-ms`, 10): the filter's line opening, each character echoed on
it, and for Escape the line gone with the list's rows back (as many account rows as before
`/`). A round is counted "while loading" when the status line still said `loading
N/M…` as it began. Escape includes Textual's `ESCDELAY` (100 ms by default), as a person's
Escape does. What is timed is what a person at the terminal waits for; each poll costs a
`tmux capture-pane` process (a few ms), so figures are at most one poll late.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from pathlib import Path

from _sandbox import ChildSandbox, load_average

ROOT = Path(__file__).resolve().parent.parent
SOCKET = "drconsole-terminal-bench"
FILTER_LINE = "Enter keeps"  # the filter's line, open over the footer
ACCOUNT_ID = re.compile(r"\b\d{12}\b")  # an account row's id
BAR_TOP = re.compile(r"▊▔+▎")  # the top border of the filter's bar before it was one line


def tmux(*args: str) -> str:
    """Run a tmux command on the bench's own server; its standard output."""
    done = subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True)
    return done.stdout


def pane() -> list[str]:
    """The lines the pane shows now."""
    return tmux("capture-pane", "-p", "-t", "console").splitlines()


def wait_for(
    shown: Callable[[list[str]], bool], poll: float, since: float, limit: float = 30.0
) -> float:
    """Seconds from `since` until `shown(lines)` is true of the pane (polled every `poll`)."""
    while True:
        if shown(pane()):
            return time.perf_counter() - since
        if time.perf_counter() - since > limit:
            raise SystemExit(
                f"the pane did not show it within {limit:.0f} s:\n" + "\n".join(pane())
            )
        time.sleep(poll)


def filter_line(lines: list[str]) -> str | None:
    """The filter's line, when it is open: one line over the footer (`/ prod▌ … Enter keeps`),
    or, in the code before 2026-12-06 (`--tree`), the input of a 3-line bar whose top border
    is a row of `▔` (`▊  prod   ▎`)."""
    for number, line in enumerate(lines):
        if FILTER_LINE in line:
            return line
        if BAR_TOP.fullmatch(line) and number + 1 < len(lines):
            return lines[number + 1]
    return None


def echoed(typed: str, lines: list[str]) -> bool:
    """Whether the filter's line shows `typed`."""
    line = filter_line(lines) or ""
    return f"/ {typed}" in line or line.startswith(f"▊  {typed}")


def loading(lines: list[str]) -> bool:
    """Whether the status line says accounts are still loading."""
    return any("loading " in line and "…" in line for line in lines)


def percentile(values: list[float], share: float) -> float:
    """The value under which `share` of `values` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def send(key: str) -> float:
    """Send one key; the time it was sent."""
    sent = time.perf_counter()
    tmux("send-keys", "-t", "console", key)
    return sent


def one_round(text: str, poll: float) -> dict[str, list[float]]:
    """`/`, each character of `text`, Escape: seconds until each is shown. Escape is shown once
    the filter's line is gone and the list has its rows back (as many account rows on screen
    as before `/`, give or take two a load may move)."""
    times: dict[str, list[float]] = defaultdict(list)
    rows = account_rows(pane())
    sent = send("/")
    times["/"].append(wait_for(lambda lines: filter_line(lines) is not None, poll, sent))
    for count in range(1, len(text) + 1):
        typed = text[:count]
        sent = send(typed[-1])
        times["char"].append(wait_for(partial(echoed, typed), poll, sent))
    sent = send("Escape")
    times["Escape"].append(wait_for(partial(restored, rows - 2), poll, sent))
    return times


def account_rows(lines: list[str]) -> int:
    """How many account rows the pane shows (lines with a 12-digit account id)."""
    return sum(1 for line in lines if ACCOUNT_ID.search(line))


def restored(rows: int, lines: list[str]) -> bool:
    """Whether the filter's line is gone and at least `rows` account rows are drawn."""
    return filter_line(lines) is None and account_rows(lines) >= rows


def main() -> int:
    """Serve `large`, open the console in tmux, time the rounds, print p50/p90/max of each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=8, help="rounds after loading")
    parser.add_argument("--text", default="prod")
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--poll-ms", type=float, default=10.0)
    parser.add_argument(
        "--tree", type=Path, default=ROOT, help="the drconsole checkout the console runs from"
    )
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is needed (scripts/ensure-system-tools.sh installs it)")
    poll = args.poll_ms / 1000
    sandbox = ChildSandbox(
        {"accounts": args.accounts, "recovery_points": args.accounts * 3}, args.latency_ms
    )
    home = Path(tempfile.mkdtemp(prefix="drconsole-terminal-bench-"))
    env = {
        **sandbox.env(),
        "HOME": str(home),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "PYTHONPATH": str(args.tree.resolve()),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
    }
    regions = f"{sandbox.info['region']},{sandbox.info['dr_region']}"
    command = shlex.join([sys.executable, "-m", "drconsole", "--region", regions])
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    rounds: dict[str, dict[str, list[float]]] = {"while loading": defaultdict(list)}
    rounds["loaded"] = defaultdict(list)
    before = load_average()
    tmux("kill-server")
    try:
        started = time.perf_counter()
        tmux(
            "new-session", "-d", "-s", "console", "-x", "120", "-y", "40",
            f"cd {shlex.quote(str(home))} && env -i {exports} {command}",
        )  # fmt: skip
        first = wait_for(loading, poll, started, limit=60)
        while loading(pane()):
            for kind, values in one_round(args.text, poll).items():
                rounds["while loading"][kind] += values
        loaded = time.perf_counter() - started
        time.sleep(1)
        for _ in range(args.rounds):
            for kind, values in one_round(args.text, poll).items():
                rounds["loaded"][kind] += values
            time.sleep(0.2)
        tmux("send-keys", "-t", "console", "q")
    finally:
        tmux("kill-server")
        sandbox.stop()
        shutil.rmtree(home, ignore_errors=True)
    print(
        f"accounts screen in tmux 120x40, {args.accounts} accounts x 2 Regions, "
        f"{args.latency_ms} ms a call: status `loading` at {first:.2f} s, gone at "
        f"{loaded:.1f} s (load average {before:.1f} -> {load_average():.1f}; "
        f"{os.cpu_count()} cores)"
    )
    for phase, times in rounds.items():
        for kind in ("/", "char", "Escape"):
            values = times.get(kind, [])
            if not values:
                print(f"  {phase:13s} {kind:6s} none timed")
                continue
            print(
                f"  {phase:13s} {kind:6s} p50 {statistics.median(values) * 1000:6.0f} ms  "
                f"p90 {percentile(values, 0.9) * 1000:6.0f} ms  "
                f"max {max(values) * 1000:6.0f} ms  ({len(values)} keys)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
