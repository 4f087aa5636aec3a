"""`drconsole demo` in read-only mode writes no journal: replacing the sandbox (`--fresh`), or
starting a new one after it died, would mark the old sandbox's unfinished flows failed, so it is
refused with one line (exit 2) and nothing is stopped, started or written. Without read-only,
the orphans are abandoned each under its flow lock: one a live process drives is left to it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from drconsole.commands._demo_flows import abandon_orphans
from drconsole.flows.journal import FlowLock, Journal
from tests import forked_cli
from tests.bad_input import base_env
from tests.test_demo_stop import write_record
from tests.tui.test_read_only import unfinished_flow


def demo(env: dict[str, str], *flags: str) -> subprocess.CompletedProcess[str]:
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", *flags],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def dead_pid() -> int:
    """The pid of a process that has exited (the demo sandbox died)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_read_only_demo_does_not_abandon_the_flows_of_a_sandbox_that_is_gone(
    tmp_path: Path,
) -> None:
    env = base_env(tmp_path)
    state = tmp_path / "state" / "drconsole" / "demo"
    unfinished_flow(state)
    write_record(tmp_path / "state", dead_pid(), None)
    before = snapshot(state)
    for flags in (["--read-only", "demo", "--fresh"], ["demo", "--read-only"]):
        refused = demo(env, *flags)
        assert refused.returncode == 2, (flags, refused.stdout, refused.stderr)
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 1 and "read-only mode is on" in lines[0], refused.stderr
        assert "marks" in lines[0] or "mark" in lines[0], lines[0]
        assert "Traceback" not in refused.stderr
        assert snapshot(state) == before, flags  # journal, record: nothing written or removed
    # The settings decide, as for `jobs --abandon`: the config's read_only too.
    (tmp_path / "config" / "drconsole").mkdir(parents=True)
    (tmp_path / "config" / "drconsole" / "config.toml").write_text("read_only = true\n")
    refused = demo(env, "demo", "--fresh")
    assert refused.returncode == 2 and "read-only mode is on" in refused.stderr, refused.stderr
    assert snapshot(state) == before


def test_orphans_are_abandoned_each_under_its_lock(tmp_path: Path) -> None:
    """A flow another process drives (its lock held) is not marked failed under it."""
    driven, orphan = (
        unfinished_flow(tmp_path, "00000000ad01"),
        unfinished_flow(tmp_path, "00000000ad02"),
    )
    lock = FlowLock(tmp_path, driven)
    assert lock.acquire()
    try:
        assert abandon_orphans(tmp_path) == [orphan]
    finally:
        lock.release()
    journal = Journal(tmp_path)
    assert [f.flow_id for f in journal.unfinished()] == [driven]
    state = journal.flow(orphan)
    assert state is not None and state.status == "failed"
