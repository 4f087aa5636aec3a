"""`drconsole ls` in a subprocess with a role that one account does not have: one AssumeRole
into that account per listing (counted at the sandbox), its refusal reported on each Region as
before, the other accounts listed."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests import forked_cli
from tests.policies import trusting

ROLE = "DrReader"  # in every member account but dev


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0))
    trust = json.dumps(trusting(info.accounts["management"]))
    for role, account_id in info.accounts.items():
        if role not in ("management", "dev"):
            iam = sandbox.client("iam", account_id, "us-east-1")
            iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=trust)
    yield sandbox, info
    sandbox.stop()
    sandbox.reset()


@pytest.fixture(scope="module")
def env(demo: tuple[Sandbox, ScenarioInfo], tmp_path_factory: pytest.TempPathFactory) -> Any:
    sandbox, info = demo
    home: Path = tmp_path_factory.mktemp("home")
    creds = sandbox.credentials_for(info.accounts["management"])
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return {
        **clean,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_STATE_HOME": str(home / "state"),
        "AWS_CONFIG_FILE": str(home / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "aws-credentials"),
        "AWS_ENDPOINT_URL": sandbox.endpoint_url,
        "AWS_REGION": info.region,
        "AWS_ACCESS_KEY_ID": creds["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": creds["aws_secret_access_key"],
        "NO_COLOR": "1",
    }


@pytest.mark.parametrize("kind", ["vaults", "recovery-points"])
def test_a_listing_asks_a_refused_role_once(
    env: dict[str, str], demo: tuple[Sandbox, ScenarioInfo], kind: str
) -> None:
    """One AssumeRole into dev (the code before sent three: one before its listings, then one
    for each Region's ListBackupVaults); each Region's error says what AWS said."""
    sandbox, info = demo
    dev, management = info.accounts["dev"], info.accounts["management"]
    regions = [info.region, info.dr_region]
    mark = sandbox.request_log.mark()
    flags = ["--role-name", ROLE, "--region", ",".join(regions)]
    done = forked_cli.run(
        [sys.executable, "-m", "drconsole", *flags, "ls", kind, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    role_arn = f"arn:aws:iam::{dev}:role/{ROLE}"
    asked = [
        seen
        for seen in sandbox.request_log.since(mark)
        if seen.name == "sts:AssumeRole" and seen.role_arn == role_arn
    ]
    assert len(asked) == 1
    document = json.loads(done.stdout)
    message = (
        f"AssumeRole: AccessDenied: User: arn:aws:iam::{management}:root is not authorized to "
        f"perform: sts:AssumeRole on resource: {role_arn}"
    )
    assert sorted(document["errors"], key=lambda e: e["region"]) == [
        {
            "account_id": dev,
            "account_name": "dev",
            "region": region,
            "operation": "AssumeRole",
            "code": "AccessDenied",
            "cause": "ROLE_PERMISSIONS",
            "message": message,
            "remedy": None,
        }
        for region in sorted(regions)
    ]
    assert {item["account_id"] for item in document["items"]} >= {info.accounts["prod"]}
