"""The console started with no configuration or no usable credentials: one screen says what is
missing and the one command that fixes it (Pilot, the real app; nothing reaches AWS)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from drconsole.config import Settings
from drconsole.tui.app import DrConsoleApp
from drconsole.tui.launch import build_app
from drconsole.tui.screens.setup_needed import SetupNeededScreen
from tests import forked_cli
from tests.tui.conftest import wait_until

SIZE = (80, 24)
SSO_PROFILE = """[profile corp-admin]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = AdministratorAccess
region = eu-central-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-central-1
"""


@pytest.fixture
def bare_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A machine with no drconsole config, no AWS config and no AWS credentials."""
    for name in list(__import__("os").environ):
        if name.startswith(("AWS_", "DRCONSOLE")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return tmp_path


def shown(app: DrConsoleApp, widget: str) -> str:
    return str(app.screen.query_one(widget).render())


def no_args() -> argparse.Namespace:
    return argparse.Namespace(
        profile=None, regions=None, role_name=None, read_only=None, config=None, break_glass=None
    )


async def test_no_configuration_names_drconsole_init(bare_machine: Path) -> None:
    app = build_app(no_args())
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupNeededScreen), what="setup")
        assert "not configured" in shown(app, "#setup-missing")
        assert shown(app, "#setup-fix") == "drconsole init"
        assert "no AWS Region" in shown(app, "#setup-detail")
        await pilot.press("r")  # only a new start helps: r is not offered
        assert isinstance(app.screen, SetupNeededScreen)
        assert "Retry" not in app.export_screenshot()
        await pilot.press("q")
    assert not (bare_machine / "state").exists()


async def test_a_config_file_with_a_mistake_stays_a_one_line_error(bare_machine: Path) -> None:
    from drconsole.errors import UsageError

    (bare_machine / "config" / "drconsole").mkdir(parents=True)
    (bare_machine / "config" / "drconsole" / "config.toml").write_text("regions = 3\n")
    with pytest.raises(UsageError, match="regions"):
        build_app(no_args())


async def test_expired_single_sign_on_names_sso_login_and_break_glass(
    bare_machine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (bare_machine / "aws-config").write_text(SSO_PROFILE)
    monkeypatch.setenv("AWS_PROFILE", "corp-admin")
    app = build_app(no_args())
    assert app.settings.profile == "corp-admin"
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupNeededScreen), what="setup")
        assert "profile 'corp-admin' have expired" in shown(app, "#setup-missing")
        assert shown(app, "#setup-fix") == "aws sso login --profile corp-admin"
        assert "drconsole --break-glass NAME" in shown(app, "#setup-alternative")
        assert "SSOTokenLoadError" in shown(app, "#setup-detail")
        # Still expired: r reads again and lands on the same screen, not an error dialog.
        await pilot.press("r")
        await pilot.pause()
        await wait_until(pilot, lambda: isinstance(app.screen, SetupNeededScreen), what="again")
        assert len(app.screen_stack) == 3  # default, the organization, this screen


async def test_no_credentials_and_no_configuration_names_drconsole_init(
    bare_machine: Path,
) -> None:
    app = DrConsoleApp(Settings(regions=("eu-central-1",), state_dir=bare_machine / "state"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupNeededScreen), what="setup")
        assert "no usable AWS credentials" in shown(app, "#setup-missing")
        assert shown(app, "#setup-fix") == "drconsole init"
        assert "NoCredentialsError" in shown(app, "#setup-detail")


async def test_break_glass_not_stored_or_no_keyring_names_the_fix(
    bare_machine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = no_args()
    args.break_glass, args.regions = "ops", ["eu-central-1"]
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    app = build_app(args)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupNeededScreen), what="setup")
        assert shown(app, "#setup-fix") == "drconsole credentials set ops"
        assert "drconsole credentials list" in shown(app, "#setup-alternative")
        assert app.screen.query("#break-glass-badge")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    app = build_app(args)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupNeededScreen), what="setup")
        assert "usable OS keyring" in shown(app, "#setup-missing")
        assert "dbus-run-session" in shown(app, "#setup-fix")
        assert "SecretService" in shown(app, "#setup-detail")


def cli_line(bare: Path, command: str = "ls") -> str:
    """The one line `drconsole ls accounts` prints in this environment (exit 2)."""
    import os
    import sys

    done = forked_cli.run(
        [sys.executable, "-m", "drconsole", command, "accounts"],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=bare,
    )
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.splitlines()
    return line.removeprefix("drconsole: ")


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("AWS_MAX_ATTEMPTS", "abc", "AWS_MAX_ATTEMPTS 'abc'"),
        ("AWS_CA_BUNDLE", "/nonexist", "AWS_CA_BUNDLE: /nonexist"),
    ],
)
async def test_a_bad_environment_value_is_the_command_lines_line_not_setup(
    bare_machine: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, words: str
) -> None:
    from drconsole.errors import UsageError

    monkeypatch.setenv(name, value)
    line = cli_line(bare_machine)
    assert words in line
    # Not "not configured ... drconsole init": the console ends with the same one line.
    with pytest.raises(UsageError) as raised:
        build_app(no_args())
    assert str(raised.value) == line


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("AWS_STS_REGIONAL_ENDPOINTS", "bogus", "(set in AWS_STS_REGIONAL_ENDPOINTS"),
        ("AWS_PROFILE", "missing", "AWS profile 'missing' (from AWS_PROFILE) not found"),
    ],
)
async def test_a_setting_botocore_refuses_shows_the_command_lines_line(
    bare_machine: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, words: str
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")  # never reached
    monkeypatch.setenv(name, value)
    line = cli_line(bare_machine)
    assert words in line
    app = build_app(no_args())
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupNeededScreen), what="setup")
        missing = shown(app, "#setup-missing")
        assert missing == line, (missing, line)
        assert "not configured" not in app.export_screenshot()
        assert shown(app, "#setup-fix") == "correct or unset that setting"
        assert "Cause: UNKNOWN" not in app.export_screenshot()
