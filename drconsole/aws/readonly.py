"""The read-only guard: a botocore hook that refuses every operation that is not a read.

It is installed on every client drconsole creates when read-only mode is on (see
`AwsSessions`), so it holds whatever code path asks for a call: the TUI, the CLI, a flow or a
check. It runs on `before-parameter-build`, the first event of an API call, so a refused
operation is never validated, signed or sent.

What counts as a read is decided from the operation name alone, conservatively: an allow-list of
read prefixes plus a short list of named reads. Anything else is refused, including reads whose
name does not say so (S3 SelectObjectContent, RDS DownloadDBLogFilePortion).
"""

from __future__ import annotations

from typing import Any

from drconsole.errors import ReadOnlyViolation

# An operation whose name starts with one of these, followed by an upper-case letter, is a read.
READ_PREFIXES = ("Describe", "Get", "List", "Search", "Lookup", "Head", "BatchGet")

# Reads (or identity calls needed to read other accounts) whose names carry no read prefix.
NAMED_READS: dict[str, frozenset[str]] = {
    # Reaching member accounts and knowing who we are; no resource changes.
    "sts": frozenset({"AssumeRole", "GetCallerIdentity", "DecodeAuthorizationMessage"}),
    # Policy simulation evaluates policies without changing them; checks rely on it.
    "iam": frozenset({"SimulatePrincipalPolicy", "SimulateCustomPolicy"}),
    "dynamodb": frozenset({"Query", "Scan"}),
}

HOOK_ID = "drconsole-read-only-guard"


def is_read_operation(service_name: str, operation_name: str) -> bool:
    """True when `operation_name` of `service_name` (botocore names) only reads."""
    if operation_name in NAMED_READS.get(service_name, frozenset()):
        return True
    for prefix in READ_PREFIXES:
        if operation_name.startswith(prefix):
            rest = operation_name[len(prefix) :]
            if not rest or rest[0].isupper():
                return True
    return False


def refuse_mutations(model: Any, **_: Any) -> None:
    """botocore `before-parameter-build` handler: raise ReadOnlyViolation for non-reads."""
    service_name = model.service_model.service_name
    if not is_read_operation(service_name, model.name):
        raise ReadOnlyViolation(
            f"read-only mode refused {service_name}:{model.name} (it is not a read); "
            "run without --read-only (and without read_only = true in the config) to allow it"
        )


def install_read_only_guard(client: Any) -> None:
    """Register the guard on one client (idempotent)."""
    # First in line, so no other handler (S3's parameter injection...) runs for a refused call.
    client.meta.events.register_first(
        "before-parameter-build.*.*", refuse_mutations, unique_id=HOOK_ID
    )
