"""A run that did not recover every target has no RTO in `drill history` nor in the runbook's
RTO trend: its fastest targets would stand for the whole drill."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from drconsole.drills.finish import history
from drconsole.drills.journal import DrillJournal
from drconsole.drills.report_html import trend_svg


def journal_run(
    state: Path, run_id: str, verdict: str, targets: list[tuple[str, float | None]]
) -> None:
    """A finished run of runbook `payments` as `drill run` leaves it: its report and journal."""
    report: dict[str, Any] = {
        "run_id": run_id,
        "runbook": {"name": "payments"},
        "started": "2026-12-01T00:00:00+00:00",
        "finished": "2026-12-01T01:00:00+00:00",
        "verdict": verdict,
        "targets": [
            {"target": f"t{i}", "verdict": v, "rto_seconds": rto, "rpo_seconds": 60}
            for i, (v, rto) in enumerate(targets)
        ],
    }
    folder = state / "drills" / "payments" / run_id
    folder.mkdir(parents=True)
    (folder / "report.json").write_text(json.dumps(report))
    journal = DrillJournal(state)
    journal.append(run_id, "drill-start", runbook="payments", started=report["started"])
    abandoned = {"abandoned": True} if verdict == "abandoned" else {}
    journal.append(
        run_id, "drill-end", finished=report["finished"], report_dir=str(folder), **abandoned
    )


def test_only_runs_that_recovered_every_target_have_an_rto(tmp_path: Path) -> None:
    journal_run(tmp_path, "20261201T000000Z-aaaaaa", "passed", [("passed", 600.0)])
    # Abandoned: one target validated in 5 s, the slow one never finished.
    journal_run(
        tmp_path, "20261202T000000Z-bbbbbb", "abandoned", [("passed", 5.0), ("abandoned", None)]
    )
    # Failed: one target blocked by a check, the other recovered in 7 s.
    journal_run(tmp_path, "20261203T000000Z-cccccc", "failed", [("passed", 7.0), ("failed", None)])
    # Failed on its objective only: every target recovered; its RTO is a true measure.
    journal_run(tmp_path, "20261204T000000Z-dddddd", "failed", [("failed", 900.0)])
    journal_run(tmp_path, "20261205T000000Z-eeeeee", "passed", [("passed", 620.0)])
    runs = {run["run_id"][:8]: run["rto_seconds"] for run in history(tmp_path, "payments")}
    assert runs == {
        "20261201": 600.0,
        "20261202": None,
        "20261203": None,
        "20261204": 900.0,
        "20261205": 620.0,
    }
    svg = trend_svg(history(tmp_path, "payments"))
    assert "20261202T000000Z-bbbbbb" not in svg and "20261203T000000Z-cccccc" not in svg
    assert "20261204T000000Z-dddddd" in svg
