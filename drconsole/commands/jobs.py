"""`drconsole jobs`: flows in flight from the journal; `--watch` follows, `--resume` finishes them.

Exit codes: 0 nothing failed; 1 a flow failed or is blocked by a check; 2 bad input (or
`--resume` in read-only mode); 3 AWS refused a call.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import Any

from drconsole.commands._flow_cli import continued, say
from drconsole.commands._flow_flags import add_poll_flag
from drconsole.redact import escape_controls
from drconsole.stop_signals import interrupt_exit_code


def register(subparsers: Any) -> None:
    """Add `jobs` and its flags."""
    parser = subparsers.add_parser(
        "jobs",
        help="copy and restore flows in flight (resume them after a dropped session)",
        description="List the unfinished copy and restore flows of the journal. --watch follows "
        "their jobs (and the jobs started elsewhere) live; --resume carries every unfinished "
        "flow on from where it stopped, never starting a job twice.",
    )
    parser.add_argument("--watch", action="store_true", help="follow the jobs until they end")
    parser.add_argument("--resume", action="store_true", help="carry on every unfinished flow")
    parser.add_argument("--all", action="store_true", help="list finished flows too")
    parser.add_argument("--flow", metavar="ID", help="only this flow")
    parser.add_argument(
        "--abandon",
        metavar="ID",
        help="mark an unfinished flow as failed so that nothing resumes it (its AWS jobs, if "
        "any, are not cancelled)",
    )
    parser.add_argument(
        "--take-over",
        action="store_true",
        help="with --resume: carry on flows that other credentials or another endpoint "
        "started (refused otherwise)",
    )
    parser.add_argument(
        "--metadata",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="with --resume --flow ID: a restore form answer to change while the flow's "
        "restore request is not confirmed yet (a name its checks found taken), or a secret "
        "restore metadata value (a password) that the journal does not keep, given again "
        "(asked without echo in a terminal); repeatable",
    )
    parser.add_argument("--json", action="store_true", help="JSON output (README: jobs)")
    add_poll_flag(parser)
    parser.set_defaults(handler=run)


def _settings(args: argparse.Namespace) -> Any:
    from drconsole.config import load_settings

    return load_settings(args)


def run(args: argparse.Namespace) -> int:
    """List, watch or resume; the demo's flows too, each against its own sandbox and journal."""
    from drconsole.commands._flow_flags import poll_interval

    poll_interval(args)  # checked at the edge, even when no flow will be watched
    _check_ids(args)
    resume_metadata(args)
    demo = _demo_flows(args)
    if demo is None:
        return _run_real(args)
    from drconsole.config import default_state_dir
    from drconsole.flows.journal import Journal

    journal = Journal(default_state_dir())
    if args.abandon:
        # The settings decide, as for --resume: the flag, the config's and the profile's
        # read_only (read without needing a Region: the demo's sandbox may be gone).
        from drconsole.config import read_only_setting

        _refuse_in_read_only(read_only_setting(args), ABANDON_CHANGES)
        demo_ids = {f.flow_id for f in demo.journal.unfinished()}
        return _abandon(demo.journal if args.abandon in demo_ids else journal, args.abandon)
    real = journal.flows() if args.all else journal.unfinished()
    if args.flow:
        real = [f for f in real if f.flow_id == args.flow]
        demo.flows = [f for f in demo.flows if f.flow_id == args.flow]
        if not real and not demo.flows:
            from drconsole.errors import UsageError

            raise UsageError(f"--flow {args.flow}: no such unfinished flow in {journal.path}")
    if not demo.flows:
        return _run_real(args, real)
    if not args.resume and not args.watch:
        return _list_with_demo(args, real, demo)
    worst = _run_real(args, real) if real else 0
    if demo.record is None:
        return max(worst, demo.report_gone(args.json))
    settings = demo.settings(args)
    if args.resume:
        worst = max(worst, _resume(args, settings, [f.flow_id for f in demo.flows]))
    else:
        worst = max(worst, _watch(args, settings, demo.flows))
    if not args.json:
        say(
            "The demo sandbox keeps running: `drconsole demo` opens the console on it, "
            "`drconsole demo --stop` stops it."
        )
    return worst


def _check_ids(args: argparse.Namespace) -> None:
    """--flow and --abandon name a flow id of drconsole's form (it becomes a lock file's name)."""
    from drconsole.flows.ids import checked_flow_id

    for flag, value in (("--flow", args.flow), ("--abandon", args.abandon)):
        if value is not None:
            checked_flow_id(value, flag)


def resume_metadata(args: argparse.Namespace) -> tuple[dict[str, str], dict[str, str]]:
    """`--metadata` of a resume: the secret values (a password the journal does not keep) and
    the restore form answers to change (refused, when the flow is run, once its restore request
    was confirmed); else one line (exit 2)."""
    from drconsole.commands._flow_flags import parse_metadata
    from drconsole.errors import UsageError
    from drconsole.redact import is_secret_name

    given = parse_metadata(args.metadata)
    if given and not args.resume:
        raise UsageError(
            "--metadata needs --resume (it gives back a secret the journal lacks, or changes "
            "the restore form of a flow whose restore is not confirmed yet)"
        )
    if given and not args.flow:
        # A value meant for one flow must not reach another that names the same key.
        raise UsageError("--metadata with --resume needs --flow ID: the value is one flow's")
    secrets = {key: value for key, value in given.items() if is_secret_name(key)}
    changes = {key: value for key, value in given.items() if not is_secret_name(key)}
    return secrets, changes


def _run_real(args: argparse.Namespace, flows: list[Any] | None = None) -> int:
    """List, watch or resume the flows of the real journal on the real settings."""
    from drconsole.config import default_state_dir
    from drconsole.flows.journal import Journal

    if args.abandon:
        settings = _settings(args)
        _refuse_in_read_only(settings.read_only, ABANDON_CHANGES)
        return _abandon(Journal(settings.state_dir), args.abandon)
    journal = Journal(default_state_dir())
    if flows is None:
        flows = journal.flows() if args.all else journal.unfinished()
        if args.flow:
            flows = [f for f in flows if f.flow_id == args.flow]
            if not flows:
                from drconsole.errors import UsageError

                raise UsageError(f"--flow {args.flow}: no such unfinished flow in {journal.path}")
    if not flows and not args.resume and not args.watch:
        # Nothing in the journal to ask AWS about: the settings are still checked, but no
        # Region is needed to say so (after a dropped session, on a host without one set).
        from drconsole.config import NoRegionError

        with contextlib.suppress(NoRegionError):
            _settings(args)
        _print_flows(args, [])
        return 0
    settings = _settings(args)
    if args.resume:
        return _resume(args, settings, [f.flow_id for f in flows])
    if args.watch:
        return _watch(args, settings, flows)
    _print_flows(args, _fresh(settings, flows))
    return 1 if any(f.status in ("failed", "blocked") for f in flows) else 0


def _fresh(settings: Any, flows: list[Any]) -> list[dict[str, Any]]:
    """The flows' summaries with their jobs' states asked of AWS now (read-only calls)."""
    from dataclasses import replace

    from drconsole.flows.live import live_summaries

    jobs = None
    if any(step.job_id for flow in flows for step in flow.steps.values()):
        from drconsole.aws.jobs import JobsApi
        from drconsole.aws.session import AwsSessions

        jobs = JobsApi(AwsSessions(replace(settings, read_only=True)))
    return live_summaries(flows, jobs, settings.state_dir)


def _demo_flows(args: argparse.Namespace) -> Any:
    """The demo journal's flows and its sandbox; None (cheaply) when there are none."""
    from drconsole.commands._demo_flows import DemoFlows

    return DemoFlows.find(all_flows=bool(args.all))


def _list_with_demo(args: argparse.Namespace, real: list[Any], demo: Any) -> int:
    """The real flows, then the demo's (marked `demo`, and whether they can be resumed)."""
    resumable = demo.record is not None
    if resumable:
        fresh = _fresh(demo.settings(args), demo.flows)
    else:
        from drconsole.flows.live import live_summaries

        fresh = live_summaries(demo.flows, None, demo.journal.state_dir)
    demo_summaries = [s | {"demo": True, "resumable": resumable} for s in fresh]
    real_summaries = _fresh(_settings(args), real) if real else []
    if args.json:
        _print_flows(args, real_summaries + demo_summaries)
    else:
        if real:
            _print_flows(args, real_summaries)
        if resumable:
            say(f"Demo flows (sandbox pid {demo.record.pid} at {demo.record.endpoint_url}):")
        else:
            demo.report_gone(False)
        _print_flows(args, demo_summaries)
    flows = [*real, *demo.flows]
    return 1 if any(f.status in ("failed", "blocked") for f in flows) else 0


ABANDON_CHANGES = "abandoning a flow rewrites its journal"


def _refuse_in_read_only(read_only: bool, why: str) -> None:
    """Read-only mode changes nothing: neither AWS nor the journal of a flow."""
    from drconsole.errors import ReadOnlyViolation

    if read_only:
        raise ReadOnlyViolation(
            f"read-only mode is on: {why}, so it was refused before any change; "
            "run without --read-only"
        )


def _abandon(journal: Any, flow_id: str) -> int:
    """Mark one unfinished flow failed (refused while another process drives it)."""
    from drconsole.errors import UsageError
    from drconsole.flows.journal import FlowEnded, FlowLock

    if flow_id not in {f.flow_id for f in journal.unfinished()}:
        raise UsageError(f"--abandon {flow_id}: no such unfinished flow in {journal.path}")
    lock = FlowLock(journal.state_dir, flow_id)
    if not lock.acquire():
        raise UsageError(f"--abandon {flow_id}: another drconsole process is running this flow")
    try:
        # The journal is read again under the lock: the flow may have ended since the list above.
        journal.abandon(flow_id)
    except FlowEnded as ended:
        raise UsageError(f"--abandon {flow_id}: {ended}") from None
    finally:
        lock.release()
    say(f"flow {flow_id} abandoned")
    return 0


def _print_flows(args: argparse.Namespace, summaries: list[dict[str, Any]]) -> None:
    import json

    if args.json:
        print(json.dumps({"flows": summaries}, sort_keys=True, default=str))
        return
    if not summaries:
        say("No flow in flight.")
        return
    for flow in summaries:
        say(
            f"{flow['flow']}  {flow['kind']:<7} {flow['status']:<11} at {flow['current_step']:<7} "
            f"{flow['resource_type'] or ''}  {flow['recovery_point']}"
        )
        if flow.get("hint"):
            say(f"    {flow['hint']}")
        for step in flow["steps"]:
            job = step["job_id"] or "-"
            where = f"{step['account']} {step['region']}" if step["account"] else ""
            source = (
                "" if step.get("state_source") != "journal" or not step["job_id"] else " (journal)"
            )
            said = escape_controls(str(step["result_arn"] or step["status_message"] or ""))
            state = step["state"] + source
            say(f"    {step['step']:<8} {state:<20} {job}  {where}  {said}".rstrip())
            if step.get("state_error"):
                say(f"      AWS could not be asked: {escape_controls(str(step['state_error']))}")
        for blocked in flow["blocked_by"]:
            say(f"    blocked by {blocked['id']}: {escape_controls(str(blocked['evidence']))}")
            say(f"      fix: {continued(blocked['remediation'], '        ')}")
        if flow.get("last_error"):
            error = flow["last_error"]
            message = escape_controls(str(error["message"]))
            say(f"    stopped at {error['step']} by {error['cause']}: {message}")
        if flow["failure"]:
            failure = flow["failure"]
            message = escape_controls(str(failure.get("message")))
            say(f"    failed: {failure.get('cause')}: {message}")


def _resume(args: argparse.Namespace, settings: Any, flow_ids: list[str]) -> int:
    """Run every unfinished flow on from its journal, one after the other."""
    from drconsole.aws.session import AwsSessions
    from drconsole.commands._flow_cli import (
        EXIT_OK,
        EXIT_USAGE,
        ask_restore_values,
        confirm_request,
        exit_code,
        print_error_result,
        print_result,
    )
    from drconsole.commands._flow_events import EventPrinter
    from drconsole.commands._flow_flags import poll_interval
    from drconsole.flows.execute import FlowBusy, FlowEngine, OtherOrigin, SecretNeeded

    _refuse_in_read_only(settings.read_only, "resuming flows starts jobs")
    if not flow_ids:
        if not args.json:
            say("No flow to resume.")
        return 0
    printer = EventPrinter(args.json)
    engine = FlowEngine(
        AwsSessions(settings),
        on_event=printer,
        min_poll=poll_interval(args),
        take_over=bool(getattr(args, "take_over", False)),
    )
    # In a terminal, a request built now (the restore after a copy) is shown and asked first.
    asking = not args.json and sys.stdin.isatty() and sys.stdout.isatty()
    engine.given_secrets, engine.form_changes = resume_metadata(args)
    engine.ask_secret = ask_secret if asking else None
    worst = 0
    try:
        for flow_id in flow_ids:
            try:
                outcome = engine.run(
                    flow_id,
                    confirm_request=confirm_request if asking else None,
                    # Only a form the restore checks blocked is asked again here; a form never
                    # answered is sent with its defaults, shown and confirmed (as before).
                    ask_form_again=ask_restore_values if asking else None,
                )
            except OSError as error:
                print_error_result(args, error, flow_id)
                raise
            except (FlowBusy, OtherOrigin, SecretNeeded) as refused:
                code = EXIT_OK if isinstance(refused, FlowBusy) else EXIT_USAGE
                status = "busy" if isinstance(refused, FlowBusy) else "refused"
                _print_skipped(args, flow_id, status, str(refused), code)
                worst = max(worst, code)
                continue
            code = exit_code(outcome)
            print_result(args, outcome, code)
            worst = max(worst, code)
    finally:
        engine.close()
    if not args.json:
        _drill_hints(settings.state_dir, flow_ids)
    return worst


def ask_secret(flow_id: str, step: str, key: str) -> str | None:
    """A secret metadata value the journal does not keep, asked again without echo; None when
    nothing is typed (the flow is then refused, nothing sent)."""
    import questionary

    from drconsole.commands._flow_cli import answer_of
    from drconsole.commands._prompt_keys import drop_typed_ahead

    drop_typed_ahead()
    say(f"flow {flow_id}: the {step} metadata {key} is a secret the journal does not keep.")
    answer = answer_of(questionary.password(f"{key} (as confirmed when the flow started)"))
    return str(answer) if answer else None


def _drill_hints(state_dir: Any, flow_ids: list[str]) -> None:
    """A drill's flows resume here too; the drill itself (validation, clean-up, report) goes on
    with `drill resume`."""
    from drconsole.drills.journal import unfinished_drill_flows

    drills = unfinished_drill_flows(state_dir)
    for run_id, runbook in dict.fromkeys(drills[f] for f in flow_ids if f in drills):
        say(
            f"drill {run_id} ({runbook}) is unfinished: `drconsole drill resume {run_id}` "
            "validates, measures, cleans up and reports it"
        )


def _print_skipped(
    args: argparse.Namespace, flow_id: str, status: str, message: str, code: int
) -> None:
    """A flow `--resume` did not run: another process drives it (busy), or other credentials
    started it (refused); one line, or its `result` line in --json."""
    import json

    if args.json:
        say(
            json.dumps(
                {
                    "event": "result",
                    "flow": flow_id,
                    "status": status,
                    "exit_code": code,
                    "result": {},
                    "cause": None,
                    "message": message,
                },
                sort_keys=True,
            ),
            flush=True,
        )
    else:
        say(f"flow {flow_id} skipped: {message}")


def _watch(args: argparse.Namespace, settings: Any, flows: list[Any]) -> int:
    """Follow the jobs of the flows and the jobs in flight elsewhere until they all end."""
    import threading

    from drconsole.aws.jobs import JobRef, JobsApi
    from drconsole.aws.session import AwsSessions
    from drconsole.aws.watcher import JobUpdate, JobWatcher, discover
    from drconsole.commands._flow_events import EventPrinter
    from drconsole.commands._flow_flags import poll_interval
    from drconsole.flows import events as ev
    from drconsole.models import CauseCode

    sessions = AwsSessions(settings)
    jobs = JobsApi(sessions)
    watcher = JobWatcher(jobs, min_interval=poll_interval(args))
    printer = EventPrinter(args.json)
    refs: dict[str, tuple[str, str]] = {}
    for flow in flows:
        for step in flow.steps.values():
            if step.job_id and not step.finished and step.account_id:
                kind = "restore" if step.name == "restore" else "copy"
                ref = JobRef(kind, step.account_id, step.region, step.job_id)
                refs[ref.key] = (flow.flow_id, step.name)
    from drconsole.aws.facts import FactReader

    accounts = FactReader(sessions).organization_account_ids()
    found = discover(jobs, settings.regions or (settings.home_region,), accounts)
    for error in found.errors:
        printer(ev.NotListed("", error.account_id, error.region, error.cause.value, error.message))
    for copy in found.copy_jobs:
        ref = JobRef("copy", copy.account_id, copy.region, copy.id)
        refs.setdefault(ref.key, ("", copy.id))
    for restore in found.restore_jobs:
        ref = JobRef("restore", restore.account_id, restore.region, restore.id)
        refs.setdefault(ref.key, ("", restore.id))
    if not refs:
        if not args.json:
            say("No job in flight.")
        return 0
    remaining = set(refs)
    done = threading.Event()
    failed: list[str] = []
    lock = threading.Lock()
    # Job key -> the cause of the polls that could not read it, said once until it changes
    # (a job in a Region that does not answer stays watched: it said nothing at all).
    unreadable: dict[str, str] = {}

    def on_update(update: JobUpdate) -> None:
        flow_id, step = refs[update.ref.key]
        if update.job is None:
            cause = (update.cause or CauseCode.UNKNOWN).value
            if update.error and unreadable.get(update.ref.key) != cause:
                unreadable[update.ref.key] = cause
                ref = update.ref
                printer(
                    ev.JobUnreadable(
                        flow_id, step, ref.kind, ref.job_id, ref.account_id, ref.region,
                        cause, update.error, update.polls,
                    )
                )  # fmt: skip
            return
        read_again = unreadable.pop(update.ref.key, None) is not None
        if update.finished:
            done_at = update.job.completed.timestamp() if update.job.completed else None
            delay = update.seen_at - done_at if done_at else None
            printer(ev.JobFinished(flow_id, step, update.job, update.polls, delay))
            with lock:
                remaining.discard(update.ref.key)
                if update.job.state != "COMPLETED":
                    failed.append(update.ref.key)
                if not remaining:
                    done.set()
        elif update.changed or read_again:
            created = update.job.created.timestamp() if update.job.created else update.seen_at
            elapsed = update.seen_at - created
            printer(ev.JobProgress(flow_id, step, update.job, elapsed, update.polls))

    with watcher:
        for key in list(refs):
            kind, account, region, job_id = key.split(":", 3)
            watcher.watch(JobRef(kind, account, region, job_id), on_update)
        try:
            done.wait()
        except KeyboardInterrupt as stop:
            return interrupt_exit_code(stop)
    return 1 if failed else 0
