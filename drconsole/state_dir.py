"""The state dir checked where it is first used: one line naming where its path came from.

The journal, the drill journal, the audit log and the flow locks live in the XDG state dir
(`$XDG_STATE_HOME/drconsole`, else `~/.local/state/drconsole`). When that path leads through a
file, or ends in a folder that cannot be written, each command that keeps something there says
so in one line (exit 2) naming the variable that set it; commands that keep nothing there
never look.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from drconsole import limits
from drconsole.errors import UsageError


class StateDirError(UsageError):
    """The state dir cannot be made or written."""


def checked_state_dir(path: Path, environ: Mapping[str, str] | None = None) -> Path:
    """`path` (the state dir or a folder in it), when it is a folder that can be written or
    can be made in one; else StateDirError naming XDG_STATE_HOME (or HOME) and the path."""
    path = Path(path)
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent  # exists() is False too for a path under a file
    where = limits.shown_path(str(existing))
    if not existing.is_dir():
        problem = f"{where} is not a folder"
    elif not os.access(existing, os.W_OK | os.X_OK):
        problem = f"folder {where} cannot be written"
    else:
        return path
    raise StateDirError(
        f"{_source(path, os.environ if environ is None else environ)}: {problem}, so drconsole "
        f"cannot keep its journal in {limits.shown_path(str(path))} (README: State dir)"
    )


def _source(path: Path, environ: Mapping[str, str]) -> str:
    """`XDG_STATE_HOME=...` when it set `path` (as platformdirs reads it), else `HOME=...`."""
    xdg = environ.get("XDG_STATE_HOME", "").strip()
    if xdg and path.is_relative_to(xdg):
        return f"XDG_STATE_HOME={limits.shown_path(xdg)}"
    home = environ.get("HOME", "")
    if home and path.is_relative_to(home):
        return f"the state dir (HOME={limits.shown_path(home)})"
    return "the state dir"
