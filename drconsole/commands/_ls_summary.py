"""`drconsole ls jobs --summary`: AWS's job counts for the organization, per kind and Region.

Asked from the management account (one call per kind and Region, see aws/job_summaries.py).
JSON: `{"items": [row...], "errors": [...], "scope": {..., "summaries": {...}}}`, each row a
count of one kind's jobs in one Region, account and state (README: ls jobs --summary). Where
AWS cannot summarize for the organization, one line on stderr says why and the exit code is 3.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from drconsole.aws.job_summaries import (
    KIND_OF_OPERATION,
    PROBLEM_STATES,
    SHOWN_STATES,
    JobSummaries,
    SummaryRow,
    read_job_summaries,
)
from drconsole.errors import UsageError
from drconsole.limits import shown

# The look-backs AWS summarizes (ONE_DAY, SEVEN_DAYS, FOURTEEN_DAYS), as --since accepts them.
SUMMARY_SINCE = {
    "24h": timedelta(days=1),
    "1d": timedelta(days=1),
    "7d": timedelta(days=7),
    "1w": timedelta(days=7),
    "14d": timedelta(days=14),
    "2w": timedelta(days=14),
}


def summary_period(since: str | None) -> timedelta:
    """The look-back of `--summary` (24h unless --since says 7d or 14d)."""
    if since is None:
        return SUMMARY_SINCE["24h"]
    period = SUMMARY_SINCE.get(since.strip().lower())
    if period is None:
        raise UsageError(
            f"--since {shown(since)}: with --summary, AWS's job summaries cover 24h, 7d or 14d"
        )
    return period


def iso(moment: datetime | None) -> str | None:
    """UTC ISO 8601 with a trailing Z, or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def summarize_jobs(
    args: argparse.Namespace,
    kinds: Sequence[str],
    states: Sequence[str],
    wanted_accounts: Sequence[str],
    period: timedelta,
    as_json: bool,
) -> int:
    """Read and print the summaries; return the exit code."""
    from drconsole.account_choice import account_labels, select_accounts
    from drconsole.aws.inventory import Inventory
    from drconsole.aws.session import AwsSessions
    from drconsole.commands._ls_output import error_json, scope_json, scope_line
    from drconsole.config import load_settings

    settings = replace(load_settings(args), read_only=True)
    sessions = AwsSessions(settings)
    org = Inventory(sessions, max_workers=settings.max_workers).organization()
    names = {a.id: a.name for a in org.accounts}
    accounts = select_accounts(wanted_accounts, org.accounts)
    regions = settings.regions
    now = datetime.now(UTC)
    found = read_job_summaries(
        sessions, org, regions, period, now, kinds, max_workers=settings.max_workers
    )
    ids = {a.id for a in accounts}
    rows = [r for r in found.rows if r.account_id in ids and (not states or r.state in states)]
    scope = scope_json(accounts, len(org.accounts), regions, settings.regions_source)
    start, end = found.window()
    scope["summaries"] = {
        "available": found.available,
        "reason": found.unavailable or None,
        "cause": str(found.cause) if found.cause else None,
        "aggregation_period": found.period,
        "kinds": list(kinds),
        "states": list(states),
        "start": iso(start),
        "end": iso(end),
        "calls": found.calls,
        # The (kind, Region) pairs whose counts could not be read: their items are missing,
        # so a total over the items is a lower bound, never a count.
        "unread": [{"kind": k, "region": r} for k, r in found.unread()],
    }
    errors = [error_json(e, names) for e in found.errors]
    if as_json:
        items = [row_json(r, names) for r in rows]
        document = {"items": items, "errors": errors, "scope": scope}
        sys.stdout.write(json.dumps(document, indent=1) + "\n")
    elif found.available:
        labels = account_labels(org.accounts)
        print_summary_table(rows, kinds, regions, labels, set(found.unread()))
    if not as_json:
        line = scope_line(scope, account_labels(org.accounts))
        print(f"drconsole: {line}; {summary_scope(found)}", file=sys.stderr)
        if not found.available:
            cause = f" [{found.cause}]" if found.cause else ""
            print(
                f"drconsole: job summaries not available: {found.unavailable}{cause}; "
                "`drconsole ls jobs --state FAILED --since 24h` lists each account's jobs",
                file=sys.stderr,
            )
        else:
            for error in found.errors:
                kind = KIND_OF_OPERATION.get(error.operation, error.operation)
                print(
                    f"drconsole: {kind} counts in {error.region} not read (`?` in the table): "
                    f"{error.message} [{error.cause}]",
                    file=sys.stderr,
                )
    # A count that could not be read is an AWS failure even when the others answered: the
    # table's totals would otherwise pass for the whole organization's.
    return 0 if found.available and not found.errors else 3


def summary_scope(found: JobSummaries) -> str:
    """How the counts were read: 'job summaries ONE_DAY since 2026-12-02 00:00Z from the
    management account (7 calls)'."""
    if not found.available:
        return f"job summaries {found.period}: not available"
    start, _ = found.window()
    since = f" since {start.astimezone(UTC):%Y-%m-%d %H:%MZ}" if start else ""
    return f"job summaries {found.period}{since} from the management account ({found.calls} calls)"


def row_json(row: SummaryRow, names: dict[str, str]) -> dict[str, Any]:
    """JSON of one summary row."""
    return {
        "kind": row.kind,
        "region": row.region,
        "account_id": row.account_id,
        "account_name": names.get(row.account_id, ""),
        "state": row.state,
        "count": row.count,
        "start": iso(row.start),
        "end": iso(row.end),
    }


def print_summary_table(
    rows: Sequence[SummaryRow],
    kinds: Sequence[str],
    regions: Sequence[str],
    names: dict[str, str],
    unread: set[tuple[str, str]],
) -> None:
    """One line per kind and Region: counts by state and the accounts with problems; `?` in
    every cell of a kind and Region whose counts could not be read (never 0)."""
    from rich.console import Console

    from drconsole.commands._ls_tables import DataTable

    table = DataTable(title="Job summaries")
    for column in ("Kind", "Region", *(s.title() for s in SHOWN_STATES), "Other", "Problems in"):
        table.add_column(column)
    for kind in kinds:
        for region in regions:
            if (kind, region) in unread:
                table.add_row(kind, region, *("?" for _ in SHOWN_STATES), "?", "?")
                continue
            here = [r for r in rows if r.kind == kind and r.region == region]
            states: Counter[str] = Counter()
            problems: Counter[str] = Counter()
            for row in here:
                states[row.state] += row.count
                if row.state in PROBLEM_STATES:
                    problems[names.get(row.account_id) or row.account_id] += row.count
            other = sum(n for state, n in states.items() if state not in SHOWN_STATES)
            ranked = sorted(problems.items(), key=lambda item: (-item[1], item[0]))
            accounts = ", ".join(f"{name} {n}" for name, n in ranked)
            counts = [str(states[s]) for s in SHOWN_STATES]
            table.add_row(kind, region, *counts, str(other), accounts or "-")
    console = Console() if sys.stdout.isatty() else Console(width=400)
    console.print(table)
