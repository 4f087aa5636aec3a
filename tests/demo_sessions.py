"""A demo sandbox whose jobs run fast, and AwsSessions on it as its management account."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from drconsole.aws.session import AwsSessions
from drconsole.config import Credentials, Settings
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions


def demo_sessions(sandbox: Sandbox, info: ScenarioInfo, state_dir: Path) -> AwsSessions:
    """Sessions of the management account on `sandbox`, with a state dir of their own."""
    return AwsSessions(
        Settings(
            regions=(info.region, info.dr_region),
            dr_regions=(info.dr_region,),
            endpoint_url=sandbox.endpoint_url,
            static_credentials=Credentials.from_mapping(
                sandbox.credentials_for(info.accounts["management"])
            ),
            management_account_id=info.accounts["management"],
            state_dir=state_dir,
            retry_max_attempts=2,
        )
    )


def fast_demo() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    """The demo scenario, its jobs at 20,000 times speed, for a module (a fixture's body)."""
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    try:
        yield sandbox, info
    finally:
        sandbox.stop()
        sandbox.reset()
