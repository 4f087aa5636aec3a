"""`drill plan` and `drill run` when AWS cannot be reached or there are no credentials: one line
and exit 3 (as `check` and `ls`), and `drill run` journals nothing, leaving no unfinished drill
in the history."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bad_input import Case, run_in_process, state_files

RUNBOOK = b"""name: unreachable
source: {account: "685298589574", region: eu-north-1}
restore_to: {account: "031979786697", region: eu-central-1, vault: recovery-vault}
targets:
  - name: t1
    resource: {account: "336580474362", type: DynamoDB, name: prod-sessions}
"""
# The dead endpoint of tests/bad_input.py, asked once; or no credentials at all.
NO_AWS = {
    "endpoint unreachable": {"AWS_MAX_ATTEMPTS": "1"},
    "no credentials": {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None},
}


@pytest.mark.parametrize("how", NO_AWS)
@pytest.mark.parametrize("command", [("plan",), ("run", "--yes")], ids=["plan", "run"])
def test_no_aws_is_exit_3_and_nothing_journaled(
    tmp_path: Path, how: str, command: tuple[str, ...]
) -> None:
    case = Case(
        ("drill", command[0], "{home}/r.yaml", *command[1:]),
        env=NO_AWS[how],
        files={"r.yaml": RUNBOOK},
    )
    outcome = run_in_process(case, tmp_path)
    assert outcome.code == 3, outcome
    assert len(outcome.stderr.splitlines()) == 1, outcome.stderr
    assert "[NETWORK]" in outcome.stderr or "[CREDENTIALS_EXPIRED]" in outcome.stderr
    assert state_files(tmp_path) == {}
    history = run_in_process(Case(("drill", "history", "--json")), tmp_path)
    assert history.stdout.strip() == '{"runs": []}', history
