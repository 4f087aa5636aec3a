"""drconsole's additions to moto's Backup service: routes, vaults, recovery points, settings."""

from __future__ import annotations

import importlib
import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from moto.backup.responses import BackupResponse

from . import point_records, store
from .shapes import (
    BackupError,
    invalid_parameter,
    missing_parameter,
    not_found,
    serialize,
    serialize_with_fragments,
)
from .summaries_api import SummariesApiMixin
from .transfer_api import TransferApiMixin

MAX_RESULTS = 1000

# Paths added to moto's Backup routes (moto's dispatcher finds the operation from botocore's
# request URIs, so one rule per path prefix is enough).
EXTRA_URL_PATHS = (
    "{0}/backup-vaults$",
    "{0}/backup-vaults/(?P<name>[^/]+)/recovery-points$",
    "{0}/backup-vaults/(?P<name>[^/]+)/recovery-points/$",
    "{0}/backup-vaults/(?P<name>[^/]+)/recovery-points/(?P<recovery_point>.+)$",
    "{0}/backup-vaults/(?P<name>[^/]+)/access-policy$",
    "{0}/logically-air-gapped-backup-vaults/(?P<name>[^/]+)$",
    "{0}/resources$",
    "{0}/resources/$",
    "{0}/resources/(?P<resource>.+)$",
    "{0}/global-settings$",
    "{0}/account-settings$",
    "{0}/backup-jobs$",
    "{0}/backup-jobs/$",
    "{0}/backup-jobs/(?P<backup_job>[^/]+)$",
    "{0}/copy-jobs$",
    "{0}/copy-jobs/$",
    "{0}/copy-jobs/(?P<copy_job>[^/]+)$",
    "{0}/restore-jobs$",
    "{0}/restore-jobs/$",
    "{0}/restore-jobs/(?P<restore_job>[^/]+)$",
    "{0}/restore-jobs/(?P<restore_job>[^/]+)/metadata$",
    "{0}/audit/backup-job-summaries$",
    "{0}/audit/copy-job-summaries$",
    "{0}/audit/restore-job-summaries$",
)


def restore_rules() -> Any:
    """The sandbox's restore rules module (drconsole.sandbox.restores), imported when needed."""
    return importlib.import_module(f"{__package__}.restores")


def epoch(value: Any) -> float | None:
    """An input timestamp (datetime, ISO text or epoch number) as epoch seconds."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float):
        return float(value)
    text = str(value)
    try:
        return float(text)
    except ValueError:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class SandboxBackupResponse(SummariesApiMixin, TransferApiMixin, BackupResponse):
    """moto's Backup responses plus the operations drconsole relies on, shaped by botocore."""

    @staticmethod
    def _enrich_response(headers: dict[str, str], body: Any) -> tuple[dict[str, str], Any]:
        """moto's status and request id headers; its XML RequestId rewrite only where it applies.

        moto runs a look-behind regular expression over every body to rewrite an XML
        <RequestId>; on a megabyte page of JSON that scan costs more than building the page.
        Looking for the text itself costs 0.2 ms on a 620 KB page (str's search for a needle,
        0.08 s of the sandbox's CPU for `ls recovery-points` over `large`); a body without any
        `<` cannot hold it, and memchr says so in 6 µs.
        """
        if isinstance(body, str) and ("<" not in body or "<RequestId>" not in body):
            enriched, _ = BackupResponse._enrich_response(headers, "")
            return enriched, body
        return BackupResponse._enrich_response(headers, body)

    # ---- input helpers -------------------------------------------------------------------
    def inputs(self) -> dict[str, Any]:
        """The request's parameters parsed by moto from botocore's input shape."""
        if not hasattr(self, "inputs_cache"):
            self.parse_parameters(self.normalized_request)
            merged = dict(self.uri_match)
            merged.update(self.params)
            self.inputs_cache: dict[str, Any] = merged
        return self.inputs_cache

    def param(self, name: str, required: bool = False) -> Any:
        """One input member; MissingParameterValueException when required and absent."""
        value = self.inputs().get(name)
        if required and (value is None or value == ""):
            raise missing_parameter(name)
        return value

    def max_results(self) -> int:
        """MaxResults, 1..1000 (AWS's bounds), default 1000."""
        value = self.param("MaxResults")
        if value is None:
            return MAX_RESULTS
        number = int(value)
        if not 1 <= number <= MAX_RESULTS:
            raise invalid_parameter(f"MaxResults must be between 1 and {MAX_RESULTS}")
        return number

    def next_token(self) -> Any:
        """The decoded NextToken, or None."""
        try:
            return store.decode_token(self.param("NextToken"))
        except ValueError as exc:
            raise invalid_parameter("The NextToken is not valid") from exc

    def offset_token(self) -> int:
        """A NextToken holding a list offset (0 without one)."""
        offset = self.next_token()
        if offset is None:
            return 0
        if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
            raise invalid_parameter("The NextToken is not valid")
        return offset

    def key_token(self) -> point_records.RecoveryPointKey | None:
        """A NextToken holding a recovery point sort key (None without one)."""
        key = self.next_token()
        if key is None:
            return None
        if not (
            isinstance(key, tuple)
            and len(key) == 2
            and isinstance(key[0], float)
            and isinstance(key[1], str)
        ):
            raise invalid_parameter("The NextToken is not valid")
        return key

    def vault(self, name: str | None = None) -> Any:
        """The caller's vault named in the path; ResourceNotFoundException when missing."""
        vault_name = name or self.param("BackupVaultName", required=True)
        vault = self.sandbox.vaults.get(vault_name)
        if vault is None:
            raise not_found(f"Backup vault {vault_name} does not exist")
        return vault

    def point_in_vault(self) -> point_records.RecoveryPoint:
        """The recovery point named in the path, in the vault named in the path."""
        vault = self.vault()
        arn = self.param("RecoveryPointArn", required=True)
        point = self.sandbox.points_of(vault.backup_vault_name).items.get(arn)
        if point is None:
            raise not_found(f"Recovery point {arn} does not exist in {vault.backup_vault_name}")
        return point

    def answer(self, operation: str, body: dict[str, Any]) -> str:
        """Serialize an answer through the operation's botocore output shape."""
        self.response_headers["Content-Type"] = "application/json"
        return serialize(operation, body)

    # ---- vaults --------------------------------------------------------------------------
    def vault_fields(self, vault: Any) -> dict[str, Any]:
        """The vault members of DescribeBackupVault / ListBackupVaults."""
        vault_type, key_type = self.sandbox.extras.vault_kinds.get(
            vault.backup_vault_name, ("BACKUP_VAULT", None)
        )
        return {
            "BackupVaultName": vault.backup_vault_name,
            "BackupVaultArn": vault.backup_vault_arn,
            "VaultType": vault_type,
            "EncryptionKeyType": key_type,
            "VaultState": "AVAILABLE",
            "CreationDate": vault.creation_date,
            "EncryptionKeyArn": vault.encryption_key_arn,
            "CreatorRequestId": vault.creator_request_id,
            "NumberOfRecoveryPoints": len(self.sandbox.points_of(vault.backup_vault_name)),
            "Locked": vault.locked,
            "MinRetentionDays": vault.min_retention_days,
            "MaxRetentionDays": vault.max_retention_days,
            "LockDate": vault.lock_date,
        }

    def create_logically_air_gapped_backup_vault(self) -> str:
        """CreateLogicallyAirGappedBackupVault (AWS: MinRetentionDays at least 7)."""
        name = self.path.rstrip("/").split("/")[-1]
        low = self.param("MinRetentionDays", required=True)
        high = self.param("MaxRetentionDays", required=True)
        if not 7 <= int(low) <= int(high):
            raise invalid_parameter(
                "MinRetentionDays must be at least 7 and at most MaxRetentionDays"
            )
        if name in self.sandbox.vaults:
            raise BackupError("AlreadyExistsException", f"Backup vault {name} already exists")
        vault = self.sandbox.create_logically_air_gapped_backup_vault(
            name,
            self.param("BackupVaultTags") or {},
            self.param("EncryptionKeyArn") or "",
            (int(low), int(high)),
            self.param("CreatorRequestId") or "",
        )
        return self.answer(
            "CreateLogicallyAirGappedBackupVault",
            {
                "BackupVaultName": name,
                "BackupVaultArn": vault.backup_vault_arn,
                "CreationDate": vault.creation_date,
                "VaultState": "CREATING",
            },
        )

    def describe_backup_vault(self) -> str:  # type: ignore[override]
        """DescribeBackupVault with the real number of recovery points."""
        with store.LOCK:
            vault = self.vault(self.path.rstrip("/").split("/")[-1])
            return self.answer("DescribeBackupVault", self.vault_fields(vault))

    def list_backup_vaults(self) -> str:
        """ListBackupVaults, paginated, with the ByVaultType and ByShared filters."""
        limit = self.max_results()
        offset = self.offset_token()
        vault_type = self.param("ByVaultType")
        shared = self.param("ByShared")
        with store.LOCK:
            vaults = sorted(self.sandbox.vaults.values(), key=lambda v: v.backup_vault_name)
            kinds = self.sandbox.extras.vault_kinds
            if vault_type:
                vaults = [
                    v
                    for v in vaults
                    if kinds.get(v.backup_vault_name, ("BACKUP_VAULT",))[0] == vault_type
                ]
            # None of the sandbox's vaults is shared through AWS RAM.
            if str(shared).lower() == "true":
                vaults = []
            page = vaults[offset : offset + limit]
            body: dict[str, Any] = {"BackupVaultList": [self.vault_fields(v) for v in page]}
        if offset + limit < len(vaults):
            body["NextToken"] = store.encode_token(offset + limit)
        return self.answer("ListBackupVaults", body)

    # ---- access policies -----------------------------------------------------------------
    def get_backup_vault_access_policy(self) -> str:
        """GetBackupVaultAccessPolicy; ResourceNotFoundException when the vault has none."""
        with store.LOCK:
            vault = self.vault()
            policy = self.sandbox.extras.access_policies.get(vault.backup_vault_name)
        if policy is None:
            raise not_found(f"Backup vault {vault.backup_vault_name} has no access policy")
        return self.answer(
            "GetBackupVaultAccessPolicy",
            {
                "BackupVaultName": vault.backup_vault_name,
                "BackupVaultArn": vault.backup_vault_arn,
                "Policy": policy,
            },
        )

    def put_backup_vault_access_policy(self) -> str:
        """PutBackupVaultAccessPolicy: the policy must be a JSON policy document."""
        policy = self.param("Policy", required=True)
        try:
            document = json.loads(policy)
        except ValueError as exc:
            raise invalid_parameter("The policy is not valid JSON") from exc
        if not isinstance(document, dict) or "Statement" not in document:
            raise invalid_parameter("The policy must contain a Statement")
        with store.LOCK:
            vault = self.vault()
            self.sandbox.extras.access_policies[vault.backup_vault_name] = policy
        return self.answer("PutBackupVaultAccessPolicy", {})

    def delete_backup_vault_access_policy(self) -> str:
        """DeleteBackupVaultAccessPolicy (no error when there is none, as in AWS)."""
        with store.LOCK:
            vault = self.vault()
            self.sandbox.extras.access_policies.pop(vault.backup_vault_name, None)
        return self.answer("DeleteBackupVaultAccessPolicy", {})

    # ---- recovery points -----------------------------------------------------------------
    def list_recovery_points_by_backup_vault(self) -> str:
        """ListRecoveryPointsByBackupVault, newest first, with AWS's filters."""
        limit = self.max_results()
        after = self.key_token()
        resource_arn = self.param("ByResourceArn")
        resource_type = self.param("ByResourceType")
        plan_id = self.param("ByBackupPlanId")
        parent = self.param("ByParentRecoveryPointArn")

        def matches(point: point_records.RecoveryPoint) -> bool:
            if resource_arn and point.resource_arn != resource_arn:
                return False
            if resource_type and point.resource_type != resource_type:
                return False
            if plan_id and (point.created_by or {}).get("BackupPlanId") != plan_id:
                return False
            return not parent

        with store.LOCK:
            vault = self.vault()
            points, last = self.sandbox.points_of(vault.backup_vault_name).page(
                after,
                limit,
                matches,
                created_after=epoch(self.param("ByCreatedAfter")),
                created_before=epoch(self.param("ByCreatedBefore")),
            )
            # Each point's JSON is walked through the shape once and kept (store.py).
            fragments = [p.list_fragment() for p in points]
        rest = {} if last is None else {"NextToken": store.encode_token(last)}
        self.response_headers["Content-Type"] = "application/json"
        return serialize_with_fragments(
            point_records.LIST_OPERATION, "RecoveryPoints", fragments, rest
        )

    def describe_recovery_point(self) -> str:
        """DescribeRecoveryPoint."""
        with store.LOCK:
            point = self.point_in_vault()
            body = point.describe()
            body["StorageClass"] = point.storage_class(time.time())
        return self.answer("DescribeRecoveryPoint", body)

    def list_recovery_points_by_resource(self) -> str:
        """ListRecoveryPointsByResource, newest first."""
        limit = self.max_results()
        offset = self.offset_token()
        arn = self.param("ResourceArn", required=True)
        with store.LOCK:
            points = sorted(
                self.sandbox.extras.by_resource.get(arn, {}).values(), key=lambda p: p.key
            )
            page = points[offset : offset + limit]
            body: dict[str, Any] = {"RecoveryPoints": [p.by_resource() for p in page]}
        if offset + limit < len(points):
            body["NextToken"] = store.encode_token(offset + limit)
        return self.answer("ListRecoveryPointsByResource", body)

    def protected_fields(self, item: store.ProtectedResource) -> dict[str, Any]:
        """The members of a ProtectedResource."""
        return {
            "ResourceArn": item.resource_arn,
            "ResourceType": item.resource_type,
            "ResourceName": item.resource_name or None,
            "LastBackupTime": item.last_backup_time,
            "LastBackupVaultArn": item.last_vault_arn,
            "LastRecoveryPointArn": item.last_recovery_point_arn,
        }

    def list_protected_resources(self) -> str:
        """ListProtectedResources: resources with at least one recovery point here."""
        limit = self.max_results()
        offset = self.offset_token()
        with store.LOCK:
            items = sorted(self.sandbox.extras.protected.values(), key=lambda r: r.resource_arn)
            page = items[offset : offset + limit]
            body: dict[str, Any] = {"Results": [self.protected_fields(r) for r in page]}
        if offset + limit < len(items):
            body["NextToken"] = store.encode_token(offset + limit)
        return self.answer("ListProtectedResources", body)

    def describe_protected_resource(self) -> str:
        """DescribeProtectedResource."""
        arn = self.param("ResourceArn", required=True)
        with store.LOCK:
            item = self.sandbox.extras.protected.get(arn)
        if item is None:
            raise not_found(f"Resource {arn} is not protected")
        return self.answer("DescribeProtectedResource", self.protected_fields(item))

    def delete_recovery_point(self) -> str:
        """DeleteRecoveryPoint (refused while the vault lock's minimum retention holds)."""
        with store.LOCK:
            point = self.point_in_vault()
            vault = self.vault()
            if vault.locked and vault.min_retention_days:
                age_days = (datetime.now().timestamp() - point.created) / point_records.DAY
                if age_days < vault.min_retention_days:
                    raise BackupError(
                        "InvalidRequestException",
                        f"Recovery point {point.arn} cannot be deleted: the vault lock "
                        f"retains recovery points for at least {vault.min_retention_days} days",
                    )
            self.sandbox.remove_point(point.arn)
        return self.answer("DeleteRecoveryPoint", {})

    def update_recovery_point_lifecycle(self) -> str:
        """UpdateRecoveryPointLifecycle."""
        lifecycle = self.param("Lifecycle") or {}
        delete_after = lifecycle.get("DeleteAfterDays")
        cold_after = lifecycle.get("MoveToColdStorageAfterDays")
        if delete_after is not None and cold_after is not None and delete_after < cold_after + 90:
            raise invalid_parameter(
                "DeleteAfterDays must be at least 90 days greater than MoveToColdStorageAfterDays"
            )
        with store.LOCK:
            point = self.point_in_vault()
            point.delete_after_days = None if delete_after is None else int(delete_after)
            point.move_to_cold_after_days = None if cold_after is None else int(cold_after)
            body = {
                "BackupVaultArn": point.vault_arn,
                "RecoveryPointArn": point.arn,
                "Lifecycle": point.lifecycle(),
                "CalculatedLifecycle": point.calculated_lifecycle(),
            }
        return self.answer("UpdateRecoveryPointLifecycle", body)

    # ---- settings ------------------------------------------------------------------------
    def describe_global_settings(self) -> str:
        """DescribeGlobalSettings: the organization management account's settings."""
        with store.LOCK:
            settings, updated = store.global_settings(self.current_account)
        return self.answer(
            "DescribeGlobalSettings", {"GlobalSettings": settings, "LastUpdateTime": updated}
        )

    def update_global_settings(self) -> str:
        """UpdateGlobalSettings: only the organization's management account may call it."""
        settings = self.param("GlobalSettings", required=True)
        if store.management_account_of(self.current_account) != self.current_account:
            raise BackupError(
                "InvalidRequestException",
                "This action can only be performed by the management account of an organization.",
            )
        for name, value in settings.items():
            if name not in store.GLOBAL_SETTING_NAMES:
                raise invalid_parameter(f"Unknown global setting {name}")
            if str(value).lower() not in ("true", "false"):
                raise invalid_parameter(f"Global setting {name} must be true or false")
        with store.LOCK:
            extras = store.backend_for(self.current_account, "us-east-1").extras
            extras.global_settings.update({k: str(v).lower() for k, v in settings.items()})
            extras.global_settings_updated = datetime.now().timestamp()
        return self.answer("UpdateGlobalSettings", {})

    def describe_region_settings(self) -> str:
        """DescribeRegionSettings of the caller's account and Region."""
        with store.LOCK:
            extras = self.sandbox.extras
            body = {
                "ResourceTypeOptInPreference": dict(extras.opt_in_preference),
                "ResourceTypeManagementPreference": dict(extras.management_preference),
            }
        return self.answer("DescribeRegionSettings", body)

    def update_region_settings(self) -> str:
        """UpdateRegionSettings: opt-in and management preferences (e.g. DynamoDB advanced)."""
        opt_in = self.param("ResourceTypeOptInPreference") or {}
        managed = self.param("ResourceTypeManagementPreference") or {}
        for name, value in {**opt_in, **managed}.items():
            if not isinstance(value, bool):
                raise invalid_parameter(f"The preference for {name} must be a boolean")
        for name in managed:
            if name not in ("DynamoDB", "EFS"):
                raise invalid_parameter(f"Resource type {name} has no management preference")
        with store.LOCK:
            self.sandbox.extras.opt_in_preference.update(opt_in)
            self.sandbox.extras.management_preference.update(managed)
        return self.answer("UpdateRegionSettings", {})

    def get_recovery_point_restore_metadata(self) -> str:
        """GetRecoveryPointRestoreMetadata, from the sandbox's restore rules."""
        with store.LOCK:
            point = self.point_in_vault()
        metadata = restore_rules().restore_metadata(
            point.resource_type,
            point.resource_arn,
            point.resource_name,
            point.encryption_key_arn,
            point.region,
        )
        return self.answer(
            "GetRecoveryPointRestoreMetadata",
            {
                "BackupVaultArn": point.vault_arn,
                "RecoveryPointArn": point.arn,
                "RestoreMetadata": metadata,
                "ResourceType": point.resource_type,
            },
        )


HANDLER: Callable[..., Any] = SandboxBackupResponse.dispatch


def install() -> None:
    """Register the additions in moto's Backup service; call before the first Backup request."""
    import moto.backup
    import moto.backup.models
    import moto.backup.urls as urls

    backends = moto.backup.models.backup_backends
    if backends.backend is not store.SandboxBackupBackend:
        backends.backend = store.SandboxBackupBackend
        backends.clear()
    for path in list(urls.url_paths):
        urls.url_paths[path] = HANDLER
    for path in EXTRA_URL_PATHS:
        urls.url_paths[path] = HANDLER
    moto.backup.backup_backends = backends
