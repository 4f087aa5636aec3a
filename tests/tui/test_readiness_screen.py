"""The readiness screen and the accounts' verdicts on the demo: its five deliberate faults as
problem rows with their causes, read-only offering no fix, and a fix from the screen after
which the row is decided again (checked in the sandbox with plain boto3)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from textual.widgets import Static

from drconsole.commands._demo_process import DEMO_RPO_OBJECTIVES
from drconsole.tui.arming import ARMING_SECONDS
from drconsole.tui.check_views import FixDialog
from drconsole.tui.readiness_checks import ReadinessChecksScreen
from drconsole.tui.screens.readiness import ReadinessScreen
from tests.test_readonly_matrix import is_mutating
from tests.tui.conftest import Demo, status_of, table_text, wait_until
from tests.tui.snapshots import assert_snapshot
from tests.tui.test_screens import accounts_loaded

# Where each deliberate fault of the demo shows: the row's account, its cause code, and the
# thing at fault named in a failing check's evidence.
FAULTS = {
    "vault_aws_managed_key": ("qa", "DEST_VAULT_AWS_MANAGED_KEY", "qa-legacy-vault"),
    "vault_without_access_policy": ("qa", "VAULT_POLICY_DENIES_COPY", "qa-archive-vault"),
    "source_key_not_shared": ("qa", "SOURCE_KEY_NOT_SHARED", "key"),
    "aws_managed_resource_key": ("prod", "AWS_MANAGED_RESOURCE_KEY", "aws/ebs"),
    "service_linked_role_missing": ("dev", "SERVICE_LINKED_ROLE_MISSING", "service-linked"),
}
SLR = "AWSServiceRoleForBackup"


def decided(app: Any) -> bool:
    """Every row decided, none being decided again, and the screen rebuilt since."""
    feed = app.readiness
    return feed.state == "done" and not feed.rechecking


def offered(app: Any) -> set[str]:
    return {active.binding.action for active in app.screen.active_bindings.values()}


def evidence_of(app: Any) -> str:
    """Every failing check's title, evidence and remediation on the checks screen."""
    return "\n".join(
        f"{f.check.title} {f.check.evidence} {f.check.remediation}" for f in app.screen.shown
    )


async def readiness_decided(pilot: Any) -> None:
    """The Readiness screen opened from the command palette once the organization is read,
    and every row decided."""
    app = pilot.app
    await wait_until(pilot, lambda: app.organization is not None, what="organization")
    app.action_command_palette()
    await pilot.pause()
    await pilot.press(*"readiness")
    await pilot.pause(0.3)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, ReadinessScreen), what="screen")
    await wait_until(pilot, lambda: decided(app), timeout=180, what="readiness")


async def open_readiness_row(pilot: Any, name: str) -> None:
    """Filter the readiness rows to an account name and open the best match's checks."""
    app = pilot.app
    await pilot.press("slash", *name, "enter", "enter")
    await wait_until(pilot, lambda: isinstance(app.screen, ReadinessChecksScreen), what=name)


async def test_read_only_shows_the_five_faults_at_80x24_and_offers_no_fix(demo: Demo) -> None:
    mark = demo.sandbox.request_log.mark()
    app = demo.app(readiness=True, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        # The accounts screen decides readiness after its inventory: each account's State is
        # its worst Region's verdict with the deciding cause, whole at 80 columns.
        await wait_until(pilot, lambda: accounts_loaded(app) and decided(app), timeout=120)
        await pilot.pause(0.3)
        states = {row[0].strip(): row[-1] for row in table_text(app) if row[0].startswith("  ")}
        assert states["dev"] == "NOT READY SERVICE_LINKED_ROLE_MISSING", states
        assert states["prod"] == "NOT READY AWS_MANAGED_RESOURCE_KEY", states
        assert states["qa"].startswith("NOT READY ") and states["qa"].endswith(" +2"), states
        assert states["backup (backup)"] == "ok"  # not a workload account: today's posture
        assert_snapshot(app, "accounts_readiness_80x24_read_only")

        await pilot.press("colon", *"readiness", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReadinessScreen), what="screen")
        await pilot.pause(0.3)
        rows = table_text(app)
        # Five faults, in three account-Regions: qa holds three of them.
        assert {(row[0], row[2]) for row in rows} == {
            ("dev", "NOT READY"),
            ("prod", "NOT READY"),
            ("qa", "NOT READY"),
        }, rows
        assert {row[1] for row in rows} == {demo.info.region}
        feed = app.readiness.rows.values()
        causes = {row.account_name: {c.value for c in row.causes} for row in feed}
        for account, cause, _ in FAULTS.values():
            assert cause in causes[account], (account, causes)
        assert "3 account-Regions: 3 NOT READY" in status_of(app)
        assert_snapshot(app, "readiness_80x24_read_only")

        for account, cause, named in FAULTS.values():
            await open_readiness_row(pilot, account)
            assert cause in {str(f.check.cause) for f in app.screen.shown}
            assert named in evidence_of(app), (account, named)
            assert "fix" not in offered(app) and app.screen.query("#read-only-badge")
            await pilot.press("f")
            assert not isinstance(app.screen, FixDialog)
            await pilot.press("escape", "escape")  # the checks, then the filter
            await wait_until(pilot, lambda: isinstance(app.screen, ReadinessScreen))
    arrived = [seen.name for seen in demo.sandbox.request_log.since(mark)]
    assert [name for name in arrived if is_mutating(name)] == []


async def test_fix_from_the_readiness_screen_turns_the_row_ready(demo: Demo) -> None:
    dev = demo.info.accounts["dev"]
    iam = demo.sandbox.client("iam", dev)
    with pytest.raises(ClientError):
        iam.get_role(RoleName=SLR)
    # As `drconsole demo` (Non-Prod is backed up every two or three days): the missing role is
    # dev's only problem.
    app = demo.app(rpo_objectives=DEMO_RPO_OBJECTIVES)
    async with app.run_test(size=(120, 40)) as pilot:
        await readiness_decided(pilot)
        await open_readiness_row(pilot, "dev")
        first = app.screen.shown[0].check
        assert (str(first.cause), first.fix_id) == (
            "SERVICE_LINKED_ROLE_MISSING",
            "create-service-linked-role",
        )
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, FixDialog), what="the fix's diff")
        said = " ".join(str(text.render()) for text in app.screen.query(Static))
        assert "CreateServiceLinkedRole" in said, said
        await pilot.pause(ARMING_SECONDS)  # Apply answers once the dialog was on screen
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, ReadinessChecksScreen))
        key = app.screen.key
        await wait_until(
            pilot,
            lambda: (
                "SERVICE_LINKED_ROLE_MISSING"
                not in {c.value for c in app.readiness.rows[key].causes}
                and decided(app)
            ),
            timeout=60,
            what="the row decided again",
        )
        assert iam.get_role(RoleName=SLR)["Role"]["RoleName"] == SLR
        row = app.readiness.rows[key]
        assert (row.verdict.value, row.causes, app.screen.shown) == ("READY", (), []), row
        assert "Every copy-back and restore check passed" in str(
            app.screen.query_one("#readiness-title").render()
        )
        await pilot.press("escape")
        await pilot.pause(0.3)
        dev_row = next(r for r in table_text(app) if r[0] == "dev")
        assert dev_row[2] == row.verdict.value
        # The cursor stayed on dev, though its row moved below the NOT READY ones.
        assert app.screen.highlighted_key() == f"{dev}|{demo.info.region}"
        await pilot.press("escape", "escape")  # the filter, then the screen
        await wait_until(pilot, lambda: accounts_loaded(app), what="the accounts")
        await pilot.pause(0.3)
        states = {row[0].strip(): row[-1] for row in table_text(app) if row[0].startswith("  ")}
        assert states["dev"] == "READY", states  # its service-linked role exists now
        assert "with errors" not in status_of(app)


async def test_a_larger_organization_than_configured_decides_readiness_only_on_demand(
    demo: Demo,
) -> None:
    """Above `readiness_on_start_max_accounts` the accounts screen shows posture only: readiness
    of every account would cost each start minutes at a thousand accounts."""
    mark = demo.sandbox.request_log.mark()
    app = demo.app(readiness=True, readiness_on_start_max_accounts=len(demo.info.accounts) - 1)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), timeout=120, what="the accounts")
        await pilot.pause(1.0)
        assert app.readiness.state == "idle"
        states = {row[0].strip(): row[-1] for row in table_text(app) if row[0].startswith("  ")}
        # Posture only (`ok`, badges, `?`): no verdict, READY or NOT READY, anywhere.
        assert states and "READY" not in " ".join(states.values()), states
    # No readiness read was made: no DescribeRecoveryPoint of a representative recovery point.
    names = [seen.name for seen in demo.sandbox.request_log.since(mark)]
    assert "backup:DescribeRecoveryPoint" not in names, sorted(set(names))
