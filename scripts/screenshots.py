"""Regenerate screenshots/*.svg from the demo scenario with a frozen clock.

Run: .venv/bin/python scripts/screenshots.py   (or `make screenshots`)
"""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from drconsole.config import Credentials, Settings
from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.server import SandboxOptions
from drconsole.tui.app import DrConsoleApp
from drconsole.tui.readiness_checks import ReadinessChecksScreen
from drconsole.tui.screens.accounts import AccountsScreen
from drconsole.tui.screens.detail import DetailScreen
from drconsole.tui.screens.org_protected import OrgProtectedScreen
from drconsole.tui.screens.protected import ProtectedResourcesScreen
from drconsole.tui.screens.readiness import ReadinessScreen
from drconsole.tui.screens.recovery_points import RecoveryPointsScreen
from drconsole.tui.screens.vaults import VaultsScreen

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SIZE = (120, 34)
OUT = Path(__file__).resolve().parent.parent / "screenshots"
RUNBOOKS = OUT.parent / "examples" / "runbooks"


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


async def settle(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Run the app until `condition()` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: the demo did not reach {condition}")
        await pilot.pause(0.05)
    await pilot.pause(0.2)


def status(app: DrConsoleApp) -> str:
    return str(app.screen.query_one("#status").render())


async def shoot(app: DrConsoleApp, backup: str, prod: str) -> list[Path]:
    """Walk organization -> backup account -> DR vault -> newest prod RDS copy, then prod's
    protected resources, then every account's protected resources, then readiness and its
    worst row's checks, saving each screen."""
    saved: list[Path] = []

    def save(name: str) -> None:
        path = OUT / f"{name}.svg"
        path.write_text(app.export_screenshot(title=f"drconsole: {name.replace('_', ' ')}"))
        saved.append(path)

    async with app.run_test(size=SIZE) as pilot:
        await settle(
            pilot,
            lambda: (
                isinstance(app.screen, AccountsScreen)
                and app.screen.organization is not None
                and "loading" not in status(app)
                and app.readiness.state == "done"
                and all(
                    p.newest or p.errors for p in app.screen.postures.values() if p.recovery_points
                )
            ),
        )
        save("accounts")
        await pilot.press("colon", *"vaults pro")
        await pilot.pause(0.2)
        save("command_mode")
        await pilot.press("escape")
        await pilot.press("slash", *backup, "enter", "enter")
        await settle(pilot, lambda: isinstance(app.screen, VaultsScreen))
        await settle(pilot, lambda: "loading" not in status(app))
        save("vaults")
        await pilot.press("down", "enter")
        await settle(pilot, lambda: isinstance(app.screen, RecoveryPointsScreen))
        await settle(pilot, lambda: app.screen.loading_done)
        save("recovery_points")
        await pilot.press("slash", *"prod rds", "enter")
        save("recovery_points_filtered")
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, DetailScreen))
        save("detail")
        await pilot.press("escape", "escape", "escape", "escape")
        await settle(pilot, lambda: isinstance(app.screen, AccountsScreen))
        await pilot.press("escape")  # clears the accounts filter
        await pilot.press("slash", *prod, "enter", "p")
        await settle(pilot, lambda: isinstance(app.screen, ProtectedResourcesScreen))
        await settle(pilot, lambda: "loading" not in status(app))
        save("protected_resources")
        await pilot.press("question_mark")
        await pilot.pause(0.2)
        save("help")
        await pilot.press("escape", "escape")
        await settle(pilot, lambda: isinstance(app.screen, AccountsScreen))
        await pilot.press("escape", "P")
        await settle(pilot, lambda: isinstance(app.screen, OrgProtectedScreen))
        await settle(pilot, lambda: "loading" not in status(app))
        save("protected_all_accounts")
        await pilot.press("slash", *"orders", "enter")
        save("protected_all_accounts_filtered")
        await pilot.press("colon", *"readiness", "enter")
        await settle(pilot, lambda: isinstance(app.screen, ReadinessScreen))
        save("readiness")
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, ReadinessChecksScreen))
        save("readiness_checks")
    return saved


async def shoot_drills(app: DrConsoleApp) -> list[Path]:
    """The Drills screen after two runs of the example drill (its RTO trend has two bars)."""
    from drconsole.tui.drills.list_screen import DrillsScreen

    path = OUT / "drills.svg"
    async with app.run_test(size=SIZE) as pilot:
        app.action_drills()
        await settle(pilot, lambda: isinstance(app.screen, DrillsScreen))
        await settle(pilot, lambda: getattr(app.screen, "catalog", None) is not None)
        path.write_text(app.export_screenshot(title="drconsole: drills"))
    return [path]


def run_example_drill_twice(settings: Settings) -> None:
    """`drill run examples/runbooks/payments.yaml --yes`, twice, through the drill runner."""
    from drconsole.aws.session import AwsSessions
    from drconsole.drills.parse import load_runbook
    from drconsole.drills.runner import DrillRunner

    sessions = AwsSessions(settings)
    runbook = load_runbook(RUNBOOKS / "payments.yaml")
    for _ in range(2):
        runner = DrillRunner(
            sessions,
            runbook,
            state_dir=settings.state_dir,
            ask_manual=None,
            on_event=lambda event: None,
            min_poll=0.2,
        )
        runner.run_to_end(None, None)


def drills_screenshot() -> list[Path]:
    """On a sandbox of its own, on today's clock: the example's RPO objective is 36 hours."""
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=600.0))
    try:
        with tempfile.TemporaryDirectory() as state_dir:
            settings = dataclasses.replace(
                sandbox_settings(sandbox, info, Path(state_dir)),
                runbooks_dir=RUNBOOKS,
                runbooks_dir_source="demo",
            )
            run_example_drill_twice(settings)
            app = DrConsoleApp(dataclasses.replace(settings, read_only=True))
            return asyncio.run(shoot_drills(app))
    finally:
        sandbox.stop()


def main() -> int:
    """Start the demo sandbox, take the screenshots, stop the sandbox."""
    OUT.mkdir(exist_ok=True)
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0), now=NOW)
    try:
        with tempfile.TemporaryDirectory() as state_dir:
            settings = sandbox_settings(sandbox, info, Path(state_dir))
            settings = dataclasses.replace(settings, read_only=True)
            app = DrConsoleApp(settings, now=lambda: NOW)
            saved = asyncio.run(shoot(app, info.accounts["backup"], info.accounts["prod"]))
    finally:
        sandbox.stop()
    saved += drills_screenshot()
    for path in saved:
        print(path.relative_to(OUT.parent))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
