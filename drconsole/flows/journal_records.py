"""The journal's record types, decoded strictly: one damaged line is named and skipped.

Every line of `journal.jsonl` decodes into one of the msgspec Structs below, chosen by its
`type`, with strict types (no `"1"` for 1, no missing key). A line that does not decode (invalid
UTF-8, not JSON, cut short by a crash, NUL bytes left by a crash, a missing key, a wrong type, an
unknown record type, a plan that cannot be rebuilt) becomes a `Damage` naming the file, the line
and what is wrong. Records are also decoded before they are written (`check_encoded`), so the
journal never holds a record, and above all a plan, that a later run could not carry on.
`decode_loose` reads journals whose records are folded elsewhere (drills) with the same care
for damage.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import msgspec

from drconsole.flows.ids import FLOW_ID, FLOW_ID_FORM

STEP = r"^(hop[1-9][0-9]*|restore)$"
Step = Annotated[str, msgspec.Meta(pattern=STEP)]
NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]
AccountId = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{12}$")]
# A flow id names its lock file: a record with any other id is damaged, never a path.
FlowId = Annotated[str, msgspec.Meta(pattern=FLOW_ID)]
R = TypeVar("R")
_VAULT_ARN = re.compile(r"^arn:aws[a-z-]*:backup:[a-z0-9-]+:[0-9]{12}:backup-vault:[^\s:]+$")


class Hop(msgspec.Struct, frozen=True):
    """One copy of a route: source and destination vault ARNs."""

    source: str
    destination: str

    def __post_init__(self) -> None:
        for arn in (self.source, self.destination):
            if not _VAULT_ARN.match(arn):
                raise ValueError(f"not a backup vault ARN: {arn[:120]!r}")


class Origin(msgspec.Struct, frozen=True):
    """Who started a flow, and where: a resume elsewhere is refused unless told to."""

    endpoint: str | None
    profile: str | None
    caller: str
    account: str


class PlanSource(msgspec.Struct, frozen=True):
    """The source recovery point of a plan (as `FlowPlan.to_json` writes it)."""

    account: AccountId
    region: NonEmpty
    vault: NonEmpty
    resource_type: NonEmpty
    resource_arn: str = ""
    resource_name: str = ""
    delete_after_days: int | None = None


class PlanDoc(msgspec.Struct, frozen=True):
    """The fields of a plan the engine needs to carry a flow on (others are kept as written)."""

    kind: Literal["copy", "restore"]
    recovery_point: NonEmpty
    source: PlanSource
    destination: str | None
    hops: list[Hop]
    restore: bool
    route_reason: str = ""
    metadata: dict[str, str] = {}
    copy_role: NonEmpty = "service-role/AWSBackupDefaultServiceRole"
    restore_role: NonEmpty = "service-role/AWSBackupDefaultServiceRole"
    delete_after_days: int | None = None
    cleanup_intermediate: bool = False
    route_mode: Literal["auto", "single", "two-hop"] = "auto"
    resource_type: str = ""


class FailedCheck(msgspec.Struct, frozen=True):
    """A check that blocked a step."""

    id: str
    status: str
    cause: str | None = None
    evidence: str | None = ""  # shown, never acted on: a missing text must not lose the record
    remediation: str | None = ""


class Record(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    """Fields every record has."""

    time: str
    flow: FlowId


class PlanRecord(Record, frozen=True, kw_only=True, tag="plan"):
    """The flow exists: its plan as confirmed, and who started it where."""

    plan: dict[str, Any]
    origin: Origin | None = None

    def __post_init__(self) -> None:
        try:
            msgspec.convert(self.plan, PlanDoc)
        except msgspec.ValidationError as error:
            raise ValueError(f"plan: {error}") from None
        from drconsole.flows.plan import FlowPlan

        try:
            FlowPlan.from_json(self.plan)
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"plan cannot be rebuilt: {error}") from None


class ConfirmedRequest(msgspec.Struct, frozen=True):
    """One job request as the operator confirmed it (`JobRequest.to_json`)."""

    step: Step
    operation: Literal["backup:StartCopyJob", "backup:StartRestoreJob"]
    account: AccountId
    region: NonEmpty
    request: dict[str, Any]


class ConfirmedRecord(Record, frozen=True, kw_only=True, tag="confirmed"):
    """The requests the operator confirmed with the plan: the ones sent."""

    requests: list[ConfirmedRequest]


class RouteRecord(Record, frozen=True, kw_only=True, tag="route"):
    """AWS refused one copy job: the flow goes on in two hops (a new generation of steps)."""

    generation: Annotated[int, msgspec.Meta(ge=1)]
    hops: list[Hop]
    reason: str = ""
    message: str = ""


class CautionAcceptedRecord(Record, frozen=True, kw_only=True, tag="caution-accepted"):
    """A caution said before the flow started, and who accepted it (operator or a flag)."""

    code: NonEmpty
    message: str
    accepted_by: NonEmpty


class ChecksRecord(Record, frozen=True, kw_only=True, tag="checks"):
    """A step's checks: passed, or the ones that failed."""

    step: Step
    ok: bool
    failed: list[FailedCheck] = []
    passed: list[str] = []  # the ids of the checks that PASSed: what the flow knows held


class StartRecord(Record, frozen=True, kw_only=True, tag="start"):
    """A Start call about to be sent: its token and exact request."""

    step: Step
    kind: Literal["copy", "restore"]
    token: NonEmpty
    request: dict[str, Any]
    account: AccountId
    region: NonEmpty
    audit_intent: str | None = None


class RefusedRecord(Record, frozen=True, kw_only=True, tag="refused"):
    """AWS refused a Start call at once (the route fall-back reads it)."""

    step: Step
    message: str


class JobRecord(Record, frozen=True, kw_only=True, tag="job"):
    """A Start call answered: the job's id."""

    step: Step
    job_id: NonEmpty


class NoJobRecord(Record, frozen=True, kw_only=True, tag="no-job"):
    """A Start call whose answer was never journaled started no job: AWS lists none that
    matches its request (clean-up looked, and found nothing to wait for)."""

    step: Step
    reason: str


class FinishedRecord(Record, frozen=True, kw_only=True, tag="finished"):
    """A job reached an end state."""

    step: Step
    state: NonEmpty
    status_message: str = ""
    result_arn: str | None = None


class RestoreFormRecord(Record, frozen=True, kw_only=True, tag="restore-form"):
    """The restore metadata as answered."""

    metadata: dict[str, str]


class CleanupRecord(Record, frozen=True, kw_only=True, tag="cleanup"):
    """The intermediate copy of a two-hop route: deleted or kept, and why."""

    recovery_point: NonEmpty
    deleted: bool
    reason: str


class DoneRecord(Record, frozen=True, kw_only=True, tag="done"):
    """The flow completed."""

    result: dict[str, Any]


class FailedRecord(Record, frozen=True, kw_only=True, tag="failed"):
    """The flow failed (a job failed, or the operator abandoned it): never resumed."""

    step: str
    cause: str
    message: str
    explanation: str = ""
    remediation: str = ""
    abandoned: bool = False
    # What the failed step made all the same: a restore AWS completed with objects missing.
    result: dict[str, Any] = msgspec.field(default_factory=dict)


class AwsErrorRecord(Record, frozen=True, kw_only=True, tag="aws-error"):
    """An AWS call failed at a step: the flow stopped there and a resume carries it on."""

    step: str
    operation: str = ""
    cause: str
    message: str
    explanation: str = ""
    remediation: str = ""


AnyRecord = (
    PlanRecord
    | ConfirmedRecord
    | CautionAcceptedRecord
    | RouteRecord
    | ChecksRecord
    | StartRecord
    | RefusedRecord
    | JobRecord
    | NoJobRecord
    | FinishedRecord
    | RestoreFormRecord
    | CleanupRecord
    | DoneRecord
    | FailedRecord
    | AwsErrorRecord
)
_DECODER = msgspec.json.Decoder(AnyRecord)


@dataclass(frozen=True, slots=True)
class Damage:
    """A journal line that was skipped, and why."""

    path: Path
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}; the line was skipped"


def decode_line(raw: bytes, last: bool = False) -> AnyRecord:
    """One line as a typed record; ValueError saying what is wrong (`last`: the file's final
    line has no newline, so a line that does not decode was cut short)."""
    if b"\x00" in raw:
        raise ValueError("NUL bytes (a write lost in a crash)")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"invalid UTF-8 at byte {error.start}") from None
    try:
        return _DECODER.decode(raw)
    except msgspec.ValidationError as error:
        raise ValueError(_record_problem(raw, str(error))) from None
    except msgspec.DecodeError as error:
        raise ValueError(_not_json(raw, error, last)) from None


def _not_json(raw: bytes, error: msgspec.DecodeError, last: bool) -> str:
    """Why a line of valid UTF-8 is not a JSON record: cut short, or not JSON."""
    # msgspec says "truncated" of a whole line holding a \ud800 escape with no low half: such
    # a line was written whole and holds no character, it was not cut short.
    surrogate = _LONE_SURROGATE.search(raw)
    if surrogate is not None:
        escape = surrogate.group().decode("ascii")
        return f"undecodable: {escape} is half of a UTF-16 pair, not a character"
    if last or "truncated" in str(error):
        return "line cut short (a write interrupted by a crash)"
    return f"not JSON ({error})"


# A \uD800-\uDBFF escape not followed by a \uDC00-\uDFFF one, or a low half alone (an escaped
# backslash before the `u` makes it text, not an escape).
_LONE_SURROGATE = re.compile(
    rb"(?<!\\)\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    rb"|(?<!\\)(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def decode_loose(raw: bytes, last: bool = False) -> dict[str, Any]:
    """One line as a JSON object with a `type`, a `flow` and a `time` (other journals, whose
    records are folded by their own code); ValueError saying what is wrong."""
    if b"\x00" in raw:
        raise ValueError("NUL bytes (a write lost in a crash)")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"invalid UTF-8 at byte {error.start}") from None
    try:
        data = msgspec.json.decode(raw)
    except msgspec.DecodeError as error:
        raise ValueError(_not_json(raw, error, last)) from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    for key in ("type", "flow", "time"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise ValueError(f"record without a `{key}` text")
    return data


def _record_problem(raw: bytes, message: str) -> str:
    """`record 'start': Object missing required field `step``, without echoing values."""
    kind = ""
    try:
        data = msgspec.json.decode(raw)
        if isinstance(data, dict) and isinstance(data.get("type"), str):
            kind = data["type"][:40]
    except msgspec.DecodeError as error:
        # Not even read as plain JSON (an integer of thousands of digits, say): say why, not
        # "without a type", which would send whoever repairs the journal after the wrong field.
        return f"a line that cannot be read ({error})"
    if "at `$.flow`" in message:
        return f"record {kind!r}: flow id is not {FLOW_ID_FORM}" if kind else "bad flow id"
    if "at `$.type`" in message:
        return f"unknown record type {kind!r}" if kind else "record type is not a string"
    if not kind:
        if message.startswith("Expected `object`"):
            return "not a JSON object"
        return "record without a type"
    return f"record {kind!r}: {message}"


def read_records(
    path: Path,
    decode: Callable[[bytes, bool], R] = decode_line,  # type: ignore[assignment]
) -> tuple[list[R], list[Damage]]:
    """Every decodable record of the file, oldest first, and every damaged line."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], []
    records: list[R] = []
    damaged: list[Damage] = []
    lines = data.split(b"\n")
    ends_with_newline = data.endswith(b"\n")
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        last = number == len(lines) and not ends_with_newline
        try:
            records.append(decode(raw, last))
        except ValueError as error:
            damaged.append(Damage(path, number, str(error)))
        except RecursionError:  # msgspec's answer to JSON nested some thousand levels deep
            damaged.append(Damage(path, number, "JSON nested too deeply to read"))
    return records, damaged
