"""Serialize sandbox Backup answers from botocore's own output shapes, and Backup's errors."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from typing import Any

from moto.core.exceptions import JsonRESTError


class BackupError(JsonRESTError):
    """An AWS Backup error answered in the rest-json protocol (HTTP 400 unless told)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(code, message)
        self.code = status


def not_found(message: str) -> BackupError:
    """ResourceNotFoundException, as Backup answers for a missing vault, point or job."""
    return BackupError("ResourceNotFoundException", message)


def invalid_parameter(message: str) -> BackupError:
    """InvalidParameterValueException, as Backup answers for a malformed input."""
    return BackupError("InvalidParameterValueException", message)


def invalid_request(message: str) -> BackupError:
    """InvalidRequestException, as Backup answers for a request it refuses in this state."""
    return BackupError("InvalidRequestException", message)


def missing_parameter(name: str) -> BackupError:
    """MissingParameterValueException for a required input left out."""
    return BackupError("MissingParameterValueException", f"Missing required parameter: {name}")


@cache
def backup_model() -> Any:
    """botocore's service model of AWS Backup (loaded once)."""
    import botocore.session

    return botocore.session.get_session().get_service_model("backup")


def output_shape(operation: str) -> Any:
    """The botocore output shape of a Backup operation."""
    return backup_model().operation_model(operation).output_shape


def to_wire(shape: Any, value: Any, path: str = "") -> Any:
    """Convert `value` to the JSON value the shape declares; raise TypeError on a stray member."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            raise TypeError(f"{path or shape.name}: expected an object, got {type(value).__name__}")
        out: dict[str, Any] = {}
        for name, member_value in value.items():
            if member_value is None:
                continue
            member = shape.members.get(name)
            if member is None:
                raise TypeError(f"{path}.{name}: not a member of {shape.name}")
            out[name] = to_wire(member, member_value, f"{path}.{name}")
        return out
    if kind == "list":
        return [to_wire(shape.member, item, f"{path}[]") for item in value]
    if kind == "map":
        return {
            str(key): to_wire(shape.value, item, f"{path}{{{key}}}") for key, item in value.items()
        }
    if kind == "timestamp":
        # rest-json's default timestamp format is epoch seconds (a JSON number)
        return value.timestamp() if isinstance(value, datetime) else float(value)
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{path}: expected an integer, got {value!r}")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise TypeError(f"{path}: expected a boolean, got {value!r}")
        return value
    if kind in ("float", "double"):
        return float(value)
    if kind == "string":
        if not isinstance(value, str):
            raise TypeError(f"{path}: expected a string, got {value!r}")
        return value
    raise TypeError(f"{path}: shape type {kind} is not serialized by the sandbox")


def serialize(operation: str, body: dict[str, Any]) -> str:
    """The JSON body of a Backup operation's answer, walked through its botocore output shape."""
    shape = output_shape(operation)
    if shape is None:
        return "{}"
    return json.dumps(to_wire(shape, body, operation))
