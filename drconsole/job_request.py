"""One AWS Backup job request, frozen: what the operator confirms, the journal holds, AWS gets.

A `JobRequest` is built once (operation, account, Region and parameters), rendered for the
confirmation, journaled before the call and handed as-is to `aws.jobs.JobsApi.start`, which is
the only code that calls StartCopyJob or StartRestoreJob. Its parameters are kept as canonical
JSON text, so that nothing can add, drop or change one after it was shown: every reader gets a
fresh copy. The one change allowed is filling a pending source (the recovery point a previous
hop creates), which `with_source` does and nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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
        return head + "\n" + json.dumps(self.parameters, indent=2, sort_keys=True)
