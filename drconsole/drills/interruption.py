"""Which AWS errors interrupt a drill target (to be resumed) rather than fail it."""

from __future__ import annotations

from typing import Any

from drconsole.errors import AwsError

# They say nothing about the target's recoverability, only about AWS that minute: a drill's
# verdict judges the recovery, so such a target waits for `drill resume` instead of failing.
# AccessDenied and the like are verdicts (the role cannot do it), not interruptions.
INTERRUPTING_CAUSES = (
    "THROTTLED",
    "NETWORK",
    "CREDENTIALS_EXPIRED",
    "CLOCK_SKEW",
    "SERVICE_ERROR",
)


class ValidationInterrupted(AwsError):
    """A validation's read of the restored resource (or its source) failed with one of the
    interrupting causes: nothing was judged, the validation runs again when resumed."""


def unreadable_only(failed: list[dict[str, Any]]) -> str | None:
    """The interrupting cause when every check that stops a step (`failed`, as journaled: id,
    status, cause...) is UNKNOWN because AWS failed its read (throttled, the network...): no
    check decided anything. None when one FAILs or could not be read for another reason
    (AccessDenied is a verdict)."""
    causes = [str(check.get("cause")) for check in failed]
    if not failed or any(check.get("status") != "UNKNOWN" for check in failed):
        return None
    if any(cause not in INTERRUPTING_CAUSES for cause in causes):
        return None
    return causes[0]


def interrupting_cause(exc: BaseException) -> str | None:
    """The cause code of a boto3/botocore failure when it interrupts rather than fails."""
    from drconsole.aws.errors import classify

    cause = classify(exc).value
    return cause if cause in INTERRUPTING_CAUSES else None
