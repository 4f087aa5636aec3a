"""A running drill seen live: its events folded into each target's state, elapsed time and RTO
breakdown so far (what the Drills screen draws while the drill runs).

The breakdown uses the same boundaries as the report's (`drills.measure`): the drill's start,
each job's CreationDate and CompletionDate as AWS reports them, the restore flow's end, and the
validations. A phase still running is measured up to now. The report, written at the end from
the journal and AWS, is the reference; this is what the operator watches meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from drconsole.drills.journal import DrillState, TargetRecord
    from drconsole.flows.journal import FlowState


def _time(text: Any) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(str(text))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class Job:
    """One job of a target's flow, with AWS's timestamps once known."""

    step: str
    seen: datetime
    created: datetime | None = None
    completed: datetime | None = None


@dataclass
class TargetProgress:
    """One target of a running drill."""

    name: str
    state: str = "waiting"
    jobs: list[Job] = field(default_factory=list)
    restored_at: datetime | None = None  # the flow ended: validation starts
    validated_at: datetime | None = None
    ended_at: datetime | None = None
    failed: bool = False
    cause: str = ""

    @property
    def finished(self) -> bool:
        """Validated or failed: its clock has stopped."""
        return self.ended_at is not None


@dataclass
class DrillProgress:
    """Every target of one drill, from its events (`DrillRunner` on_event)."""

    targets: dict[str, TargetProgress]
    before_steps: int = 0  # manual steps asked before the targets
    started: datetime | None = None
    manual_until: datetime | None = None  # the `before` manual steps were answered
    manual_answered: int = 0

    @classmethod
    def of(cls, names: list[str], before_steps: int = 0) -> DrillProgress:
        """Progress of a drill with these targets, nothing seen yet."""
        return cls({name: TargetProgress(name) for name in names}, before_steps)

    @property
    def waiting_for_manual(self) -> bool:
        """The drill waits for the operator's `before` manual steps."""
        return self.started is not None and self.manual_answered < self.before_steps

    def apply(self, event: dict[str, Any], now: datetime) -> None:
        """Fold one drill event seen at `now`."""
        name = event["event"]
        target = self.targets.get(str(event.get("target", "")))
        if name in ("drill-started", "drill-resumed"):
            self.started = self.started or now
            for item in self.targets.values():
                if not item.finished:  # a resumed drill's decided targets stay as they ended
                    item.state = "manual step" if self.waiting_for_manual else "starting"
        elif name == "manual-step":
            # The `before` steps stand between the drill's start and its targets (the RTO
            # counts them); an `after` step comes once the targets have ended.
            self.manual_answered += 1
            if self.manual_answered <= self.before_steps:
                self.manual_until = now
                if not self.waiting_for_manual:
                    for item in self.targets.values():
                        item.state = "starting"
        elif target is None:
            return
        elif name == "target-resolved":
            target.state = "checks"
        elif name == "target-failed" or name == "target-interrupted":
            target.failed = True
            target.cause = str(event.get("cause") or "")
            verb = "FAILED" if name == "target-failed" else "interrupted"
            target.state = f"{verb} [{target.cause}]" if target.cause else verb
            target.ended_at = target.ended_at or now
        elif name == "validation":
            if not event["passed"]:
                target.failed = True
                target.state = f"validation {event['kind']} FAILED"
                target.ended_at = now
            else:
                target.state = f"validation {event['kind']} passed"
                target.validated_at = now
        elif name == "target-validated":
            target.ended_at = target.validated_at or now
            target.state = "validated"
        elif name == "flow":
            self._flow(target, event["flow_event"], now)

    def resume_from(self, state: DrillState, flows: dict[str, FlowState] | None = None) -> None:
        """A drill resumed from its journal: its clock runs from the journaled start, its
        `before` manual steps stand answered, the jobs its targets' flows ran before it stopped
        are in their breakdown (a resumed flow's events name only the jobs still to come), and
        the targets it already decided show how they ended (the runner passes over them
        without an event)."""
        self.started = _time(state.start.get("started")) or self.started
        before = [m for m in state.manual.values() if m.get("when") == "before"]
        self.manual_answered = len(before)
        answered = [t for t in (_time(m.get("answered")) for m in before) if t is not None]
        if answered:
            self.manual_until = max(answered)
        for name, record in state.targets.items():
            target = self.targets.get(name)
            if target is None:
                continue
            flow = (flows or {}).get(record.flow_id or "")
            if flow is not None:
                target.jobs = journaled_jobs(flow)
            _resume_target(target, record, _time(state.last_time))

    def _flow(self, target: TargetProgress, flow: dict[str, Any], now: datetime) -> None:
        kind = flow["event"]
        if kind == "checks":
            verdict = "pass" if flow["ok"] else "FAIL"
            target.state = f"checks {flow['step']} {verdict}"
        elif kind == "job-started":
            if flow.get("resumed"):
                # A job found again from the journal: `resume_from` put it in the breakdown
                # already, and a second one, never finished, would stop the breakdown there.
                self._job(target, str(flow["step"]), now)
            else:
                target.jobs.append(Job(str(flow["step"]), now))
            target.state = f"{flow['step']} started"
        elif kind in ("job-progress", "job-finished"):
            job_json = flow.get("job") or {}
            job = self._job(target, str(flow["step"]), now)
            job.created = _time(job_json.get("created")) or job.created
            job.completed = _time(job_json.get("completed")) or job.completed
            state = str(job_json.get("state", ""))
            percent = job_json.get("percent_done")
            if percent is not None and state == "RUNNING":
                state += f" {float(percent):.0f}%"
            target.state = f"{flow['step']} {state}".strip()
        elif kind == "flow-finished":
            if flow["status"] == "completed":
                target.restored_at = now
                target.state = "validating"
            else:
                target.failed = True
                target.cause = str(flow.get("cause") or "")
                target.state = f"{flow['status']} [{target.cause}]"
                target.ended_at = now

    @staticmethod
    def _job(target: TargetProgress, step: str, now: datetime) -> Job:
        for job in target.jobs:
            if job.step == step:
                return job
        job = Job(step, now)
        target.jobs.append(job)
        return job

    # What is drawn ---------------------------------------------------------------------------

    def elapsed(self, target: TargetProgress, now: datetime) -> float:
        """Seconds from the drill's start to now, or to the target's end."""
        if self.started is None:
            return 0.0
        end = target.ended_at or now
        return max(0.0, (end - self.started).total_seconds())

    def breakdown(self, target: TargetProgress, now: datetime) -> list[tuple[str, float, bool]]:
        """(phase, seconds, still running) from the drill's start to now or the target's end."""
        if self.started is None:
            return []
        end = target.ended_at or now
        phases: list[tuple[str, float, bool]] = []
        cursor = self.started

        def add(label: str, until: datetime | None) -> None:
            nonlocal cursor
            running = until is None
            stop = min(until, end) if until is not None else end
            if stop > cursor or running:
                phases.append((label, max(0.0, (stop - cursor).total_seconds()), running))
            cursor = max(cursor, stop)

        if self.waiting_for_manual:
            add("manual", None)
            return phases
        if self.manual_until is not None:
            add("manual", self.manual_until)
        for index, job in enumerate(target.jobs):
            begun = job.created or job.seen
            add("checks" if index == 0 else "wait", begun)
            add(job.step, job.completed)
            if job.completed is None:
                return _closed(phases, target)
        if target.jobs and target.restored_at is None:
            add("wait", None)
        elif target.restored_at is not None:
            add("wait", target.restored_at)
            add("validation", target.validated_at)
        else:
            add("checks", None)
        return _closed(phases, target)


def journaled_jobs(flow: FlowState) -> list[Job]:
    """The jobs a flow started, in order, timed by its journal (when each Start was answered
    and its end seen: AWS's own timestamps come with the job's next event, or the report)."""
    steps = [*flow.hop_names, "restore"]
    jobs: list[Job] = []
    for name in steps:
        step = flow.step(name)
        started = _time(step.job_started)
        if step.job_id is None or started is None:
            continue
        finished = _time(step.job_finished) if step.finished else None
        jobs.append(Job(name, started, created=started, completed=finished))
    return jobs


def _resume_target(target: TargetProgress, record: TargetRecord, last: datetime | None) -> None:
    """One target of a resumed drill as its journal left it."""
    ended = record.blocked or record.restored or {}
    failed_validation = next((v for v in record.validations if not v.get("passed")), None)
    if record.blocked is not None or ended.get("status") not in (None, "completed"):
        target.failed = True
        target.cause = str(ended.get("cause") or "")
        target.state = f"FAILED [{target.cause}]" if target.cause else "FAILED"
        target.ended_at = _time(ended.get("time")) or last
    elif failed_validation is not None:
        target.failed = True
        target.state = f"validation {failed_validation.get('kind')} FAILED"
        target.ended_at = _time(failed_validation.get("time")) or last
    elif record.validated:
        target.state = "validated"
        passed = record.validations[-1] if record.validations else {}
        target.ended_at = _time(passed.get("time")) or last
    elif record.restored is not None:
        target.restored_at = _time(record.restored.get("finished"))
        target.state = "validating"


def _closed(phases: list[tuple[str, float, bool]], target: TargetProgress) -> list[Any]:
    """A finished target has no running phase."""
    if target.finished:
        return [(label, seconds, False) for label, seconds, _ in phases]
    return phases


def breakdown_text(phases: list[tuple[str, float, bool]]) -> str:
    """`checks 2.1s · hop1 2.9s · restore 3.2s…` (… on the phase still running)."""
    from drconsole.drills.parse import format_duration

    return " · ".join(
        f"{label} {format_duration(seconds)}{'…' if running else ''}"
        for label, seconds, running in phases
    )
