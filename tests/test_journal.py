"""The flow journal: fsynced JSON lines, folded into flow states; one driver per flow."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path
from typing import Any

import pytest

from drconsole.errors import UsageError
from drconsole.flows.journal import (
    BLOCKED,
    COMPLETED,
    RUNNING,
    FlowLock,
    Journal,
    idempotency_token,
)
from tests.flow_plans import sample_plan

PLAN = sample_plan()
F1, F2 = "0000000000f1", "0000000000f2"  # flow ids of new_flow_id's form
START = {"kind": "copy", "account": "111111111111", "region": "eu-north-1"}


def test_records_are_appended_as_json_lines_and_folded(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.append(F1, "plan", plan=PLAN)
    token = idempotency_token(F1, 0, "hop1")
    journal.append(
        F1,
        "start",
        step="hop1",
        token=token,
        request={"IdempotencyToken": token},
        **START,
    )
    state = journal.flow(F1)
    assert state is not None and state.status == RUNNING
    hop = state.step("hop1")
    assert hop.token == token and hop.job_id is None and state.current_step() == "hop1"
    journal.append(F1, "job", step="hop1", job_id="JOB-1")
    journal.append(F1, "finished", step="hop1", state="COMPLETED", result_arn="arn:copy")
    state = journal.flow(F1)
    assert state is not None and state.current_step() == "restore"
    journal.append(F1, "done", result={"created_resource": "arn:db"})
    assert journal.unfinished() == []
    lines = journal.path.read_text().splitlines()
    assert [json.loads(line)["type"] for line in lines] == [
        "plan",
        "start",
        "job",
        "finished",
        "done",
    ]
    done = journal.flow(F1)
    assert done is not None and done.status == COMPLETED


def test_tokens_are_stable_per_flow_generation_and_step() -> None:
    assert idempotency_token(F1, 0, "hop1") == idempotency_token(F1, 0, "hop1")
    assert len({idempotency_token(F1, g, s) for g in (0, 1) for s in ("hop1", "hop2")}) == 4
    assert idempotency_token(F1, 0, "hop1") != idempotency_token(F2, 0, "hop1")


def test_a_route_change_starts_a_new_generation_of_steps(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.append(F1, "plan", plan=PLAN)
    journal.append(F1, "start", step="hop1", token="t0", request={}, **START)
    journal.append(F1, "refused", step="hop1", message="Feature is not supported")
    two = [PLAN["hops"][0], PLAN["hops"][0]]
    journal.append(F1, "route", generation=1, hops=two)
    state = journal.flow(F1)
    assert state is not None and state.generation == 1 and state.hop_names == ["hop1", "hop2"]
    assert state.step("hop1").token is None  # the new route's first hop starts afresh


BLOCKER = {
    "id": "dest.vault-policy",
    "status": "FAIL",
    "cause": "VAULT_POLICY_DENIES_COPY",
    "evidence": "no statement allows backup:CopyIntoBackupVault",
    "remediation": "add the statement",
}


def test_failed_checks_block_and_passing_checks_unblock(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.append(F1, "plan", plan=PLAN)
    journal.append(F1, "checks", step="hop1", ok=False, failed=[BLOCKER])
    state = journal.flow(F1)
    assert state is not None and state.status == BLOCKED and journal.unfinished() == [state]
    journal.append(F1, "checks", step="hop1", ok=True, failed=[])
    state = journal.flow(F1)
    assert state is not None and state.status == RUNNING and state.blocked_by == []


def test_a_torn_last_line_is_skipped_and_secrets_never_written(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    # Not hexadecimal, so the journal's random ids cannot contain it by chance.
    secret = "wJalrXUtnFEMI-K7MDENG"
    journal.append(F1, "plan", plan=PLAN, credentials={"SecretAccessKey": secret})
    with journal.path.open("a") as handle:
        handle.write('{"flow": "0000000000f1", "type": "job", "st')  # a crash mid-write
    assert [f.flow_id for f in journal.flows()] == [F1]
    journal.append(F1, "job", step="hop1", job_id="JOB-1")  # the next record stays whole
    state = journal.flow(F1)
    assert state is not None and state.step("hop1").job_id == "JOB-1"
    assert secret not in journal.path.read_text()
    assert oct(os.stat(journal.path).st_mode & 0o777) == "0o600"


def _hold_lock(state_dir: str, ready: object, release: object) -> None:
    lock = FlowLock(Path(state_dir), F1)
    assert lock.acquire()
    ready.set()  # type: ignore[attr-defined]
    release.wait(10)  # type: ignore[attr-defined]


def test_one_process_drives_a_flow_and_a_dead_one_lets_go(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    ready, release = context.Event(), context.Event()
    holder = context.Process(target=_hold_lock, args=(str(tmp_path), ready, release))
    holder.start()
    assert ready.wait(10)
    assert not FlowLock(tmp_path, F1).acquire()
    assert FlowLock(tmp_path, F1).is_held()
    holder.kill()  # SIGKILL: the OS drops the lock
    holder.join(10)
    assert not FlowLock(tmp_path, F1).is_held()
    lock = FlowLock(tmp_path, F1)
    assert lock.acquire()
    lock.release()


def test_asking_whether_a_flow_is_driven_writes_nothing_and_never_waits(tmp_path: Path) -> None:
    assert not FlowLock(tmp_path, F1).is_held()
    assert list(tmp_path.iterdir()) == []  # no lock folder, no lock file
    (tmp_path / "flow-locks").mkdir(mode=0o755)
    os.mkfifo(tmp_path / "flow-locks" / f"{F2}.lock")  # opened for reading, a FIFO would block
    assert not FlowLock(tmp_path, F2).is_held()
    assert (tmp_path / "flow-locks").stat().st_mode & 0o777 == 0o755
    with pytest.raises(ValueError, match="not a flow or drill run id"):
        FlowLock(tmp_path, "../../victim/y")


def test_an_abandoned_flow_is_never_resumed(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.append(F1, "plan", plan=PLAN)
    journal.abandon(F1)
    state = journal.flow(F1)
    assert state is not None and state.status == "failed" and journal.unfinished() == []
    assert state.failure["message"] == "abandoned by the operator"


def test_a_flow_that_ended_meanwhile_is_not_abandoned(tmp_path: Path) -> None:
    """Abandon reads the flow again: one completed (or failed) since the caller looked, by a
    resume elsewhere, stays as it ended, and nothing is written."""
    journal = Journal(tmp_path)
    journal.append(F1, "plan", plan=PLAN)
    journal.append(F1, "done", result={"created_resource": "arn:aws:rds:eu-north-1:1:db:orders"})
    before = journal.path.read_bytes()
    with pytest.raises(UsageError, match=f"flow {F1} has completed meanwhile"):
        journal.abandon(F1)
    assert journal.path.read_bytes() == before
    state = journal.flow(F1)
    assert state is not None and state.status == COMPLETED


def test_each_damaged_line_is_skipped_with_one_warning(tmp_path: Path, caplog: Any) -> None:
    journal = Journal(tmp_path)
    journal.append(F1, "plan", plan=PLAN)
    good = journal.path.read_bytes()
    damage = [
        b'{"flow": "0000000000f1", "type": "job", "step": "hop1", "job_id": "\xff"}',
        b"not json",
        b'{"time": "t", "flow": "0000000000f1", "type": "job", "job_id": "J"}',
        b'{"time": "t", "flow": "0000000000f1", "type": "job", "step": "hop1", "job_id": 7}',
        b'{"time": "t", "flow": "0000000000f1", "type": "teleport"}',
        b'{"time": "t", "flow": "0000000000f2", "type": "plan", "plan": {"kind": "copy"}}',
        b"[1, 2]",
        # An integer msgspec cannot hold: said as what cannot be read, not "without a type".
        b'{"time": "t", "flow": "0000000000f1", "type": "job", "job_id": ' + b"9" * 5000 + b"}",
    ]
    tail = b"\x00" * 64 + b"\n" + b'{"flow": "0000000000f1", "ty'  # a lost block, a torn write
    journal.path.write_bytes(good + b"\n".join(damage) + b"\n" + tail)
    with caplog.at_level("WARNING", logger="drconsole.journal"):
        assert [f.flow_id for f in journal.flows()] == [F1]
        journal.flows()  # read again: no second warning
    reasons = {d.line: d.reason for d in journal.damaged}
    assert sorted(reasons) == list(range(2, 12))
    assert reasons[2].startswith("invalid UTF-8") and reasons[3].startswith("not JSON")
    assert "`step`" in reasons[4] and "got `int`" in reasons[5]
    assert reasons[6] == "unknown record type 'teleport'" and reasons[7].startswith("record 'plan'")
    assert reasons[8] == "not a JSON object"
    assert reasons[9].startswith("a line that cannot be read"), reasons[9]
    assert reasons[10].startswith("NUL bytes")
    assert reasons[11] == "line cut short (a write interrupted by a crash)"
    assert len(caplog.records) == len(reasons)
    assert all(f"{journal.path}:" in r.getMessage() for r in caplog.records)


def test_a_record_that_would_not_read_back_is_never_written(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    broken = dict(PLAN, hops=[{"source": "not-an-arn", "destination": "x"}])
    with pytest.raises(UsageError, match=r"cannot be journaled .*not a backup vault ARN"):
        journal.append(F1, "plan", plan=broken)
    with pytest.raises(UsageError, match="nothing was written"):
        journal.append(F1, "job", step="hop1", job_id=12)
    assert not journal.path.exists()
