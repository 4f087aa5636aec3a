"""Protected resources of an account and Region, each with its newest recovery point."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from drconsole.aws.answers import skipped_records, text_of
from drconsole.aws.convert import (
    EPOCH,
    RECORD_ERRORS,
    newest_per_resource,
    protected_resource_from,
    recovery_point_from,
    unreadable_point,
)
from drconsole.aws.point_pages import AWS_ERRORS, PAGE_SIZE
from drconsole.aws.refusals import raised
from drconsole.aws.session import AwsSessions
from drconsole.models import AccountError, ProtectedResource, RecoveryPoint


class ProtectedResourceReads:
    """Reads the protected resources of an account and Region (a part of `Inventory`)."""

    sessions: AwsSessions

    def protected_resources(
        self, account_id: str, region: str, skipped: list[AccountError] | None = None
    ) -> list[ProtectedResource]:
        """Each protected resource of an account and Region with its newest recovery point.

        ListProtectedResources gives the newest backup; where it omits the recovery point ARN,
        the newest one is found with ListRecoveryPointsByResource. Resources listed without
        their ResourceArn are left out, and reported in `skipped`.
        """
        client = self.sessions.client("backup", account_id, region)
        try:
            items: list[dict[str, Any]] = []
            token: str | None = None
            while True:
                extra = {"NextToken": token} if token else {}
                answer = client.list_protected_resources(MaxResults=PAGE_SIZE, **extra)
                items.extend(answer.get("Results", []))
                token = answer.get("NextToken")
                if not token:
                    break
        except AWS_ERRORS as exc:
            where = f"account {account_id} {region}"
            raise raised(
                self.sessions, exc, account_id, region, "ListProtectedResources", where
            ) from None
        known = [item for item in items if text_of(item, "ResourceArn")]
        if len(known) < len(items) and skipped is not None:
            skipped.append(
                skipped_records(
                    account_id,
                    region,
                    "ListProtectedResources",
                    len(items) - len(known),
                    "protected resource(s)",
                    "ResourceArn",
                )
            )
        resources = [protected_resource_from(item, account_id, region) for item in known]
        missing = [r for r in resources if r.last_recovery_point_arn is None]
        if missing:
            found = {
                r.resource_arn: r
                for r in newest_per_resource(self._points_of_resources(client, missing, region))
            }
            resources = [found.get(r.resource_arn, r) if r in missing else r for r in resources]
        resources.sort(key=lambda r: r.last_backup or EPOCH, reverse=True)
        return resources

    def _points_of_resources(
        self, client: Any, resources: Sequence[ProtectedResource], region: str
    ) -> Iterator[RecoveryPoint]:
        for resource in resources:
            token: str | None = None
            while True:
                extra = {"NextToken": token} if token else {}
                try:
                    answer = client.list_recovery_points_by_resource(
                        ResourceArn=resource.resource_arn, MaxResults=PAGE_SIZE, **extra
                    )
                except AWS_ERRORS:
                    break
                for item in answer.get("RecoveryPoints", []):
                    if not text_of(item, "RecoveryPointArn"):
                        continue  # cannot be the newest backup drconsole points to
                    vault_arn = item.get("BackupVaultArn") or ""
                    vault_name = item.get("BackupVaultName") or vault_arn.rsplit(":", 1)[-1]
                    item = {**item, "ResourceArn": resource.resource_arn}
                    try:
                        yield recovery_point_from(item, resource.account_id, region, vault_name)
                    except RECORD_ERRORS:
                        yield unreadable_point(item, resource.account_id, region, vault_name)
                token = answer.get("NextToken")
                if not token:
                    break
