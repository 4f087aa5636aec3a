"""A drill's report (report.json) in the console: the verdict, then per target RPO and RTO
against the objectives, the RTO breakdown, validations and clean-up. Every verdict is said in
words as well as colour (✓ met / ✗ MISSED), so it reads the same with NO_COLOR."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen

from drconsole.drills.parse import format_duration
from drconsole.tui.drills.list_cells import run_time
from drconsole.tui.widgets.chrome import StatusLine, TopBar
from drconsole.tui.widgets.key_footer import KeyFooter
from drconsole.tui.widgets.notice_bar import NoticeBar
from drconsole.tui.widgets.plain import Static

GOOD, BAD = "bold green", "bold red"


def verdict_text(verdict: str) -> Text:
    """PASSED / FAILED / INTERRUPTED or ABANDONED (not finished, not judged), styled."""
    if verdict in ("interrupted", "abandoned"):
        return Text(verdict.upper(), style="bold yellow")
    return Text(verdict.upper(), style=GOOD if verdict == "passed" else BAD)


def against(name: str, value: float | None, objective: float | None, met: bool | None) -> Text:
    """`RTO 12.7s / objective 2h00m00s ✓ met`."""
    text = Text(f"{name} {format_duration(value)}", style="bold")
    text.append(f" / objective {format_duration(objective)} ")
    if met is None:
        text.append("(not measured)" if value is None else "(no objective)", style="dim")
    else:
        text.append("✓ met" if met else "✗ MISSED", style=GOOD if met else BAD)
    return text


def breakdown_lines(target: dict[str, Any]) -> Text:
    """The RTO breakdown: each step with who spent it, then the totals by who."""
    text = Text()
    steps = [
        f"{s['step']} {format_duration(s['seconds'])}" + (" (AWS)" if s["by"] == "aws" else "")
        for s in target.get("timeline") or []
    ]
    if steps:
        text.append("  breakdown: ", style="bold")
        text.append(" · ".join(steps) + "\n")
    by = target.get("rto_by") or {}
    if by:
        text.append("  by: ", style="bold")
        text.append(", ".join(f"{k} {format_duration(v)}" for k, v in by.items()) + "\n")
    return text


def target_text(target: dict[str, Any]) -> Text:
    """One target of the report."""
    text = Text(f"\n{target['target']}  ", style="bold underline")
    text.append_text(verdict_text(target["verdict"]))
    text.append(f"  {target['resource']}\n", style="dim")
    objectives = target.get("objectives") or {}
    text.append("  ")
    text.append_text(
        against(
            "RPO", target.get("rpo_seconds"), objectives.get("rpo_seconds"), target.get("rpo_met")
        )
    )
    text.append("   ")
    text.append_text(
        against(
            "RTO", target.get("rto_seconds"), objectives.get("rto_seconds"), target.get("rto_met")
        )
    )
    text.append("\n")
    text.append_text(breakdown_lines(target))
    point = target.get("recovery_point") or {}
    if point:
        text.append(
            f"  recovery point {point.get('recovery_point')} (data of "
            f"{run_time(point.get('data_time'))} UTC, {point.get('data_time_basis')})\n"
        )
    for job in target.get("jobs") or []:
        text.append(
            f"  {job['step']}: {job['kind']} job {job['job_id']} "
            f"{job['state'] or 'not seen ended'} in {job['account']} {job['region']}\n"
        )
        if job.get("unread"):
            text.append(f"    times from the journal: AWS's record unread ({job['unread']})\n")
    for check in target.get("checks") or []:
        if not check["ok"]:
            for failed in check.get("failed") or []:
                text.append(
                    f"  check {check['step']} {failed.get('id')} "
                    f"[{failed.get('cause')}]: {failed.get('evidence')}\n",
                    style=BAD,
                )
    for validation in target.get("validations") or []:
        ok = validation["passed"]
        text.append(f"  validation {validation['kind']}: ")
        text.append("✓ passed" if ok else "✗ FAILED", style=GOOD if ok else BAD)
        text.append(f" {validation['message']}\n")
    for failure in target.get("failures") or []:
        text.append(f"  ✗ {failure}", style=BAD)
        text.append(f" [{target['cause']}]\n" if target.get("cause") else "\n")
    for item in target.get("cleanup") or []:
        text.append(f"  clean-up {item['kind']} {item['arn']}: ")
        text.append(
            str(item["reason"]), style="" if item["deleted"] or item.get("not_ours") else BAD
        )
        text.append(f" [{item['cause']}]\n" if item.get("cause") else "\n")
    if target.get("created_resource") and not target.get("cleanup"):
        text.append(f"  created {target['created_resource']} (kept)\n")
    return text


def report_text(report: dict[str, Any]) -> Text:
    """The whole report, for a person."""
    runbook = report.get("runbook") or {}
    text = Text(f"Drill {runbook.get('name')}  ", style="bold")
    text.append_text(verdict_text(str(report.get("verdict"))))
    text.append(f"   run {report.get('run_id')}\n")
    text.append(
        f"started {run_time(report.get('started'))}, finished {run_time(report.get('finished'))}"
        f" (UTC) by {report.get('operator')}\n"
    )
    if report.get("interrupted"):
        text.append(
            f"interrupted for {format_duration(report.get('interrupted_seconds'))}, resumed\n",
            style="bold yellow",
        )
    if report.get("resume"):
        text.append(
            "not finished: an AWS error interrupted it and nothing was cleaned up yet; R on the "
            f"Drills screen or `{report['resume']}` carries it on\n",
            style="bold yellow",
        )
    text.append(f"runbook {runbook.get('path')} (SHA-256 {str(runbook.get('sha256'))[:12]}…)\n")
    text.append(f"clean-up: {report.get('cleanup_policy')}\n")
    for step in report.get("manual_steps") or []:
        done = "performed" if step.get("performed") else "NOT performed"
        text.append(f"manual step {step['step']} ({step.get('when')}): ")
        text.append(done, style=GOOD if step.get("performed") else "bold yellow")
        # In the zone the header names (UTC): said again here, a note wrapped at 80 columns.
        text.append(f" at {run_time(step.get('answered'))}")
        text.append(f" — {step['note']}\n" if step.get("note") else "\n")
    for missed in report.get("required_manual_steps_not_performed") or []:
        text.append(f"✗ required manual step {missed} was not performed\n", style=BAD)
    for target in report.get("targets") or []:
        text.append_text(target_text(target))
    if report.get("report_dir"):
        text.append(f"\nreport.json and report.html in {report['report_dir']}\n", style="dim")
    return text


class DrillReportScreen(Screen[None]):
    """One drill's report; Esc goes back, ↑ ↓ PgUp PgDn scroll."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]
    DEFAULT_CSS = """
    DrillReportScreen #report-body { height: 1fr; padding: 0 1; }
    """

    def __init__(self, report: dict[str, Any]) -> None:
        super().__init__()
        self.report = report
        self.trail = ("Drills", str((report.get("runbook") or {}).get("name")), "Report")

    @classmethod
    def from_file(cls, path: Path) -> DrillReportScreen:
        """The report in a report.json (OSError, ValueError when it cannot be read)."""
        from drconsole.drills.finish import summary
        from drconsole.drills.report import read_report

        report = read_report(path)
        summary(report, path.parent)  # shaped as a drill's report, or UnreadableReport
        try:
            report_text(report)
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            # Edited or damaged by hand: said where it is read, never the end of the console.
            raise ValueError(f"damaged report ({type(exc).__name__}: {exc})") from None
        return cls(report)

    def compose(self) -> ComposeResult:
        settings = getattr(self.app, "settings", None)
        yield TopBar(
            self.trail,
            read_only=bool(getattr(settings, "read_only", False)),
            break_glass=getattr(settings, "break_glass", None),
        )
        with VerticalScroll(id="report-body"):
            yield Static(report_text(self.report), id="report-text")
        yield StatusLine()
        yield NoticeBar(id="screen-notices")  # below the report, not over its last lines
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#report-body").focus()
        targets = self.report.get("targets") or []
        passed = sum(1 for t in targets if t["verdict"] == "passed")
        self.query_one(StatusLine).update(
            f"{self.report.get('verdict')}: {passed} of {len(targets)} targets passed │ "
            "↑ ↓ PgUp PgDn scroll, Esc back"
        )

    def action_back(self) -> None:
        """Back to where the report was opened."""
        self.app.pop_screen()
