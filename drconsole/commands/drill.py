"""`drconsole drill plan|run|resume|cleanup|history`: restore drills from runbook files.

Exit codes: 0 the drill passed (plan: every target can start); 1 a target failed, missed an
objective or cannot start; 2 bad runbook or flags, or --read-only for run; 3 AWS failure (plan:
the targets that cannot start are held back only by AWS not answering).
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from drconsole import limits
from drconsole.redact import escape_controls_lines


def register(subparsers: Any) -> None:
    """Add `drill` and its subcommands."""
    parser = subparsers.add_parser(
        "drill",
        help="restore drills from runbook files",
        description="Plan, run, resume and clean up restore drills written as runbook files; "
        "list past drills.",
    )
    kinds = parser.add_subparsers(
        dest="drill_kind",
        metavar="{plan,run,resume,cleanup,history}",
        required=True,
        parser_class=type(parser),
    )
    plan = kinds.add_parser(
        "plan",
        help="resolve and check every target (read-only)",
        description="Resolve every "
        "target's recovery point, run its checks, show the route, the RPO achievable now, what "
        "the drill creates and what clean-up deletes. Changes nothing.",
    )
    plan.add_argument("runbook", metavar="RUNBOOK", help="runbook file (YAML)")
    plan.add_argument("--json", action="store_true", help="stable JSON on stdout")
    plan.set_defaults(handler=run_plan)

    run = kinds.add_parser(
        "run",
        help="run a drill",
        description="Run every target in parallel (copy back, restore, validate), measure RPO "
        "and RTO, clean up, and write report.json, report.html (and JUnit XML).",
    )
    run.add_argument("runbook", metavar="RUNBOOK", help="runbook file (YAML)")
    _run_flags(run)
    run.set_defaults(handler=run_run)

    resume = kinds.add_parser(
        "resume",
        help="resume an interrupted drill",
        description="Carry an interrupted drill on from its journal: no job is started twice.",
    )
    resume.add_argument("run_id", metavar="RUN_ID")
    _run_flags(resume)
    resume.set_defaults(handler=run_resume)

    cleanup = kinds.add_parser(
        "cleanup",
        help="delete what a drill created and left",
        description="Delete what the drill created and has not deleted yet (only that). An "
        "unfinished drill is abandoned first: it can no longer be resumed.",
    )
    cleanup.add_argument("run_id", metavar="RUN_ID")
    cleanup.add_argument(
        "--yes", action="store_true", help="abandon an unfinished drill without being asked"
    )
    cleanup.add_argument(
        "--wait",
        type=_wait_duration,
        default=DEFAULT_WAIT_TEXT,
        metavar="DURATION",
        help="how long to wait for the drill's jobs AWS still runs (it cannot cancel them) so "
        "that what they make is deleted too: 30m, 2h, 0 (do not wait); default "
        f"{DEFAULT_WAIT_TEXT}",
    )
    cleanup.add_argument("--json", action="store_true", help="stable JSON on stdout")
    cleanup.set_defaults(handler=run_cleanup)

    history = kinds.add_parser(
        "history",
        help="past drills with RPO, RTO and verdict",
        description="List past drill runs (all, or of one runbook) from the drill journal and "
        "their reports.",
    )
    history.add_argument("runbook", nargs="?", metavar="RUNBOOK", help="runbook name or file")
    history.add_argument("--json", action="store_true", help="stable JSON on stdout")
    history.set_defaults(handler=run_history)


def _run_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--yes", action="store_true", help="headless: manual steps not performed")
    parser.add_argument("--json", action="store_true", help="JSON lines of events, then a result")
    parser.add_argument(
        "--junit",
        metavar="FILE",
        help="write JUnit XML (one test case per target); drill resume defaults to the run's",
    )
    parser.add_argument(
        "--report-dir",
        metavar="DIR",
        help="the folder whose <runbook>/<run id>/ gets the run's report.json and report.html "
        "(default: the state dir's drills/<runbook>/<run id>/); drill resume defaults to the "
        "run's own",
    )
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="first interval between two polls of a job (default 1)",
    )


def _sessions(args: argparse.Namespace) -> Any:
    from drconsole.aws.session import AwsSessions
    from drconsole.config import load_settings

    return AwsSessions(load_settings(args))


def run_plan(args: argparse.Namespace) -> int:
    """Parse, resolve and check; print the plan."""
    import json

    from drconsole.drills.parse import load_runbook
    from drconsole.drills.plan_output import plan_json, plan_lines
    from drconsole.drills.planner import plan_drill

    runbook = load_runbook(args.runbook)
    sessions = _sessions(args)
    # No credentials, or no AWS at all: one line and exit 3 (as check and ls), not every
    # target "cannot resolve" and exit 1, which a CI gate reads as a runbook that fails.
    sessions.caller_account_id()
    plan = plan_drill(sessions, runbook)
    if args.json:
        print(json.dumps(plan_json(plan), indent=2, sort_keys=True))
    else:
        # The runbook's text (steps, names) and AWS's messages, never a raw control character.
        print(escape_controls_lines("\n".join(plan_lines(plan))))
    if plan.ok:
        return 0
    # AWS did not answer (throttled past the retries...): an AWS failure, not a target that
    # cannot start; a CI gate tells the two apart by the exit code.
    return 3 if plan.unanswered else 1


def run_run(args: argparse.Namespace) -> int:
    """Run a drill from a runbook file."""
    from drconsole.commands._drill_cli import start_drill
    from drconsole.drills.parse import load_runbook

    _check_run_flags(args)
    return start_drill(args, load_runbook(args.runbook))


def run_resume(args: argparse.Namespace) -> int:
    """Resume an interrupted drill."""
    from drconsole.commands._drill_cli import resume_drill
    from drconsole.flows.ids import checked_run_id

    checked_run_id(args.run_id)
    _check_run_flags(args)
    return resume_drill(args, args.run_id)


def run_cleanup(args: argparse.Namespace) -> int:
    """Delete what a drill created and left."""
    from drconsole.commands._drill_cli import cleanup_drill
    from drconsole.flows.ids import checked_run_id

    checked_run_id(args.run_id)
    return cleanup_drill(args, args.run_id)


def run_history(args: argparse.Namespace) -> int:
    """List past drills."""
    from drconsole.commands._drill_cli import show_history

    return show_history(args, args.runbook)


# drills.unended_jobs.DEFAULT_WAIT, spelled here as typed: importing it would load botocore at
# every start.
DEFAULT_WAIT_TEXT = "1h"


def _wait_duration(text: str) -> float:
    """`--wait`: a duration (`30m`, `1h30m`, `45s`) or 0."""
    from drconsole.drills.parse import parse_duration

    if text.strip() in ("0", "0s"):
        return 0.0
    try:
        return parse_duration(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a duration such as 30m, 1h or 45s (or 0), got {limits.shown(text, 60)}"
        ) from None


def _check_run_flags(args: argparse.Namespace) -> None:
    from drconsole.errors import UsageError

    value = float(args.poll_interval)
    if not 0.05 <= value <= 30:
        raise UsageError(f"--poll-interval {value:g}: expected 0.05 to 30 seconds")
    from drconsole.commands._output_path import checked_output

    # Where the evidence goes is checked before the drill starts, not after its last target;
    # kept `~`-expanded and absolute: the report folder is journaled, and read again by
    # `drill history`, readiness and the console from whatever folder they run in.
    if args.report_dir is not None:
        args.report_dir = os.path.abspath(
            checked_output(
                args.report_dir,
                "--report-dir",
                folder=True,
                makes_folders=True,
                files=("report.json", "report.html"),
            )
        )
    if args.junit is not None:
        args.junit = os.path.abspath(checked_output(args.junit, "--junit", makes_folders=True))
