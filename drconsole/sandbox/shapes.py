"""Serialize sandbox Backup answers from botocore's own output shapes, and Backup's errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any

import msgspec
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


Converter = Callable[[Any], Any]


def _identity_of(kind: type | tuple[type, ...], exclude_bool: bool = False) -> Converter:
    def convert(value: Any) -> Any:
        if not isinstance(value, kind) or (exclude_bool and isinstance(value, bool)):
            raise TypeError
        return value

    return convert


def _timestamp(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


def compile_shape(shape: Any) -> Converter:
    """A converter equal to `to_wire(shape, value)` but without its per-value dispatch.

    It raises a bare TypeError on a value that does not fit; `fast_wire` then repeats the walk
    with `to_wire` for the message that names the offending member.
    """
    found = _COMPILED.get(shape)  # shapes hash by identity and botocore caches them
    if found is not None:
        return found
    kind = shape.type_name
    convert: Converter
    if kind == "structure":
        members: dict[str, Converter] = {}

        def structure(value: Any) -> Any:
            if not isinstance(value, dict):
                raise TypeError
            out: dict[str, Any] = {}
            for name, member_value in value.items():
                if member_value is None:
                    continue
                out[name] = members[name](member_value)  # KeyError: not a member
            return out

        convert = structure
        _COMPILED[shape] = convert  # before the members: shapes may be recursive
        for name, member in shape.members.items():
            members[name] = compile_shape(member)
        return convert
    if kind == "list":
        item = compile_shape(shape.member)
        convert = lambda value: [item(v) for v in value]  # noqa: E731
    elif kind == "map":
        entry = compile_shape(shape.value)
        convert = lambda value: {str(k): entry(v) for k, v in value.items()}  # noqa: E731
    elif kind == "timestamp":
        convert = _timestamp
    elif kind in ("integer", "long"):
        convert = _identity_of(int, exclude_bool=True)
    elif kind == "boolean":
        convert = _identity_of(bool)
    elif kind in ("float", "double"):
        convert = float
    elif kind == "string":
        convert = _identity_of(str)
    else:

        def convert(value: Any) -> Any:
            raise TypeError

    _COMPILED[shape] = convert
    return convert


_COMPILED: dict[Any, Converter] = {}


def fast_wire(shape: Any, value: Any, path: str) -> Any:
    """`to_wire` through the compiled converter; the same result and the same errors."""
    try:
        return compile_shape(shape)(value)
    except (TypeError, KeyError, ValueError, AttributeError):
        # Walk again for the precise message (raises); a value only the fast path refused
        # (none known) still goes out as the reference walk makes it.
        return to_wire(shape, value, path)


_ENCODER = msgspec.json.Encoder()


def dumps(value: Any) -> str:
    """Compact JSON text of a walked value (msgspec: several times faster than json.dumps)."""
    return _ENCODER.encode(value).decode()


def serialize(operation: str, body: dict[str, Any]) -> str:
    """The JSON body of a Backup operation's answer, walked through its botocore output shape."""
    shape = output_shape(operation)
    if shape is None:
        return "{}"
    return dumps(fast_wire(shape, body, operation))


def list_member_shape(operation: str, list_name: str) -> Any:
    """The shape of one item of a list member of an operation's output (e.g. RecoveryPoints)."""
    return output_shape(operation).members[list_name].member


def item_fragment(operation: str, list_name: str, item: dict[str, Any]) -> str:
    """The JSON text of one list item of an operation's answer, walked through its shape."""
    shape = list_member_shape(operation, list_name)
    return dumps(fast_wire(shape, item, f"{operation}.{list_name}[]"))


def serialize_with_fragments(
    operation: str, list_name: str, fragments: list[str], rest: dict[str, Any]
) -> str:
    """What `serialize` makes of `{list_name: items, **rest}`, from the items' fragments.

    `list_name` must be the first member of the body; the fragments come from `item_fragment`,
    so the text is the one `serialize` would produce, without walking each item again.
    """
    skeleton = serialize(operation, {list_name: [], **rest})
    opening = "{" + dumps(list_name) + ":["
    if not skeleton.startswith(opening + "]"):
        raise ValueError(f"{list_name} is not the first member of the {operation} answer")
    return opening + ",".join(fragments) + skeleton[len(opening) :]
