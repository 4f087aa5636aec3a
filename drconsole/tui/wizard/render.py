"""Rich text for the wizard's panes: the plan and its checks, the exact API requests, progress."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from drconsole.job_request import JobRequest
from drconsole.models import Check, CheckStatus, CopyJob, RestoreJob

STEPS = (
    "Recovery point",
    "Destination",
    "Plan & checks",
    "Confirm",
    "Copy",
    "Restore form",
    "Restore",
    "Result",
)
STATUS_STYLES = {
    CheckStatus.PASS: "green",
    CheckStatus.WARN: "yellow",
    CheckStatus.FAIL: "bold red",
    CheckStatus.UNKNOWN: "magenta",
}


def toggle_label(label: str, on: bool) -> str:
    """A checkbox label that states its value in words: the box's glyph is the same either way
    and only its colour differs, which NO_COLOR and monochrome terminals do not show."""
    return f"{label} ({'on' if on else 'off'})"


def steps_bar(current: str, width: int | None = None) -> Text:
    """`Recovery point > Destination > ...` with the current step highlighted; when that does
    not fit in `width`, the other steps shrink to their numbers (`1 > 2 Destination > 3 ...`)."""
    text = Text()
    for index, name in enumerate(STEPS):
        if index:
            text.append(" > ", style="dim")
        text.append(name, style="bold reverse" if name == current else "dim")
    if width is None or text.cell_len <= width:
        return text
    text = Text()
    for index, name in enumerate(STEPS, start=1):
        if index > 1:
            text.append(" > ", style="dim")
        if name == current:
            text.append(f"{index} {name}", style="bold reverse")
        else:
            text.append(str(index), style="dim")
    return text


def checks_text(reports: tuple[tuple[str, Any], ...]) -> Text:
    """Each check with its status; failing ones with their remediation."""
    text = Text()
    for step, report in reports:
        text.append(f"Checks before {step}\n", style="bold")
        for check in report.checks:
            text.append_text(check_line(check))
    return text


def check_line(check: Check) -> Text:
    """One check, and its remediation when it blocks."""
    text = Text()
    text.append(f"  {check.status.value:<7}", style=STATUS_STYLES.get(check.status, ""))
    text.append(f" {check.title}: {check.evidence}\n")
    if check.status in (CheckStatus.FAIL, CheckStatus.UNKNOWN) and check.remediation:
        text.append(f"      fix: {check.remediation}\n", style="yellow")
    return text


def plan_text(prepared: Any) -> Text:
    """Route and checks of a prepared flow."""
    plan = prepared.plan
    text = Text()
    text.append("Route: ", style="bold")
    text.append(f"{plan.route.reason}\n")
    for index, hop in enumerate(plan.route.hops, start=1):
        text.append(f"  hop{index}: {hop.source.arn}\n     -> {hop.destination.arn}\n")
    if plan.restore:
        where = f"{plan.final_account} {plan.final_region}"
        text.append(f"  then restore the {plan.source.resource_type} in {where}\n")
    text.append("\n")
    text.append_text(checks_text(prepared.reports))
    if prepared.cautions:
        text.append("\n")
        text.append_text(cautions_text(prepared))
    if prepared.ok and prepared.restore_waits:
        plan = prepared.plan
        text.append(
            f"\nThe restore checks fail in account {plan.final_account} ({plan.final_region}): "
            "the copy can start now; fix them meanwhile (Checks and fixes), or the restore is "
            "blocked once the copy exists and resumes after the fix.\n",
            style="bold yellow",
        )
    if not prepared.ok:
        text.append("\nA check blocks the flow: fix it, then Re-check.\n", style="bold red")
    return text


def cautions_text(prepared: Any) -> Text:
    """Each caution (why this flow is rarely meant), before the requests it concerns."""
    text = Text()
    for caution in prepared.cautions:
        text.append("Caution: ", style="bold yellow")
        text.append(f"{caution.message}\n\n")
    return text


def requests_text(prepared: Any) -> Text:
    """The requests confirmed with the plan, exactly as they will be sent, and what comes later."""
    text = Text()
    for request in prepared.requests:
        text.append_text(request_text(request))
        text.append("\n")
    if prepared.restore_built_later:
        plan = prepared.plan
        text.append(
            f"backup:StartRestoreJob as {plan.final_account} in {plan.final_region}\n",
            style="bold",
        )
        source = (
            "the copy's own restore metadata once the copy exists"
            if plan.route.hops
            else "the recovery point's own restore metadata"
        )
        text.append(
            f"built after the restore form (from {source}), then shown here and sent only when "
            "you confirm it\n"
        )
    return text


def request_text(request: JobRequest) -> Text:
    """One request: the operation, where it runs, its parameters as they are sent."""
    head, _, body = request.text().partition("\n")
    text = Text()
    text.append(head + "\n", style="bold")
    text.append(body + "\n")
    return text


def job_status(step: str, job: CopyJob | RestoreJob, elapsed: float) -> str:
    """`hop1 RUNNING 12s 22.0 GiB in 111122223333 eu-north-1` / `restore RUNNING 40% ~3 min
    in 111122223333 eu-central-1`."""
    parts = [step, job.state, f"{elapsed:.0f}s"]
    if isinstance(job, CopyJob):
        if job.size_bytes:
            parts.append(f"{job.size_bytes / 2**30:.1f} GiB")
        if job.child_states:
            parts.append(" ".join(f"{k}:{v}" for k, v in job.child_states))
    else:
        if job.percent_done is not None:
            parts.append(f"{job.percent_done:.0f}%")
        if job.expected_minutes:
            parts.append(f"~{job.expected_minutes} min")
    # Where the job runs, on the line the operator watches (the log scrolls it away).
    parts.append(f"in {job.account_id} {job.region}")
    return "  ".join(parts)


def result_text(outcome: Any, failure: dict[str, Any]) -> Text:
    """What a flow made, or what failed (its cause, explanation and fix) and how to go on."""
    text = Text()
    if outcome.status == "completed":
        text.append("Done.\n", style="bold green")
        for key, value in outcome.result.items():
            if value:
                text.append(f"{key.replace('_', ' ')}: ", style="bold")
                text.append(f"{value}\n")
        return text
    text.append(f"Flow {outcome.status}: ", style="bold red")
    text.append(f"{outcome.message}\n")
    if outcome.cause:
        text.append(f"cause: {outcome.cause}\n", style="bold")
    if failure.get("also_possible"):
        from drconsole.diagnose import also_possible_text

        causes = (str(cause) for cause in failure["also_possible"])
        text.append(f"also possible: {also_possible_text(causes)}\n")
    for label in ("explanation", "remediation"):
        if failure.get(label):
            text.append(f"{label}: {failure[label]}\n")
    if outcome.result.get("created_resource"):  # a restore AWS completed with data missing
        text.append("restored incompletely: ", style="bold")
        text.append(f"{outcome.result['created_resource']}\n")
    if outcome.status == "blocked" and failure.get("form_again"):
        # The fix may name `--metadata`, which the console has no place for: here the form is.
        text.append(
            "Resume the flow from the jobs screen (j, then Enter on the flow): its restore "
            "form is asked again, prefilled with your answers, to change a taken name or any "
            "other value; nothing was sent. (`--metadata KEY=VALUE` is the command line's "
            "way: `drconsole jobs --resume --flow ID --metadata KEY=VALUE`.)\n"
        )
    elif outcome.status == "blocked":
        text.append(
            "Fix it (the checks panel offers drconsole's own fixes), then resume the "
            "flow from the jobs screen (j, or Jobs in the command palette).\n"
        )
    return text
