"""Files a person names (a report, the config file): written whole, through a symlink, and
never over a device, a FIFO or a socket.

A symlink is followed: the file it points to is replaced (atomically, by a temporary file in
that file's own folder) and the link stays a link, as editors and dotfile managers expect. Not
another user's link in a shared folder such as /tmp, though (see `foreign_link`). A
file that exists keeps its mode (the person chose it: a config kept 0644 in a dotfiles repo
stays 0644); a new one gets the mode the command asks for (0600 for what may be private).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from drconsole import limits
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


# Links followed before a path is taken for a loop (Linux's MAXSYMLINKS).
MAX_LINKS = 40


class RefusedFile(UsageError, OSError):
    """A path drconsole does not write through. A usage error (one line, exit 2) where nothing
    catches it; an OSError where a write failure is already said (drill cleanup's `report not
    written again: ...`, init's `cannot write ...`)."""

    def __str__(self) -> str:
        return redact_text(str(self.strerror))  # one line naming the path, no "[Errno 17]"


class NotRegularFile(RefusedFile):
    """The path names something other than a regular file: it is never replaced."""


class ForeignSymlink(RefusedFile):
    """A symlink on the path is another user's, in a shared folder: it is not followed."""


def foreign_link(path: Path) -> str | None:
    """Why a write to `path` must not follow one of the symlinks on its way, else None.

    Every symlink met while resolving `path` (a folder's on its way, the file's own, and those
    their targets lead through) is judged as Linux's `fs.protected_symlinks=1` judges it: one
    that sits in a sticky, world-writable folder (/tmp) and belongs neither to this user nor to
    the folder's owner is another user's trap (a link to `~/.bashrc`, or a dangling one to a
    file to create), not a choice of the person running drconsole. The kernel alone does not
    stop drconsole, which resolves the link itself and renames a file over its target."""
    pending = list(reversed(Path(path).parts))
    here = Path("/") if Path(path).is_absolute() else Path(os.getcwd())
    followed = 0
    while pending:
        part = pending.pop()
        if part in ("", ".", "/"):
            continue
        if part == "..":
            here = here.parent
            continue
        try:
            found = os.lstat(here / part)
        except OSError:
            return None  # nothing there (a new file, a folder to make), or out of reach
        if not stat.S_ISLNK(found.st_mode):
            here = here / part
            continue
        if refusal := _shared_folder_refusal(here, here / part, found.st_uid):
            return refusal
        followed += 1
        if followed > MAX_LINKS:
            return None  # a loop: said by `not_regular`
        target = Path(os.readlink(here / part))
        if target.is_absolute():
            here = Path("/")
        pending.extend(reversed(target.parts))
    return None


def _shared_folder_refusal(folder: Path, link: Path, owner: int) -> str | None:
    """Why the link `link` (of uid `owner`), found in `folder`, is not followed, else None."""
    # Stricter than the kernel's rule, which follows a link of the folder's owner: another
    # user's folder inside /tmp holding their link to `~/.bashrc` is the same trap one level
    # down. The person's own links and root's are followed, wherever they are.
    if owner in (os.geteuid(), 0):
        return None
    found = os.stat(folder)
    shared = found.st_mode & stat.S_ISVTX and found.st_mode & stat.S_IWOTH
    where = "the shared folder" if shared else "the folder"
    kind = " (sticky, writable by all)" if shared else ""
    return (
        f"{limits.shown_path(str(link))} is a symlink of another user (uid {owner}) in "
        f"{where} {limits.shown_path(str(folder))}{kind}: not followed"
    )


def target_of(path: Path) -> Path:
    """The file a write to `path` changes: the end of its symlinks (a dangling one's target
    too), else `path` itself. ForeignSymlink when one of them is another user's trap."""
    refusal = foreign_link(path)
    if refusal is not None:
        raise ForeignSymlink(errno.EACCES, refusal)
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

    NotRegularFile (an OSError) when a device, FIFO, socket or folder is there, ForeignSymlink
    when another user's symlink leads there (`foreign_link`). Missing
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
