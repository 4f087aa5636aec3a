"""Scenario `demo`: a six-account organization with backups, central copies and five faults.

The `recovery` account (Security OU) holds no backups: it is where restore drills restore.

The faults (ScenarioInfo.faults, each with the ARN it concerns):
- `vault_aws_managed_key`: qa's "qa-legacy-vault" is encrypted with the AWS managed key
  aws/backup, so copies of EBS/EC2/RDS/Aurora recovery points into it fail.
- `vault_without_access_policy`: qa's "qa-archive-vault" has no access policy, so the backup
  account cannot copy into it.
- `source_key_not_shared`: qa's key alias/qa-analytics is not shared with the backup account;
  the recovery points of the volume it encrypts cannot be copied there.
- `aws_managed_resource_key`: prod's volume "prod-legacy-data" is encrypted with aws/ebs; its
  recovery points cannot be copied to another account.
- `service_linked_role_missing`: dev has no AWSServiceRoleForBackup, so copies into dev fail.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.scenarios.clients import ScenarioClients
from drconsole.sandbox.scenarios.iam_roles import (
    create_backup_roles,
    default_service_role_arn,
    service_linked_role_arn,
)
from drconsole.sandbox.scenarios.keys import (
    aws_managed_key_policy,
    create_customer_key,
    key_policy,
    root_arn,
)
from drconsole.sandbox.scenarios.moto_state import (
    fast_symmetric_keys,
    name_management_account,
    seed_moto_random,
)
from drconsole.sandbox.scenarios.night import NightJobs
from drconsole.sandbox.scenarios.organization import (
    MANAGEMENT_ACCOUNT_ID,
    AccountSpec,
    create_organization,
    ensure_ou_path,
)
from drconsole.sandbox.scenarios.restore_obstacles import (
    build_instance_profiles,
    build_restore_obstacles,
)
from drconsole.sandbox.scenarios.vaults import (
    accounts_access_policy,
    create_vault,
    org_wide_access_policy,
)

if TYPE_CHECKING:
    from drconsole.sandbox.server import Sandbox

REGION = "eu-central-1"
DR_REGION = "eu-north-1"
CENTRAL_VAULT = "central-eu-central-1"
DR_VAULT = "dr-eu-north-1"
RECOVERY_VAULT = "recovery-vault"
DAYS = 30

ACCOUNT_SPECS = (
    AccountSpec("backup", "backup", ("Security",)),
    AccountSpec("prod", "prod", ("Prod",)),
    AccountSpec("qa", "qa", ("Non-Prod", "QA")),
    AccountSpec("dev", "dev", ("Non-Prod", "Dev")),
)
MEMBERS = ("prod", "qa", "dev")

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


class DemoBuilder:
    """Builds the demo scenario into a started sandbox, step by step."""

    def __init__(self, sandbox: Sandbox, now: datetime | None, seed: int) -> None:
        self.sandbox = sandbox
        self.clients = ScenarioClients(sandbox)
        self.now = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
        self.rng = random.Random(seed)
        self.seed = seed
        self.accounts: dict[str, str] = {}
        self.org_id = ""
        # (account role, region, alias) -> key ARN
        self.keys: dict[tuple[str, str, str], str] = {}
        # (account role, region, vault name) -> vault ARN
        self.vaults: dict[tuple[str, str, str], str] = {}
        self.vault_keys: dict[tuple[str, str, str], str] = {}
        self.faults: dict[str, str] = {}
        self.fault_recovery_points: dict[str, str] = {}
        self.fault_destinations: dict[str, str] = {}
        # resource name -> its ARN
        self.resource_arns: dict[str, str] = {}
        # resource name -> where ("member:<vault>", "central", "dr") -> newest recovery point ARN
        self.newest: dict[str, dict[str, str]] = {}
        self.recovery_points = 0
        self.night = NightJobs(self.now)

    def client(self, service: str, role: str, region: str = REGION) -> Any:
        """A boto3 client acting as the account with that role."""
        return self.clients.client(service, self.accounts[role], region)

    def build(self) -> ScenarioInfo:
        """Run every step and describe the result."""
        started = time.perf_counter()
        seed_moto_random(self.seed)
        with fast_symmetric_keys():
            self.build_organization()
            self.build_roles()
            self.build_keys()
            self.build_vaults()
            self.build_backups()
            # Built last so that every identifier generated before it stays as it was.
            self.build_recovery_account()
            build_restore_obstacles(self, REGION)
            build_instance_profiles(self, REGION)
        self.record_faults()
        self.night.seed(self)
        return ScenarioInfo(
            name="demo",
            org_id=self.org_id,
            region=REGION,
            dr_region=DR_REGION,
            accounts=dict(self.accounts),
            faults=dict(self.faults),
            fault_recovery_points=dict(self.fault_recovery_points),
            fault_destinations=dict(self.fault_destinations),
            recovery_point_count=self.recovery_points,
            build_seconds=round(time.perf_counter() - started, 3),
        )

    def build_organization(self) -> None:
        """The organization, its OUs and accounts; cross-account backup and monitoring enabled."""
        organizations = self.clients.client("organizations", MANAGEMENT_ACCOUNT_ID, REGION)
        layout = create_organization(organizations, ACCOUNT_SPECS)
        self.layout = layout
        self.org_id = layout.org_id
        self.accounts = dict(layout.accounts)
        name_management_account(self.accounts["management"], "management")
        # Trusted access for AWS Backup, as the console's "cross-account monitoring" turns it
        # on: the management account then lists every member's jobs (ByAccountId).
        organizations.enable_aws_service_access(ServicePrincipal="backup.amazonaws.com")
        self.client("backup", "management").update_global_settings(
            GlobalSettings={"isCrossAccountBackupEnabled": "true"}
        )

    def build_recovery_account(self) -> None:
        """A `recovery` account in the Security OU for restore drills: AWS Backup's roles, a
        customer managed key, and a vault in each Region open to the backup account."""
        organizations = self.clients.client("organizations", MANAGEMENT_ACCOUNT_ID, REGION)
        parent = ensure_ou_path(organizations, self.layout, ("Security",))
        status = organizations.create_account(
            AccountName="recovery", Email="aws+recovery@example.com"
        )["CreateAccountStatus"]
        account_id = status["AccountId"]
        organizations.move_account(
            AccountId=account_id, SourceParentId=self.layout.root_id, DestinationParentId=parent
        )
        self.accounts["recovery"] = account_id
        # The backup account's vault keys are shared with the recovery account as with the
        # members, so that copies of database snapshots can be restored there.
        members = [self.accounts[role] for role in (*MEMBERS, "recovery")]
        policy = key_policy(self.accounts["backup"], [root_arn(member) for member in members])
        for region in (REGION, DR_REGION):
            key = self.keys[("backup", region, "alias/backup-vault-key")]
            self.client("kms", "backup", region).put_key_policy(
                KeyId=key, PolicyName="default", Policy=policy
            )
        create_backup_roles(self.client("iam", "recovery"), account_id, self.accounts["management"])
        copy_back = accounts_access_policy([self.accounts["backup"]])
        for region in (REGION, DR_REGION):
            self.add_key(
                "recovery",
                region,
                "alias/recovery-data",
                "recovery drills",
                [root_arn(self.accounts["backup"])],
            )
            self.add_vault("recovery", region, RECOVERY_VAULT, "alias/recovery-data", copy_back)

    def build_roles(self) -> None:
        """AWS Backup's roles in every account; dev lacks its service-linked role (a fault)."""
        management = self.accounts["management"]
        for role, account_id in self.accounts.items():
            create_backup_roles(
                self.client("iam", role),
                account_id,
                management,
                service_linked_role=role != "dev",
            )

    def build_keys(self) -> None:
        """Customer managed keys per account, shared with the backup account as the seeds show."""
        backup = self.accounts["backup"]
        members = [self.accounts[role] for role in MEMBERS]
        for region in (REGION, DR_REGION):
            self.add_key(
                "backup",
                region,
                "alias/backup-vault-key",
                "Backup vault key of the central backup account",
                [root_arn(member) for member in members],
            )
            # prod shares with the backup account's service-linked role (the blog's form).
            self.add_key(
                "prod", region, "alias/prod-data", "prod data", [service_linked_role_arn(backup)]
            )
        # qa shares with the backup account root (the CloudFormation template's form).
        self.add_key("qa", REGION, "alias/qa-data", "qa data", [root_arn(backup)])
        self.add_key("qa", REGION, "alias/qa-analytics", "qa analytics (not shared)", [])
        self.add_key("dev", REGION, "alias/dev-data", "dev data", [service_linked_role_arn(backup)])
        self.keys[("prod", REGION, "alias/aws/ebs")] = self.aws_managed_key("prod", "ebs", "EBS")

    def aws_managed_key(self, role: str, service: str, label: str) -> str:
        """The account's AWS managed key for a service (aws/<service>), with AWS's key policy."""
        from drconsole.sandbox.resources import aws_managed_key

        account_id = self.accounts[role]
        arn = aws_managed_key(account_id, REGION, f"aws/{service}")
        policy = aws_managed_key_policy(
            account_id, REGION, "ec2" if service == "ebs" else service, label
        )
        self.client("kms", role).put_key_policy(KeyId=arn, PolicyName="default", Policy=policy)
        return arn

    def add_key(
        self, role: str, region: str, alias: str, description: str, shared_with: list[str]
    ) -> None:
        """Create one customer managed key and remember its ARN."""
        policy = key_policy(self.accounts[role], shared_with)
        kms = self.client("kms", role, region)
        self.keys[(role, region, alias)] = create_customer_key(kms, alias, description, policy)

    def build_vaults(self) -> None:
        """Central vaults with the org-wide policy; member vaults open to the backup account."""
        central_policy = org_wide_access_policy(self.org_id)
        for region, name in ((REGION, CENTRAL_VAULT), (DR_REGION, DR_VAULT)):
            self.add_vault("backup", region, name, "alias/backup-vault-key", central_policy)
        copy_back = accounts_access_policy([self.accounts["backup"]])
        self.add_vault("prod", REGION, "prod-vault", "alias/prod-data", copy_back)
        self.add_vault("prod", DR_REGION, "prod-vault", "alias/prod-data", copy_back)
        self.add_vault("qa", REGION, "qa-vault", "alias/qa-data", copy_back)
        # No key given: AWS encrypts the vault with the AWS managed key aws/backup.
        self.add_vault("qa", REGION, "qa-legacy-vault", None, copy_back)
        self.add_vault("qa", REGION, "qa-archive-vault", "alias/qa-data", None)
        self.add_vault("dev", REGION, "dev-vault", "alias/dev-data", copy_back)

    def add_vault(
        self, role: str, region: str, name: str, key_alias: str | None, policy: str | None
    ) -> None:
        """Create one vault and remember its ARN and key."""
        backup = self.client("backup", role, region)
        key_arn = self.keys[(role, region, key_alias)] if key_alias else None
        self.vaults[(role, region, name)] = create_vault(backup, name, key_arn, policy)
        described = backup.describe_backup_vault(BackupVaultName=name)
        self.vault_keys[(role, region, name)] = described["EncryptionKeyArn"]

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

    def record_faults(self) -> None:
        """Name each deliberate fault, the ARN it concerns, and a recovery point that meets it."""
        dev = self.accounts["dev"]
        self.faults = {
            "vault_aws_managed_key": self.vaults[("qa", REGION, "qa-legacy-vault")],
            "vault_without_access_policy": self.vaults[("qa", REGION, "qa-archive-vault")],
            "source_key_not_shared": self.keys[("qa", REGION, "alias/qa-analytics")],
            "aws_managed_resource_key": self.newest["prod-legacy-data"]["member:prod-vault"],
            "service_linked_role_missing": service_linked_role_arn(dev),
        }
        self.fault_recovery_points = {
            # Copy back from the central vault into the vault or account at fault.
            "vault_aws_managed_key": self.newest["qa-web-data"]["central"],
            "vault_without_access_policy": self.newest["qa-orders-db"]["central"],
            "service_linked_role_missing": self.newest["dev-web-data"]["central"],
            # Copy from the member vault to the central vault.
            "source_key_not_shared": self.newest["qa-analytics-data"]["member:qa-vault"],
            "aws_managed_resource_key": self.newest["prod-legacy-data"]["member:prod-vault"],
        }
        central = self.vaults[("backup", REGION, CENTRAL_VAULT)]
        self.fault_destinations = {
            "vault_aws_managed_key": self.faults["vault_aws_managed_key"],
            "vault_without_access_policy": self.faults["vault_without_access_policy"],
            "service_linked_role_missing": self.vaults[("dev", REGION, "dev-vault")],
            "source_key_not_shared": central,
            "aws_managed_resource_key": central,
        }


def build_demo(
    sandbox: Sandbox, *, now: datetime | None = None, seed: int = 20261123
) -> ScenarioInfo:
    """Build the demo scenario (DESIGN.md section 5) into a started sandbox."""
    return DemoBuilder(sandbox, now, seed).build()
