"""The state dir, flow locks and demo folder are 0700; the journal, audit log, locks and the demo
sandbox's record and log are 0600, also when an older version left them wider; a new journal's
directory entry is fsynced."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from drconsole.aws.audit import AuditLog
from drconsole.commands._demo_liveness import process_identity
from drconsole.commands._demo_process import SandboxRecord
from drconsole.flows.journal import FlowLock, Journal
from tests.flow_plans import sample_plan


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def audit(state: Path) -> None:
    AuditLog(state).intent(
        caller_arn="arn:aws:iam::123456789012:root",
        account_id="123456789012",
        region="eu-central-1",
        operation="backup:StartCopyJob",
        parameters={},
    )


def test_a_fresh_state_dir_is_private(tmp_path: Path) -> None:
    state = tmp_path / "xdg" / "drconsole"
    Journal(state).append("0000000000a1", "plan", plan=sample_plan())
    audit(state)
    lock = FlowLock(state, "0000000000a1")
    assert lock.acquire()
    lock.release()
    demo = state / "demo"
    SandboxRecord("http://127.0.0.1:1", os.getpid(), "demo", "eu-central-1", "eu-north-1",
                  {}, {}, {}, process_identity(os.getpid()) or "").write(demo)  # fmt: skip
    for directory in (tmp_path / "xdg", state, state / "flow-locks", demo):
        assert mode(directory) == 0o700, directory
    for file in (
        state / "journal.jsonl",
        state / "audit.log",
        state / "flow-locks" / "0000000000a1.lock",
        demo / "sandbox.json",
    ):
        assert mode(file) == 0o600, file


def test_files_an_older_version_left_readable_are_tightened(tmp_path: Path) -> None:
    state = tmp_path / "drconsole"
    (state / "flow-locks").mkdir(parents=True, mode=0o755)
    state.chmod(0o755)
    (state / "flow-locks").chmod(0o755)
    for name in ("journal.jsonl", "audit.log"):
        (state / name).write_text("")
        (state / name).chmod(0o644)
    Journal(state).append("0000000000a2", "plan", plan=sample_plan())
    audit(state)
    FlowLock(state, "0000000000a2").acquire()
    assert (mode(state), mode(state / "flow-locks")) == (0o700, 0o700)
    assert (mode(state / "journal.jsonl"), mode(state / "audit.log")) == (0o600, 0o600)
    assert len(Journal(state).flows()) == 1


def test_a_new_journal_is_made_durable_in_its_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: Any) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    if not Path("/proc/self/fd").exists():
        pytest.skip("needs /proc to name the synced file")
    monkeypatch.setattr(os, "fsync", fsync)
    state = tmp_path / "state"
    Journal(state).append("0000000000a3", "plan", plan=sample_plan())
    assert str(state) in synced, "the new journal's directory was not fsynced"
    assert str(tmp_path) in synced, "the new state dir's parent was not fsynced"
    assert str(state / "journal.jsonl") in synced
    synced.clear()
    Journal(state).append("0000000000a3", "done", result={})
    assert synced == [str(state / "journal.jsonl")], "later records sync the file only"
