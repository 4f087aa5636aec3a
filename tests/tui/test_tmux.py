"""`drconsole demo` in a real terminal (tmux): keys in, screen text out; two sizes, NO_COLOR."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Terminal:
    """One tmux session on a private server socket, running one command."""

    def __init__(self, name: str, width: int, height: int, command: str) -> None:
        self.socket = f"drconsole-test-{os.getpid()}-{name}"
        self.target = name
        self.tmux("new-session", "-d", "-s", name, "-x", str(width), "-y", str(height), command)

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False
        )
        return result.stdout

    def press(self, key: str, then: str | None = None, gone: str | None = None) -> str:
        """Send one key (tmux names: Enter, Escape, Down...) or text, then wait until the screen
        matches `then` and no longer matches `gone` (regexes), so the next key reaches the
        screen it is meant for. Without either, only the terminal's input order is relied on
        (a cursor move that changes no text). Returns the screen."""
        self.tmux("send-keys", "-t", self.target, key)
        if then is None and gone is None:
            return self.text()
        return self.wait_for(then or "", gone=gone)

    def paste(self, text: str, then: str) -> str:
        """Paste `text` as a terminal does (bracketed, since the console asks for it), then wait
        until the screen matches `then`; returns the screen."""
        subprocess.run(
            ["tmux", "-L", self.socket, "load-buffer", "-b", "pasted", "-"],
            input=text.encode(),
            check=True,
        )
        self.tmux("paste-buffer", "-p", "-d", "-b", "pasted", "-t", self.target)
        return self.wait_for(then)

    def text(self, escapes: bool = False) -> str:
        """What the terminal shows now (with escape sequences when `escapes`)."""
        return self.tmux("capture-pane", "-p", *(["-e"] if escapes else []), "-t", self.target)

    def wait_for(self, pattern: str, timeout: float = 60.0, gone: str | None = None) -> str:
        """Wait until the screen matches `pattern` (a regex) and, if given, no longer matches
        `gone`; return the screen."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.text()
            if re.search(pattern, screen) and not (gone and re.search(gone, screen)):
                return screen
            time.sleep(0.1)
        expected = f"{pattern!r}" + (f" without {gone!r}" if gone else "")
        raise AssertionError(f"{expected} never appeared; the screen shows:\n{screen}")

    def wait_for_row(self, row: int, pattern: str, timeout: float = 30.0) -> str:
        """Wait until the screen's row `row` (0 at the top) matches `pattern`; return the screen.
        A screen is drawn in pieces: text found further up does not mean this row is drawn."""
        return self.wait_for(rf"\A(?:.*\n){{{row}}}.*(?:{pattern})", timeout)

    def alive(self) -> bool:
        return self.target in self.tmux("list-sessions", "-F", "#{session_name}")

    def close(self) -> None:
        self.tmux("kill-server")


@pytest.fixture
def terminal(request: pytest.FixtureRequest) -> Iterator[type[Terminal]]:
    opened: list[Terminal] = []

    def open_terminal(name: str, width: int, height: int, command: str) -> Terminal:
        term = Terminal(name, width, height, command)
        opened.append(term)
        return term

    yield open_terminal  # type: ignore[misc]
    for term in opened:
        term.close()


# xterm-256 palette entries that are greys: black/white/greys of the 16, the cube's diagonal,
# and the 24-step grey ramp.
GREYS_256 = {0, 7, 8, 15, 16, 59, 102, 145, 188, 231, *range(232, 256)}


def chromatic_colors(screen: str) -> set[str]:
    """Foreground/background colors in SGR sequences that are not greys."""
    found: set[str] = set()
    for params in re.findall(r"\x1b\[([0-9;]*)m", screen):
        numbers = [int(p) for p in params.split(";") if p]
        i = 0
        while i < len(numbers):
            if numbers[i] in (38, 48) and i + 2 < len(numbers) and numbers[i + 1] == 5:
                if numbers[i + 2] not in GREYS_256:
                    found.add(f"{numbers[i]};5;{numbers[i + 2]}")
                i += 3
            elif numbers[i] in (38, 48) and i + 4 < len(numbers) and numbers[i + 1] == 2:
                r, g, b = numbers[i + 2 : i + 5]
                if not r == g == b:
                    found.add(f"{numbers[i]};2;{r};{g};{b}")
                i += 5
            else:
                basic = 30 <= numbers[i] <= 37 or 40 <= numbers[i] <= 47 or 90 <= numbers[i] <= 107
                if basic and numbers[i] not in (30, 37, 40, 47, 90, 97, 100, 107):
                    found.add(str(numbers[i]))
                i += 1
    return found


def xdg_env(home: Path) -> str:
    """A state and config dir of the test's own: no journal or config of the user's."""
    return f"XDG_STATE_HOME={home / 'state'} XDG_CONFIG_HOME={home / 'config'} "


def demo_command(no_color: bool, home: Path) -> str:
    env = ("NO_COLOR=1 " if no_color else "env -u NO_COLOR ") + xdg_env(home)
    # `sleep` keeps the pane (and an eventual traceback) readable after the app exits.
    return f"cd {ROOT} && {env}TERM=xterm-256color {sys.executable} -m drconsole demo; sleep 5"


def stop_demo_sandbox(home: Path) -> None:
    """`drconsole demo --stop`, in case the demo left its sandbox running in the background."""
    subprocess.run(
        f"{xdg_env(home)}{sys.executable} -m drconsole demo --stop",
        shell=True,
        cwd=ROOT,
        capture_output=True,
        check=False,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("width", "height", "no_color"), [(120, 40, False), (80, 24, False), (80, 24, True)]
)
def test_find_the_newest_prod_database_copy_with_the_keyboard(
    terminal: type[Terminal], width: int, height: int, no_color: bool, tmp_path: Path
) -> None:
    name = f"demo{width}x{height}{'nc' if no_color else ''}"
    try:
        drive_the_demo(terminal, name, width, height, no_color, tmp_path)
    finally:
        stop_demo_sandbox(tmp_path)


def drive_the_demo(
    terminal: type[Terminal], name: str, width: int, height: int, no_color: bool, home: Path
) -> None:
    """Organization -> backup account -> DR vault -> filter -> detail -> back -> help -> quit."""
    term = terminal(name, width, height, demo_command(no_color, home))
    # Every account answered: no "loading n/6" left, so the backup account's vaults are in.
    screen = term.wait_for(
        r"6 accounts · Regions eu-central-1, eu-north-1", timeout=90, gone=r"loading \d+/\d+"
    )
    # At 80 columns names and OU paths are cut so that dev's SERVICE_LINKED_ROLE_MISSING badge
    # stays whole: "…/Prod" and "backup (b…" (its readiness verdict, once decided, pushes the Id
    # column out).
    assert "/Prod" in screen and "backup (b" in screen
    assert re.search(r"(⚠|NOT READY) SERVICE_LINKED_ROLE_MISSING", screen)
    assert re.search(r"backup \(b\S*\s+(\d{12}\s+)?2\s", screen)  # the backup account's 2 vaults
    term.press("/", then=r"Enter keeps · Esc clears")
    # Pasted as copied from a coloured log line: its escapes are text to drop, not keys.
    term.paste("\x1b[1mbackup\x1b[0m", then=r"filter 'backup'")
    # Enter keeps the filter: its bar closes and the list (with its keys) has the focus again.
    term.press("Enter", then=r"filter 'backup'[^\n]*\n.*r Refresh")
    screen = term.press("Enter", then=r"2 vaults · backup · Regions eu-central-1, eu-north-1")
    assert "central-eu-central-1" in screen and "dr-eu-north-1" in screen
    term.press("Down")
    screen = term.press("Enter", then=r"(?m)^ [\d,]+ recovery points · \d{12} eu-north-1 *$")
    assert "Created (UTC)" in screen and "Resource" in screen
    term.press("/", then=r"Enter keeps · Esc clears")
    term.press("prod rds", then=r"of \d+ match 'prod rds'")
    screen = term.press("Enter", then=r"of \d+ match 'prod rds' · \d{12} eu-north-1 *\n.*r Refresh")
    first_row = next(
        line for line in screen.splitlines() if re.match(r"\s*\d{4}-\d\d-\d\d \d\d:\d\d", line)
    )
    assert "RDS" in first_row and "prod-orders-db" in first_row
    screen = term.press("Enter", then=r"Recovery point\s+arn:aws:")
    assert re.search(r"Resource type\s+RDS", screen)
    assert "eu-north-1" in screen
    if no_color:
        hues = chromatic_colors(term.text(escapes=True))
        assert not hues, f"colors despite NO_COLOR: {sorted(hues)[:5]}"
    # Escape: back to the filtered list, then the filter is cleared, then back to the vaults.
    term.press("Escape", then=r"Created \(UTC\)[\s\S]*match 'prod rds'")
    term.press("Escape", then=r"(?m)^ [\d,]+ recovery points · \d{12} eu-north-1 *$")
    term.press("Escape", then=r"Region +Vault +RPs[\s\S]*2 vaults · backup")
    screen = term.press("?", then=r"This screen")
    assert "Refresh" in screen
    term.press("Escape", then=r"2 vaults · backup", gone=r"This screen")
    term.press("q")
    deadline = time.monotonic() + 60
    while "drconsole" in term.text() and time.monotonic() < deadline:
        time.sleep(0.25)
    assert "drconsole" not in term.text()  # the app quit and gave the terminal back
