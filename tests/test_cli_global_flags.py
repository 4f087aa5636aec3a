"""Global flags work before or after the subcommand, in a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests import forked_cli

RECOVERY_POINT = "arn:aws:backup:eu-north-1:111122223333:recovery-point:abc"
VAULT = "arn:aws:backup:eu-central-1:444455556666:backup-vault:prod-vault"


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_REGION": "eu-central-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE"}
    env["AWS_SECRET_ACCESS_KEY"] = "example"
    env.pop("AWS_PROFILE", None)
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", *argv],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


@pytest.mark.parametrize(
    "argv",
    [
        ("--read-only", "copy", "--recovery-point", RECOVERY_POINT, "--to", VAULT, "--yes"),
        ("copy", "--recovery-point", RECOVERY_POINT, "--to", VAULT, "--yes", "--read-only"),
    ],
    ids=["before", "after"],
)
def test_read_only_is_honoured_wherever_it_is_given(argv: tuple[str, ...]) -> None:
    result = run(*argv)
    assert result.returncode == 2
    assert "read-only" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_flag_before_the_subcommand_is_not_reset_by_it() -> None:
    result = run("--profile", "no-such-profile", "ls", "accounts", "--json")
    assert result.returncode in (2, 3)
    assert "no-such-profile" in result.stderr


def test_unknown_flag_is_one_line_exit_2() -> None:
    result = run("ls", "accounts", "--no-such-flag")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "--no-such-flag" in result.stderr
