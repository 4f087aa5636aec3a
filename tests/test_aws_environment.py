"""AWS_ variables botocore reads loosely are refused in one line, exit 2, before any call: an
unknown retry mode, a boolean it would take as false (`AWS_USE_FIPS_ENDPOINT=ture` sent the
calls to the non-FIPS endpoints without a word), an AWS file that is a folder (read as empty:
every profile gone). The real command line in process."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bad_input import Case, assert_one_line_usage_error, run_in_process

REFUSED = [
    ({"AWS_RETRY_MODE": "bogus"}, "AWS_RETRY_MODE 'bogus': expected one of legacy"),
    ({"AWS_USE_FIPS_ENDPOINT": "ture"}, "AWS_USE_FIPS_ENDPOINT 'ture': expected true or false"),
    ({"AWS_USE_DUALSTACK_ENDPOINT": "1"}, "AWS_USE_DUALSTACK_ENDPOINT '1': expected true"),
    ({"AWS_CONFIG_FILE": "{home}"}, "AWS_CONFIG_FILE: "),
    ({"AWS_SHARED_CREDENTIALS_FILE": "{home}"}, "is a folder, not a file"),
]


@pytest.mark.parametrize(("env", "said"), REFUSED)
def test_a_loosely_read_aws_variable_is_one_line_and_exit_2(
    env: dict[str, str], said: str, tmp_path: Path
) -> None:
    case = Case(("ls", "vaults"), env=dict(env))
    outcome = run_in_process(case, tmp_path)
    assert_one_line_usage_error(outcome, case)
    assert said in outcome.stderr, outcome.stderr


@pytest.mark.parametrize(
    "env",
    [
        {"AWS_RETRY_MODE": "adaptive"},
        {"AWS_USE_FIPS_ENDPOINT": "TRUE"},
        {"AWS_USE_FIPS_ENDPOINT": "false"},
    ],
)
def test_the_values_botocore_knows_are_taken(env: dict[str, str], tmp_path: Path) -> None:
    outcome = run_in_process(Case(("ls", "vaults"), env=dict(env)), tmp_path)
    assert outcome.code != 2, outcome.stderr  # on to AWS (here a dead endpoint: exit 3)
