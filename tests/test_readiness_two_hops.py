"""Readiness judges both hops of a two-hop copy back (a database across account AND Region): a
row whose second hop would be blocked is not READY, in `drconsole readiness --json` and on the
console's Readiness screen; a healthy two-hop route stays READY (real CLI and app, demo
sandbox)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from drconsole.readiness.model import CopyCheckRun
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from drconsole.tui.app import DrConsoleApp
from tests import forked_cli
from tests.demo_cli import demo_cli_env
from tests.tui.conftest import sandbox_settings
from tests.tui.test_readiness_screen import open_readiness_row, readiness_decided
from tests.two_hop_faults import denies_copy_in_to, denies_copy_out

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    """The demo with prod's one deliberate fault retired (the backups of its aws/ebs volume
    deleted by hand), so that prod's row is READY but for what a test breaks."""
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    try:
        retire_prod_fault(sandbox, info)
        yield sandbox, info
    finally:
        sandbox.stop()
        sandbox.reset()


def retire_prod_fault(sandbox: Sandbox, info: ScenarioInfo) -> None:
    """Delete the backups of prod's aws/ebs volume (the demo's deliberate fault in prod)."""
    prod = sandbox.client("backup", info.accounts["prod"], info.region)
    resources = prod.list_protected_resources()["Results"]
    legacy = next(r for r in resources if r.get("ResourceName") == "prod-legacy-data")
    for point in prod.list_recovery_points_by_resource(ResourceArn=legacy["ResourceArn"])[
        "RecoveryPoints"
    ]:
        prod.delete_recovery_point(
            BackupVaultName=point["BackupVaultName"], RecoveryPointArn=point["RecoveryPointArn"]
        )


def second_hops_blocked(stack: ExitStack, sandbox: Sandbox, info: ScenarioInfo) -> None:
    """prod's databases come back from eu-north-1 through one of two intermediate vaults:
    prod's eu-north-1 vault, whose access policy denies copying out (its second hop is
    blocked), and the backup account's eu-central-1 vault, which refuses copies made by the
    backup account's own copy role (the first hop into it; prod's DR copies into it, made by
    prod's role, are untouched). Nothing a copy in one job does is touched."""
    prod, backup = info.accounts["prod"], info.accounts["backup"]
    stack.enter_context(denies_copy_out(sandbox, prod, info.dr_region, "prod-vault"))
    role = f"arn:aws:iam::{backup}:role/service-role/AWSBackupDefaultServiceRole"
    stack.enter_context(
        denies_copy_in_to(sandbox, backup, info.region, "central-eu-central-1", role)
    )


def readiness(sandbox: Sandbox, info: ScenarioInfo, home: Path, *args: str) -> str:
    """`drconsole readiness --account prod` over both Regions (its DR copies are in the DR
    Region); its stdout."""
    result: subprocess.CompletedProcess[str] = forked_cli.run(
        [sys.executable, "-m", "drconsole", "readiness", "--account", "prod", *args]
        + [arg for region in (info.region, info.dr_region) for arg in ("--region", region)],
        capture_output=True,
        text=True,
        env=demo_cli_env(sandbox, info, home),
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode in (0, 1), result.stderr
    return result.stdout


def readiness_json(sandbox: Sandbox, info: ScenarioInfo, home: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(readiness(sandbox, info, home, "--json"))
    return document


def prod_row(document: dict[str, Any], info: ScenarioInfo) -> dict[str, Any]:
    (row,) = [r for r in document["rows"] if r["region"] == info.region]
    return row


def test_a_healthy_two_hop_copy_back_stays_ready(demo: Any, tmp_path: Path) -> None:
    sandbox, info = demo
    row = prod_row(readiness_json(sandbox, info, tmp_path), info)
    assert (row["verdict"], row["causes"]) == ("READY", []), row["explanation"]
    two_hop = [run for run in row["copy_back"] if run["hops"] == 2]
    assert {run["resource_type"] for run in two_hop} == {"RDS", "Aurora"}
    for run in two_hop:
        # Both hops judged, through the vault the flow would choose.
        assert run["intermediate"].startswith("arn:aws:backup:")
        assert any(c.startswith("hop1.") for c in run["passed"])
        assert any(c.startswith("hop2.") for c in run["passed"])


def test_a_blocked_second_hop_makes_the_row_not_ready(demo: Any, tmp_path: Path) -> None:
    sandbox, info = demo
    with ExitStack() as stack:
        second_hops_blocked(stack, sandbox, info)
        row = prod_row(readiness_json(sandbox, info, tmp_path), info)
        text = " ".join(readiness(sandbox, info, tmp_path).split())
    prod = info.accounts["prod"]
    # The people's output names the hop, its check and the vault it goes through.
    assert "FAIL Hop 2: Source vault policy does not deny the copy [VAULT_POLICY_DENIES_COPY]" in (
        text
    ), text
    assert f"through prod-vault ({prod} {info.dr_region})" in text, text
    assert row["verdict"] == "NOT READY", row
    assert row["causes"] == ["VAULT_POLICY_DENIES_COPY"]
    assert "Hop 2: " in row["explanation"][0]
    failing = {
        (run["resource_type"], check["id"], check["cause"])
        for run in row["copy_back"]
        for check in run["checks"]
        if check["status"] == "FAIL"
    }
    # Only the second hop blocks: the single job and the first hop pass.
    assert failing == {
        ("RDS", "hop2.source.vault-policy", "VAULT_POLICY_DENIES_COPY"),
        ("Aurora", "hop2.source.vault-policy", "VAULT_POLICY_DENIES_COPY"),
    }


async def test_the_readiness_screen_agrees(demo: Any, tmp_path: Path) -> None:
    sandbox, info = demo
    settings = sandbox_settings(sandbox, info, tmp_path, retry_max_attempts=2)
    with ExitStack() as stack:
        second_hops_blocked(stack, sandbox, info)
        app = DrConsoleApp(settings)
        async with app.run_test(size=(120, 40)) as pilot:
            await readiness_decided(pilot)
            rows = {(r.account_name, r.region): r for r in app.readiness.rows.values()}
            prod = rows["prod", info.region]
            assert prod.verdict.value == "NOT READY"
            assert [c.value for c in prod.causes] == ["VAULT_POLICY_DENIES_COPY"]
            (finding,) = prod.findings()
            assert finding.check.id == "hop2.source.vault-policy"
            # Its fix would be planned on the intermediate vault, where the hop starts.
            run = finding.runs[0]
            assert isinstance(run, CopyCheckRun)
            facts = run.facts_for(finding.check)
            assert facts is not None
            assert (facts.recovery_point.vault_name, facts.recovery_point.region) == (
                "prod-vault",
                info.dr_region,
            )
            assert finding.intermediate == run.intermediate
            # Its checks screen says the hop and the vault it goes through.
            await open_readiness_row(pilot, "prod")
            said = " ".join(str(app.screen.query_one("#remediation-text").render()).split())
            assert "Hop 2: " in " ".join(line.check.title for line in app.screen.shown)
            assert f"in two hops through {run.intermediate}" in said, said
