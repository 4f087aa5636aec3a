"""Copy and restore jobs: start, describe and list them, as `models.CopyJob` / `RestoreJob`.

Every mutating call (StartCopyJob, StartRestoreJob, DeleteRecoveryPoint) is written to the audit
log with the caller's identity: its intent before it is sent, its outcome after, however it
ends. Jobs start only from a `JobRequest` (the confirmed request, sent as it is); its
IdempotencyToken makes a retried start return the job the first call created.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from drconsole.aws.answers import identified, required, required_text
from drconsole.aws.audit import AuditLog, audited_call
from drconsole.aws.convert import copy_job_from, restore_job_from
from drconsole.aws.session import AwsSessions
from drconsole.job_request import OPERATIONS, START_COPY, JobRequest
from drconsole.models import CopyJob, RestoreJob

COPY_FINISHED = frozenset({"COMPLETED", "FAILED", "ABORTED", "PARTIAL"})
RESTORE_FINISHED = frozenset({"COMPLETED", "FAILED", "ABORTED"})


@dataclass(frozen=True, slots=True)
class JobRef:
    """Where a job lives: its kind ("copy" | "restore"), account, Region and id."""

    kind: str
    account_id: str
    region: str
    job_id: str

    @property
    def key(self) -> str:
        """A stable text key (for the watcher and the journal)."""
        return f"{self.kind}:{self.account_id}:{self.region}:{self.job_id}"


def is_finished(job: CopyJob | RestoreJob) -> bool:
    """True when the job will not change any more."""
    finished = COPY_FINISHED if isinstance(job, CopyJob) else RESTORE_FINISHED
    return job.state in finished


class JobsApi:
    """AWS Backup job calls across accounts and Regions, through the shared sessions."""

    def __init__(self, sessions: AwsSessions, audit: AuditLog | None = None) -> None:
        self.sessions = sessions
        self.audit = audit

    def _backup(self, account_id: str, region: str) -> Any:
        return self.sessions.client("backup", account_id=account_id, region=region)

    def _mutate(
        self,
        account_id: str,
        region: str,
        operation: str,
        params: dict[str, Any],
        intent: str | None = None,
        result_of: Any = None,
    ) -> Any:
        """Call a mutating operation between its audit intent and its outcome (`intent`: an
        intent already written by `audit_intent`)."""
        if operation in OPERATIONS:
            raise ValueError(f"{operation} is sent only from a JobRequest, by start()")
        client = self._backup(account_id, region)
        method = getattr(client, _snake(operation))
        return audited_call(
            self.audit,
            lambda: method(**params),
            caller_arn=self._caller_arn(),
            account_id=account_id,
            region=region,
            operation=f"backup:{operation}",
            parameters=params,
            intent_id=intent,
            result_of=result_of,
        )

    def audit_intent(
        self,
        account_id: str,
        region: str,
        operation: str,
        params: dict[str, Any],
        *,
        flow: str,
        step: str,
        resumes: str | None = None,
    ) -> str | None:
        """Write the audit intent of a flow's Start call before the flow journals it; its id
        (None without an audit log)."""
        if self.audit is None:
            return None
        return self.audit.intent(
            caller_arn=self._caller_arn(),
            account_id=account_id,
            region=region,
            operation=f"backup:{operation}",
            parameters=params,
            flow=flow,
            step=step,
            resumes=resumes,
        )

    def _caller_arn(self) -> str:
        try:
            return self.sessions.caller_identity_arn()
        except Exception:  # the audit entry must still be written when STS is unreachable
            return "unknown"

    # Starting jobs --------------------------------------------------------------------------

    def start(self, request: JobRequest, intent: str | None = None) -> str:
        """StartCopyJob or StartRestoreJob, exactly as `request` says: its account and Region,
        its parameters unchanged (the request the operator confirmed). Returns the job id.
        `intent`: its audit intent, when the flow wrote it before journaling the request.

        This is the only code that starts a job (tests/test_architecture.py keeps it so)."""
        if request.pending:
            raise ValueError(f"{request.step}: its source recovery point does not exist yet")
        client = self._backup(request.account_id, request.region)
        parameters = request.parameters
        copy = request.operation == START_COPY
        answer = audited_call(
            self.audit,
            (lambda: client.start_copy_job(**parameters))
            if copy
            else (lambda: client.start_restore_job(**parameters)),
            caller_arn=self._caller_arn(),
            account_id=request.account_id,
            region=request.region,
            operation=f"backup:{request.operation}",
            parameters=request.parameters,
            intent_id=intent,
            result_of=lambda a: (
                {"CopyJobId": a.get("CopyJobId")}
                if copy
                else {"RestoreJobId": a.get("RestoreJobId")}
            ),
        )
        return required_text(answer, "CopyJobId" if copy else "RestoreJobId", request.operation)

    def delete_recovery_point(self, account_id: str, region: str, vault: str, arn: str) -> None:
        """DeleteRecoveryPoint (clean-up of an intermediate copy)."""
        params = {"BackupVaultName": vault, "RecoveryPointArn": arn}
        self._mutate(account_id, region, "DeleteRecoveryPoint", params)

    # Reading jobs ---------------------------------------------------------------------------

    def describe(self, ref: JobRef) -> CopyJob | RestoreJob:
        """DescribeCopyJob or DescribeRestoreJob (one call)."""
        backup = self._backup(ref.account_id, ref.region)
        # A job without its state would be watched for ever: the answer is refused instead
        # (the watcher gives up after a few, and a resumed flow watches it again).
        if ref.kind == "copy":
            item = identified(
                required(
                    backup.describe_copy_job(CopyJobId=ref.job_id), "CopyJob", "DescribeCopyJob"
                ),
                "State",
                operation="DescribeCopyJob",
            )
            return copy_job_from(item, ref.account_id, ref.region)
        item = identified(
            backup.describe_restore_job(RestoreJobId=ref.job_id),
            "Status",
            operation="DescribeRestoreJob",
        )
        return restore_job_from(item, ref.account_id, ref.region)

    def list_copy_jobs(
        self, account_id: str | None, region: str, **filters: Any
    ) -> Iterator[CopyJob]:
        """ListCopyJobs (every page) in an account (None: the caller's) and Region.

        `ByAccountId="*"` from the management account lists the whole organization's jobs.
        """
        backup = self._backup(account_id or self.sessions.caller_account_id(), region)
        owner = account_id or self.sessions.caller_account_id()
        for page in backup.get_paginator("list_copy_jobs").paginate(**filters):
            for item in page.get("CopyJobs", []):
                yield copy_job_from(item, owner, region)

    def list_restore_jobs(
        self, account_id: str | None, region: str, **filters: Any
    ) -> Iterator[RestoreJob]:
        """ListRestoreJobs (every page) in an account (None: the caller's) and Region."""
        backup = self._backup(account_id or self.sessions.caller_account_id(), region)
        owner = account_id or self.sessions.caller_account_id()
        for page in backup.get_paginator("list_restore_jobs").paginate(**filters):
            for item in page.get("RestoreJobs", []):
                yield restore_job_from(item, owner, region)

    def restore_job_metadata(self, account_id: str, region: str, job_id: str) -> dict[str, str]:
        """GetRestoreJobMetadata: the Metadata a restore job was started with."""
        answer = self._backup(account_id, region).get_restore_job_metadata(RestoreJobId=job_id)
        return {str(k): str(v) for k, v in (answer.get("Metadata") or {}).items()}

    # Recovery points ------------------------------------------------------------------------

    def restore_metadata(
        self, account_id: str, region: str, vault: str, arn: str
    ) -> dict[str, str]:
        """GetRecoveryPointRestoreMetadata in the account holding the recovery point."""
        answer = self._backup(account_id, region).get_recovery_point_restore_metadata(
            BackupVaultName=vault, RecoveryPointArn=arn
        )
        return {str(k): str(v) for k, v in (answer.get("RestoreMetadata") or {}).items()}

    def recovery_point_exists(self, account_id: str, region: str, vault: str, arn: str) -> bool:
        """DescribeRecoveryPoint: True when the vault still holds it (not deleted or expired)."""
        backup = self._backup(account_id, region)
        try:
            found = backup.describe_recovery_point(BackupVaultName=vault, RecoveryPointArn=arn)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return False
            raise
        return str(found.get("Status", "")) not in ("DELETING", "EXPIRED")

    def describe_vault(self, account_id: str, region: str, vault: str) -> dict[str, Any]:
        """DescribeBackupVault (lock state for the clean-up)."""
        answer = self._backup(account_id, region).describe_backup_vault(BackupVaultName=vault)
        return {
            "locked": bool(answer.get("Locked", False)),
            "min_retention_days": answer.get("MinRetentionDays"),
        }


def _snake(operation: str) -> str:
    """`StartCopyJob` -> `start_copy_job`."""
    out = [operation[0].lower()]
    for char in operation[1:]:
        out.append(f"_{char.lower()}" if char.isupper() else char)
    return "".join(out)
