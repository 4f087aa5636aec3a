"""Facts read once and shared by every readiness verdict.

`SharedFacts` is the copy and restore checks' own reader (`RestoreFactReader`) with every read
remembered: a key (with its policy), a key's grants, a vault, a vault policy, a role, an
account's organization membership and service control policies, the organization's
cross-account setting, an account and Region's vaults, copy jobs and DynamoDB setting are each
read once, however many copy-back pairs judge them. Concurrent askers of one fact wait for the
first read instead of sending their own, so the number of calls depends on the organization
(accounts, Regions, vaults, keys), never on the order threads run in, nor on the number of
recovery points.
"""

from __future__ import annotations

from typing import Any, TypeVar

from drconsole.aws.answers import vault_arns_of
from drconsole.aws.facts import IN_FLIGHT_STATES, _recovery_point_facts
from drconsole.aws.reader import pages
from drconsole.aws.restore_facts import RestoreFactReader
from drconsole.checks.arns import RecoveryPointArn, VaultArn, parse_recovery_point_arn
from drconsole.checks.facts import (
    CopyJobLoad,
    KeyFacts,
    OrgMembership,
    RecoveryPointFacts,
    RoleFacts,
    ScpLevel,
    SnapshotOptionGroup,
    Unreadable,
    VaultFacts,
)
from drconsole.models import Organization

T = TypeVar("T")


class SharedFacts(RestoreFactReader):
    """A fact reader that reads each fact once per evaluation (thread-safe)."""

    parallel_membership_reads = False  # known from the organization, or remembered
    network_failures_local = True  # an unreachable Region is its rows' UNKNOWN, not the end

    def __init__(self, sessions: Any, organization: Organization | None = None) -> None:
        super().__init__(sessions)
        # The organization as the management account listed it: each member's organization,
        # OU path and parents are known from it without asking every account.
        self.organization = organization if organization and organization.id else None
        self._accounts = {a.id: a for a in self.organization.accounts} if self.organization else {}
        self._units = {u.id: u for u in self.organization.units} if self.organization else {}
        # recovery point ARN -> the vault holding it, when the caller already knows it
        self._located: dict[str, str] = {}

    def locate(self, recovery_point_arn: str, vault_arn: str) -> None:
        """Say which vault holds a recovery point, so it is described there directly."""
        with self._lock:
            self._located[recovery_point_arn] = vault_arn

    # Recovery points ----------------------------------------------------------------------

    def recovery_point(self, arn: RecoveryPointArn, account_hint: str | None) -> RecoveryPointFacts:
        """DescribeRecoveryPoint in its known vault (one call), else the checks' own search."""
        vault_arn = self._located.get(arn.arn)
        if vault_arn is None:
            return self.once(
                ("rp", arn.arn), lambda: super(SharedFacts, self).recovery_point(arn, account_hint)
            )
        return self.once(("rp", arn.arn), lambda: self._describe_in(arn, vault_arn))

    def _describe_in(self, arn: RecoveryPointArn, vault_arn: str) -> RecoveryPointFacts:
        from drconsole.checks.common import cause_of_code
        from drconsole.errors import AwsError

        parts = vault_arn.split(":")
        account, region, name = parts[4], parts[3], parts[-1]
        backup = self.client("backup", account, region)
        answer = self.read(
            "backup:DescribeRecoveryPoint",
            lambda: backup.describe_recovery_point(BackupVaultName=name, RecoveryPointArn=arn.arn),
        )
        if isinstance(answer, dict):
            return _recovery_point_facts(answer, account, arn, name)
        if isinstance(answer, Unreadable):
            raise AwsError(
                f"recovery point {arn.arn} could not be read in vault {vault_arn}: "
                f"{answer.describe()}",
                cause_of_code(answer.code),
            )
        raise AwsError(f"recovery point {arn.arn} not found in vault {vault_arn}")

    def recovery_point_at(self, recovery_point_arn: str, vault_arn: str) -> RecoveryPointFacts:
        """The recovery point, described in the vault that holds it."""
        self.locate(recovery_point_arn, vault_arn)
        return self.recovery_point(parse_recovery_point_arn(recovery_point_arn), None)

    # Keys, vaults, roles ------------------------------------------------------------------

    def key(
        self, key_arn: str, with_policy: bool, used_in: str | None = None, key_type: str = ""
    ) -> KeyFacts | Unreadable | None:
        """The key with its policy, read once (always with the policy, so that the number of
        calls does not depend on which check asks first)."""
        return self.once(
            ("key", key_arn, key_type),
            lambda: super(SharedFacts, self).key(key_arn, True, used_in, key_type),
        )

    def key_grants(self, key_arn: str) -> list[dict[str, Any]] | Unreadable:
        """The key's grants, listed once (whichever principal's use of it is judged)."""
        return self.once(("grants", key_arn), lambda: super(SharedFacts, self).key_grants(key_arn))

    def vault_policy(self, account_id: str, region: str, name: str) -> str | Unreadable | None:
        """The vault's access policy, read once."""
        return self.once(
            ("vault-policy", account_id, region, name),
            lambda: super(SharedFacts, self).vault_policy(account_id, region, name),
        )

    def vault(self, arn: VaultArn) -> VaultFacts | Unreadable | None:
        """The vault with its key and policy, read once."""
        return self.once(("vault", arn.arn), lambda: super(SharedFacts, self).vault(arn))

    def role(self, role_arn: str) -> RoleFacts | Unreadable | None:
        """The role, read once."""
        return self.once(("role", role_arn), lambda: super(SharedFacts, self).role(role_arn))

    def pass_role(
        self, account: str, region: str, role_arn: str
    ) -> tuple[str, bool | Unreadable | None]:
        """Whether the caller may pass the role, asked once per account and role."""
        return self.once(
            ("pass-role", account, role_arn),
            lambda: super(SharedFacts, self).pass_role(account, region, role_arn),
        )

    def role_exists(self, account_id: str, name: str) -> bool | Unreadable:
        """Whether the role exists, read once."""
        return self.once(
            ("role-exists", account_id, name),
            lambda: super(SharedFacts, self).role_exists(account_id, name),
        )

    # Organization -------------------------------------------------------------------------

    def organization_account_ids(self) -> list[str]:
        """The organization's accounts, listed once."""
        return self.once(("org-accounts",), super().organization_account_ids)

    def membership(self, account_id: str) -> OrgMembership | Unreadable:
        """The account's organization and OU path: from the organization's listing for its
        accounts, else read once (DescribeOrganization in the account)."""
        account = self._accounts.get(account_id)
        if account is not None and self.organization is not None:
            return OrgMembership(
                account_id,
                self.organization.id,
                self.organization.management_account_id or None,
                account.org_path or None,
            )
        return self.once(
            ("membership", account_id), lambda: super(SharedFacts, self).membership(account_id)
        )

    def parents(self, target_id: str) -> list[str] | Unreadable:
        """The parents of an account or OU, nearest first up to the root: from the
        organization's listing when it knows the target, else read once."""
        account = self._accounts.get(target_id)
        node = account.ou_id if account is not None else None
        if node is None and target_id in self._units:
            node = self._units[target_id].parent_id
        if node and self.organization is not None:
            chain: list[str] = []
            while node and len(chain) < 10:
                chain.append(node)
                if node == self.organization.root_id or node not in self._units:
                    break
                node = self._units[node].parent_id
            return chain
        return self.once(
            ("parents", target_id), lambda: super(SharedFacts, self).parents(target_id)
        )

    def roots(self) -> list[dict[str, Any]] | Unreadable | None:
        """The organization's roots, read once."""
        return self.once(("roots",), super().roots)

    def service_control_policies(
        self, account_id: str, membership: OrgMembership | Unreadable
    ) -> tuple[ScpLevel, ...] | Unreadable | None:
        """The SCPs that apply to the account, read once."""
        return self.once(
            ("scps", account_id),
            lambda: super(SharedFacts, self).service_control_policies(account_id, membership),
        )

    def scp_level(self, orgs: Any, target: str) -> ScpLevel | Unreadable:
        """The SCPs attached to one root, OU or account, read once."""
        return self.once(
            ("scp-level", target), lambda: super(SharedFacts, self).scp_level(orgs, target)
        )

    def cross_account_enabled(self, region: str) -> bool | Unreadable:
        """The organization's cross-account backup setting, read once per Region."""
        return self.once(
            ("cross-account", region),
            lambda: super(SharedFacts, self).cross_account_enabled(region),
        )

    # Account and Region -------------------------------------------------------------------

    def in_flight_copy_jobs(
        self, account_id: str, region: str
    ) -> list[dict[str, Any]] | Unreadable:
        """CREATED and RUNNING copy jobs of an account and Region, listed once."""

        def read() -> list[dict[str, Any]] | Unreadable:
            backup = self.client("backup", account_id, region)
            jobs: list[dict[str, Any]] = []
            for state in IN_FLIGHT_STATES:
                listed = self.read(
                    "backup:ListCopyJobs",
                    lambda s=state: list(pages(backup, "list_copy_jobs", "CopyJobs", ByState=s)),  # type: ignore[misc]
                )
                if not isinstance(listed, list):
                    return listed or Unreadable("backup:ListCopyJobs", "Empty", "")
                jobs.extend(listed)
            return jobs

        return self.once(("copy-jobs", account_id, region), read)

    def job_load(self, rp: RecoveryPointFacts, dest_region: str) -> CopyJobLoad | Unreadable:
        """The copy checks' job load, from the account and Region's jobs listed once."""
        jobs = self.in_flight_copy_jobs(rp.account_id, rp.region)
        if isinstance(jobs, Unreadable):
            return jobs
        mine = tuple(
            j.get("CopyJobId", "?") for j in jobs if j.get("ResourceArn") == rp.resource_arn
        )
        into_region = sum(
            1
            for j in jobs
            if str(j.get("DestinationBackupVaultArn", "")).split(":")[3:4] == [dest_region]
        )
        return CopyJobLoad(mine, into_region)

    def vaults_listed(self, account_id: str, region: str) -> list[dict[str, Any]] | Unreadable:
        """ListBackupVaults of an account and Region, listed once."""

        def read() -> list[dict[str, Any]] | Unreadable:
            backup = self.client("backup", account_id, region)
            listed = self.read(
                "backup:ListBackupVaults",
                lambda: list(pages(backup, "list_backup_vaults", "BackupVaultList")),
            )
            return listed if isinstance(listed, list) else (listed or [])

        return self.once(("vaults", account_id, region), read)

    def vault_arns(self, account_id: str, region: str) -> tuple[str, ...]:
        """The account's vaults in the Region but the default vault (empty if unreadable)."""
        listed = self.vaults_listed(account_id, region)
        if isinstance(listed, Unreadable):
            return ()
        return vault_arns_of(listed)

    def marketplace_codes(self, rp: RecoveryPointFacts) -> tuple[str, ...] | Unreadable:
        """The AMI's Marketplace product codes, read once per recovery point."""
        return self.once(
            ("marketplace", rp.arn), lambda: super(SharedFacts, self).marketplace_codes(rp)
        )

    def snapshot_option_group(
        self, rp: RecoveryPointFacts, dest_account: str, dest_region: str
    ) -> SnapshotOptionGroup | Unreadable | None:
        """The DB snapshot's option group, read once per recovery point and destination."""
        return self.once(
            ("option-group", rp.copied_from or rp.arn, dest_account, dest_region),
            lambda: super(SharedFacts, self).snapshot_option_group(rp, dest_account, dest_region),
        )
