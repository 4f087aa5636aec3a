"""The demo's backed-up resources and their recovery points over 30 days, with their copies."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from drconsole.sandbox.scenarios.iam_roles import default_service_role_arn

if TYPE_CHECKING:
    from drconsole.sandbox.scenarios.night import NightJobs

REGION = "eu-central-1"
DR_REGION = "eu-north-1"
CENTRAL_VAULT = "central-eu-central-1"
DR_VAULT = "dr-eu-north-1"
DAYS = 30

# Resource types whose recovery points AWS Backup encrypts with the vault's key; the others keep
# the source resource's key until copied.
FULLY_MANAGED_TYPES = frozenset({"S3", "EFS", "DynamoDB"})
DATABASE_TYPES = frozenset({"RDS", "Aurora"})
SIZE_GIB = {
    "EBS": (8, 64),
    "EC2": (8, 40),
    "RDS": (20, 100),
    "Aurora": (10, 120),
    "DynamoDB": (1, 20),
    "EFS": (2, 80),
    "S3": (5, 150),
}
GIB = 1024**3
# Every member runs one resource of each type: (resource type, name after the account prefix).
WORKLOADS = (
    ("RDS", "orders-db"),
    ("Aurora", "payments-cluster"),
    ("EBS", "web-data"),
    ("EC2", "web-1"),
    ("DynamoDB", "sessions"),
    ("EFS", "shared-files"),
    ("S3", "assets"),
)


def job_minutes(size_bytes: int) -> timedelta:
    """How long a backup or copy of that size runs (as the sandbox reports CompletionDate)."""
    return timedelta(minutes=5 + size_bytes // GIB)


@dataclass(frozen=True)
class SourceResource:
    """A workload resource and how it is backed up.

    `key` is the alias of the key that encrypts it (default: the account's "alias/<account>-data");
    `copy_to_dr` also copies its recovery points to the backup account's eu-north-1 vault.
    """

    account: str
    resource_type: str
    name: str
    every_days: int
    key: str = ""
    vault: str = ""
    copy_to_central: bool = True
    copy_to_dr: bool = False
    first_day: int = 0


def _resources() -> tuple[SourceResource, ...]:
    """Every backed-up resource of the scenario, in build order."""
    prod = [
        SourceResource("prod", kind, f"prod-{name}", 1, copy_to_dr=kind != "DynamoDB")
        for kind, name in WORKLOADS
    ]
    prod.append(
        SourceResource(
            "prod", "EBS", "prod-legacy-data", 1, key="alias/aws/ebs", copy_to_central=False
        )
    )
    qa = [SourceResource("qa", kind, f"qa-{name}", 2) for kind, name in WORKLOADS]
    qa.append(
        SourceResource(
            "qa", "EBS", "qa-analytics-data", 2, key="alias/qa-analytics", copy_to_central=False
        )
    )
    qa.extend(
        SourceResource(
            "qa", kind, name, 7, vault="qa-legacy-vault", copy_to_central=False, first_day=16
        )
        for kind, name in (("EBS", "qa-web-data"), ("DynamoDB", "qa-sessions"))
    )
    # dev-assets missed last night's backup (a failed job in the night's history): its newest
    # recovery point is from the night before.
    dev = [
        SourceResource("dev", kind, f"dev-{name}", 3, first_day=1 if kind == "S3" else 0)
        for kind, name in WORKLOADS
    ]
    return (*prod, *qa, *dev)


@dataclass(frozen=True)
class SeededPoint:
    """What every recovery point of one backup and its copies share."""

    resource: SourceResource
    resource_arn: str
    size: int


def arn_account(arn: str) -> str:
    """The account id field of an ARN."""
    return arn.split(":")[4]


class DemoBackups:
    """Seeds the source resources and their backup history (a part of `DemoBuilder`)."""

    now: datetime
    accounts: dict[str, str]
    keys: dict[tuple[str, str, str], str]
    vaults: dict[tuple[str, str, str], str]
    vault_keys: dict[tuple[str, str, str], str]
    resource_arns: dict[str, str]
    newest: dict[str, dict[str, str]]
    recovery_points: int
    rng: random.Random
    night: NightJobs

    def build_backups(self) -> None:
        """The source resources, their recovery points over 30 days, and their copies."""
        from drconsole.sandbox.resources import create_source_resource

        for resource in _resources():
            key_arn = self.resource_key(resource)
            # A resource backed up into two vaults (qa's legacy one) exists once.
            if resource.name not in self.resource_arns:
                self.resource_arns[resource.name] = create_source_resource(
                    self.accounts[resource.account],
                    REGION,
                    resource.resource_type,
                    resource.name,
                    key_arn,
                )
                self.newest[resource.name] = {}
            self.seed_history(resource, self.resource_arns[resource.name], key_arn)

    def resource_key(self, resource: SourceResource) -> str:
        """ARN of the key that encrypts the resource."""
        alias = resource.key or f"alias/{resource.account}-data"
        return self.keys[(resource.account, REGION, alias)]

    def seed_history(self, resource: SourceResource, resource_arn: str, resource_key: str) -> None:
        """Recovery points every `every_days` days over 30 days, newest first, with copies."""
        account_id = self.accounts[resource.account]
        vault = resource.vault or f"{resource.account}-vault"
        vault_key = self.vault_keys[(resource.account, REGION, vault)]
        point_key = vault_key if resource.resource_type in FULLY_MANAGED_TYPES else resource_key
        low, high = SIZE_GIB[resource.resource_type]
        size = self.rng.randint(low, high) * GIB
        # Start early enough that the backup and both copies have finished by now.
        slot = 3 * (5 + size // GIB) + self.rng.randint(45, 150)
        source_vault_arn = self.vaults[(resource.account, REGION, vault)]
        central_vault_arn = self.vaults[("backup", REGION, CENTRAL_VAULT)]
        backup_id = self.accounts["backup"]
        newest = self.newest[resource.name]
        # Databases reach the other Region in a second hop from the central vault.
        two_hop = resource.resource_type in DATABASE_TYPES
        for day in range(resource.first_day, DAYS, resource.every_days):
            created = self.now - timedelta(days=day, minutes=slot + self.rng.randint(0, 20))
            point = SeededPoint(resource, resource_arn, max(GIB, size - day * size // 200))
            done = created + job_minutes(point.size)
            member_arn = self.seed_point(
                point, account_id, REGION, vault, created, point_key, None, 35
            )
            newest.setdefault(f"member:{vault}", member_arn)
            self.night.backup(point, account_id, source_vault_arn, member_arn, created, done)
            if not resource.copy_to_central:
                continue
            # A copy keeps its source's creation date (as AWS does); its completion is its own.
            start = done + timedelta(minutes=self.rng.randint(2, 9))
            done = start + job_minutes(point.size)
            central_key = self.keys[("backup", REGION, "alias/backup-vault-key")]
            central_arn = self.seed_point(
                point,
                backup_id,
                REGION,
                CENTRAL_VAULT,
                created,
                central_key,
                source_vault_arn,
                90,
                completed=done,
            )
            newest.setdefault("central", central_arn)
            self.night.copy(
                point,
                account_id,
                source_vault_arn,
                member_arn,
                central_vault_arn,
                central_arn,
                start,
                done,
            )
            if not resource.copy_to_dr:
                continue
            start = done + timedelta(minutes=self.rng.randint(3, 15))
            done = start + job_minutes(point.size)
            dr_key = self.keys[("backup", DR_REGION, "alias/backup-vault-key")]
            source = central_vault_arn if two_hop else source_vault_arn
            dr_arn = self.seed_point(
                point, backup_id, DR_REGION, DR_VAULT, created, dr_key, source, 365, completed=done
            )
            newest.setdefault("dr", dr_arn)
            dr_vault_arn = self.vaults[("backup", DR_REGION, DR_VAULT)]
            if two_hop:
                self.night.copy(
                    point,
                    backup_id,
                    central_vault_arn,
                    central_arn,
                    dr_vault_arn,
                    dr_arn,
                    start,
                    done,
                )
            else:
                self.night.copy(
                    point,
                    account_id,
                    source_vault_arn,
                    member_arn,
                    dr_vault_arn,
                    dr_arn,
                    start,
                    done,
                )

    def seed_point(
        self,
        point: SeededPoint,
        account_id: str,
        region: str,
        vault: str,
        created: datetime,
        key_arn: str,
        source_vault_arn: str | None,
        delete_after_days: int,
        completed: datetime | None = None,
    ) -> str:
        """Seed one recovery point (a copy when `source_vault_arn` is set); returns its ARN."""
        from drconsole.sandbox.store import seed_recovery_point

        self.recovery_points += 1
        # A copy job runs with a role of the account that holds the source.
        role_account = arn_account(source_vault_arn) if source_vault_arn else account_id
        return seed_recovery_point(
            account_id,
            region,
            vault,
            resource_arn=point.resource_arn,
            resource_type=point.resource.resource_type,
            resource_name=point.resource.name,
            created=created,
            encryption_key_arn=key_arn,
            size_bytes=point.size,
            source_backup_vault_arn=source_vault_arn,
            iam_role_arn=default_service_role_arn(role_account),
            delete_after_days=delete_after_days,
            completed=completed,
        )
