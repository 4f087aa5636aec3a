"""A wrong clock on this machine: AWS refuses the signature's time, and drconsole says so.

The sandbox refuses a request signed more than 5 minutes away from its clock as AWS does
(`clock_skew_seconds`: how far AWS's clock is ahead). The CLI must name CLOCK_SKEW with the
measured offset and the fix (sync the clock), not send the operator to refresh credentials.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from drconsole.diagnose import diagnose
from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.server import SandboxOptions
from tests.cli_box import Box

EXPIRED = (
    "An error occurred (InvalidSignatureException) when calling the ListBackupVaults operation: "
    "Signature expired: 20261205T120000Z is now earlier than 20261205T121000Z "
    "(20261205T121500Z - 5 min.)"
)
NOT_YET = (
    "An error occurred (SignatureDoesNotMatch) when calling the GetCallerIdentity operation: "
    "Signature not yet current: 20261205T123000Z is still later than 20261205T121500Z "
    "(20261205T121000Z + 5 min.)"
)
S3_SKEW = (
    "An error occurred (RequestTimeTooSkewed) when calling the ListObjectsV2 operation: The "
    "difference between the request time and the current time is too large."
)
WRONG_SECRET = (
    "An error occurred (SignatureDoesNotMatch) when calling the GetCallerIdentity operation: "
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method."
)


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    sandbox, info = start_sandbox("demo", SandboxOptions())
    try:
        yield Box(sandbox, info)
    finally:
        sandbox.stop()


@pytest.fixture(autouse=True)
def clock_back_in_step(box: Box) -> Iterator[None]:
    yield
    box.sandbox.options.clock_skew_seconds = 0.0


def test_a_clock_15_minutes_behind_is_named_with_its_fix(box: Box, tmp_path: Path) -> None:
    box.sandbox.options.clock_skew_seconds = 900
    result = box.cli(tmp_path, "ls", "vaults")
    assert result.returncode == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].endswith("[CLOCK_SKEW]")
    assert "this machine's clock is 15 min behind AWS's" in lines[0]
    assert "timedatectl set-ntp true" in lines[0]
    assert "expired or invalid" not in lines[0]  # not blamed on the credentials
    assert "Traceback" not in result.stderr


def test_a_clock_ahead_of_aws_is_named_too(box: Box, tmp_path: Path) -> None:
    box.sandbox.options.clock_skew_seconds = -1200
    result = box.cli(tmp_path, "ls", "recovery-points", "--account", "prod", "--json")
    assert result.returncode == 3
    assert "this machine's clock is 20 min ahead of AWS's" in result.stderr
    assert result.stderr.strip().endswith("[CLOCK_SKEW]")


def test_a_clock_within_aws_tolerance_works(box: Box, tmp_path: Path) -> None:
    box.sandbox.options.clock_skew_seconds = 200
    result = box.cli(tmp_path, "ls", "vaults", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["items"]


@pytest.mark.parametrize(
    ("message", "offset"),
    [
        (EXPIRED, "15 min behind"),
        (NOT_YET, "20 min ahead of"),
        (S3_SKEW, "too far from"),
        ("Request has expired.", "too far from"),  # EC2's RequestExpired, pasted alone
    ],
)
def test_explain_names_the_clock(message: str, offset: str) -> None:
    diagnosis = diagnose(message)
    assert diagnosis.cause.value == "CLOCK_SKEW"
    assert offset in diagnosis.explanation
    assert "timedatectl set-ntp true" in diagnosis.remediation


def test_a_wrong_secret_key_is_still_the_credentials() -> None:
    assert diagnose(WRONG_SECRET).cause.value == "CREDENTIALS_EXPIRED"
    expired_token = (
        "An error occurred (ExpiredTokenException) when calling the ListBackupVaults "
        "operation: The security token included in the request is expired"
    )
    assert diagnose(expired_token).cause.value == "CREDENTIALS_EXPIRED"


def test_the_sandbox_allows_s3_and_ec2_fifteen_minutes_and_the_others_five(box: Box) -> None:
    from botocore.exceptions import ClientError

    prod = box.accounts["prod"]
    box.sandbox.options.clock_skew_seconds = 600
    assert "Buckets" in box.sandbox.client("s3", prod).list_buckets()
    box.sandbox.client("ec2", prod).describe_volumes()
    with pytest.raises(ClientError, match=r"InvalidSignatureException.*Signature expired"):
        box.backup("prod").list_backup_vaults()
    box.sandbox.options.clock_skew_seconds = 1200
    with pytest.raises(ClientError, match="RequestTimeTooSkewed"):
        box.sandbox.client("s3", prod).list_buckets()
    with pytest.raises(ClientError, match="RequestExpired"):
        box.sandbox.client("ec2", prod).describe_volumes()
