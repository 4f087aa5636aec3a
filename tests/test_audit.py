"""The audit log around one call: the intent before it, the outcome after, however it ends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.parsers import ResponseParserError

from drconsole.aws.audit import AuditLog, audited_call

CALL = {
    "caller_arn": "arn:aws:sts::111111111111:assumed-role/Ops/me",
    "account_id": "222222222222",
    "region": "eu-central-1",
    "operation": "backup:StartCopyJob",
    "parameters": {"IdempotencyToken": "t", "SessionToken": "never-written"},
}


def fail_with(error: BaseException) -> Any:
    def send() -> Any:
        raise error

    return send


@pytest.mark.parametrize(
    ("error", "outcome", "cause"),
    [
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), "error", "NETWORK"),
        (ResponseParserError("<SecretAccessKey>zq</SecretAccessKey>"), "error", "SERVICE_ERROR"),
        (KeyboardInterrupt(), "interrupted", None),
    ],
    ids=["network", "parse", "ctrl-c"],
)
def test_every_way_a_call_ends_is_audited(
    tmp_path: Path, error: BaseException, outcome: str, cause: str | None
) -> None:
    log = AuditLog(tmp_path)
    with pytest.raises(type(error)):
        audited_call(log, fail_with(error), **CALL)
    (call,) = log.calls()
    assert call["outcome"] == outcome and call.get("cause") == cause
    assert call["caller"] == CALL["caller_arn"] and call["operation"] == "backup:StartCopyJob"
    assert "never-written" not in log.path.read_text() and "zq" not in log.path.read_text()


def test_an_intent_written_before_is_the_one_the_outcome_names(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    intent = log.intent(**CALL, flow="f1", step="hop1")
    answer = audited_call(
        log,
        lambda: {"CopyJobId": "J1"},
        intent_id=intent,
        result_of=lambda a: {"CopyJobId": a["CopyJobId"]},
        **CALL,
    )
    assert answer == {"CopyJobId": "J1"}
    (call,) = log.calls()
    assert (call["id"], call["flow"], call["step"]) == (intent, "f1", "hop1")
    assert call["outcome"] == "ok" and call["result"] == {"CopyJobId": "J1"}


def test_damaged_lines_are_skipped_and_the_rest_read(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    intent = log.intent(**CALL, flow="f1", step="hop1")
    with log.path.open("ab") as damaged:
        damaged.write(b"[" * 100_000 + b"\n")  # nested past what the reader can follow
        damaged.write(b'{"entry": "outcome", "intent": ["a list"], "outcome": "ok"}\n')
        damaged.write(b"\xff\xfe not utf-8\n")
    audited_call(log, lambda: {}, intent_id=intent, result_of=lambda a: {}, **CALL)
    (call,) = log.calls()
    assert call["id"] == intent and call["outcome"] == "ok"
