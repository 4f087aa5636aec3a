"""The audit log: every mutating AWS call as an intent before it is sent and an outcome after.

`<state_dir>/audit.log` holds fsynced JSON lines. An `intent` entry (a fresh id, the caller's
identity, account, Region, operation and parameters, and the flow step it serves) is written
before the call, so a process killed while the call is in flight still leaves the call audited;
an `outcome` entry naming that intent follows when the call returns or raises (`ok`, `error`
with the cause code, or `interrupted` for Ctrl-C and other exits). A flow resumed after a kill
sends its journaled request again with a new intent whose `resumes` names the first one. Calls
made with break-glass credentials (`--break-glass NAME`) carry `"break_glass": NAME` in both
entries. No secret reaches the log.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from drconsole.private_files import open_private
from drconsole.redact import REDACTED, redact_fields, redact_text
from drconsole.state_dir import checked_state_dir

AUDIT_FILE = "audit.log"
INTENT, OUTCOME = "intent", "outcome"
_LOCK = threading.Lock()
T = TypeVar("T")


__all__ = ["REDACTED", "AuditLog", "redact"]


def redact(value: Any, keep: Iterable[str] = ()) -> Any:
    """The value with secret-named fields (at any depth) replaced by a marker and its prose
    cleaned of credential-shaped strings; parameters are otherwise kept as sent; top-level
    names in `keep` are not secret (see drconsole.redact.redact_fields)."""
    return redact_fields(value, keep)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class AuditLog:
    """Append-only JSON lines in `<state_dir>/audit.log`, each fsynced before returning."""

    def __init__(self, state_dir: Path, *, break_glass: str | None = None) -> None:
        self.path = checked_state_dir(Path(state_dir)) / AUDIT_FILE
        self.break_glass = break_glass

    @classmethod
    def of(cls, sessions: Any, state_dir: Path | None = None) -> AuditLog:
        """The audit log of the identity `sessions` act as (marking break-glass calls)."""
        settings = sessions.settings
        return cls(state_dir or settings.state_dir, break_glass=settings.break_glass)

    def intent(
        self,
        *,
        caller_arn: str,
        account_id: str,
        region: str,
        operation: str,
        parameters: Mapping[str, Any],
        flow: str | None = None,
        step: str | None = None,
        resumes: str | None = None,
    ) -> str:
        """Write the entry of a call about to be sent; returns its id (for `outcome`)."""
        intent_id = uuid.uuid4().hex
        entry: dict[str, Any] = {
            "entry": INTENT,
            "id": intent_id,
            "time": _now(),
            "caller": caller_arn,
            "account": account_id,
            "region": region,
            "operation": operation,
            "parameters": redact(dict(parameters)),
        }
        if flow:
            entry.update(flow=flow, step=step)
        if resumes:
            entry["resumes"] = resumes
        self._write(entry)
        return intent_id

    def outcome(
        self,
        intent_id: str,
        *,
        caller_arn: str,
        operation: str,
        outcome: str,
        error: str | None = None,
        cause: str | None = None,
        result: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Write how the call of an intent ended: `ok`, `error` or `interrupted`."""
        entry: dict[str, Any] = {
            "entry": OUTCOME,
            "intent": intent_id,
            "time": _now(),
            "caller": caller_arn,
            "operation": operation,
            "outcome": outcome,
        }
        if error:
            entry["error"] = redact_text(error)
        if cause:
            entry["cause"] = cause
        if result:
            entry["result"] = redact(dict(result))
        self._write(entry)
        return entry

    def _write(self, entry: dict[str, Any]) -> None:
        if self.break_glass:
            entry["break_glass"] = self.break_glass
        line = json.dumps(entry, sort_keys=True, default=str) + "\n"
        with _LOCK:
            fd = open_private(self.path, os.O_RDWR | os.O_APPEND)
            try:
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    line = "\n" + line  # a crash tore the last line: start a fresh one
                os.write(fd, line.encode())
                os.fsync(fd)
            finally:
                os.close(fd)

    def entries(self) -> list[dict[str, Any]]:
        """Every entry (intents and outcomes), oldest first; unreadable lines are skipped."""
        if not self.path.exists():
            return []
        found: list[dict[str, Any]] = []
        for line in self.path.read_bytes().splitlines():
            try:
                entry = json.loads(line.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
                continue
            if (
                isinstance(entry, dict)
                and _hashable(entry.get("id"))
                and _hashable(entry.get("intent"))
            ):
                found.append(entry)
        return found

    def calls(self) -> list[dict[str, Any]]:
        """One dict per call, in the order they were sent: the intent with its `outcome`
        (`pending` when none was written: the process died while the call was in flight)."""
        entries = self.entries()
        outcomes = {e.get("intent"): e for e in entries if e.get("entry") == OUTCOME}
        calls = []
        for entry in entries:
            if entry.get("entry") != INTENT:
                continue
            ended = outcomes.get(entry.get("id"), {})
            call = dict(entry, outcome=ended.get("outcome", "pending"))
            for key in ("error", "cause", "result"):
                if key in ended:
                    call[key] = ended[key]
            calls.append(call)
        return calls


def audited_call(
    log: AuditLog | None,
    send: Callable[[], T],
    *,
    caller_arn: str,
    account_id: str,
    region: str,
    operation: str,
    parameters: Mapping[str, Any],
    intent_id: str | None = None,
    result_of: Callable[[T], Mapping[str, Any]] | None = None,
) -> T:
    """Send one mutating call between its intent (written now unless `intent_id` was written
    before) and its outcome, whatever way the call ends."""
    if log is None:
        return send()
    if intent_id is None:
        intent_id = log.intent(
            caller_arn=caller_arn,
            account_id=account_id,
            region=region,
            operation=operation,
            parameters=parameters,
        )
    try:
        answer = send()
    except Exception as exc:
        from drconsole.aws.errors import classify, describe

        log.outcome(
            intent_id,
            caller_arn=caller_arn,
            operation=operation,
            outcome="error",
            error=describe(exc),
            cause=classify(exc).value,
        )
        raise
    except BaseException as exc:  # Ctrl-C, SystemExit: the call may or may not have landed
        log.outcome(
            intent_id,
            caller_arn=caller_arn,
            operation=operation,
            outcome="interrupted",
            error=type(exc).__name__,
        )
        raise
    log.outcome(
        intent_id,
        caller_arn=caller_arn,
        operation=operation,
        outcome="ok",
        result=result_of(answer) if result_of else None,
    )
    return answer


def _hashable(value: Any) -> bool:
    """An entry's `id` and `intent` key a dict: a damaged line holding a list there is skipped."""
    return isinstance(value, str | int | float | bool) or value is None
