"""The checks panel of a database copy across account AND Region shows its two-hop route and
judges the second hop as `check copy` does (`hop2.` rows), live against the demo sandbox."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.widgets import DataTable

from drconsole.aws.session import AwsSessions
from drconsole.models import CauseCode, CheckStatus, RecoveryPoint
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from drconsole.tui import arming
from drconsole.tui.check_views import FixDialog
from drconsole.tui.checks_screen import ChecksScreen
from tests.test_checks_screen import Host, settings_for, settle
from tests.tui.test_narrow import screen_lines
from tests.two_hop_faults import key_not_shared

INTERMEDIATE = "central-eu-central-1"


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    try:
        yield sandbox, info
    finally:
        sandbox.stop()
        sandbox.reset()


def rds_point_in_the_dr_vault(sandbox: Sandbox, info: ScenarioInfo) -> str:
    """The newest RDS recovery point of the backup account's DR vault (eu-north-1)."""
    backup = sandbox.client("backup", info.accounts["backup"], info.dr_region)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="dr-eu-north-1")
    rds = [p for p in points["RecoveryPoints"] if p["ResourceType"] == "RDS"]
    rds.sort(key=lambda p: p["CreationDate"], reverse=True)
    return str(rds[0]["RecoveryPointArn"])


def screen_for(sandbox: Sandbox, info: ScenarioInfo, tmp_path: Path) -> ChecksScreen:
    """The checks of the DR copy of an RDS database, to qa's vault in eu-central-1: qa has
    no vault in eu-north-1, so the route goes through the backup account's eu-central-1 vault
    and its second hop crosses accounts."""
    settings = settings_for(sandbox, info, tmp_path)
    arn = rds_point_in_the_dr_vault(sandbox, info)
    backup = sandbox.client("backup", info.accounts["backup"], info.dr_region)
    found = backup.describe_recovery_point(BackupVaultName="dr-eu-north-1", RecoveryPointArn=arn)
    point = RecoveryPoint(
        arn=arn,
        vault_name="dr-eu-north-1",
        account_id=info.accounts["backup"],
        region=info.dr_region,
        resource_arn=found["ResourceArn"],
        resource_type=found["ResourceType"],
        resource_name=found.get("ResourceName", ""),
        created=datetime.now(UTC),
        status=found["Status"],
        size_bytes=None,
        encryption_key_arn=found.get("EncryptionKeyArn", ""),
        is_encrypted=True,
        source_vault_arn=found.get("SourceBackupVaultArn"),
        expires=None,
    )
    qa_vault = f"arn:aws:backup:{info.region}:{info.accounts['qa']}:backup-vault:qa-vault"
    return ChecksScreen(point, settings, AwsSessions(settings), destination=qa_vault)


def on_screen(app: object) -> str:
    return re.sub(r"\s+", " ", " ".join(screen_lines(app)))  # type: ignore[arg-type]


async def test_the_second_hop_blocked_by_the_intermediate_key_shows_hop2_fail(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sandbox, info = demo
    backup, qa = info.accounts["backup"], info.accounts["qa"]
    with key_not_shared(sandbox, backup, info.region, INTERMEDIATE, qa) as key:
        screen = screen_for(sandbox, info, tmp_path)
        app = Host(screen)
        async with app.run_test(size=(160, 50)) as pilot:
            await settle(screen, pilot)
            hop2 = {check.id: check for check in screen.rows["hop2"]}
            failing = [
                (group, check.id, check.cause)
                for group, check in screen.ordered()
                if check.status in (CheckStatus.FAIL, CheckStatus.UNKNOWN)
            ]
            assert failing == [("hop2", "hop2.source.key", CauseCode.SOURCE_KEY_NOT_SHARED)]
            assert key in hop2["hop2.source.key"].evidence
            assert hop2["hop2.source.key"].title == "Hop 2: Source key usable by the destination"
            # As `check copy`: judged before hop 1 has made the copy.
            assert "hop2.source.status" not in hop2 and "hop2.jobs.concurrency" not in hop2
            await pilot.pause(0.3)
            said = on_screen(app)
            assert "Two hops if AWS refuses one job: through" in said, said
            assert INTERMEDIATE in said and "Hop 2: Source key usable by the destination" in said

            # `f` on it plans the fix on hop 2's key, the intermediate vault's (not the
            # recovery point's), and applying it makes the second hop pass.
            table = screen.query_one("#checks-table", DataTable)
            row = next(i for i, (_, c) in enumerate(screen.shown) if c.id == "hop2.source.key")
            table.move_cursor(row=row)
            await pilot.pause()
            await pilot.press("f")
            for _ in range(100):
                await pilot.pause()
                if isinstance(app.screen, FixDialog):
                    break
                await asyncio.sleep(0.05)
            assert isinstance(app.screen, FixDialog)
            plan = app.screen.plan
            assert (plan.account_id, plan.region, plan.target) == (
                backup,
                info.region,
                f"key policy of {key}",
            ), plan
            runs_before = screen.run_id
            # `y` applies once the dialog has been on screen a moment (arming, which a refused
            # press starts again) and the end of the diff has; before, it pages on.
            for _ in range(20):
                if not isinstance(app.screen, FixDialog):
                    break
                await pilot.pause(arming.ARMING_SECONDS + 0.1)
                await pilot.press("y")
                await pilot.pause()
            for _ in range(100):
                await pilot.pause()
                if screen.run_id > runs_before:
                    break
                await asyncio.sleep(0.05)
            assert screen.run_id > runs_before, "the fix was not applied"
            await settle(screen, pilot)
            for _ in range(400):  # the hops are judged once the route group has resolved
                await pilot.pause()
                if "hop2" in screen.rows and "hop2" not in screen.pending:
                    break
                await asyncio.sleep(0.05)
            bad = [
                (c.id, c.status, c.evidence)
                for c in screen.rows["hop2"]
                if c.status is not CheckStatus.PASS
            ]
            assert not bad, bad


async def test_a_healthy_second_hop_passes_in_the_panel(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sandbox, info = demo
    screen = screen_for(sandbox, info, tmp_path)
    app = Host(screen)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(screen, pilot)
        hop2 = screen.rows["hop2"]
        assert hop2 and all(check.id.startswith("hop2.") for check in hop2)
        assert all(check.status is CheckStatus.PASS for check in hop2), hop2
        assert screen.intermediate == (
            f"arn:aws:backup:{info.region}:{info.accounts['backup']}:backup-vault:{INTERMEDIATE}"
        )
