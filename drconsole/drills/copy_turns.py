"""Copy turns: a drill's targets that copy the same resource copy it one after another.

AWS Backup runs one copy of a resource at a time, and the `jobs.concurrency` check fails a
copy while another of that resource runs: targets copying it in parallel would fail one another
depending on which check ran after which copy started, a verdict on timing, not on recovery.
"""

from __future__ import annotations

import threading

WAIT_STEP = 0.2  # seconds between looks at the drill's stop while waiting for a turn


class Turn:
    """One target's turn at copying a resource: `wait()` for it, `end()` it (idempotent)."""

    def __init__(self, lock: threading.Lock | None) -> None:
        self._lock = lock
        self._held = False
        self._guard = threading.Lock()

    def wait(self, stopping: threading.Event) -> None:
        """Wait until no other target of the drill copies the resource (InterruptedError when
        the drill is stopped meanwhile)."""
        if self._lock is None:
            return
        while not self._lock.acquire(timeout=WAIT_STEP):
            if stopping.is_set():
                raise InterruptedError("the drill was stopped while a target waited for its copy")
        with self._guard:
            self._held = True

    def end(self) -> None:
        """The target's copies are done (or it stopped): the next target may check and copy."""
        with self._guard:
            if self._held:
                self._held = False
                assert self._lock is not None
                self._lock.release()


class CopyTurns:
    """The turns of one drill run, one lock per resource copied."""

    def __init__(self) -> None:
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def turn(self, resource_arn: str | None) -> Turn:
        """The turn of a target copying `resource_arn` (None: it copies nothing, no wait)."""
        if not resource_arn:
            return Turn(None)
        with self._guard:
            return Turn(self._locks.setdefault(resource_arn, threading.Lock()))
