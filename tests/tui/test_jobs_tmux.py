"""'What failed overnight' in a real 80x24 terminal: `drconsole demo`, `j`, read the pane."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest

from tests.tui.test_tmux import Terminal, demo_command, stop_demo_sandbox, terminal

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
__all__ = ["terminal"]  # the fixture, used by name

# (kind, account name, cause) of each failure of the demo's night, as the pane shows them.
FAILURES = {
    ("backup", "qa", "ROLE_PERMISSIONS"),
    ("backup", "dev", "ROLE_PERMISSIONS"),
    ("copy", "qa", "SOURCE_KEY_NOT_SHARED"),
    ("copy", "prod", "AWS_MANAGED_RESOURCE_KEY"),
    ("copy", "backup", "VAULT_POLICY_DENIES_COPY"),
    ("restore", "qa", "RESOURCE_ALREADY_EXISTS"),
}
ROW = re.compile(r"^\s*(\d\d:\d\d)\s+(backup|copy|restore)\s+(\S+)\s+FAILED\s+([A-Z_]+)\b")


def failures(screen: str) -> set[tuple[str, str, str]]:
    return {(m[2], m[3], m[4]) for line in screen.splitlines() if (m := ROW.match(line))}


def test_what_failed_overnight_in_80x24(terminal: type[Terminal], tmp_path: Path) -> None:
    term = terminal("jobs80x24", 80, 24, demo_command(True, tmp_path))
    try:
        term.wait_for(r"\d accounts(?!\s+loading)", timeout=90)
        term.press("j", then=r"\d+ failed, \d+ running", gone="loading jobs")
        # The rows' first frame can come before the table measured them (cells cut to the
        # headers' widths for that frame); what an operator reads is the frame after it.
        screen = term.wait_for(r"FAILED\s+RESOURCE_ALREADY_EXISTS", timeout=10)
        header = next(line for line in screen.splitlines() if "Time" in line and "Cause" in line)
        assert re.search(r"Time \(UTC\) ▼\s+Kind\s+Account\s+State\s+Cause", header), header
        assert failures(screen) == FAILURES, screen
        assert "6 failed" in screen and re.search(r"\d accounts org-wide", screen)
        assert "fix:" in screen  # the highlighted failure's fix, under the list
        footer = screen.rstrip().splitlines()[-1]
        assert "Filter" in footer and "? Keys" in footer, footer
        # Only the copies, then every job of the night (completed ones too).
        term.press("/", then=r"Enter keeps · Esc clears")
        screen = term.press("copy", then=r"filter 'copy'")
        assert {kind for kind, _, _ in failures(screen)} == {"copy"}
        term.press("Enter", then=r"filter 'copy'[^\n]*\n.*Refresh")
        term.press("Escape", gone=r"filter 'copy'", then=r"\d+ failed")
        screen = term.press("a", then=r"COMPLETED")
        assert re.search(r"\d\d:\d\d\s+backup\s+\S+\s+COMPLETED", screen), screen
        # (The jobs screen's own status line says "6 accounts org-wide" too.)
        term.press("Escape", then=r"\d accounts", gone=r"AWS counts")
        term.press("q")
        deadline = time.monotonic() + 60
        while "drconsole" in term.text() and time.monotonic() < deadline:
            time.sleep(0.25)
        assert "drconsole" not in term.text(), term.text()
    finally:
        stop_demo_sandbox(tmp_path)
