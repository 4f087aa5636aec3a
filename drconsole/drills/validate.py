"""Validation of a restored resource: built in per type (read with the service's own API in the
restoring account) and the team's own command, run with the resource in its environment."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from drconsole.aws.drill_reads import AWS_ERRORS, DrillReader, ResourceState
from drconsole.drills.command_process import run_command
from drconsole.drills.interruption import ValidationInterrupted
from drconsole.drills.runbook import CommandValidation, Target, Validation
from drconsole.redact import exception_text

OUTPUT_LIMIT = 4000
AVAILABLE_WAIT = 120.0  # seconds a restored resource may take to become available
SECRET_ENV = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


@dataclass(frozen=True)
class Restored:
    """What a target's restore created, for validations."""

    target: str
    run_id: str
    resource_type: str
    arn: str
    account: str
    region: str
    recovery_point: str
    source_resource_arn: str
    source_account: str


def source_account_of(source_resource_arn: str, target: Target) -> str:
    """The account of the resource a target restores: its ARN's, else (an S3 bucket's ARN names
    none) the runbook's."""
    parts = source_resource_arn.split(":")
    return (parts[4] if len(parts) > 4 and parts[4] else None) or target.resource.account or ""


def now_iso() -> str:
    """The time now, ISO 8601 UTC with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def builtin(
    sessions: Any,
    restored: Restored,
    validation: Validation,
    stopping: threading.Event | None = None,
) -> dict[str, Any]:
    """The resource exists and is available (waiting up to two minutes), with its measures; and,
    when asked, its measures match the source's within the tolerance. `stopping` set ends the
    wait (InterruptedError): nothing is recorded, a resumed drill validates again."""
    started = now_iso()
    try:
        return _builtin(sessions, restored, validation, stopping, started)
    except (InterruptedError, ValidationInterrupted):
        raise
    except Exception as exc:  # judged, not a crash: see _failed_to_run
        # ...unless AWS, not the resource, failed it (drconsole's own errors for expired
        # credentials, throttling, a dead network): the target is interrupted, and resumed.
        _raise_if_interrupting(exc, "validating the restored resource")
        return _failed_to_run("builtin", started, exc)


def _builtin(
    sessions: Any,
    restored: Restored,
    validation: Validation,
    stopping: threading.Event | None,
    started: str,
) -> dict[str, Any]:
    reader = DrillReader(sessions)
    deadline = time.monotonic() + AVAILABLE_WAIT
    try:
        while True:
            state = reader.resource_state(
                restored.account, restored.region, restored.resource_type, restored.arn
            )
            if state.available or time.monotonic() > deadline:
                break
            if stopping is not None and stopping.wait(1.0):
                raise InterruptedError("the drill was stopped while its validation waited")
            if stopping is None:
                time.sleep(1.0)
    except AWS_ERRORS as exc:
        _raise_if_interrupting(exc, "reading the restored resource")
        return _result("builtin", started, False, f"cannot read the resource: {exc}", {})
    if not state.exists:
        return _result("builtin", started, False, f"{restored.arn} does not exist", {})
    if not state.available:
        return _result(
            "builtin", started, False, f"{restored.resource_type} is {state.status}", state.measures
        )
    status = "exists" if state.status == "exists" else f"is {state.status}"
    message = f"{restored.resource_type} {state.identifier} {status}" + "".join(
        f", {k} {v:g}" for k, v in state.measures.items()
    )
    details: dict[str, Any] = {"measures": state.measures, "endpoint": state.endpoint}
    if validation.compare_with_source:
        ok, compared = _compare(reader, restored, state, validation.tolerance_percent)
        details["source"] = compared
        if not ok:
            return _result("builtin", started, False, f"{message}; {compared['message']}", details)
        message += f"; {compared['message']}"
    return _result("builtin", started, True, message, details)


def _failed_to_run(kind: str, started: str, exc: Exception) -> dict[str, Any]:
    """A validation that raised is a failed validation, recorded in the run with what was
    raised: a crash here comes after the restore, and would leave the drill unfinished with
    every resume crashing the same way."""
    return _result(kind, started, False, f"cannot run: {exception_text(exc)}", {})


def _raise_if_interrupting(exc: BaseException, doing: str) -> None:
    """ValidationInterrupted when AWS, not the resource, failed the read (throttling...)."""
    from drconsole.aws.errors import describe
    from drconsole.drills.interruption import interrupting_cause

    cause = interrupting_cause(exc)
    if cause is not None:
        raise ValidationInterrupted(f"validation, {doing}: {describe(exc)}", cause) from None


def _compare(
    reader: DrillReader, restored: Restored, state: ResourceState, tolerance: float
) -> tuple[bool, dict[str, Any]]:
    try:
        source = reader.resource_state(
            restored.source_account,
            restored.region,
            restored.resource_type,
            restored.source_resource_arn,
        )
    except AWS_ERRORS as exc:
        _raise_if_interrupting(exc, "reading the source resource")
        return False, {"message": f"cannot read the source {restored.source_resource_arn}: {exc}"}
    if not source.exists:
        return True, {
            "message": "not compared with its source: the source no longer exists",
            "compared": False,
        }
    common = [key for key in state.measures if key in source.measures]
    if not common:
        # Nothing measured on both sides (an EC2 instance has no size or count): saying it
        # "matches" would claim a comparison that never happened.
        return True, {
            "message": f"not compared with its source: a {restored.resource_type} resource has "
            "no measure to compare",
            "compared": False,
        }
    differences = []
    for key in common:
        value = state.measures[key]
        expected = source.measures[key]
        allowed = abs(expected) * tolerance / 100
        if abs(value - expected) > allowed:
            differences.append(f"{key} {value:g} vs source {expected:g} (tolerance {tolerance:g}%)")
    if differences:
        return False, {
            "message": "differs from its source: " + "; ".join(differences),
            "compared": True,
        }
    return True, {
        "message": f"matches its source within {tolerance:g}%",
        "measures": source.measures,
        "compared": True,
    }


def command(
    cmd: CommandValidation,
    restored: Restored,
    endpoint: str,
    secrets: tuple[str, ...],
    stopping: threading.Event | None = None,
) -> dict[str, Any]:
    """Run the team's command; exit 0 passes. Its output is kept, secrets removed. `stopping`
    set kills it (InterruptedError): nothing is recorded, a resumed drill runs it again."""
    started = now_iso()
    env = dict(os.environ)
    env.update(
        DRILL_RUN_ID=restored.run_id,
        DRILL_TARGET=restored.target,
        DRILL_RESOURCE_ARN=restored.arn,
        DRILL_RESOURCE_TYPE=restored.resource_type,
        DRILL_RESOURCE_ID=restored.arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1],
        DRILL_ENDPOINT=endpoint,
        DRILL_ACCOUNT=restored.account,
        DRILL_REGION=restored.region,
        DRILL_RECOVERY_POINT=restored.recovery_point,
    )
    argv = ["/bin/sh", "-c", cmd.argv[0]] if cmd.shell else list(cmd.argv)
    try:
        done = run_command(argv, env, cmd.timeout_seconds, stopping)
    except subprocess.TimeoutExpired as exc:
        output = _clean(_text(exc.stdout) + _text(exc.stderr), secrets, env)
        return _result(
            "command",
            started,
            False,
            f"timed out after {cmd.timeout_seconds:g}s",
            {"output": output, "exit_code": None},
        )
    except InterruptedError:  # the drill was stopped (an OSError, but no verdict)
        raise
    except Exception as exc:  # OSError (no such program), and any other: judged, not a crash
        _raise_if_interrupting(exc, "preparing the validation command")
        return _result(
            "command",
            started,
            False,
            f"cannot run: {exception_text(exc)}",
            {"exit_code": None},
        )
    output = _clean(done.stdout + done.stderr, secrets, env)
    passed = done.returncode == 0
    return _result(
        "command",
        started,
        passed,
        f"exit {done.returncode}",
        {"output": output, "exit_code": done.returncode},
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _clean(output: str, secrets: tuple[str, ...], env: dict[str, str]) -> str:
    """The output's last OUTPUT_LIMIT characters, with every known secret value removed."""
    values = [s for s in secrets if s] + [env[k] for k in SECRET_ENV if env.get(k)]
    for value in values:
        output = output.replace(value, "<redacted>")
    return output[-OUTPUT_LIMIT:]


def _result(
    kind: str, started: str, passed: bool, message: str, details: dict[str, Any]
) -> dict[str, Any]:
    return {
        "kind": kind,
        "passed": passed,
        "message": message,
        "started": started,
        "finished": now_iso(),
        **details,
    }
