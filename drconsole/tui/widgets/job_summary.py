"""The jobs screen's summary line: AWS's job counts for the organization, shown while the
per-account listing still loads, or one muted line saying why there are none."""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING

from rich.text import Text

from drconsole.tui.widgets.plain import Static

if TYPE_CHECKING:
    from drconsole.aws.job_summaries import JobSummaries

# States named in the line when they have jobs (failed and completed always are).
NAMED_STATES = (("FAILED", "failed"), ("ABORTED", "aborted"), ("EXPIRED", "expired"))
MAX_ACCOUNTS_NAMED = 4
# AWS's aggregation periods as the line says them (30 days on the screen is AWS's 14).
PERIOD_LABEL = {"ONE_DAY": "24h", "SEVEN_DAYS": "7d", "FOURTEEN_DAYS": "14d"}


def summary_text(found: JobSummaries, names: dict[str, str]) -> Text:
    """Two lines — 'AWS counts 24h since 12-03 00:00 UTC │ failures: qa 3, dev 1' over
    'backup 2 failed, 22 completed │ copy 3 failed, 26 completed │ restore 1 failed' — or the
    one muted line saying why AWS gave none. Each line is cut, never wrapped."""
    from drconsole.aws.job_summaries import KIND_OF_OPERATION

    if not found.available:
        cause = f" [{found.cause}]" if found.cause else ""
        line = f"AWS job summaries not available: {found.unavailable}{cause}"
        return Text(line, style="dim", no_wrap=True, overflow="ellipsis")
    start, _ = found.window()
    since = f" since {start.astimezone(UTC):%m-%d %H:%M} UTC" if start else ""
    text = Text(no_wrap=True, overflow="ellipsis")
    label = PERIOD_LABEL.get(found.period, found.period)
    text.append(f"AWS counts {label}{since}", style="bold")
    # Most failures first, then by name: the same order whichever Region answered first.
    problems = sorted(
        ((names.get(a) or a, n) for a, n in found.problem_accounts().items()),
        key=lambda item: (-item[1], item[0]),
    )
    # Counts that could not be read make the failures a partial list, never "no failures".
    partial = " (partial)" if found.errors else ""
    if problems:
        named = [f"{name} {n}" for name, n in problems[:MAX_ACCOUNTS_NAMED]]
        more = len(problems) - MAX_ACCOUNTS_NAMED
        text.append(f" │ failures{partial}: ", style="bold")
        text.append(", ".join(named) + (f" +{more}" if more > 0 else ""), style="bold red")
    else:
        text.append(" │ failures: ?" if partial else " │ no failures")
    text.append("\n")
    # The kinds counted first: on a narrow screen the line is cut, and the `?` says less.
    kinds = sorted(found.kinds, key=lambda kind: bool(found.unread_regions(kind)))
    for position, kind in enumerate(kinds):
        if position:
            text.append(" │ ")
        unread = found.unread_regions(kind)
        if unread:
            # Any Region unread makes the kind's totals unknown: `?`, with where and why.
            causes = sorted(
                {str(e.cause) for e in found.errors if KIND_OF_OPERATION.get(e.operation) == kind}
            )
            where = ", ".join(unread)
            text.append(f"{kind} ? ({where} not counted [{', '.join(causes)}])", style="yellow")
            continue
        counts = found.counts(kind)
        parts = [f"{counts[s]} {word}" for s, word in NAMED_STATES if counts[s] or s == "FAILED"]
        if counts["PARTIAL"]:
            parts.append(f"{counts['PARTIAL']} partial")
        if counts["COMPLETED"]:
            parts.append(f"{counts['COMPLETED']} completed")
        style = "red" if any(counts[s] for s, _ in NAMED_STATES) else ""
        text.append(f"{kind} {', '.join(parts)}", style=style)
    return text


class JobSummaryLine(Static):
    """AWS's counts of the period, above the per-account list of jobs."""

    DEFAULT_CSS = """
    JobSummaryLine { height: auto; max-height: 2; padding: 0 1; }
    """

    def show_asking(self, label: str) -> None:
        """Say the counts of `label` (24h, 7d...) are being asked."""
        self.update(Text(f"AWS job summaries ({label}): asking…", style="dim"))

    def show(self, found: JobSummaries, names: dict[str, str]) -> None:
        """Show the counts, or why there are none."""
        self.update(summary_text(found, names))
