"""`drconsole credentials set|list|delete`: break-glass credentials in the OS keyring.

`set NAME` asks for the access key id and secret key (hidden) and the optional MFA device ARN
in a terminal (a wrong answer is asked again with the reason), or reads them from standard
input when it is not a terminal (or with --stdin), as `key = value` lines named like the AWS
credentials file:

    aws_access_key_id = AKIA...
    aws_secret_access_key = ...
    mfa_serial = arn:aws:iam::123456789012:mfa/ops      (optional)

Blank lines, `# comments` and `[section]` headers are ignored. Exit codes: 0 done; 2 bad input
or read-only mode (nothing stored or deleted); 3 no usable OS keyring (nothing stored).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from drconsole.errors import UsageError

ACTIONS = ("set", "list", "delete")
STDIN_KEYS = ("aws_access_key_id", "aws_secret_access_key", "mfa_serial")
MAX_STDIN = 64 * 1024


def register(subparsers: Any) -> None:
    """Add `credentials set|list|delete`."""
    parser = subparsers.add_parser(
        "credentials",
        help="break-glass credentials in the OS keyring (used with --break-glass NAME)",
        description=(
            "Keep an IAM user's access key in the OS keyring for when single sign-on is down; "
            "`drconsole --break-glass NAME ...` then acts with it."
        ),
    )
    actions = parser.add_subparsers(
        dest="credentials_action",
        metavar="{set,list,delete}",
        required=True,
        parser_class=type(parser),
    )
    put = actions.add_parser("set", help="store (or replace) credentials under NAME")
    put.add_argument("name", metavar="NAME", help="a short name, e.g. ops")
    put.add_argument(
        "--stdin",
        action="store_true",
        help="read key = value lines from standard input even in a terminal",
    )
    put.set_defaults(handler=run_set)
    show = actions.add_parser(
        "list", help="stored names, masked access key ids, and whether an MFA device is set"
    )
    show.add_argument("--json", action="store_true", help="one JSON document on stdout")
    show.set_defaults(handler=run_list)
    remove = actions.add_parser("delete", help="remove the credentials stored under NAME")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(handler=run_delete)


def parse_stdin(text: str) -> dict[str, str]:
    """The `key = value` lines of standard input (see the module docstring)."""
    found: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, sep, value = line.partition("=")
        key = key.strip().lower()
        where = f"standard input line {number}"
        if not sep:
            raise UsageError(f"{where}: expected `key = value` (keys: {', '.join(STDIN_KEYS)})")
        if key not in STDIN_KEYS:
            from drconsole import limits

            raise UsageError(
                f"{where}: unknown key {limits.shown(key, 40)} (keys: {', '.join(STDIN_KEYS)})"
            )
        if key in found:
            raise UsageError(f"{where}: {key} given twice")
        found[key] = value.strip()
    for key in STDIN_KEYS[:2]:
        if not found.get(key):
            raise UsageError(f"standard input: {key} is missing (expected `{key} = ...`)")
    return found


def read_stdin() -> dict[str, str]:
    """The answers from standard input."""
    data = sys.stdin.buffer.read(MAX_STDIN + 1) if sys.stdin is not None else b""
    if len(data) > MAX_STDIN:
        raise UsageError(f"standard input: more than {MAX_STDIN // 1024} KiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError("standard input: not UTF-8 text") from None
    return parse_stdin(text)


def reason_if_wrong(check: Callable[[str], object]) -> Callable[[str], bool | str]:
    """A questionary validator: True, or the reason the answer is refused (asked again)."""

    def validate(answer: str) -> bool | str:
        try:
            check(answer)
        except UsageError as error:
            return str(error)
        return True

    return validate


def ask(name: str) -> dict[str, str]:
    """The answers from a person at the terminal (key and secret hidden); a wrong answer is
    asked again with the reason."""
    import questionary

    from drconsole import credential_shapes as shapes

    answers = {
        "aws_access_key_id": questionary.password(
            f"Access key id for '{name}'", validate=reason_if_wrong(shapes.access_key_id)
        ).ask(),
        "aws_secret_access_key": questionary.password(
            "Secret access key", validate=reason_if_wrong(shapes.secret_access_key)
        ).ask(),
        "mfa_serial": questionary.text(
            "MFA device ARN (Enter for none)", validate=reason_if_wrong(shapes.mfa_serial)
        ).ask(),
    }
    if any(value is None for value in answers.values()):
        raise KeyboardInterrupt  # Ctrl-C in a prompt: nothing stored
    return answers


def refuse_in_read_only(args: argparse.Namespace, why: str, *, new_file_ok: bool = False) -> None:
    """Read-only mode changes nothing, the keyring and the config file included: the
    break-glass credentials an incident needs are neither replaced nor deleted, and `init`
    does not rewrite the settings (the settings decide, as for the journal)."""
    from drconsole.config import read_only_setting
    from drconsole.errors import ReadOnlyViolation

    if read_only_setting(args, new_file_ok=new_file_ok):
        raise ReadOnlyViolation(
            f"read-only mode is on: {why}, so it was refused before any change; "
            "run without --read-only"
        )


def run_set(args: argparse.Namespace) -> int:
    """Handler of `credentials set`."""
    from drconsole import credential_shapes as shapes
    from drconsole.aws.keyring_store import BreakGlassCredentials, KeyringStore, masked_key_id

    name = shapes.credentials_name(args.name)
    refuse_in_read_only(args, "storing break-glass credentials writes the OS keyring")
    store = KeyringStore()  # no usable keyring: said before anything is typed
    interactive = not args.stdin and sys.stdin is not None and sys.stdin.isatty()
    answers = ask(name) if interactive else read_stdin()
    credentials = BreakGlassCredentials(
        name=name,
        access_key_id=shapes.access_key_id(answers.get("aws_access_key_id") or ""),
        secret_access_key=shapes.secret_access_key(answers.get("aws_secret_access_key") or ""),
        mfa_serial=shapes.mfa_serial(answers.get("mfa_serial")),
    )
    replaced = store.put(credentials)
    device = f", MFA device {credentials.mfa_serial}" if credentials.mfa_serial else ""
    print(
        f"{'replaced' if replaced else 'stored'} break-glass credentials '{name}' "
        f"(key {masked_key_id(credentials.access_key_id)}{device}) in the OS keyring "
        f"({type(store.backend).__module__}); use them with `drconsole --break-glass {name} ...`"
    )
    return 0


def run_list(args: argparse.Namespace) -> int:
    """Handler of `credentials list`."""
    from drconsole.aws.keyring_store import KeyringStore, masked_key_id
    from drconsole.errors import CredentialStoreError

    store = KeyringStore()
    rows: list[dict[str, Any]] = []
    for name in store.names():
        try:
            found, damaged = store.get(name), None
        except CredentialStoreError as error:
            # One damaged entry is said on its row; the others are still listed.
            found, damaged = None, str(error)
        row: dict[str, Any] = {
            "name": name,
            "access_key_id": masked_key_id(found.access_key_id) if found else None,
            "mfa": bool(found and found.mfa_serial),
        }
        if damaged is not None:
            row["damaged"] = damaged
        rows.append(row)
    if args.json:
        print(json.dumps({"credentials": rows}, indent=2))
        return 0
    if not rows:
        print("no break-glass credentials stored (add some: drconsole credentials set NAME)")
        return 0
    width = max(len(str(row["name"])) for row in rows)
    print(f"{'NAME':<{width}}  ACCESS KEY  MFA")
    for row in rows:
        key = row["access_key_id"] or ("(damaged)" if "damaged" in row else "(entry missing)")
        print(f"{row['name']:<{width}}  {key:<10}  {'yes' if row['mfa'] else 'no'}")
    for row in rows:
        if "damaged" in row:
            print(f"drconsole: {row['damaged']}", file=sys.stderr)
    return 0


def run_delete(args: argparse.Namespace) -> int:
    """Handler of `credentials delete`."""
    from drconsole import credential_shapes as shapes
    from drconsole.aws.keyring_store import KeyringStore

    name = shapes.credentials_name(args.name)
    refuse_in_read_only(args, "deleting break-glass credentials writes the OS keyring")
    KeyringStore().delete(name)
    print(f"deleted break-glass credentials '{name}' from the OS keyring")
    return 0
