"""A state dir that cannot be used (XDG_STATE_HOME a file, under a file, or not writable): one
line naming the variable and the path, exit 2, for each command that keeps something there;
the console shows it as a setup problem; commands that keep nothing there work as before."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import forked_cli
from tests.bad_input import base_env
from tests.tui.conftest import wait_until

RP = "arn:aws:backup:eu-central-1:111122223333:recovery-point:1b2c3d4e-aaaa-bbbb-cccc-0123456789ab"
VAULT = "arn:aws:backup:eu-north-1:444455556666:backup-vault:dr-vault"
NEEDS_STATE = [
    ("jobs",),
    ("jobs", "--resume"),
    ("jobs", "--json", "--all"),
    ("restore", "--recovery-point", RP, "--yes"),
    ("copy", "--recovery-point", RP, "--to", VAULT, "--yes"),
    ("drill", "history"),
    ("drill", "cleanup", "20261201T000000Z-abcdef", "--yes"),
    ("--read-only", "jobs"),
]


def unusable(tmp_path: Path) -> list[tuple[str, str, Path]]:
    """(XDG_STATE_HOME, what is wrong, the path named): a file, a path under a file, and a
    folder that cannot be written (/proc/sys: not even by root)."""
    afile = tmp_path / "a-file"
    afile.write_text("not a folder\n")
    cases = [
        (str(afile), f"{afile} is not a folder", afile),
        (str(afile / "state"), f"{afile} is not a folder", afile),
    ]
    if os.path.isdir("/proc/sys") and not os.access("/proc/sys", os.W_OK):
        cases.append(("/proc/sys", "folder /proc/sys cannot be written", Path("/proc/sys")))
    return cases


def run(home: Path, state: str, *args: str) -> subprocess.CompletedProcess[str]:
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", *args],
        env=base_env(home) | {"XDG_STATE_HOME": state},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("argv", NEEDS_STATE, ids=lambda a: " ".join(a)[:30])
def test_each_command_that_keeps_state_names_xdg_state_home(
    argv: tuple[str, ...], tmp_path: Path
) -> None:
    for state, problem, _ in unusable(tmp_path):
        done = run(tmp_path, state, *argv)
        assert done.returncode == 2, (state, done.stderr)
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.startswith(f"drconsole: XDG_STATE_HOME={state}: {problem}")
    assert (tmp_path / "a-file").read_text() == "not a folder\n"


def test_commands_that_keep_nothing_there_still_work(tmp_path: Path) -> None:
    state, _, _ = unusable(tmp_path)[0]
    assert run(tmp_path, state, "--version").returncode == 0
    explained = run(tmp_path, state, "explain", "AccessDeniedException: not authorized")
    assert explained.returncode == 0, explained.stderr
    stopped = run(tmp_path, state, "demo", "--stop")
    assert stopped.returncode == 0 and "No demo sandbox" in stopped.stdout, stopped.stderr


def test_home_named_when_xdg_state_home_is_unset(tmp_path: Path) -> None:
    home = tmp_path / "home-file"
    home.write_text("")
    env = base_env(tmp_path) | {"HOME": str(home)}
    env.pop("XDG_STATE_HOME")
    done = forked_cli.run(
        [sys.executable, "-m", "drconsole", "jobs"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"drconsole: the state dir (HOME={home}): {home} is not")


async def test_the_console_shows_an_unusable_state_dir_as_a_setup_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from drconsole.tui.launch import build_app
    from drconsole.tui.screens.setup_needed import SetupNeededScreen

    for name in list(os.environ):
        if name.startswith(("AWS_", "XDG_", "DRCONSOLE")):
            monkeypatch.delenv(name)
    for name, value in base_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    state, problem, _ = unusable(tmp_path)[1]
    monkeypatch.setenv("XDG_STATE_HOME", state)
    args = argparse.Namespace(
        profile=None, regions=None, role_name=None, read_only=None, config=None, break_glass=None
    )
    app = build_app(args)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupNeededScreen), what="setup")
        detail = str(app.screen.query_one("#setup-detail").render())
        assert f"XDG_STATE_HOME={state}" in detail and problem in detail
        assert "XDG_STATE_HOME" in str(app.screen.query_one("#setup-fix").render())
        await pilot.press("q")
