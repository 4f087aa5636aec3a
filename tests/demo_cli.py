"""The environment a `drconsole` subprocess runs in against a demo sandbox: the management
account's credentials, every drconsole and AWS file under one home folder."""

from __future__ import annotations

import os
from pathlib import Path

from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox


def demo_cli_env(sandbox: Sandbox, info: ScenarioInfo, home: Path) -> dict[str, str]:
    """The process environment without the caller's AWS_/XDG_ variables, on `sandbox`."""
    creds = sandbox.credentials_for(info.accounts["management"])
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "XDG_"))}
    env.update(
        AWS_ENDPOINT_URL=sandbox.endpoint_url,
        AWS_ACCESS_KEY_ID=creds["aws_access_key_id"],
        AWS_SECRET_ACCESS_KEY=creds["aws_secret_access_key"],
        AWS_REGION=info.region,
        AWS_CONFIG_FILE=str(home / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "aws-credentials"),
        HOME=str(home),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CONFIG_HOME=str(home / "config"),
        NO_COLOR="1",
        COLUMNS="160",
    )
    return env
