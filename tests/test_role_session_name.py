"""The RoleSessionName drconsole assumes member roles with is ASCII whatever the local login
name (STS refuses `drconsole-josé` with a ValidationError, as the sandbox now does): a person
named josé, Ölaf or 用户 reaches every member account."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from tests import forked_cli
from tests.test_cli_copy import EU, TIMEOUT, SandboxProcess, sandbox_process


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxProcess]:
    yield from sandbox_process()


def test_the_sandbox_refuses_a_session_name_sts_refuses(sandbox: SandboxProcess) -> None:
    sts = boto3.client("sts", region_name=EU, endpoint_url=sandbox.info["endpoint_url"], **(
        sandbox.info["credentials"]
    ))  # fmt: skip
    role = f"arn:aws:iam::{sandbox.accounts['prod']}:role/OrganizationAccountAccessRole"
    for name in ("drconsole-josé", "drconsole-用户", "a b"):
        with pytest.raises(ClientError) as refused:
            sts.assume_role(RoleArn=role, RoleSessionName=name)
        assert refused.value.response["Error"]["Code"] == "ValidationError"
    assert sts.assume_role(RoleArn=role, RoleSessionName="drconsole-jos-")["Credentials"]


@pytest.mark.parametrize("login", ["josé", "Ölaf", "用户"])
def test_a_non_ascii_login_name_reaches_member_accounts(
    sandbox: SandboxProcess, tmp_path: Path, login: str
) -> None:
    env = sandbox.env(tmp_path) | {"LOGNAME": login, "USER": login}
    done = forked_cli.run(
        [sys.executable, "-m", "drconsole", "ls", "vaults", "--account", "prod", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stdout[-400:] + done.stderr
    document = json.loads(done.stdout)
    assert document["errors"] == [], document["errors"]
    assert any(item["arn"].endswith(":prod-vault") for item in document["items"]), document
