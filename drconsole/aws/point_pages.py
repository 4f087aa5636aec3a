"""Recovery points of vaults, page by page: the filters, one vault's pages, many vaults' at once."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from drconsole.aws.answers import skipped_records
from drconsole.aws.convert import UNREADABLE, recovery_points_from_page
from drconsole.aws.fastparse import install_raw_pages, raw_pages
from drconsole.aws.refusals import failure_on
from drconsole.aws.runner import Step, Task, run_tasks
from drconsole.aws.session import AwsSessions
from drconsole.models import AccountError, RecoveryPoint, Vault

PAGE_SIZE = 1000  # the most any AWS Backup list call returns per page
AWS_ERRORS = (ClientError, BotoCoreError)


@dataclass(frozen=True)
class PointFilter:
    """Server-side filters of ListRecoveryPointsByBackupVault (also applied locally)."""

    resource_type: str | None = None
    created_after: datetime | None = None
    # Strictly before: "the last recovery point before 14:32" must not be the 14:32 one.
    created_before: datetime | None = None

    def params(self) -> dict[str, Any]:
        """The API parameters for these filters."""
        params: dict[str, Any] = {}
        if self.resource_type:
            params["ByResourceType"] = self.resource_type
        if self.created_after is not None:
            params["ByCreatedAfter"] = self.created_after
        if self.created_before is not None:
            params["ByCreatedBefore"] = self.created_before
        return params

    def keep(self, point: RecoveryPoint) -> bool:
        """True when the point passes the filters."""
        if self.resource_type and point.resource_type != self.resource_type:
            return False
        if point.status == UNREADABLE:  # its date is unknown: shown rather than hidden
            return True
        if self.created_before is not None and point.created >= self.created_before:
            return False
        return self.created_after is None or point.created >= self.created_after


NO_FILTER = PointFilter()


def skipped_points(account_id: str, region: str, vault_name: str, skipped: int) -> AccountError:
    """The report of a vault's recovery points listed without their RecoveryPointArn."""
    return skipped_records(
        account_id,
        region,
        "ListRecoveryPointsByBackupVault",
        skipped,
        f"recovery point(s) of vault {vault_name}",
        "RecoveryPointArn",
    )


class PointPages:
    """Reads recovery points one page at a time (a part of `Inventory`)."""

    sessions: AwsSessions
    max_workers: int
    # ids of the backup clients with the raw page decoding installed (see `Inventory`).
    _raw_clients: set[int]

    def _fetch_page(
        self,
        account_id: str,
        region: str,
        vault_name: str,
        token: str | None,
        points: PointFilter,
    ) -> tuple[list[RecoveryPoint], str | None, int]:
        """One page: its recovery points, the next token, and how many of its records were
        left out for want of their RecoveryPointArn."""
        client = self.sessions.client("backup", account_id, region)
        if id(client) not in self._raw_clients:
            install_raw_pages(client)
            self._raw_clients.add(id(client))
        params = {"BackupVaultName": vault_name, "MaxResults": PAGE_SIZE, **points.params()}
        if token:
            params["NextToken"] = token
        with raw_pages():
            answer = client.list_recovery_points_by_backup_vault(**params)
        records = answer.get("RecoveryPoints", [])
        page = recovery_points_from_page(records, account_id, region, vault_name)
        skipped = len(records) - len(page)  # one point per record it could name
        if points.resource_type or points.created_after is not None:
            page = [p for p in page if points.keep(p)]
        return page, answer.get("NextToken") or None, skipped

    def _page_task(
        self,
        account_id: str,
        region: str,
        vault_name: str,
        token: str | None,
        remaining_points: int,
        points: PointFilter,
        skipped_before: int = 0,
    ) -> Task:
        """One page of a vault, then the next; the records left out of every page are reported
        once, with the last page."""

        def work() -> Any:
            try:
                return self._fetch_page(account_id, region, vault_name, token, points)
            except AWS_ERRORS as exc:
                return failure_on(
                    self.sessions, account_id, region, "ListRecoveryPointsByBackupVault", exc
                )

        def then(answer: Any) -> Step:
            if isinstance(answer, AccountError):
                return Step(emit=[answer])
            page, next_token, skipped = answer
            skipped += skipped_before
            step = Step(emit=[page] if page else [])
            if next_token:
                left = max(0, remaining_points - PAGE_SIZE)
                step.tasks.append(
                    self._page_task(
                        account_id, region, vault_name, next_token, left, points, skipped
                    )
                )
            elif skipped:
                step.emit.append(skipped_points(account_id, region, vault_name, skipped))
            return step

        pages_left = max(1, math.ceil(remaining_points / PAGE_SIZE))
        return Task(-float(pages_left), work, then)

    def iter_recovery_points(
        self,
        vault: Vault,
        point_filter: PointFilter = NO_FILTER,
        skipped: list[AccountError] | None = None,
    ) -> Iterator[list[RecoveryPoint]]:
        """One vault's recovery points, one list per page; AWS failures raise AwsError. The
        report of the records left out for want of their RecoveryPointArn is added to
        `skipped` once the last page is read."""
        token: str | None = None
        left_out = 0
        while True:
            try:
                page, token, left = self._fetch_page(
                    vault.account_id, vault.region, vault.name, token, point_filter
                )
                left_out += left
            except AWS_ERRORS as exc:
                raise self.sessions.error_for(exc, f"vault {vault.arn}") from None
            if page:
                yield page
            if not token:
                if left_out and skipped is not None:
                    skipped.append(
                        skipped_points(vault.account_id, vault.region, vault.name, left_out)
                    )
                return

    def iter_all_recovery_points(
        self, vaults: Sequence[Vault], point_filter: PointFilter = NO_FILTER
    ) -> Iterator[list[RecoveryPoint] | AccountError]:
        """Recovery points of many vaults, concurrently; one list per page as it arrives."""
        tasks = [
            self._page_task(
                v.account_id, v.region, v.name, None, v.recovery_point_count, point_filter
            )
            for v in vaults
        ]
        yield from run_tasks(tasks, self.max_workers)
