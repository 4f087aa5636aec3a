"""The flags of `copy` and `restore` (and `--poll-interval` of `jobs`), and their checks."""

from __future__ import annotations

import argparse
import re

from drconsole import limits
from drconsole.errors import UsageError


def add_flow_flags(parser: argparse.ArgumentParser) -> None:
    """Flags of `copy` and `restore`."""
    parser.add_argument(
        "--metadata",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="restore metadata replacing the form's default (repeatable)",
    )
    parser.add_argument("--yes", action="store_true", help="do not ask: run headless")
    parser.add_argument("--json", action="store_true", help="JSON lines of events, then a result")
    parser.add_argument(
        "--source-account",
        metavar="ID",
        help="account holding the recovery point, for EBS/EC2 ARNs that omit it",
    )
    add_poll_flag(parser)
    parser.add_argument(
        "--allow-backup-account-restore",
        action="store_true",
        help="with --yes: restore even in the central backup account (asked without --yes)",
    )
    parser.add_argument(
        "--restore-role",
        metavar="NAME",
        help="restore role name or ARN in the restoring account "
        "(default service-role/AWSBackupDefaultServiceRole)",
    )


def add_poll_flag(parser: argparse.ArgumentParser) -> None:
    """`--poll-interval`: the watcher's first (shortest) interval between two polls of a job."""
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="first interval between two polls of a job; it grows to 30 s while nothing "
        "changes (default 1)",
    )


def poll_interval(args: argparse.Namespace) -> float:
    """The validated `--poll-interval`."""
    value = float(args.poll_interval)
    if not 0.05 <= value <= 30:
        raise UsageError(f"--poll-interval {value:g}: expected 0.05 to 30 seconds")
    return value


def parse_metadata(values: list[str]) -> dict[str, str]:
    """`K=V` pairs -> dict; a malformed pair, or a key given twice (in any case), is one line
    naming it (exit 2). A secret-named value (a password) is redacted wherever it is printed;
    given as `-`, it is asked for or read from standard input (_secret_input.py), once every
    pair is known to be well formed."""
    from drconsole.commands._secret_input import READ_IT, read_secret
    from drconsole.flows.metadata_keys import duplicates
    from drconsole.redact import is_secret_name, register_secret

    metadata: dict[str, str] = {}
    keys: list[str] = []
    for value in values:
        key, sep, item = value.partition("=")
        if not sep or not key.strip():
            # `MasterUserPassword:Hunter2` typed for `=`: the value may be a password, so only
            # the part before a `:` or a space is shown.
            head = re.split(r"[:=\s]", value.strip(), maxsplit=1)[0]
            cut = " ..." if head != value.strip() else ""
            raise UsageError(f"--metadata {limits.shown(head, 60)}{cut}: expected KEY=VALUE")
        key, item = limits.metadata_pair(key.strip(), item)
        keys.append(key)
        metadata[key] = item
    duplicates(keys)
    for key, item in metadata.items():
        if is_secret_name(key):
            if item == READ_IT:
                metadata[key] = item = limits.metadata_pair(key, read_secret(key))[1]
            register_secret(item)
    return metadata


def account_flag(value: str | None, flag: str) -> str | None:
    """A 12-digit account id flag, or a UsageError."""
    if value is not None and not (len(value) == 12 and value.isascii() and value.isdigit()):
        raise UsageError(f"{flag} {limits.shown(value)}: expected a 12-digit account id")
    return value
