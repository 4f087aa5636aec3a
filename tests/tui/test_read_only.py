"""Read-only mode in the console, driven by Pilot: the badge on every screen, nothing mutating
offered (footer, `?` help, palette, keys), zero mutating requests at the sandbox; and `x`
asking before a flow is abandoned."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from pathlib import Path
from typing import Any

import pytest
from textual.screen import Screen
from textual.widgets import Footer

import drconsole.tui
from drconsole.config import load_settings
from drconsole.flows.journal import Journal
from drconsole.tui.app import DrConsoleApp
from drconsole.tui.arming import ARMING_SECONDS
from drconsole.tui.check_views import FixDialog
from drconsole.tui.checks_screen import ChecksScreen
from drconsole.tui.commands import DrConsoleCommands
from drconsole.tui.jobs_screen import JobsScreen
from drconsole.tui.read_only import MUTATING_ACTIONS, ReadOnlyActions
from drconsole.tui.screens.confirm import ConfirmDialog
from drconsole.tui.screens.detail import DetailScreen, RecoveryPointDetail
from drconsole.tui.screens.dialogs import HelpScreen
from drconsole.tui.screens.recovery_points import RecoveryPointsScreen
from drconsole.tui.wizard.screen import CopyRestoreWizard
from tests.flow_plans import sample_plan
from tests.test_readonly_matrix import WAYS, Way, is_mutating
from tests.tui.conftest import NOW, Demo, wait_until
from tests.tui.test_screens import open_account

SIZE = (120, 40)
EU = "eu-central-1"


def unfinished_flow(state_dir: Path, flow_id: str = "00000000ad01") -> str:
    """A copy-and-restore flow whose first hop never started (as a dropped session leaves it)."""
    Journal(state_dir).append(
        flow_id,
        "plan",
        plan=sample_plan(),
    )
    return flow_id


def offered(app: Any) -> set[str]:
    """Actions bound on the current screen (what the footer, `?` and the keys answer to)."""
    return {active.binding.action for active in app.screen.active_bindings.values()}


def footer_text(app: Any) -> str:
    children = app.screen.query_one(Footer).children
    return " ".join(str(child.render()) for child in children if child.display)


def badge_shown(app: Any) -> bool:
    return bool(app.screen.query("#read-only-badge"))


def settings_from_default_profile_variable(demo: Demo, tmp_path: Path, monkeypatch: Any) -> Any:
    """Read-only chosen the way that once slipped through: AWS_DEFAULT_PROFILE naming a profile
    whose [profiles.NAME] section says read_only = true."""
    (tmp_path / "aws-config").write_text(f"[profile ro]\nregion = {EU}\n")
    config = tmp_path / "config.toml"
    config.write_text("[profiles.ro]\nread_only = true\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_PROFILE", "ro")
    args = dataclasses.make_dataclass("Args", [("config", str), ("regions", Any)])(
        str(config), list(demo.settings.regions)
    )
    chosen = load_settings(args)  # type: ignore[arg-type]
    assert chosen.read_only is True and chosen.profile == "ro"
    return dataclasses.replace(demo.settings, read_only=chosen.read_only, state_dir=tmp_path)


async def test_read_only_browsing_offers_nothing_mutating_and_sends_nothing(
    demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_from_default_profile_variable(demo, tmp_path, monkeypatch)
    flow_id = unfinished_flow(tmp_path)
    mark = demo.sandbox.request_log.mark()
    app = DrConsoleApp(settings, now=lambda: NOW)
    seen_screens: list[str] = []

    def check_screen() -> None:
        assert badge_shown(app), f"no READ-ONLY badge on {type(app.screen).__name__}"
        assert not offered(app) & MUTATING_ACTIONS, type(app.screen).__name__
        seen_screens.append(type(app.screen).__name__)

    async with app.run_test(size=SIZE) as pilot:
        await open_account(pilot, demo.info.accounts["backup"])
        check_screen()
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RecoveryPointsScreen), what="rps")
        await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
        check_screen()
        assert "Copy back" not in footer_text(app)
        await pilot.press("w")
        assert isinstance(app.screen, RecoveryPointsScreen)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        help_text = str(app.screen.query_one("#help-keys").render())
        assert "Copy back" not in help_text and "Checks" in help_text
        await pilot.press("escape", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DetailScreen), what="detail")
        check_screen()
        await pilot.press("w")
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ChecksScreen), what="checks")
        await wait_until(pilot, lambda: badge_shown(app), what="badge on the checks screen")
        check_screen()
        assert "Fix" not in footer_text(app)
        await wait_until(pilot, lambda: not app.screen.pending, what="checks", timeout=60)
        await pilot.press("down", "f")
        assert not isinstance(app.screen, FixDialog)
        await pilot.press("escape")
        app.action_jobs()
        await wait_until(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs")
        await wait_until(pilot, lambda: badge_shown(app), what="badge on the jobs screen")
        await wait_until(pilot, lambda: bool(app.screen.flows), what="flows")
        check_screen()
        await pilot.press("x", "enter")
        assert isinstance(app.screen, JobsScreen)
        assert not isinstance(app.screen, (ConfirmDialog, CopyRestoreWizard))
        jobs_hits = [c for c in DrConsoleCommands(app.screen)._commands() if c[0] == "Jobs"]
        assert "resume" not in jobs_hits[0][1]
    assert seen_screens == [
        "VaultsScreen",
        "RecoveryPointsScreen",
        "RecoveryPointDetail",
        "ChecksScreen",
        "JobsScreen",
    ]
    state = Journal(tmp_path).flow(flow_id)
    assert state is not None and state.status == "running", "the flow was left as it was"
    arrived = [seen.name for seen in demo.sandbox.request_log.since(mark)]
    assert arrived, "the screens read from the sandbox"
    assert [name for name in arrived if is_mutating(name)] == []


async def test_the_badge_reaches_a_screen_that_has_no_top_bar(demo: Demo, tmp_path: Path) -> None:
    class Bare(Screen[None]):
        pass

    app = demo.app(state_dir=tmp_path, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(Bare())
        await wait_until(pilot, lambda: badge_shown(app), what="badge on a bare screen")
        app.pop_screen()
        await pilot.pause()
        await wait_until(pilot, lambda: badge_shown(app), what="badge after going back")


async def test_abandoning_a_flow_asks_first(demo: Demo, tmp_path: Path) -> None:
    flow_id = unfinished_flow(tmp_path)
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.action_jobs()
        await wait_until(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs")
        await wait_until(pilot, lambda: bool(app.screen.flows), what="flows")
        assert not badge_shown(app)
        assert "abandon" in offered(app)
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmDialog)
        assert flow_id in str(app.screen.query_one("#confirm-question").render())
        await pilot.press("enter")  # the focused button is No
        assert isinstance(app.screen, JobsScreen)
        state = Journal(tmp_path).flow(flow_id)
        assert state is not None and state.status == "running"
        await pilot.press("x", "n")
        assert Journal(tmp_path).flow(flow_id).status == "running"  # type: ignore[union-attr]
        await pilot.press("x")
        await pilot.pause(ARMING_SECONDS)  # yes answers once the question was on screen
        await pilot.press("y")
        await wait_until(
            pilot,
            lambda: Journal(tmp_path).flow(flow_id).status == "failed",  # type: ignore[union-attr]
            what="abandoned flow",
        )


def test_every_screen_with_a_mutating_action_hides_it_in_read_only() -> None:
    """A screen class that defines a mutating action must inherit ReadOnlyActions."""
    missing = []
    for module_info in pkgutil.walk_packages(drconsole.tui.__path__, "drconsole.tui."):
        module = importlib.import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if not cls.__module__.startswith("drconsole.tui"):
                continue
            mutating = {a for a in MUTATING_ACTIONS if hasattr(cls, f"action_{a}")}
            if mutating and not issubclass(cls, ReadOnlyActions):
                missing.append(f"{cls.__module__}.{cls.__name__}: {sorted(mutating)}")
    assert not missing, missing


def fault_point(demo: Demo, fault: str) -> Any:
    """The recovery point (model) whose copy meets `fault`, found with plain boto3."""
    from drconsole.aws.convert import recovery_point_from

    arn = demo.info.fault_recovery_points[fault]
    for account in demo.info.accounts.values():
        for region in (demo.info.region, demo.info.dr_region):
            backup = demo.sandbox.client("backup", account, region)
            for vault in backup.list_backup_vaults()["BackupVaultList"]:
                name = vault["BackupVaultName"]
                pages = backup.get_paginator("list_recovery_points_by_backup_vault")
                for page in pages.paginate(BackupVaultName=name):
                    for item in page["RecoveryPoints"]:
                        if item["RecoveryPointArn"] == arn:
                            return recovery_point_from(item, account, region, name)
    raise LookupError(arn)


@pytest.mark.parametrize("way", WAYS, ids=[way.name for way in WAYS])
async def test_no_wizard_and_no_fix_however_read_only_was_chosen(
    demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, way: Way
) -> None:
    """The TUI column of the read-only matrix: settings resolved for each way of choosing
    read-only, then `w` on a recovery point and `f` on a failing check, counted at the sandbox."""
    import argparse

    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    profiles = "".join(f"[profile {p}]\nregion = {EU}\n" for p in ("ro", "rw"))
    (tmp_path / "aws-config").write_text(f"[default]\nregion = {EU}\n{profiles}")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    for name, value in way.env.items():
        monkeypatch.setenv(name, value)
    config = tmp_path / "config.toml"
    config.write_text(way.config)
    flags = dict(zip(way.args[::2], way.args[1::2], strict=False))
    args = argparse.Namespace(
        profile=flags.get("--profile"),
        regions=list(demo.settings.regions),
        role_name=None,
        read_only="--read-only" in way.args,
        config=str(config),
    )
    chosen = load_settings(args)
    assert chosen.read_only is True, way.name
    settings = dataclasses.replace(demo.settings, read_only=True, state_dir=tmp_path)
    point = fault_point(demo, "service_linked_role_missing")
    destination = demo.info.fault_destinations["service_linked_role_missing"]
    mark = demo.sandbox.request_log.mark()
    app = DrConsoleApp(settings, now=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(
            RecoveryPointDetail(("Organization",), [("ARN", point.arn)], point.arn, point)
        )
        await wait_until(pilot, lambda: badge_shown(app), what="badge on the detail")
        assert "wizard" not in offered(app)
        await pilot.press("w")
        assert isinstance(app.screen, RecoveryPointDetail)
        await app.push_screen(ChecksScreen(point, settings, app.sessions, destination))
        await wait_until(pilot, lambda: badge_shown(app), what="badge on the checks")
        await wait_until(
            pilot,
            lambda: any(c.fix_id for checks in app.screen.rows.values() for c in checks),
            what="the fault's check, which offers a fix outside read-only",
            timeout=60,
        )
        assert "fix" not in offered(app)
        for _ in range(12):
            await pilot.press("down", "f")
            assert not isinstance(app.screen, FixDialog)
    arrived = [seen.name for seen in demo.sandbox.request_log.since(mark)]
    assert arrived and [name for name in arrived if is_mutating(name)] == []


async def test_break_glass_badges_every_screen_and_read_only_still_holds(
    demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--break-glass`: an IAM user's key from a real (file) keyring, MFA through the sandbox's
    STS; the BREAK-GLASS badge on every screen beside READ-ONLY, and its secret on none."""
    iam = demo.sandbox.client("iam", demo.info.accounts["management"])
    iam.create_user(UserName="tui-breakglass")
    key = iam.create_access_key(UserName="tui-breakglass")["AccessKey"]
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="tui-breakglass")
    serial = device["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(
        UserName="tui-breakglass",
        SerialNumber=serial,
        AuthenticationCode1="111111",
        AuthenticationCode2="222222",
    )
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("DRCONSOLE_MFA_CODE", "135790")
    from drconsole.aws.keyring_store import BreakGlassCredentials, KeyringStore

    KeyringStore().put(
        BreakGlassCredentials("tui-ops", key["AccessKeyId"], key["SecretAccessKey"], serial)
    )
    mark = demo.sandbox.request_log.mark()
    app = demo.app(
        static_credentials=None, break_glass="tui-ops", read_only=True, state_dir=tmp_path
    )

    def badges() -> tuple[bool, bool]:
        screen = app.screen
        return bool(screen.query("#break-glass-badge")), bool(screen.query("#read-only-badge"))

    async with app.run_test(size=SIZE) as pilot:
        await open_account(pilot, demo.info.accounts["backup"])
        shots = [app.export_screenshot()]
        assert badges() == (True, True), type(app.screen).__name__
        assert "BREAK-GLASS tui-ops" in str(app.screen.query_one("#break-glass-badge").render())
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RecoveryPointsScreen), what="rps")
        assert badges() == (True, True)
        await pilot.press("w")  # the wizard is not offered in read-only, break-glass or not
        assert isinstance(app.screen, RecoveryPointsScreen)

        class Bare(Screen[None]):
            pass

        await app.push_screen(Bare())
        await wait_until(pilot, lambda: badges() == (True, True), what="badges on a bare screen")
        shots.append(app.export_screenshot())
    sent = [r.name for r in demo.sandbox.request_log.since(mark)]
    assert sent.count("sts:GetSessionToken") == 1
    # GetSessionToken is the credential step itself (like SSO's), sent once; nothing else writes.
    assert not [name for name in sent if is_mutating(name) and name != "sts:GetSessionToken"]
    for shot in shots:
        assert key["SecretAccessKey"] not in shot and key["AccessKeyId"] not in shot
