"""A console that could not read its settings (no config file, no Region) shows the setup
screen and acts on nothing: with or without --read-only, the Jobs screen reached with `j`
neither resumes nor abandons a journaled flow, and every AWS client refuses a mutation before
it is sent. It used to run on default settings, read-write, whatever the flags said."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from drconsole.errors import ReadOnlyViolation
from drconsole.tui.jobs_screen import JobsScreen
from drconsole.tui.launch import build_app
from drconsole.tui.screens.setup_needed import SetupNeededScreen
from tests.tui.conftest import wait_until
from tests.tui.test_setup_needed import bare_machine

__all__ = ["bare_machine"]


def args(read_only: bool | None) -> argparse.Namespace:
    return argparse.Namespace(
        profile=None, regions=None, role_name=None, read_only=read_only, config=None,
        break_glass=None,
    )  # fmt: skip


@pytest.mark.parametrize("read_only", [True, None])
async def test_the_setup_screen_is_read_only_below_the_ui(
    bare_machine: Path, read_only: bool | None
) -> None:
    app = build_app(args(read_only))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupNeededScreen), what="setup")
        assert app.screen.query("#read-only-badge")
        await pilot.press("j")
        await wait_until(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs")
        jobs = app.screen
        assert not jobs.check_action("resume", ()) and not jobs.check_action("abandon", ())
        client = app.sessions.client("backup", None, "eu-central-1")
        with pytest.raises(ReadOnlyViolation):
            client.start_restore_job(RecoveryPointArn="arn", IamRoleArn="arn", Metadata={})
        await pilot.press("q")
