"""`drconsole policy simulate`: evaluate an IAM policy offline for one request."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from drconsole import limits
from drconsole.bounded_read import TooLarge, read_bounded
from drconsole.errors import UsageError

# AWS's largest policies (KMS key policies) are 32 KB; a file far beyond that is not a policy.
MAX_POLICY_CHARACTERS = 1024 * 1024
TOO_LARGE = "larger than 1 MiB (AWS policies are at most 32 KB)"
# Between the two, the policy is evaluated with a warning: AWS would not store it.
LARGEST_AWS_POLICY_BYTES = 32 * 1024

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
            "Exit 0 when allowed, 1 when denied, 2 for bad input. An allow of a resource-based "
            "policy that AWS also needs the principal's own identity-based policy for says so."
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


def with_request_time(
    context: dict[str, str | list[str]], now: datetime | None = None
) -> dict[str, str | list[str]]:
    """The context with aws:CurrentTime and aws:EpochTime of a request made now, unless given:
    AWS puts both in every request ("This key is always included in the request context"),
    so a policy's time bound applies without --context."""
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    given = {key.strip().lower() for key in context}
    derived = {
        "aws:CurrentTime": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(moment.timestamp())),
    }
    return context | {k: v for k, v in derived.items() if k.lower() not in given}


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
    """Evaluate the policy and print the decision; 0 allow, 1 deny. An allow that AWS also needs
    the principal's own identity-based policy for stays `allow` (the decision of this policy)
    and says so: `needs_identity_allow` in JSON, `ALLOW, IF …` and a WARN line in text."""
    from drconsole.policy import PolicyError, Request

    context = with_request_time(parse_context(args.context))
    text, name = read_policy(args.policy)
    request = Request(args.action, args.principal, args.resource, context)
    policy_text = unwrap_cli_output(text)
    try:
        answer = _answer(policy_text, request)
    except PolicyError as error:
        raise PolicyError(f"policy {name}: {error}") from None
    # Only once the policy is read: a policy that cannot be read is one line, the error.
    size_warning = _size_warning(policy_text, name)
    if size_warning:
        print(f"WARN {size_warning}", file=sys.stderr)
    decision, needs_identity, warnings = answer
    warnings = ([size_warning] if size_warning else []) + warnings
    if args.json:
        document = {
            "decision": decision.decision,
            "needs_identity_allow": needs_identity,
            "statements": [s.to_dict() for s in decision.statements],
            "action": args.action,
            "principal": args.principal,
            "resource": args.resource,
            "warnings": warnings,
        }
        print(json.dumps(document, indent=2))
    else:
        listed = [w for w in warnings if w != size_warning]
        _print_decision(decision, needs_identity, listed, request)
    return 0 if decision.allowed else 1


def _size_warning(policy_text: str, name: str) -> str | None:
    """A warning for a policy larger than any AWS stores (it is still evaluated)."""
    size = len(policy_text.encode("utf-8"))
    if size <= LARGEST_AWS_POLICY_BYTES:
        return None
    return (
        f"policy {limits.shown_path(name)} is {size} bytes: AWS stores no policy that large"
        " (at most 32,768 bytes for a KMS key policy, 6,144 characters for a managed policy,"
        " 5,120 for an SCP); it is evaluated all the same"
    )


def _answer(policy_text: str, request: Request) -> tuple[Decision, bool, list[str]]:
    """The decision, whether an allow also needs the principal's identity-based policy, and the
    warnings.

    A resource-based policy (every statement names a Principal) that allows an IAM principal
    of another account, or allows only through the principal's account
    (`arn:aws:iam::ACCOUNT:root` delegates to that account's IAM policies), is not enough on its
    own: AWS also needs the principal's identity-based policy, and the answer says so.
    """
    from drconsole.policy import evaluate, evaluate_resource_policy, parse_policy

    policy = parse_policy(policy_text)
    resource_based = all(s.principal is not None for s in policy.statements)
    account = _resource_account(request)
    if resource_based and account:
        decision = evaluate_resource_policy(policy, request, account)
    else:
        decision = evaluate(policy, request)
    warnings = list(decision.warnings)
    if not (resource_based and decision.allowed):
        return decision, False, warnings
    principal = _principal_of(request)
    if principal is None:
        return decision, False, warnings
    who, own_account, is_account = principal
    # Without the resource's account, only an allow through the account itself is known to
    # need more; a direct grant does too when the resource is in another account.
    through_account = all(r.grant == "account" for r in decision.statements)
    whose = f"a principal of account {own_account}" if is_account else who
    if decision.needs_identity_allow or (not account and through_account):
        if account and account != own_account:
            why = f"the resource is in account {account}, not {own_account}"
        else:
            why = (
                f"the statements allowing it name only account {own_account}, which leaves"
                " the decision to that account's IAM policies"
            )
        warnings.append(
            f"allowed only if an identity-based policy of {whose} (its own IAM policy) allows"
            f" {request.action.strip()} too: {why}"
        )
        return decision, True, warnings
    if not account:
        warnings.append(
            "the resource's account is not known (give --resource with its ARN, or --context"
            f" aws:ResourceAccount=ACCOUNT): if it is not {own_account}, AWS also needs an"
            f" identity-based policy of {whose} to allow {request.action.strip()}"
        )
    return decision, False, warnings


def _resource_account(request: Request) -> str | None:
    """The resource's account: --context aws:ResourceAccount, else the --resource ARN's."""
    from drconsole.policy.principals import ACCOUNT

    given = [v for k, v in request.context.items() if k.strip().lower() == "aws:resourceaccount"]
    if given:
        value = given[0]
        return value.strip() if isinstance(value, str) and ACCOUNT.match(value.strip()) else None
    # An ARN's fifth field (arn:partition:service:region:ACCOUNT:...); S3's is empty.
    parts = (request.resource or "").split(":")
    return parts[4] if len(parts) > 5 and ACCOUNT.match(parts[4]) else None


def _principal_of(request: Request) -> tuple[str, str, bool] | None:
    """The ARN of an IAM principal's identity (a session's role), its account and whether it
    is the account itself; None for a service or other principal."""
    from drconsole.policy.principals import parse_principal, session_role_arn

    principal = parse_principal(request.principal)
    if principal.kind in ("service", "other"):
        return None
    # A session's permissions are its role's: the role carries the identity-based policies.
    who = session_role_arn(principal) if principal.kind == "assumed-role" else principal.text
    return who, principal.account, principal.kind == "account"


def _print_decision(
    decision: Decision, needs_identity: bool, warnings: list[str], request: Request
) -> None:
    """The decision, then each deciding statement and why, then the warnings, for people."""
    from rich.console import Console
    from rich.markup import escape as escape_markup

    from drconsole.redact import escape_controls

    def escape(text: str) -> str:
        # What was typed is shown back: neither markup nor control characters reach the terminal.
        return escape_markup(escape_controls(text))

    # No emoji codes either: a Sid `ops:smile:` is shown as written, not as a face.
    console = Console(highlight=False, soft_wrap=True, emoji=False)
    shown = decision.decision.upper()
    style = {"allow": "bold green", "explicit-deny": "bold red"}.get(decision.decision, "")
    if needs_identity:  # this policy allows; AWS decides with the principal's own policy too
        shown, style = "ALLOW (only if the principal's own IAM policy allows it too)", "bold yellow"
    target = f" on {request.resource}" if request.resource else ""
    console.print(
        f"[{style or 'bold yellow'}]{shown}[/] "
        f"{escape(request.action)} by {escape(request.principal)}{escape(target)}"
    )
    if decision.decision == "implicit-deny":
        console.print("  no statement allows this request:")
    for result in decision.statements:
        console.print(f"  {escape(result.label)} ({result.effect}): {escape(result.reason)}")
    for warning in warnings:
        console.print(f"[bold yellow]WARN[/] {escape(warning)}")
