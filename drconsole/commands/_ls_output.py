"""Gathering and printing for `drconsole ls`: rich tables for people, stable JSON for scripts.

The JSON document is `{"items": [...], "errors": [...], "scope": {...}}`; the fields of each kind
are listed in `*_json` below and documented in the README. Times are UTC ISO 8601 with a `Z`.
Recovery points in JSON are streamed (`_ls_stream`).
Every listing says what it covered (which accounts, which Regions and where the Regions came
from): `scope` in JSON, one line on stderr under a table.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from drconsole.account_choice import account_labels, select_accounts
from drconsole.models import (
    Account,
    AccountError,
    Organization,
    RecoveryPoint,
    Vault,
    VaultBatch,
)
from drconsole.partitions import of_arn

if TYPE_CHECKING:
    from drconsole.aws.account_feed import AccountFeed
    from drconsole.aws.inventory import Inventory
    from drconsole.aws.organization import WalkFailed
    from drconsole.commands._ls_stream import Streamed
    from drconsole.commands._ls_vault_flags import VaultFlags

T = TypeVar("T")


@dataclass(frozen=True)
class Listing:
    """What `ls` was asked for, validated."""

    kind: str
    accounts: tuple[str, ...]
    vaults: VaultFlags  # --vault, its ARNs parsed once
    resource_type: str | None
    since: datetime | None
    as_json: bool
    job_kinds: tuple[str, ...] = ()
    job_states: tuple[str, ...] = ()
    before: datetime | None = None


def iso(moment: datetime | None) -> str | None:
    """UTC ISO 8601 with a trailing Z, or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def account_json(account: Account) -> dict[str, Any]:
    """JSON of one account."""
    return {
        "id": account.id,
        "name": account.name,
        "email": account.email,
        "status": account.status,
        "role": account.role,
        "ou_id": account.ou_id,
        "ou_path": account.ou_path,
        "org_path": account.org_path,
    }


def vault_json(vault: Vault, names: dict[str, str]) -> dict[str, Any]:
    """JSON of one vault."""
    return {
        "arn": vault.arn,
        "name": vault.name,
        "account_id": vault.account_id,
        "account_name": names.get(vault.account_id, ""),
        "region": vault.region,
        "encryption_key_arn": vault.encryption_key_arn,
        "key_type": str(vault.key_type),
        "locked": vault.locked,
        "min_retention_days": vault.min_retention_days,
        "max_retention_days": vault.max_retention_days,
        "has_access_policy": vault.has_access_policy,
        "recovery_point_count": vault.recovery_point_count,
        "created": iso(vault.created),
    }


def in_utc(moment: datetime | None) -> datetime | None:
    """The moment in UTC, for an encoder that writes UTC datetimes as `iso` does (msgspec:
    RFC 3339 with a Z, microseconds only when there are some)."""
    if moment is None or moment.tzinfo is UTC:
        return moment
    return moment.astimezone(UTC)


class PointJson(msgspec.Struct, gc=False):
    """JSON of one recovery point, its members in the document's order (`point_json`)."""

    arn: str
    vault_name: str
    vault_arn: str
    account_id: str
    account_name: str
    region: str
    resource_arn: str
    resource_type: str
    resource_name: str
    created: datetime | None
    completed: datetime | None
    status: str
    size_bytes: int | None
    encryption_key_arn: str
    is_encrypted: bool
    source_vault_arn: str | None
    expires: datetime | None
    iam_role_arn: str | None


def point_json(point: RecoveryPoint, names: Mapping[str, str]) -> PointJson:
    """JSON of one recovery point, for msgspec (`_ls_stream`, where every recovery point in
    JSON is written). A Struct, not a dict: made and written, a page at a time, in 2.0 µs a
    point against 3.3 (a listing writes hundreds of thousands). Its times are UTC datetimes,
    which msgspec writes as `iso` does, a third faster per point than `iso` itself."""
    return PointJson(
        point.arn,
        point.vault_name,
        point.vault_arn,
        point.account_id,
        names.get(point.account_id, ""),
        point.region,
        point.resource_arn,
        point.resource_type,
        point.resource_name,
        in_utc(point.created),
        in_utc(point.completion_date),
        point.status,
        point.size_bytes,
        point.encryption_key_arn,
        point.is_encrypted,
        point.source_vault_arn,
        in_utc(point.expires),
        point.iam_role_arn,
    )


def page_json(page: Sequence[RecoveryPoint], names: Mapping[str, str]) -> list[PointJson]:
    """`point_json` of every point of a page, each the same Struct, in half the CPU (1.0 ->
    0.4-0.6 µs a point): a page is one vault's, so its vault's ARN (a point's partition, Region,
    account and vault name) and its account's name are found once per run of points that share
    them, and a time already in UTC (as every decoded time is) is handed on without a call."""
    made: list[PointJson] = []
    append = made.append
    # The vault of the points before: (Region, account, vault name), the `arn:PARTITION:` its
    # points' ARNs start with, its ARN, its account's name.
    shared: tuple[tuple[str, str, str], str, str, str] | None = None
    for point in page:
        arn = point.arn
        where = (point.region, point.account_id, point.vault_name)
        if shared is None or where != shared[0] or not arn.startswith(shared[1]):
            partition = f"arn:{of_arn(arn)}:"
            shared = (where, partition, point.vault_arn, names.get(point.account_id, ""))
        created, completed, expires = point.created, point.completion_date, point.expires
        append(
            PointJson(
                arn,
                point.vault_name,
                shared[2],
                point.account_id,
                shared[3],
                point.region,
                point.resource_arn,
                point.resource_type,
                point.resource_name,
                created if created is None or created.tzinfo is UTC else created.astimezone(UTC),
                completed
                if completed is None or completed.tzinfo is UTC
                else completed.astimezone(UTC),
                point.status,
                point.size_bytes,
                point.encryption_key_arn,
                point.is_encrypted,
                point.source_vault_arn,
                expires if expires is None or expires.tzinfo is UTC else expires.astimezone(UTC),
                point.iam_role_arn,
            )
        )
    return made


def error_json(error: AccountError, names: dict[str, str]) -> dict[str, Any]:
    """JSON of one per-account failure."""
    return {
        "account_id": error.account_id,
        "account_name": names.get(error.account_id, ""),
        "region": error.region,
        "operation": error.operation,
        "code": error.code,
        "cause": str(error.cause),
        "message": error.message,
        "remedy": error.remedy or None,
    }


def scope_json(
    accounts: Sequence[Account], total: int | None, regions: Sequence[str], source: str
) -> dict[str, Any]:
    """What a listing covered: the accounts and Regions it asked, and where the Regions came
    from (`--region`, the config file, AWS_REGION or the profile's Region, with dr_regions)."""
    return {
        "accounts": [account.id for account in accounts],
        "account_names": [account.name for account in accounts],
        "accounts_in_organization": total,
        "regions": list(regions),
        "regions_from": source,
    }


def scope_line(scope: dict[str, Any], labels: dict[str, str] | None = None) -> str:
    """The scope as one line for stderr: 'scope: 5 of 5 accounts, Regions eu-central-1,
    eu-north-1 (from AWS_REGION and dr_regions; --region to change)'. `labels`: the
    accounts' labels for people (a shared name with its id), else their names."""
    count, total = len(scope["accounts"]), scope["accounts_in_organization"]
    if count == total:
        accounts = f"all {total} accounts"
    else:
        shown = scope["account_names"]
        if labels:
            shown = [labels.get(i) or n for i, n in zip(scope["accounts"], shown, strict=True)]
        accounts = f"{count} of {total} accounts ({', '.join(shown)})"
    regions = scope["regions"]
    label = "Region" if len(regions) == 1 else "Regions"
    source = f"from {scope['regions_from']}; " if scope["regions_from"] else ""
    line = f"scope: {accounts}, {label} {', '.join(regions)} ({source}--region to change)"
    if scope.get("listing"):  # ls jobs: how the jobs were listed
        line += f"; {'/'.join(scope['kinds'])} jobs listed {scope['listing']}"
        if scope.get("since"):
            line += f", created or completed since {scope['since']}"
    for key, said in (("created_since", "created since"), ("created_before", "created before")):
        if scope.get(key):
            line += f"; {said} {scope[key]}"
    return line


def vault_wanted(vault: Vault, wanted: Sequence[str]) -> bool:
    """True when no --vault was given or the vault matches one by name or ARN."""
    return not wanted or any(value in (vault.name, vault.arn) for value in wanted)


def collect_less() -> None:
    """Fewer garbage collections for the listing (measured: 16% of its CPU over 300,000 points).

    What is alive now (modules, botocore's models and clients) lives until the command ends:
    frozen, the full collections need not walk it again. The records of a page die by reference
    counting, not by the collector (young collections are rare in every command: cli.py).
    """
    gc.freeze()


def in_background(work: Callable[[], T]) -> Callable[[], T]:
    """Start `work` in a thread; the function returned waits for its result or raises its
    error. A daemon thread: Ctrl+C while waiting ends the command at once, as it did when the
    work ran in the caller's thread (only calls already sent are waited for)."""
    outcome: Future[T] = Future()

    def run() -> None:
        try:
            outcome.set_result(work())
        except BaseException as error:  # handed to the waiting thread, as it was raised
            outcome.set_exception(error)

    threading.Thread(target=run, name="drconsole-background", daemon=True).start()
    return outcome.result


def list_inventory(args: argparse.Namespace, listing: Listing) -> int:
    """Gather what `listing` asks for and print it; return the exit code."""
    from drconsole.aws.account_feed import AccountFeed
    from drconsole.aws.inventory import Inventory
    from drconsole.aws.point_pages import PointFilter
    from drconsole.aws.session import AwsSessions
    from drconsole.commands._ls_stream import stream_points
    from drconsole.commands._ls_vault_flags import not_found, refuse_unscanned_regions
    from drconsole.config import load_settings

    settings = replace(load_settings(args), read_only=True)
    sessions = AwsSessions(settings)
    inventory = Inventory(sessions, max_workers=settings.max_workers)
    regions = settings.regions
    refuse_unscanned_regions(listing.vaults, regions, settings.regions_source)
    point_filter = PointFilter(listing.resource_type, listing.since, listing.before)
    # Recovery points in JSON, vault by vault as each account is known: as the organization's
    # walk lists it, or (--account) once the walk has confirmed the accounts named.
    as_listed = listing.kind == "recovery-points" and listing.as_json
    feed = AccountFeed() if as_listed and not listing.vaults.values else None
    walk_feed = feed if not listing.accounts else None
    organization = in_background(lambda: walk(inventory, walk_feed))
    # The organization's walk is mostly waiting for AWS's answers; meanwhile this thread makes
    # the member accounts' Backup clients (loading the service model), which would otherwise
    # wait for the walk's first accounts.
    if listing.kind in ("vaults", "recovery-points"):
        for region in settings.regions:  # as the first member account's call would
            sessions.prepare_member_client("backup", region)
    streamed: Streamed | None = None  # recovery points in JSON: written as they arrived
    walk_failed: WalkFailed | None = None
    collect_less()
    if feed is not None:
        if walk_feed is None:
            feed.put(select_accounts(listing.accounts, organization().accounts))
            feed.close()
        pages = inventory.iter_inventory(feed, regions, point_filter, details=False)
        streamed = stream_points(pages, feed.names)
        org, walk_failed = walked_so_far(organization, feed, streamed)
    else:
        org = organization()
    names = {a.id: a.name for a in org.accounts}
    accounts = select_accounts(listing.accounts, org.accounts)
    items: list[Any] = []
    errors: list[AccountError] = [walk_failed.failed_call] if walk_failed else []
    errors += org.skipped
    errors += streamed.errors if streamed else []
    units = len(accounts) * len(regions)
    failed_units: set[tuple[str, str]] = set(streamed.failed_units) if streamed else set()
    job_extra: dict[str, Any] = {}

    if streamed is not None:
        pass  # written above, as the accounts came
    elif listing.kind == "accounts":
        items = accounts
    elif listing.kind == "jobs":
        from drconsole.aws.job_history import JobQuery
        from drconsole.commands._ls_jobs import gather_jobs, job_scope

        query = JobQuery(
            kinds=listing.job_kinds or JobQuery().kinds,
            states=listing.job_states,
            since=listing.since,
            account_ids=tuple(a.id for a in accounts),
        )
        found = gather_jobs(sessions, query, accounts, regions, settings.max_workers)
        items = list(found.jobs)
        errors += found.errors
        failed_units |= found.failed_units()
        job_extra = job_scope(found, query)
    else:
        vaults: list[Vault] = []
        # Recovery points need only the vaults' names: their key and policy are not read.
        details = listing.kind == "vaults"
        for batch in inventory.iter_vaults(accounts, regions, details=details):
            if isinstance(batch, VaultBatch):
                vaults.extend(v for v in batch.vaults if vault_wanted(v, listing.vaults.values))
            else:
                errors.append(batch)
                if batch.operation == "ListBackupVaults" and not batch.skipped:
                    failed_units.add((batch.account_id, batch.region))
        if listing.vaults.values and not vaults and not errors:
            raise not_found(listing.vaults, {account.id for account in accounts})
        if listing.kind == "vaults":
            items = sorted(vaults, key=lambda v: (names.get(v.account_id, ""), v.region, v.name))
        elif listing.as_json:
            pages = inventory.iter_all_recovery_points(vaults, point_filter)
            streamed = stream_points(pages, names)
            errors += streamed.errors
            failed_units |= streamed.failed_units
        else:
            for page in inventory.iter_all_recovery_points(vaults, point_filter):
                if isinstance(page, AccountError):
                    errors.append(page)
                    if not page.skipped:
                        failed_units.add((page.account_id, page.region))
                else:
                    items.extend(page)
            items.sort(key=lambda p: p.created, reverse=True)

    total = None if walk_failed else len(org.accounts)  # unknown: the walk did not end
    scope = scope_json(accounts, total, regions, settings.regions_source)
    scope.update(job_extra)
    if listing.kind == "recovery-points":
        scope.update(created_since=iso(listing.since), created_before=iso(listing.before))
    try:
        if streamed is not None:
            from drconsole.commands._ls_stream import finish

            finish(streamed, [error_json(e, names) for e in errors], scope)
        elif listing.as_json:
            print_json(listing.kind, items, errors, names, scope)
        else:
            from drconsole.commands._ls_tables import print_table

            print_table(listing.kind, items, account_labels(org.accounts))
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (`head`, a pager) went away: not an error; keep the exit quiet.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if not listing.as_json:
        print(f"drconsole: {scope_line(scope, account_labels(org.accounts))}", file=sys.stderr)
        for error in errors:
            name = names.get(error.account_id, "")
            label = f"{error.account_id} ({name})" if name else error.account_id
            remedy = f" ({error.remedy})" if error.remedy else ""
            print(
                f"drconsole: account {label} {error.region}: {error.message} [{error.cause}]"
                + remedy,
                file=sys.stderr,
            )
    if walk_failed is not None:
        raise walk_failed  # its line on stderr, exit 3, the document above closed
    everything_failed = units > 0 and len(failed_units) >= units
    return 3 if everything_failed else 0


def walked_so_far(
    organization: Callable[[], Organization], feed: AccountFeed, streamed: Streamed
) -> tuple[Organization, WalkFailed | None]:
    """The organization once its walk has ended; if the walk failed after recovery points
    were written, the accounts it had listed and the failure, for the document to end with
    it in `errors`. A walk that failed before anything was written raises as it did."""
    from drconsole.aws.organization import WalkFailed

    try:
        return organization(), None
    except WalkFailed as failure:
        if not streamed.items:
            raise
        listed = Organization("", "", "", accounts=tuple(feed.accounts), units=())
        return listed, failure


def walk(inventory: Inventory, feed: AccountFeed | None) -> Organization:
    """The organization, each OU's accounts handed to `feed` as they are listed."""
    try:
        return inventory.organization(on_accounts=feed.put if feed else None)
    finally:
        if feed is not None:
            feed.close()


def print_json(
    kind: str,
    items: Sequence[Any],
    errors: Sequence[AccountError],
    names: dict[str, str],
    scope: dict[str, Any],
) -> None:
    """One JSON document on stdout."""
    if kind == "accounts":
        rows = [account_json(a) for a in items]
    elif kind == "vaults":
        rows = [vault_json(v, names) for v in items]
    else:
        from drconsole.commands._ls_jobs import job_json

        rows = [job_json(j, names) for j in items]
    document = {"items": rows, "errors": [error_json(e, names) for e in errors], "scope": scope}
    sys.stdout.write(json.dumps(document, indent=1) + "\n")
