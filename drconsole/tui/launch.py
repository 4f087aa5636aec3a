"""Start the TUI: on the user's AWS credentials or on a running sandbox; or, when drconsole is
not configured, on the one screen that says so and names `drconsole init`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drconsole.config import Settings
    from drconsole.tui.app import DrConsoleApp


def build_app(args: argparse.Namespace, settings: Settings | None = None) -> DrConsoleApp:
    """The application for `args` (`settings` None: from `args`, the environment and the
    config file). Break-glass credentials are read, and their MFA code asked for, here:
    before the screen belongs to the console."""
    from drconsole.tui.app import DrConsoleApp

    if settings is None:
        from drconsole.config import Settings, config_file_exists, load_settings
        from drconsole.errors import UsageError
        from drconsole.setup_problem import for_settings_error

        try:
            settings = load_settings(args)
        except UsageError as error:
            problem = for_settings_error(error, config_file_exists(args))
            if problem is None:
                raise
            # Settings that could not be read are no licence to act: the flags (--read-only
            # among them) were never applied, and a screen reached from here (`j`, `:`) must
            # not resume or abandon a journaled flow. Read-only, enforced on every client.
            return DrConsoleApp(Settings(read_only=True), setup_problem=problem)
    from drconsole.setup_problem import for_state_dir_error
    from drconsole.state_dir import StateDirError, checked_state_dir

    try:
        checked_state_dir(settings.state_dir)
    except StateDirError as error:
        return DrConsoleApp(settings, setup_problem=for_state_dir_error(error))
    if settings.break_glass is not None:
        from drconsole.aws import break_glass
        from drconsole.errors import CredentialStoreError, UsageError
        from drconsole.setup_problem import for_break_glass_error

        try:
            credentials = break_glass.load(settings.break_glass)
        except (UsageError, CredentialStoreError) as error:
            problem = for_break_glass_error(error, settings.break_glass)
            return DrConsoleApp(settings, setup_problem=problem)
        if credentials.mfa_serial is not None:
            break_glass.code_for(credentials)  # a wrong code is one line, as on the command line
    elif settings.static_credentials is None and (asking := _profiles_asking_for_mfa(settings)):
        from drconsole.aws.session import AwsSessions

        sessions = AwsSessions(settings)
        sessions.ask_mfa_codes(asking)  # on the terminal, before the console draws over it
        return DrConsoleApp(settings, sessions=sessions)
    return DrConsoleApp(settings)


def _profiles_asking_for_mfa(settings: Settings) -> list[str]:
    """The caller's profile and member profiles that assume a role with an MFA code."""
    import botocore.session
    from botocore.exceptions import BotoCoreError

    from drconsole.aws.mfa_prompt import profiles_asking_for_code

    try:
        config = botocore.session.Session(profile=settings.profile).full_config
    except BotoCoreError:
        return []  # the console reports the configuration where it reads it
    return profiles_asking_for_code([settings.profile, *settings.member_profiles], config)


def require_terminal(command: str) -> None:
    """UsageError unless standard input and output are a terminal: without one (cron, `ssh
    host drconsole` without -t, `< /dev/null > log`) the console wrote its escape codes to
    the file and never ended."""
    import sys

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        from drconsole.errors import UsageError

        raise UsageError(
            f"{command} is the console and needs a terminal (standard input and output are "
            "not one); in a script use the commands: drconsole ls, jobs, check, drill ..."
        )


def run_tui(args: argparse.Namespace, settings: Settings | None = None) -> int:
    """Open the application and return its exit code (`settings` None: from `args`)."""
    from drconsole.aws.mfa_prompt import console_on_screen

    app = build_app(args, settings)
    console_on_screen(True)
    try:
        run_until_stopped(app)
    finally:
        console_on_screen(False)
    return app.return_code or 0


def run_until_stopped(app: DrConsoleApp) -> None:
    """`app.run()`, SIGTERM and SIGHUP (systemd's stop, `kill`, a closed SSH session) ending
    it as a confirmed quit does, with exit code 128 + the signal's number. A signal ignored
    when drconsole started (`nohup`) stays ignored."""
    import signal

    from drconsole.stop_signals import STOP_SIGNALS

    app.stop_signals = tuple(s for s in STOP_SIGNALS if signal.getsignal(s) is not signal.SIG_IGN)
    app.run()
