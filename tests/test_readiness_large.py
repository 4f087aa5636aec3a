"""Readiness of a small `large` scenario: its calls are the benchmark's formula, to the call."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

from drconsole.aws.inventory import Inventory
from drconsole.aws.session import AwsSessions
from drconsole.config import Credentials, Settings
from drconsole.readiness import Verdict, evaluate_readiness
from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.server import SandboxOptions

BENCH = Path(__file__).resolve().parent.parent / "bench" / "readiness_bench.py"


def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("readiness_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_calls_follow_the_formula(tmp_path: Path) -> None:
    # 5 accounts (3 workload), 2 Regions, 2 vaults each holding every resource type.
    sandbox, info = start_sandbox(
        "large", SandboxOptions(), accounts=5, recovery_points=3400, dr_copies=True
    )
    try:

        def sessions() -> AwsSessions:
            return AwsSessions(
                Settings(
                    regions=(info.region, info.dr_region),
                    endpoint_url=sandbox.endpoint_url,
                    static_credentials=Credentials.from_mapping(
                        sandbox.credentials_for(info.accounts["management"])
                    ),
                    read_only=True,
                    state_dir=tmp_path,
                )
            )

        log = sandbox.request_log
        mark = log.mark()
        Inventory(sessions(), 16).organization()
        organization_calls = len(log.since(mark))
        mark = log.mark()
        report = evaluate_readiness(sessions())
        seen = Counter(request.name for request in log.since(mark))
    finally:
        sandbox.stop()
        sandbox.reset()
    module = bench()
    shape = module.Shape(3, 2, 2, module.TYPES, organization_calls)
    assert sum(seen.values()) == sum(module.predicted_calls(shape).values()) == report.calls
    # Per vault and resource type, never per recovery point (3,400 of them).
    assert seen["backup:DescribeRecoveryPoint"] == 3 * 2 * 7 * (2 + 1)
    assert "backup:ListRecoveryPointsByBackupVault" not in seen
    assert len(report.rows) == 6 and report.ready
    assert all(row.verdict is Verdict.READY and row.protected > 0 for row in report.rows)
