"""Start-up: `drconsole --version`, TUI first paint on the demo, `drconsole demo` end to end.

Run: .venv/bin/python bench/startup_bench.py
Budgets (DESIGN.md section 7): --version < 0.3 s, TUI first paint < 1 s.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from drconsole.config import Credentials, Settings

ROOT = Path(__file__).resolve().parent.parent
RUNS = 10


def sandbox_settings(sandbox: Any, info: Any, state_dir: Path) -> Settings:
    """Settings that point every client at the sandbox as its management account (what
    `drconsole demo` gives the console), with a state dir of their own."""
    management = info.accounts["management"]
    return Settings(
        regions=(info.region, info.dr_region),
        dr_regions=(info.dr_region,),
        endpoint_url=sandbox.endpoint_url,
        static_credentials=Credentials.from_mapping(sandbox.credentials_for(management)),
        management_account_id=management,
        backup_account_id=info.accounts["backup"],
        state_dir=state_dir,
    )


def version_times() -> list[float]:
    """Wall time of `drconsole --version` (the console script), RUNS times."""
    script = Path(sys.executable).parent / "drconsole"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "drconsole"]
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        subprocess.run([*command, "--version"], check=True, capture_output=True)
        times.append(time.perf_counter() - began)
    return times


async def first_paint() -> tuple[float, float, float]:
    """In-process on the demo sandbox: (app start -> accounts screen painted,
    -> organization shown, -> every account's posture loaded)."""
    from drconsole.sandbox.scenarios import start_sandbox
    from drconsole.tui.app import DrConsoleApp
    from drconsole.tui.screens.accounts import AccountsScreen

    sandbox, info = start_sandbox("demo")
    try:
        state_dir = Path(tempfile.mkdtemp(prefix="drconsole-bench-"))
        app = DrConsoleApp(sandbox_settings(sandbox, info, state_dir))
        painted_at: list[float] = []
        began = time.perf_counter()
        async with app.run_test(size=(120, 40)) as pilot:
            while not isinstance(app.screen, AccountsScreen):
                await asyncio.sleep(0.001)
            screen = app.screen
            # The first frame of the accounts screen (the list's header and "reading the
            # organization…"), recorded by the app itself once it has been drawn.
            screen.call_after_refresh(lambda: painted_at.append(time.perf_counter()))
            while not painted_at:
                await asyncio.sleep(0.001)
            painted = painted_at[0] - began
            while screen.organization is None:
                await asyncio.sleep(0.005)
            organization = time.perf_counter() - began
            regions = len(app.regions())
            # Every account's posture: its newest backup, an error, or every Region read and
            # nothing in its vaults (the recovery account's empty vaults held this for ever).
            while "loading" in str(screen.query_one("#status").render()) or not all(
                p.newest
                or p.errors
                or (len(p.regions_loaded) >= regions and p.recovery_points == 0)
                for p in screen.postures.values()
                if p.vaults
            ):
                await pilot.pause(0.005)
            loaded = time.perf_counter() - began
    finally:
        sandbox.stop()
    return painted, organization, loaded


def demo_end_to_end() -> tuple[float, float] | None:
    """`python -m drconsole demo` in tmux: seconds until the accounts screen shows, and until
    every account has loaded (sandbox start and scenario build included)."""
    if shutil.which("tmux") is None:
        return None
    socket = f"drconsole-bench-{os.getpid()}"
    home = Path(tempfile.mkdtemp(prefix="drconsole-bench-"))
    env = f"XDG_STATE_HOME={home / 'state'} XDG_CONFIG_HOME={home / 'config'}"
    command = f"cd {ROOT} && {env} {sys.executable} -m drconsole demo"

    def tmux(*args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", socket, *args], capture_output=True, text=True, check=False
        ).stdout

    began = time.perf_counter()
    tmux("new-session", "-d", "-s", "bench", "-x", "120", "-y", "40", command)
    shown = loaded = 0.0
    try:
        while time.perf_counter() - began < 120:
            screen = tmux("capture-pane", "-p", "-t", "bench")
            if not shown and "Account" in screen and "drconsole" in screen:
                shown = time.perf_counter() - began
            if "6 accounts" in screen and "loading" not in screen:
                loaded = time.perf_counter() - began
                break
            time.sleep(0.02)
    finally:
        tmux("send-keys", "-t", "bench", "q")
        time.sleep(2)
        tmux("kill-server")
        # The demo may keep its sandbox running in the background: stop it.
        subprocess.run(
            f"{env} {sys.executable} -m drconsole demo --stop",
            shell=True,
            cwd=ROOT,
            capture_output=True,
            check=False,
            timeout=60,
        )
    return shown, loaded


def main() -> int:
    """Print the figures and whether they meet the budgets."""
    versions = version_times()
    median = statistics.median(versions)
    painted, organization, loaded = asyncio.run(first_paint())
    demo = demo_end_to_end()
    print(f"start-up (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    verdict = "ok" if median < 0.3 else "OVER BUDGET"
    print(
        f"  drconsole --version: median {median * 1000:.0f} ms of {RUNS} runs "
        f"(min {min(versions) * 1000:.0f}, max {max(versions) * 1000:.0f})  "
        f"[budget 300 ms: {verdict}]"
    )
    verdict = "ok" if painted < 1.0 else "OVER BUDGET"
    print(
        f"  TUI first paint on the demo sandbox (app start -> accounts screen): "
        f"{painted * 1000:.0f} ms  [budget 1 s: {verdict}]"
    )
    print(
        f"    organization shown: {organization * 1000:.0f} ms; "
        f"every account's posture loaded: {loaded * 1000:.0f} ms"
    )
    if demo is None:
        print("  drconsole demo end to end: skipped (tmux is not installed)")
    else:
        print(
            f"  drconsole demo end to end (sandbox start and scenario build included): "
            f"first screen {demo[0]:.2f} s, all accounts loaded {demo[1]:.2f} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
