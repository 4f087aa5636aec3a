"""AwsSessions on a demo sandbox as its management account (both Regions, DR Region set)."""

from __future__ import annotations

from pathlib import Path

from drconsole.aws.session import AwsSessions
from drconsole.config import Credentials, Settings
from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox


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
