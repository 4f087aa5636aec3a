"""`drconsole demo` at 80x24 in tmux, as a new user tries readiness: the accounts' verdicts,
`:readiness` with the demo's faults as problem rows, dev's fix from the screen turning it READY."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest

from drconsole.tui.arming import ARMING_SECONDS
from tests.tui.test_tmux import Terminal, demo_command, stop_demo_sandbox, terminal

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
__all__ = ["terminal"]


def test_readiness_journey_at_80x24(terminal: type[Terminal], tmp_path: Path) -> None:
    try:
        term = terminal("readiness", 80, 24, demo_command(True, tmp_path))
        # Each account's verdict as its rows are decided (a NOT READY one at once).
        term.wait_for(r"dev +.*NOT READY SERVICE_LINKED_ROLE_MISSING", timeout=120)
        term.wait_for(r"prod +.*NOT READY AWS_MANAGED_RESOURCE_KEY", timeout=60)

        term.press(":readiness")
        screen = term.press("Enter", then=r"3 account-Regions: 3 NOT READY")
        rows = re.findall(r"(?m)^ (dev|prod|qa) +eu-central-1 +NOT READY +(\S+)", screen)
        assert sorted(rows) == [
            ("dev", "SERVICE_LINKED_ROLE_MISSING"),
            ("prod", "AWS_MANAGED_RESOURCE_KEY"),
            ("qa", "VAULT_POLICY_DENIES_COPY"),
        ], screen

        term.press("/dev")
        term.press("Enter")
        screen = term.press("Enter", then=r"Readiness > dev eu-central-1[\s\S]*Press f: drconsole")
        assert re.search(r"FAIL +copy-back \S+ \+\d +Destination service-linked role", screen)
        screen = term.press("f", then=r"Apply \(y\)")
        assert "CreateServiceLinkedRole" in screen
        time.sleep(ARMING_SECONDS + 0.3)  # Apply answers once the dialog was on screen
        screen = term.press("y", then=r"dev \(\d{12}\) eu-central-1: READY", gone=r"Apply \(y\)")
        assert "Every copy-back and restore check passed." in screen
        term.press("Escape", then=r"1 READY, 2 NOT READY")
        term.press("Escape", then=r"(?m)^ dev +eu-central-1 +READY +- ")
        term.press("q")
    finally:
        stop_demo_sandbox(tmp_path)
