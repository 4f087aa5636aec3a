"""Every AWS read drconsole makes is on read-only mode's allow-list, so browsing never stops at
a read the list forgot (`--read-only check restore` of an EC2 recovery point stopped whole at
its instance profile's iam:GetInstanceProfile, and at its key pair's ec2:DescribeKeyPairs)."""

from __future__ import annotations

import ast
from pathlib import Path

import botocore.session
from botocore import xform_name

from drconsole.aws.readonly import READ_OPERATIONS

ROOT = Path(__file__).resolve().parent.parent
# The sandbox builds its scenarios with its own clients: it is the AWS side, not drconsole's.
NOT_DRCONSOLE_CALLS = ("drconsole/sandbox/",)
READ_PREFIXES = ("Describe", "List", "Get", "Head", "Search", "Lookup", "Simulate", "Decode")
# Read-like names that are no reads, kept off the list on purpose (drconsole/aws/readonly.py).
NOT_READS = {("sts", "GetSessionToken"): "issues credentials (break-glass sessions)"}


def names_called() -> dict[str, set[str]]:
    """Snake-case names drconsole calls as methods or names in strings -> the files."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "drconsole").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(NOT_DRCONSOLE_CALLS):
            continue
        for node in ast.walk(ast.parse(path.read_text(), relative)):
            if isinstance(node, ast.Attribute):
                name = node.attr
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                name = node.value
            else:
                continue
            if name.replace("_", "").isalnum() and name.islower():
                found.setdefault(name, set()).add(relative)
    return found


def reads_by_snake_name() -> dict[str, set[tuple[str, str]]]:
    """Snake-case operation name -> (service, operation) of each read-like operation of the
    services the allow-list covers."""
    session = botocore.session.get_session()
    reads: dict[str, set[tuple[str, str]]] = {}
    for service in READ_OPERATIONS:
        model = session.get_service_model(service)
        for operation in model.operation_names:
            if operation.startswith(READ_PREFIXES):
                reads.setdefault(xform_name(operation), set()).add((service, operation))
    return reads


def test_every_read_drconsole_calls_is_allowed_in_read_only_mode() -> None:
    called = names_called()
    missing = {}
    for snake, operations in reads_by_snake_name().items():
        if snake not in called:
            continue
        allowed = any(
            operation in READ_OPERATIONS[service] or (service, operation) in NOT_READS
            for service, operation in operations
        )
        if not allowed:
            missing[snake] = (sorted(operations), sorted(called[snake]))
    assert missing == {}, missing


def test_the_check_can_fail() -> None:
    """The scan sees a read the list lacks (EC2's DescribeKeyPairs, called by the key pair
    check) once it is taken out of the list."""
    reads = reads_by_snake_name()
    assert ("ec2", "DescribeKeyPairs") in reads["describe_key_pairs"]
    assert "describe_key_pairs" in names_called()
