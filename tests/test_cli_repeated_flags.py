"""A one-value flag given twice with different values is refused, not silently the last; a
global `--region` before the subcommand and another after it are both scanned.

The real command line as processes: against the embedded sandbox for what is scanned, and
against a dead endpoint for the refusals (nothing is read: the line comes first).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.server import SandboxOptions
from tests.bad_input import Case, assert_one_line_usage_error, run_process
from tests.cli_box import EU, NORTH, Box

RP = "arn:aws:backup:eu-central-1:111122223333:recovery-point:1b2c3d4e-aaaa-bbbb-cccc-0123456789ab"
VAULT = "arn:aws:backup:eu-north-1:444455556666:backup-vault:dr-vault"
OTHER_VAULT = "arn:aws:backup:eu-north-1:444455556666:backup-vault:other-vault"


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0))
    try:
        yield Box(sandbox, info)
    finally:
        sandbox.stop()


def test_a_region_before_and_after_the_subcommand_are_both_scanned(
    box: Box, tmp_path: Path
) -> None:
    done = box.cli(tmp_path, "--region", EU, "ls", "vaults", "--region", NORTH, "--json")
    assert done.returncode == 0, done.stderr
    scope = json.loads(done.stdout)["scope"]
    assert scope["regions"] == [EU, NORTH] and scope["regions_from"] == "--region"
    regions = {vault["region"] for vault in json.loads(done.stdout)["items"]}
    assert regions == {EU, NORTH}


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ("copy", "--recovery-point", RP, "--to", VAULT, "--to", OTHER_VAULT, "--yes"),
            f"drconsole copy: error: --to given twice ('{VAULT}' then '{OTHER_VAULT}')",
        ),
        (
            ("check", "restore", "--recovery-point", RP, f"--recovery-point={RP}x"),
            "drconsole check restore: error: --recovery-point given twice",
        ),
        (
            ("--profile", "prod", "ls", "vaults", "--profile", "dev"),
            "drconsole: error: --profile given twice ('prod' then 'dev'): give it once",
        ),
        (
            ("ls", "vaults", "--role-name", "A", "--role-name", "B"),
            "drconsole ls: error: --role-name given twice ('A' then 'B')",
        ),
    ],
    ids=["to", "recovery-point", "profile-before-and-after", "role-name"],
)
def test_a_one_value_flag_given_twice_is_refused(
    argv: tuple[str, ...], line: str, tmp_path: Path
) -> None:
    case = Case(argv)
    outcome = run_process(case, tmp_path)
    assert_one_line_usage_error(outcome, case)
    assert outcome.stderr.startswith(line), outcome.stderr
    assert not (tmp_path / "state").exists()  # nothing journaled, nothing started


def test_the_same_value_twice_is_taken(box: Box, tmp_path: Path) -> None:
    done = box.cli(tmp_path, "--region", EU, "ls", "vaults", "--region", EU, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["scope"]["regions"] == [EU]
