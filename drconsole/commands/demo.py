"""`drconsole demo`: the TUI on the embedded sandbox, with nothing else to set up.

The sandbox runs in its own detached process (see `_demo_process`), so that closing the terminal
while a copy runs leaves the organization, and the jobs in flight, for `drconsole jobs --resume`.
The console opens at once; its first AWS call waits for the sandbox to be ready.
"""

from __future__ import annotations

import argparse
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drconsole.commands.sandbox import add_sandbox_flags, require_demo_extra, validate_flags
from drconsole.errors import UsageError

if TYPE_CHECKING:
    from drconsole.aws.session import AwsSessions
    from drconsole.commands._demo_consoles import Attachment


def register(subparsers: Any) -> None:
    """Add `demo` and its flags."""
    parser = subparsers.add_parser(
        "demo",
        help="open the console on the embedded sandbox",
        description=(
            "Open the console on the embedded AWS sandbox (scenario demo by default). The "
            "sandbox runs in the background and survives a closed terminal while copy or "
            "restore flows are unfinished; a later `drconsole demo` reuses it. Nothing is sent "
            "to AWS."
        ),
    )
    add_sandbox_flags(parser)
    what = parser.add_mutually_exclusive_group()
    what.add_argument(
        "--fresh",
        action="store_true",
        help="replace a running demo sandbox with a new one (its unfinished flows are dropped)",
    )
    what.add_argument("--stop", action="store_true", help="stop the running demo sandbox")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Find or start the sandbox, run the TUI on it, then stop it unless flows are unfinished."""
    from drconsole.commands import _demo_process as proc
    from drconsole.commands._demo_consoles import Attachment, deciding
    from drconsole.commands._demo_flows import abandon_orphans

    validate_flags(args)
    state_dir = proc.demo_state_dir()
    if args.stop:
        return _stop(state_dir)
    from drconsole.state_dir import checked_state_dir

    checked_state_dir(state_dir)  # the sandbox's record and log go there: one line, not a crash
    require_demo_extra()
    record = proc.SandboxRecord.read(state_dir)
    alive = record is not None and record.is_alive()
    if not alive or args.fresh:
        _refuse_orphaning_in_read_only(args, state_dir)
    _refuse_other_scenario(args, record if alive and not args.fresh else None)
    from drconsole.tui.launch import require_terminal

    require_terminal("drconsole demo")  # before a sandbox is started for it
    settings = starting = None
    with deciding(state_dir):
        # Read again: the last console on it may have stopped it meanwhile.
        record = proc.SandboxRecord.read(state_dir)
        alive = record is not None and record.is_alive()
        if record is not None and alive and not args.fresh:
            _refuse_other_scenario(args, record)
            settings = proc.demo_settings(args, record, state_dir)
            attachment = Attachment(state_dir, record.pid)
        else:
            _refuse_orphaning_in_read_only(args, state_dir)
            if record is not None and alive:
                proc.stop(record, state_dir)
            elif record is not None:
                (state_dir / proc.RECORD_FILE).unlink(missing_ok=True)
            abandon_orphans(state_dir)
            starting = proc.start_detached(args, state_dir)
            attachment = Attachment(state_dir, starting.process.pid)
    return _console(args, state_dir, settings, starting, attachment)


def _refuse_other_scenario(args: argparse.Namespace, record: Any) -> None:
    """A running sandbox of another scenario is not reused silently: one line instead."""
    if record is not None and record.scenario != args.scenario:
        raise UsageError(
            f"--scenario {args.scenario}: the running demo sandbox (pid {record.pid}) has "
            f"scenario {record.scenario}; use --fresh to replace it or --stop to stop it"
        )


def _refuse_orphaning_in_read_only(args: argparse.Namespace, state_dir: Path) -> None:
    """A new sandbox cannot carry on the flows of the one it replaces, so they are marked failed
    in the demo journal first; read-only mode writes no journal: refused with one line instead,
    before anything is stopped, started or written."""
    from drconsole.commands._demo_flows import unfinished_flow_ids
    from drconsole.config import read_only_setting
    from drconsole.errors import ReadOnlyViolation

    if not read_only_setting(args):
        return
    left = unfinished_flow_ids(state_dir)
    if args.fresh:
        raise ReadOnlyViolation(
            "--fresh: read-only mode is on: replacing the demo sandbox marks its unfinished "
            "flows failed in the demo journal, so nothing was replaced; run without --read-only"
        )
    if left:
        raise ReadOnlyViolation(
            f"read-only mode is on: the demo sandbox of {len(left)} unfinished demo flow(s) is "
            "gone and a new one would mark them failed in the demo journal, so none was started; "
            "run `drconsole demo` once without --read-only (or `drconsole jobs --abandon ID`)"
        )


def _stop(state_dir: Path) -> int:
    """`--stop`: stop the recorded sandbox, saying what that leaves behind."""
    from drconsole.commands import _demo_process as proc
    from drconsole.commands._demo_consoles import attached_consoles, deciding
    from drconsole.commands._demo_flows import unfinished_flow_ids
    from drconsole.commands._demo_liveness import pid_alive

    record = proc.SandboxRecord.read(state_dir)
    if record is None:
        print("No demo sandbox is running.")
        return 0
    with deciding(state_dir):
        consoles = attached_consoles(state_dir, record.pid)
        foreign = pid_alive(record.pid) and not record.is_ours()
        ran = proc.stop(record, state_dir)
    left = unfinished_flow_ids(state_dir)
    state = "stopped" if ran else "was not running"
    if foreign:
        state = "was not running (that pid is another process now, left alone)"
    if ran and consoles:
        pids = ", ".join(str(pid) for pid in consoles)
        state += f" under {len(consoles)} open console(s) (pid {pids}): they can no longer reach it"
    tail = f"; {len(left)} unfinished demo flow(s) can no longer be resumed" if left else ""
    print(f"Demo sandbox (pid {record.pid}) {state}{tail}.")
    return 0


def _console(
    args: argparse.Namespace,
    state_dir: Path,
    settings: Any,
    starting: Any,
    attachment: Attachment,
) -> int:
    """Run the TUI; on exit keep the sandbox while another console is attached to it or demo
    flows or drills are unfinished."""
    from drconsole.commands._demo_consoles import deciding

    code = 1
    try:
        code = _run_app(args, state_dir, settings, starting)
    finally:
        with deciding(state_dir):
            attachment.detach()
            _leave_sandbox(state_dir, starting, attachment.sandbox_pid)
    return code


def _leave_sandbox(state_dir: Path, starting: Any, sandbox_pid: int) -> None:
    """What a quitting console does with its sandbox: stop it if it is the last one on it and
    nothing unfinished needs it; else say why it stays."""
    from drconsole.commands import _demo_process as proc
    from drconsole.commands._demo_consoles import attached_consoles
    from drconsole.commands._demo_flows import unfinished_drill_ids, unfinished_flow_ids
    from drconsole.drills.journal import unfinished_drill_flows

    record = proc.SandboxRecord.read(state_dir)
    others = attached_consoles(state_dir, sandbox_pid)
    if starting is not None and (record is None or record.pid != starting.process.pid):
        # Quit before the sandbox was ready: nothing can be in flight in it, and no other
        # console found it (it had no record yet).
        starting.process.kill()
        starting.process.wait()
        return
    if record is None or record.pid != sandbox_pid:
        return  # stopped or replaced meanwhile (`--stop`, `--fresh`): not this console's
    if others:
        pids = ", ".join(str(pid) for pid in others)
        print(
            f"Demo sandbox kept for {len(others)} other open console(s) (pid {pids}): the last "
            "one to quit stops it; `drconsole demo --stop` stops it now."
        )
        return
    drills = unfinished_drill_ids(state_dir)
    # A drill's own flows are carried on by `drill resume`, with the drill.
    of_drills = set(unfinished_drill_flows(state_dir))
    left = [f for f in unfinished_flow_ids(state_dir) if f not in of_drills]
    if left or drills:
        kept = [f"{len(left)} unfinished flow(s)"] if left else []
        kept += [f"drill {run_id}" for run_id in drills]
        carry = ["`drconsole jobs --resume`"] if left else []
        carry += [f"`drconsole drill resume {run_id}`" for run_id in drills]
        print(
            f"Demo sandbox kept for {', '.join(kept)}: {' and '.join(carry)} finishes, "
            "`drconsole demo --stop` stops."
        )
    else:
        proc.stop(record, state_dir)


def _run_app(args: argparse.Namespace, state_dir: Path, settings: Any, starting: Any) -> int:
    """The TUI; with a sandbox still starting, its first AWS access waits for it."""
    from drconsole.commands import _demo_process as proc
    from drconsole.config import load_settings
    from drconsole.tui.app import DrConsoleApp
    from drconsole.tui.launch import run_until_stopped

    if starting is None:
        app: DrConsoleApp = DrConsoleApp(settings)
    else:
        provisional = proc.with_example_runbooks(
            load_settings(
                args,
                profile=None,
                regions=("eu-central-1",),
                member_profiles=(),
                state_dir=state_dir,
            )
        )
        app = _starting_app_class()(provisional, _ReadySettings(args, state_dir, starting))
    run_until_stopped(app)
    return app.return_code or 0


class _ReadySettings:
    """Waits once for the starting sandbox and gives the settings pointing at it (or raises)."""

    def __init__(self, args: argparse.Namespace, state_dir: Path, starting: Any) -> None:
        self.args, self.state_dir, self.starting = args, state_dir, starting
        self._lock = threading.Lock()
        self._result: Any = None
        self._error: BaseException | None = None

    def __call__(self) -> Any:
        from drconsole.commands import _demo_process as proc

        with self._lock:
            if self._result is None and self._error is None:
                try:
                    record = self.starting.wait()
                    self._result = proc.demo_settings(self.args, record, self.state_dir)
                except BaseException as error:
                    self._error = error
            if self._error is not None:
                raise self._error
            return self._result


def _starting_app_class() -> Any:
    """DrConsoleApp whose AWS sessions are made once the sandbox is ready (in a worker)."""
    import drconsole.tui.app
    from drconsole.tui.app import DrConsoleApp

    class StartingSandboxApp(DrConsoleApp):
        """The console opened while the demo sandbox is still starting."""

        # Textual resolves a relative CSS path next to the subclass's module.
        CSS_PATH = str(Path(drconsole.tui.app.__file__).with_name(DrConsoleApp.CSS_PATH))

        def __init__(self, provisional: Any, ready: _ReadySettings) -> None:
            super().__init__(provisional)
            self._sandbox_ready = ready

        @property
        def sessions(self) -> AwsSessions:
            """Shared sessions, once the sandbox answers (the first call waits for it)."""
            if self._sessions is None:
                settings = self._sandbox_ready()
                with self._aws_lock:
                    self.settings = settings
            return DrConsoleApp.sessions.fget(self)  # type: ignore[attr-defined]

    return StartingSandboxApp
