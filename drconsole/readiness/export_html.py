"""`drconsole readiness --html`: one self-contained page for auditors.

Inline CSS, an inline SVG chart of the verdicts by OU, a table of the rows that sorts when a
column heading is clicked (a few lines of inline script; without scripts it stays in the
console's order), and per row that is not READY its deciding causes and failing checks with
their remediations. No external asset is referenced, so the file can be mailed or archived.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from drconsole.readiness.export_json import when
from drconsole.readiness.model import (
    Finding,
    ReadinessReport,
    ReadinessRow,
    ResourceReadiness,
    Verdict,
    restore_where,
)
from drconsole.redact import html_lines
from drconsole.redact import html_text as escape

COLOURS = {
    Verdict.READY: "#1a7f37",
    Verdict.AT_RISK: "#b26a00",
    Verdict.NOT_READY: "#c62828",
    Verdict.UNKNOWN: "#6a3fa0",
}
STATUS_COLOURS = {"PASS": "#1a7f37", "WARN": "#b26a00", "FAIL": "#c62828", "UNKNOWN": "#6a3fa0"}
LABEL_WIDTH, BAR_WIDTH, BAR_ROW = 220, 480, 24

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:75em}
h1{font-size:1.5em} h2{font-size:1.2em;margin-top:2em} h3{font-size:1.05em;margin-top:1.5em}
table{border-collapse:collapse} td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;
font-size:.9em;vertical-align:top} th.sortable{cursor:pointer;background:#f3f3f3}
th.sortable:after{content:" \\2195";color:#999} td.num{text-align:right}
.verdict{font-weight:bold;white-space:nowrap} .muted{color:#666} pre{white-space:pre-wrap;
margin:0;font-size:.85em} .legend span{display:inline-block;margin-right:1.2em}
.swatch{width:.9em;height:.9em;display:inline-block;margin-right:.3em;vertical-align:middle}
"""

SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, column) {
    th.classList.add("sortable");
    th.addEventListener("click", function () {
      var body = table.tBodies[0], rows = Array.from(body.rows);
      var up = th.dataset.dir !== "asc"; th.dataset.dir = up ? "asc" : "desc";
      var numeric = th.dataset.type === "num";
      rows.sort(function (a, b) {
        var x = a.cells[column].dataset.sort, y = b.cells[column].dataset.sort;
        var order = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
        return up ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""


def human(span: timedelta | None) -> str:
    """`3d 4h`, `5h 12m`, `40m`; `-` for None."""
    if span is None:
        return "-"
    minutes = max(0, int(span.total_seconds() // 60))
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {minutes}m" if hours else f"{minutes}m"


def objective_label(resource: ResourceReadiness) -> str:
    """The objective a resource was judged against, and the runbook it comes from if any:
    `24h`, `1m (runbook web)`."""
    label = human(resource.rpo_objective)
    runbook = resource.rpo_objective_runbook
    return f"{label} (runbook {runbook})" if runbook else label


def runbook_held(row: ReadinessRow) -> str:
    """`; 2 resources held to their runbook's stricter objective`, or nothing."""
    count = sum(1 for r in row.resources if r.rpo_objective_runbook)
    return f"; {count} resource(s) held to their runbook's stricter objective" if count else ""


def verdict_span(verdict: Verdict) -> str:
    """The verdict in its colour."""
    return f'<span class="verdict" style="color:{COLOURS[verdict]}">{escape(verdict.value)}</span>'


def chart_svg(rows: tuple[ReadinessRow, ...]) -> str:
    """Per OU, a bar of its rows stacked by verdict (worst first), with the counts."""
    by_ou: dict[str, Counter[Verdict]] = {}
    for row in rows:
        by_ou.setdefault(row.ou_path or "(no OU)", Counter())[row.verdict] += 1
    if not by_ou:
        return "<p>No account protects any resource in the Regions evaluated.</p>"
    widest = max(sum(c.values()) for c in by_ou.values())
    scale = BAR_WIDTH / widest
    parts = []
    order = sorted(Verdict, key=lambda v: -v.rank)
    for index, (ou, counts) in enumerate(sorted(by_ou.items())):
        y = 8 + index * BAR_ROW
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{escape(ou)}</text>')
        x = float(LABEL_WIDTH)
        for verdict in order:
            count = counts.get(verdict, 0)
            if not count:
                continue
            width = count * scale
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{BAR_ROW - 6}" '
                f'fill="{COLOURS[verdict]}"><title>{escape(ou)}: {count} {verdict.value}'
                f"</title></rect>"
                f'<text x="{x + width / 2:.1f}" y="{y + 13}" font-size="11" fill="#fff" '
                f'text-anchor="middle">{count}</text>'
            )
            x += width
    height = 16 + len(by_ou) * BAR_ROW
    legend = "".join(
        f'<span><span class="swatch" style="background:{COLOURS[v]}"></span>{escape(v.value)}'
        "</span>"
        for v in order
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{LABEL_WIDTH + BAR_WIDTH + 20}" '
        f'height="{height}" role="img" aria-label="verdicts by OU">'
        + "".join(parts)
        + f'</svg><p class="legend">{legend}</p>'
    )


def _cell(text: str, sort: str | float, numeric: bool = False) -> str:
    css = ' class="num"' if numeric else ""
    return f'<td{css} data-sort="{escape(str(sort))}">{text}</td>'


def rows_table(report: ReadinessReport) -> str:
    """One line per row; every column sorts."""
    headings = (
        ("Account", "text"),
        ("OU", "text"),
        ("Region", "text"),
        ("Verdict", "num"),
        ("Causes", "text"),
        ("Protected", "num"),
        ("Over RPO", "num"),
        ("Oldest newest backup", "num"),
        ("Without DR copy", "num"),
        ("Oldest DR copy data", "num"),
        ("Drilled", "num"),
    )
    head = "".join(f'<th data-type="{kind}">{escape(name)}</th>' for name, kind in headings)
    lines = []
    for row in sorted(report.rows, key=lambda r: (-r.verdict.rank, r.account_name, r.region)):
        now = row.evaluated_at
        ages = [r.backup_age(now) for r in row.resources]
        worst_rpo = max((a for a in ages if a is not None), default=None)
        copies = [r.copy_age(now) for r in row.resources]
        worst_copy = max((a for a in copies if a is not None), default=None)
        name = escape(row.account_name or row.account_id)
        link = f'<a href="#{anchor_of(row)}">{name}</a>'
        account = link if row.verdict is not Verdict.READY else name
        lines.append(
            "<tr>"
            + _cell(
                f"{account}<br><span class='muted'>{escape(row.account_id)}</span>",
                row.account_name,
            )
            + _cell(escape(row.ou_path or "-"), row.ou_path)
            + _cell(escape(row.region), row.region)
            + _cell(verdict_span(row.verdict), row.verdict.rank)
            + _cell(escape(", ".join(row.causes)) or "-", ", ".join(row.causes))
            + _cell(str(row.protected), row.protected, True)
            + _cell(
                f"{row.over_objective} <span class='muted'>(objective "
                f"{human(row.rpo_objective)}{escape(runbook_held(row))})</span>",
                row.over_objective,
                True,
            )
            + _cell(human(worst_rpo), _seconds(worst_rpo), True)
            + (
                _cell("? <span class='muted'>(unreadable)</span>", -1, True)
                if row.copy_unknown
                else _cell(str(len(row.without_copy)), len(row.without_copy), True)
            )
            + _cell(human(worst_copy) + _over(len(row.stale_copies)), _seconds(worst_copy), True)
            + _cell(f"{row.drilled}/{row.protected}", row.drilled, True)
            + "</tr>"
        )
    return (
        f'<table class="sortable" id="rows"><thead><tr>{head}</tr></thead><tbody>'
        + "".join(lines)
        + "</tbody></table>"
    )


def _over(count: int) -> str:
    """How many resources' newest DR copy is older than the objective, when some are."""
    return f" <span class='muted'>({count} over the objective)</span>" if count else ""


def anchor_of(row: ReadinessRow) -> str:
    """The id of a row's details, escaped for an attribute: the account id is AWS's answer as
    text (a broken or hostile endpoint can answer markup)."""
    return escape(f"row-{row.account_id}-{row.region}")


def _seconds(span: timedelta | None) -> float:
    return -1.0 if span is None else span.total_seconds()


def row_details(row: ReadinessRow) -> str:
    """Why a row is not READY: its causes, then every check that did not pass, with its fix."""
    causes = "".join(f"<li>{escape(line)}</li>" for line in row.explanation)
    problems = []
    for finding in row.findings():
        check = finding.check
        colour = STATUS_COLOURS.get(check.status.value, "#222")
        problems.append(
            f'<tr><td style="color:{colour};font-weight:bold">{escape(check.status.value)}</td>'
            f"<td>{escape(check.title)}<br><span class='muted'>{escape(check.cause or '')}"
            f"</span></td><td>{where_html(finding)}</td><td>{escape(check.evidence)}</td>"
            f"<td><pre>{html_lines(check.remediation)}</pre>{_apply(finding)}</td></tr>"
        )
    table = (
        "<table><thead><tr><th>Status</th><th>Check</th><th>Where</th><th>Evidence</th>"
        "<th>Remediation</th></tr></thead><tbody>" + "".join(problems) + "</tbody></table>"
        if problems
        else ""
    )
    unreadable = "".join(f"<li>{escape(line)}</li>" for line in row.unreadable)
    return (
        f'<h3 id="{anchor_of(row)}">{escape(row.account_name)} ({escape(row.account_id)}) '
        f"{escape(row.region)}: "
        f"{verdict_span(row.verdict)}</h3><ul>{causes}</ul>"
        + (f"<p>Could not be read:</p><ul>{unreadable}</ul>" if unreadable else "")
        + table
    )


def _apply(finding: Finding) -> str:
    command = finding.apply_command
    if command is None:
        return ""
    how = "<p>drconsole applies it, with a diff and confirmation:</p>"
    return f"{how}<pre>{html_lines(command)}</pre>"


def where_html(finding: Finding) -> str:
    """Which copy (direction, types, vaults) or restore a finding concerns."""
    if finding.direction.startswith("restore"):
        return restore_where(finding.direction, _short(finding.destination_vault_arn))
    types = ", ".join(finding.resource_types)
    return (
        f"{finding.direction} {escape(types)}: {_short(finding.source_vault_arn)} &rarr; "
        f"{_short(finding.destination_vault_arn)}"
    )


def _short(vault_arn: str) -> str:
    parts = vault_arn.split(":")
    if len(parts) < 7:
        return escape(vault_arn or "-")
    return escape(f"{parts[-1]} ({parts[4]} {parts[3]})")


def unprotected_section(report: ReadinessReport) -> str:
    """The accounts evaluated that protect nothing (they have no row)."""
    if not report.unprotected:
        return ""
    named = set(report.named_unprotected)
    items = "".join(
        f"<li>{escape(a.name or a.id)} <span class='muted'>{escape(a.id)} "
        f"{escape(a.ou_path or '')}</span>" + (" (named)" if a in named else "") + "</li>"
        for a in report.unprotected
    )
    return (
        "<h2>Accounts that protect nothing</h2><p>No protected resource in "
        f"{escape(', '.join(report.scope.regions))}, so no row: </p><ul>{items}</ul>"
    )


def skipped_section(report: ReadinessReport) -> str:
    """The accounts and OUs the organization's answers listed without an id: not evaluated,
    so the report is not READY."""
    if not report.skipped:
        return ""
    items = "".join(
        f"<li>{escape(e.account_id)} {escape(e.region)}: {escape(e.message)} "
        f"[{escape(str(e.cause))}]</li>"
        for e in report.skipped
    )
    return f"<h2>Not evaluated</h2><p>Left out, so not known to be ready:</p><ul>{items}</ul>"


def render(report: ReadinessReport) -> str:
    """The whole page."""
    counts = report.counts()
    summary = ", ".join(f"{counts[v]} {v.value}" for v in sorted(Verdict, key=lambda v: -v.rank))
    scope = ", ".join(report.scope.regions)
    details = "".join(row_details(r) for r in report.rows if r.verdict is not Verdict.READY)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>DR readiness</title>"
        f"<style>{STYLE}</style></head><body>"
        "<h1>DR readiness: could every account recover right now?</h1>"
        f"<p>Generated {escape(when(report.generated_at) or '')} for {len(report.rows)} "
        f"account-Regions with protected resources in {escape(scope)}; backup account "
        f"{escape(report.scope.backup_account_id or 'unknown')}. {escape(summary)}.</p>"
        "<h2>Verdicts by OU</h2>"
        + chart_svg(report.rows)
        + '<h2>Rows</h2><p class="muted">Click a heading to sort.</p>'
        + rows_table(report)
        + ("<h2>Why rows are not ready</h2>" + details if details else "")
        + unprotected_section(report)
        + skipped_section(report)
        + f"<script>{SCRIPT}</script></body></html>\n"
    )
