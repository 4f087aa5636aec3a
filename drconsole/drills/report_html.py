"""report.html: one self-contained page for auditors (inline CSS and SVG, no scripts): the
verdict, per target a timeline of its steps as bars with its RTO objective as a line, and the
runbook's RTO trend over its past runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from drconsole.drills.parse import format_duration
from drconsole.redact import html_text as escape

COLOURS = {"aws": "#2f6fb0", "drconsole": "#c98a1b", "validation": "#2e8b57", "manual": "#8a5cb8"}
WIDTH, ROW = 720, 22

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:60em}
h1{font-size:1.5em} h2{font-size:1.2em;margin-top:2em} table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;font-size:.9em;vertical-align:top}
.passed{color:#1a7f37;font-weight:bold} .failed{color:#c62828;font-weight:bold}
.interrupted,.abandoned{color:#b26a00;font-weight:bold}
.legend span{display:inline-block;margin-right:1.2em} .swatch{width:.9em;height:.9em;
display:inline-block;margin-right:.3em;vertical-align:middle} code{font-size:.85em}
"""


def _verdict(value: str) -> str:
    return f'<span class="{escape(value)}">{escape(value.upper())}</span>'


def _against(value: float | None, objective: float | None) -> str:
    # An auditor must not read a measure without an objective as one that was judged.
    if objective is None:
        return f"{format_duration(value)} / no objective (not judged)"
    return f"{format_duration(value)} / {format_duration(objective)}"


def timeline_svg(target: dict[str, Any]) -> str:
    """The target's steps as bars on a time axis from the drill's start; the RTO objective as a
    red line."""
    segments = target.get("timeline") or []
    objective = target["objectives"].get("rto_seconds")
    if not segments:
        return "<p>No timeline: the target did not reach validation.</p>"
    start = datetime.fromisoformat(segments[0]["start"])
    total = max((datetime.fromisoformat(s["end"]) - start).total_seconds() for s in segments)
    span = max(total, objective or 0, 1e-3) if objective and objective < total * 4 else total
    span = max(span, 1e-3)
    scale = (WIDTH - 190) / span
    rows = []
    for index, segment in enumerate(segments):
        x = 180 + (datetime.fromisoformat(segment["start"]) - start).total_seconds() * scale
        width = max(segment["seconds"] * scale, 1.5)
        y = 10 + index * ROW
        colour = COLOURS.get(segment["by"], "#777")
        rows.append(
            f'<text x="0" y="{y + 14}" font-size="12">{escape(segment["step"])}</text>'
            f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{ROW - 6}" fill="{colour}">'
            f"<title>{escape(segment['step'])}: {format_duration(segment['seconds'])} "
            f"({escape(segment['by'])})</title></rect>"
            f'<text x="{min(x + width + 4, WIDTH - 60):.1f}" y="{y + 14}" font-size="11">'
            f"{format_duration(segment['seconds'])}</text>"
        )
    height = 20 + len(segments) * ROW
    line = ""
    if objective is not None and objective <= span:
        ox = 180 + objective * scale
        line = (
            f'<line x1="{ox:.1f}" y1="0" x2="{ox:.1f}" y2="{height}" stroke="#c62828" '
            f'stroke-dasharray="4 3"/><text x="{ox + 3:.1f}" y="{height - 2}" font-size="11" '
            f'fill="#c62828">RTO objective {format_duration(objective)}</text>'
        )
    elif objective is not None:
        line = (
            f'<text x="180" y="{height - 2}" font-size="11" fill="#c62828">RTO objective '
            f"{format_duration(objective)} (beyond the axis)</text>"
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height + 6}" '
        f'role="img" aria-label="timeline of {escape(target["target"])}">'
        + "".join(rows)
        + line
        + "</svg>"
    )


def trend_svg(history: list[dict[str, Any]]) -> str:
    """The runbook's RTO (slowest target) per past run, oldest first, as a line chart."""
    points = [h for h in history if h.get("rto_seconds") is not None]
    if len(points) < 2:
        return f"<p>{len(points)} run(s) with a measured RTO so far: no trend yet.</p>"
    width, height = 480, 120
    top = max(p["rto_seconds"] for p in points) or 1.0
    step = (width - 40) / (len(points) - 1)
    coords = [
        (20 + i * step, height - 20 - (p["rto_seconds"] / top) * (height - 40))
        for i, p in enumerate(points)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="'
        f'{"#1a7f37" if p["verdict"] == "passed" else "#c62828"}"><title>'
        f"{escape(p['run_id'])}: RTO {format_duration(p['rto_seconds'])}, {escape(p['verdict'])}"
        "</title></circle>"
        for (x, y), p in zip(coords, points, strict=True)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="RTO trend"><polyline points="{path}" fill="none" stroke="#2f6fb0" '
        f'stroke-width="2"/>{dots}<text x="20" y="12" font-size="11">max '
        f"{format_duration(top)}</text></svg>"
    )


def render(report: dict[str, Any], history: list[dict[str, Any]]) -> str:
    """The whole page."""
    runbook = report["runbook"]
    rows = "".join(
        f"<tr><td>{escape(t['target'])}</td><td>{_verdict(t['verdict'])}</td>"
        f"<td>{_against(t['rpo_seconds'], t['objectives']['rpo_seconds'])}</td>"
        f"<td>{_against(t['rto_seconds'], t['objectives']['rto_seconds'])}</td>"
        f"<td>{escape('; '.join(t['failures']) or '-')}</td></tr>"
        for t in report["targets"]
    )
    manual = "".join(
        f"<tr><td>{escape(m['step'])}</td><td>{escape(m.get('when', ''))}</td>"
        f"<td>{'performed' if m.get('performed') else 'NOT performed'}"
        f"{' (required)' if m.get('required') else ''}</td><td>{escape(m.get('note') or '')}</td>"
        f"<td>{escape(m.get('answered', ''))}</td></tr>"
        for m in report["manual_steps"]
    )
    legend = "".join(
        f'<span><i class="swatch" style="background:{c}"></i>{escape(k)}</span>'
        for k, c in COLOURS.items()
    )
    sections = []
    for target in report["targets"]:
        point = target.get("recovery_point") or {}
        jobs = "".join(
            f"<tr><td>{escape(j['step'])}</td><td><code>{escape(j['job_id'])}</code></td>"
            f"<td>{escape(j['account'])} {escape(j['region'])}</td>"
            f"<td>{escape(str(j['state'] or 'not seen ended'))}{_unread(j)}</td>"
            f"<td>{escape(str(j['created']))}</td><td>{escape(str(j['completed']))}</td></tr>"
            for j in target["jobs"]
        )
        validations = "".join(
            f"<tr><td>{escape(v['kind'])}</td><td>{_verdict('passed' if v['passed'] else 'failed')}"
            f"</td><td>{escape(v['message'])}</td></tr>"
            for v in target["validations"]
        )
        cleanup = "".join(
            f"<tr><td>{escape(c['kind'])}</td><td><code>{escape(c['arn'])}</code></td>"
            f"<td>{escape(c['reason'])}</td></tr>"
            for c in target["cleanup"]
        )
        checks = "".join(
            f"<tr><td>{escape(str(c['step']))}</td><td>{'pass' if c['ok'] else 'FAIL'}</td>"
            f"<td>{escape(str(c['time']))}</td></tr>"
            for c in target["checks"]
        )
        sections.append(
            f"<h2>{escape(target['target'])} {_verdict(target['verdict'])}</h2>"
            f"<p>{escape(target['resource'])} &rarr; {escape(target['restore_to'])}<br>"
            f"Recovery point <code>{escape(str(point.get('recovery_point', '-')))}</code>, data "
            f"from {escape(str(point.get('data_time', '-')))} "
            f"({escape(str(point.get('data_time_basis', '-')))})<br>"
            f"Restored <code>{escape(str(target.get('created_resource') or '-'))}</code></p>"
            f"{timeline_svg(target)}"
            f"<h3>Checks</h3><table><tr><th>step</th><th>verdict</th><th>time</th></tr>{checks}"
            f"</table><h3>Jobs (AWS timestamps)</h3><table><tr><th>step</th><th>job</th>"
            f"<th>where</th><th>state</th><th>created</th><th>completed</th></tr>{jobs}</table>"
            f"<h3>Validation</h3><table>{validations}</table>"
            f"<h3>Clean-up</h3><table>{cleanup or '<tr><td>nothing deleted</td></tr>'}</table>"
        )
    interrupted = (
        f"<p>Interrupted for {format_duration(report['interrupted_seconds'])}, then resumed.</p>"
        if report["interrupted"]
        else ""
    )
    if report.get("resume"):
        interrupted += (
            "<p>Not finished: an AWS error interrupted a target and nothing was cleaned up yet; "
            f"<code>{escape(str(report['resume']))}</code> carries the drill on.</p>"
        )
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        f"<title>Drill {escape(runbook['name'])} {escape(report['run_id'])}</title>"
        f"<style>{STYLE}</style></head><body>"
        f"<h1>Restore drill {escape(runbook['name'])}: {_verdict(report['verdict'])}</h1>"
        f"<p>Run <code>{escape(report['run_id'])}</code> by <code>{escape(str(report['operator']))}"
        f"</code>, from {escape(str(report['started']))} to {escape(str(report['finished']))}.<br>"
        f"Runbook <code>{escape(str(runbook['path']))}</code> (SHA-256 "
        f"<code>{escape(str(runbook['sha256']))}</code>); clean-up "
        f"{escape(report['cleanup_policy'])}.</p>{interrupted}"
        "<table><tr><th>target</th><th>verdict</th><th>RPO / objective</th>"
        f"<th>RTO / objective</th><th>why</th></tr>{rows}</table>"
        f"<h2>Manual steps</h2><table><tr><th>step</th><th>when</th><th>done</th><th>note</th>"
        f"<th>answered</th></tr>{manual}</table>"
        f"<h2>RTO trend of this runbook</h2>{trend_svg(history)}"
        f'<p class="legend">{legend}</p>' + "".join(sections) + "</body></html>\n"
    )


def _unread(job: dict[str, Any]) -> str:
    """The note of a job AWS could not describe when the report was written."""
    if not job.get("unread"):
        return ""
    return (
        f"<br><small>times from drconsole's journal: AWS's record could not be read "
        f"({escape(str(job['unread']))})</small>"
    )
