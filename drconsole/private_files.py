"""Files only their owner may read: directories 0700, files 0600, new entries fsynced.

The state dir holds the journal (IdempotencyTokens, exact requests), the audit log, flow locks
and the demo sandbox's record: nothing another local user should read. Modes are set at creation
and tightened when an older version left them wider; a newly created file or directory is made
durable by fsyncing the directory that holds it, so a crash cannot lose the entry itself.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def fsync_directory(path: Path) -> None:
    """fsync a directory, so the entries created in it survive a crash."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def private_dir(path: Path) -> Path:
    """Make `path` a directory of mode 0700 (missing parents too, as the XDG spec asks);
    tighten it if it is wider, and fsync the parent of every directory created.

    Existing parents are left as they are: they belong to the user's setup.
    """
    path = Path(path)
    if not path.is_dir():
        missing = [p for p in (path, *path.parents) if not p.exists()]
        for directory in reversed(missing):
            try:
                directory.mkdir(mode=DIR_MODE)
            except FileExistsError:
                continue  # made meanwhile by another process
            fsync_directory(directory.parent)
    _tighten(path, DIR_MODE)
    return path


def open_private(path: Path, flags: int) -> int:
    """os.open with O_CREAT and mode 0600, in a 0700 directory; an existing file with a wider
    mode is tightened to 0600; a new file's directory entry is fsynced."""
    path = Path(path)
    private_dir(path.parent)
    existed = path.exists()
    # A link in the file's place is followed (the owner's own choice in their 0700 folder),
    # but what it points to keeps its mode: it is the link's target's to decide, not ours.
    linked = path.is_symlink()
    fd = os.open(path, flags | os.O_CREAT, FILE_MODE)
    try:
        if not linked and stat.S_IMODE(os.fstat(fd).st_mode) & ~FILE_MODE:
            os.fchmod(fd, FILE_MODE)
        if not existed:
            fsync_directory(path.parent)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _tighten(path: Path, mode: int) -> None:
    try:
        current = stat.S_IMODE(path.stat().st_mode)
        if current & ~mode:
            path.chmod(current & mode)
    except PermissionError:
        pass  # not ours to change (a shared or root-owned directory): leave it as it is
