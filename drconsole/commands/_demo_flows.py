"""The demo journal's unfinished flows and drills, and what `drconsole jobs` sees of them."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drconsole.commands._demo_process import (
    RECORD_FILE,
    SandboxRecord,
    demo_settings,
    demo_state_dir,
    live_record,
)


def unfinished_flow_ids(state_dir: Path) -> list[str]:
    """Ids of the demo journal's unfinished flows (an empty list when there is no journal)."""
    from drconsole.flows.journal import JOURNAL_FILE, Journal

    if not (state_dir / JOURNAL_FILE).exists():
        return []
    return [flow.flow_id for flow in Journal(state_dir).unfinished()]


def unfinished_drill_ids(state_dir: Path) -> list[str]:
    """Ids of the drills started on the running demo sandbox and not ended (a console quit
    mid-drill): `drconsole drill resume` carries them on against that sandbox."""
    from drconsole.drills.journal import DRILLS_DIR, DrillJournal, parse_time

    record = state_dir / RECORD_FILE
    if not (state_dir / DRILLS_DIR).is_dir() or not record.exists():
        return []
    since = record.stat().st_mtime
    return [
        state.run_id
        for state in DrillJournal(state_dir).runs()
        if state.end is None
        and state.start.get("started")
        and parse_time(str(state.start["started"])).timestamp() >= since
    ]


def abandon_orphans(state_dir: Path) -> list[str]:
    """Mark the demo journal's unfinished flows failed, each under its lock (one a live
    process drives is left to it): their sandbox is gone for good; the ids abandoned.

    Called before a new sandbox starts, so that no flow is ever resumed against a sandbox that
    did not start its jobs.
    """
    from drconsole.flows.journal import FlowEnded, FlowLock, Journal

    journal = Journal(state_dir)
    abandoned = []
    for flow_id in unfinished_flow_ids(state_dir):
        lock = FlowLock(state_dir, flow_id)
        if not lock.acquire():
            continue  # a live process drives it: it ends it itself (its sandbox is gone)
        try:
            journal.abandon(flow_id, "the demo sandbox this flow ran on was stopped or replaced")
            abandoned.append(flow_id)
        except FlowEnded:
            pass  # it ended meanwhile
        finally:
            lock.release()
    return abandoned


@dataclass
class DemoFlows:
    """The demo journal's flows and the sandbox they run on (`record` None: it is gone)."""

    journal: Any
    flows: list[Any]
    record: SandboxRecord | None

    @classmethod
    def find(cls, *, all_flows: bool) -> DemoFlows | None:
        """The demo's flows; None without a demo journal or when it has nothing to show.

        Without a demo journal this costs one stat call, so `drconsole jobs` stays fast.
        """
        from drconsole.flows.journal import FINISHED_STATUSES, JOURNAL_FILE, Journal

        state_dir = demo_state_dir()
        # os.path.exists: a state dir out of reach (a name too long) is said by the real
        # journal's check that follows, naming XDG_STATE_HOME, not here as an OSError.
        if not os.path.exists(state_dir / JOURNAL_FILE):
            return None
        journal = Journal(state_dir)
        flows = journal.flows() if all_flows else journal.unfinished()
        if not flows:
            return None
        unfinished = any(flow.status not in FINISHED_STATUSES for flow in flows)
        record = live_record(state_dir) if unfinished else SandboxRecord.read(state_dir)
        return cls(journal, flows, record)

    def settings(self, args: argparse.Namespace) -> Any:
        """Settings on the demo sandbox with the demo journal."""
        assert self.record is not None
        return demo_settings(args, self.record, self.journal.state_dir)

    def report_gone(self, as_json: bool) -> int:
        """One line: the sandbox of these demo flows is gone, so they cannot be resumed (1)."""
        ids = ", ".join(flow.flow_id for flow in self.flows)
        line = (
            f"demo flow(s) {ids}: the demo sandbox they ran on is gone, so they cannot be "
            "resumed; `drconsole jobs --abandon ID` clears each"
        )
        if as_json:
            print(line, file=sys.stderr)
        else:
            print(line)
        return 1
