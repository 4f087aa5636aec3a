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
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.scenarios.clients import ScenarioClients
from drconsole.sandbox.scenarios.demo_backups import (
    CENTRAL_VAULT,
    DR_REGION,
    DR_VAULT,
    REGION,
    DemoBackups,
)
from drconsole.sandbox.scenarios.iam_roles import create_backup_roles, service_linked_role_arn
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

RECOVERY_VAULT = "recovery-vault"

ACCOUNT_SPECS = (
    AccountSpec("backup", "backup", ("Security",)),
    AccountSpec("prod", "prod", ("Prod",)),
    AccountSpec("qa", "qa", ("Non-Prod", "QA")),
    AccountSpec("dev", "dev", ("Non-Prod", "Dev")),
)
MEMBERS = ("prod", "qa", "dev")


class DemoBuilder(DemoBackups):
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
