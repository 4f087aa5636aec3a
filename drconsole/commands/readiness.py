"""`drconsole readiness`: could every workload account and Region recover right now?

Always read-only (the read-only guard is installed whatever the flags say): it reads the
organization, protected resources, copies, vaults, keys, roles and settings, and judges them
with the copy and restore checks. Exit codes: 0 every row READY; 1 a row is AT RISK, NOT READY
or UNKNOWN; 2 bad input (nothing written); 3 AWS or credential failure.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from drconsole.commands.ls import add_scope_flags


def register(subparsers: Any) -> None:
    """Add `readiness`."""
    parser = subparsers.add_parser(
        "readiness",
        help="could every account and Region recover right now (one verdict per row)",
        description=(
            "One row per workload account and Region with protected resources: current RPO, "
            "DR copies in the backup account, copy-back and restore checks, drills, and a "
            "verdict (READY, AT RISK, NOT READY, UNKNOWN) with the causes that decided it. "
            "Exit 0 when every row is READY, 1 otherwise."
        ),
    )
    add_scope_flags(parser, "only this account (id or name; repeatable or comma-separated)")
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    parser.add_argument(
        "--html", metavar="FILE", help="also write a self-contained HTML report to FILE"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Handler of `drconsole readiness`."""
    from dataclasses import replace

    from drconsole.aws.session import AwsSessions
    from drconsole.commands._readiness_output import (
        check_html_target,
        print_json,
        print_tables,
        scope_text,
        write_html,
    )
    from drconsole.commands.ls import check_account_flags
    from drconsole.config import load_settings
    from drconsole.readiness import evaluate_readiness
    from drconsole.readiness.engine import objectives_of
    from drconsole.redact import escape_controls

    accounts = check_account_flags(args.account)
    html = check_html_target(args.html) if args.html is not None else None
    settings = replace(load_settings(args), read_only=True)
    objectives = objectives_of(settings)  # a malformed objective is exit 2 before any call
    sessions = AwsSessions(settings)
    report = evaluate_readiness(sessions, accounts=accounts or None, objectives=objectives)
    if html is not None:
        write_html(report, html)
    if args.json:
        print_json(report)
    else:
        print_tables(report)
        sys.stderr.write(f"drconsole: {scope_text(report, settings.regions_source)}\n")
        if html is not None:
            sys.stderr.write(f"wrote {html}\n")
    for key in report.unmatched_objectives:  # a looser objective applies where it was meant
        sys.stderr.write(
            f"drconsole: warning: [rpo_objectives] {escape_controls(repr(key))} names no "
            "account or OU of the organization: it applies to nothing\n"
        )
    for skipped in report.skipped:  # accounts that could not be evaluated at all
        where = f"{skipped.account_id} {skipped.region}"
        sys.stderr.write(f"drconsole: account {where}: {skipped.message} [{skipped.cause}]\n")
    return 0 if report.ready else 1
