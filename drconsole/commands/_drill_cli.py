"""What `drconsole drill run|resume|cleanup|history` share: printing events, asking manual
steps (questionary, only in a terminal without --yes), exit codes."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drconsole.commands._flow_cli import require_confirmation_path, say
from drconsole.errors import UsageError
from drconsole.redact import escape_controls

if TYPE_CHECKING:
    from drconsole.drills.abandon import CleanupOutcome

EXIT_OK, EXIT_FAILED, EXIT_AWS = 0, 1, 3


# What read-only mode refuses, said for the command that was refused.
RUN_REFUSED = "a drill starts copy and restore jobs"
CLEANUP_REFUSED = "drill cleanup deletes what a drill created"


def _sessions(args: argparse.Namespace, settings: Any = None, refused: str = RUN_REFUSED) -> Any:
    from drconsole.aws.session import AwsSessions
    from drconsole.config import load_settings

    settings = settings if settings is not None else load_settings(args)
    if settings.read_only:
        from drconsole.errors import ReadOnlyViolation

        raise ReadOnlyViolation(
            f"read-only mode is on: {refused}, so it was refused before any AWS call; use "
            "drill plan to check a runbook read-only"
        )
    return AwsSessions(settings)


class DrillPrinter:
    """Drill events as JSON lines, or one short line each for a person."""

    def __init__(self, as_json: bool) -> None:
        from drconsole.commands._flow_events import EventPrinter

        self.as_json = as_json
        self.flow_text = EventPrinter(False)
        self._lock = threading.Lock()

    def __call__(self, event: dict[str, Any]) -> None:
        with self._lock:
            if self.as_json:
                print(json.dumps(event, sort_keys=True, default=str), flush=True)
                return
            line = self.text(event)
            if line:
                target = event.get("target")
                lead = f"[{target}] " if target else "  "
                # Every line of a target's event says whose it is, whatever AWS's message holds.
                first, *rest = line.split("\n")
                lines = [first, *(part if part.startswith(lead) else lead + part for part in rest)]
                say("\n".join(lines), flush=True)

    def text(self, event: dict[str, Any]) -> str:
        """One line (or none) for a person."""
        from drconsole.commands._flow_events import one_line_values

        event = one_line_values(event)
        name = event["event"]
        target = event.get("target", "")
        if name == "flow":
            data = event["flow_event"]
            fake = _Event(data)
            line = self.flow_text.text(fake) if data["event"] != "flow-planned" else ""
            return "\n".join(f"[{target}] {part.strip()}" for part in line.splitlines() if part)
        if name == "drill-started":
            return f"drill {event['run']} of {event['runbook']} started"
        if name == "drill-resumed":
            return f"drill {event['run']} of {event['runbook']} resumed from its journal"
        if name == "target-resolved":
            return f"[{target}] recovery point {event['recovery_point']}"
        if name == "target-interrupted":
            return (
                f"[{target}] interrupted: {event['message']} [{event.get('cause')}]; "
                f"`drconsole drill resume {event['run']}` carries it on"
            )
        if name == "target-failed":
            return f"[{target}] FAILED: {event['message']} [{event.get('cause')}]"
        if name == "validation":
            verdict = "passed" if event["passed"] else "FAILED"
            return f"[{target}] validation {event['kind']} {verdict}: {event['message']}"
        if name == "drill-stopped":
            return (
                f"drill {event['run']} stopped ({event['by']}): `drconsole drill resume "
                f"{event['run']}` carries it on"
            )
        if name == "manual-step":
            done = "performed" if event["performed"] else "NOT performed"
            return f"manual step {event['step']}: {done} {event['note']}".rstrip()
        return ""


class _Event:
    """A flow event's JSON seen through the flow printer's `to_json` interface."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def to_json(self) -> dict[str, Any]:
        return self.data


def ask_manual(step: Any) -> tuple[bool, str]:
    """Ask the operator to perform a manual step, with an optional note."""
    import questionary

    from drconsole.commands._flow_cli import answer_of, confirm

    say(f"Manual step {step.name}: {step.text}")
    done = confirm("Performed?", default=True)  # answered after the step is read, not before
    note = answer_of(questionary.text("Note (optional)"))
    return done, str(note or "")


def confirm_start(runbook: Any) -> bool:
    """Say what the drill will restore where, and ask before anything starts."""
    from drconsole.commands._flow_cli import confirm

    say(f"Drill {runbook.name}: {len(runbook.targets)} target(s), clean-up {runbook.cleanup}")
    for target in runbook.targets:
        say(f"  {target.name}: {target.resource.describe()} -> {target.restore_to.vault_arn}")
    say(f"(drconsole drill plan {runbook.path} checks it all first, read-only)")
    return confirm("Start the drill?")


def _interactive(args: argparse.Namespace) -> bool:
    return require_confirmation_path(
        args,
        "--json needs --yes (there is no one to answer the manual steps)",
        "not a terminal: pass --yes to run the drill headless",
    )


def settings_of_run(args: argparse.Namespace, run_id: str) -> Any:
    """The settings of the drill journal that holds RUN_ID: the real one, or the demo's (a drill
    run in `drconsole demo`), whose sandbox must still be running."""
    from drconsole.commands import _demo_process as proc
    from drconsole.config import default_state_dir, load_settings
    from drconsole.drills.journal import DRILLS_DIR, DrillJournal

    if DrillJournal(default_state_dir()).run(run_id) is not None:
        return load_settings(args)
    demo_dir = proc.demo_state_dir()
    if (demo_dir / DRILLS_DIR).is_dir() and DrillJournal(demo_dir).run(run_id) is not None:
        record = proc.live_record(demo_dir)
        if record is None:
            raise UsageError(
                f"drill {run_id} ran on the demo sandbox, which is gone: it cannot go on"
            )
        return proc.demo_settings(args, record, demo_dir)
    raise UsageError(f"no drill {run_id} in the drill journal")


def _drive(args: argparse.Namespace, runbook: Any, run_id: str | None, settings: Any = None) -> int:
    from drconsole.drills.runner import DrillRunner

    interactive = _interactive(args)
    sessions = _sessions(args, settings)
    if run_id is None:
        # Credentials and AWS answer before a new drill is journaled: one that never reached
        # AWS is not left unfinished in the history (one line, exit 3). A resumed drill says
        # first whether another process holds it.
        sessions.caller_account_id()
    printer = DrillPrinter(args.json)
    runner = DrillRunner(
        sessions,
        runbook,
        state_dir=sessions.settings.state_dir,
        ask_manual=ask_manual if interactive else None,
        on_event=printer,
        min_poll=float(args.poll_interval),
        run_id=run_id,
    )
    if run_id is None:
        runner.refuse_backup_account_restores()  # before asking to start what is refused
    if interactive and run_id is None and not confirm_start(runbook):
        say("Nothing was started.")
        return EXIT_FAILED
    # Ctrl+C, SIGTERM or SIGHUP (cli.STOPPED_AS_CTRL_C) stop it where it is, resumably.
    report = runner.run_to_end(
        Path(args.report_dir) if args.report_dir else None,
        Path(args.junit) if args.junit else None,
    )
    return print_outcome(args, report)


def exit_code(report: dict[str, Any]) -> int:
    """0 passed; 3 when an AWS failure stopped a target (an interrupted drill); 1 otherwise."""
    if report["verdict"] == "passed":
        return EXIT_OK
    if any(t["aws_error"] for t in report["targets"]):
        return EXIT_AWS
    return EXIT_FAILED


def print_outcome(args: argparse.Namespace, report: dict[str, Any]) -> int:
    """The last line(s): the verdict per target and where the report is."""
    from drconsole.drills.parse import format_duration

    code = exit_code(report)
    directory = report.get("report_dir")
    if args.json:
        result = {
            "event": "result",
            "run": report["run_id"],
            "verdict": report["verdict"],
            "exit_code": code,
            "report_dir": directory,
            "resume": report.get("resume"),
            "targets": [
                {
                    "target": t["target"],
                    "verdict": t["verdict"],
                    "cause": t["cause"],
                    "failures": t["failures"],
                    "rpo_seconds": t["rpo_seconds"],
                    "rto_seconds": t["rto_seconds"],
                    "rto_by": t["rto_by"],
                    # True/False against the objective; None: no objective, not judged.
                    "rpo_met": t.get("rpo_met"),
                    "rto_met": t.get("rto_met"),
                }
                for t in report["targets"]
            ],
        }
        print(json.dumps(result, sort_keys=True), flush=True)
        return code
    for target in report["targets"]:
        by = ", ".join(f"{k} {format_duration(v)}" for k, v in target["rto_by"].items())
        objectives = target.get("objectives") or {}
        # A measure without an objective was not judged: said, as in the JUnit file and HTML.
        unjudged = [
            name
            for name, key in (("RPO", "rpo_seconds"), ("RTO", "rto_seconds"))
            if objectives.get(key) is None
        ]
        said = f"; no objective for {' and '.join(unjudged)}: not judged" if unjudged else ""
        say(
            f"{target['target']}: {target['verdict'].upper()} RPO "
            f"{format_duration(target['rpo_seconds'])} RTO {format_duration(target['rto_seconds'])}"
            + (f" ({by})" if by else "")
            + said
        )
        for failure in target["failures"]:
            say(f"  {escape_controls(str(failure))}")
        for item in target["cleanup"]:
            say(f"  clean-up {item['kind']} {item['arn']}: {escape_controls(str(item['reason']))}")
    say(f"drill {report['run_id']} {report['verdict']}; report in {directory}")
    if report.get("resume"):
        say(f"not finished: nothing was cleaned up; `{report['resume']}` carries it on")
    return code


def start_drill(args: argparse.Namespace, runbook: Any) -> int:
    """`drill run`."""
    return _drive(args, runbook, None)


def resume_drill(args: argparse.Namespace, run_id: str) -> int:
    """`drill resume RUN_ID`: the runbook is read again and must not have changed."""
    from drconsole.drills.journal import DrillJournal
    from drconsole.drills.resume import refuse_if_finished, runbook_to_resume

    settings = settings_of_run(args, run_id)
    state = DrillJournal(settings.state_dir).run(run_id)
    if state is not None:  # said before anything else: nothing is left to resume
        refuse_if_finished(state)
    runbook, _ = runbook_to_resume(settings.state_dir, run_id)
    return _drive(args, runbook, run_id, settings)


def cleanup_drill(args: argparse.Namespace, run_id: str) -> int:
    """`drill cleanup RUN_ID`: delete what the drill created and left, whatever its policy; an
    unfinished drill is abandoned first (asked, or --yes), so it is never resumed without its
    copies. Jobs it started that AWS still runs are waited for, at most --wait."""
    from drconsole.drills.abandon import clean_up_run
    from drconsole.drills.cleanup import delete_line

    sessions = _sessions(args, settings_of_run(args, run_id), CLEANUP_REFUSED)
    # With --json, stdout holds the one JSON object: the waits are said on stderr.
    out = sys.stderr if args.json else sys.stdout

    def tell(line: str) -> None:
        say(line, file=out, flush=True)

    asking = threading.Event()  # set while the question is on the terminal

    def confirmed() -> bool:
        asking.set()
        try:
            return confirm_abandon(args, run_id)
        finally:
            asking.clear()

    try:
        outcome = clean_up_run(
            sessions,
            sessions.settings.state_dir,
            run_id,
            confirm=confirmed,
            say=tell,
            wait_seconds=args.wait,
        )
    except KeyboardInterrupt:
        if asking.is_set():
            tell(f"Not abandoned: drill {run_id} is as it was.")
        else:
            tell(
                f"Stopped: what was deleted is journaled; drconsole drill cleanup {run_id} "
                "waits for the drill's jobs and deletes what is left."
            )
        raise
    if outcome is None:
        say("Nothing was deleted.")
        return EXIT_FAILED
    if args.json:
        print(
            json.dumps(
                {
                    "run": run_id,
                    "abandoned": outcome.abandoned,
                    "report": outcome.report,
                    "cleanup": outcome.results,
                    "left": outcome.left,
                    "running": [job.as_dict() for job in outcome.running],
                    "unresolved": [start.as_dict() for start in outcome.unresolved],
                },
                sort_keys=True,
            )
        )
    else:
        for item in outcome.results:
            say(delete_line(item))
        if outcome.report is not None:
            what = "abandoned" if outcome.abandoned else "cleaned up"
            say(f"drill {run_id} {what}; {outcome.report}")
        say(final_line(outcome))
    return EXIT_OK if outcome.done else EXIT_FAILED


def final_line(outcome: CleanupOutcome) -> str:
    """What is left, said last: the jobs still running and the Start calls whose job is not
    known, each when there are some."""
    left = len(outcome.left)
    parts = [f"{left} left"]
    if outcome.running:
        parts.append(f"{len(outcome.running)} job(s) still running")
    if outcome.unresolved:
        parts.append(f"{len(outcome.unresolved)} Start call(s) whose job is not known")
    if len(parts) == 1:
        return parts[0] if left else "nothing the drill created is left"
    told = ", and ".join(parts)
    if outcome.running:
        return f"{told}: drconsole drill cleanup {outcome.run_id} again once they have ended"
    return f"{told}: what such a job makes is not deleted"


def confirm_abandon(args: argparse.Namespace, run_id: str) -> bool:
    """Cleaning up an unfinished drill abandons it: asked in a terminal, or --yes; UsageError
    when there is no one to ask."""
    from drconsole.commands._flow_cli import confirm

    if not require_confirmation_path(
        args,
        f"drill {run_id} is not finished: --json needs --yes to abandon it and delete what "
        "it created",
        f"drill {run_id} is not finished: not a terminal, pass --yes to abandon it and "
        "delete what it created",
    ):
        return True  # --yes
    from drconsole.drills.abandon import question

    return confirm(question(run_id))


def show_history(args: argparse.Namespace, runbook: str | None) -> int:
    """`drill history [RUNBOOK]`: a runbook file or a runbook name."""
    from drconsole.config import default_state_dir
    from drconsole.drills.finish import history
    from drconsole.drills.parse import format_duration, load_runbook
    from drconsole.user_paths import path_refusals

    name = runbook
    if runbook is not None:
        with path_refusals("drill history", runbook):
            is_file = Path(runbook).is_file()
        if is_file:
            name = load_runbook(runbook).name
    # Local files only: no AWS settings (a Region, credentials) are needed to read them.
    runs = history(default_state_dir(), name)
    if args.json:
        print(json.dumps({"runs": runs}, sort_keys=True))
        return EXIT_OK
    if not runs:
        say("no drills yet")
    for run in runs:
        say(
            f"{run['run_id']}  {run['runbook']:<20} {run['verdict']:<10} "
            f"RPO {format_duration(run['rpo_seconds']):>10}  RTO "
            f"{format_duration(run['rto_seconds']):>10}"
            + ("  (interrupted)" if run["interrupted"] else "")
            + (f"  (stopped by {run['stopped']})" if run.get("stopped") else "")
            + (f"  {run['left']} left" if run["left"] and run["verdict"] != "unfinished" else "")
        )
    return EXIT_OK
