"""The demo's last night: the backup and copy jobs behind the newest recovery points, and the
failures an operator finds in the morning, each with the message AWS gives for it.

Failures, each consistent with the scenario's recovery points and faults:
- qa's backup of qa-web-data into qa-legacy-vault: "Insufficient privileges to perform this
  action." (the vault's newest recovery point is a week old);
- dev's S3 backup of dev-assets: AWS Backup may not describe the bucket (the default service
  role cannot back up S3), so dev-assets' newest recovery point is from the night before;
- qa's copy of qa-analytics-data to the central vault: its key is not shared;
- prod's copy of prod-legacy-data to the central vault: an aws/ebs snapshot cannot be shared;
- the backup account's copy-back of qa-orders-db into qa-archive-vault: no access policy;
- qa's restore test of qa-orders-db: the DB instance already exists.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from drconsole.sandbox import copy_rules, engine, restores
from drconsole.sandbox.scenarios.iam_roles import default_service_role_arn

if TYPE_CHECKING:
    from drconsole.sandbox.scenarios.demo import DemoBuilder
    from drconsole.sandbox.scenarios.demo_backups import SeededPoint

NIGHT = timedelta(hours=24)
MSG_INSUFFICIENT_PRIVILEGES = "Insufficient privileges to perform this action."
# The S3 backup failure with a role lacking the S3 backup policies (as reported by AWS Backup
# for the default service role; dev.classmethod.jp/articles/aws-backup-s3, 2025-03).
MSG_S3_DESCRIBE_DENIED = (
    "Your backup job failed as AWS Backup does not have permission to describe resource "
    "{resource_arn}. Please review your IAM policies to ensure AWS Backup can protect your "
    "resources."
)


@dataclass(frozen=True)
class _Ran:
    """One job of the night: who ran it, where, on what, when, and how it ended."""

    kind: str
    account_id: str
    region: str
    fields: dict[str, Any]
    created: datetime
    completed: datetime
    state: str = "COMPLETED"
    message: str | None = None


def _region_of(arn: str) -> str:
    return arn.split(":")[3]


def _vault_name(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]


class NightJobs:
    """Collects the night's completed jobs while the recovery points are seeded, then seeds
    them and the failures."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.ran: list[_Ran] = []

    def _recent(self, moment: datetime) -> bool:
        return moment >= self.now - NIGHT

    def backup(
        self,
        point: SeededPoint,
        account_id: str,
        vault_arn: str,
        point_arn: str,
        created: datetime,
        completed: datetime,
    ) -> None:
        """The backup job that made a member recovery point (kept when it ran last night)."""
        if self._recent(created):
            fields = _backup_fields(point, account_id, vault_arn)
            fields.update(RecoveryPointArn=point_arn, PercentDone="100.0")
            self.ran.append(
                _Ran("backup", account_id, _region_of(vault_arn), fields, created, completed)
            )

    def copy(
        self,
        point: SeededPoint,
        account_id: str,
        source_vault_arn: str,
        source_point_arn: str,
        dest_vault_arn: str,
        dest_point_arn: str | None,
        started: datetime,
        completed: datetime,
        state: str = "COMPLETED",
        message: str | None = None,
    ) -> None:
        """A copy job, run by the account holding its source (kept when it ran last night)."""
        if not self._recent(started):
            return
        fields: dict[str, Any] = {
            "AccountId": account_id,
            "SourceBackupVaultArn": source_vault_arn,
            "SourceRecoveryPointArn": source_point_arn,
            "DestinationBackupVaultArn": dest_vault_arn,
            "DestinationVaultType": "BACKUP_VAULT",
            "ResourceArn": point.resource_arn,
            "ResourceType": point.resource.resource_type,
            "ResourceName": point.resource.name,
            "BackupSizeInBytes": point.size,
            "IamRoleArn": default_service_role_arn(account_id),
            "IsParent": False,
        }
        if dest_point_arn:
            fields["DestinationRecoveryPointArn"] = dest_point_arn
        region = _region_of(source_vault_arn)
        self.ran.append(
            _Ran("copy", account_id, region, fields, started, completed, state, message)
        )

    def seed(self, demo: DemoBuilder) -> None:
        """Store every job of the night, failures included, in the sandbox."""
        self._failures(demo)
        for ran in self.ran:
            job_id = str(uuid.UUID(int=demo.rng.getrandbits(128), version=4)).upper()
            engine.seed_finished_job(
                ran.kind,
                job_id,
                ran.account_id,
                ran.region,
                ran.fields,
                created=ran.created.timestamp(),
                completed=ran.completed.timestamp(),
                state=ran.state,
                status_message=ran.message,
            )

    def _failures(self, demo: DemoBuilder) -> None:
        from drconsole.sandbox.scenarios.demo_backups import (
            CENTRAL_VAULT,
            REGION,
            SeededPoint,
            SourceResource,
        )

        accounts, vaults, newest = demo.accounts, demo.vaults, demo.newest
        qa, prod, backup = (accounts[r] for r in ("qa", "prod", "backup"))
        central = vaults[("backup", REGION, CENTRAL_VAULT)]
        night = self.now - timedelta(hours=7)

        def point(account: str, kind: str, name: str) -> SeededPoint:
            resource = SourceResource(account, kind, name, 1)
            return SeededPoint(resource, demo.resource_arns[name], 20 * 2**30)

        def failed_backup(
            account: str, kind: str, name: str, vault: str, at: datetime, message: str
        ) -> None:
            fields = _backup_fields(point(account, kind, name), accounts[account], vault)
            end = at + timedelta(minutes=4)
            self.ran.append(
                _Ran("backup", accounts[account], REGION, fields, at, end, "FAILED", message)
            )

        failed_backup(
            "qa",
            "EBS",
            "qa-web-data",
            vaults[("qa", REGION, "qa-legacy-vault")],
            night + timedelta(minutes=12),
            MSG_INSUFFICIENT_PRIVILEGES,
        )
        dev_assets = demo.resource_arns["dev-assets"]
        failed_backup(
            "dev",
            "S3",
            "dev-assets",
            vaults[("dev", REGION, "dev-vault")],
            night + timedelta(minutes=31),
            MSG_S3_DESCRIBE_DENIED.format(resource_arn=dev_assets),
        )
        analytics = newest["qa-analytics-data"]["member:qa-vault"]
        self.copy(
            point("qa", "EBS", "qa-analytics-data"),
            qa,
            vaults[("qa", REGION, "qa-vault")],
            analytics,
            central,
            None,
            night + timedelta(minutes=48),
            night + timedelta(minutes=49),
            "FAILED",
            copy_rules.MSG_EBS_KEY_NOT_ACCESSIBLE,
        )
        legacy = newest["prod-legacy-data"]["member:prod-vault"]
        self.copy(
            point("prod", "EBS", "prod-legacy-data"),
            prod,
            vaults[("prod", REGION, "prod-vault")],
            legacy,
            central,
            None,
            night + timedelta(minutes=55),
            night + timedelta(minutes=56),
            "FAILED",
            copy_rules.MSG_EBS_AWS_MANAGED_KEY,
        )
        orders = newest["qa-orders-db"]["central"]
        self.copy(
            point("qa", "RDS", "qa-orders-db"),
            backup,
            central,
            orders,
            vaults[("qa", REGION, "qa-archive-vault")],
            None,
            night + timedelta(hours=2, minutes=10),
            night + timedelta(hours=2, minutes=11),
            "FAILED",
            copy_rules.MSG_VAULT_POLICY_DENIES,
        )
        restored = newest["qa-orders-db"]["member:qa-vault"]
        at = night + timedelta(hours=3, minutes=5)
        self.ran.append(
            _Ran(
                "restore",
                qa,
                REGION,
                {
                    "AccountId": qa,
                    "RecoveryPointArn": restored,
                    "SourceResourceArn": demo.resource_arns["qa-orders-db"],
                    "BackupVaultArn": vaults[("qa", REGION, "qa-vault")],
                    "IamRoleArn": default_service_role_arn(qa),
                    "ResourceType": "RDS",
                    "IsParent": False,
                    "PercentDone": "0.00%",
                    "ExpectedCompletionTimeMinutes": 3,
                },
                at,
                at + timedelta(minutes=2),
                "FAILED",
                restores.MSG_DB_INSTANCE_EXISTS,
            )
        )


def _backup_fields(point: SeededPoint, account_id: str, vault_arn: str) -> dict[str, Any]:
    """A backup job's members as ListBackupJobs reports them."""
    return {
        "AccountId": account_id,
        "BackupVaultName": _vault_name(vault_arn),
        "BackupVaultArn": vault_arn,
        "VaultType": "BACKUP_VAULT",
        "ResourceArn": point.resource_arn,
        "ResourceType": point.resource.resource_type,
        "ResourceName": point.resource.name,
        "IamRoleArn": default_service_role_arn(account_id),
        "BackupSizeInBytes": point.size,
        "IsEncrypted": True,
        "IsParent": False,
    }
