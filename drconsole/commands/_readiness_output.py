"""Output of `drconsole readiness`: tables for people, the JSON document, the HTML file."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from drconsole import limits
from drconsole.errors import UsageError
from drconsole.readiness.export_html import COLOURS, human, render
from drconsole.readiness.export_json import report_to_json
from drconsole.readiness.model import ReadinessReport, ReadinessRow, Verdict

FIX_LINES = 4
STATUS_STYLES = {"PASS": "green", "WARN": "yellow", "FAIL": "bold red", "UNKNOWN": "magenta"}


def check_html_target(value: str) -> Path:
    """The --html path, checked before anything is read: its folder exists, it is no folder."""
    if not value.strip() or limits.has_controls(value):
        raise UsageError(f"--html {limits.shown(value)}: expected a file path")
    path = Path(value).expanduser()
    if path.is_dir():
        raise UsageError(f"--html {limits.shown_path(value)}: is a folder, expected a file path")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"--html {limits.shown_path(value)}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"--html {limits.shown_path(value)}: folder {folder} is not writable")
    return path


def write_html(report: ReadinessReport, path: Path) -> None:
    """Write the page whole or not at all (a temporary file renamed over the target)."""
    handle, temporary = tempfile.mkstemp(prefix=".readiness-", suffix=".html", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(render(report))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def print_json(report: ReadinessReport) -> None:
    """The stable JSON document on stdout (README: `drconsole readiness`)."""
    sys.stdout.write(json.dumps(report_to_json(report), indent=2) + "\n")


def verdict_text(verdict: Verdict) -> Text:
    """The verdict in its colour."""
    return Text(verdict.value, style=f"bold {COLOURS[verdict]}")


def summary_table(report: ReadinessReport) -> Table:
    """One line per row: verdict, causes, protection, copies, drills."""
    table = Table(title="DR readiness", expand=True)
    table.add_column("Account", no_wrap=True)
    table.add_column("Region", no_wrap=True)
    table.add_column("Verdict", no_wrap=True)
    table.add_column("Causes", ratio=2, overflow="fold")
    table.add_column("Protected", justify="right")
    table.add_column("Over RPO", justify="right")
    table.add_column("No DR copy", justify="right")
    table.add_column("Drilled", justify="right")
    for row in sorted(report.rows, key=lambda r: (-r.verdict.rank, r.account_name, r.region)):
        table.add_row(
            f"{row.account_name} ({row.ou_path or '-'})",
            row.region,
            verdict_text(row.verdict),
            ", ".join(row.causes) or "-",
            str(row.protected),
            f"{row.over_objective} (>{human(row.rpo_objective)})",
            str(len(row.without_copy)),
            f"{row.drilled}/{row.protected}",
        )
    return table


def problems_table(row: ReadinessRow) -> Table:
    """The checks of a row that did not pass, where they apply, and the fix."""
    title = f"{row.account_name} {row.account_id} {row.region}: {row.verdict.value}"
    table = Table(title=title, expand=True, show_lines=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Check / where", ratio=2, overflow="fold")
    table.add_column("Evidence and fix", ratio=5, overflow="fold")
    for finding in row.findings():
        check = finding.check
        if finding.direction == "restore":
            where = f"restore in {_vault(finding.destination_vault_arn)}"
        else:
            where = (
                f"{finding.direction} {', '.join(finding.resource_types)}\n"
                f"{_vault(finding.source_vault_arn)} -> {_vault(finding.destination_vault_arn)}"
            )
        body = Text(check.evidence)
        if check.remediation:
            body.append(f"\nFix: {short_fix(check.remediation)}", style="dim")
        table.add_row(
            Text(check.status.value, style=STATUS_STYLES.get(check.status.value, "")),
            Text(f"{check.title} [{check.cause or '-'}]\n{where}"),
            body,
        )
    for line in row.unreadable:
        table.add_row(Text("UNKNOWN", style="magenta"), Text("could not be read"), Text(line))
    for resource in row.without_copy:
        table.add_row(
            Text("AT RISK", style="yellow"),
            Text(f"no DR copy [NO_DR_COPY]\n{resource.resource_type}"),
            Text(
                f"{resource.resource_name or resource.resource_arn} has no copy in the backup "
                "account"
            ),
        )
    return table


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
        return
    console.print(summary_table(report))
    for row in report.rows:
        if row.verdict is not Verdict.READY:
            console.print(problems_table(row))
    counts = report.counts()
    console.print(
        ", ".join(f"{counts[v]} {v.value}" for v in sorted(Verdict, key=lambda v: -v.rank))
        + f" · {report.calls} AWS calls in {report.seconds:.1f} s"
    )
