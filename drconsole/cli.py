"""Entry point: global flags, subcommand dispatch, one-line errors and exit codes."""

from __future__ import annotations

import argparse
import errno
import gc
import importlib
import io
import os
import sys
from collections.abc import MutableMapping, Sequence
from typing import Any, NoReturn

from drconsole import __version__
from drconsole.commands import command_module_names
from drconsole.errors import AwsError, DrConsoleError, UsageError
from drconsole.redact import exception_text, install_log_redaction, safe_line
from drconsole.stop_signals import interrupt_exit_code, stop_signals_as_interrupt

MAX_ERROR_LINE = 2000
# The commands that start and watch jobs: SIGTERM and SIGHUP (systemd's stop, a CI timeout, a
# closed SSH session) stop them as Ctrl+C does, leaving the journal for `drill resume` or
# `jobs --resume` and the validation command killed; others end at once, as before.
STOPPED_AS_CTRL_C = frozenset({"copy", "restore", "jobs", "drill"})

# Allocations between young garbage collections in a command (CPython's default: 700).
YOUNG_COLLECTION_EVERY = 10_000


# Flags whose empty value says something: `init --dr-regions ""` is "no DR Regions".
EMPTY_IS_A_VALUE = frozenset({"--dr-regions"})


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit code 2, and which
    refuses a one-value flag given twice with different values (cli_repeats.py)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from drconsole.cli_repeats import register

        register(self)

    def error(self, message: str) -> NoReturn:
        # argparse quotes what was typed: escape it, a flag value may hold control characters.
        self.exit(2, f"{self.prog}: error: {safe_line(message)}\n")

    def _get_values(self, action: argparse.Action, arg_strings: list[str]) -> Any:
        # argparse drops a lone "--" given as an option's value (`--poll-interval=--`) and
        # hands the option an empty list instead of refusing it.
        if arg_strings == ["--"] and action.option_strings and action.nargs is None:
            self.error(f"argument {'/'.join(action.option_strings)}: expected one value, not --")
        # `--profile "$PROD_PROFILE"` with the variable unset must not act as the default
        # profile: an empty value is refused for every flag, as `AWS_PROFILE=` is.
        if (
            action.option_strings
            and action.nargs is None
            and [s.strip() for s in arg_strings] == [""]
            and not EMPTY_IS_A_VALUE.intersection(action.option_strings)
        ):
            self.error(
                f"argument {'/'.join(action.option_strings)}: an empty value (an unset "
                "variable?); give one or leave the flag out"
            )
        return super()._get_values(action, arg_strings)


def add_global_flags(parser: argparse.ArgumentParser, *, nested: bool = False) -> None:
    """Flags every command accepts (DESIGN.md section 4).

    They are accepted before or after the subcommand. On subcommands their default is
    SUPPRESS so that a flag given before the subcommand is not reset by the subparser.
    """
    taken = {option for action in parser._actions for option in action.option_strings}
    group = parser.add_argument_group("AWS access")

    def add(*flags: str, **kwargs: Any) -> None:
        if taken.intersection(flags):
            return
        if nested:
            kwargs["default"] = argparse.SUPPRESS
        group.add_argument(*flags, **kwargs)

    add("--profile", help="AWS profile (default: AWS_PROFILE or the default chain)")
    add(
        "--region",
        "--regions",
        dest="regions",
        action="append",
        help="Region to scan; repeat or comma-separate for several",
    )
    add(
        "--role-name",
        help="role assumed in member accounts (default OrganizationAccountAccessRole)",
    )
    add(
        "--read-only",
        action="store_true",
        default=None,
        help="refuse every AWS operation that is not a read",
    )
    add("--config", help="config file (default: the XDG config dir)")
    add(
        "--break-glass",
        metavar="NAME",
        help="use the break-glass credentials NAME from the OS keyring (drconsole credentials)",
    )
    add(
        "--runbooks",
        metavar="DIR",
        help="runbooks folder of the Drills screen (default: runbooks/ in the config dir)",
    )


def subparsers_of(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Every subcommand parser below `parser`, at any depth (`check copy`, `policy simulate`)."""
    found: list[argparse.ArgumentParser] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                found.append(child)
                found.extend(subparsers_of(child))
    return found


def build_parser() -> argparse.ArgumentParser:
    """The full parser, with every subcommand registered."""
    parser = OneLineParser(
        prog="drconsole",
        description="Disaster recovery on AWS Backup across accounts and Regions.",
    )
    parser.add_argument("--version", action="version", version=f"drconsole {__version__}")
    add_global_flags(parser)
    subparsers = parser.add_subparsers(dest="command", parser_class=OneLineParser)
    for name in command_module_names():
        module = importlib.import_module(f"drconsole.commands.{name}")
        module.register(subparsers)
    for child in subparsers_of(parser):
        add_global_flags(child, nested=True)
    return parser


def split_regions(values: list[str] | None) -> list[str] | None:
    """`--region a,b --region c` -> [a, b, c]; an empty member is refused, not skipped
    (`--region "$REGION"` with REGION unset must not scan the default Regions instead)."""
    if not values:
        return None
    regions = []
    for value in values:
        for part in value.split(","):
            if not part.strip():
                raise UsageError(
                    f"--region {safe_line(repr(value))}: an empty Region name; expected "
                    "a Region or a comma-separated list (eu-central-1,eu-north-1)"
                )
            regions.append(part.strip())
    return regions


def cause_suffix(error: DrConsoleError) -> str:
    """` [CAUSE]` for an AWS failure with a known cause code, so the one line says why."""
    cause = str(getattr(error, "cause", "") or "")
    if not isinstance(error, AwsError) or cause in ("", "UNKNOWN") or f"[{cause}]" in str(error):
        return ""
    return f" [{cause}]"


def report(error: DrConsoleError) -> int:
    """Print the one line for `error` on stderr and return its exit code."""
    line = safe_line(str(error))
    if len(line) > MAX_ERROR_LINE:  # a value quoted in full must not flood the terminal
        line = line[: MAX_ERROR_LINE - 3] + "..."
    print(f"drconsole: {line}{cause_suffix(error)}", file=sys.stderr)
    return error.exit_code


def show_warnings_on_stderr() -> None:
    """Warnings of drconsole's modules (a damaged journal line, say) as one stderr line each."""
    import logging

    class StderrLines(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            print(self.format(record), file=sys.stderr)  # the stderr of now, not of set-up

    logger = logging.getLogger("drconsole")
    if any(h.get_name() == "drconsole-stderr" for h in logger.handlers):
        return
    handler = StderrLines()
    handler.set_name("drconsole-stderr")
    handler.setFormatter(logging.Formatter("drconsole: warning: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)


# A write that failed for want of room or of a working device: the machine's, not a defect.
WRITE_FAILURES = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code.

    Every failure ends as one redacted line with control characters escaped: drconsole's own
    errors with their exit code, anything unexpected through `unexpected_error` (never a
    traceback). `SystemExit` from argparse (`--help`, a usage error) becomes its code.
    """
    own_process = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv in (["--version"], ["-V"]):
        # Fast path: no subcommand imports at all.
        print(f"drconsole {__version__}")
        return 0
    if own_process:  # the process's own command line: its threads report in one line too
        install_exception_hooks()
    drop_unusable_width(os.environ)
    reopen_closed_streams()
    install_log_redaction()
    tolerate_narrow_encoding()
    try:
        if sys.stdout is None:  # started with descriptor 1 closed (`drconsole ... >&-`)
            raise UsageError(
                "standard output is closed: nothing could show the answer; "
                "redirect it instead (> FILE or > /dev/null)"
            )
        code = _run(argv)
        sys.stdout.flush()  # a full disk under `> FILE` fails here, not at interpreter exit
        return code
    except DrConsoleError as error:
        return report(error)
    except KeyboardInterrupt as stop:  # Ctrl+C, or SIGTERM/SIGHUP for the commands that stop
        return interrupt_exit_code(stop)  # on them as on Ctrl+C (_run)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 2)
    except BrokenPipeError:
        return 1
    except OSError as error:
        if error.errno not in WRITE_FAILURES:
            return report(unexpected_error(error))
        drop_unwritable_stdout()
        return report(DrConsoleError(f"could not write: {error.strerror} (is the disk full?)"))
    except Exception as error:
        return report(unexpected_error(error))


# Narrower than this, a table or a check's evidence is no longer readable; rich prints nothing
# at all for COLUMNS=0 (a `docker exec` without a terminal, a CI runner that answers 0).
MIN_COLUMNS = 20


def drop_unusable_width(environ: MutableMapping[str, str]) -> None:
    """Forget a COLUMNS that is a number under MIN_COLUMNS: the output is then as wide as the
    terminal, or 80 columns without one (as rich does for a COLUMNS that is no number)."""
    width = environ.get("COLUMNS", "").strip()
    if width.lstrip("-").isascii() and width.lstrip("-").isdigit() and int(width) < MIN_COLUMNS:
        del environ["COLUMNS"]


def reopen_closed_streams() -> None:
    """Standard input or error closed at start (`<&-`, `2>&-`, as cron or a supervisor may
    start a process): /dev/null in their place. Input then reads as empty (it was None, a
    defect), the one error line goes nowhere rather than into standard output (print with
    file=None writes there), and the descriptor is not taken by the next file drconsole opens
    (os.open gives the lowest free one: 0 or 2 again)."""
    if sys.stdin is None:
        reading = io.FileIO(os.open(os.devnull, os.O_RDONLY), "r")
        sys.stdin = io.TextIOWrapper(io.BufferedReader(reading), encoding="utf-8")
    if sys.stderr is None:
        writing = io.FileIO(os.open(os.devnull, os.O_WRONLY), "w")
        sys.stderr = io.TextIOWrapper(io.BufferedWriter(writing), encoding="utf-8")


def drop_unwritable_stdout() -> None:
    """Point standard output at /dev/null if it cannot take what it holds (`> /dev/full`, a
    full disk under `> FILE`), so that Python's own last flush at exit does not add its
    'Exception ignored' lines to drconsole's one."""
    try:
        sys.stdout.flush()
    except OSError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)


def tolerate_narrow_encoding() -> None:
    """On a standard output whose encoding cannot show every character (an ASCII or Latin-1
    locale, PYTHONIOENCODING=ascii), such characters print as '?' instead of failing the
    command once its work is done (stderr already escapes them)."""
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "")
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None and encoding not in ("utf8", "utf_8", "utf16", "utf32"):
        reconfigure(errors="replace")


def _run(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.regions = split_regions(args.regions)
    if getattr(args, "break_glass", None) is not None:
        if args.command in ("demo", "sandbox"):
            raise UsageError(
                f"--break-glass acts on AWS; `drconsole {args.command}` uses the sandbox's own "
                "credentials"
            )
        from drconsole.aws import break_glass

        # An MFA code is asked on the terminal only when a person may answer.
        break_glass.allow_prompts(not getattr(args, "yes", False))
    handler = getattr(args, "handler", None)
    if handler is None:
        from drconsole.tui.launch import require_terminal, run_tui

        require_terminal("drconsole")
        return run_tui(args)
    show_warnings_on_stderr()
    # A command is short-lived and mostly imports: at CPython's default (a young collection
    # every 700 allocations) `check copy` made 200 collections, 0.04 s of its 0.47 s of CPU;
    # at 10,000, 14 (0.02 s). The console keeps the default (tui/collector.py tunes its own).
    gc.set_threshold(YOUNG_COLLECTION_EVERY, *gc.get_threshold()[1:])
    if args.command in STOPPED_AS_CTRL_C:
        with stop_signals_as_interrupt():
            return int(handler(args))
    return int(handler(args))


def unexpected_error(error: BaseException) -> DrConsoleError:
    """The DrConsoleError for an exception no command caught, so that it still ends as one line.

    botocore's configuration errors (a malformed AWS config file, AWS_DEFAULTS_MODE...) are the
    user's input: exit 2. Other botocore and AWS failures: exit 3 with their cause code. A
    structure nested too deeply for Python's parsers is input: exit 2. Anything else is a
    defect of drconsole, said so in one line.
    """
    from drconsole.aws.config_errors import botocore_usage_error

    usage = botocore_usage_error(error)
    if usage is not None:
        return usage
    if isinstance(error, RecursionError):
        return UsageError("input nested too deeply to read (RecursionError)")
    from drconsole.aws.errors import AWS_FAILURES, aws_error

    if isinstance(error, AWS_FAILURES):
        return aws_error(error)
    return DrConsoleError(f"unexpected error, a defect of drconsole: {exception_text(error)}")


def install_exception_hooks() -> None:
    """Uncaught exceptions in any thread print one redacted line instead of a traceback."""
    import threading

    def one_line(error: BaseException | None) -> None:
        if error is None or isinstance(error, SystemExit | KeyboardInterrupt):
            return
        if isinstance(error, DrConsoleError):
            print(f"drconsole: {safe_line(str(error))}", file=sys.stderr)
        else:
            print(f"drconsole: {safe_line(str(unexpected_error(error)))}", file=sys.stderr)

    sys.excepthook = lambda kind, error, trace: one_line(error)
    threading.excepthook = lambda hook_args: one_line(hook_args.exc_value)
