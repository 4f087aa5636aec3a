"""The Drills screen abandons an unfinished drill (`x`, asked first with `drill cleanup`'s own
question), with `drill cleanup`'s own code: a drill killed by `drill run` while its restore job
ran in AWS has that job waited for, and what the drill created — the restored table, the copy —
is deleted (asked with plain boto3); the list then shows it abandoned. A drill held by another
drconsole process is refused with nothing done, and read-only mode neither offers nor runs it."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import ListView

from drconsole.drills.journal import DrillJournal
from drconsole.drills.run_base import drill_lock
from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from drconsole.tui.app import DrConsoleApp
from drconsole.tui.arming import ARMING_SECONDS
from drconsole.tui.drills.abandon_screen import DrillAbandonScreen
from drconsole.tui.drills.list_screen import DrillsScreen
from drconsole.tui.screens.confirm import ConfirmDialog
from drconsole.tui.widgets.wrapped_log import WrappedLog
from tests.test_drill_interrupted import recovery_points
from tests.test_drill_run import (
    EU,
    demo_sandbox,
    drill,
    env_for,
    killed_mid_restore,
    table_runbook,
)
from tests.tui.conftest import sandbox_settings, screen_lines, wait_until

SIZE = (80, 24)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    yield from demo_sandbox()


def killed_drill(
    sb: Sandbox, info: ScenarioInfo, tmp_path: Path, table: str, time_scale: float = 20
) -> tuple[str, str]:
    """A runbook in tmp_path/runbooks whose `drill run` was killed while its restore job ran in
    AWS; the run id and that job's id."""
    path = table_runbook(tmp_path, info, table)
    folder = tmp_path / "runbooks"
    folder.mkdir()
    runbook = path.rename(folder / "edge.yaml")
    text = killed_mid_restore(sb, env_for(sb, info, tmp_path), runbook, tmp_path, time_scale)
    records = [json.loads(line) for line in text.splitlines()]
    (job,) = [r for r in records if r["type"] == "job" and r["step"] == "restore"]
    drills = tmp_path / "state" / "drconsole" / "drills" / "journal.jsonl"
    run_id = json.loads(drills.read_text().splitlines()[0])["flow"]
    assert restore_job(sb, info, job["job_id"])["Status"] in ("PENDING", "RUNNING")
    return str(run_id), str(job["job_id"])


def restore_job(sb: Sandbox, info: ScenarioInfo, job_id: str) -> dict[str, Any]:
    backup = sb.client("backup", info.accounts["recovery"], EU)
    return dict(backup.describe_restore_job(RestoreJobId=job_id))


def tables(sb: Sandbox, info: ScenarioInfo) -> list[str]:
    return list(sb.client("dynamodb", info.accounts["recovery"], EU).list_tables()["TableNames"])


def app_on(sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, **changes: Any) -> DrConsoleApp:
    sb, info = sandbox
    settings = sandbox_settings(
        sb, info, tmp_path / "state" / "drconsole", runbooks_dir=tmp_path / "runbooks", **changes
    )
    return DrConsoleApp(settings)


def text_of(app: DrConsoleApp) -> str:
    """The screen, its lines joined by spaces (what wraps at 80 columns reads as one line)."""
    return " ".join(" ".join(screen_lines(app)).split())


def log_of(app: DrConsoleApp) -> str:
    """The abandon view's log, its wrapped lines joined by spaces."""
    if not isinstance(app.screen, DrillAbandonScreen):
        return ""
    log = app.screen.query_one("#abandon-log", WrappedLog)
    return " ".join(" ".join(strip.text for strip in log.lines).split())


async def open_drills(app: DrConsoleApp, pilot: Any) -> DrillsScreen:
    app.action_drills()
    await wait_until(pilot, lambda: isinstance(app.screen, DrillsScreen), what="drills")
    listing = app.screen
    assert isinstance(listing, DrillsScreen)
    await wait_until(pilot, lambda: listing.catalog is not None, what="runbooks")
    listing.query_one(ListView).index = 0
    await wait_until(pilot, lambda: "unfinished" in text_of(app), what="the unfinished run")
    return listing


def unfinished(tmp_path: Path, run_id: str) -> bool:
    state = DrillJournal(tmp_path / "state" / "drconsole").run(run_id)
    assert state is not None
    return state.end is None


async def test_x_abandons_a_drill_killed_mid_restore_and_deletes_what_it_created(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    recovery = info.accounts["recovery"]
    copies_before = recovery_points(sb, recovery)
    run_id, job_id = killed_drill(sb, info, tmp_path, "tui-abandoned-table")
    app = app_on(sandbox, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        listing = await open_drills(app, pilot)
        assert "R Resume drill x Abandon" in screen_lines(app)[-1]
        assert f"unfinished run {run_id}: R resumes it, x abandons it" in text_of(app)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: "Abandon: the unfinished run" in text_of(app), what="?")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is listing, what="the list")

        # Held by another drconsole process (it resumes it): refused, nothing done.
        with drill_lock(tmp_path / "state" / "drconsole", run_id):
            await pilot.press("x")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="asked")
            await pilot.pause(ARMING_SECONDS)  # yes answers once the question was on screen
            await pilot.press("y")
            await wait_until(pilot, lambda: "Not abandoned" in text_of(app), what="refused")
            assert f"drill {run_id} is being run by another drconsole process" in text_of(app)
        assert unfinished(tmp_path, run_id)
        await pilot.press("escape")
        assert app.screen is listing

        # n leaves it as it is.
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="asked")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert dialog.question == f"Abandon drill {run_id} and delete what it created?"
        assert "Abandon drill" in " ".join(screen_lines(app))  # drawn, wrapped at 80 columns
        await pilot.press("n")
        assert app.screen is listing and unfinished(tmp_path, run_id)

        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="asked")
        await pilot.pause(ARMING_SECONDS)  # yes answers once the question was on screen
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, DrillAbandonScreen), what="view")
        await wait_until(
            pilot, lambda: f"Waiting for restore job {job_id}" in log_of(app), what="waiting"
        )
        await wait_until(
            pilot,
            lambda: "nothing it created is left" in text_of(app),
            what="abandoned",
            timeout=90,
        )
        # With plain boto3: the restore ended, and the table it made and the copy are gone.
        job = restore_job(sb, info, job_id)
        assert job["Status"] == "COMPLETED"
        assert "tui-abandoned-table" not in tables(sb, info)
        assert recovery_points(sb, recovery) <= copies_before
        assert not unfinished(tmp_path, run_id)

        await pilot.press("escape")
        assert app.screen is listing
        await wait_until(pilot, lambda: "abandoned" in text_of(app), what="listed abandoned")
        assert "Abandon" not in screen_lines(app)[-1]


async def test_read_only_neither_offers_nor_runs_an_abandon(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    run_id, job_id = killed_drill(sb, info, tmp_path, "read-only-kept-table")
    app = app_on(sandbox, tmp_path, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        listing = await open_drills(app, pilot)
        assert "Abandon" not in screen_lines(app)[-1]
        await pilot.press("x")
        await pilot.pause(0.3)
        assert app.screen is listing
        # Opened all the same, the abandon is refused below the UI, before any AWS call.
        await app.push_screen(DrillAbandonScreen(run_id, "edge"))
        await wait_until(pilot, lambda: "Not abandoned" in text_of(app), what="refused")
        assert "read-only mode is on" in text_of(app)
    assert unfinished(tmp_path, run_id)
    flows = (tmp_path / "state" / "drconsole" / "journal.jsonl").read_text()
    assert '"abandoned": true' not in flows
    # With plain boto3: its restore ends on its own, and nothing of it was deleted.
    await wait_until_ended(sb, info, job_id)
    assert "read-only-kept-table" in tables(sb, info)


async def wait_until_ended(sb: Sandbox, info: ScenarioInfo, job_id: str) -> None:
    deadline = time.monotonic() + 60
    while restore_job(sb, info, job_id)["Status"] not in ("COMPLETED", "FAILED", "ABORTED"):
        assert time.monotonic() < deadline, f"restore job {job_id} did not end"
        await asyncio.sleep(0.2)


async def test_esc_while_it_waits_stops_waiting_and_drill_cleanup_deletes_the_rest_later(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    run_id, job_id = killed_drill(sb, info, tmp_path, "tui-stopped-table", time_scale=8)
    app = app_on(sandbox, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        listing = await open_drills(app, pilot)
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="asked")
        await pilot.pause(ARMING_SECONDS)  # yes answers once the question was on screen
        await pilot.press("y")
        await wait_until(
            pilot, lambda: f"Waiting for restore job {job_id}" in log_of(app), what="waiting"
        )
        await pilot.press("escape")  # stops waiting; the view stays until it has ended
        await wait_until(pilot, lambda: "1 job(s) still running" in text_of(app), what="ended")
        assert (
            f"Stopped waiting: restore job {job_id} (account {info.accounts['recovery']}, "
            f"Region {EU}) of target table: what it restores is not deleted"
        ) in log_of(app)
        assert restore_job(sb, info, job_id)["Status"] in ("PENDING", "RUNNING")
        await pilot.press("escape")
        assert app.screen is listing
        await wait_until(pilot, lambda: "abandoned" in text_of(app), what="listed abandoned")
    assert not unfinished(tmp_path, run_id)

    # `drill cleanup` carries on: it waits for the restore and deletes the table it made.
    env = env_for(sb, info, tmp_path)
    done = await asyncio.to_thread(drill, env, "cleanup", run_id)
    assert done.returncode == 0, done.stdout + done.stderr
    assert restore_job(sb, info, job_id)["Status"] == "COMPLETED"
    assert "tui-stopped-table" not in tables(sb, info)
