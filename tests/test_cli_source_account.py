"""`--source-account` that contradicts the recovery point ARN's own account: one line naming
both accounts, exit 2, nothing written, for every command that takes it (it was ignored)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bad_input import Case, assert_one_line_usage_error, run_process, state_files

ARN_ACCOUNT, FLAG_ACCOUNT = "336580474362", "685298589574"
RP = (
    f"arn:aws:backup:eu-central-1:{ARN_ACCOUNT}:recovery-point:1b2c3d4e-aaaa-bbbb-cccc-0123456789ab"
)
VAULT = f"arn:aws:backup:eu-north-1:{FLAG_ACCOUNT}:backup-vault:dr-eu-north-1"
EBS = "arn:aws:ec2:eu-central-1::snapshot/snap-0123456789abcdef0"  # names no account


@pytest.mark.parametrize(
    "argv",
    [
        ("check", "copy", "--recovery-point", RP, "--to", VAULT),
        ("check", "restore", "--recovery-point", RP),
        ("copy", "--recovery-point", RP, "--to", VAULT, "--yes"),
        ("restore", "--recovery-point", RP, "--yes"),
    ],
    ids=["check copy", "check restore", "copy", "restore"],
)
def test_a_conflicting_source_account_is_one_line_naming_both(
    argv: tuple[str, ...], tmp_path: Path
) -> None:
    case = Case((*argv, "--source-account", FLAG_ACCOUNT))
    outcome = run_process(case, tmp_path)
    assert_one_line_usage_error(outcome, case)
    assert FLAG_ACCOUNT in outcome.stderr and ARN_ACCOUNT in outcome.stderr, outcome.stderr
    assert "--source-account" in outcome.stderr
    assert state_files(tmp_path) == {}


def test_the_same_account_or_an_arn_without_one_is_not_refused(tmp_path: Path) -> None:
    # Both get past the flags: they end at the dead endpoint (NETWORK, exit 3), not exit 2.
    for rp, account in ((RP, ARN_ACCOUNT), (EBS, FLAG_ACCOUNT)):
        case = Case(("check", "restore", "--recovery-point", rp, "--source-account", account))
        outcome = run_process(case, tmp_path)
        assert outcome.code == 3, outcome.stderr
