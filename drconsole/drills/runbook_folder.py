"""The runbook files of a runbooks folder and of its sub-folders, found with bounds.

Hidden files and folders (`.git`, `.cache`) are skipped. A folder reached twice — a symbolic
link back up the tree, or two links to one folder — is read once, so a loop cannot hang the
walk. The walk stops after `MAX_RUNBOOK_FILES` files or `MAX_FOLDERS` folders (a folder set
to `~` by mistake is not read whole) and says so.
"""

from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass
from pathlib import Path

SUFFIXES = (".yaml", ".yml")
MAX_RUNBOOK_FILES = 500
MAX_FOLDERS = 1000


@dataclass(frozen=True)
class RunbookFiles:
    """The runbook files found (sorted: a folder's own files before its sub-folders') and,
    when the walk did not see everything, why."""

    files: tuple[Path, ...]
    note: str = ""


def find_runbooks(folder: Path) -> RunbookFiles:
    """Every `*.yaml` / `*.yml` file under `folder`, folders nearest first.

    OSError (FileNotFoundError, PermissionError) when `folder` itself cannot be read; a
    sub-folder that cannot be read is named in the note and skipped.
    """
    root = Path(folder)
    files: list[Path] = []
    unreadable: list[str] = []
    seen: set[tuple[int, int]] = set()
    pending = deque([root])
    folders = 0
    cut = ""
    while pending and not cut:
        current = pending.popleft()
        try:
            status = current.stat()  # through a link: the folder it points to
            if (status.st_dev, status.st_ino) in seen:
                continue  # a link back up the tree, or a second way to the same folder
            seen.add((status.st_dev, status.st_ino))
            with os.scandir(current) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            if current == root:
                raise
            unreadable.append(f"{current.relative_to(root)} ({exc.strerror or exc})")
            continue
        folders += 1
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = current / entry.name
            if _is_dir(entry):
                if folders + len(pending) >= MAX_FOLDERS:
                    cut = f"stopped after {MAX_FOLDERS} folders"
                    break
                pending.append(path)
            elif entry.name.lower().endswith(SUFFIXES) and _is_file(entry):
                files.append(path)
                if len(files) >= MAX_RUNBOOK_FILES:
                    cut = f"stopped after {MAX_RUNBOOK_FILES} runbook files"
                    break
    notes = []
    if cut:
        notes.append(f"{cut}: the folder holds more, not listed")
    if unreadable:
        notes.append(f"cannot read {', '.join(unreadable)}")
    ordered = sorted(files, key=lambda p: (p.relative_to(root).parent.parts, p.name))
    return RunbookFiles(tuple(ordered), "; ".join(notes))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # follows links: a linked folder is walked (once)
    except OSError:
        return False


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False
