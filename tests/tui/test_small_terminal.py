"""Every browsing screen at 80x24 in a real terminal (tmux), typed in bursts as a person types,
over a slow sandbox: essential columns, keys and scope visible on the captured pane."""

from __future__ import annotations

import re
import shutil
import sys
import time
from pathlib import Path

import pytest

from tests.tui.test_tmux import ROOT, Terminal, stop_demo_sandbox, terminal, xdg_env

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
__all__ = ["terminal"]

SCOPE = "Regions eu-central-1, eu-north-1"


def footer(screen: str) -> str:
    return screen.rstrip("\n").splitlines()[-1]


def test_every_screen_at_80x24_over_a_slow_network(
    terminal: type[Terminal], tmp_path: Path
) -> None:
    command = (
        f"cd {ROOT} && NO_COLOR=1 {xdg_env(tmp_path)}TERM=xterm-256color "
        f"{sys.executable} -m drconsole demo --latency-ms 40; sleep 5"
    )
    try:
        term = terminal("small", 80, 24, command)
        screen = term.wait_for(rf"\d+ accounts · {SCOPE}(?!.*loading)", timeout=90)
        # (The Id column gives way to the readiness verdicts once they are decided.)
        assert re.search(r"Account +(Id +)?Vaults +RPs +Newest +State", screen)
        assert "q Quit" in footer(screen) and "? Keys" in footer(screen)

        # A filter matching several accounts (dev and qa by their Non-Prod OU), typed at once:
        # Enter keeps it, the next Enter opens the best match.
        term.press("/prod")
        term.press("Enter")
        screen = term.press("Enter", then=rf"\d+ vaults · prod · {SCOPE}")
        assert "Organization > prod (" in screen
        assert re.search(r"Region +Vault +RPs +Key +Lock +Policy", screen)

        # Command mode straight to the backup account's DR vault.
        term.press(":rp dr-eu-north-1")
        screen = term.press("Enter", then=r"(?m)^ [\d,]+ recovery points · \d{12} eu-north-1")
        header = next(line for line in screen.splitlines() if "Created (UTC)" in line)
        for column in ("Created (UTC) ▼", "Age", "Type", "Resource", "Size", "Status"):
            assert column in header, header
        assert header.rstrip().endswith("▸"), header  # more columns to the right
        assert "Enter" not in footer(screen) or "Detail" in footer(screen)
        for _ in range(4):  # → until nothing is left to the right (Resource stays)
            term.press("Right")
        screen = term.wait_for(r"(?m)^.*Resource.*Key.*Copied from.*Expires.*◂ *$")
        header = next(line for line in screen.splitlines() if "Copied from" in line)
        assert "▸" not in header and "↔" not in header, header
        for _ in range(4):
            term.press("Left")
        term.wait_for(r"(?m)^Created \(UTC\) ▼.*▸ *$")
        # Sort by size, then the other way; the header says so.
        screen = term.press("S", then=r"Size ▲")
        # (Once sizes show under it: a loaded CI run once captured the header with none below.)
        screen = term.press("S", then=r"Size ▼[\s\S]*\d+\.\d GiB")
        sizes = [
            float(m.group(1)) for m in re.finditer(r"(\d+\.\d) GiB", screen.split("Size ▼", 1)[1])
        ]
        assert sizes == sorted(sizes, reverse=True) and len(sizes) > 5, sizes
        # Detail: every field, Key, Copied from and Expires included.
        screen = term.press("Enter", then=r"Recovery point\s+arn:aws:")
        for label in ("Key ", "Copied from", "Expires"):
            assert label in screen, screen
        term.press("Escape", then=r"recovery points · \d{12}")

        # The checks: what they judge said in words, rows and the highlighted row's evidence
        # all visible. (Four checks answered and the pane under them filled: a loaded CI run
        # once captured the checks over an empty pane. Four rows is what 24 lines leave beside
        # the four lines saying why no destination is assumed for a copy in the backup account,
        # the largest point of the demo: the rest scroll.)
        screen = term.press(
            "c",
            then=r"(?s)Status +Group +Check(\n (PASS|FAIL|WARN) [^\n]*){4}"
            r".*─{20}.*(PASS|FAIL|WARN|UNKNOWN) \S",
        )
        assert re.search(r"Copy to \S+ \(\d{12}\) eu-\S+ \S+|No destination chosen", screen)
        rows = re.findall(r"(?m)^ (PASS|FAIL|WARN|UNKNOWN) ", screen)
        assert len(rows) >= 4, screen
        pane = screen.split("─" * 20, 1)[1]
        assert re.search(r"(PASS|FAIL|WARN|UNKNOWN) \S", pane), screen
        assert "f Fix" in footer(screen) and "? Keys" in footer(screen)
        term.press("Escape", then=r"recovery points · \d{12}")
        # Back gave the list the focus: j/k and / answer at once.
        term.press("/", then=r"Enter keeps · Esc clears")
        term.press("Escape", gone=r"Enter keeps · Esc clears")

        # Protected resources of one account, then of all of them.
        term.press(":protected prod")
        screen = term.press("Enter", then=rf"protected resources · prod · {SCOPE}")
        assert re.search(r"RPO +Resource +Type +Region +Newest backup", screen)
        term.press(":protected all")
        everywhere = rf"resources(, \d+ without a copy)? · \d+ accounts · {SCOPE}"
        screen = term.press("Enter", then=everywhere)
        assert re.search(r"RPO +Resource +DR copy +Type +Account", screen), screen

        screen = term.press("?", then=r"This screen")
        assert "Sort by" in screen or "Refresh" in screen
        term.press("Escape", gone=r"This screen")
        term.press("C-c")
        deadline = time.monotonic() + 60
        while "drconsole" in term.text() and time.monotonic() < deadline:
            time.sleep(0.25)
        assert "drconsole" not in term.text()  # Ctrl+C quit and gave the terminal back
    finally:
        stop_demo_sandbox(tmp_path)
