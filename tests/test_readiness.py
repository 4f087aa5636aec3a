"""Readiness of the demo organization: the five faults, their repairs, UNKNOWN and AT RISK."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from drconsole.aws.session import AwsSessions
from drconsole.config import Credentials, Settings
from drconsole.models import CauseCode
from drconsole.readiness import ReadinessReport, RpoObjectives, Verdict, evaluate_readiness
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions

# The demo backs Non-Prod up every two or three days.
OBJECTIVES = RpoObjectives(timedelta(hours=24), (("Non-Prod", timedelta(hours=72)),))


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    try:
        yield sandbox, info
    finally:
        sandbox.stop()
        sandbox.reset()


def sessions_for(demo: tuple[Sandbox, ScenarioInfo], state: Path) -> AwsSessions:
    sandbox, info = demo
    return AwsSessions(
        Settings(
            regions=(info.region, info.dr_region),
            endpoint_url=sandbox.endpoint_url,
            static_credentials=Credentials.from_mapping(
                sandbox.credentials_for(info.accounts["management"])
            ),
            management_account_id=info.accounts["management"],
            state_dir=state,
            retry_max_attempts=2,
        )
    )


def evaluate(demo: tuple[Sandbox, ScenarioInfo], state: Path) -> ReadinessReport:
    return evaluate_readiness(sessions_for(demo, state), objectives=OBJECTIVES)


def test_each_fault_makes_its_row_not_ready(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    streamed: list[str] = []
    report = evaluate_readiness(
        sessions_for(demo, tmp_path),
        objectives=OBJECTIVES,
        on_row=lambda row: streamed.append(row.account_name),
    )
    rows = {row.account_name: row for row in report.rows}
    assert sorted(streamed) == sorted(rows) == ["dev", "prod", "qa"]
    assert {name: rows[name].verdict for name in rows} == dict.fromkeys(rows, Verdict.NOT_READY)
    assert rows["dev"].causes == (CauseCode.SERVICE_LINKED_ROLE_MISSING,)
    assert rows["prod"].causes == (CauseCode.AWS_MANAGED_RESOURCE_KEY,)
    assert set(rows["qa"].causes) == {
        CauseCode.VAULT_POLICY_DENIES_COPY,
        CauseCode.DEST_VAULT_AWS_MANAGED_KEY,
        CauseCode.SOURCE_KEY_NOT_SHARED,
    }
