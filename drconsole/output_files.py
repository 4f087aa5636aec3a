"""Files a person names (a report, the config file): written whole, through a symlink, and
never over a device, a FIFO or a socket.

A symlink is followed: the file it points to is replaced (atomically, by a temporary file in
that file's own folder) and the link stays a link, as editors and dotfile managers expect. A
file that exists keeps its mode (the person chose it: a config kept 0644 in a dotfiles repo
stays 0644); a new one gets the mode the command asks for (0600 for what may be private).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from drconsole.errors import UsageError
from drconsole.private_files import fsync_directory, private_dir
from drconsole.redact import redact_text

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


class NotRegularFile(UsageError, OSError):
    """The path names something other than a regular file: it is never replaced. A usage
    error (one line, exit 2) where nothing catches it; an OSError where a write failure is
    already said (drill cleanup's `report not written again: ...`)."""

    def __str__(self) -> str:
        return redact_text(str(self.strerror))  # one line naming the path, no "[Errno 17]"


def target_of(path: Path) -> Path:
    """The file a write to `path` changes: the end of its symlinks (a dangling one's target
    too), else `path` itself."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def not_regular(path: Path) -> str | None:
    """What is at `path` (symlinks followed) when it is neither a regular file nor nothing:
    "a FIFO (named pipe)", "a device", "a socket", "a folder", "a symlink loop"; else None."""
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None  # nothing there (or a folder on the way is missing): a new file
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "a symlink loop"
        return f"out of reach ({error.strerror})"
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


def replace_file(path: Path, data: bytes, new_mode: int = 0o600) -> Path:
    """Write `data` as the whole of the file `path` names; the file written.

    NotRegularFile (an OSError) when a device, FIFO, socket or folder is there. Missing
    folders are made 0700; a new file is made with `new_mode` (as the umask allows).
    """
    path = Path(path)
    target = target_of(path)
    kind = not_regular(target)
    if kind is not None:
        raise NotRegularFile(errno.EEXIST, f"{path} is {kind}, not a regular file: not replaced")
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    if not target.parent.is_dir():
        private_dir(target.parent)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, new_mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_directory(target.parent)
    return target
