"""`drconsole policy simulate`: evaluate an IAM policy offline for one request."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from drconsole import limits
from drconsole.bounded_read import TooLarge, read_bounded
from drconsole.errors import UsageError

# AWS's largest policies (KMS key policies) are 32 KB; a file far beyond that is not a policy.
MAX_POLICY_CHARACTERS = 1024 * 1024
TOO_LARGE = "larger than 1 MiB (AWS policies are at most 32 KB)"

if TYPE_CHECKING:
    from drconsole.policy import Decision, Request


def register(subparsers: Any) -> None:
    """Add `policy` and its `simulate` subcommand."""
    policy = subparsers.add_parser(
        "policy",
        help="work with IAM policies offline",
        description="Work with IAM policies offline (no AWS calls).",
    )
    policy.set_defaults(handler=lambda args: _usage(policy))
    actions = policy.add_subparsers(dest="policy_command", parser_class=type(policy))
    simulate = actions.add_parser(
        "simulate",
        help="evaluate a policy for one request: allow, explicit-deny or implicit-deny",
        description=(
            "Evaluate a policy (identity, vault access, key policy or SCP) for one request. "
            "Exit 0 when allowed, 1 when denied, 2 for bad input."
        ),
    )
    simulate.add_argument(
        "--policy", required=True, metavar="FILE", help="policy JSON, - for stdin"
    )
    simulate.add_argument("--action", required=True, help="e.g. backup:CopyIntoBackupVault")
    simulate.add_argument(
        "--principal",
        required=True,
        help="account id, IAM/STS ARN, or service principal (backup.amazonaws.com)",
    )
    simulate.add_argument("--resource", help="resource ARN (default: none, matched as *)")
    simulate.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="request context key; repeat a key to give it several values",
    )
    simulate.add_argument("--json", action="store_true", help="stable JSON output")
    simulate.set_defaults(handler=run_simulate)


def _usage(parser: argparse.ArgumentParser) -> int:
    """`drconsole policy` alone: name the subcommands."""
    raise UsageError("policy: choose a subcommand: simulate")


def parse_context(pairs: list[str]) -> dict[str, str | list[str]]:
    """`K=V` pairs into a context; a key given more than once (any case) becomes a list."""
    context: dict[str, str | list[str]] = {}
    spelled: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            shown = limits.shown(pair)
            raise UsageError(f"--context {shown}: expected KEY=VALUE, e.g. aws:PrincipalOrgID=o-1")
        name = spelled.setdefault(key.lower(), key)
        if name not in context:
            context[name] = value
        else:
            previous = context[name]
            context[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
    return context


def read_policy(source: str) -> tuple[str, str]:
    """The policy text and a name for messages, from a file or `-` (stdin)."""
    shown = limits.shown_path(source)
    try:
        if source == "-":
            text, source = sys.stdin.read(MAX_POLICY_CHARACTERS + 1), "stdin"
        else:
            # utf-8-sig: a byte-order mark (PowerShell 5's Out-File, Notepad) is no JSON error.
            text = read_bounded(source, MAX_POLICY_CHARACTERS).decode("utf-8-sig")
    except FileNotFoundError:
        raise UsageError(f"--policy {shown}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"--policy {shown}: is a directory") from None
    except PermissionError:
        raise UsageError(f"--policy {shown}: permission denied") from None
    except UnicodeDecodeError:
        raise UsageError(f"--policy {shown}: not UTF-8 text") from None
    except OSError as error:
        raise UsageError(f"--policy {shown}: cannot read it ({error.strerror})") from None
    except ValueError:  # a NUL byte in the path
        raise UsageError(f"--policy {shown}: not a usable file name") from None
    except TooLarge:
        raise UsageError(f"--policy {shown}: {TOO_LARGE}") from None
    if len(text) > MAX_POLICY_CHARACTERS:
        raise UsageError(f"--policy {shown}: {TOO_LARGE}")
    return text.removeprefix("\ufeff"), source


def unwrap_cli_output(text: str) -> str:
    """The policy inside `aws kms get-key-policy` or `aws backup get-backup-vault-access-policy`
    output (`{"Policy": "<policy JSON>", ...}`), so their output can be given as it is."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return text  # the evaluator reports the JSON error with its line and column
    if isinstance(document, dict) and "Statement" not in document:
        inner = document.get("Policy")
        if isinstance(inner, str):
            return inner
    return text


def run_simulate(args: argparse.Namespace) -> int:
    """Evaluate the policy and print the decision; 0 allow, 1 deny."""
    from drconsole.policy import PolicyError, Request, evaluate

    context = parse_context(args.context)
    text, name = read_policy(args.policy)
    request = Request(args.action, args.principal, args.resource, context)
    try:
        decision = evaluate(unwrap_cli_output(text), request)
    except PolicyError as error:
        raise PolicyError(f"policy {name}: {error}") from None
    if args.json:
        document = {
            "decision": decision.decision,
            "statements": [s.to_dict() for s in decision.statements],
            "action": args.action,
            "principal": args.principal,
            "resource": args.resource,
            "warnings": list(decision.warnings),
        }
        print(json.dumps(document, indent=2))
    else:
        _print_decision(decision, request)
    return 0 if decision.allowed else 1


def _print_decision(decision: Decision, request: Request) -> None:
    """The decision, then each deciding statement and why, for people."""
    from rich.console import Console
    from rich.markup import escape as escape_markup

    from drconsole.redact import escape_controls

    def escape(text: str) -> str:
        # What was typed is shown back: neither markup nor control characters reach the terminal.
        return escape_markup(escape_controls(text))

    # No emoji codes either: a Sid `ops:smile:` is shown as written, not as a face.
    console = Console(highlight=False, soft_wrap=True, emoji=False)
    style = {"allow": "bold green", "explicit-deny": "bold red"}.get(
        decision.decision, "bold yellow"
    )
    target = f" on {request.resource}" if request.resource else ""
    console.print(
        f"[{style}]{decision.decision.upper()}[/] "
        f"{escape(request.action)} by {escape(request.principal)}{escape(target)}"
    )
    if decision.decision == "implicit-deny":
        console.print("  no statement allows this request:")
    for result in decision.statements:
        console.print(f"  {escape(result.label)} ({result.effect}): {escape(result.reason)}")
    for warning in decision.warnings:
        console.print(f"[bold yellow]WARN[/] {escape(warning)}")
