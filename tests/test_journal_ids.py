"""Ids read from a journal or typed on the command line never become paths (the real CLI).

A flow id or a drill run id names a lock file: a journal record whose id is not of the form
drconsole writes (`../../victim/y`, control characters) is a damaged line, named and skipped;
an id typed on the command line is refused in one line (exit 2). `--read-only jobs` writes
nothing at all: no lock file, no folder, no chmod.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests import forked_cli
from tests.bad_input import base_env
from tests.flow_plans import sample_plan

GOOD_FLOW = "0123456789ab"
GOOD_RUN = "20261201T000000Z-abcdef"


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", *args],
        env=base_env(home),
        capture_output=True,
        text=True,
        timeout=60,
    )


def line(flow: str, kind: str, **fields: object) -> str:
    return json.dumps({"time": "2026-12-01T00:00:00+00:00", "flow": flow, "type": kind, **fields})


def tree(root: Path) -> dict[str, int]:
    """Every entry under `root` (the root too) with its mode: what a run must not change."""
    entries = {str(root): root.stat().st_mode}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            entries[str(path)] = path.lstat().st_mode
    return entries


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, Path]:
    """A home whose journal holds a real flow and flows whose ids are paths; the victim folder
    (mode 0755, outside the state dir) those ids point into."""
    home = tmp_path / "home"
    state = home / "state" / "drconsole"
    state.mkdir(parents=True)
    state.chmod(0o755)  # wider than drconsole makes it: a read-only run must not tighten it
    victim = tmp_path / "victim"
    victim.mkdir()
    victim.chmod(0o755)
    escape = "../" * (len(state.parts) + 2)
    plan = sample_plan()
    lines = [
        line(GOOD_FLOW, "plan", plan=plan),
        line(f"{escape}{victim}/y", "plan", plan=plan),
        line(f"{escape}{victim}/nested/z", "plan", plan=plan),
        line("bad\x1b[31mid", "plan", plan=plan),
    ]
    (state / "journal.jsonl").write_text("\n".join(lines) + "\n")
    return home, victim


@pytest.mark.parametrize("extra", [(), ("--all",), ("--json",)])
def test_read_only_jobs_writes_nothing_and_names_each_path_id_as_damaged(
    hostile: tuple[Path, Path], extra: tuple[str, ...]
) -> None:
    home, victim = hostile
    before_state, before_victim = tree(home / "state"), tree(victim)
    listed = run(home, "--read-only", "jobs", *extra)
    assert listed.returncode == 0, listed.stderr
    assert "Traceback" not in listed.stderr
    assert tree(victim) == before_victim and list(victim.iterdir()) == []
    assert tree(home / "state") == before_state  # no lock file, no folder, no chmod
    assert stat.S_IMODE(victim.stat().st_mode) == 0o755
    damaged = [x for x in listed.stderr.splitlines() if "flow id is not 12 hex digits" in x]
    assert [x.split("journal.jsonl:")[1].split(":")[0] for x in damaged] == ["2", "3", "4"]
    assert all("\x1b" not in x for x in listed.stderr.splitlines())
    if "--json" in extra:
        assert [f["flow"] for f in json.loads(listed.stdout)["flows"]] == [GOOD_FLOW]
    else:
        assert GOOD_FLOW in listed.stdout and str(victim) not in listed.stdout


def test_a_listing_without_read_only_takes_no_lock_either(hostile: tuple[Path, Path]) -> None:
    """Whether a process drives a flow is asked without making its lock file."""
    home, victim = hostile
    before = tree(home / "state")
    listed = run(home, "jobs", "--json")
    assert listed.returncode == 0, listed.stderr
    assert tree(home / "state") == before and list(victim.iterdir()) == []


def test_jobs_resume_never_makes_a_lock_from_a_damaged_id(hostile: tuple[Path, Path]) -> None:
    home, victim = hostile
    resumed = run(home, "jobs", "--resume", "--json")
    assert "Traceback" not in resumed.stderr, resumed.stderr
    assert list(victim.iterdir()) == [] and stat.S_IMODE(victim.stat().st_mode) == 0o755
    locks = home / "state" / "drconsole" / "flow-locks"
    assert sorted(p.name for p in locks.iterdir()) == [f"{GOOD_FLOW}.lock"]


@pytest.mark.parametrize(
    "argv",
    [
        ("jobs", "--flow", "../../victim/y"),
        ("jobs", "--resume", "--flow", "../../victim/y"),
        ("--read-only", "jobs", "--flow", "ABCDEF012345"),
        ("jobs", "--abandon", "x\x1b[2Jy"),
        ("drill", "cleanup", "../../victim/run"),
        ("drill", "cleanup", "20261201T000000Z-abcdef/../../x"),
        ("drill", "resume", "../victim/run"),
    ],
    ids=lambda argv: " ".join(argv)[:40],
)
def test_an_id_on_the_command_line_is_checked_first(
    hostile: tuple[Path, Path], argv: tuple[str, ...]
) -> None:
    home, victim = hostile
    before = tree(home / "state")
    refused = run(home, *argv)
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.count("\n") == 1 and "not a" in refused.stderr, refused.stderr
    assert "\x1b" not in refused.stderr
    assert tree(home / "state") == before and list(victim.iterdir()) == []


def test_drill_records_whose_ids_are_paths_are_damaged(tmp_path: Path) -> None:
    """`drill history` (and so `drill cleanup`, resume, readiness) skips a drill whose run id,
    target flow id or runbook name is a path, naming each line."""
    home = tmp_path / "home"
    drills = home / "state" / "drconsole" / "drills"
    drills.mkdir(parents=True)
    victim = tmp_path / "victim4"
    victim.mkdir()
    escape = "../" * (len(drills.parts) + 2)
    started = {"runbook": "payments", "started": "2026-12-01T00:00:00+00:00"}
    lines = [
        line(GOOD_RUN, "drill-start", **started),
        line(f"{escape}{victim}/run", "drill-start", **started),
        line(GOOD_RUN, "target-flow", target="t", flow_ref=f"{escape}{victim}/f"),
        line("20261201T000001Z-abcdef", "drill-start", runbook="../../x", started="2026"),
    ]
    (drills / "journal.jsonl").write_text("\n".join(lines) + "\n")
    listed = run(home, "drill", "history", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [r["run_id"] for r in json.loads(listed.stdout)["runs"]] == [GOOD_RUN]
    warned = [x for x in listed.stderr.splitlines() if "drills/journal.jsonl:" in x]
    assert len(warned) == 3, listed.stderr
    assert "run id is not" in warned[0] and "flow id is not" in warned[1]
    assert "runbook" in warned[2]
    assert list(victim.iterdir()) == []
