"""`drconsole copy`: copy a recovery point back into a vault (and restore it), headless or asked.

Exit codes: 0 done; 1 a check or job failed (with the cause from `explain`); 2 bad input or
read-only mode; 3 AWS refused a call.
"""

from __future__ import annotations

import argparse
from typing import Any

from drconsole.commands._flow_flags import add_flow_flags


def register(subparsers: Any) -> None:
    """Add `copy` and its flags."""
    parser = subparsers.add_parser(
        "copy",
        help="copy a recovery point to a vault (and restore it there)",
        description="Copy a recovery point into a vault of another account or Region, in one "
        "or two hops, checking every prerequisite first; with --restore, restore the copy.",
    )
    parser.add_argument("--recovery-point", required=True, metavar="ARN")
    parser.add_argument("--to", metavar="VAULT_ARN", help="destination vault ARN (asked if absent)")
    parser.add_argument("--restore", action="store_true", help="restore the copy once it is made")
    parser.add_argument(
        "--route",
        choices=("auto", "single", "two-hop"),
        default="auto",
        help="auto: one copy job, two hops if AWS refuses it (databases across account and "
        "Region); single: never two hops; two-hop: two hops for such database copies",
    )
    parser.add_argument(
        "--cleanup-intermediate",
        action="store_true",
        help="delete the intermediate copy of a two-hop route once the final copy completes "
        "(kept in a locked vault)",
    )
    parser.add_argument(
        "--delete-after-days",
        type=int,
        metavar="N",
        help="retention of the copies in days, counted from the recovery point's creation "
        "date (default: the point's own, or its age + 7 when that leaves the copy less)",
    )
    parser.add_argument(
        "--copy-role",
        metavar="NAME",
        help="copy role name (or ARN) in the account starting each copy job "
        "(default service-role/AWSBackupDefaultServiceRole)",
    )
    parser.add_argument(
        "--allow-duplicate-copy",
        action="store_true",
        help="with --yes: copy even when the destination vault already holds (or is receiving) "
        "this recovery point's copy (asked without --yes)",
    )
    add_flow_flags(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Validate the input, plan and check, confirm, then run the flow."""
    from drconsole import limits
    from drconsole.checks.arns import (
        checked_source_account,
        parse_recovery_point_arn,
        parse_vault_arn,
    )
    from drconsole.commands import _flow_cli as cli
    from drconsole.commands import _flow_flags as flags
    from drconsole.commands._flow_events import EventPrinter
    from drconsole.errors import UsageError
    from drconsole.flows.role_accounts import RoleUse, refuse_foreign_roles

    recovery_point = parse_recovery_point_arn(args.recovery_point)  # parsed once, here
    metadata = flags.parse_metadata(args.metadata)
    if metadata and not args.restore:
        raise UsageError("--metadata needs --restore (it is the restore's metadata)")
    source_account = checked_source_account(
        recovery_point, flags.account_flag(args.source_account, "--source-account")
    )
    limits.delete_after_days(args.delete_after_days)
    limits.role(args.copy_role, "--copy-role")
    limits.role(args.restore_role, "--restore-role")
    destination = parse_vault_arn(args.to) if args.to is not None else None
    cli.require_confirmation_path(args)
    if args.to is None:
        if not cli.interactive(args):
            raise UsageError("--to VAULT_ARN is required with --yes")
        import questionary

        answer = questionary.text(
            "Destination vault ARN",
            validate=lambda text: _vault_problem(text) or True,
        ).ask()
        if answer is None:
            return cli.EXIT_FAILED
        destination = parse_vault_arn(answer)
    use = RoleUse.of(
        recovery_point, source_account, destination, restore=args.restore, route_mode=args.route
    )
    refuse_foreign_roles(use, args.copy_role, args.restore_role)  # before any AWS call
    printer = EventPrinter(args.json)
    engine = cli.engine_for(args, printer)
    try:
        prepared = engine.prepare(
            recovery_point,
            destination,
            restore=args.restore,
            metadata=metadata,
            account_hint=source_account,
            restore_role=args.restore_role,
            route_mode=args.route,
            cleanup_intermediate=args.cleanup_intermediate,
            delete_after_days=args.delete_after_days,
            copy_role=args.copy_role,
        )
    except BaseException as error:
        engine.close()
        cli.print_error_result(args, error)
        raise
    return cli.run_flow(args, engine, prepared, printer)


def _vault_problem(text: str) -> str:
    from drconsole.checks.arns import parse_vault_arn
    from drconsole.errors import UsageError

    try:
        parse_vault_arn(text)
    except UsageError as error:
        return str(error)
    return ""
