"""The consoles open on the demo sandbox: the last one to quit stops it, never an earlier one.

A later `drconsole demo` reuses the running sandbox, so several consoles can share it (jobs in
one terminal, the wizard in another). Each console keeps a file `<demo dir>/consoles/<its pid>`
naming the sandbox's pid, and holds an exclusive lock on it while it runs. The OS drops that
lock when the process ends, however it ends, so a console that died (or a pid reused since by
another process) never counts as attached; its file is removed by the next one to look.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from drconsole.private_files import open_private, private_dir

CONSOLES_DIR = "consoles"


@contextlib.contextmanager
def deciding(state_dir: Path) -> Iterator[None]:
    """Held while a console chooses the sandbox and attaches to it, and while one that quits
    decides whether to stop it: a console never attaches to a sandbox that is being stopped.

    The lock is on the demo folder itself, so taking it writes no file.
    """
    private_dir(state_dir)
    fd = os.open(state_dir, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


class Attachment:
    """This console's mark on the sandbox of pid `sandbox_pid` (see the module's docstring)."""

    def __init__(self, state_dir: Path, sandbox_pid: int) -> None:
        self.sandbox_pid = sandbox_pid
        self.path = state_dir / CONSOLES_DIR / str(os.getpid())
        self._fd: int | None = open_private(self.path, os.O_RDWR)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.ftruncate(self._fd, 0)
            os.write(self._fd, f"{sandbox_pid}\n".encode())
        except BaseException:
            os.close(self._fd)
            raise

    def detach(self) -> None:
        """Remove the mark (before the lock goes, so no one reads it as a dead console's)."""
        if self._fd is not None:
            self.path.unlink(missing_ok=True)
            os.close(self._fd)
            self._fd = None


def attached_consoles(state_dir: Path, sandbox_pid: int) -> list[int]:
    """Pids of the running consoles attached to the sandbox `sandbox_pid`, this one left out;
    the marks of consoles that are gone are removed. Asked under `deciding`."""
    folder = state_dir / CONSOLES_DIR
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    attached = []
    for entry in entries:
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        running, on = _mark(Path(entry.path))
        if running and on == sandbox_pid:
            attached.append(int(entry.name))
    return sorted(attached)


def _mark(path: Path) -> tuple[bool, int | None]:
    """(whether the console of this mark still runs, the sandbox pid it names); the mark of a
    console that is gone is removed."""
    try:
        # Never follow a link nor wait on a FIFO put in a mark's place.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False, None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            text = os.read(fd, 32).decode("ascii", "replace").strip()
            return True, int(text) if text.isdigit() else None
        path.unlink(missing_ok=True)  # no process holds it: that console is gone
        return False, None
    finally:
        os.close(fd)
