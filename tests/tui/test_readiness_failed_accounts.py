"""When readiness cannot be decided (AWS gone after the inventory), the accounts screen says
so: its status line, and each workload account's State, which is not a green `ok` nobody
decided."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.server import SandboxOptions
from tests.tui.conftest import NOW, Demo, sandbox_settings, status_of, table_text, wait_until
from tests.tui.test_screens import accounts_loaded


@pytest.fixture
def own_demo(tmp_path: Path) -> Iterator[Demo]:
    """A demo sandbox of this test's own: it is stopped halfway."""
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0), now=NOW)
    try:
        settings = sandbox_settings(sandbox, info, tmp_path, retry_max_attempts=1)
        yield Demo(sandbox, info, settings)
    finally:
        sandbox.stop()


async def test_readiness_that_failed_is_said_and_no_workload_account_reads_ok(
    own_demo: Demo,
) -> None:
    app = own_demo.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts", timeout=60)
        states = {row[0].strip(): row[-1] for row in table_text(app) if row[0].startswith("  ")}
        assert states["dev"] != "ok, readiness ?"  # nothing failed yet
        own_demo.sandbox.stop()  # AWS is gone: the caller's own identity cannot be read either
        app.readiness.start()
        await wait_until(
            pilot, lambda: app.readiness.state == "failed", what="readiness failed", timeout=90
        )
        await pilot.pause(0.5)
        assert "readiness failed (r retries)" in status_of(app)
        states = {row[0].strip(): row[-1] for row in table_text(app) if row[0].startswith("  ")}
        workloads = [a.name for a in app.screen.organization.accounts if a.role == "member"]
        assert workloads and all(states[name] != "ok" for name in workloads), states
        assert {states[name] for name in workloads} <= {"ok, readiness ?"} | {
            state for state in states.values() if state.startswith(("⚠", "NOT READY"))
        }
        others = [a for a in app.screen.organization.accounts if a.role != "member"]
        assert all(not states[f"{a.name} ({a.role})"].endswith("readiness ?") for a in others)
