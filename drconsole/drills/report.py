"""The drill's evidence: report.json (README: its schema) and JUnit XML, from the journal and
AWS's job timestamps; verdicts per target against its objectives."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from drconsole.aws.jobs import JobsApi
from drconsole.drills.journal import DrillState, parse_time
from drconsole.drills.measure import breakdown, job_times
from drconsole.drills.parse import format_duration
from drconsole.drills.runbook import Runbook
from drconsole.flows.journal import Journal
from drconsole.output_files import replace_file
from drconsole.redact import escape_controls

# Evidence is shared (CI artifacts, audits): new files as the umask allows, as before.
EVIDENCE_MODE = 0o666

SCHEMA = "drconsole.drill-report/1"
# The verdict of a drill `drill cleanup` ended before it finished, and of its unfinished targets.
ABANDONED = "abandoned"
UNJUDGED = frozenset({"interrupted", ABANDONED})


def build_report(
    sessions: Any, state_dir: Path, runbook: Runbook, state: DrillState, interrupted: float
) -> dict[str, Any]:
    """The whole report of a drill as journaled now."""
    flows = Journal(state_dir)
    jobs = JobsApi(sessions)
    drill_start = state.started_at
    manual = list(state.manual.values())
    before = [m for m in manual if m.get("when") == "before"]
    manual_seconds = sum(
        (parse_time(m["answered"]) - parse_time(m["asked"])).total_seconds() for m in before
    )
    abandoned = is_abandoned(state)
    left = left_items(state_dir, state, runbook.cleanup)
    targets = []
    for target in runbook.targets:
        record = state.target(target.name)
        objectives = runbook.objectives_of(target)
        item: dict[str, Any] = {
            "target": target.name,
            "resource": target.resource.describe(),
            "restore_to": target.restore_to.vault_arn,
            "recovery_point": record.resolved,
            "flow": record.flow_id,
            "objectives": {
                "rpo_seconds": objectives.rpo_seconds,
                "rto_seconds": objectives.rto_seconds,
            },
            "checks": [],
            "jobs": [],
            "validations": record.validations,
            "created_resource": (record.restored or {}).get("created_resource"),
        }
        failures: list[str] = []
        cause = None
        if record.blocked is not None:
            failures.append(f"{record.blocked['message']}")
            cause = record.blocked.get("cause")
        flow = flows.flow(record.flow_id) if record.flow_id else None
        if flow is not None:
            item["checks"] = _checks(flows, record.flow_id or "")
            item["jobs"] = job_times(jobs, flow)
        elif record.blocked is not None and record.blocked.get("failed"):
            # Blocked before its flow began: the checks that blocked it, as the plan gave them.
            blocked = record.blocked
            item["checks"] = [
                {
                    "step": blocked.get("step"),
                    "ok": False,
                    "time": blocked.get("time"),
                    "failed": blocked["failed"],
                }
            ]
        restored = record.restored or {}
        if restored and restored.get("status") != "completed":
            failures.append(f"the flow {restored.get('status')}: {restored.get('message')}")
            cause = restored.get("cause")
        failed_validations = [v for v in record.validations if not v["passed"]]
        for validation in failed_validations:
            failures.append(f"validation {validation['kind']} failed: {validation['message']}")
        stopped_by = record.interrupted
        if stopped_by is not None:
            where = f"its {stopped_by.get('where') or 'flow'}"
            then = (
                "the drill was abandoned"
                if abandoned
                else f"`{resume_command(state.run_id)}` carries it on"
            )
            failures.append(
                f"interrupted in {where}: {stopped_by.get('message')} "
                f"[{stopped_by.get('cause')}]; {then}"
            )
            cause = stopped_by.get("cause")
        elif not record.validated and not failures:
            step = "validation" if restored.get("status") == "completed" else "the restore"
            if abandoned:
                failures.append(f"{step} did not finish: the drill was abandoned")
            elif state.end is None:
                failures.append(
                    f"{step} did not finish: `{resume_command(state.run_id)}` carries it on"
                )
            else:
                failures.append(f"{step} did not finish before the drill ended")
        rpo = None
        if record.resolved:
            rpo = (
                drill_start - datetime.fromisoformat(record.resolved["data_time"])
            ).total_seconds()
        rto: float | None = None
        segments: list[dict[str, Any]] = []
        totals: dict[str, float] = {}
        if record.validated:
            validation_start = (
                min(parse_time(v["started"]) for v in record.validations)
                if (record.validations)
                else None
            )
            validation_end = (
                max(parse_time(v["finished"]) for v in record.validations)
                if (record.validations)
                else None
            )
            target_start = parse_time(record.started) if record.started else drill_start
            segments, totals = breakdown(
                drill_start,
                target_start,
                item["jobs"],
                validation_start,
                validation_end,
                manual_seconds,
            )
            # Without a validation the recovery ends with its last job, never before it.
            jobs_end = max(
                (
                    datetime.fromisoformat(job["completed"])
                    for job in item["jobs"]
                    if job["completed"]
                ),
                default=None,
            )
            end = validation_end or jobs_end or target_start
            rto = (end - drill_start).total_seconds()
        item["rpo_seconds"] = rpo
        item["rto_seconds"] = rto
        item["timeline"] = segments
        item["rto_by"] = totals
        missed = _missed("RPO", rpo, objectives.rpo_seconds) + _missed(
            "RTO", rto, objectives.rto_seconds
        )
        failures.extend(missed)
        if missed:
            cause = cause or ("RPO_OBJECTIVE" if missed[0].startswith("RPO") else "RTO_OBJECTIVE")
        item["rpo_met"] = (
            None
            if rpo is None or objectives.rpo_seconds is None
            else (rpo <= objectives.rpo_seconds)
        )
        item["rto_met"] = (
            None
            if rto is None or objectives.rto_seconds is None
            else (rto <= objectives.rto_seconds)
        )
        # An interrupted target is not judged yet: AWS was unavailable, not its recovery. One
        # that never finished in an abandoned drill is not judged either: nobody let it finish.
        unjudged = stopped_by is not None or not record.validated
        if abandoned and unjudged:
            item["verdict"] = ABANDONED
        else:
            item["verdict"] = (
                "interrupted" if stopped_by is not None else "passed" if not failures else "failed"
            )
        item["failures"] = failures
        item["cause"] = cause
        item["aws_error"] = (
            stopped_by is not None
            or bool((record.blocked or {}).get("aws_error"))
            or bool(restored.get("aws_error"))
        )
        item["cleanup"] = [c for c in [*state.cleanups, *left] if c.get("target") == target.name]
        targets.append(item)
    required_missed = [m["step"] for m in manual if m.get("required") and not m.get("performed")]
    passed = all(t["verdict"] == "passed" for t in targets) and not required_missed
    unfinished = any(t["verdict"] == "interrupted" for t in targets)
    verdict = "interrupted" if unfinished else "passed" if passed else "failed"
    return {
        "schema": SCHEMA,
        "run_id": state.run_id,
        "runbook": {
            "name": runbook.name,
            "path": state.start.get("path"),
            "sha256": state.start.get("sha256"),
        },
        "operator": state.start.get("operator"),
        "started": state.start.get("started"),
        "finished": (state.end or {}).get("finished"),
        "interrupted": bool(state.resumes),
        "interrupted_seconds": interrupted,
        "objectives": {
            "rpo_seconds": runbook.objectives.rpo_seconds,
            "rto_seconds": runbook.objectives.rto_seconds,
        },
        "cleanup_policy": runbook.cleanup,
        "manual_steps": manual,
        "required_manual_steps_not_performed": required_missed,
        "targets": targets,
        "verdict": ABANDONED if abandoned else verdict,
        # How an interrupted drill is carried on (None once nothing waits for it).
        "resume": resume_command(state.run_id) if unfinished else None,
    }


def left_items(state_dir: Path, state: DrillState, policy: str) -> list[dict[str, Any]]:
    """What a finished drill created that no clean-up has tried to delete (its policy kept
    it), each as a clean-up entry saying why it is still there: the evidence names a
    restored copy of production data left in the recovery account, not "nothing deleted"."""
    from drconsole.drills.cleanup import created_by
    from drconsole.drills.resume import journaled_flows

    if state.end is None:
        return []  # unfinished: nothing is cleaned up yet, and the report says so
    tried = {str(c.get("arn")) for c in state.cleanups}
    if policy == "never":
        why = "kept: the runbook's clean-up is never"
    elif policy == "on-success":
        why = "kept: the runbook's clean-up is on-success and the drill did not pass"
    else:
        why = "not deleted yet"
    reason = f"{why}; `drconsole drill cleanup {state.run_id}` deletes it"
    return [
        {**item, "deleted": False, "reason": reason, "cause": None, "not_ours": False, "left": True}
        for item in created_by(state, journaled_flows(state_dir, state))
        if item["arn"] not in tried
    ]


def is_abandoned(state: DrillState) -> bool:
    """True when `drill cleanup` ended the drill before it finished."""
    return bool((state.end or {}).get(ABANDONED))


def resume_command(run_id: str) -> str:
    """The command that carries an unfinished drill on."""
    return f"drconsole drill resume {run_id}"


def _missed(name: str, value: float | None, objective: float | None) -> list[str]:
    if value is None or objective is None or value <= objective:
        return []
    return [f"{name} {format_duration(value)} misses its objective {format_duration(objective)}"]


def _checks(flows: Journal, flow_id: str) -> list[dict[str, Any]]:
    """Every check verdict the flow journaled (failed checks with their evidence)."""
    from msgspec.structs import asdict

    from drconsole.flows.journal_records import ChecksRecord

    return [
        {
            "step": r.step,
            "ok": r.ok,
            "time": r.time,
            "failed": [asdict(check) for check in r.failed],
        }
        for r in flows.records()
        if isinstance(r, ChecksRecord) and r.flow == flow_id
    ]


def write_json(report: dict[str, Any], directory: Path) -> Path:
    """`report.json` in the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "report.json"
    text = json.dumps(report, indent=2, sort_keys=True, default=str) + "\n"
    return replace_file(path, text.encode("utf-8"), EVIDENCE_MODE)


# A report of a thousand targets is a few megabytes; more is not a report drconsole wrote.
MAX_REPORT_BYTES = 64 * 1024 * 1024


def read_report(path: Path) -> Any:
    """A past run's report.json as JSON; OSError or ValueError when it cannot be read. Read
    bounded: a FIFO put in its place reads as empty (it hung `drill history` and readiness)
    and /dev/zero does not fill the memory. NaN and Infinity are refused: drconsole never
    writes them, and a duration made of them cannot be shown nor compared."""
    from drconsole.bounded_read import TooLarge, read_bounded

    try:
        return json.loads(read_bounded(path, MAX_REPORT_BYTES), parse_constant=_no_constant)
    except TooLarge as error:
        raise ValueError(str(error)) from None
    except RecursionError:
        # Nested beyond reading: one reason for every reader (the console's report view too).
        raise ValueError("nested too deeply to read") from None


def is_report_of(report: Any, run_id: str, runbook: object) -> bool:
    """Whether `report` is the report of run `run_id` of `runbook`: another run's report.json
    put in its place (copied, edited) is no evidence of this run."""
    book = report.get("runbook") if isinstance(report, dict) else None
    name = book.get("name") if isinstance(book, dict) else None
    return name == runbook and report.get("run_id") == run_id


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a report holds")


def junit_timestamp(started: str | None) -> str:
    """The drill's start as JUnit's schema wants it: ISO 8601 to the second, no zone (UTC)."""
    if not started:
        return ""
    return parse_time(started).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _measure(name: str, value: float | None, objective: float | None) -> str:
    """`RTO 12.7s (objective 2h00m00s)`, or `(no objective, not judged)`: a green test case
    of a runbook without objectives says it judged nothing."""
    if objective is None:
        return f"{name} {format_duration(value)} (no objective, not judged)"
    return f"{name} {format_duration(value)} (objective {format_duration(objective)})"


def junit_xml(report: dict[str, Any]) -> str:
    """JUnit XML: one test suite per drill, one test case per target and per required manual
    step (a required step not performed fails the drill: a CI reading JUnit must see it)."""
    required = [m for m in report.get("manual_steps") or () if m.get("required")]
    missed = set(report.get("required_manual_steps_not_performed") or ())
    suite = ET.Element(
        "testsuite",
        name=f"drill {report['runbook']['name']}",
        tests=str(len(report["targets"]) + len(required)),
        failures=str(
            sum(1 for t in report["targets"] if t["verdict"] == "failed")
            + sum(1 for m in required if m.get("step") in missed)
        ),
        errors=str(sum(1 for t in report["targets"] if t["verdict"] in UNJUDGED)),
        timestamp=junit_timestamp(report["started"]),
    )
    for step in required:
        name = escape_controls(str(step.get("step")))
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"drill.{report['runbook']['name']}",
            name=f"manual step {name}",
            time="0.000",
        )
        if step.get("step") in missed:
            failure = ET.SubElement(
                case,
                "failure",
                message=f"required manual step {name} was not performed",
                type="MANUAL_STEP_NOT_PERFORMED",
            )
            failure.text = failure.get("message")
    for target in report["targets"]:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"drill.{report['runbook']['name']}",
            name=target["target"],
            time=f"{target['rto_seconds'] or 0:.3f}",
        )
        if target["verdict"] != "passed":
            # AWS's messages and check evidence may hold any character; a C0 control written
            # raw makes the file no XML 1.0, and CI parsers then reject the whole report.
            failures = [escape_controls(str(text)) for text in target["failures"]]
            failure = ET.SubElement(
                case,
                # Interrupted or abandoned: not a failed recovery, the test case was stopped.
                "error" if target["verdict"] in UNJUDGED else "failure",
                message="; ".join(failures),
                type=str(target["cause"] or "FAILED"),
            )
            failure.text = "\n".join(failures)
        out = ET.SubElement(case, "system-out")
        objectives = target.get("objectives") or {}
        out.text = (
            f"{_measure('RPO', target['rpo_seconds'], objectives.get('rpo_seconds'))}, "
            f"{_measure('RTO', target['rto_seconds'], objectives.get('rto_seconds'))}"
        )
    suites = ET.Element("testsuites")
    suites.append(suite)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)
