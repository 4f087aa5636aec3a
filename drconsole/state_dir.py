"""The state dir checked where it is first used: one line naming where its path came from.

The journal, the drill journal, the audit log and the flow locks live in the XDG state dir
(`$XDG_STATE_HOME/drconsole`, else `~/.local/state/drconsole`). When that path leads through a
file, or ends in a folder that cannot be written, each command that keeps something there says
so in one line (exit 2) naming the variable that set it; commands that keep nothing there
never look. A file a person names for drconsole to write (a report, the config file) is never
one in the state dir.
"""

from __future__ import annotations

import contextlib
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
    try:
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent  # exists() is False too for a path under a file
        is_folder = existing.is_dir()
    except OSError as error:  # a name too long, a folder on the way that cannot be searched
        raise StateDirError(
            f"{_source(path, os.environ if environ is None else environ)}: "
            f"{limits.shown_path(str(existing))}: {error.strerror or error}, so drconsole "
            "cannot keep its journal there (README: State dir)"
        ) from None
    where = limits.shown_path(str(existing))
    if not is_folder:
        problem = f"{where} is not a folder"
    elif not os.access(existing, os.W_OK | os.X_OK):
        problem = f"folder {where} cannot be written"
    elif existing == path and (foreign := _not_ours(path)):
        problem = f"folder {where} {foreign}"
    else:
        if existing == path:
            _check_entries(path)
        return path
    raise StateDirError(
        f"{_source(path, os.environ if environ is None else environ)}: {problem}, so drconsole "
        f"cannot keep its journal in {limits.shown_path(str(path))} (README: State dir)"
    )


# What drconsole keeps in the state dir (and in its `drills` and `demo` folders), by the names
# flows/journal.py, aws/audit.py and drills/journal.py give them.
_JOURNAL = "journal.jsonl"
_FILES = {_JOURNAL: "journal", "audit.log": "audit log"}
_FOLDERS = {"flow-locks": "flow locks folder", "drills": "drills folder", "demo": "demo folder"}
_LOCKS = "flow-locks"
# What the `drills` folder holds beside each drill's evidence folder (named by its runbook).
DRILLS_FOLDER_ENTRIES = frozenset({_JOURNAL, _LOCKS})


def _check_entries(folder: Path) -> None:
    """StateDirError naming the first entry drconsole keeps in `folder` that is not what it
    must be: the journal or the audit log a folder, a FIFO (opened, it hangs) or a device; the
    flow locks folder a file; a flow's lock not a file. Checked before anything is journaled,
    so a flow never starts that could not go on."""
    from drconsole.output_files import not_regular

    for name, what in _FILES.items():
        entry = folder / name
        what = "drill journal" if folder.name == "drills" and name == _JOURNAL else what
        if foreign := _not_ours(entry):
            _damaged(entry, what, foreign)
        kind = not_regular(entry)
        if kind is not None:
            _damaged(entry, what, f"is {kind}, not a file")
        if entry.exists() and not os.access(entry, os.R_OK | os.W_OK):
            _damaged(entry, what, "cannot be read and written by this user")
    for name, what in _FOLDERS.items():
        if (folder / name).exists() and not (folder / name).is_dir():
            _damaged(folder / name, what, "is not a folder")
        if foreign := _not_ours(folder / name):
            _damaged(folder / name, what, foreign)
    if (folder / _LOCKS).is_dir():
        for lock in os.scandir(folder / _LOCKS):
            kind = not_regular(Path(lock.path)) if lock.name.endswith(".lock") else None
            if kind is not None:
                _damaged(Path(lock.path), "flow lock", f"is {kind}, not a file")


def _not_ours(path: Path) -> str:
    """Why `path`, or what a link there points to, is not this user's own; else ''.

    In a folder another user owns (a shared XDG_STATE_HOME under /tmp, say), that user can put
    a link in the journal's place and read or replace what drconsole journals: a resume would
    then send requests someone else wrote. Only the user's own state dir and files are used."""
    owners = []
    for look in (os.lstat, os.stat):
        with contextlib.suppress(OSError):  # not there (yet): made by this user when it is
            owners.append(look(path).st_uid)
    others = [owner for owner in owners if owner != os.geteuid()]
    return f"belongs to another user (uid {others[0]})" if others else ""


def _damaged(path: Path, what: str, problem: str) -> None:
    raise StateDirError(
        f"drconsole's {what} {limits.shown_path(str(path))} {problem}: move it out of the "
        "state dir (README: State dir)"
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


def refuse_inside(path: Path, flag: str, state_dir: Path | None = None) -> None:
    """UsageError when writing `path` would write inside the state dir: the journal, the
    audit log, the drill journal and the flow locks live there, and a report or a config
    written over one of them loses the flows in flight (their tokens, their job ids)."""
    if state_dir is None:
        from drconsole.config import default_state_dir

        state_dir = default_state_dir()
    if is_inside(path, state_dir):
        raise UsageError(
            f"{flag} {limits.shown_path(str(path))}: is inside drconsole's state dir "
            f"{limits.shown_path(str(state_dir))}, where its journal, audit log and locks are; "
            "give a path outside it"
        )


def is_inside(path: Path, state_dir: Path) -> bool:
    """True when the file `path` names (every symlink on its way and at its end followed) lies
    in `state_dir`: by real path, and by folder identity (device and inode) so that a bind
    mount or another route to the same folder is caught too."""
    real = Path(os.path.realpath(path))  # callers expanded `~` (user_paths.expanded)
    if real.is_relative_to(os.path.realpath(state_dir)):
        return True  # even before the state dir is made: the file would be taken for its own
    try:
        state = os.stat(state_dir)
    except OSError:
        return False
    for folder in (real, *real.parents):
        try:
            found = os.stat(folder)
        except OSError:
            continue  # not made yet
        if (found.st_dev, found.st_ino) == (state.st_dev, state.st_ino):
            return True
    return False
