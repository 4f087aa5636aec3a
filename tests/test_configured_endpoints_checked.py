"""Every endpoint botocore would use is checked as drconsole's own are, and named.

`AWS_ENDPOINT_URL_<SERVICE>`, the AWS profile's `endpoint_url` and its `services` section reach
botocore, which fails on a malformed one at the first request naming nothing ("a defect of
drconsole: ValueError: Port out of range"). Each must be one line naming where it was set, exit
2, with a password in it masked. The real command line, in process, against a dead endpoint.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bad_input import Case, assert_one_line_usage_error, run_in_process

RP = "arn:aws:backup:eu-central-1:111122223333:recovery-point:1b2c3d4e-aaaa-bbbb-cccc-0123456789ab"


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:99999", "the port is outside 0-65535"),
        ("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:abc", "the port is not a number"),
        ("AWS_ENDPOINT_URL_BACKUP", "ftp://127.0.0.1", "expected http:// or https://"),
    ],
)
def test_a_service_endpoint_variable_is_named(
    variable: str, value: str, problem: str, tmp_path: Path
) -> None:
    # `check restore` reads the caller identity first: the Backup one is refused before that.
    bad = Case(("check", "restore", "--recovery-point", RP), env={variable: value})
    outcome = run_in_process(bad, tmp_path)
    assert_one_line_usage_error(outcome, bad)
    assert outcome.stderr.startswith(f"drconsole: {variable}: "), outcome.stderr
    assert problem in outcome.stderr


def test_the_aws_profiles_endpoint_url_is_named_without_its_password(tmp_path: Path) -> None:
    aws_config = (
        b"[default]\nregion = eu-central-1\nendpoint_url = http://ops:S3c#r3tQ@127.0.0.1:9\n"
    )
    bad = Case(("ls", "vaults"), env={"AWS_ENDPOINT_URL": None}, files={"aws-config": aws_config})
    outcome = run_in_process(bad, tmp_path)
    assert_one_line_usage_error(outcome, bad)
    assert "endpoint_url of profile 'default' in the AWS config file" in outcome.stderr
    assert "S3c" not in outcome.stderr and "r3tQ" not in outcome.stderr, outcome.stderr


def test_a_services_section_endpoint_is_named(tmp_path: Path) -> None:
    aws_config = (
        b"[profile ops]\nregion = eu-central-1\nservices = local\n"
        b"[services local]\nsts =\n  endpoint_url = http://127.0.0.1:0\n"
    )
    bad = Case(
        ("--profile", "ops", "ls", "vaults"),
        env={"AWS_ENDPOINT_URL": None},
        files={"aws-config": aws_config},
    )
    outcome = run_in_process(bad, tmp_path)
    assert_one_line_usage_error(outcome, bad)
    assert "endpoint_url for sts in the services section 'local'" in outcome.stderr
    assert "profile 'ops'" in outcome.stderr
