"""The Drills screen lists the runbooks of the runbooks folder's sub-folders, by their path under
it: hidden folders skipped, a symbolic link back up the tree read once (no hang, no duplicate),
and a folder holding too many files listed up to the bound, saying so."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import ListView

from drconsole.drills.runbook_folder import MAX_RUNBOOK_FILES
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from drconsole.tui.app import DrConsoleApp
from drconsole.tui.drills.list_screen import DrillsScreen
from drconsole.tui.drills.run_screen import DrillScreen
from tests.tui.conftest import sandbox_settings, status_of, wait_until

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "runbooks"
SIZE = (100, 30)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sb, info = start_sandbox("demo", SandboxOptions(time_scale=600))
    yield sb, info
    sb.stop()


def app_on(sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, folder: Path) -> DrConsoleApp:
    sb, info = sandbox
    return DrConsoleApp(sandbox_settings(sb, info, tmp_path / "state", runbooks_dir=folder))


async def open_drills(app: DrConsoleApp, pilot: Pilot[None]) -> DrillsScreen:
    app.action_drills()
    await wait_until(pilot, lambda: isinstance(app.screen, DrillsScreen), what="drills")
    listing = app.screen
    assert isinstance(listing, DrillsScreen)
    await wait_until(pilot, lambda: listing.catalog is not None, what="runbooks", timeout=60)
    return listing


async def test_runbooks_in_sub_folders_are_listed_by_their_path(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    folder = tmp_path / "runbooks"
    (folder / "team-a" / "deeper").mkdir(parents=True)
    (folder / ".archive").mkdir()
    shutil.copy(EXAMPLES / "payments.yaml", folder / "payments.yaml")
    shutil.copy(EXAMPLES / "web.yaml", folder / "team-a" / "web.yaml")
    (folder / "team-a" / "deeper" / "broken.yml").write_text(
        "name: broken\ncleanup: sometimes\ntargets: []\n"
    )
    shutil.copy(EXAMPLES / "web.yaml", folder / ".archive" / "old.yaml")  # hidden: skipped
    (folder / "team-a" / "notes.txt").write_text("not a runbook\n")
    (folder / "team-a" / "loop").symlink_to(folder)  # back up the tree: read once
    (folder / "team-a" / "deeper" / "up").symlink_to(folder / "team-a")

    app = app_on(sandbox, tmp_path, folder)
    async with app.run_test(size=SIZE) as pilot:
        listing = await open_drills(app, pilot)
        assert [e.name for e in listing.shown] == [
            "payments",
            "team-a/web",
            "team-a/deeper/broken.yml",
        ]
        broken = listing.shown[2]
        assert broken.error.startswith("team-a/deeper/broken.yml:2:10: cleanup: expected one of")
        assert "3 runbooks, 1 that do not parse" in status_of(app)
        listing.query_one(ListView).index = 1
        await pilot.pause()
        detail = str(listing.query_one("#runbook-detail").render())
        assert detail.startswith("team-a/web.yaml: ")
        # The filter finds a runbook by its folder; Enter plans the file found there.
        await pilot.press("slash", *"team-a/web", "enter", "enter")
        drill = app.screen
        assert isinstance(drill, DrillScreen)
        assert Path(drill.runbook.path) == folder / "team-a" / "web.yaml"
        await wait_until(pilot, lambda: drill.plan is not None, what="plan", timeout=60)


async def test_a_folder_with_too_many_files_is_listed_up_to_the_bound_and_says_so(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    folder = tmp_path / "runbooks"
    (folder / "generated").mkdir(parents=True)
    shutil.copy(EXAMPLES / "payments.yaml", folder / "payments.yaml")
    for index in range(MAX_RUNBOOK_FILES + 5):
        (folder / "generated" / f"r{index:04}.yaml").write_text("description: no name\n")
    app = app_on(sandbox, tmp_path, folder)
    async with app.run_test(size=SIZE) as pilot:
        listing = await open_drills(app, pilot)
        assert listing.catalog is not None
        assert len(listing.catalog.entries) == MAX_RUNBOOK_FILES
        assert listing.shown[0].name == "payments"  # the folder's own files come first
        status = status_of(app)
        assert f"stopped after {MAX_RUNBOOK_FILES} runbook files" in status
        assert "the folder holds more, not listed" in status
