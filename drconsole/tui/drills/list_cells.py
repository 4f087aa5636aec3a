"""The Drills screen's cells: a run's verdict, when it ran, what its clean-up left, and the
runbooks folder as the screen names it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text

from drconsole.drills.parse import format_duration

if TYPE_CHECKING:
    from drconsole.drills.catalog import RunbookEntry

VERDICT_STYLE = {
    "passed": "bold green",
    "failed": "bold red",
    "unfinished": "bold yellow",
    "abandoned": "bold yellow",  # ended by `drill cleanup` before it finished: not judged
}


def run_time(text: str | None) -> str:
    """`12-03 06:40` (UTC) of an ISO time, '-' when unknown."""
    if not text:
        return "-"
    moment = datetime.fromisoformat(text)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return f"{moment.astimezone(UTC):%m-%d %H:%M}"


def shown_folder(folder: Path) -> str:
    """The folder as short as it is unambiguous: relative to the working directory when inside
    it, else with `~` for the home folder."""
    for base, prefix in ((Path.cwd(), ""), (Path.home(), "~/")):
        try:
            return prefix + str(folder.resolve().relative_to(base.resolve()))
        except (ValueError, OSError):
            continue
    return str(folder)


def last_result(entry: RunbookEntry, running: bool) -> Text:
    """The list's `Last result` cell: verdict, slowest RTO and when (or why it cannot run)."""
    if entry.runbook is None:
        return Text(f"⚠ {entry.error}", style="red")
    if running:
        return Text("running in this console…", style="bold")
    last = entry.last
    if last is None:
        return Text("never run", style="dim")
    verdict = str(last["verdict"])
    text = Text(f"{verdict:<10}", style=VERDICT_STYLE.get(verdict, ""))
    if last.get("rto_seconds") is not None:
        text.append(f" RTO {format_duration(last['rto_seconds']):>8}")
    text.append(f"  {run_time(last.get('started'))}", style="dim")
    # (one space before it: the cell holds it whole at 80 columns)
    return text.append_text(left_text(last))


def left_text(run: dict[str, Any]) -> Text:
    """` 2 left` after a finished run whose clean-up left what it created (else nothing)."""
    if run["verdict"] == "unfinished" or not run.get("left"):
        return Text()
    return Text(f" {run['left']} left", style="bold yellow")
