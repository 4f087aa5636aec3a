"""EventPrinter: flow events as JSON lines, or one short line per change for people."""

from __future__ import annotations

import json
import threading
from typing import Any

from drconsole.commands._flow_cli import continued, say
from drconsole.redact import escape_controls

# drconsole's own texts of several lines; every other text of an event (AWS's messages, check
# evidence quoting them, names) is shown on one line, its line breaks written as `\n`.
OWN_LINES = frozenset({"remediation", "explanation", "next_step"})


def one_line_values(value: Any, key: str = "") -> Any:
    """`value` with every text but drconsole's own multi-line ones on one line: a line break in
    what AWS said can start no line that reads as drconsole's."""
    if isinstance(value, dict):
        return {k: one_line_values(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [one_line_values(v, key) for v in value]
    if isinstance(value, str):
        return continued(value, "      ") if key in OWN_LINES else escape_controls(value)
    return value


class EventPrinter:
    """Prints flow events: JSON lines, or one short line per change for people."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self._lock = threading.Lock()
        self._last: dict[tuple[str, str], tuple[Any, ...]] = {}

    def __call__(self, event: Any) -> None:
        with self._lock:
            if self.as_json:
                print(json.dumps(event.to_json(), sort_keys=True, default=str), flush=True)
            else:
                line = self.text(event)
                if line:
                    say(line, flush=True)

    def text(self, event: Any) -> str:
        """One line for a person (empty: nothing new to say)."""
        data = one_line_values(event.to_json())
        name = data["event"]
        if name == "flow-planned":
            return f"flow {data['flow']}: {data['plan'].get('route_reason', '')}"
        if name == "checks":
            bad = [c for c in data["checks"] if c["status"] in ("FAIL", "UNKNOWN")]
            if not bad:
                return f"  checks for {data['step']}: all {len(data['checks'])} pass"
            return "\n".join(
                f"  {c['status']} {c['id']}: {c['evidence']}\n    fix: {c['remediation']}"
                for c in bad
            )
        if name == "caution-accepted":
            return f"  caution accepted ({data['accepted_by']}): {data['message']}"
        if name == "route-changed":
            return (
                f"  AWS refused one copy job ({data['message']}); "
                f"two hops via {data['intermediate']}"
            )
        if name == "request-ready":
            request = data["request"]
            where = f"{request['account']} {request['region']}"
            body = json.dumps(request["request"], sort_keys=True)
            return f"  {data['step']}: {request['operation']} as {where}: {body}"
        if name == "job-started":
            again = " (from the journal)" if data["resumed"] else ""
            where = f"{data['account']} {data['region']}"
            return f"  {data['step']}: {data['kind']} job {data['job_id']} in {where}{again}"
        if name == "job-progress":
            job = data["job"]
            key = (data["flow"], data["step"])
            state = (
                job["state"],
                job.get("percent_done"),
                tuple(job.get("child_states", {}).items()),
            )
            if self._last.get(key) == state:
                return ""
            self._last[key] = state
            return f"  {data['step']}: {progress_text(job)} after {data['elapsed_seconds']:.0f}s"
        if name == "job-unreadable":
            where = f"{data['kind']} job {data['job_id']} in {data['account']} {data['region']}"
            self._last[(data["flow"], data["step"])] = ("unreadable", data["cause"])
            return (
                f"  {data['step']}: {where} cannot be read, still watched: {data['message']} "
                f"[{data['cause']}]"
            )
        if name == "not-listed":
            where = data["account"] or "organization-wide listing in"
            return f"not listed: {where} {data['region']}: {data['message']} [{data['cause']}]"
        if name == "job-finished":
            job = data["job"]
            tail = job.get("destination_recovery_point") or job.get("created_resource") or ""
            message = f" - {job['status_message']}" if job.get("status_message") else ""
            from drconsole.diagnose import diagnose, incomplete_restore

            said = job.get("status_message") or ""
            ended_badly = job["state"] not in ("COMPLETED", "RUNNING", "CREATED", "PENDING")
            if ended_badly or incomplete_restore(job["state"], said):
                message += f" [cause {diagnose(said).cause.value}]"
            return f"  {data['step']}: {job['state']} ({data['polls']} polls) {tail}{message}"
        if name == "restore-form":
            return "  restore metadata: " + ", ".join(f"{k}={v}" for k, v in data["values"].items())
        if name == "cleanup":
            return f"  intermediate copy {data['recovery_point']}: {data['reason']}"
        if name == "flow-finished":
            if data["status"] == "completed":
                result = data["result"]
                made = result.get("created_resource") or result.get("recovery_point")
                said = (
                    f"\n  AWS said: {result['status_message']}"
                    if result.get("status_message")
                    else ""
                )
                then = f"\n  next: {result['next_step']}" if result.get("next_step") else ""
                return f"flow {data['flow']} completed: {made}{said}{then}"
            lines = [f"flow {data['flow']} {data['status']} at {data['step']}: {data['message']}"]
            if data.get("cause"):
                lines.append(f"  cause: {data['cause']}")
            if data.get("also_possible"):
                from drconsole.diagnose import also_possible_text

                lines.append(f"  also possible: {also_possible_text(data['also_possible'])}")
            if data.get("explanation"):
                lines.append(f"  why: {data['explanation']}")
            if data.get("remediation"):
                lines.append(f"  fix: {data['remediation']}")
            if (data.get("result") or {}).get("created_resource"):
                lines.append(f"  restored incompletely: {data['result']['created_resource']}")
            return "\n".join(lines)
        return ""


def progress_text(job: dict[str, Any]) -> str:
    """`RUNNING 42%` / `RUNNING 12.0 GiB` / children states."""
    parts = [job["state"]]
    if job.get("percent_done") is not None:
        parts.append(f"{job['percent_done']:.0f}%")
        if job.get("expected_minutes"):
            parts.append(f"(~{job['expected_minutes']} min)")
    if job.get("size_bytes"):
        parts.append(f"{job['size_bytes'] / 2**30:.1f} GiB")
    if job.get("child_states"):
        parts.append(" ".join(f"{k}:{v}" for k, v in job["child_states"].items()))
    return " ".join(parts)
