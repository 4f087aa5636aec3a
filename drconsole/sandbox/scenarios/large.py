"""Scenario `large`: a generated organization of many accounts, vaults and recovery points.

For performance work (DESIGN.md section 7): by default 100 accounts x 2 Regions holding 300,000
recovery points. Recovery points are seeded directly (no AWS API creates old ones) and protect
synthetic resource ARNs; the organization, roles, keys and vaults are made on moto's models in
this process (see `direct`), as the API would make them, only faster.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from drconsole.sandbox.scenarios import ScenarioInfo, direct
from drconsole.sandbox.scenarios.iam_roles import default_service_role_arn
from drconsole.sandbox.scenarios.keys import key_policy, root_arn
from drconsole.sandbox.scenarios.moto_state import (
    fast_symmetric_keys,
    name_management_account,
    seed_moto_random,
)
from drconsole.sandbox.scenarios.organization import (
    MANAGEMENT_ACCOUNT_ID,
    AccountSpec,
    create_organization,
)
from drconsole.sandbox.scenarios.vaults import accounts_access_policy, org_wide_access_policy

if TYPE_CHECKING:
    from drconsole.sandbox.server import Sandbox

NAMED_ROLES = (
    AccountSpec("backup", "backup", ("Security",)),
    AccountSpec("prod", "prod", ("Prod",)),
    AccountSpec("qa", "qa", ("Non-Prod", "QA")),
    AccountSpec("dev", "dev", ("Non-Prod", "Dev")),
)
MEMBER_OUS = (("Prod",), ("Non-Prod", "QA"), ("Non-Prod", "Dev"), ("Workloads",))
RESOURCE_TYPES = ("EBS", "EC2", "RDS", "Aurora", "DynamoDB", "EFS", "S3")
DAYS = 30


def account_specs(accounts: int) -> list[AccountSpec]:
    """The accounts besides management: backup, prod, qa, dev, then member-001... in OUs."""
    members = [
        AccountSpec(f"member-{n:03d}", f"member-{n:03d}", MEMBER_OUS[n % len(MEMBER_OUS)])
        for n in range(1, accounts - len(NAMED_ROLES))
    ]
    return [*NAMED_ROLES, *members]


def synthetic_resource_arn(resource_type: str, account_id: str, region: str, n: int) -> str:
    """A resource ARN in AWS's format for the type; the resource itself does not exist."""
    if resource_type == "EBS":
        return f"arn:aws:ec2:{region}:{account_id}:volume/vol-{n:017x}"
    if resource_type == "EC2":
        return f"arn:aws:ec2:{region}:{account_id}:instance/i-{n:017x}"
    if resource_type == "RDS":
        return f"arn:aws:rds:{region}:{account_id}:db:db-{n:06d}"
    if resource_type == "Aurora":
        return f"arn:aws:rds:{region}:{account_id}:cluster:cluster-{n:06d}"
    if resource_type == "DynamoDB":
        return f"arn:aws:dynamodb:{region}:{account_id}:table/table-{n:06d}"
    if resource_type == "EFS":
        return f"arn:aws:elasticfilesystem:{region}:{account_id}:file-system/fs-{n:017x}"
    return f"arn:aws:s3:::bucket-{account_id}-{n:06d}"


class LargeBuilder:
    """Builds the large scenario into a started sandbox."""

    def __init__(
        self,
        sandbox: Sandbox,
        accounts: int,
        regions: Sequence[str],
        vaults_per_account: int,
        recovery_points: int,
        iam_roles: bool,
        now: datetime | None,
        seed: int,
        dr_copies: bool = False,
    ) -> None:
        if accounts < len(NAMED_ROLES) + 1:
            raise ValueError(f"the large scenario needs at least {len(NAMED_ROLES) + 1} accounts")
        if not regions or vaults_per_account < 1 or recovery_points < 0:
            raise ValueError("the large scenario needs Regions, vaults and recovery points >= 0")
        self.sandbox = sandbox
        self.account_count = accounts
        self.regions = tuple(regions)
        self.vaults_per_account = vaults_per_account
        self.recovery_point_total = recovery_points
        self.iam_roles = iam_roles
        self.now = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
        self.seed = seed
        self.dr_copies = dr_copies
        self.rng = random.Random(seed)
        self.accounts: dict[str, str] = {}
        self.org_id = ""
        # (account id, region) -> key ARN
        self.keys: dict[tuple[str, str], str] = {}
        # (account id, region, vault name, vault key ARN)
        self.vaults: list[tuple[str, str, str, str]] = []
        self.seeded = 0

    def build(self) -> ScenarioInfo:
        """Run every step and describe the result."""
        started = time.perf_counter()
        seed_moto_random(self.seed)
        with fast_symmetric_keys():
            self.build_organization()
            if self.iam_roles:
                self.build_roles()
            self.build_keys_and_vaults()
        self.seed_points()
        return ScenarioInfo(
            name="large",
            org_id=self.org_id,
            region=self.regions[0],
            dr_region=self.regions[-1],
            accounts=dict(self.accounts),
            faults={},
            recovery_point_count=self.seeded,
            build_seconds=round(time.perf_counter() - started, 3),
        )

    def build_organization(self) -> None:
        """The organization with every account in its OU; cross-account backup enabled."""
        organizations = direct.DirectOrganizations(MANAGEMENT_ACCOUNT_ID, self.regions[0])
        layout = create_organization(organizations, account_specs(self.account_count))
        self.org_id = layout.org_id
        self.accounts = dict(layout.accounts)
        name_management_account(MANAGEMENT_ACCOUNT_ID, "management")
        # Cross-account monitoring on, as in the demo: the management account lists and counts
        # every member's jobs.
        organizations.enable_aws_service_access(ServicePrincipal="backup.amazonaws.com")
        backup = self.sandbox.client("backup", MANAGEMENT_ACCOUNT_ID, self.regions[0])
        backup.update_global_settings(GlobalSettings={"isCrossAccountBackupEnabled": "true"})

    def build_roles(self) -> None:
        """AWS Backup's roles and the member-access role in every account."""
        for account_id in self.accounts.values():
            direct.create_roles(account_id, MANAGEMENT_ACCOUNT_ID)

    def build_keys_and_vaults(self) -> None:
        """A customer managed key and `vaults_per_account` vaults per account and Region."""
        backup_id = self.accounts["backup"]
        org_policy = org_wide_access_policy(self.org_id)
        copy_back = accounts_access_policy([backup_id])
        for role, account_id in self.accounts.items():
            if role == "management":
                continue
            shared = [root_arn(backup_id)] if role != "backup" else []
            if role == "backup" and self.dr_copies:
                # Copies are restored in the members: they may use the backup account's key.
                shared = [root_arn(a) for r, a in self.accounts.items() if r != "backup"]
            for region in self.regions:
                policy = key_policy(account_id, shared)
                key_arn = direct.create_customer_key(
                    account_id, region, f"alias/{role}-backup", policy
                )
                self.keys[(account_id, region)] = key_arn
                for index in range(self.vaults_per_account):
                    if role == "backup":
                        name = f"central-{region}" if index == 0 else f"central-{region}-{index}"
                        policy = org_policy
                    else:
                        name = f"{role}-vault" if index == 0 else f"{role}-vault-{index + 1}"
                        policy = copy_back
                    direct.create_vault(account_id, region, name, key_arn, policy)
                    self.vaults.append((account_id, region, name, key_arn))

    def seed_points(self) -> None:
        """Spread the recovery points evenly over the vaults: daily backups over 30 days."""
        from drconsole.sandbox.store import seed_recovery_point

        if not self.vaults:
            return
        backup_id = self.accounts["backup"]
        per_vault, extra = divmod(self.recovery_point_total, len(self.vaults))
        resource_number = 0
        for index, (account_id, region, vault_name, vault_key) in enumerate(self.vaults):
            count = per_vault + (1 if index < extra else 0)
            role_arn = default_service_role_arn(account_id)
            resources = max(1, -(-count // DAYS))
            for slot in range(resources):
                resource_number += 1
                resource_type = RESOURCE_TYPES[resource_number % len(RESOURCE_TYPES)]
                arn = synthetic_resource_arn(resource_type, account_id, region, resource_number)
                name = f"{resource_type.lower()}-{resource_number:06d}"
                size = self.rng.randint(1, 500) * 2**30
                minute = self.rng.randint(30, 300)
                # Point i of the vault goes to resource i % resources, on day i // resources.
                for i in range(slot, count, resources):
                    created = self.now - timedelta(days=i // resources, minutes=minute)
                    seed_recovery_point(
                        account_id,
                        region,
                        vault_name,
                        resource_arn=arn,
                        resource_type=resource_type,
                        resource_name=name,
                        created=created,
                        encryption_key_arn=vault_key,
                        size_bytes=size,
                        iam_role_arn=role_arn,
                        delete_after_days=35,
                    )
                    self.seeded += 1
                if self.dr_copies and account_id != backup_id and count > slot:
                    # The newest backup copied to the backup account's first vault of the Region.
                    seed_recovery_point(
                        backup_id,
                        region,
                        f"central-{region}",
                        resource_arn=arn,
                        resource_type=resource_type,
                        resource_name=name,
                        created=self.now - timedelta(minutes=minute),
                        encryption_key_arn=self.keys[(backup_id, region)],
                        size_bytes=size,
                        source_backup_vault_arn=(
                            f"arn:aws:backup:{region}:{account_id}:backup-vault:{vault_name}"
                        ),
                        iam_role_arn=role_arn,
                        delete_after_days=90,
                    )
                    self.seeded += 1

    def seed_night_jobs(self, per_account: int) -> None:
        """`per_account` finished backup jobs per account and Region over the last 24 hours;
        every 25th failed with AWS's message for a role lacking permissions."""
        import uuid

        from drconsole.sandbox import engine
        from drconsole.sandbox.scenarios.night import MSG_INSUFFICIENT_PRIVILEGES

        for account_id, region, vault_name, _ in self.vaults[:: self.vaults_per_account]:
            for n in range(per_account):
                created = self.now - timedelta(minutes=30 + (n * 1400) // max(1, per_account))
                failed = n % 25 == 24
                resource_type = RESOURCE_TYPES[n % len(RESOURCE_TYPES)]
                arn = synthetic_resource_arn(resource_type, account_id, region, n)
                engine.seed_finished_job(
                    "backup",
                    str(uuid.UUID(int=self.rng.getrandbits(128), version=4)).upper(),
                    account_id,
                    region,
                    {
                        "AccountId": account_id,
                        "BackupVaultName": vault_name,
                        "BackupVaultArn": (
                            f"arn:aws:backup:{region}:{account_id}:backup-vault:{vault_name}"
                        ),
                        "ResourceArn": arn,
                        "ResourceType": resource_type,
                        "IamRoleArn": default_service_role_arn(account_id),
                        "IsParent": False,
                    },
                    created=created.timestamp(),
                    completed=(created + timedelta(minutes=4)).timestamp(),
                    state="FAILED" if failed else "COMPLETED",
                    status_message=MSG_INSUFFICIENT_PRIVILEGES if failed else None,
                )


def build_large(
    sandbox: Sandbox,
    *,
    accounts: int = 100,
    regions: Sequence[str] = ("eu-central-1", "eu-north-1"),
    vaults_per_account: int = 2,
    recovery_points: int = 300_000,
    iam_roles: bool = True,
    now: datetime | None = None,
    seed: int = 20261123,
    dr_copies: bool = False,
    night_jobs: int = 0,
) -> ScenarioInfo:
    """Build the large scenario into a started sandbox; every size is a parameter.

    `dr_copies` also copies each member resource's newest recovery point into the backup
    account's `central-<Region>` vault (one copy per resource, counted in the total), as the
    readiness benchmark needs. `night_jobs`: backup jobs each account ran in each Region in the
    last 24 hours (one in 25 failed), for the jobs benchmark."""
    builder = LargeBuilder(
        sandbox,
        accounts,
        regions,
        vaults_per_account,
        recovery_points,
        iam_roles,
        now,
        seed,
        dr_copies,
    )
    info = builder.build()
    builder.seed_night_jobs(night_jobs)
    return info
