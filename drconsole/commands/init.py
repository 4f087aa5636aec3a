"""`drconsole init`: write config.toml from what the AWS config and AWS itself show.

In a terminal it asks each question with a proposed answer; `--yes` takes the flags and the
proposals without asking. It only reads AWS; the one thing it writes is the config file (mode
0600), after showing it (and a diff of the old one) and, in a terminal, asking.
"""

from __future__ import annotations

import argparse
from typing import Any

ACCOUNT_HELP = "12-digit account id"


def register(subparsers: Any) -> None:
    """Add `init` and its flags."""
    parser = subparsers.add_parser(
        "init",
        help="set up config.toml from your AWS config and organization",
        description=(
            "Pick AWS credentials, read the caller identity and the organization, propose the "
            "backup account, the Regions in use, the DR Regions, the member role (tested by "
            "assuming it), read-only mode and the runbooks folder; show the config file and "
            "write it once confirmed (a new file mode 0600; through a symlink, the file it "
            "links to). Only reads AWS. With --yes, no questions: "
            "the flags and the proposals are written (old settings are kept unless a flag "
            "changes them)."
        ),
    )
    parser.add_argument("--yes", "-y", action="store_true", help="ask nothing; write the file")
    parser.add_argument("--backup-account", metavar="ID", help=f"backup account ({ACCOUNT_HELP})")
    parser.add_argument(
        "--management-account", metavar="ID", help=f"management account ({ACCOUNT_HELP})"
    )
    parser.add_argument(
        "--dr-regions", action="append", metavar="REGIONS", help="DR Regions (comma-separated)"
    )
    parser.add_argument(
        "--member-role", metavar="NAME", help="role assumed in member accounts (tested)"
    )
    parser.add_argument(
        "--read-only",
        action=argparse.BooleanOptionalAction,
        # Its own dest: the global --read-only (before `init`) is read-only mode, which
        # refuses init; this one is the value init writes.
        dest="write_read_only",
        default=argparse.SUPPRESS,
        help="start in read-only mode by default (read_only in the file)",
    )
    parser.add_argument("--runbooks-dir", metavar="DIR", help="folder of drill runbooks")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Ask (or take the flags), show, confirm and write."""
    import os

    from drconsole.commands import _init_ask as ask
    from drconsole.commands._init_steps import check_flags, configure

    flags = check_flags(args)
    if args.yes:
        asker: ask.Asker = ask.FlagAsker(flags)
    else:
        ask.require_terminal()
        asker = ask.TerminalAsker(flags)
    try:
        return configure(args, os.environ, asker)
    except KeyboardInterrupt:
        print("drconsole: init cancelled; nothing written")
        return 130
