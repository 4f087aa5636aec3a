"""An empty flag value (`--profile "$PROD_PROFILE"` with the variable unset) is refused in one
line naming the flag, as `--region ""` and `AWS_PROFILE=` are: it was ignored, and the command
went on with the default profile, config file or filter."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bad_input import Case, assert_one_line_usage_error, run_in_process, state_files

EMPTY = [
    ("--profile", "", "ls", "vaults"),
    ("--config", "", "ls", "vaults"),
    ("--runbooks", " ", "ls", "vaults"),
    ("ls", "jobs", "--state", ""),
    ("ls", "recovery-points", "--vault", ""),
    ("ls", "recovery-points", "--since", ""),
    ("--profile=", "ls", "vaults"),
]


@pytest.mark.parametrize("argv", EMPTY, ids=" ".join)
def test_an_empty_flag_is_refused_naming_it(tmp_path: Path, argv: tuple[str, ...]) -> None:
    case = Case(argv)
    outcome = run_in_process(case, tmp_path)
    assert_one_line_usage_error(outcome, case)
    flag = next(arg for arg in argv if arg.startswith("--")).rstrip("=")
    assert f"argument {flag}" in outcome.stderr and "empty" in outcome.stderr, outcome.stderr
    assert state_files(tmp_path) == {}
