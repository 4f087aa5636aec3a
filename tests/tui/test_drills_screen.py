"""The Drills screen driven by Pilot against the sandbox: the runbooks folder listed (a broken
runbook with its one-line error), the plan, and one real run of the example drill with both
manual steps answered in the dialog, watched per target, left and found again, its report in
the console; read-only plans but never runs; the drill's lock keeps `drill cleanup` out."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, ListView, RichLog, Sparkline, Static

from drconsole.drills.finish import history
from drconsole.drills.run_base import drill_lock
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from drconsole.tui.app import DrConsoleApp
from drconsole.tui.arming import ARMING_SECONDS
from drconsole.tui.commands import DrConsoleCommands
from drconsole.tui.drills.list_screen import DrillsScreen
from drconsole.tui.drills.manual_dialog import ManualStepDialog
from drconsole.tui.drills.report_screen import DrillReportScreen
from drconsole.tui.drills.run_screen import DrillScreen
from drconsole.tui.screens.confirm import ConfirmDialog
from drconsole.tui.wizard.leave import LeaveFlowDialog
from tests import forked_cli
from tests.tui.conftest import sandbox_settings, screen_lines, wait_until

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "runbooks"
SIZE = (80, 24)
EU = "eu-central-1"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    """The demo scenario on today's clock (the example's RPO objective is 36 hours)."""
    sb, info = start_sandbox("demo", SandboxOptions(time_scale=600))
    yield sb, info
    sb.stop()


@pytest.fixture
def runbooks(tmp_path: Path) -> Path:
    """A runbooks folder: the examples, and a runbook with a mistake."""
    folder = tmp_path / "runbooks"
    folder.mkdir()
    for example in ("payments.yaml", "web.yaml"):
        shutil.copy(EXAMPLES / example, folder / example)
    (folder / "broken.yaml").write_text("name: broken\ncleanup: sometimes\ntargets: []\n")
    return folder


def app_on(sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, **changes: Any) -> DrConsoleApp:
    sb, info = sandbox
    # The state dir the CLI uses with XDG_STATE_HOME=tmp_path/state, so both see one journal.
    settings = sandbox_settings(sb, info, tmp_path / "state" / "drconsole", **changes)
    return DrConsoleApp(settings)


def text_of(app: DrConsoleApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def screen_text(app: DrConsoleApp) -> str:
    """What the terminal shows, as plain text."""
    return "\n".join(screen_lines(app))


async def test_the_list_the_plan_and_read_only(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, runbooks: Path
) -> None:
    app = app_on(sandbox, tmp_path, runbooks_dir=runbooks, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        commands = DrConsoleCommands(app.screen)._commands()
        assert "Drills" in [name for name, _, _ in commands]
        await pilot.press("colon", *"drills", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DrillsScreen), what="drills")
        screen = app.screen
        assert isinstance(screen, DrillsScreen)
        await wait_until(pilot, lambda: screen.catalog is not None, what="runbooks")
        shown = screen_text(app)
        # The folder line names the folder whole (a long temporary path is cut on screen).
        folder_line = str(screen.query_one("#drills-folder", Static).render())
        assert str(runbooks) in folder_line and "3 runbooks, 1 that do not parse" in shown
        assert [e.name for e in screen.shown] == ["broken.yaml", "payments", "web"]
        # The broken runbook is listed with its one line (file:line:column), not a crash.
        assert "broken.yaml" in shown and "never run" in shown
        broken = next(e for e in screen.shown if e.runbook is None)
        assert broken.error.startswith("broken.yaml:2:10: cleanup: expected one of always")
        assert "⚠ broken.yaml:2:10" in shown

        # Enter plans (read-only works): targets, route, RPO now, checks, creates, deletes.
        screen.query_one(ListView).index = 1
        await pilot.press("enter")
        assert isinstance(app.screen, DrillScreen)
        drill = app.screen
        await wait_until(pilot, lambda: drill.plan is not None, what="plan", timeout=60)
        plan = text_of(app, "#drill-text")
        for expected in ("Target payments-db: ready", "Target receipts: ready", "route:"):
            assert expected in plan
        assert "RPO now" in plan and "checks of hop1:" in plan and "creates a restored" in plan
        assert "clean-up deletes" in plan and "Every target can start." in plan
        # Read-only: the run is neither offered nor possible, and nothing was journaled.
        assert "run_drill" not in {b.binding.action for b in app.screen.active_bindings.values()}
        assert "Run drill" not in screen_text(app) and "read-only" in screen_text(app)
        await pilot.press("R")
        await pilot.pause(0.2)
        assert app.screen is drill and drill.runner is None
        assert not (tmp_path / "state" / "drconsole" / "drills").exists()
        await pilot.press("escape")
        assert isinstance(app.screen, DrillsScreen)


async def test_the_highlighted_runbook_stays_the_same_runbook(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, runbooks: Path
) -> None:
    """A filter highlights its first match; Escape, or the folder read again with a runbook
    added above, keeps that runbook highlighted (it kept the line: another runbook, which `R`
    would then run)."""
    app = app_on(sandbox, tmp_path, runbooks_dir=runbooks, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon", *"drills", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DrillsScreen), what="drills")
        screen = app.screen
        assert isinstance(screen, DrillsScreen)
        await wait_until(pilot, lambda: screen.catalog is not None, what="runbooks")
        listing = screen.query_one("#runbooks", ListView)
        listing.index = 2
        await pilot.pause()
        await pilot.press("slash", *"pay")
        await pilot.pause()
        assert [e.name for e in screen.shown] == ["payments"]
        assert screen.highlighted().name == "payments"  # type: ignore[union-attr]
        await pilot.press("escape")
        await pilot.pause()
        assert [e.name for e in screen.shown] == ["broken.yaml", "payments", "web"]
        assert screen.highlighted().name == "payments"  # type: ignore[union-attr]
        # A runbook sorted above it appears; the folder is read again (r).
        shutil.copy(runbooks / "web.yaml", runbooks / "aaa.yaml")
        (runbooks / "aaa.yaml").write_text(
            (runbooks / "aaa.yaml").read_text().replace("name: web", "name: aaa", 1)
        )
        await pilot.press("r")
        await wait_until(pilot, lambda: len(screen.shown) == 4, what="the new runbook")
        assert screen.highlighted().name == "payments"  # type: ignore[union-attr]


async def test_a_drill_runs_live_asks_its_manual_steps_and_reports(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, runbooks: Path, monkeypatch: Any
) -> None:
    sb, info = sandbox
    recovery = info.accounts["recovery"]
    monkeypatch.setattr(DrillScreen, "MIN_POLL", 0.1)
    runbook = runbooks / "payments.yaml"
    waits = f"while [ ! -e {tmp_path}/go ]; do sleep 0.1; done"
    runbook.write_text(runbook.read_text().replace("test -n", f"{waits}; test -n"))
    app = app_on(sandbox, tmp_path, runbooks_dir=runbooks)
    async with app.run_test(size=SIZE) as pilot:
        app.action_drills()
        await wait_until(pilot, lambda: isinstance(app.screen, DrillsScreen), what="drills")
        listing = app.screen
        assert isinstance(listing, DrillsScreen)
        await wait_until(pilot, lambda: listing.catalog is not None, what="runbooks")
        await pilot.press("slash", *"payments", "enter", "enter")
        drill = app.screen
        assert isinstance(drill, DrillScreen)
        await wait_until(pilot, lambda: drill.plan is not None, what="plan", timeout=60)
        assert "R Run drill" in screen_text(app)
        await pilot.press("R")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.pause(ARMING_SECONDS)  # yes answers once the question was on screen
        await pilot.press("y")

        # The `before` step is asked in a dialog; the note is typed and Enter confirms.
        await wait_until(pilot, lambda: isinstance(app.screen, ManualStepDialog), what="step")
        assert app.screen.step.name == "announce"  # type: ignore[attr-defined]
        assert "#payments-ops" in screen_text(app)
        # Armed a moment after it appears: then the note takes the keys.
        await wait_until(pilot, lambda: isinstance(app.focused, Input), what="step armed")
        await pilot.press(*"announced in ops", "enter")

        # Every target is shown live with its state, elapsed time and breakdown so far.
        await wait_until(pilot, lambda: app.screen is drill, what="back to the drill")
        await wait_until(
            pilot,
            lambda: any(t.jobs for t in drill.progress.targets.values()),
            what="a job",
            timeout=60,
        )
        live = text_of(app, "#drill-progress")
        assert all(name in live for name in ("payments-db", "receipts", "sessions"))
        assert "manual " in live and "checks " in live
        # The log wraps its lines (ARNs among them) to the width it shows at 80x24: nothing
        # runs past its right edge.
        log = drill.query_one("#drill-log", RichLog)
        assert "arn:aws:" in "\n".join(drill.log_lines)
        assert max(len(line) for line in drill.log_lines) > log.scrollable_content_region.width
        assert (
            0 < max(line.cell_length for line in log.lines) <= log.scrollable_content_region.width
        )

        # Esc asks; Stay stays; Leave leaves it running, and the list says so. (The team's
        # validation command of payments-db waits for a go, so the drill is surely running.)
        database = drill.progress.targets["payments-db"]
        await wait_until(
            pilot, lambda: database.state == "validation builtin passed", what="validation"
        )
        await pilot.press("escape")
        assert isinstance(app.screen, LeaveFlowDialog)
        await pilot.press("escape")
        assert app.screen is drill
        await pilot.press("escape", "l")
        assert app.screen is listing and drill.running
        await wait_until(
            pilot, lambda: "running in this console" in screen_text(app), what="running"
        )
        (tmp_path / "go").touch()

        # The `after` step is asked wherever the operator is; not performed, with a note.
        await wait_until(
            pilot, lambda: isinstance(app.screen, ManualStepDialog), what="step 2", timeout=90
        )
        assert app.screen.step.name == "app-check"  # type: ignore[attr-defined]
        await wait_until(pilot, lambda: isinstance(app.focused, Input), what="step 2 armed")
        await pilot.press(*"staging down", "ctrl+n")
        await wait_until(pilot, lambda: drill.report is not None, what="report", timeout=60)

        # It ended while the operator was away: the list has its result.
        assert app.screen is listing and not drill.running
        await wait_until(pilot, lambda: "passed" in screen_text(app), what="last result")
        report = drill.report
        assert report is not None and report["verdict"] == "passed"
        for target in report["targets"]:
            assert target["verdict"] == "passed" and target["rto_met"] and target["rpo_met"]
            assert "manual steps" in [s["step"] for s in target["timeline"]]
            assert all(c["deleted"] for c in target["cleanup"])
        steps = {m["step"]: m for m in report["manual_steps"]}
        assert steps["announce"]["performed"] and steps["announce"]["note"] == "announced in ops"
        assert not steps["app-check"]["performed"]
        assert steps["app-check"]["note"] == "staging down"
        assert steps["announce"]["answered"] > steps["announce"]["asked"]
        # Everything the drill created is gone again (asked with plain boto3).
        created = [t["created_resource"] for t in report["targets"]]
        tables = sb.client("dynamodb", recovery, EU).list_tables()["TableNames"]
        assert not [arn for arn in created if arn.rsplit("/", 1)[-1] in tables]
        assert not sb.client("rds", recovery, EU).describe_db_clusters()["DBClusters"]

        # The report view of report.json: `o` (the last one), or a past run of the list.
        assert listing.query(Sparkline)
        await pilot.press("o")
        assert isinstance(app.screen, DrillReportScreen)
        view = text_of(app, "#report-text")
        assert "Drill payments  PASSED" in view and "✓ met" in view and "breakdown:" in view
        assert "RPO " in view and "RTO " in view and "objective" in view
        assert "validation builtin: ✓ passed" in view and "clean-up resource" in view
        assert f"manual step app-check (after): NOT performed at {report_time(report)}" in view
        await pilot.press("escape", "tab", "enter")
        assert isinstance(app.screen, DrillReportScreen)
        assert app.screen.report["run_id"] == report["run_id"]

    # Journaled like `drill run`: the CLI's history finds it, and the lock keeps clean-up
    # out while the drill is held (as during its run and report), not after.
    state_dir = tmp_path / "state" / "drconsole"
    runs = history(state_dir, "payments")
    assert [r["run_id"] for r in runs] == [report["run_id"]] and runs[0]["verdict"] == "passed"
    env = cli_env(sb, info, tmp_path)
    cleanup = [sys.executable, "-m", "drconsole", "drill", "cleanup", report["run_id"]]
    with drill_lock(state_dir, report["run_id"]):
        held = forked_cli.run(cleanup, env=env, capture_output=True, text=True, check=False)
    assert held.returncode == 2, held.stderr
    assert "is being run by another drconsole process" in held.stderr
    free = forked_cli.run(cleanup, env=env, capture_output=True, text=True, check=False)
    assert free.returncode == 0 and "nothing the drill created is left" in free.stdout


def report_time(report: dict[str, Any]) -> str:
    """The app-check step's answer time as the report view shows it."""
    from drconsole.tui.drills.list_screen import run_time

    return run_time(next(m for m in report["manual_steps"] if m["step"] == "app-check")["answered"])


def cli_env(sb: Sandbox, info: ScenarioInfo, home: Path) -> dict[str, str]:
    credentials = sb.credentials_for(info.accounts["management"])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "XDG_"))}
    env.update(
        AWS_ENDPOINT_URL=sb.endpoint_url,
        AWS_ACCESS_KEY_ID=credentials["aws_access_key_id"],
        AWS_SECRET_ACCESS_KEY=credentials["aws_secret_access_key"],
        AWS_REGION=EU,
        XDG_STATE_HOME=str(home / "state"),
        XDG_CONFIG_HOME=str(home / "config"),
    )
    return env


def test_the_runbooks_folder_flag_config_default_and_demo(tmp_path: Path) -> None:
    from drconsole.cli import build_parser
    from drconsole.commands._demo_process import with_example_runbooks
    from drconsole.config import load_settings

    config = tmp_path / "config.toml"
    config.write_text('runbooks_dir = "~/drills"\n')
    environ = {"AWS_REGION": EU}

    def settings(*argv: str) -> Any:
        return load_settings(build_parser().parse_args([*argv, "ls", "accounts"]), environ)

    default = settings()
    assert default.runbooks_dir.parts[-2:] == ("drconsole", "runbooks")
    assert default.runbooks_dir_source == "default"
    configured = settings("--config", str(config))
    assert configured.runbooks_dir == Path("~/drills").expanduser()
    flagged = settings("--config", str(config), "--runbooks", str(tmp_path))
    assert (flagged.runbooks_dir, flagged.runbooks_dir_source) == (tmp_path, "--runbooks")
    # The demo lists the examples only when no folder was configured.
    demo = with_example_runbooks(default)
    assert demo.runbooks_dir == EXAMPLES and demo.runbooks_dir_source == "demo"
    assert with_example_runbooks(configured) == configured
    assert with_example_runbooks(flagged) == flagged
