"""Output of `drconsole check`: rich tables for people, stable JSON, and the fix prompts."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from drconsole.checks.facts import CopyFacts
from drconsole.checks.runner import CheckReport
from drconsole.errors import DrConsoleError, UsageError
from drconsole.models import CauseCode, CheckStatus
from drconsole.redact import escape_controls, escape_controls_lines

STYLES = {
    CheckStatus.PASS: "green",
    CheckStatus.WARN: "yellow",
    CheckStatus.FAIL: "bold red",
    CheckStatus.UNKNOWN: "magenta",
}


def print_json(
    report: CheckReport, fixes: list[dict[str, Any]] | None, restore: CheckReport | None = None
) -> None:
    """The stable JSON document on stdout (`check copy --restore`: with the restore's under
    `restore`)."""
    document = report.to_json()
    if fixes is not None:
        document["fixes"] = fixes
    if restore is not None:
        document["restore"] = restore.to_json()
    sys.stdout.write(json.dumps(document, indent=2) + "\n")


def exit_code(*reports: CheckReport | None) -> int:
    """0 every check PASS or WARN, 1 any FAIL or UNKNOWN; 3 (an AWS failure, said in one line
    on stderr) when a check is UNKNOWN because its Region could not be reached: the checks
    are all listed first."""
    from drconsole.checks.common import WHERE

    checks = [check for report in reports if report for check in report.all_checks]
    unreached = [
        check
        for check in checks
        if check.status is CheckStatus.UNKNOWN and check.cause is CauseCode.NETWORK
    ]
    if unreached:
        places = sorted({dict(check.details).get(WHERE, "") for check in unreached} - {""})
        where = "; ".join(places) or "their Region"
        count = f"{len(unreached)} check{'s' if len(unreached) > 1 else ''}"
        line = f"drconsole: {count} UNKNOWN: {where} could not be reached [NETWORK]"
        print(line, file=sys.stderr)
        return 3
    return 0 if all(report.ok for report in reports if report) else 1


def print_report(report: CheckReport, console: Console | None = None) -> None:
    """A table of the checks, then the remediation of each one that did not pass."""
    console = console or Console(highlight=False)
    route = report.route
    if report.kind == "copy":
        hops = str(route["hops"]) if route["hops"] else "none (no supported route)"
        if route["single_action_may_work"]:
            hops += f" via {route['intermediate']} (1 where AWS offers single-action copy)"
        console.print(
            Text(
                f"Copy {report.recovery_point_arn}\n  -> {report.destination}\n"
                f"  {route['resource_type']}: {route['source_account']} {route['source_region']}"
                f" -> {route['destination_account']} {route['destination_region']}, "
                f"hops: {hops}"
            )
        )
    else:
        after = (
            f"\n  after the copy into {route['after_copy_to']}"
            if route.get("after_copy_to")
            else ""
        )
        console.print(
            Text(
                f"Restore {report.recovery_point_arn}\n  {route['resource_type']} into account "
                f"{route['restoring_account']} ({route['region']}) with role {route['role_arn']}"
                + after
            )
        )
    table = Table(show_lines=False, expand=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Check", ratio=1, min_width=18)
    table.add_column("Evidence", ratio=2, overflow="fold")
    for check in report.all_checks:
        table.add_row(
            Text(check.status.value, style=STYLES[check.status]),
            Text(escape_controls(check.title)),
            Text(escape_controls_lines(check.evidence)),
        )
    console.print(table)
    for check in report.all_checks:
        if check.status is CheckStatus.PASS or not check.remediation:
            continue
        cause = f" [{check.cause.value}]" if check.cause else ""
        fix = (
            f" (drconsole can apply this: check copy --fix, fix '{check.fix_id}')"
            if (check.fix_id)
            else ""
        )
        console.print(
            Text(f"\n{check.status.value} {check.title}{cause}{fix}", style="bold"), soft_wrap=True
        )
        # Not folded: the commands and policy statements in it must paste as they are.
        console.print(Text(escape_controls_lines(check.remediation)), soft_wrap=True)
    verdict = "ready" if report.ok else "not ready"
    console.print(
        Text(f"\n{report.kind} {verdict}", style="bold green" if report.ok else "bold red")
    )


def offer_fixes(
    sessions: Any, report: CheckReport, *, assume_yes: bool, quiet: bool
) -> list[dict[str, Any]]:
    """For each failing check with a fix: show the diff, ask (unless --yes), apply."""
    from drconsole.aws.audit import AuditLog
    from drconsole.aws.fixes import apply_fix
    from drconsole.checks.fixes import plan_fix

    console = Console(stderr=True, highlight=False)
    audit = AuditLog.of(sessions)
    outcomes: list[dict[str, Any]] = []
    # A second hop's fix applies to its own facts (the intermediate vault's key, say).
    judged = [(check, report.facts) for check in report.checks]
    if report.second_hop is not None:
        judged += [(check, report.second_hop.facts) for check in report.second_hop.checks]
    for check, facts in judged:
        if check.fix_id is None or check.status is CheckStatus.PASS:
            continue
        assert isinstance(facts, CopyFacts)
        outcome: dict[str, Any] = {"check": check.id, "fix": check.fix_id, "applied": False}
        outcomes.append(outcome)
        try:
            plan = plan_fix(check.fix_id, facts)
        except DrConsoleError as problem:
            outcome["error"] = str(problem)
            continue
        outcome.update(title=plan.title, operation=f"{plan.service}:{plan.operation}")
        outcome["diff"] = plan.diff
        if not quiet:
            console.print(Text(f"\nFix: {plan.title}", style="bold"), soft_wrap=True)
            console.print(
                Text(
                    f"{plan.service}:{plan.operation} in account {plan.account_id} ({plan.region})"
                )
            )
            # Not folded: a diff line broken in two reads as two changes.
            diff = escape_controls_lines(plan.diff or "(no document change)")
            console.print(Text(diff), soft_wrap=True)
        if not assume_yes and not _confirm(f"Apply '{plan.title}'?"):
            outcome["error"] = "declined"
            continue
        try:
            outcome["result"] = apply_fix(sessions, plan, audit)
            outcome["applied"] = True
        except DrConsoleError as problem:
            outcome["error"] = str(problem)
        if not quiet:
            console.print(Text(outcome.get("result") or f"not applied: {outcome['error']}"))
    return outcomes


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        raise UsageError(f"{question} needs an answer: run in a terminal or pass --yes")
    from drconsole.commands._flow_cli import confirm

    # As a flow's questions: a key typed before the diff was shown does not answer, and
    # Ctrl-C is exit 130.
    return confirm(question)
