"""One AWS Backup job request, frozen: what the operator confirms, the journal holds, AWS gets.

A `JobRequest` is built once (operation, account, Region and parameters), rendered for the
confirmation, journaled before the call and handed as-is to `aws.jobs.JobsApi.start`, which is
the only code that calls StartCopyJob or StartRestoreJob. Its parameters are kept as canonical
JSON text, so that nothing can add, drop or change one after it was shown: every reader gets a
fresh copy. Two changes are allowed: filling a pending source (the recovery point a previous
hop creates), which `with_source` does, and putting back a secret metadata value that the
journal does not keep (`with_secrets`). A request shown to a person (`text`) has its secret
metadata values redacted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from drconsole.redact import REDACTED, is_secret_name, redact_fields

START_COPY = "StartCopyJob"
START_RESTORE = "StartRestoreJob"
OPERATIONS = (START_COPY, START_RESTORE)
PENDING_SOURCE = "<recovery point created by {step}>"


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 kept: two equal requests give the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class JobRequest:
    """A StartCopyJob or StartRestoreJob call: step, operation, where it runs, its parameters."""

    step: str  # hop1, hop2... or restore
    operation: str  # StartCopyJob | StartRestoreJob
    account_id: str
    region: str
    body: str  # the parameters, canonical JSON

    @classmethod
    def build(
        cls, step: str, operation: str, account_id: str, region: str, parameters: Mapping[str, Any]
    ) -> JobRequest:
        """A request from its parts (the parameters are copied into canonical JSON)."""
        if operation not in OPERATIONS:
            raise ValueError(f"not a job start: {operation}")
        return cls(step, operation, account_id, region, canonical_json(dict(parameters)))

    @property
    def parameters(self) -> dict[str, Any]:
        """The parameters, a fresh copy every time (mutating it changes nothing here)."""
        value: dict[str, Any] = json.loads(self.body)
        return value

    @property
    def kind(self) -> str:
        """ "copy" or "restore"."""
        return "copy" if self.operation == START_COPY else "restore"

    @property
    def token(self) -> str:
        """The IdempotencyToken."""
        return str(self.parameters.get("IdempotencyToken", ""))

    @property
    def recovery_point_arn(self) -> str:
        """The recovery point copied or restored (a placeholder while it is pending)."""
        return str(self.parameters.get("RecoveryPointArn", ""))

    @property
    def pending(self) -> bool:
        """True while the source is a recovery point a previous hop has yet to create."""
        return self.recovery_point_arn.startswith("<")

    def with_source(self, recovery_point_arn: str) -> JobRequest:
        """The same request with its pending source filled; a known source is never changed."""
        if not self.pending:
            if recovery_point_arn != self.recovery_point_arn:
                raise ValueError(
                    f"{self.step}: the confirmed request copies {self.recovery_point_arn}, "
                    f"not {recovery_point_arn}"
                )
            return self
        parameters = self.parameters
        parameters["RecoveryPointArn"] = recovery_point_arn
        return JobRequest.build(self.step, self.operation, self.account_id, self.region, parameters)

    def withheld_secrets(self) -> list[str]:
        """The secret-named Metadata keys whose value is the journal's redaction marker (a
        request read back from the journal): they must be given again before it is sent."""
        metadata = self.parameters.get("Metadata")
        if not isinstance(metadata, dict):
            return []
        return [k for k, v in metadata.items() if v == REDACTED and is_secret_name(k)]

    def marked(self) -> list[str]:
        """The parameters (dotted paths) that hold the redaction marker, secret metadata values
        withheld by the journal aside: a request read back from a journal that an earlier
        version wrote with such values redacted, which must never be sent."""
        withheld = {f"Metadata.{key}" for key in self.withheld_secrets()}
        return [path for path in _marked_paths(self.parameters, "") if path not in withheld]

    def as_journaled(self) -> JobRequest:
        """The request as the journal keeps it and gives it back: its secret metadata values
        withheld, every other parameter exactly as it is."""
        return JobRequest.from_json(redact_fields(self.to_json()))

    def secret_metadata(self) -> dict[str, str]:
        """The secret-named Metadata values this request carries (kept in memory to send)."""
        metadata = self.parameters.get("Metadata")
        if not isinstance(metadata, dict):
            return {}
        return {k: str(v) for k, v in metadata.items() if is_secret_name(k) and v != REDACTED}

    def with_secrets(self, values: Mapping[str, str]) -> JobRequest:
        """The same request with each withheld secret metadata value put back from `values`
        (keys matched without regard to case); nothing else changes."""
        withheld = self.withheld_secrets()
        if not withheld:
            return self
        by_key = {key.lower(): value for key, value in values.items()}
        parameters = self.parameters
        for key in withheld:
            if key.lower() in by_key:
                parameters["Metadata"][key] = by_key[key.lower()]
        return JobRequest.build(self.step, self.operation, self.account_id, self.region, parameters)

    def canonical(self) -> str:
        """The whole request (operation, account, Region, parameters) as canonical JSON."""
        return canonical_json(
            {
                "operation": f"backup:{self.operation}",
                "account": self.account_id,
                "region": self.region,
                "parameters": self.parameters,
            }
        )

    def to_json(self) -> dict[str, Any]:
        """The request as `--json`, the journal and the confirmation show it."""
        return {
            "step": self.step,
            "operation": f"backup:{self.operation}",
            "account": self.account_id,
            "region": self.region,
            "request": self.parameters,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JobRequest:
        """Back from `to_json` (the journal)."""
        operation = str(data["operation"]).removeprefix("backup:")
        return cls.build(
            str(data["step"]),
            operation,
            str(data["account"]),
            str(data["region"]),
            dict(data["request"]),
        )

    def text(self) -> str:
        """The request for a person: where it runs, then its parameters, indented JSON."""
        head = f"backup:{self.operation} as {self.account_id} in {self.region}"
        shown = redact_fields(self.parameters, keep=("IdempotencyToken",))
        return head + "\n" + json.dumps(shown, indent=2, sort_keys=True)


def _marked_paths(value: Any, path: str) -> list[str]:
    if isinstance(value, dict):
        return [
            found
            for key, item in value.items()
            for found in _marked_paths(item, f"{path}.{key}" if path else str(key))
        ]
    if isinstance(value, list):
        return [
            found for i, item in enumerate(value) for found in _marked_paths(item, f"{path}[{i}]")
        ]
    return [path] if value == REDACTED else []
