"""An UNKNOWN check's remediation fits why its fact could not be read: throttling, a misspelt
Region, a refused AssumeRole, a denied read (the real CLI against the sandbox), and the causes
readiness passes on already classified (network, credentials)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drconsole.checks.common import unknown_check
from drconsole.checks.facts import Unreadable
from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.server import SandboxOptions
from tests.cli_box import EU, NORTH, Box

GRANT = "Grant read access"


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0))
    try:
        yield Box(sandbox, info)
    finally:
        sandbox.stop()


@pytest.fixture(autouse=True)
def no_fault_left(box: Box) -> Iterator[None]:
    yield
    box.sandbox.clear_faults()
    box.sandbox.options.access_denied_accounts = set()


def dest_vault_check(box: Box, state: Path, to: str) -> dict[str, Any]:
    """`check copy --json` of a prod recovery point to `to`: its dest.vault check."""
    rp = box.newest("dr-eu-north-1", NORTH, "EFS")
    done = box.cli(state, "check", "copy", "--recovery-point", rp, "--to", to, "--json")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    (check,) = [c for c in json.loads(done.stdout)["checks"] if c["id"] == "dest.vault"]
    assert check["status"] == "UNKNOWN", check
    return dict(check)


def test_throttling_says_retry_later_or_raise_the_attempts(box: Box, tmp_path: Path) -> None:
    box.sandbox.fail_operation("backup:DescribeBackupVault", "throttle")
    check = dest_vault_check(box, tmp_path, box.vault("backup", "central-eu-central-1"))
    assert check["cause"] == "THROTTLED"
    assert "Retry after a short wait" in check["remediation"]
    assert "AWS_MAX_ATTEMPTS" in check["remediation"] and GRANT not in check["remediation"]


def test_a_misspelt_region_is_named(box: Box, tmp_path: Path) -> None:
    to = f"arn:aws:backup:eu-centrall-1:{box.accounts['backup']}:backup-vault:central"
    check = dest_vault_check(box, tmp_path, to)
    assert "Region eu-centrall-1 is not one AWS has" in check["remediation"]
    assert GRANT not in check["remediation"]


def test_a_refused_assume_role_names_the_role_in_that_account(box: Box, tmp_path: Path) -> None:
    check = dest_vault_check(box, tmp_path, f"arn:aws:backup:{EU}:999999999999:backup-vault:xyz")
    assert check["cause"] == "ROLE_PERMISSIONS"
    remediation = check["remediation"]
    assert "in account 999999999999, create that role" in remediation
    assert "arn:aws:iam::999999999999:role/OrganizationAccountAccessRole" in remediation
    assert GRANT not in remediation


def test_a_denied_read_still_asks_for_read_access(box: Box, tmp_path: Path) -> None:
    box.sandbox.fail_operation("backup:DescribeBackupVault", "denied")
    check = dest_vault_check(box, tmp_path, box.vault("backup", "central-eu-central-1"))
    assert check["cause"] == "ROLE_PERMISSIONS"
    assert check["remediation"].startswith(f"{GRANT} (backup:DescribeBackupVault)")


@pytest.mark.parametrize(
    ("cause", "message", "words"),
    [
        (
            "NETWORK",
            'Could not connect to the endpoint URL: "https://backup.eu-central-1.amazonaws.com/"',
            "AWS_ENDPOINT_URL, then the network path",
        ),
        ("CREDENTIALS_EXPIRED", "The security token included in the request is expired", "Refresh"),
        ("SERVICE_ERROR", "We encountered an internal error", "Retry later"),
    ],
)
def test_causes_classified_before_the_check_keep_their_cause_and_fix(
    cause: str, message: str, words: str
) -> None:
    # readiness passes on the cause of a recovery point it could not read as the fact's code.
    fact = Unreadable("backup:DescribeRecoveryPoint", cause, message)
    check = unknown_check("readiness.recovery-point", "Recovery point readable", fact, "rp")
    assert check.cause == cause
    assert check.remediation is not None
    assert words in check.remediation and GRANT not in check.remediation
