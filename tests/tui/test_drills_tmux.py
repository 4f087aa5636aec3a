"""A new user's first drill, in a real 80x24 terminal without colour: `drconsole demo`, `:drills`,
the example runbook planned and run, the three targets watched, both manual steps answered, the
report read, the result in the list."""

from __future__ import annotations

import re
import shutil
import sys
import time
from pathlib import Path

import pytest

from drconsole.tui.arming import ARMING_SECONDS
from tests.tui.test_tmux import ROOT, Terminal, chromatic_colors, stop_demo_sandbox, xdg_env
from tests.tui.test_tmux import terminal as terminal  # the fixture, used by name

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def test_the_example_drill_from_the_demo_in_80x24_without_colour(
    terminal: type[Terminal], tmp_path: Path
) -> None:
    command = (
        f"cd {ROOT} && NO_COLOR=1 {xdg_env(tmp_path)}TERM=xterm-256color "
        f"{sys.executable} -m drconsole demo --time-scale 600; sleep 5"
    )
    term = terminal("drills80x24", 80, 24, command)
    try:
        term.wait_for(r"(?m)^ Account\s", timeout=90)  # the console answers keys
        term.press(":", then=r":command \[argument\]")
        term.press("drills", then=r"▊\s+drills")
        screen = term.press("Enter", then=r"payments\s+never run")
        assert "examples/runbooks (the demo's example runbooks)" in screen
        screen = term.press("Enter", then=r"plan: 3 of 3 targets can start")
        assert "R Run drill" in screen.splitlines()[-1]
        term.press("R", then=r"Run drill payments\?")
        time.sleep(ARMING_SECONDS + 0.3)  # yes answers once the question was on screen
        term.press("y", then=r"Manual step announce")
        # A manual step takes no key until it has been on screen for a moment (an Enter typed
        # for the screen below must not answer it): the operator reads it first.
        time.sleep(ARMING_SECONDS + 0.5)
        term.press("announced in ops", then=r"announced in ops")
        screen = term.press("Enter", gone=r"Manual step announce", then=r"sessions\s+\S")
        # The three targets, each with its state, elapsed time and breakdown so far.
        for target in ("payments-db", "receipts", "sessions"):
            assert re.search(rf"^ {target}\s+\S.*\d+\.\ds\s*$", screen, re.M), screen
        term.wait_for(r"(hop1|restore) (CREATED|RUNNING|PENDING|COMPLETED)", timeout=60)
        term.wait_for(r"Manual step app-check", timeout=90)
        time.sleep(ARMING_SECONDS + 0.5)
        screen = term.press("Enter", then=r"Drill payments\s+PASSED", gone="Manual step")
        # The line above the progress says the verdict; each target's row says `validated`.
        assert "drill passed · 3 targets: 3 validated" in screen, screen
        assert screen.count("validated") == 1 + 3 and "MISSED" not in screen
        term.wait_for(r"o Report[^\n]*\n?$", timeout=10)
        assert not chromatic_colors(term.text(escapes=True))
        # The report: every target met its objectives; the breakdown; the operator's notes.
        screen = term.press("o", then=r"Drills > payments > Report")
        assert "3 of 3 targets passed" in screen and "announced in ops" in screen
        assert "✓ met" in screen and "breakdown:" in screen and "MISSED" not in screen
        term.press("Escape", then=r"drill passed")
        screen = term.press("Escape", then=r"payments\s+passed\s+RTO\s+\d")
        assert re.search(r"\d\d-\d\d \d\d:\d\d\s+passed\s+\d", screen), screen  # past run
        term.press("Escape", then=r"Past runs")
        term.press("q")
        deadline = time.monotonic() + 30
        while "drconsole" in term.text() and time.monotonic() < deadline:
            time.sleep(0.25)
    finally:
        stop_demo_sandbox(tmp_path)
