"""`drill plan`: whether what a target's validation reads answers (a source in a Region down)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drconsole.aws.drill_reads import AWS_ERRORS, DrillReader, arn_region
from drconsole.aws.errors import classify, describe
from drconsole.drills.resolve import Resolved
from drconsole.drills.runbook import Target
from drconsole.drills.validate import source_account_of
from drconsole.models import OUTAGE_CAUSES


@dataclass(frozen=True)
class ValidationWarning:
    """A validation `drill run` will not be able to carry out: it ends the target INTERRUPTED
    after its restore (nothing cleaned up; `drill resume` runs it again)."""

    validation: str  # "compare_with_source"
    cause: str  # NETWORK or SERVICE_ERROR
    region: str
    message: str


def source_unanswered(
    sessions: Any, target: Target, resolved: Resolved, restore_region: str
) -> ValidationWarning | None:
    """With `compare_with_source`, the validation reads the source resource in its own Region
    (the workload Region, down on the day of an outage): ask for it now with the validation's
    first call; a warning when its Region does not answer, None otherwise (whatever else AWS
    says: the validation judges that)."""
    validation = target.validation
    if not (validation.builtin and validation.compare_with_source):
        return None
    point = resolved.point
    arn = point.resource_arn
    account = source_account_of(arn, target)
    region = arn_region(arn) or restore_region
    try:
        # Two attempts: a Region answering 503 is not waited out call after call.
        DrillReader(sessions, quick=True).ask(account, region, point.resource_type, arn)
    except AWS_ERRORS as exc:
        cause = classify(exc).value
        if cause not in OUTAGE_CAUSES:
            return None
        return ValidationWarning(
            "compare_with_source",
            cause,
            region,
            f"validation compare_with_source reads the source resource {arn} in account "
            f"{account}, {region}, which does not answer ({describe(exc)}): the target would "
            "end INTERRUPTED after its restore (nothing cleaned up; drill resume carries it on "
            "once the Region answers); drop compare_with_source to validate without it",
        )
    return None
