"""`drconsole explain MESSAGE`: an AWS error or job StatusMessage in plain words, with the fix.

Exit codes: 0 a cause was found; 1 the message was not recognised (cause UNKNOWN); 2 empty input.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from drconsole.errors import UsageError

if TYPE_CHECKING:
    from drconsole.models import Diagnosis

# An AWS error or job StatusMessage is a few hundred characters; a whole log is not a message.
MAX_MESSAGE_CHARACTERS = 64 * 1024


def register(subparsers: Any) -> None:
    """Add the `explain` subcommand."""
    parser = subparsers.add_parser(
        "explain",
        help="explain an AWS error or job status message, with the exact fix",
        description=(
            "Map an AWS error or a copy/restore job StatusMessage to a cause code, a plain-words"
            " explanation and a remediation. Exit 0 when a cause was found, 1 when the message"
            " is not recognised (cause UNKNOWN), 2 when the message is empty."
        ),
    )
    parser.add_argument(
        "message",
        nargs="*",
        metavar="MESSAGE",
        help="the message (several words are joined with spaces); '-' reads standard input",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--recovery-point",
        metavar="ARN",
        help="the recovery point the failed job was given: fills the fix's source account and"
        " Region (where a copy job runs), snapshot id and recovery point",
    )
    parser.add_argument(
        "--to",
        metavar="VAULT_ARN",
        help="the vault the failed copy went to: fills the fix's destination account, Region"
        " and vault",
    )
    parser.set_defaults(handler=run)


def read_message(words: list[str]) -> str:
    """The message from the arguments, or from standard input for `-`."""
    from_stdin = words == ["-"]
    text = sys.stdin.read(MAX_MESSAGE_CHARACTERS + 1) if from_stdin else " ".join(words)
    if len(text) > MAX_MESSAGE_CHARACTERS:
        where = "on standard input" if from_stdin else "given as MESSAGE"
        raise UsageError(
            f"explain: the message {where} is larger than 64 KiB; give the error line itself"
        )
    if not text.strip():
        raise UsageError(
            "explain: MESSAGE is empty; pass the error text as arguments or '-' to read stdin"
        )
    return text


def job_context(point_arn: str | None, vault_arn: str | None) -> dict[str, str]:
    """The placeholders `--recovery-point` and `--to` answer, as a flow's own record would: a
    copy job runs in the recovery point's account and Region; a restore runs where the copy
    went, else where the point is."""
    from drconsole.checks.arns import parse_recovery_point_arn, parse_vault_arn
    from drconsole.diagnose.placeholders import copy_values, restore_values

    point = parse_recovery_point_arn(point_arn) if point_arn is not None else None
    vault = parse_vault_arn(vault_arn) if vault_arn is not None else None
    known = copy_values(point.arn if point else "", "", vault.arn if vault else "")
    if point is not None:
        known |= {"SOURCE_REGION": point.region, "SOURCE_ACCOUNT_ID": point.account_id or ""}
    where = (vault.account_id, vault.region) if vault else ("", "")
    if point is not None and vault is None:
        where = (point.account_id or "", point.region)
    return {**known, **restore_values(point.arn if point else "", *where)}


def run(args: argparse.Namespace) -> int:
    """Diagnose the message and print it for people or as JSON."""
    from drconsole.diagnose import diagnose, parse_error
    from drconsole.diagnose.placeholders import filled_in
    from drconsole.models import CauseCode

    known = job_context(args.recovery_point, args.to)
    message = read_message(list(args.message))
    parsed = parse_error(message)
    # The fix quotes the message's names (a principal, a resource, an endpoint) back: a secret
    # pasted with the message (a presigned URL's signature, a proxy's password, a bearer token)
    # is removed from what is printed, as from every other text drconsole shows.
    diagnosis = redacted(filled_in(diagnose(message), known))
    if args.json:
        payload = {
            "cause": diagnosis.cause.value,
            "explanation": diagnosis.explanation,
            "remediation": diagnosis.remediation,
            "matched": diagnosis.matched or None,
            "error_code": parsed.error_code,
            "also_possible": [cause.value for cause in diagnosis.also],
        }
        print(json.dumps(payload, indent=2))
    else:
        print_for_people(
            diagnosis.cause.value,
            diagnosis.explanation,
            diagnosis.remediation,
            diagnosis.matched,
            parsed.error_code,
            tuple(cause.value for cause in diagnosis.also),
        )
    return 1 if diagnosis.cause is CauseCode.UNKNOWN else 0


def redacted(diagnosis: Diagnosis) -> Diagnosis:
    """`diagnosis` with its explanation, remediation and matched text redacted."""
    import dataclasses

    from drconsole.redact import redact_text

    return dataclasses.replace(
        diagnosis,
        explanation=redact_text(diagnosis.explanation),
        remediation=redact_text(diagnosis.remediation),
        matched=redact_text(diagnosis.matched),
    )


def print_for_people(
    cause: str,
    explanation: str,
    remediation: str,
    matched: str,
    error_code: str | None,
    also: tuple[str, ...] = (),
) -> None:
    """Cause, explanation and fix, styled when the output is a terminal."""
    from rich.console import Console
    from rich.text import Text

    from drconsole.redact import escape_controls, escape_controls_lines

    # The explanation and fix quote the message (ARNs, names), which may hold an escape
    # sequence: it is printed escaped, never raw.
    explanation, remediation = (
        escape_controls_lines(explanation),
        escape_controls_lines(remediation),
    )
    console = Console(highlight=False, soft_wrap=True)
    style = "bold yellow" if cause == "UNKNOWN" else "bold red"
    heading = Text(cause, style=style)
    details = [f"error code {error_code}"] if error_code else []
    if matched:
        details.append(f"matched {matched}")
    if details:
        heading.append(escape_controls(f"  ({'; '.join(details)})"), style="dim")
    console.print(heading)
    if also:
        console.print(
            Text(f"Also possible: {', '.join(also)} (AWS's message is the same for them)"),
            style="bold",
        )
    console.print(Text(explanation))
    console.print()
    console.print(Text("Fix:", style="bold"))
    console.print(Text(remediation))
