"""Copy and restore jobs in the sandbox: the copy rules and restore rules decide the outcome."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from . import engine, point_records, store
from .jobs_api import (
    CONCURRENT_COPY_LIMIT,
    MSG_CROSS_ACCOUNT_RESTORE,
    VAULT_ARN,
    JobsApiMixin,
    new_job_id,
    rules,
)
from .shapes import BackupError, invalid_parameter, invalid_request, not_found

# AWS documents COMPLETED and AVAILABLE as ready for use; a PARTIAL composite point holds the
# nested points that were backed up. A point still being created or being deleted cannot be
# used (the sandbox's refusal wording is its own: AWS does not publish one).
COPYABLE_STATUSES = frozenset({"COMPLETED", "AVAILABLE", "PARTIAL"})
UNRESTORABLE_STATUSES = frozenset({"CREATING", "DELETING"})


def find_point_anywhere(arn: str) -> point_records.RecoveryPoint | None:
    """The recovery point with this ARN in any account and Region, or None."""
    for _account, _region, backend in store.iter_backends():
        point = backend.extras.points.get(arn)
        if point is not None:
            return point
    return None


def _lock_bound(vault: Any, name: str) -> int | None:
    """A Vault Lock retention bound of the vault, or None (no vault, no lock, or no bound)."""
    if vault is None or not vault.locked:
        return None
    value = getattr(vault, name)
    return None if value is None else int(value)


class TransferApiMixin(JobsApiMixin):
    """StartCopyJob, StartRestoreJob and their describe/list operations."""

    # ---- copy jobs -----------------------------------------------------------------------
    def start_copy_job(self) -> str:
        """StartCopyJob, called in the source account and Region."""
        point_arn = self.param("RecoveryPointArn", required=True)
        source_vault_name = self.param("SourceBackupVaultName", required=True)
        dest_vault_arn = self.param("DestinationBackupVaultArn", required=True)
        role_arn = self.param("IamRoleArn", required=True)
        lifecycle = self.param("Lifecycle") or {}
        delete_after = lifecycle.get("DeleteAfterDays")
        cold_after = lifecycle.get("MoveToColdStorageAfterDays")
        # "This value must be at least 90 days after the number of days specified in
        # MoveToColdStorageAfterDays" (AWS Backup API, Lifecycle); the wording is the sandbox's.
        if delete_after is not None and cold_after is not None and delete_after < cold_after + 90:
            raise invalid_parameter(
                "DeleteAfterDays must be at least 90 days greater than MoveToColdStorageAfterDays"
            )
        match = VAULT_ARN.fullmatch(dest_vault_arn)
        if match is None:
            raise invalid_parameter(f"Invalid destination backup vault ARN: {dest_vault_arn}")
        dest_region, dest_account, dest_vault_name = match.groups()
        inputs = {
            "point": point_arn,
            "source": source_vault_name,
            "dest": dest_vault_arn,
            "role": role_arn,
            "lifecycle": lifecycle,
        }
        with store.LOCK:
            earlier = self._idempotent("copy", inputs)
            if earlier is not None:
                return self._copy_started(earlier)
            from .knobs import principal_of_access_key
            from .restore_access import pass_role_refusal

            # StartCopyJob passes IamRoleArn to AWS Backup: the caller needs iam:PassRole on it.
            caller = principal_of_access_key(self.current_account, self.get_access_key())
            denied = pass_role_refusal(self.current_account, caller, role_arn)
            if denied is None:
                denied = rules("copy_guards").start_refusal(
                    self.current_account,
                    self.region,
                    caller,
                    point_arn,
                    role_arn,
                    self._point_tags(point_arn),
                )
            if denied is not None:
                raise BackupError("AccessDeniedException", denied, 403)
            source_vault = self.vault(source_vault_name)
            point = self.sandbox.points_of(source_vault_name).items.get(point_arn)
            if point is None:
                raise not_found(f"Recovery point {point_arn} not found in {source_vault_name}")
            if point.status not in COPYABLE_STATUSES:
                raise invalid_request(
                    f"Recovery point {point_arn} is {point.status}: only a COMPLETED, AVAILABLE "
                    "or PARTIAL recovery point can be copied"
                )
            if point.storage_class(time.time()) == "COLD":
                # AWS: "backups in cold storage or archive tiers cannot be copied" (AWS Backup,
                # recov-point-create-a-copy); the wording of its refusal is not published.
                raise invalid_request(
                    f"Recovery point {point_arn} is in cold storage: backups in cold storage "
                    "cannot be copied"
                )
            if ":recovery-point:continuous:" in point_arn:
                # StartCopyJob "does not support continuous backups" (AWS Backup API reference);
                # the wording of its refusal is not published.
                raise invalid_request(
                    f"Recovery point {point_arn} is a continuous backup: continuous backups "
                    "cannot be copied on demand"
                )
            self._check_copy_quota(dest_region)
            dest_backend = store.backend_for(dest_account, dest_region)
            dest_vault = dest_backend.vaults.get(dest_vault_name)
            attempt = rules("copy_rules").CopyAttempt(
                source_account_id=self.current_account,
                source_region=self.region,
                source_vault_name=source_vault_name,
                dest_account_id=dest_account,
                dest_region=dest_region,
                dest_vault_name=dest_vault_name,
                dest_vault_key_arn=None if dest_vault is None else dest_vault.encryption_key_arn,
                dest_vault_access_policy=dest_backend.extras.access_policies.get(dest_vault_name),
                source_vault_access_policy=store.backend_for(
                    self.current_account, self.region
                ).extras.access_policies.get(source_vault_name),
                cross_account_enabled=store.cross_account_backup_enabled(self.current_account),
                single_action_db_copy=engine.options().single_action_db_copy,
                resource_type=point.resource_type,
                resource_arn=point.resource_arn,
                source_key_arn=point.encryption_key_arn,
                image_key_arns=rules("backup_images").image_key_arns(
                    self.current_account, self.region, point.arn
                )
                or (),
                iam_role_arn=role_arn,
                # Whether the backup was made with advanced DynamoDB features is in its ARN
                # (arn:aws:backup, not arn:aws:dynamodb), whatever the setting is now.
                dynamodb_advanced_features=":recovery-point:" in point.arn,
                marketplace_ami=bool(
                    rules("marketplace_images").point_codes(
                        self.current_account, self.region, point.arn
                    )
                ),
                delete_after_days=lifecycle.get("DeleteAfterDays"),
                dest_vault_min_retention_days=_lock_bound(dest_vault, "min_retention_days"),
                dest_vault_max_retention_days=_lock_bound(dest_vault, "max_retention_days"),
                recovery_point_arn=point.arn,
                recovery_point_tags=tuple(sorted(self._point_tags(point.arn).items())),
                dest_vault_tags=tuple(
                    sorted(dest_backend.tagger.get_tag_dict_for_resource(dest_vault_arn).items())
                ),
                missing_options=rules("option_groups").missing_lasting_options(
                    point, dest_account, dest_region
                ),
            )
            refusal = rules("copy_rules").copy_start_error(attempt)
            if refusal is not None:
                raise BackupError(*refusal)
            failure = engine.take_injected_failure(point.resource_arn)
            if failure is None:
                failure = rules("copy_rules").copy_failure(attempt)
            ending = (
                engine.take_injected_ending("copy", point.resource_arn) if failure is None else None
            )
            job = engine.schedule(
                "copy",
                new_job_id(),
                self.current_account,
                self.region,
                point.size_bytes,
                {
                    "AccountId": self.current_account,
                    "SourceBackupVaultArn": source_vault.backup_vault_arn,
                    "SourceRecoveryPointArn": point.arn,
                    "DestinationBackupVaultArn": dest_vault_arn,
                    "DestinationVaultType": "BACKUP_VAULT",
                    "DestinationEncryptionKeyArn": attempt.dest_vault_key_arn,
                    "DestinationRecoveryPointLifecycle": lifecycle or None,
                    "ResourceArn": point.resource_arn,
                    "ResourceType": point.resource_type,
                    "ResourceName": point.resource_name or None,
                    "BackupSizeInBytes": point.size_bytes,
                    "IamRoleArn": role_arn,
                    "IsParent": False,
                },
                self._copy_completion(
                    point,
                    (dest_account, dest_region, dest_vault_name),
                    lifecycle,
                    dict(attempt.recovery_point_tags),
                ),
                failure,
                ending=ending,
            )
            self._remember("copy", inputs, job)
            return self._copy_started(job)

    def _point_tags(self, point_arn: str) -> dict[str, str]:
        """The recovery point's tags (TagResource on its ARN), which its copy carries."""
        tags: dict[str, str] = self.sandbox.tagger.get_tag_dict_for_resource(point_arn)
        return tags

    def _check_copy_quota(self, dest_region: str) -> None:
        running = [
            job
            for job in self.sandbox.extras.jobs["copy"].values()
            if not job.settled
            and job.fields["DestinationBackupVaultArn"].split(":")[3] == dest_region
        ]
        for job in running:
            job.refresh()
        if sum(1 for job in running if not job.settled) >= CONCURRENT_COPY_LIMIT:
            raise BackupError(
                "LimitExceededException",
                f"Too many concurrent copy jobs to {dest_region}: the limit is "
                f"{CONCURRENT_COPY_LIMIT} per account and destination Region",
            )

    @staticmethod
    def _copy_completion(
        source: point_records.RecoveryPoint,
        destination: tuple[str, str, str],
        lifecycle: dict[str, Any],
        tags: dict[str, str],
    ) -> Callable[[engine.Job], None]:
        """The side effect of a completed copy: the destination recovery point, with the
        source's tags ("AWS Backup copies all tags of the original backup", Copying tags onto
        backups)."""
        dest_account, dest_region, dest_vault_name = destination

        def complete(job: engine.Job) -> None:
            backend = store.backend_for(dest_account, dest_region)
            vault = backend.vaults.get(dest_vault_name)
            if vault is None:
                raise engine.JobFailed(f"Backup vault {dest_vault_name} does not exist.")
            copy = point_records.RecoveryPoint(
                arn=store.recovery_point_arn(
                    dest_account,
                    dest_region,
                    source.resource_type,
                    source.resource_arn,
                    ":recovery-point:" in source.arn,
                ),
                account_id=dest_account,
                region=dest_region,
                vault_name=dest_vault_name,
                vault_arn=vault.backup_vault_arn,
                resource_arn=source.resource_arn,
                resource_type=source.resource_type,
                resource_name=source.resource_name,
                # AWS: "Copies retain their source configuration, including creation dates
                # [...]. The creation date refers to when the source was created, not when
                # the copy was created." (AWS Backup developer guide, recov-point-create-a-copy)
                created=source.created,
                completed=job.end_at,
                encryption_key_arn=vault.encryption_key_arn,
                size_bytes=source.size_bytes,
                source_backup_vault_arn=source.vault_arn,
                iam_role_arn=job.fields["IamRoleArn"],
                delete_after_days=lifecycle.get("DeleteAfterDays"),
                move_to_cold_after_days=lifecycle.get("MoveToColdStorageAfterDays"),
                option_group=rules("option_groups").copied_option_group(source, dest_region),
            )
            if job.ending is not None and job.ending[0] == "PARTIAL":
                # A composite copied in part: AWS marks the copy PARTIAL ("a composite
                # recovery point with nested recovery points missing").
                copy.status, copy.status_message = "PARTIAL", job.ending[1]
            backend.add_point(copy)
            # A copy that completes stays in its account (a Marketplace AMI's copy into another
            # fails), and keeps the source AMI's devices and Marketplace codes.
            rules("backup_images").register_copy_image(
                (source.account_id, source.region, source.arn),
                (dest_account, dest_region, copy.arn),
                vault.encryption_key_arn,
            )
            if tags:
                backend.tagger.tag_resource(
                    copy.arn, [{"Key": k, "Value": v} for k, v in tags.items()]
                )
            job.results["DestinationRecoveryPointArn"] = copy.arn

        return complete

    def _copy_started(self, job: engine.Job) -> str:
        return self.answer(
            "StartCopyJob",
            {"CopyJobId": job.job_id, "CreationDate": job.created, "IsParent": False},
        )

    def describe_copy_job(self) -> str:
        """DescribeCopyJob."""
        with store.LOCK:
            job = self._job("copy", "CopyJobId")
            row = job.describe()
        return self.answer("DescribeCopyJob", {"CopyJob": row})

    def list_copy_jobs(self) -> str:
        """ListCopyJobs with AWS's filters (ByAccountId org-wide from the management account)."""
        checks = [
            self._equals("ByResourceArn", "ResourceArn"),
            self._equals("ByState", "State"),
            self._equals("ByResourceType", "ResourceType"),
            self._equals("ByDestinationVaultArn", "DestinationBackupVaultArn"),
            self._equals("BySourceRecoveryPointArn", "SourceRecoveryPointArn"),
            self._equals("ByParentJobId", "ParentJobId"),
        ]
        return self._list_jobs(
            "copy", "ListCopyJobs", "CopyJobId", lambda r: all(c(r) for c in checks)
        )

    # ---- restore jobs --------------------------------------------------------------------
    def start_restore_job(self) -> str:
        """StartRestoreJob, in the account and Region that hold the recovery point."""
        point_arn = self.param("RecoveryPointArn", required=True)
        metadata = self.param("Metadata", required=True)
        role_arn = self.param("IamRoleArn")
        requested_type = self.param("ResourceType")
        inputs = {"point": point_arn, "metadata": metadata, "role": role_arn}
        with store.LOCK:
            earlier = self._idempotent("restore", inputs)
            if earlier is not None:
                return self.answer("StartRestoreJob", {"RestoreJobId": earlier.job_id})
            point = self.sandbox.extras.points.get(point_arn)
            if point is None:
                elsewhere = find_point_anywhere(point_arn)
                if elsewhere is not None and elsewhere.account_id != self.current_account:
                    raise invalid_parameter(
                        MSG_CROSS_ACCOUNT_RESTORE.format(
                            arn=point_arn, owner=elsewhere.account_id, caller=self.current_account
                        )
                    )
                raise not_found(f"Recovery point {point_arn} not found")
            if point.status in UNRESTORABLE_STATUSES:
                raise invalid_request(
                    f"Recovery point {point_arn} is {point.status}: it cannot be restored"
                )
            resource_type = requested_type or point.resource_type
            restores = rules("restores")
            from .knobs import principal_of_access_key
            from .restore_access import pass_role_refusal
            from .restore_guards import restore_scp_refusal

            caller = principal_of_access_key(self.current_account, self.get_access_key())
            denied = pass_role_refusal(self.current_account, caller, role_arn)
            if denied is None:
                denied = restore_scp_refusal(
                    self.current_account, self.region, caller, point_arn, role_arn
                )
            if denied is not None:
                raise BackupError("AccessDeniedException", denied, 403)
            own = restores.restore_metadata(
                point.resource_type,
                point.resource_arn,
                point.resource_name,
                point.encryption_key_arn,
                point.region,
            )
            metadata = restores.backed_up_values_put_in(metadata, own)
            refusal = restores.restore_start_error(
                self.current_account,
                self.region,
                resource_type,
                metadata,
                role_arn,
                restores.copied_from_region(point.region, point.source_backup_vault_arn),
            )
            if refusal is not None:
                raise BackupError(*refusal)
            failure = engine.take_injected_failure(point.resource_arn)
            if failure is None:
                failure = restores.restore_failure(
                    self.current_account,
                    self.region,
                    resource_type,
                    metadata,
                    role_arn,
                    own,
                    point_arn=point.arn,
                    point_key=point.encryption_key_arn or "",
                )
            account, region = self.current_account, self.region
            failed_after = (
                engine.take_injected_failure_after_create(point.resource_arn)
                if failure is None
                else None
            )

            def complete(job: engine.Job) -> None:
                try:
                    created = restores.create_restored_resource(
                        account,
                        region,
                        resource_type,
                        dict(metadata),
                        point.arn,
                        source_resource_arn=point.resource_arn,
                    )
                except Exception as exc:
                    raise engine.JobFailed(str(exc)) from exc
                job.results["CreatedResourceArn"] = created
                point.last_restore_time = job.end_at
                if failed_after is not None:
                    # FAILED, though AWS made the resource and names it (RDS left in
                    # incompatible-restore, say): whoever cleans up must still find it.
                    raise engine.JobFailed(failed_after)

            job = engine.schedule(
                "restore",
                new_job_id(),
                account,
                region,
                point.size_bytes,
                {
                    "AccountId": account,
                    "RecoveryPointArn": point.arn,
                    "SourceResourceArn": point.resource_arn,
                    "BackupVaultArn": point.vault_arn,
                    "BackupSizeInBytes": point.size_bytes,
                    "IamRoleArn": role_arn,
                    "ResourceType": resource_type,
                    "RecoveryPointCreationDate": point.created,
                    "IsParent": False,
                },
                complete,
                failure,
                completion_message=(
                    engine.take_injected_completion_message(point.resource_arn)
                    if failure is None
                    else None
                ),
                ending=(
                    engine.take_injected_ending("restore", point.resource_arn)
                    if failure is None
                    else None
                ),
            )
            job.metadata = {str(key): str(value) for key, value in metadata.items()}
            self._remember("restore", inputs, job)
        return self.answer("StartRestoreJob", {"RestoreJobId": job.job_id})

    def describe_restore_job(self) -> str:
        """DescribeRestoreJob."""
        with store.LOCK:
            job = self._job("restore", "RestoreJobId")
            row = job.describe()
        return self.answer("DescribeRestoreJob", row)

    def get_restore_job_metadata(self) -> str:
        """GetRestoreJobMetadata: the Metadata the restore job was started with."""
        with store.LOCK:
            job = self._job("restore", "RestoreJobId")
            metadata = dict(job.metadata)
        return self.answer(
            "GetRestoreJobMetadata", {"RestoreJobId": job.job_id, "Metadata": metadata}
        )

    def list_restore_jobs(self) -> str:
        """ListRestoreJobs with AWS's filters."""
        testing_plan = self.param("ByRestoreTestingPlanArn")
        checks = [
            self._equals("ByStatus", "Status"),
            self._equals("ByResourceType", "ResourceType"),
            self._equals("ByParentJobId", "ParentJobId"),
            # the sandbox runs no restore testing: a plan's filter lists none of its jobs
            lambda row: (
                not testing_plan
                or (row.get("CreatedBy") or {}).get("RestoreTestingPlanArn") == testing_plan
            ),
        ]
        return self._list_jobs(
            "restore", "ListRestoreJobs", "RestoreJobId", lambda r: all(c(r) for c in checks)
        )
