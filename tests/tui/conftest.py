"""A demo sandbox per test module, the settings `drconsole demo` would use, and Pilot helpers."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from drconsole.config import Credentials, Settings
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from drconsole.tui.app import DrConsoleApp

# The demo is built relative to this instant and the app's clock is frozen on it, so that
# ages ("2h", "3d 4h") render the same on every run.
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def sandbox_settings(sandbox: Any, info: Any, state_dir: Path, **changes: Any) -> Settings:
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
        **changes,
    )


@dataclass
class Demo:
    """A running demo sandbox and the settings that point drconsole at it."""

    sandbox: Sandbox
    info: ScenarioInfo
    settings: Settings

    def app(self, readiness: bool = False, **changes: Any) -> DrConsoleApp:
        """A fresh app on the sandbox with a frozen clock (`changes` alter the settings).

        `readiness`: the accounts screen decides readiness after its inventory, as the
        console does (off unless a test is about it: it reads every account's facts)."""
        settings = dataclasses.replace(self.settings, **changes) if changes else self.settings
        return DrConsoleApp(settings, now=lambda: NOW, readiness_after_inventory=readiness)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo scenario, shared by the tests of one module (with a journal of its own)."""
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0), now=NOW)
    try:
        state_dir = tmp_path_factory.mktemp("state")
        settings = sandbox_settings(sandbox, info, state_dir, retry_max_attempts=2)
        yield Demo(sandbox, info, settings)
    finally:
        sandbox.stop()


@pytest.fixture
def slow_demo(demo: Demo) -> Iterator[Demo]:
    """The demo answering each account's service-linked role after 3 s: the accounts screen's
    load lasts long enough to look at however busy the machine (150 ms on every call did not)."""
    demo.sandbox.fail_operation("iam:GetRole", "slow")
    try:
        yield demo
    finally:
        demo.sandbox.clear_faults()


async def wait_until(
    pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 20.0, what: str = ""
) -> None:
    """Let the app run until `condition()` holds; fail after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.05)
    await pilot.pause()


def status_of(app: DrConsoleApp) -> str:
    """The status line of the current screen."""
    return str(app.screen.query_one("#status").render())


def screen_lines(app: DrConsoleApp) -> list[str]:
    """What the terminal shows, line by line, as plain text."""
    strips = app.screen._compositor.render_strips()
    return ["".join(segment.text for segment in strip) for strip in strips]


def table_text(app: DrConsoleApp) -> list[list[str]]:
    """Every row of the current screen's table, as plain text."""
    table = app.screen.query_one("#table")
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]  # type: ignore[attr-defined]


def notices(app: DrConsoleApp) -> list[str]:
    """Every notice the console said: as toasts, and in the lines of screens that keep their
    notices off the pane (the wizard's NoticeBar)."""
    return [str(n.message) for n in app._notifications] + app.notices_in_screens
