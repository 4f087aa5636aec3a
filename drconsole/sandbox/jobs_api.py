"""Backup's job operations in the sandbox: start, describe and list backup, copy, restore jobs."""

from __future__ import annotations

import importlib
import re
import sys
import uuid
from collections.abc import Callable
from typing import Any

from . import engine, point_records, store
from .shapes import BackupError, invalid_parameter, invalid_request, not_found

VAULT_ARN = re.compile(r"arn:aws:backup:([a-z0-9-]+):(\d{12}):backup-vault:([A-Za-z0-9_.-]+)")
CONCURRENT_COPY_LIMIT = 100
BACKUP_SERVICE = "backup.amazonaws.com"
MSG_CROSS_ACCOUNT_RESTORE = (
    "Recovery point {arn} belongs to account {owner}. AWS Backup restores only recovery points "
    "of the calling account {caller}: copy it into a vault of account {caller} first."
)

# ARN service/resource prefix -> AWS Backup resource type.
RESOURCE_TYPE_BY_ARN = (
    (re.compile(r"arn:aws:ec2:[^:]*:\d*:volume/"), "EBS"),
    (re.compile(r"arn:aws:ec2:[^:]*:\d*:instance/"), "EC2"),
    (re.compile(r"arn:aws:rds:[^:]*:\d*:db:"), "RDS"),
    (re.compile(r"arn:aws:rds:[^:]*:\d*:cluster:"), "Aurora"),
    (re.compile(r"arn:aws:dynamodb:[^:]*:\d*:table/"), "DynamoDB"),
    (re.compile(r"arn:aws:elasticfilesystem:[^:]*:\d*:file-system/"), "EFS"),
    (re.compile(r"arn:aws:s3:::"), "S3"),
)


def rules(name: str) -> Any:
    """A sandbox rules module (copy_rules, restores, access), imported when first needed."""
    return importlib.import_module(f"{__package__}.{name}")


def resource_type_of(arn: str) -> str | None:
    """AWS Backup's resource type for a resource ARN, or None when Backup does not know it."""
    for pattern, kind in RESOURCE_TYPE_BY_ARN:
        if pattern.match(arn):
            return kind
    return None


def resource_name_of(arn: str) -> str:
    """The name AWS Backup shows for a resource: the last part of its ARN."""
    return re.split(r"[:/]", arn)[-1]


def new_job_id() -> str:
    """A job id in AWS's form (an upper-case UUID)."""
    return str(uuid.uuid4()).upper()


class JobsApiMixin:
    """Job operations, mixed into the sandbox's Backup response class."""

    current_account: str
    region: str

    @property
    def sandbox(self) -> store.SandboxBackupBackend:
        """The caller's account and Region of the sandbox Backup backend."""
        return store.backend_for(self.current_account, self.region)

    param: Callable[..., Any]
    vault: Callable[..., Any]
    get_access_key: Callable[[], str]  # moto's: the caller's access key id
    max_results: Callable[[], int]
    offset_token: Callable[[], int]
    answer: Callable[[str, dict[str, Any]], str]

    # ---- shared --------------------------------------------------------------------------
    def _idempotent(self, kind: str, inputs: dict[str, Any]) -> engine.Job | None:
        """The job an earlier call with the same IdempotencyToken started, if any."""
        token = self.param("IdempotencyToken")
        if not token:
            return None
        known = self.sandbox.extras.idempotency.get((kind, token))
        if known is None:
            return None
        job_id, earlier_inputs = known
        if earlier_inputs != inputs:
            raise invalid_request(
                f"The idempotency token {token} was already used with different parameters"
            )
        job: engine.Job = self.sandbox.extras.jobs[kind][job_id]
        return job

    def _remember(self, kind: str, inputs: dict[str, Any], job: engine.Job) -> None:
        token = self.param("IdempotencyToken")
        if token:
            self.sandbox.extras.idempotency[(kind, token)] = (job.job_id, inputs)

    def _job(self, kind: str, id_param: str) -> engine.Job:
        job_id = self.param(id_param, required=True)
        job: engine.Job | None = self.sandbox.extras.jobs[kind].get(job_id)
        if job is None:
            raise not_found(f"Job {job_id} not found")
        return job

    def _visible_backends(self) -> list[store.SandboxBackupBackend]:
        """The backends whose jobs ByAccountId asks for (only the caller's own by default)."""
        wanted = self.param("ByAccountId")
        if not wanted or wanted == self.current_account:
            return [self.sandbox]
        if not self._monitors_organization():
            raise BackupError(
                "AccessDeniedException",
                f"Account {self.current_account} cannot list jobs of other accounts: "
                "cross-account monitoring is available only to the organization's management "
                "account once trusted access for AWS Backup is enabled",
                status=403,
            )
        org_accounts = self._organization_accounts()
        accounts = org_accounts if wanted == "*" else [a for a in org_accounts if a == wanted]
        return [store.backend_for(a, self.region) for a in accounts]

    def _monitors_organization(self) -> bool:
        from moto.organizations.models import organizations_backends

        if store.management_account_of(self.current_account) != self.current_account:
            return False
        services = organizations_backends[self.current_account]["aws"].services
        return any(s.get("ServicePrincipal") == BACKUP_SERVICE for s in services)

    def _organization_accounts(self) -> list[str]:
        from moto.organizations.models import organizations_backends

        return [a.id for a in organizations_backends[self.current_account]["aws"].accounts]

    def _list_jobs(
        self, kind: str, operation: str, key: str, matches: Callable[[dict[str, Any]], bool]
    ) -> str:
        limit = self.max_results()
        offset = self.offset_token()
        created_after = _epoch(self.param("ByCreatedAfter"))
        created_before = _epoch(self.param("ByCreatedBefore"))
        complete_after = _epoch(self.param("ByCompleteAfter"))
        complete_before = _epoch(self.param("ByCompleteBefore"))
        with store.LOCK:
            rows = []
            for backend in self._visible_backends():
                for job in backend.extras.jobs[kind].values():
                    row = job.describe()
                    if created_after is not None and row["CreationDate"] <= created_after:
                        continue
                    if created_before is not None and row["CreationDate"] >= created_before:
                        continue
                    done = row.get("CompletionDate")
                    if complete_after is not None and (done is None or done <= complete_after):
                        continue
                    if complete_before is not None and (done is None or done >= complete_before):
                        continue
                    if matches(row):
                        rows.append(row)
        rows.sort(key=lambda r: (-r["CreationDate"], r[key]))
        body: dict[str, Any] = {f"{operation[4:]}": rows[offset : offset + limit]}
        if offset + limit < len(rows):
            body["NextToken"] = store.encode_token(offset + limit)
        return self.answer(operation, body)

    def _equals(self, param: str, row_key: str) -> Callable[[dict[str, Any]], bool]:
        wanted = self.param(param)
        return lambda row: not wanted or row.get(row_key) == wanted

    # ---- backup jobs ---------------------------------------------------------------------
    def start_backup_job(self) -> str:
        """StartBackupJob: the recovery point appears when the job completes."""
        resource_arn = self.param("ResourceArn", required=True)
        role_arn = self.param("IamRoleArn", required=True)
        vault_name = self.param("BackupVaultName", required=True)
        lifecycle = self.param("Lifecycle") or {}
        inputs = {"vault": vault_name, "resource": resource_arn, "role": role_arn}
        resource_type = resource_type_of(resource_arn)
        if resource_type is None:
            raise invalid_parameter(f"Invalid resource ARN: {resource_arn}")
        with store.LOCK:
            earlier = self._idempotent("backup", inputs)
            if earlier is not None:
                return self._backup_started(earlier)
            vault = self.vault(vault_name)
            size = _resource_size(self.current_account, self.region, resource_type, resource_arn)
            point_arn = store.recovery_point_arn(
                self.current_account,
                self.region,
                resource_type,
                resource_arn,
                self.sandbox.extras.management_preference.get("DynamoDB", True),
            )
            failure = None
            if not rules("access").backup_can_assume(role_arn):
                failure = rules("copy_rules").MSG_ROLE_CANNOT_BE_ASSUMED.format(role_arn=role_arn)
            account, region = self.current_account, self.region
            key_arn = vault.encryption_key_arn
            if resource_type == "EBS":
                # An EBS snapshot keeps its volume's key (not fully managed by AWS Backup).
                own = rules("backup_images").volume_backup_key(account, region, resource_arn)
                key_arn = key_arn if own is None else (own or None)

            def complete(job: engine.Job) -> None:
                backend = store.backend_for(account, region)
                if vault_name not in backend.vaults:
                    raise engine.JobFailed(f"Backup vault {vault_name} does not exist")
                if resource_type == "EBS":
                    # The backup is a snapshot of the volume, on the volume's key.
                    rules("backup_images").register_backup_snapshot(
                        account, region, point_arn, resource_arn
                    )
                if resource_type == "EC2":
                    # The backup is an AMI of the instance: a snapshot of each volume on its
                    # key, and the Marketplace codes of the AMI the instance was launched from.
                    rules("backup_images").register_backup_image(
                        account, region, point_arn, resource_arn
                    )
                backend.add_point(
                    point_records.RecoveryPoint(
                        arn=point_arn,
                        account_id=account,
                        region=region,
                        vault_name=vault_name,
                        vault_arn=vault.backup_vault_arn,
                        resource_arn=resource_arn,
                        resource_type=resource_type,
                        resource_name=resource_name_of(resource_arn),
                        created=job.created,
                        completed=job.end_at,
                        encryption_key_arn=key_arn,
                        size_bytes=size,
                        iam_role_arn=role_arn,
                        delete_after_days=lifecycle.get("DeleteAfterDays"),
                        option_group=store.option_group_of(
                            region, resource_type, point_arn, resource_arn
                        ),
                    )
                )

            job = engine.schedule(
                "backup",
                new_job_id(),
                account,
                region,
                size,
                {
                    "AccountId": account,
                    "BackupVaultName": vault_name,
                    "BackupVaultArn": vault.backup_vault_arn,
                    "VaultType": "BACKUP_VAULT",
                    "RecoveryPointArn": point_arn,
                    "ResourceArn": resource_arn,
                    "ResourceType": resource_type,
                    "ResourceName": resource_name_of(resource_arn),
                    "IamRoleArn": role_arn,
                    "BackupSizeInBytes": size,
                    "EncryptionKeyArn": key_arn,
                    "IsEncrypted": key_arn is not None,
                    "IsParent": False,
                    "RecoveryPointLifecycle": lifecycle or None,
                },
                complete,
                failure,
            )
            self._remember("backup", inputs, job)
            return self._backup_started(job)

    def _backup_started(self, job: engine.Job) -> str:
        return self.answer(
            "StartBackupJob",
            {
                "BackupJobId": job.job_id,
                "RecoveryPointArn": job.fields["RecoveryPointArn"],
                "CreationDate": job.created,
                "IsParent": False,
            },
        )

    def describe_backup_job(self) -> str:
        """DescribeBackupJob."""
        with store.LOCK:
            row = self._job("backup", "BackupJobId").describe()
        return self.answer("DescribeBackupJob", row)

    def list_backup_jobs(self) -> str:
        """ListBackupJobs with AWS's filters."""
        checks = [
            self._equals("ByResourceArn", "ResourceArn"),
            self._equals("ByState", "State"),
            self._equals("ByBackupVaultName", "BackupVaultName"),
            self._equals("ByResourceType", "ResourceType"),
        ]
        return self._list_jobs(
            "backup", "ListBackupJobs", "BackupJobId", lambda r: all(c(r) for c in checks)
        )


def _epoch(value: Any) -> float | None:
    from .backup_api import epoch

    return epoch(value)


def _resource_size(account_id: str, region: str, resource_type: str, arn: str) -> int:
    """The resource's size in bytes where moto knows it (EBS volumes), else 1 GiB."""
    ec2_models = sys.modules.get("moto.ec2.models")  # not imported yet: no volume exists
    if resource_type == "EBS" and ec2_models is not None:
        volume = ec2_models.ec2_backends[account_id][region].volumes.get(arn.rsplit("/", 1)[-1])
        if volume is not None:
            return int(volume.size) * engine.GIB
    return engine.GIB
