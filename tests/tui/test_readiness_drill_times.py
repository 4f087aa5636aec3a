"""A drill report whose `finished` has no zone (edited by hand, written by another tool) or is
no time UTC can hold is no evidence: readiness and its console screen go on without it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drconsole.drills.journal import DrillJournal
from drconsole.readiness.drills import drill_coverage
from drconsole.tui.screens.readiness import ReadinessScreen
from tests.tui.conftest import Demo, demo, table_text, wait_until  # noqa: F401

TABLE = ":table/prod-sessions"
GOOD = "2026-11-21T01:30:00+00:00"
ODD = ("2026-11-20T01:30:00", "0001-01-01T00:00:00+14:00", 1_700_000_000, "yesterday")


def write_drill(state_dir: Path, folder: Path, run_id: str, finished: object, arn: str) -> None:
    """A finished drill as `drill run` leaves it: its report.json and its journal records."""
    folder.mkdir()
    target = {"verdict": "passed", "recovery_point": {"resource_arn": arn}}
    (folder / "report.json").write_text(
        json.dumps(
            {"run_id": run_id, "finished": finished, "runbook": {"name": "db"}, "targets": [target]}
        )
    )
    journal = DrillJournal(state_dir)
    journal.append(run_id, "drill-start", runbook="db", started=GOOD, targets=["db"])
    journal.append(run_id, "drill-end", finished=GOOD, report_dir=str(folder))


def test_odd_finished_times_are_no_evidence(tmp_path: Path) -> None:
    state = tmp_path / "state"
    arns = [f"arn:aws:dynamodb:eu-central-1:111122223333:table/t{n}" for n in range(5)]
    for n, finished in enumerate(ODD):
        run_id = f"2026112{n}T010000Z-aaaaa{n}"
        write_drill(state, tmp_path / run_id, run_id, finished, arns[n])
    write_drill(state, tmp_path / "good", "20261121T010000Z-bbbbbb", GOOD, arns[4])
    coverage = drill_coverage(state)
    assert list(coverage) == [arns[4]]
    assert coverage[arns[4]].finished.isoformat() == GOOD


@pytest.mark.asyncio
async def test_console_readiness_survives_a_report_without_zone(
    demo: Demo,  # noqa: F811
    tmp_path: Path,
) -> None:
    prod = demo.info.accounts["prod"]
    arn = f"arn:aws:dynamodb:{demo.info.region}:{prod}{TABLE}"
    run_id = "20261120T010000Z-cccccc"
    write_drill(demo.settings.state_dir, tmp_path / run_id, run_id, ODD[0], arn)
    app = demo.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.organization is not None, timeout=60)
        await pilot.press("colon", *"readiness", "enter")
        await wait_until(pilot, lambda: app.readiness.state in ("done", "failed"), timeout=120)
        await pilot.pause(0.5)
        assert app.readiness.state == "done" and isinstance(app.screen, ReadinessScreen)
        rows = {row[0]: row for row in table_text(app)}
        assert rows["prod"][-1] == "never"  # the drill counted for nothing
    assert app.return_code in (0, None)
