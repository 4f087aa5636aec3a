"""A point-in-time restore's `RestoreTime`: a moment given with its zone, inside the continuous
backup's window, sent to AWS in UTC to the second. Pure.

AWS Backup restores a continuous backup "back to a specific time that you choose, within 1 second
of precision (going back a maximum of 35 days)"; the console offers that time only for a
continuous backup ("If you are restoring a continuous backup, in the Restore time pane..."),
and its CLI examples give it in UTC (`"RestoreTime": "2026-02-10T14:30:00Z"`)
(https://docs.aws.amazon.com/aws-backup/latest/devguide/point-in-time-recovery.html,
restoring-s3.html). A time without a zone would be read by AWS in UTC while the operator may
have meant local time: the restore would hold the data of another moment, so it is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta

KEY = "RestoreTime"
# "going back a maximum of 35 days"
MAX_BACK = timedelta(days=35)
SENT = "%Y-%m-%dT%H:%M:%SZ"


def parse(text: str) -> datetime:
    """The moment `text` names, in UTC; ValueError saying what is wrong with it."""
    value = text.strip()
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
        moment = moment.astimezone(UTC) if moment.tzinfo else moment
    except (ValueError, OverflowError):
        raise ValueError(
            f"must be a date and time such as 2026-12-05T14:32:00Z, not {value!r}"
        ) from None
    if is_date_alone(value):
        raise ValueError(f"needs a time of day and its zone, e.g. {value}T14:32:00Z, not {value!r}")
    if moment.tzinfo is None:
        raise ValueError(
            f"needs its zone, e.g. {moment:%Y-%m-%dT%H:%M:%S}Z (UTC) or "
            f"{moment:%Y-%m-%dT%H:%M:%S}+05:30, not {value!r}: AWS would read it as UTC"
        )
    if moment.microsecond:
        raise ValueError(f"is to the second (AWS restores to 1 second), not {value!r}")
    return moment


def is_date_alone(text: str) -> bool:
    """True for a date without a time of day (2026-11-01)."""
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def problem(
    text: str,
    continuous: bool | None,
    created: datetime | None,
    now: datetime | None = None,
) -> str | None:
    """What is wrong with a RestoreTime for this recovery point (`continuous`: None when not
    known; `created`: when its continuous backup began), or None."""
    try:
        moment = parse(text)
    except ValueError as exc:
        return f"{KEY} {exc}"
    shown = f"{moment:{SENT}}"
    if continuous is False:
        return (
            f"{KEY} applies to a continuous backup (point-in-time recovery) only: this "
            f"recovery point is a snapshot, restored as it was taken whatever the time given "
            f"({shown}); leave {KEY} out, or restore the resource's continuous recovery point"
        )
    now = now or datetime.now(UTC)
    if moment > now:
        return f"{KEY} {shown} is in the future (now {now:{SENT}})"
    earliest = now - MAX_BACK
    if created is not None and created > earliest:
        earliest = created
    if moment < earliest:
        why = "its continuous backup began" if created == earliest else "AWS goes back 35 days"
        return (
            f"{KEY} {shown} is before {earliest:{SENT}}, the earliest time this recovery point "
            f"can restore to ({why})"
        )
    return None


def problems(values: Mapping[str, str], point_arn: str, created: datetime | None) -> list[str]:
    """The RestoreTime problem of the values (its key matched without regard to case)."""
    from drconsole.checks.arns import is_continuous

    continuous = is_continuous(point_arn) if point_arn else None
    found = [problem(value, continuous, created) for value in given(values.items())]
    return [line for line in found if line is not None]


def given(pairs: Iterable[tuple[str, object]]) -> list[str]:
    """The RestoreTime values among restore metadata's (key, value) pairs, the key matched
    without regard to case (as AWS Backup matches it); empty ones left out."""
    return [str(value) for key, value in pairs if key.lower() == KEY.lower() and str(value).strip()]


def sent_as(text: str) -> str:
    """The RestoreTime as sent: UTC to the second (`2026-12-05T09:02:00Z`), so the request
    confirmed says the moment in AWS's terms; a value that does not parse is left as it is
    (validation has refused it)."""
    try:
        return f"{parse(text):{SENT}}"
    except ValueError:
        return text
