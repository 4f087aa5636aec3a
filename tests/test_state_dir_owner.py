"""A state dir, or an entry in it, that belongs to another user is refused; a link in the
journal's place never has its target's mode changed.

In a shared XDG_STATE_HOME (a /tmp path on a CI runner, a shared NFS home) another user could
make `drconsole/` first and put a link in the journal's place: the journal was written through
it, the target chmod-ed 0600, and that user, owning the folder, could replace the journal a
`jobs --resume` then sends from. The real command line as a process (nothing reaches AWS: the
state dir is refused first), and the journal as flows write it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from drconsole.flows.journal import Journal
from tests.bad_input import Case, assert_one_line_usage_error, run_process
from tests.flow_plans import sample_plan

RP = "arn:aws:backup:eu-central-1:111122223333:recovery-point:1b2c3d4e-aaaa-bbbb-cccc-0123456789ab"
OTHER_USER = 65534  # nobody
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder away needs root")


def victim(tmp_path: Path) -> Path:
    target = tmp_path / "precious.txt"
    target.write_text("precious\n")
    target.chmod(0o644)
    return target


@as_root
@pytest.mark.parametrize("command", [("restore", "--recovery-point", RP, "--yes"), ("jobs",)])
def test_a_state_dir_of_another_user_is_refused(command: tuple[str, ...], tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    theirs = shared / "drconsole"
    theirs.mkdir()
    theirs.chmod(0o777)
    target = victim(tmp_path)
    (theirs / "journal.jsonl").symlink_to(target)
    os.lchown(theirs / "journal.jsonl", OTHER_USER, OTHER_USER)
    os.chown(theirs, OTHER_USER, OTHER_USER)
    case = Case(command, env={"XDG_STATE_HOME": str(shared)})
    outcome = run_process(case, tmp_path)
    assert_one_line_usage_error(outcome, case)
    assert f"folder {theirs} belongs to another user (uid {OTHER_USER})" in outcome.stderr
    assert outcome.stderr.startswith(f"drconsole: XDG_STATE_HOME={shared}: ")
    assert target.read_text() == "precious\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert stat.S_IMODE(theirs.stat().st_mode) == 0o777  # not ours to tighten either


@as_root
def test_an_entry_of_another_user_in_ones_own_state_dir_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state" / "drconsole"
    state.mkdir(parents=True, mode=0o700)
    (state / "audit.log").write_text("")
    os.chown(state / "audit.log", OTHER_USER, OTHER_USER)
    case = Case(("restore", "--recovery-point", RP, "--yes"))
    outcome = run_process(case, tmp_path)
    assert_one_line_usage_error(outcome, case)
    assert f"audit log {state / 'audit.log'} belongs to another user" in outcome.stderr
    assert not (state / "journal.jsonl").exists()


def test_a_link_in_the_journals_place_keeps_its_targets_mode(tmp_path: Path) -> None:
    state = tmp_path / "drconsole"
    state.mkdir(mode=0o700)
    target = victim(tmp_path)
    (state / "journal.jsonl").symlink_to(target)  # the owner's own link: followed
    Journal(state).append("0000000000a1", "plan", plan=sample_plan())
    assert target.read_text().startswith("precious\n") and '"plan"' in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
