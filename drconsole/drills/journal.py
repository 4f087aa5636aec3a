"""The drill journal: `<state_dir>/drills/journal.jsonl`, one fsynced line per drill event.

A drill's records (keyed by its run id) say what its flows are (each target's flow id is
written before the flow is begun), which manual steps were answered, which validations ran,
what clean-up deleted, and how it ended. The flows themselves live in the flow journal, so a
resumed drill hands each target's flow back to the engine, which never starts a job twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from drconsole.flows.ids import FLOW_ID_FORM, RUN_ID_FORM, is_flow_id, is_name, is_run_id
from drconsole.flows.journal import RecordFile
from drconsole.flows.journal_records import decode_loose

DRILLS_DIR = "drills"


def new_run_id() -> str:
    """A run id that sorts by time: `20261203T001200Z-1a2b3c`."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{uuid.uuid4().hex[:6]}"


def decode_drill_line(raw: bytes, last: bool = False) -> dict[str, Any]:
    """One drill record; ValueError (a damaged line) when its run id, the flow id of a target
    or the runbook's name is not of the form drconsole writes: each becomes part of a path
    (a lock file, the report folder)."""
    record = decode_loose(raw, last)
    if not is_run_id(record["flow"]):
        raise ValueError(f"record {record['type'][:40]!r}: run id is not {RUN_ID_FORM}")
    if "flow_ref" in record and not is_flow_id(record["flow_ref"]):
        raise ValueError(f"record {record['type'][:40]!r}: flow id is not {FLOW_ID_FORM}")
    if record["type"] == "drill-start" and not is_name(record.get("runbook")):
        raise ValueError("record 'drill-start': the runbook is not named as a runbook names it")
    return record


def parse_time(text: str) -> datetime:
    """An ISO time written by the journal."""
    return datetime.fromisoformat(text)


@dataclass
class TargetRecord:
    """What the journal says about one target."""

    resolved: dict[str, Any] | None = None
    flow_id: str | None = None
    started: str | None = None
    blocked: dict[str, Any] | None = None
    restored: dict[str, Any] | None = None
    validations: list[dict[str, Any]] = field(default_factory=list)
    validated: bool = False
    # Stopped by an AWS error that says nothing of its recoverability (throttling, the network,
    # expired credentials, an AWS internal error): the drill is unfinished until it is resumed.
    interrupted: dict[str, Any] | None = None


@dataclass
class DrillState:
    """A drill folded from its journal records."""

    run_id: str
    start: dict[str, Any] = field(default_factory=dict)
    targets: dict[str, TargetRecord] = field(default_factory=dict)
    manual: dict[str, dict[str, Any]] = field(default_factory=dict)
    cleanups: list[dict[str, Any]] = field(default_factory=list)
    resumes: list[dict[str, Any]] = field(default_factory=list)
    end: dict[str, Any] | None = None
    last_time: str = ""
    reported: dict[str, Any] | None = None  # the last report written (of an unfinished drill too)
    # Its last stop (Ctrl+C, SIGTERM, SIGHUP, the console's quit) not yet resumed: `by` says which.
    stopped: dict[str, Any] | None = None

    def target(self, name: str) -> TargetRecord:
        """The target's record (created empty on first use)."""
        return self.targets.setdefault(name, TargetRecord())

    def apply(self, record: dict[str, Any]) -> None:
        """Fold one record."""
        kind = record["type"]
        if kind == "drill-resume":
            self.resumes.append({**record, "last_before": self.last_time})
            self.stopped = None
            for target in self.targets.values():
                target.interrupted = None  # a resume carries every interrupted target on
        self.last_time = str(record.get("time", self.last_time))
        name = str(record.get("target", ""))
        if kind == "drill-start":
            self.start = dict(record)
        elif kind == "target-resolved":
            self.target(name).resolved = dict(record.get("resolved") or {})
        elif kind == "target-flow":
            self.target(name).flow_id = str(record["flow_ref"])
            self.target(name).started = str(record.get("started") or record["time"])
        elif kind == "target-interrupted":
            self.target(name).interrupted = dict(record)
        elif kind == "target-blocked":
            self.target(name).blocked = dict(record)
        elif kind == "target-restored":
            self.target(name).restored = dict(record)
        elif kind == "validation":
            self.target(name).validations.append(dict(record))
        elif kind == "validated":
            self.target(name).validated = True
        elif kind == "manual":
            self.manual[str(record["step"])] = dict(record)
        elif kind == "cleanup":
            self.cleanups.append(dict(record))
        elif kind == "drill-end":
            self.end = dict(record)
        elif kind == "drill-verdict":
            self.reported = dict(record)
        elif kind == "drill-stopped":
            self.stopped = dict(record)

    @property
    def started_at(self) -> datetime:
        """The drill's start."""
        return parse_time(str(self.start["started"]))

    def interrupted_targets(self) -> list[str]:
        """The targets an AWS error interrupted, waiting for `drill resume`."""
        return [name for name, record in self.targets.items() if record.interrupted]

    def deleted(self) -> set[str]:
        """ARNs clean-up deleted (or found already gone)."""
        return {str(c["arn"]) for c in self.cleanups if c.get("deleted")}

    def settled(self) -> set[str]:
        """ARNs clean-up is done with: deleted (or found already gone), or found not to be the
        drill's (a resource its restore wrote into, or one created outside its restore job)."""
        return {str(c["arn"]) for c in self.cleanups if c.get("deleted") or c.get("not_ours")}


class DrillJournal:
    """Append and fold drill records."""

    def __init__(self, state_dir: Path) -> None:
        self.journal = RecordFile(Path(state_dir) / DRILLS_DIR, decode_drill_line)
        self.path = self.journal.path

    def append(self, run_id: str, record_type: str, **data: Any) -> dict[str, Any]:
        """One fsynced record."""
        return self.journal.append(run_id, record_type, **data)

    def runs(self) -> list[DrillState]:
        """Every drill, oldest first."""
        states: dict[str, DrillState] = {}
        for record in self.journal.records():
            run_id = str(record["flow"])
            state = states.get(run_id)
            if state is None:
                if record["type"] != "drill-start":
                    continue
                state = states[run_id] = DrillState(run_id)
            state.apply(record)
        return list(states.values())

    def run(self, run_id: str) -> DrillState | None:
        """One drill (None when unknown)."""
        return next((r for r in self.runs() if r.run_id == run_id), None)


def unfinished_drill_flows(state_dir: Path) -> dict[str, tuple[str, str]]:
    """Flow id -> (run id, runbook name) for the flows of drills that have not ended."""
    found: dict[str, tuple[str, str]] = {}
    for state in DrillJournal(state_dir).runs():
        if state.end is not None:
            continue
        for record in state.targets.values():
            if record.flow_id:
                found[record.flow_id] = (state.run_id, str(state.start.get("runbook", "")))
    return found
