"""`drconsole check copy|restore`: prerequisite checks before a copy or a restore.

Exit codes: 0 every check PASS or WARN; 1 a check FAILed or stayed UNKNOWN (a prerequisite
that could not be verified is not a green light); 2 bad input (malformed ARN, metadata);
3 AWS or credential error.
"""

from __future__ import annotations

import argparse
import re
from typing import Any

from drconsole import limits
from drconsole.commands._flow_flags import parse_metadata
from drconsole.errors import UsageError


def register(subparsers: Any) -> None:
    """Add `check copy` and `check restore`."""
    parser = subparsers.add_parser(
        "check",
        help="prerequisite checks before a copy or restore",
        description="Check every prerequisite of a copy or restore before starting it.",
    )
    kinds = parser.add_subparsers(
        dest="check_kind", metavar="{copy,restore}", required=True, parser_class=type(parser)
    )
    copy = kinds.add_parser("copy", help="checks for copying a recovery point to a vault")
    copy.add_argument(
        "--recovery-point", required=True, metavar="ARN", help="the recovery point to copy"
    )
    copy.add_argument("--to", required=True, metavar="VAULT_ARN", help="destination vault ARN")
    copy.add_argument(
        "--role-arn",
        metavar="ARN",
        help="role passed to StartCopyJob (default: the source account's "
        "AWSBackupDefaultServiceRole)",
    )
    copy.add_argument(
        "--delete-after-days",
        type=int,
        metavar="N",
        help="the retention the copy will be started with, in days counted from the recovery "
        "point's creation date (default: as drconsole copy sends it)",
    )
    copy.add_argument("--fix", action="store_true", help="offer the fixes drconsole can apply")
    copy.add_argument("--yes", action="store_true", help="apply fixes without asking")
    copy.add_argument(
        "--restore",
        action="store_true",
        help="also check the restore that follows the copy, in the destination's account and "
        "Region",
    )
    _common(copy)
    copy.set_defaults(handler=run_check_copy)

    restore = kinds.add_parser("restore", help="checks for restoring a recovery point")
    restore.add_argument(
        "--recovery-point", required=True, metavar="ARN", help="the recovery point to restore"
    )
    restore.add_argument(
        "--metadata",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="restore metadata overriding AWS's (repeatable)",
    )
    restore.add_argument("--role-arn", metavar="ARN", help="role passed to StartRestoreJob")
    restore.add_argument(
        "--account",
        metavar="ID",
        help="the account to restore into (default: the recovery point's)",
    )
    restore.add_argument(
        "--to",
        metavar="VAULT_ARN",
        help="the restore follows a copy into this vault: check it in the vault's account and "
        "Region (its role, its names, the key the copy will have)",
    )
    _common(restore)
    restore.set_defaults(handler=run_check_restore)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--source-account",
        metavar="ID",
        help="account holding the recovery point, for EBS/EC2 ARNs that omit it (default: "
        "searched in the caller's, the backup account, then the organization's accounts)",
    )
    parser.add_argument("--json", action="store_true", help="stable JSON on stdout")


def _account(value: str | None, flag: str) -> str | None:
    if value is not None and not (len(value) == 12 and value.isascii() and value.isdigit()):
        raise UsageError(f"{flag} {limits.shown(value)}: expected a 12-digit account id")
    return value


def _role_arn(value: str | None) -> str | None:
    if value is not None and not re.fullmatch(
        r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+", value
    ):
        shown = limits.shown(value)
        raise UsageError(f"--role-arn {shown}: expected arn:aws:iam::ACCOUNT:role/NAME")
    limits.role(value, "--role-arn")
    return value


def _sessions(args: argparse.Namespace) -> Any:
    from drconsole.aws.session import AwsSessions
    from drconsole.config import load_settings

    return AwsSessions(load_settings(args))


def run_check_copy(args: argparse.Namespace) -> int:
    """Run the copy checks (and, with --fix, the fixes); print them; return the exit code."""
    from drconsole.checks.arns import (
        checked_source_account,
        parse_recovery_point_arn,
        parse_vault_arn,
    )
    from drconsole.checks.runner import run_copy_checks
    from drconsole.commands import _check_output as check_output

    point = parse_recovery_point_arn(args.recovery_point)
    parse_vault_arn(args.to)
    source_account = _account(args.source_account, "--source-account")
    checked_source_account(point, source_account)
    _role_arn(args.role_arn)
    limits.delete_after_days(args.delete_after_days)
    if args.fix and args.json and not args.yes:
        raise UsageError("--fix with --json needs --yes (there is no one to ask)")
    sessions = _sessions(args)
    if args.fix and sessions.read_only:
        raise UsageError("--fix refused: read-only mode is on (fixes change AWS resources)")

    def run() -> Any:
        from drconsole.flows.hop_checks import with_second_hop

        report = run_copy_checks(
            sessions,
            args.recovery_point,
            args.to,
            role_arn=args.role_arn,
            delete_after_days=args.delete_after_days,
            account_hint=source_account,
            regions_down_unknown=True,
        )
        # A route that needs two hops: the second hop too, as `drconsole copy` judges it.
        role_name = args.role_arn.split(":role/", 1)[1] if args.role_arn else None
        return with_second_hop(sessions, report, role_name, args.delete_after_days)

    report = run()
    fixes: list[dict[str, Any]] = []
    if args.fix:
        fixes = check_output.offer_fixes(sessions, report, assume_yes=args.yes, quiet=args.json)
        if any(f["applied"] for f in fixes):
            report = run()
    restore = None
    if args.restore:
        from drconsole.checks.runner import run_restore_checks

        restore = run_restore_checks(
            sessions,
            args.recovery_point,
            account_hint=source_account,
            after_copy_to=args.to,
            regions_down_unknown=True,
        )
    if args.json:
        check_output.print_json(report, fixes if args.fix else None, restore)
    else:
        check_output.print_report(report)
        if restore is not None:
            print()
            check_output.print_report(restore)
    return check_output.exit_code(report, restore)


def run_check_restore(args: argparse.Namespace) -> int:
    """Run the restore checks; print them; return the exit code."""
    from drconsole.checks.arns import checked_source_account, parse_recovery_point_arn
    from drconsole.checks.runner import run_restore_checks
    from drconsole.commands import _check_output as check_output
    from drconsole.flows.form_verdict import with_form_verdict

    point = parse_recovery_point_arn(args.recovery_point)
    metadata = parse_metadata(args.metadata)
    account = _account(args.account, "--account")
    source_account = _account(args.source_account, "--source-account")
    checked_source_account(point, source_account)
    _role_arn(args.role_arn)
    if args.to is not None:
        from drconsole.checks.arns import parse_vault_arn

        parse_vault_arn(args.to)
        if account is not None:
            raise UsageError("--account and --to: the restore runs in the --to vault's account")
    sessions = _sessions(args)
    report = run_restore_checks(
        sessions,
        args.recovery_point,
        restoring_account=account,
        role_arn=args.role_arn,
        metadata=metadata,
        account_hint=source_account,
        after_copy_to=args.to,
        regions_down_unknown=True,
    )
    report = with_form_verdict(report, metadata)
    if args.json:
        check_output.print_json(report, None)
    else:
        check_output.print_report(report)
    return check_output.exit_code(report)
