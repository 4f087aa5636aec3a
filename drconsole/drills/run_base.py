"""DrillRunBase: one drill run's state, its events, its stop and its lock (DrillBusy)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from drconsole.drills.copy_turns import CopyTurns
from drconsole.drills.journal import DrillJournal, DrillState, new_run_id
from drconsole.drills.runbook import ManualStep, Runbook
from drconsole.errors import UsageError

ManualAsk = Callable[[ManualStep], tuple[bool, str]]  # (performed, note)
EventSink = Callable[[dict[str, Any]], None]


class DrillRunBase:
    """The state of one drill run shared by its steps: the journal, the events, stop() and
    the lock."""

    def __init__(
        self,
        sessions: Any,
        runbook: Runbook,
        *,
        state_dir: Path,
        ask_manual: ManualAsk | None,
        on_event: EventSink,
        min_poll: float = 1.0,
        run_id: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.runbook = runbook
        self.state_dir = Path(state_dir)
        self.ask_manual = ask_manual
        self.on_event = on_event
        self.min_poll = min_poll
        self.journal = DrillJournal(self.state_dir)
        self.run_id = run_id or new_run_id()
        self.resuming = run_id is not None
        # stop(): the waits end and the drill stops where it is, resumably (the console quits).
        self.stopping = threading.Event()
        self.stopped_by = "stop"  # what stop() was called for, as journaled
        self._engines: list[Any] = []
        self._backup_restores: dict[str, str] | None = None
        # Targets copying the same resource take turns (AWS copies a resource once at a time).
        self._copy_turns = CopyTurns()

    def stop(self, by: str | None = None) -> None:
        """End every wait (job watchers, validations, a validation command, which is killed):
        the drill's threads stop where they are, with everything journaled, for `drill resume`.
        No job is started, nothing validated and nothing cleaned up after this."""
        if by is not None and not self.stopping.is_set():
            self.stopped_by = by
        self.stopping.set()
        for engine in list(self._engines):
            engine.close()

    def refuse_if_stopped(self, before: str) -> None:
        """InterruptedError once stop() was called: the drill goes no further than `before`."""
        if self.stopping.is_set():
            raise InterruptedError(f"the drill was stopped before {before}")

    def emit(self, event: str, **data: Any) -> None:
        """One drill event for the listener."""
        self.on_event({"event": event, "run": self.run_id, **data})

    def state(self) -> DrillState:
        """The drill as journaled."""
        state = self.journal.run(self.run_id)
        if state is None:
            raise UsageError(f"no drill {self.run_id} in {self.journal.path}")
        return state

    @contextmanager
    def lock(self) -> Iterator[None]:
        """The drill's lock (refused in read-only mode, and while another process holds it)."""
        if self.sessions.read_only:
            from drconsole.errors import ReadOnlyViolation

            raise ReadOnlyViolation(
                "read-only mode is on: a drill starts copy and restore jobs, so it was refused "
                "before any AWS call; use drill plan to check a runbook read-only"
            )
        with drill_lock(self.state_dir, self.run_id):
            yield


class DrillBusy(UsageError):
    """Another process holds the drill's lock: it runs (or resumes, or cleans up) the drill."""


@contextmanager
def drill_lock(state_dir: Path, run_id: str) -> Iterator[None]:
    """Hold the drill's lock (DrillBusy when another process holds it: it runs the drill)."""
    from drconsole.flows.journal import FlowLock

    lock = FlowLock(Path(state_dir) / "drills", run_id)
    if not lock.acquire():
        raise DrillBusy(f"drill {run_id} is being run by another drconsole process")
    try:
        yield
    finally:
        lock.release()
