"""SIGTERM and SIGHUP stop a command as Ctrl+C does: its orderly stop, then exit 128+signal."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

# systemd's stop, a CI job's timeout or cancel, a closed SSH session.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class StopSignal(KeyboardInterrupt):
    """A stop signal, raised in the main thread where Ctrl+C raises KeyboardInterrupt, so that
    every path that stops cleanly on Ctrl+C stops the same way on it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.name = signal.Signals(signum).name

    @property
    def exit_code(self) -> int:
        """128 + the signal's number, as a shell reports a command ended by it."""
        return 128 + self.signum


def interrupt_exit_code(stop: KeyboardInterrupt) -> int:
    """130 for Ctrl+C; 128 + the signal's number for SIGTERM or SIGHUP."""
    return stop.exit_code if isinstance(stop, StopSignal) else 130


def stop_name(stop: BaseException) -> str:
    """`SIGTERM`/`SIGHUP` for a stop signal, `SIGINT` for Ctrl+C."""
    return stop.name if isinstance(stop, StopSignal) else "SIGINT"


@contextmanager
def stop_signals_as_interrupt() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP raise StopSignal in the main thread (the handlers are
    put back after). Elsewhere than the main thread, nothing changes: Python refuses it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def raise_stop(signum: int, frame: FrameType | None) -> None:
        raise StopSignal(signum)

    # A signal ignored when drconsole started (`nohup`) stays ignored.
    wanted = [sig for sig in STOP_SIGNALS if signal.getsignal(sig) is not signal.SIG_IGN]
    previous = {sig: signal.signal(sig, raise_stop) for sig in wanted}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
