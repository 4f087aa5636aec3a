"""Verdicts on the recovery point itself: whether it is ready, and how long a copy of it lives."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from drconsole.checks.facts import CopyFacts, RecoveryPointFacts, RestoreFacts, VaultFacts
from drconsole.models import CauseCode, Check, CheckStatus

PASS, FAIL, WARN, UNKNOWN = (
    CheckStatus.PASS,
    CheckStatus.FAIL,
    CheckStatus.WARN,
    CheckStatus.UNKNOWN,
)

# AWS documents both as a finished backup "ready for use" (DescribeRecoveryPoint's Status).
READY_STATUSES = frozenset({"COMPLETED", "AVAILABLE"})
# What each other Status means, in AWS's words (DescribeRecoveryPoint, "Recovery point status").
STATUS_MEANINGS = {
    "CREATING": "its backup job is still running",
    "DELETING": "AWS Backup is deleting it",
    "EXPIRED": "it is past its retention period and AWS Backup could not delete it yet; it "
    "is deleted as soon as AWS Backup can",
    "STOPPED": "its continuous backup was stopped",
    "PARTIAL": "it is a composite recovery point with nested recovery points missing from the "
    "backup",
}
COPY_REFUSED_STATUSES = frozenset({"CREATING", "DELETING", "EXPIRED", "STOPPED"})
# AWS does not document restoring an EXPIRED or STOPPED point: warned, not refused.
RESTORE_REFUSED_STATUSES = frozenset({"CREATING", "DELETING"})

# A copy's Lifecycle.DeleteAfterDays counts from the SOURCE recovery point's creation date:
# "The creation date refers to when the source was created, not when the copy was created"
# (https://docs.aws.amazon.com/aws-backup/latest/devguide/recov-point-create-a-copy.html).
# A copy job may wait CREATED for up to 2 hours while AWS retries, a large copy takes hours and
# its restore hours more: a copy with less than a day left may be deleted before it is used.
COPY_AND_RESTORE_DAYS = 1
# Under 3 days left, a weekend or a failed restore retried is enough to lose the copy.
SHORT_COPY_LIFE_DAYS = 3
# What drconsole gives a copy at least, when the source's own retention would leave it less:
# a week to copy, restore, validate and look into the restored data.
MIN_COPY_LIFE_DAYS = 7


def age_in_days(created: datetime, now: datetime) -> int:
    """Whole days since `created`, rounded up (what DeleteAfterDays must at least cover)."""
    return max(0, math.ceil((now - created).total_seconds() / 86400))


def default_copy_retention(
    source_days: int | None, created: datetime | None, now: datetime | None = None
) -> int | None:
    """The retention drconsole starts a copy with when none is asked: the source's own, or,
    when that leaves the copy under MIN_COPY_LIFE_DAYS, the point's age plus that week.

    Keeping the source's retention keeps the copy no longer than the source when there is
    time (the team's retention rules hold); the week is what a copy back needs to be used.
    None (the source is kept indefinitely) sends no Lifecycle: the copy is kept too."""
    if source_days is None or created is None:
        return source_days
    wanted = age_in_days(created, now or datetime.now(UTC)) + MIN_COPY_LIFE_DAYS
    return max(source_days, wanted)


def status_verdict(
    cid: str, title: str, rp: RecoveryPointFacts, refused: frozenset[str], use: str
) -> Check:
    """PASS for a ready point, FAIL for a status in `refused`, WARN for another known one."""
    status = rp.status
    if status in READY_STATUSES:
        return Check(cid, title, PASS, f"recovery point status {status}")
    if not status:
        return Check(cid, title, UNKNOWN, "DescribeRecoveryPoint reported no Status")
    meaning = STATUS_MEANINGS.get(status, "AWS Backup does not report it ready for use")
    newest = (
        f"Use the newest COMPLETED or AVAILABLE recovery point of {rp.resource_arn or rp.arn}: "
        f"aws backup list-recovery-points-by-resource --resource-arn {rp.resource_arn or '<ARN>'} "
        f"--region {rp.region} (or drconsole ls recovery-points --account {rp.account_id} "
        f"--region {rp.region} --vault {rp.vault_name})"
    )
    evidence = f"recovery point status {status}: {meaning}"
    if status in refused:
        return Check(
            cid,
            title,
            FAIL,
            evidence,
            CauseCode.UNSUPPORTED_COPY_ROUTE if use == "copy" else None,
            f"{newest}; wait for a CREATING point to end." if status == "CREATING" else newest,
        )
    return Check(cid, title, WARN, f"{evidence}; the {use} may not hold everything", None, newest)


def check_source_status(facts: CopyFacts) -> Check:
    """The recovery point is ready to be copied (COMPLETED or AVAILABLE)."""
    return status_verdict(
        "source.status",
        "Recovery point ready to copy",
        facts.recovery_point,
        COPY_REFUSED_STATUSES,
        "copy",
    )


def check_restore_status(facts: RestoreFacts) -> Check:
    """The recovery point restored is ready (the copy made first is judged by its own check)."""
    cid, title = "restore.status", "Recovery point ready to restore"
    if facts.after_copy_to:
        copy = facts.after_copy_to
        return Check(cid, title, PASS, f"the restore runs on the copy made in {copy}")
    return status_verdict(cid, title, facts.recovery_point, RESTORE_REFUSED_STATUSES, "restore")


def check_copy_retention(facts: CopyFacts, now: datetime | None = None) -> Check:
    """The copy is not deleted before it is copied, restored and used: its DeleteAt counts
    from the source recovery point's creation date, not from the copy's."""
    cid, title = "copy.retention", "Copy lives past the copy and the restore"
    rp, days = facts.recovery_point, facts.lifecycle_delete_after_days
    if days is None:
        return Check(cid, title, PASS, "the copy is kept indefinitely (no DeleteAfterDays)")
    if rp.creation_date is None:
        return Check(cid, title, UNKNOWN, "DescribeRecoveryPoint reported no CreationDate")
    now = now or datetime.now(UTC)
    delete_at = rp.creation_date + timedelta(days=days)
    left = (delete_at - now).total_seconds() / 86400
    age = age_in_days(rp.creation_date, now)
    days_old = (now - rp.creation_date).total_seconds() / 86400
    evidence = (
        f"DeleteAfterDays {days} counts from the recovery point's creation on "
        f"{rp.creation_date:%Y-%m-%d %H:%M} UTC ({days_old:.1f} days ago): the copy is "
        f"deleted from {delete_at:%Y-%m-%d %H:%M} UTC"
    )
    if left >= SHORT_COPY_LIFE_DAYS:
        return Check(cid, title, PASS, f"{evidence}, {int(left)} days from now")
    wanted = age + MIN_COPY_LIFE_DAYS
    remedy = (
        f"Start the copy with --delete-after-days {wanted} (in a runbook copy_retention_days, "
        f"in the console's copy wizard its retention field): counted from the creation date, "
        f"that is the point's age ({days_old:.1f} days, rounded up) plus {MIN_COPY_LIFE_DAYS} "
        "days to copy, restore and validate." + _lock_conflict(facts.dest_vault, wanted)
    )
    if left < COPY_AND_RESTORE_DAYS:
        when = "already past" if left <= 0 else f"{left * 24:.0f} hours from now"
        return Check(
            cid,
            title,
            FAIL,
            f"{evidence}, {when}: AWS may delete the copy before the copy and the restore "
            f"finish (they can take hours; under {COPY_AND_RESTORE_DAYS} day is refused)",
            remediation=remedy,
        )
    return Check(
        cid,
        title,
        WARN,
        f"{evidence}, {left:.1f} days from now (under {SHORT_COPY_LIFE_DAYS} days to restore "
        "and use the copy)",
        remediation=remedy,
    )


def _lock_conflict(vault: object, wanted: int) -> str:
    """The sentence to add when the destination vault lock's maximum is below `wanted`."""
    high = vault.max_retention_days if isinstance(vault, VaultFacts) else None
    if isinstance(vault, VaultFacts) and high is not None and high < wanted:
        return (
            f" Vault {vault.name}'s lock keeps copies at most {high} days from their creation "
            "date: copy into a vault without that maximum."
        )
    return ""
