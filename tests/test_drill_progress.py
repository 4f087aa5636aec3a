"""The live view of a running drill: its events folded into each target's state, elapsed time
and RTO breakdown so far, with AWS's own job timestamps for the jobs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from drconsole.drills.progress import DrillProgress, Job, breakdown_text

T0 = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def flow(target: str, event: str, **data: Any) -> dict[str, Any]:
    return {"event": "flow", "target": target, "flow_event": {"event": event, **data}}


def job(state: str, created: float, completed: float | None = None, **more: Any) -> dict[str, Any]:
    return {
        "state": state,
        "created": at(created).isoformat(),
        "completed": at(completed).isoformat() if completed is not None else None,
        **more,
    }


def test_a_target_from_the_manual_step_to_its_last_validation() -> None:
    progress = DrillProgress.of(["db", "files"], before_steps=1)
    db = progress.targets["db"]
    progress.apply({"event": "drill-started"}, at(0))
    assert db.state == "manual step" and progress.waiting_for_manual
    assert progress.breakdown(db, at(3)) == [("manual", 3.0, True)]
    progress.apply({"event": "manual-step", "step": "announce"}, at(4))
    progress.apply({"event": "target-resolved", "target": "db"}, at(5))
    assert db.state == "checks"
    assert breakdown_text(progress.breakdown(db, at(6))) == "manual 4.0s · checks 2.0s…"

    progress.apply(flow("db", "job-started", step="hop1"), at(6.5))
    # AWS's CreationDate and CompletionDate, not the moments the events were seen.
    progress.apply(flow("db", "job-progress", step="hop1", job=job("RUNNING", 6.2)), at(8))
    assert db.state == "hop1 RUNNING"
    progress.apply(flow("db", "job-finished", step="hop1", job=job("COMPLETED", 6.2, 9)), at(9.5))
    progress.apply(flow("db", "job-started", step="restore"), at(10.5))
    running = job("RUNNING", 10.2, percent_done=40.0)
    progress.apply(flow("db", "job-progress", step="restore", job=running), at(11))
    assert db.state == "restore RUNNING 40%"
    done = job("COMPLETED", 10.2, 13)
    progress.apply(flow("db", "job-finished", step="restore", job=done), at(13.4))
    progress.apply(flow("db", "flow-finished", status="completed"), at(13.5))
    assert db.state == "validating"
    progress.apply(
        {"event": "validation", "target": "db", "kind": "builtin", "passed": True}, at(14.5)
    )
    progress.apply({"event": "target-validated", "target": "db"}, at(14.6))
    assert db.finished and db.state == "validated"
    phases = progress.breakdown(db, at(60))
    assert [(label, round(seconds, 1)) for label, seconds, _ in phases] == [
        ("manual", 4.0),
        ("checks", 2.2),
        ("hop1", 2.8),
        ("wait", 1.2),
        ("restore", 2.8),
        ("wait", 0.5),
        ("validation", 1.0),
    ]
    assert not any(running for _, _, running in phases)
    # The clock stopped at the last validation; the sum is the target's RTO so far.
    assert progress.elapsed(db, at(60)) == 14.5
    assert abs(sum(seconds for _, seconds, _ in phases) - 14.5) < 1e-6

    # An `after` step does not move the `before` ones; a blocked target stops its clock.
    progress.apply({"event": "manual-step", "step": "app-check"}, at(20))
    assert progress.manual_until == at(4)
    files = progress.targets["files"]
    failed = {"event": "target-failed", "target": "files", "cause": "VAULT_POLICY_DENIES_COPY"}
    progress.apply(failed, at(7))
    assert files.failed and files.state == "FAILED [VAULT_POLICY_DENIES_COPY]"
    assert progress.elapsed(files, at(60)) == 7.0


def test_a_resumed_drill_shows_its_restore_after_the_journaled_copy() -> None:
    progress = DrillProgress.of(["db"], before_steps=0)
    db = progress.targets["db"]
    progress.apply({"event": "drill-started"}, at(0))
    # As `resume_from` leaves it: the copy the journal says was started before the stop.
    db.jobs = [Job("hop1", at(2), created=at(2))]
    progress.apply({"event": "drill-resumed"}, at(30))
    # The resumed flow describes its copy job again, then goes on to the restore.
    progress.apply(flow("db", "job-started", step="hop1", resumed=True), at(31))
    progress.apply(flow("db", "job-finished", step="hop1", job=job("COMPLETED", 2, 8)), at(32))
    progress.apply(flow("db", "job-started", step="restore"), at(33))
    progress.apply(flow("db", "job-finished", step="restore", job=job("COMPLETED", 33, 36)), at(37))
    progress.apply(flow("db", "flow-finished", status="completed"), at(37))
    progress.apply(
        {"event": "validation", "target": "db", "kind": "builtin", "passed": True}, at(38)
    )
    progress.apply({"event": "target-validated", "target": "db"}, at(38))
    phases = progress.breakdown(db, at(60))
    assert [label for label, _, _ in phases] == [
        "checks",
        "hop1",
        "wait",
        "restore",
        "wait",
        "validation",
    ]
    assert [job.step for job in db.jobs] == ["hop1", "restore"]
