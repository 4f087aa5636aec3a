"""Background AWS work steps aside while the console answers a key.

Python runs one thread at a time. While a thousand accounts load, dozens of threads build,
sign and parse requests, and a key typed in the console takes turns with all of them: the faster
AWS answers, the more of them have work at once. So the console holds the foreground from the
moment a key arrives until the frame that answers it is drawn (and while it rebuilds a table),
and every AWS thread waits at its next step: before sending a request, before parsing an
answer, between tasks.

A hold never outlasts `LONGEST_HOLD` after the last key: loading slows while someone types,
never stops. The command line never holds, so `wait` costs it one flag test per step.
"""

from __future__ import annotations

import threading
import time
from typing import Any

# A key is answered in tens of milliseconds; a hold past this is a key whose frame never came.
LONGEST_HOLD = 0.25


class Foreground:
    """Whether the console is answering input; AWS threads wait while it is."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open = threading.Event()
        self._open.set()
        self._pending = 0
        self._until = 0.0

    def hold(self) -> None:
        """Input arrived (any thread): background work waits until `answered` or the limit."""
        with self._lock:
            self._pending += 1
            self._until = time.monotonic() + LONGEST_HOLD
            self._open.clear()

    def answered(self) -> None:
        """The frame answering one held input was drawn (the UI thread)."""
        with self._lock:
            self._pending = max(0, self._pending - 1)
            if self._pending == 0:
                self._open.set()

    def wait(self, *_: Any, **__: Any) -> None:
        """Wait while input is being answered (at most until the hold's limit)."""
        while not self._open.is_set():
            remaining = self._until - time.monotonic()
            if remaining <= 0:
                with self._lock:
                    if time.monotonic() >= self._until:
                        # The last key's frame never came (the app was closing, say): let go.
                        self._pending = 0
                        self._open.set()
                return
            self._open.wait(remaining)

    @property
    def held(self) -> bool:
        """True while background work is held."""
        return not self._open.is_set()


# One terminal per process: the console holds it, every AWS thread of the process waits on it.
FOREGROUND = Foreground()
