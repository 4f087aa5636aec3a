"""Inventory: the organization, vaults and recovery points of every account and Region.

Everything is fetched on a bounded pool (`runner.run_tasks`) and handed over as it arrives:
one `VaultBatch` per account and Region once its vaults' details are known, one list of
recovery points per page of 1,000. A failure confined to one account and Region (AccessDenied,
throttling that outlived the retries, a network error) is yielded as an `AccountError` and the
other accounts go on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from drconsole.aws.account_feed import AccountFeed
from drconsole.aws.answers import VAULT_IDENTITY, identified_vaults, required, skipped_records
from drconsole.aws.convert import arn_region, vault_from
from drconsole.aws.errors import error_code
from drconsole.aws.organization import load_organization, standalone_organization
from drconsole.aws.point_pages import AWS_ERRORS, NO_FILTER, PAGE_SIZE, PointFilter, PointPages
from drconsole.aws.protected_resources import ProtectedResourceReads
from drconsole.aws.refusals import failure_on
from drconsole.aws.runner import Step, Task, run_tasks
from drconsole.aws.session import AwsSessions
from drconsole.models import (
    Account,
    AccountError,
    CauseCode,
    KeyType,
    Organization,
    RecoveryPoint,
    Vault,
    VaultBatch,
)

# Priorities (lower runs first): listings unlock everything else; long page chains go next,
# longest first; per-vault details are leaves and fill the gaps.
LIST_PRIORITY = -1e12
DETAIL_PRIORITY = 0.0


@dataclass
class _Batch:
    """The vaults of one account and Region while their details are being read."""

    account_id: str
    region: str
    items: list[dict[str, Any]]  # each with its BackupVaultName (`identified_vaults`)
    policies: dict[str, bool | None] = field(default_factory=dict)
    remaining: int = 0
    skipped: int = 0  # members of the listing that named no vault


def _key_type_of(manager: str | None) -> KeyType:
    if manager == "AWS":
        return KeyType.AWS_MANAGED
    if manager == "CUSTOMER":
        return KeyType.CUSTOMER_MANAGED
    return KeyType.UNKNOWN


class Inventory(PointPages, ProtectedResourceReads):
    """Reads the organization, vaults, recovery points and jobs; safe to use from one thread."""

    def __init__(self, sessions: AwsSessions, max_workers: int = 16) -> None:
        self.sessions = sessions
        self.max_workers = max_workers
        self._organization: Organization | None = None
        self._key_types: dict[str, KeyType] = {}
        # ids of the backup clients with the raw page decoding installed (clients live as
        # long as the sessions, which outlive this inventory's use of them).
        self._raw_clients: set[int] = set()
        # key ARN -> continuations waiting for its DescribeKey (one call per key).
        self._key_waiters: dict[str, list[Callable[[], list[Any]]]] = {}
        self._first_page_scheduled = False

    # Organization -------------------------------------------------------------------------

    def organization(
        self,
        refresh: bool = False,
        on_accounts: Callable[[Sequence[Account]], None] | None = None,
    ) -> Organization:
        """The organization (cached); a synthetic one when `member_profiles` is configured.

        `on_accounts` is given every account once, as soon as it is known (see
        `load_organization`).
        """
        if self._organization is None or refresh:
            if self.sessions.settings.member_profiles:
                self._organization = standalone_organization(self.sessions)
            else:
                self._organization = load_organization(self.sessions, self.max_workers, on_accounts)
                return self._organization
        if on_accounts is not None:
            on_accounts(self._organization.accounts)
        return self._organization

    # Vaults -------------------------------------------------------------------------------

    def iter_vaults(
        self, accounts: Sequence[Account], regions: Sequence[str], details: bool = True
    ) -> Iterator[VaultBatch | AccountError]:
        """Each (account, Region)'s vaults, concurrently, as each completes.

        With `details` False only ListBackupVaults is asked (names, counts, lock, key ARN): the
        vaults come back with `details_read` False, for `vault_details` to complete when shown.
        """
        yield from run_tasks(
            self._list_vaults_tasks(accounts, regions, None, details), self.max_workers
        )

    def vault_listing(self, account_id: str, region: str) -> Task:
        """The ListBackupVaults of one account and Region as a task for `run_tasks`: it emits
        the VaultBatch (details not read) or the AccountError, and its skipped records."""
        return self._list_vaults_task(account_id, region, None, details=False)

    def iter_inventory(
        self,
        feed: AccountFeed,
        regions: Sequence[str],
        point_filter: PointFilter = NO_FILTER,
        details: bool = True,
    ) -> Iterator[VaultBatch | list[RecoveryPoint] | AccountError]:
        """Vaults and all their recovery points of the accounts `feed` hands over, in one
        pipelined scan, until the feed is closed.

        Each account is started as it arrives (as the organization's walk lists it), and the
        recovery point pages of a vault as soon as its account and Region are listed, without
        waiting for the other accounts: the scan ends near its critical path.
        """

        def wait_for_accounts() -> Task:
            def then(batch: tuple[Account, ...] | None) -> Step:
                if batch is None:
                    return Step()
                listings = self._list_vaults_tasks(batch, regions, point_filter, details)
                return Step(tasks=[wait_for_accounts(), *listings])

            # Ahead of every other task, so that a worker always waits for the next accounts.
            return Task(-math.inf, feed.next_batch, then)

        yield from run_tasks([wait_for_accounts()], self.max_workers)

    def _list_vaults_tasks(
        self,
        accounts: Sequence[Account],
        regions: Sequence[str],
        points: PointFilter | None,
        details: bool,
    ) -> list[Task]:
        """The ListBackupVaults of each account in each Region (see `_list_vaults_task`), each
        account's after its role is assumed (see `assumed_first`)."""

        def listings(account_id: str) -> Callable[[], list[Task]]:
            return lambda: [
                self._list_vaults_task(account_id, region, points, details) for region in regions
            ]

        return [self.assumed_first(a.id, LIST_PRIORITY, listings(a.id)) for a in accounts]

    def assumed_first(
        self, account_id: str, priority: float, reads: Callable[[], list[Task]]
    ) -> Task:
        """A task that assumes the role into `account_id`, then schedules `reads()`.

        Reads of one account started together would each wait for the first one's AssumeRole
        (botocore assumes a role under a lock at its first call), holding a thread each; this
        way no thread waits, and the reads go out side by side once the role is assumed. A
        failed AssumeRole is not reported here: each read meets it, and reports it where it
        happened (a role refused for good without another call: refused_roles.py).
        """

        def work() -> None:
            try:
                self.sessions.assume_role_now(account_id)
            except Exception:  # reported by each read (see above)
                return

        return Task(priority, work, lambda _: Step(tasks=reads()))

    def _list_vaults_task(
        self, account_id: str, region: str, points: PointFilter | None, details: bool
    ) -> Task:
        def work() -> Any:
            try:
                client = self.sessions.client("backup", account_id, region)
                items: list[dict[str, Any]] = []
                token: str | None = None
                while True:
                    extra = {"NextToken": token} if token else {}
                    answer = client.list_backup_vaults(MaxResults=PAGE_SIZE, **extra)
                    items.extend(answer.get("BackupVaultList", []))
                    token = answer.get("NextToken")
                    if not token:
                        return items
            except AWS_ERRORS as exc:
                return failure_on(self.sessions, account_id, region, "ListBackupVaults", exc)

        def then(answer: Any) -> Step:
            if isinstance(answer, AccountError):
                return Step(emit=[answer])
            vaults, skipped = identified_vaults(answer)
            batch = _Batch(account_id, region, vaults, skipped=skipped)
            if details:
                step = self._detail_tasks(batch)
            else:
                step = Step(emit=self._batch_done(batch, details_read=False))
            if points is not None:
                for item in vaults:
                    task = self._page_task(
                        account_id,
                        region,
                        item["BackupVaultName"],
                        None,
                        int(item.get("NumberOfRecoveryPoints") or 0),
                        points,
                    )
                    if not self._first_page_scheduled:
                        # The first page of the scan goes before the remaining listings, so
                        # that a streamed listing shows its first records at once.
                        self._first_page_scheduled = True
                        task.priority = LIST_PRIORITY - 1
                    step.tasks.append(task)
            return step

        return Task(LIST_PRIORITY, work, then)

    def _detail_tasks(self, batch: _Batch) -> Step:
        """Access policy and key type of each vault; the batch is emitted when all are known."""
        step = Step()

        def finish_one() -> list[Any]:
            batch.remaining -= 1
            return self._batch_done(batch) if batch.remaining == 0 else []

        for item in batch.items:
            name = item["BackupVaultName"]
            step.tasks.append(self._policy_task(batch, name, finish_one))
            batch.remaining += 1
            key_arn = item.get("EncryptionKeyArn") or ""
            if not key_arn or key_arn in self._key_types:
                continue
            waiters = self._key_waiters.get(key_arn)
            if waiters is None:
                self._key_waiters[key_arn] = waiters = []
                step.tasks.append(self._key_task(batch.account_id, batch.region, key_arn))
            if finish_one not in waiters:
                waiters.append(finish_one)
                batch.remaining += 1
        if batch.remaining == 0:
            step.emit.extend(self._batch_done(batch))
        return step

    def _batch_done(self, batch: _Batch, details_read: bool = True) -> list[Any]:
        """The batch's vaults, then the report of the listing's members that named no vault
        (after the vaults: a screen that shows a Region's vaults clears its older reports)."""
        done: list[Any] = [self._vault_batch(batch, details_read)]
        if batch.skipped:
            done.append(
                skipped_records(
                    batch.account_id,
                    batch.region,
                    "ListBackupVaults",
                    batch.skipped,
                    "vault(s)",
                    VAULT_IDENTITY,
                )
            )
        return done

    def _policy_task(self, batch: _Batch, name: str, finish: Callable[[], list[Any]]) -> Task:
        def work() -> Any:
            client = self.sessions.client("backup", batch.account_id, batch.region)
            try:
                client.get_backup_vault_access_policy(BackupVaultName=name)
            except ClientError as exc:
                if error_code(exc) == "ResourceNotFoundException":
                    return False
                return exc
            except BotoCoreError as exc:
                return exc
            return True

        def then(answer: Any) -> Step:
            step = Step()
            if isinstance(answer, BaseException):
                batch.policies[name] = None
                error = failure_on(
                    self.sessions,
                    batch.account_id,
                    batch.region,
                    "GetBackupVaultAccessPolicy",
                    answer,
                )
                if error.cause is not CauseCode.ROLE_PERMISSIONS:
                    step.emit.append(error)
            else:
                batch.policies[name] = bool(answer)
            step.emit.extend(finish())
            return step

        return Task(DETAIL_PRIORITY, work, then)

    def _key_task(self, account_id: str, region: str, key_arn: str) -> Task:
        def work() -> KeyType:
            client = self.sessions.client("kms", account_id, arn_region(key_arn) or region)
            try:
                metadata = required(
                    client.describe_key(KeyId=key_arn), "KeyMetadata", "DescribeKey"
                )
            except AWS_ERRORS:
                # A key we may not describe is shown as unknown, never guessed.
                return KeyType.UNKNOWN
            return _key_type_of(metadata.get("KeyManager"))

        def then(key_type: KeyType) -> Step:
            self._key_types.setdefault(key_arn, key_type)
            step = Step()
            for waiter in self._key_waiters.pop(key_arn, []):
                step.emit.extend(waiter())
            return step

        return Task(DETAIL_PRIORITY, work, then)

    def _vault_batch(self, batch: _Batch, details_read: bool = True) -> VaultBatch:
        vaults = []
        for item in batch.items:
            key_arn = item.get("EncryptionKeyArn") or ""
            if key_arn:
                key_type = self._key_types.get(key_arn, KeyType.UNKNOWN)
            elif item.get("EncryptionKeyType") == "AWS_OWNED_KMS_KEY":
                key_type = KeyType.AWS_MANAGED
            else:
                key_type = KeyType.UNKNOWN
            vaults.append(
                vault_from(
                    item,
                    batch.account_id,
                    batch.region,
                    key_type,
                    batch.policies.get(item["BackupVaultName"]),
                    details_read,
                )
            )
        vaults.sort(key=lambda vault: vault.name)
        return VaultBatch(batch.account_id, batch.region, tuple(vaults))

    def vault_details(self, vault: Vault) -> Vault:
        """`vault` with its key type and access policy read (two calls; what a listing without
        details left out). A detail that cannot be read is unknown, never guessed."""
        if vault.details_read:
            return vault
        batch = _Batch(vault.account_id, vault.region, [])
        policy = self._policy_task(batch, vault.name, list).work()
        key_type = KeyType.UNKNOWN
        if vault.encryption_key_arn:
            key_type = self._key_task(
                vault.account_id, vault.region, vault.encryption_key_arn
            ).work()
        elif vault.key_type is KeyType.AWS_MANAGED:
            key_type = KeyType.AWS_MANAGED
        return replace(
            vault,
            key_type=key_type,
            has_access_policy=policy if isinstance(policy, bool) else None,
            details_read=True,
        )
