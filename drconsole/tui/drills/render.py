"""What the drill view draws: the plan as `drill plan` words it, and each target's progress."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

from drconsole.drills.parse import format_duration
from drconsole.drills.progress import DrillProgress, breakdown_text

if TYPE_CHECKING:
    from drconsole.drills.planner import DrillPlan


def plan_text(plan: DrillPlan) -> Text:
    """`drill plan`'s own lines, with targets in bold and what blocks in red."""
    from drconsole.drills.plan_output import plan_lines

    text = Text()
    for line in plan_lines(plan):
        style = ""
        if line.startswith("Target "):
            style = "bold" if " ready " in line else "bold red"
        elif line.lstrip().startswith(("FAIL ", "UNKNOWN ", "cannot ")):
            style = "red"
        elif line.startswith(("Every target", "A target")):
            style = "bold"
        text.append(line + "\n", style=style)
    return text


def progress_text(progress: DrillProgress, now: datetime) -> Text:
    """Per target: state, elapsed since the drill's start, RTO breakdown so far."""
    text = Text()
    for target in progress.targets.values():
        style = "bold red" if target.failed else ("bold green" if target.finished else "bold")
        text.append(f"{target.name:<14}", style="bold")
        text.append(f" {target.state:<26}", style=style)
        text.append(f" {format_duration(progress.elapsed(target, now)):>8}\n")
        phases = breakdown_text(progress.breakdown(target, now))
        text.append(f"  {phases or 'waiting for the drill to start'}\n", style="dim")
    return text


def summary_text(progress: DrillProgress, verdict: str | None) -> Text:
    """One line: the drill's verdict once it has one, how many targets are where, and the
    targets that failed, by name (the progress below may be scrolled past them)."""
    targets = list(progress.targets.values())
    stopped = [t for t in targets if t.failed and t.state.startswith("interrupted")]
    failed = [t for t in targets if t.failed and t not in stopped]
    done = sum(1 for t in targets if t.finished and not t.failed)
    text = Text()
    if verdict is not None:
        style = "bold green" if verdict == "passed" else "bold red"
        text.append(f"drill {verdict}", style=style)
        text.append(" · ")
    text.append(f"{len(targets)} targets: {done} validated")
    if failed:
        text.append(" · ")
        names = ", ".join(f"{t.name} [{t.cause}]" if t.cause else t.name for t in failed)
        text.append(f"{len(failed)} FAILED: {names}", style="bold red")
    if stopped:
        text.append(f" · {len(stopped)} interrupted: {', '.join(t.name for t in stopped)}")
    running = len(targets) - done - len(failed) - len(stopped)
    if running:
        text.append(f" · {running} running")
    return text
