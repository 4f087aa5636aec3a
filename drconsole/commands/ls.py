"""`drconsole ls accounts|vaults|recovery-points|jobs`: the inventory as tables or JSON.

Always read-only: the read-only guard is installed whatever the flags say. Exit codes: 0 when
at least one account and Region answered (failures of the others are listed: on stderr for
tables, in "errors" for JSON); 3 when every account and Region failed, or when credentials or
the organization could not be read; 2 for bad input (--since, --account, --resource-type).
"""

from __future__ import annotations

import argparse
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from drconsole import limits
from drconsole.errors import UsageError
from drconsole.flows.restore_time import is_date_alone
from drconsole.resource_types import LISTED_TYPES

KINDS = ("accounts", "vaults", "recovery-points", "jobs")
DURATION = re.compile(r"^(\d{1,15})\s*([mhdw])$", re.ASCII)
MAX_SINCE_SECONDS = 100 * 366 * 86400
MAX_ACCOUNT_NAME = 50  # AWS Organizations: account names are 1 to 50 characters
UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def register(subparsers: Any) -> None:
    """Add `ls`."""
    parser = subparsers.add_parser(
        "ls",
        help="list accounts, vaults, recovery points or jobs",
        description="The inventory across accounts and Regions, as a table or as JSON.",
    )
    parser.add_argument("kind", choices=KINDS, help="what to list")
    add_scope_flags(parser, "only this account (id or name; repeatable)")
    parser.add_argument("--vault", action="append", metavar="NAME|ARN", help="only this vault")
    parser.add_argument(
        "--resource-type", metavar="TYPE", help="only recovery points of this type (e.g. RDS)"
    )
    parser.add_argument(
        "--since",
        metavar="DURATION|DATE",
        help="only items created since: 30m, 24h, 7d, 2w, or 2026-11-01[T08:00:00Z]",
    )
    parser.add_argument(
        "--before",
        metavar="TIME|DURATION",
        help="only recovery points created before: 2026-12-05T14:32+05:30, 2026-12-05T09:02Z, "
        "or 2h (ago); the table is newest first: its first line is the last one before it",
    )
    parser.add_argument(
        "--state",
        action="append",
        metavar="STATE",
        help="only jobs in this state, e.g. FAILED (repeatable or comma-separated)",
    )
    parser.add_argument(
        "--kind",
        dest="job_kind",
        action="append",
        metavar="backup|copy|restore",
        help="only jobs of this kind (repeatable or comma-separated; default: all three)",
    )
    parser.add_argument(
        "--summary",
        action="store_true",
        help="jobs: only AWS's counts per kind, Region, account and state (from the management "
        "account; --since 24h, 7d or 14d)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    parser.set_defaults(handler=run)


def add_scope_flags(parser: argparse.ArgumentParser, account_help: str) -> None:
    """`--account` and `--region` of a command that reads accounts and Regions (ls, readiness)."""
    parser.add_argument("--account", action="append", metavar="ID|NAME", help=account_help)
    # Same destination as the global --region flag; SUPPRESS keeps a global value.
    parser.add_argument(
        "--region",
        "--regions",
        dest="regions",
        action="append",
        default=argparse.SUPPRESS,
        metavar="REGION",
        help="only this Region (repeatable or comma-separated)",
    )


def parse_since(value: str, now: datetime | None = None, flag: str = "--since") -> datetime:
    """`7d` / `24h` / `30m` / `2w` ago, an ISO date (that UTC day), or an ISO date-time with
    its zone (Z or an offset): a time without one is refused, not guessed."""
    now = now or datetime.now(UTC)
    text = value.strip()
    match = DURATION.match(text)
    if match:
        seconds = int(match.group(1)) * UNIT_SECONDS[match.group(2)]
        if seconds > MAX_SINCE_SECONDS:
            raise UsageError(f"{flag} {limits.shown(value)}: at most 100 years back")
        return now - timedelta(seconds=seconds)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        moment.astimezone(UTC)  # an offset that pushes it past year 1 or 9999 fails here
    except OverflowError:
        raise UsageError(f"{flag} {limits.shown(value)}: before year 1 or after 9999") from None
    except ValueError:
        raise UsageError(
            f"{flag} {limits.shown(value)}: expected a duration (30m, 24h, 7d, 2w) "
            "or a date (2026-11-01 or 2026-11-01T08:00:00Z)"
        ) from None
    if moment.tzinfo is None and not is_date_alone(text):
        # 14:32 of whose clock? A guess is an hour or more off for most of the world.
        raise UsageError(
            f"{flag} {limits.shown(value)}: a time needs its zone, e.g. "
            f"{moment:%Y-%m-%dT%H:%M}Z (UTC) or {moment:%Y-%m-%dT%H:%M}+05:30"
        )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # a date alone: that UTC day, as AWS counts days
    if moment > now:
        raise UsageError(f"{flag} {limits.shown(value)} is in the future")
    return moment


def parse_resource_type(value: str | None) -> str | None:
    """The canonical AWS Backup resource type for `value` (case-insensitive)."""
    if value is None:
        return None
    for known in LISTED_TYPES:
        if known.lower() == value.strip().lower():
            return known
    known_types = ", ".join(LISTED_TYPES)
    # A type AWS added after this list is listed all the same, only not filtered by this flag.
    raise UsageError(
        f"--resource-type {limits.shown(value)}: unknown resource type (known: {known_types}); "
        "for a type added since, list without --resource-type and keep its rows: "
        "drconsole ls recovery-points --json | jq '.items[] | select(.resource_type == \"TYPE\")'"
    )


def check_account_flags(values: list[str] | None) -> list[str]:
    """Account flags look like an id (12 digits) or a name; checked against the org later."""
    accounts = [part.strip() for value in values or [] for part in value.split(",")]
    for account in accounts:
        if not account:
            raise UsageError("--account: empty value")
        if account.isdigit() and (len(account) != 12 or not account.isascii()):
            raise UsageError(f"--account {limits.shown(account)}: an account id has 12 digits")
        if limits.has_controls(account) or len(account) > MAX_ACCOUNT_NAME:
            raise UsageError(
                f"--account {limits.shown(account)}: expected a 12-digit id or an account name "
                f"(at most {MAX_ACCOUNT_NAME} printable characters)"
            )
    return accounts


def _split(values: list[str] | None) -> list[str]:
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def parse_job_filters(
    kinds: list[str] | None, states: list[str] | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The job kinds and states asked for, checked against AWS's job states."""
    from drconsole.aws.job_history import KINDS, STATES

    chosen = tuple(dict.fromkeys(k.lower() for k in _split(kinds))) or KINDS
    for kind in chosen:
        if kind not in KINDS:
            raise UsageError(f"--kind {kind!r}: expected backup, copy or restore")
    wanted = tuple(dict.fromkeys(s.upper() for s in _split(states)))
    known = sorted({state for kind in chosen for state in STATES[kind]})
    for state in wanted:
        if state not in known:
            raise UsageError(
                f"--state {state!r}: not a state of {'/'.join(chosen)} jobs "
                f"(known: {', '.join(known)})"
            )
    return chosen, wanted


def run(args: argparse.Namespace) -> int:
    """Handler of `drconsole ls`."""
    if args.before is not None and (args.summary or args.kind != "recovery-points"):
        raise UsageError(f"ls {args.kind}: --before applies to recovery-points")
    if args.summary:
        return run_summary(args)
    since = parse_since(args.since) if args.since else None
    before = parse_since(args.before, flag="--before") if args.before else None
    if before is not None and since is not None and since >= before:
        raise UsageError(
            f"--since {limits.shown(args.since)} is not before --before "
            f"{limits.shown(args.before)}: no recovery point can be in between"
        )
    resource_type = parse_resource_type(args.resource_type)
    accounts = check_account_flags(args.account)
    if args.kind != "jobs" and (args.state or args.job_kind):
        raise UsageError(f"ls {args.kind}: --state and --kind apply to jobs")
    # Only jobs have kinds and states; checking them loads the job readers, which the other
    # listings do not need before their first line.
    job_kinds, job_states = (
        parse_job_filters(args.job_kind, args.state) if args.kind == "jobs" else ((), ())
    )
    if args.kind in ("accounts", "jobs") and (args.vault or resource_type):
        raise UsageError(f"ls {args.kind}: --vault and --resource-type apply to vaults and points")
    if args.kind in ("accounts", "vaults") and since is not None:
        raise UsageError(f"ls {args.kind}: --since applies to recovery-points and jobs")

    from drconsole.commands._ls_output import Listing, list_inventory
    from drconsole.commands._ls_vault_flags import checked_vault_flags

    listing = Listing(
        kind=args.kind,
        accounts=tuple(accounts),
        vaults=checked_vault_flags(args.vault),
        resource_type=resource_type,
        since=since,
        before=before,
        as_json=bool(args.json),
        job_kinds=job_kinds,
        job_states=job_states,
    )
    return list_inventory(args, listing)


def run_summary(args: argparse.Namespace) -> int:
    """`ls jobs --summary`: AWS's job counts instead of the jobs."""
    from drconsole.commands._ls_summary import summarize_jobs, summary_period

    if args.kind != "jobs":
        raise UsageError(f"ls {args.kind}: --summary applies to jobs")
    if args.vault or args.resource_type:
        raise UsageError("ls jobs: --vault and --resource-type apply to vaults and points")
    period = summary_period(args.since)
    accounts = check_account_flags(args.account)
    kinds, states = parse_job_filters(args.job_kind, args.state)
    return summarize_jobs(args, kinds, states, accounts, period, bool(args.json))
