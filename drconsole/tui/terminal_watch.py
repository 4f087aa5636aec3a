"""The console ends when its terminal is gone, and never hangs on its way out because of it.

A closed SSH connection or a killed tmux server can leave the console without a SIGHUP (its
shell took it; a `trap '' HUP` or `nohup` ignored it): its terminal then reads as closed for
ever, Textual's input thread spins on that end-of-file (55% of a core, measured), and the
console goes on calling AWS for nobody. Asked to stop then (a stop signal, or the check
below), Textual's shutdown writes to the terminal that is gone and was seen waiting on it for
ever. Every flow is already in the journal (each record fsynced as it is written), so ending
the process is what a dropped session needs: `drconsole jobs --resume` or the next console
takes the flows up.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

# How often the console looks at its terminal: a second of a spinning input thread at most.
CHECK_SECONDS = 1.0
# How long an orderly stop may take once the terminal is gone before the process ends anyway
# (the stop answers in well under a second when it can).
EXIT_GRACE_SECONDS = 10.0
# The exit code of a console whose terminal went away: as for SIGHUP (128 + 1).
TERMINAL_GONE_EXIT = 128 + signal.SIGHUP


def terminal_fd() -> int | None:
    """The console's terminal (its standard input, which Textual reads keys from), if any."""
    stream = sys.__stdin__
    try:
        return stream.fileno() if stream is not None else None
    except (OSError, ValueError):
        return None


def terminal_gone(fd: int) -> bool:
    """True when `fd` is no longer a terminal: hung up (it reads end-of-file) or closed."""
    try:
        return not os.isatty(fd)
    except (OSError, ValueError):
        return True


def end_if_stuck(code: int, fd: int | None, grace: float = EXIT_GRACE_SECONDS) -> None:
    """Let an orderly stop run; if the process still runs `grace` seconds later and its
    terminal is gone, end it with `code` at once (a daemon thread: a stop that finishes ends
    the process first)."""
    if fd is None:
        return

    def watch() -> None:
        time.sleep(grace)
        if terminal_gone(fd):
            os._exit(code)

    threading.Thread(target=watch, name="drconsole-exit-watch", daemon=True).start()
