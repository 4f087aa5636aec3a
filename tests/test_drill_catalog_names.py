"""A runbook's `name:` is its drill's identity (history, resume, evidence folder): two runbook
files of the runbooks folder with one name are both listed with an error naming the other, and
neither shows (nor lets R/x act on) the other's runs; a unique name is listed as before."""

from __future__ import annotations

import shutil
from pathlib import Path

from drconsole.drills.catalog import load_catalog
from drconsole.drills.journal import DrillJournal
from tests.test_drill_run import PAYMENTS

RUN_ID = "20261205T094711Z-17f319"


def test_two_runbooks_with_one_name_are_refused_and_share_no_history(tmp_path: Path) -> None:
    folder = tmp_path / "runbooks"
    for team in ("team-a", "team-b"):
        (folder / team).mkdir(parents=True)
    shutil.copy(PAYMENTS, folder / "team-a" / "payments.yaml")
    (folder / "team-b" / "payments.yaml").write_text(
        PAYMENTS.read_text().replace("description: Payments", "description: Team B payments")
    )
    (folder / "team-b" / "ledger.yaml").write_text(
        PAYMENTS.read_text().replace("name: payments", "name: ledger")
    )
    state = tmp_path / "state"
    # Team A ran its drill; it was interrupted (unfinished), as a console quit leaves it.
    DrillJournal(state).append(
        RUN_ID,
        "drill-start",
        runbook="payments",
        path=str((folder / "team-a" / "payments.yaml").resolve()),
        sha256="0" * 64,
        started="2026-12-05T09:47:11+00:00",
        operator="arn:aws:sts::123456789012:user/team-a",
        cleanup="on-success",
        targets=["payments-db", "receipts", "sessions"],
    )
    entries = {e.shown_path: e for e in load_catalog(folder, state).entries}
    assert set(entries) == {"team-a/payments.yaml", "team-b/payments.yaml", "team-b/ledger.yaml"}
    team_a, team_b = entries["team-a/payments.yaml"], entries["team-b/payments.yaml"]
    for entry, other in ((team_a, "team-b/payments.yaml"), (team_b, "team-a/payments.yaml")):
        assert entry.runbook is None and not entry.runs, entry
        assert entry.error == (
            f"{entry.shown_path}: name 'payments' is also the name of {other}: a drill's "
            "history and evidence go by its name, so each runbook of the folder needs its "
            "own; rename one"
        )
    assert "\n" not in team_a.error
    # The other runbooks of the folder are listed as before.
    ledger = entries["team-b/ledger.yaml"]
    assert ledger.runbook is not None and ledger.error == "" and ledger.name == "team-b/ledger"

    # Renamed, team B's runbook is listed with no run, and team A's keeps its own.
    (folder / "team-b" / "payments.yaml").write_text(
        PAYMENTS.read_text().replace("name: payments", "name: payments-b")
    )
    entries = {e.shown_path: e for e in load_catalog(folder, state).entries}
    assert entries["team-b/payments.yaml"].runbook is not None
    assert not entries["team-b/payments.yaml"].runs
    assert [r["run_id"] for r in entries["team-a/payments.yaml"].runs] == [RUN_ID]
