"""What `drconsole copy`, `restore` and `jobs` share: running a flow, printing it, prompts.

Text mode prints one line per change (_flow_events.py); `--json` prints every flow event as one
JSON line and, last, one `result` object (README: the `--json` event schema). Prompts
(questionary) are used only in a terminal without `--yes`. The flags and their checks are in
_flow_flags.py.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import TYPE_CHECKING, Any

from drconsole.commands._flow_flags import poll_interval
from drconsole.commands._prompt_keys import drop_typed_ahead, keys_held
from drconsole.errors import UsageError
from drconsole.redact import escape_controls_lines

if TYPE_CHECKING:
    from drconsole.commands._flow_events import EventPrinter

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_AWS = 0, 1, 2, 3


def say(*parts: object, **options: Any) -> None:
    """`print` for people: names, evidence and AWS's messages in what is printed reach the
    terminal with their control characters escaped (an escape sequence in a failure message
    would clear the screen), line breaks kept."""
    print(*(escape_controls_lines(str(part)) for part in parts), **options)


def continued(text: object, lead: str) -> str:
    """`text` (AWS's message, a failure) with each line after its first starting with `lead`:
    a line break in what AWS said must not start a line that reads as drconsole's own."""
    first, *rest = str(text).split("\n")
    return "\n".join([first, *(lead + line for line in rest)])


def interactive(args: argparse.Namespace) -> bool:
    """True when prompts are allowed: no --yes, no --json, and a terminal on both ends."""
    return not args.yes and not args.json and sys.stdin.isatty() and sys.stdout.isatty()


def require_confirmation_path(
    args: argparse.Namespace,
    json_refused: str = "--json needs --yes (there is no one to confirm the flow)",
    no_terminal: str = "not a terminal: pass --yes to run the flow without confirmation",
) -> bool:
    """Without --yes there must be someone to ask: a UsageError saying `json_refused` under
    --json, `no_terminal` without a terminal on both ends. True when someone is to be asked,
    False under --yes."""
    if args.yes:
        return False
    if args.json:
        raise UsageError(json_refused)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError(no_terminal)
    return True


def engine_for(args: argparse.Namespace, printer: EventPrinter) -> Any:
    """Settings, sessions and a flow engine for the command."""
    from drconsole.aws.session import AwsSessions
    from drconsole.config import load_settings
    from drconsole.flows.execute import FlowEngine

    settings = load_settings(args)
    if settings.read_only:
        from drconsole.errors import ReadOnlyViolation

        raise ReadOnlyViolation(
            "read-only mode is on: copy and restore flows start jobs, so the flow was refused "
            "before any AWS call; run without --read-only to copy or restore"
        )
    return FlowEngine(AwsSessions(settings), on_event=printer, min_poll=poll_interval(args))


def print_prepared(prepared: Any) -> None:
    """The plan, the checks and the exact API requests, for a person to confirm."""
    plan = prepared.plan
    say(f"Recovery point {plan.source.arn}")
    say(f"  {plan.source.resource_type} {plan.source.resource_name} in {plan.source.vault.arn}")
    if plan.destination is not None:
        say(f"Destination {plan.destination.arn}")
    say(f"Route: {plan.route.reason}")
    for step, report in prepared.reports:
        for check in report.checks:
            say(f"  [{check.status.value}] {step} {check.id}: {check.evidence}")
            if check.status.value in ("FAIL", "UNKNOWN") and check.remediation:
                say(f"      fix: {check.remediation}")
    if prepared.restore_waits:
        say(
            f"The restore checks fail in account {plan.final_account} ({plan.final_region}): the "
            "copy can start now; fix them meanwhile, or the restore is blocked once the copy "
            "exists (then `drconsole jobs --resume` after the fix)."
        )
    say("API requests (sent exactly as shown):")
    for request in prepared.requests:
        print_request(request)
    if prepared.restore_built_later:
        say(
            f"  backup:StartRestoreJob as {plan.final_account} in {plan.final_region}: built "
            "once the copy exists, from the copy's own restore metadata; shown and asked then."
        )


def print_request(request: Any) -> None:
    """One request (a JobRequest), as it will be sent."""
    head, _, body = request.text().partition("\n")
    say(f"  {head}:")
    for line in body.splitlines():
        say(f"    {line}")


def print_result(args: argparse.Namespace, outcome: Any, code: int) -> None:
    """The final `result` line of --json."""
    if args.json:
        say(
            json.dumps(
                {
                    "event": "result",
                    "flow": outcome.flow_id,
                    "status": outcome.status,
                    "exit_code": code,
                    "result": outcome.result,
                    "cause": outcome.cause,
                    "message": outcome.message,
                },
                sort_keys=True,
            ),
            flush=True,
        )


def print_error_result(
    args: argparse.Namespace, error: BaseException, flow_id: str | None = None
) -> None:
    """The `result` line of --json for a flow that ends on an error rather than an outcome: an
    AWS failure before the flow existed (exit 3), or a write that failed for want of room (the
    journal or audit log on a full disk, exit 1), so that `result` still ends the stream."""
    from drconsole.cli import WRITE_FAILURES
    from drconsole.errors import AwsError

    if not args.json:
        return
    if isinstance(error, AwsError):
        code, cause, message = EXIT_AWS, error.cause, str(error)
    elif isinstance(error, OSError) and error.errno in WRITE_FAILURES:
        code, cause = EXIT_FAILED, None
        message = f"could not write: {error.strerror} (is the disk full?)"
    else:
        return
    line = json.dumps(
        {
            "event": "result",
            "flow": flow_id,
            "status": "error",
            "exit_code": code,
            "result": {},
            "cause": cause,
            "message": message,
        },
        sort_keys=True,
    )
    # Standard output may be on the full disk too: then the error line on stderr says it.
    with contextlib.suppress(OSError):
        say(line, flush=True)


def exit_code(outcome: Any) -> int:
    """0 done, 1 a check or job failed, 3 an AWS call failed (the flow can be resumed)."""
    if outcome.status == "completed":
        return EXIT_OK
    if outcome.status == "stopped":
        say(f"flow {outcome.flow_id} stopped: resume it with `drconsole jobs --resume`")
    if outcome.status == "interrupted":
        say(
            f"flow {outcome.flow_id} interrupted by an AWS error: "
            f"`drconsole jobs --resume --flow {outcome.flow_id}` carries it on",
            file=sys.stderr,
        )
    if outcome.aws_error:
        return EXIT_AWS
    return EXIT_FAILED


def blocked_before_start(args: argparse.Namespace, prepared: Any) -> int:
    """Checks of the first step failed: show them (JSON: the checks and a result) and exit 1."""
    if args.json:
        from drconsole.checks.runner import check_to_json

        for step, report in prepared.reports:
            say(
                json.dumps(
                    {
                        "event": "checks",
                        "flow": None,
                        "step": step,
                        "ok": report.ok,
                        "checks": [check_to_json(c) for c in report.checks],
                    },
                    sort_keys=True,
                )
            )
        failing = [
            c
            for _, r in prepared.reports
            for c in r.checks
            if c.status.value in ("FAIL", "UNKNOWN")
        ]
        first = failing[0] if failing else None
        say(
            json.dumps(
                {
                    "event": "result",
                    "flow": None,
                    "status": "blocked",
                    "exit_code": EXIT_FAILED,
                    "result": {},
                    "cause": first.cause.value if first and first.cause else None,
                    "message": f"check {first.id} {first.status.value}: {first.evidence}"
                    if first
                    else "",
                },
                sort_keys=True,
            )
        )
    else:
        print_prepared(prepared)
        say("A check failed: nothing was started. Fix it and run the command again.")
    return EXIT_FAILED


def ask_restore_values(form: Any, values: dict[str, str]) -> dict[str, str]:
    """Ask for each restore form field in the terminal (questionary), validating each; keys
    typed ahead of a field's prompt go to that field."""
    with keys_held():
        return _ask_fields(form, values)


def _ask_fields(form: Any, values: dict[str, str]) -> dict[str, str]:
    import questionary

    from drconsole.flows import restore_forms as forms

    answers = dict(values)
    for form_field in form.fields:

        def check(text: str, f: Any = form_field) -> bool | str:
            problem = forms.field_problem(f, text, form.region)
            return True if problem is None else f"{f.key} {problem}"

        answers[form_field.key] = str(
            answer_of(
                questionary.text(
                    f"{form_field.label} ({form_field.key})",
                    default=str(values.get(form_field.key, "")),
                    validate=check,
                )
            )
        )
    return answers


def answer_of(question: Any) -> Any:
    """A questionary answer; Ctrl-C, and Ctrl-D on an empty line, raise KeyboardInterrupt.
    prompt_toolkit ends a text prompt on Ctrl-D with EOFError, which questionary's `ask` lets
    through (it ended the command as an unexpected error): both keys mean "stop here"."""
    try:
        return question.unsafe_ask()
    except EOFError:
        raise KeyboardInterrupt from None


def confirm(prompt: str, default: bool = False) -> bool:
    """Ask yes/no (questionary); Ctrl-C raises KeyboardInterrupt (exit 130). A key typed before
    the question is asked does not answer it."""
    import questionary

    drop_typed_ahead()
    return bool(answer_of(questionary.confirm(prompt, default=default)))


def with_form_values(prepared: Any, values: dict[str, str]) -> Any:
    """The prepared flow with the answered restore form (and so the requests to confirm)."""
    from dataclasses import replace

    from drconsole.flows import plan as pl
    from drconsole.flows import restore_forms as forms
    from drconsole.flows.journal import idempotency_token

    requests = pl.planned_requests(
        prepared.plan,
        lambda step: idempotency_token(prepared.flow_id, 0, step),
        forms.metadata_for(prepared.form, values),
    )
    return replace(prepared, form_values=values, requests=tuple(requests))


def confirm_request(request: Any) -> bool:
    """Show a request built after the plan (the restore after a copy) and ask before it is
    sent: the object shown is the one sent."""
    say("This request will be sent:")
    print_request(request)
    try:
        return confirm(f"Send this {request.operation}?")
    except KeyboardInterrupt:
        # The flow has started jobs: stopping here leaves it to `jobs --resume`, said as such.
        return False


def accept_cautions(args: argparse.Namespace, prepared: Any) -> Any | None:
    """Say each caution and ask; with --yes, each needs its flag (UsageError naming it).
    `prepared` with how each caution was accepted (journaled and emitted when the flow
    begins), or None when the operator said no."""
    from dataclasses import replace

    from drconsole.flows.cautions import Acceptance

    accepted = []
    for caution in prepared.cautions:
        if interactive(args):
            say(f"Caution: {caution.message}")
            if not confirm("Go on anyway?"):
                say("Nothing was started.")
                return None
            accepted.append(Acceptance(caution, "operator"))
        elif getattr(args, caution.flag[2:].replace("-", "_"), False):
            accepted.append(Acceptance(caution, f"flag {caution.flag}"))
        else:
            raise UsageError(
                f"{caution.message}. Nothing was started; pass {caution.flag} to do it"
            )
    return replace(prepared, accepted=tuple(accepted))


def ask_before_start(args: argparse.Namespace, prepared: Any) -> Any | None:
    """The cautions, the restore form of a restore in place and "Start these jobs?": the
    prepared flow to begin, or None when the operator said no (said so on the terminal)."""
    if not interactive(args):
        return accept_cautions(args, prepared)
    with keys_held():
        return _ask_before_start(args, prepared)


def _ask_before_start(args: argparse.Namespace, prepared: Any) -> Any | None:
    prepared = accept_cautions(args, prepared)
    if prepared is None:
        return None
    if prepared.form is not None and not prepared.plan.route.hops:
        values = ask_restore_values(prepared.form, prepared.form_values)
        prepared = with_form_values(prepared, values)
    print_prepared(prepared)
    if not confirm("Start these jobs?"):
        say("Nothing was started.")
        return None
    return prepared


def run_flow(args: argparse.Namespace, engine: Any, prepared: Any, printer: EventPrinter) -> int:
    """Confirm (unless --yes), journal and run the flow; print its result; return the exit code."""
    for warning in prepared.warnings:
        say(f"warning: {warning}", file=sys.stderr)
    if not prepared.ok:
        return blocked_before_start(args, prepared)
    try:
        prepared = ask_before_start(args, prepared)
    except KeyboardInterrupt:
        say("Nothing was started.")
        raise
    if prepared is None:
        return EXIT_FAILED
    try:
        flow_id = engine.begin(prepared)
    except BaseException as error:
        engine.close()
        print_error_result(args, error)
        raise
    asking = interactive(args)
    ask = confirm_request if asking else None

    def ask_form(form: Any, values: dict[str, str]) -> dict[str, str]:
        # Asked with the flow's lock held: meanwhile the flow is listed running, and no other
        # process restores it with the default metadata.
        try:
            return ask_restore_values(form, values)
        except KeyboardInterrupt:
            say(
                f"flow {flow_id} stopped before its restore, which was not started: "
                "`drconsole jobs --resume` carries it on, asking before it sends it"
            )
            raise

    try:
        outcome = engine.run(flow_id, confirm_request=ask, ask_form=ask_form if asking else None)
    except OSError as error:
        print_error_result(args, error, flow_id)
        raise
    finally:
        engine.close()
    code = exit_code(outcome)
    print_result(args, outcome, code)
    return code
