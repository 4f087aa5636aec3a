"""`drconsole restore`: restore a recovery point in the account that holds it.

Exit codes: 0 done; 1 a check or job failed (with the cause from `explain`); 2 bad input or
read-only mode; 3 AWS refused a call.
"""

from __future__ import annotations

import argparse
from typing import Any

from drconsole.commands._flow_flags import add_flow_flags


def register(subparsers: Any) -> None:
    """Add `restore` and its flags."""
    parser = subparsers.add_parser(
        "restore",
        help="restore a recovery point",
        description="Restore a recovery point in its own account and Region: the metadata form "
        "prefilled from AWS, the restore checks, then StartRestoreJob, watched to its end.",
    )
    parser.add_argument("--recovery-point", required=True, metavar="ARN")
    add_flow_flags(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Validate the input, read the metadata, check, confirm, then restore."""
    from drconsole import limits
    from drconsole.checks.arns import checked_source_account, parse_recovery_point_arn
    from drconsole.commands import _flow_cli as cli
    from drconsole.commands import _flow_flags as flags
    from drconsole.commands._flow_events import EventPrinter
    from drconsole.flows.role_accounts import RoleUse, refuse_foreign_roles

    recovery_point = parse_recovery_point_arn(args.recovery_point)  # parsed once, here
    metadata = flags.parse_metadata(args.metadata)
    source_account = checked_source_account(
        recovery_point, flags.account_flag(args.source_account, "--source-account")
    )
    limits.role(args.restore_role, "--restore-role")
    use = RoleUse.of(recovery_point, source_account, None, restore=True)
    refuse_foreign_roles(use, None, args.restore_role)  # before any AWS call
    cli.require_confirmation_path(args)
    printer = EventPrinter(args.json)
    engine = cli.engine_for(args, printer)
    try:
        prepared = engine.prepare(
            recovery_point,
            None,
            restore=True,
            metadata=metadata,
            account_hint=source_account,
            restore_role=args.restore_role,
        )
    except BaseException as error:
        engine.close()
        cli.print_error_result(args, error)
        raise
    return cli.run_flow(args, engine, prepared, printer)
