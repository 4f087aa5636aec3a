"""Evaluate readiness for the organization, streaming rows as they are decided."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from datetime import UTC, datetime
from typing import Any

from drconsole.account_choice import select_accounts
from drconsole.models import Account, Organization
from drconsole.readiness.drills import drill_coverage
from drconsole.readiness.facts import SharedFacts
from drconsole.readiness.model import ReadinessReport, ReadinessRow, ReadinessScope
from drconsole.readiness.objectives import RpoObjectives
from drconsole.readiness.rows import RowContext, evaluate_row

RowCallback = Callable[[ReadinessRow], None]
WORKLOAD_ROLES = ("member",)  # not the management nor the backup account


def workload_accounts(
    organization: Organization, wanted: Sequence[str] | None = None
) -> list[Account]:
    """The workload accounts (not management, not backup), or those named in `wanted` (ids or
    names, any role; a name shared by several accounts names them all); UsageError naming the
    first one the organization does not have."""
    if not wanted:
        return [a for a in organization.accounts if a.role in WORKLOAD_ROLES]
    return select_accounts(wanted, organization.accounts)


def backup_account_of(sessions: Any, organization: Organization) -> str | None:
    """The account holding the DR copies: the configured one, else the one named `backup`."""
    configured: str | None = sessions.settings.backup_account_id
    if configured:
        return configured
    return next((a.id for a in organization.accounts if a.role == "backup"), None)


def objectives_of(settings: Any) -> RpoObjectives:
    """The RPO objectives of the settings (`rpo_objective`, `rpo_objectives`) and of the
    runbooks in the runbooks folder (for the resources they drill)."""
    from dataclasses import replace

    from drconsole.readiness.objectives import runbook_objectives

    configured = RpoObjectives.from_config(
        getattr(settings, "rpo_objective", None), getattr(settings, "rpo_objectives", ())
    )
    folder = getattr(settings, "runbooks_dir", None)
    return replace(configured, resources=runbook_objectives(folder)) if folder else configured


def evaluate_readiness(
    sessions: Any,
    *,
    organization: Organization | None = None,
    accounts: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
    objectives: RpoObjectives | None = None,
    now: datetime | None = None,
    on_row: RowCallback | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ReadinessReport:
    """Every workload account x Region with protected resources, one `ReadinessRow` each.

    - `sessions`: the `AwsSessions` in use (read-only mode works: only reads are sent).
    - `organization`: the organization already loaded (the console's); read when None. Each
      account's organization and OU path are taken from it, not asked of every account.
    - `accounts`: account ids or names to evaluate (default: every workload account, i.e. not
      the management nor the backup account); an unknown one raises UsageError.
    - `regions`: the Regions (default: the settings' Regions).
    - `objectives`: RPO objectives (default: the settings' `rpo_objective`/`rpo_objectives`).
    - `now`: the time ages are measured at (default: the current time, UTC).
    - `on_row`: called with each row as soon as it is decided, in the calling thread, in
      completion order (a screen posts it as a message); rows without protected resources
      are not rows and are never passed.
    - `cancelled`: polled between rows; when it answers True the rows decided so far are
      returned and the rest are dropped.

    Facts (keys, vault policies, roles, organization) are read once and shared by every row.
    AWS refusals confined to an account make its row UNKNOWN (credentials refused in one
    account or Region, or its endpoint unreachable, while the caller's own are taken and its
    STS answers); the caller's expired credentials or a dead network raise AwsError (exit 3)
    as everywhere else.
    """
    from drconsole.aws.inventory import Inventory

    started = time.perf_counter()
    calls_before = sum(sessions.requests_sent.values())
    if organization is None:
        organization = Inventory(sessions, sessions.settings.max_workers).organization()
    chosen = workload_accounts(organization, accounts)
    scope = ReadinessScope(
        tuple(regions or sessions.settings.regions),
        tuple(a.id for a in chosen) if accounts else None,
        backup_account_of(sessions, organization),
    )
    context = _context(sessions, scope, objectives, now, organization)
    rows: list[ReadinessRow] = []
    jobs = [(account, region) for account in chosen for region in scope.regions]
    empty: dict[str, int] = {}  # account id -> Regions where it protects nothing
    with ThreadPoolExecutor(max_workers=max(1, sessions.settings.max_workers)) as pool:
        futures: dict[Future[ReadinessRow | None], tuple[Account, str]] = {
            pool.submit(evaluate_row, context, account, region): (account, region)
            for account, region in jobs
        }
        for future in as_completed(futures):
            if cancelled is not None and cancelled():
                for pending in futures:
                    pending.cancel()
                break
            row = future.result()
            if row is None:
                account_id = futures[future][0].id
                empty[account_id] = empty.get(account_id, 0) + 1
                continue
            rows.append(row)
            if on_row is not None:
                on_row(row)
    order = {key: n for n, key in enumerate((a.id, r) for a, r in jobs)}
    rows.sort(key=lambda row: order[row.key])
    return ReadinessReport(
        rows=tuple(rows),
        generated_at=context.now,
        scope=scope,
        calls=sum(sessions.requests_sent.values()) - calls_before,
        seconds=round(time.perf_counter() - started, 3),
        skipped=organization.skipped,
        unmatched_objectives=context.objectives.unmatched(organization),
        unprotected=tuple(a for a in chosen if empty.get(a.id) == len(scope.regions)),
        evaluated=tuple(chosen),
        organization_accounts=len(organization.accounts),
    )


def reevaluate_row(
    sessions: Any,
    row: ReadinessRow,
    *,
    organization: Organization | None = None,
    regions: Sequence[str] | None = None,
    objectives: RpoObjectives | None = None,
    now: datetime | None = None,
) -> ReadinessRow:
    """The row decided again from fresh reads (after a fix): the same account and Region.

    Nothing read for an earlier evaluation is reused but `organization` (read when None).
    If the account and Region no longer protect anything, the row comes back READY with no
    resources.
    """
    if organization is None:
        from drconsole.aws.inventory import Inventory

        organization = Inventory(sessions, sessions.settings.max_workers).organization()
    account = next(
        (a for a in organization.accounts if a.id == row.account_id),
        Account(row.account_id, row.account_name, ou_path=row.ou_path),
    )
    backup = backup_account_of(sessions, organization)
    scope = ReadinessScope(tuple(regions or sessions.settings.regions), (row.account_id,), backup)
    context = _context(sessions, scope, objectives, now, organization)
    fresh = evaluate_row(context, account, row.region)
    if fresh is not None:
        return fresh
    from drconsole.readiness.model import Verdict

    return ReadinessRow(
        account_id=row.account_id,
        account_name=row.account_name,
        ou_path=row.ou_path,
        region=row.region,
        verdict=Verdict.READY,
        causes=(),
        rpo_objective=context.objectives.for_account(account),
        evaluated_at=context.now,
    )


def _context(
    sessions: Any,
    scope: ReadinessScope,
    objectives: RpoObjectives | None,
    now: datetime | None,
    organization: Organization | None,
) -> RowContext:
    # DR copies are looked for in the DR Regions too, even when the rows are of other Regions
    # only (`--region eu-central-1`): a copy in eu-north-1 is a copy.
    copy_regions = tuple(dict.fromkeys((*scope.regions, *sessions.settings.dr_regions)))
    return RowContext(
        SharedFacts(sessions, organization),
        scope.backup_account_id,
        copy_regions,
        objectives or objectives_of(sessions.settings),
        drill_coverage(sessions.settings.state_dir),
        now or datetime.now(UTC),
    )
