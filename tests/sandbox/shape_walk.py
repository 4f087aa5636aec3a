"""Check raw sandbox answers against botocore's output shapes (used by the sandbox API tests)."""

from __future__ import annotations

import json
from typing import Any

import botocore.session

_MODEL = botocore.session.get_session().get_service_model("backup")


def shape_errors(shape: Any, value: Any, path: str = "$") -> list[str]:
    """Every way `value` (raw JSON) departs from the shape: stray or mistyped members, or
    missing required ones."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: expected object, got {type(value).__name__}"]
        errors = [
            f"{path}.{name}: required member missing"
            for name in shape.required_members
            if name not in value
        ]
        wire_names = {m.serialization.get("name", n): m for n, m in shape.members.items()}
        for name, item in value.items():
            member = wire_names.get(name)
            if member is None:
                errors.append(f"{path}.{name}: not declared in {shape.name}")
            else:
                errors.extend(shape_errors(member, item, f"{path}.{name}"))
        return errors
    if kind == "list":
        if not isinstance(value, list):
            return [f"{path}: expected list"]
        return [
            e
            for i, item in enumerate(value)
            for e in shape_errors(shape.member, item, f"{path}[{i}]")
        ]
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: expected map"]
        return [
            e for k, item in value.items() for e in shape_errors(shape.value, item, f"{path}[{k}]")
        ]
    expected: dict[str, tuple[type, ...]] = {
        "string": (str,),
        "integer": (int,),
        "long": (int,),
        "boolean": (bool,),
        "timestamp": (int, float),
        "double": (int, float),
        "float": (int, float),
    }
    types = expected.get(kind)
    if types is None:
        return [f"{path}: unexpected shape type {kind}"]
    if isinstance(value, bool) and bool not in types:
        return [f"{path}: expected {kind}, got boolean"]
    if not isinstance(value, types):
        return [f"{path}: expected {kind}, got {type(value).__name__}"]
    if kind == "string" and shape.enum and value not in shape.enum:
        return [f"{path}: {value!r} not in {shape.name}'s enum"]
    return []


class RawAnswers:
    """Records the raw JSON body of every Backup answer a boto3 client receives."""

    def __init__(self, client: Any) -> None:
        self.bodies: list[tuple[str, int, Any]] = []
        client.meta.events.register("before-parse.backup.*", self._capture)

    def _capture(self, operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
        body = response_dict.get("body") or b"{}"
        status = int(response_dict.get("status_code", 0))
        self.bodies.append((operation_model.name, status, json.loads(body) if body else {}))

    def check(self, operation: str) -> list[str]:
        """Shape errors of the latest successful answer of `operation` (AssertionError if none)."""
        for name, status, body in reversed(self.bodies):
            if name == operation and status < 300:
                shape = _MODEL.operation_model(operation).output_shape
                return [] if shape is None else shape_errors(shape, body)
        raise AssertionError(f"no successful {operation} answer was recorded")
