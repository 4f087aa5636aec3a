"""Output of `drconsole readiness`: tables for people, the JSON document, the HTML file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich import box
from rich.console import Console, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from drconsole.commands._ls_output import scope_json, scope_line
from drconsole.commands._output_path import checked_output
from drconsole.output_files import replace_file
from drconsole.readiness.export_html import (
    COLOURS,
    human,
    objective_label,
    render,
    runbook_held,
)
from drconsole.readiness.export_json import report_to_json
from drconsole.readiness.model import ReadinessReport, ReadinessRow, Verdict, restore_where
from drconsole.redact import escape_controls, escape_controls_lines

FIX_LINES = 4
STATUS_STYLES = {"PASS": "green", "WARN": "yellow", "FAIL": "bold red", "UNKNOWN": "magenta"}


def check_html_target(value: str) -> Path:
    """The --html path, checked before anything is read: its folder exists, it is no folder."""
    return checked_output(value, "--html")


def write_html(report: ReadinessReport, path: Path) -> None:
    """Write the page whole or not at all (README: Output files)."""
    replace_file(path, render(report).encode("utf-8"))


def scope_text(report: ReadinessReport, regions_from: str) -> str:
    """What the report covered, as `ls` says it on stderr: the accounts evaluated of the
    organization's, the Regions and where they came from, the backup account, and the
    accounts that protect nothing."""
    scope = scope_json(
        report.evaluated, report.organization_accounts, report.scope.regions, regions_from
    )
    line = scope_line(scope) + f"; backup account {report.scope.backup_account_id or 'unknown'}"
    if report.unprotected:
        names = ", ".join(a.name or a.id for a in report.unprotected)
        line += f"; {len(report.unprotected)} protect nothing (no row): {names}"
    return escape_controls(line)


def print_json(report: ReadinessReport) -> None:
    """The stable JSON document on stdout (README: `drconsole readiness`)."""
    sys.stdout.write(json.dumps(report_to_json(report), indent=2) + "\n")


def verdict_text(verdict: Verdict) -> Text:
    """The verdict in its colour."""
    return Text(verdict.value, style=f"bold {COLOURS[verdict]}")


def summary_table(report: ReadinessReport) -> Table:
    """One row per account and Region: its verdict, account, Region and causes (which wrap),
    and its counts; narrow enough for 80 columns."""
    table = Table(title="DR readiness", expand=True, box=box.SIMPLE_HEAD, padding=(0, 1))
    table.add_column("Verdict", no_wrap=True)
    table.add_column("Account, Region: causes", ratio=1, overflow="fold")
    table.add_column("Res", justify="right", no_wrap=True)
    table.add_column(">RPO", justify="right", no_wrap=True)
    table.add_column("NoCopy", justify="right", no_wrap=True)
    table.add_column("OldCopy", justify="right", no_wrap=True)
    table.add_column("Drill", justify="right", no_wrap=True)
    for row in sorted(report.rows, key=lambda r: (-r.verdict.rank, r.account_name, r.region)):
        # Names (and below, OU paths, evidence, resource names) are AWS's: never a raw control
        # character on the terminal.
        label = Text(escape_controls(f"{row.account_name} {row.region}"), style="bold")
        if row.causes:
            label.append("\n" + " ".join(row.causes))
        table.add_row(
            verdict_text(row.verdict),
            label,
            str(row.protected),
            str(row.over_objective),
            "?" if row.copy_unknown else str(len(row.without_copy)),
            str(len(row.stale_copies)),
            str(row.drilled),
        )
    table.caption = (
        "Res: resources protected; >RPO: newest backup older than the objective; NoCopy: no "
        "copy in the backup account (?: not known, it could not be read everywhere); OldCopy: "
        "newest copy there older than the objective; Drill: restored by a passing drill"
    )
    return table


def row_details(row: ReadinessRow) -> list[RenderableType]:
    """Why a row is not READY: each finding once per vault pair (status, check and cause,
    where, evidence, the first lines of the fix), what could not be read, the resources without
    a DR copy or over the objective. Indented text, so it reads at any width."""
    now = row.evaluated_at
    parts: list[RenderableType] = [
        Text.assemble(
            verdict_text(row.verdict),
            (
                escape_controls(
                    f" {row.account_name} {row.account_id} {row.ou_path} {row.region} "
                    f"(RPO objective {human(row.rpo_objective)}{runbook_held(row)})"
                ),
                "bold",
            ),
        )
    ]

    def item(status: str, headline: str, *lines: tuple[str, str]) -> None:
        head = Text(f"{status:<8}", style=STATUS_STYLES.get(status, "yellow"))
        head.append(escape_controls(headline))
        parts.append(Padding(head, (0, 0, 0, 2)))
        if lines:
            body = Text("\n").join(
                Text(escape_controls_lines(line), style=style) for line, style in lines
            )
            parts.append(Padding(body, (0, 0, 0, 10)))

    for finding in row.findings():
        check = finding.check
        if finding.direction.startswith("restore"):
            where = restore_where(finding.direction, _vault(finding.destination_vault_arn))
        else:
            where = (
                f"{finding.direction} {', '.join(finding.resource_types)}: "
                f"{_vault(finding.source_vault_arn)} -> {_vault(finding.destination_vault_arn)}"
            )
            if finding.intermediate:
                where += f" through {_vault(finding.intermediate)}"
        fix = [(f"Fix: {short_fix(check.remediation)}", "dim")] if check.remediation else []
        if finding.apply_command:
            fix.append((f"drconsole applies it: {finding.apply_command}", ""))
        item(
            check.status.value,
            f"{check.title} [{check.cause or '-'}]",
            (where, ""),
            (check.evidence, ""),
            *fix,
        )
    for line in row.unreadable:
        item("UNKNOWN", "could not be read", (line, ""))
    if row.copy_unknown:
        names = ", ".join(r.resource_name or r.resource_arn for r in row.copy_unknown[:3])
        more = f" and {len(row.copy_unknown) - 3} more" if len(row.copy_unknown) > 3 else ""
        item(
            "UNKNOWN",
            f"{len(row.copy_unknown)} resource(s) with no copy, or only one older than the "
            "objective, found where the backup account could be read; whether they have a "
            f"newer one is not known: {names}{more}",
        )
    for resource in row.without_copy:
        item(
            "AT RISK",
            f"{resource.resource_name or resource.resource_arn} ({resource.resource_type}) "
            "has no copy in the backup account [NO_DR_COPY]",
        )
    for resource in row.stale_copies:
        item(
            "AT RISK",
            f"{resource.resource_name or resource.resource_arn} ({resource.resource_type}): "
            f"newest copy in the backup account {human(resource.copy_age(now))} old, objective "
            f"{objective_label(resource)} [DR_COPY_STALE]",
        )
    for resource in row.resources:
        if resource.over_objective:
            item(
                "AT RISK",
                f"{resource.resource_name or resource.resource_arn} ({resource.resource_type}): "
                f"newest backup {human(resource.backup_age(now))} old, objective "
                f"{objective_label(resource)} [RPO_EXCEEDED]",
            )
    return parts


def short_fix(remediation: str) -> str:
    """The remediation cut to a few lines (the whole text is in --json and --html)."""
    lines = remediation.splitlines()
    if len(lines) <= FIX_LINES:
        return remediation
    return "\n".join([*lines[:FIX_LINES], "... (the whole fix: --json or --html)"])


def _vault(arn: str) -> str:
    parts = arn.split(":")
    return f"{parts[-1]} ({parts[4]} {parts[3]})" if len(parts) >= 7 else (arn or "-")


def print_tables(report: ReadinessReport, console: Console | None = None) -> None:
    """The summary, then the problems of each row that is not READY."""
    console = console or Console(highlight=False)
    if not report.rows:
        console.print(
            f"No workload account protects any resource in {', '.join(report.scope.regions)}."
        )
        print_unprotected(report, console)
        return
    console.print(summary_table(report))
    for row in report.rows:
        if row.verdict is not Verdict.READY:
            for part in row_details(row):
                console.print(part)
            console.print()
    counts = report.counts()
    console.print(
        ", ".join(f"{counts[v]} {v.value}" for v in sorted(Verdict, key=lambda v: -v.rank))
        + f" · {report.calls} AWS calls in {report.seconds:.1f} s"
    )
    print_unprotected(report, console)


def print_unprotected(report: ReadinessReport, console: Console) -> None:
    """The accounts evaluated that protect nothing (no row): an account whose recovery points
    were all deleted must not vanish from the report."""
    if not report.unprotected:
        return
    named = {a.id for a in report.named_unprotected}
    listed = ", ".join(
        f"{a.name} ({a.id})" + (" [named with --account]" if a.id in named else "")
        for a in report.unprotected
    )
    console.print(
        Text(
            escape_controls(
                f"{len(report.unprotected)} account(s) protect nothing in "
                f"{', '.join(report.scope.regions)} (no row): {listed}"
            ),
            style="yellow",
        )
    )
