"""A job's outcome explained: the cause of a failed, aborted, expired or partial job, and of a
restore AWS ended COMPLETED with a message saying it restored only part, or nothing."""

from __future__ import annotations

from collections.abc import Iterable

from drconsole.diagnose.messages import diagnose
from drconsole.diagnose.placeholders import copy_values, filled_in, restore_values
from drconsole.diagnose.restore_rules import INCOMPLETE_RESTORE_RULES
from drconsole.models import BackupJob, CauseCode, CopyJob, Diagnosis, RestoreJob

PROBLEM_STATES = frozenset({"FAILED", "ABORTED", "EXPIRED", "PARTIAL"})

# What a state means when AWS gave no message with it.
_SILENT_STATES = {
    "EXPIRED": (
        "The backup job did not start within its backup rule's start window, so AWS Backup"
        " gave up on it: no recovery point was made.",
        "Widen the rule's start window or move it away from busy hours, and check that the"
        " resource existed and was in a state that can be backed up at that time.",
    ),
    "ABORTED": (
        "The job was stopped before it finished (by someone, or because its resource or vault"
        " went away): no recovery point was made.",
        "Look in CloudTrail for the StopBackupJob call or a deletion around that time.",
    ),
    "PARTIAL": (
        "Only part of a composite job finished: some of its resources were not backed up or"
        " copied.",
        "Open the job's child jobs (ListBackupJobs/ListCopyJobs ByParentJobId) for their causes.",
    ),
    "FAILED": (
        "The job failed and AWS gave no message with it.",
        "Open the job in the AWS Backup console or with DescribeBackupJob/DescribeCopyJob/"
        "DescribeRestoreJob for details.",
    ),
}


# A restore stopped before it finished made nothing to rely on (what it made, if anything, is
# named by the job's CreatedResourceArn).
_ABORTED_RESTORE = (
    "The restore was stopped before it finished (by someone, or because its recovery point or"
    " role went away): nothing was restored that can be relied on.",
    "Look in CloudTrail for who stopped it, then start the restore again.",
)


def state_meaning(kind: str, state: str) -> tuple[str, str] | None:
    """What a job of `kind` ("copy", "restore") that ended in `state` means and what to do
    (None for COMPLETED and FAILED, which AWS's message explains)."""
    if state in ("COMPLETED", "FAILED"):
        return None
    if kind == "restore" and state == "ABORTED":
        return _ABORTED_RESTORE
    return _SILENT_STATES.get(state)


def with_state_meaning(diagnosis: Diagnosis, kind: str, state: str) -> Diagnosis:
    """The diagnosis of a job's message, explained by its state where the message is not
    recognised (a PARTIAL copy says more than UNKNOWN does)."""
    meaning = state_meaning(kind, state)
    if meaning is None or diagnosis.cause is not CauseCode.UNKNOWN:
        return diagnosis
    return Diagnosis(CauseCode.UNKNOWN, *meaning, matched=f"state {state}")


def ended_message(kind: str, job_id: str | None, state: str, message: str) -> str:
    """What a job that did not complete said: AWS's message, after its kind, id and state when
    that state is not FAILED (a PARTIAL or ABORTED job's message may not say how it ended)."""
    if state == "FAILED":
        return message
    said = f"{kind} job {job_id or '(unknown id)'} ended {state}"
    return f"{said}: {message}" if message.strip() else said


def incomplete_restore(state: str, status_message: str | None) -> bool:
    """True for a restore AWS ended COMPLETED with a message it documents for a restore that
    left objects out or found none to restore (S3): not a recovery, whatever the state says."""
    if state != "COMPLETED" or not (status_message or "").strip():
        return False
    return diagnose(status_message or "").matched in INCOMPLETE_RESTORE_RULES


def is_problem(job: BackupJob | CopyJob | RestoreJob) -> bool:
    """True when the job did not do what it was for (failed, aborted, expired, partial, or a
    restore that completed without restoring everything)."""
    if isinstance(job, RestoreJob) and incomplete_restore(job.state, job.status_message):
        return True
    return job.state in PROBLEM_STATES


def job_diagnosis(job: BackupJob | CopyJob | RestoreJob) -> Diagnosis | None:
    """The cause of a job that went wrong (None for one that did not)."""
    if not is_problem(job):
        return None
    if job.status_message.strip():
        return filled_in(diagnose(job.status_message), _known(job))
    explanation, remediation = _SILENT_STATES.get(job.state, _SILENT_STATES["FAILED"])
    return Diagnosis(CauseCode.UNKNOWN, explanation, remediation, matched=f"state {job.state}")


def _known(job: BackupJob | CopyJob | RestoreJob) -> dict[str, str]:
    """The placeholders the job's own record answers: a copy job runs in its source vault's
    account and Region, whatever account it was listed from."""
    if isinstance(job, CopyJob):
        values = {"SOURCE_ACCOUNT_ID": job.account_id, "SOURCE_REGION": job.region}
        return values | copy_values(
            job.source_recovery_point_arn, job.source_vault_arn, job.destination_vault_arn
        )
    if isinstance(job, RestoreJob):
        return restore_values(job.recovery_point_arn, job.account_id, job.region)
    return {}


def also_possible_text(causes: Iterable[str]) -> str:
    """The other causes AWS's message fits (a Diagnosis's `also`), as the screens and flows
    say them: the message alone cannot tell them from the cause given."""
    return f"{', '.join(causes)} (AWS's message is the same for it)"
