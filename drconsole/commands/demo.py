"""`drconsole demo`: the TUI on the embedded sandbox, with nothing else to set up."""

from __future__ import annotations

import argparse
from typing import Any

from drconsole.commands.sandbox import add_sandbox_flags, require_demo_extra, validate_flags


def register(subparsers: Any) -> None:
    """Add `demo` and its flags."""
    parser = subparsers.add_parser(
        "demo",
        help="open the console on the embedded sandbox",
        description=(
            "Start the embedded AWS sandbox in this process, build a scenario (default: demo) "
            "and open the console on it. Nothing is sent to AWS."
        ),
    )
    add_sandbox_flags(parser)
    parser.set_defaults(handler=run)


def demo_settings(args: argparse.Namespace, sandbox: Any, info: Any) -> Any:
    """Settings that point every client at the sandbox as its management account.

    The journal and audit log go to a `demo` folder of the state dir, so that flows run against
    the sandbox never mix with real ones.
    """
    from drconsole.config import Credentials, default_state_dir, load_settings

    management = info.accounts["management"]
    return load_settings(
        args,
        profile=None,
        regions=(info.region, info.dr_region),
        dr_regions=(info.dr_region,),
        endpoint_url=sandbox.endpoint_url,
        static_credentials=Credentials.from_mapping(sandbox.credentials_for(management)),
        management_account_id=management,
        backup_account_id=info.accounts["backup"],
        member_profiles=(),
        state_dir=default_state_dir() / "demo",
    )


def run(args: argparse.Namespace) -> int:
    """Start the sandbox, build the scenario, run the TUI on it, then stop the sandbox."""
    validate_flags(args)
    require_demo_extra()
    from drconsole.commands.sandbox import start_from_args

    sandbox, info = start_from_args(args)
    try:
        from drconsole.tui.launch import run_tui

        return run_tui(args, settings=demo_settings(args, sandbox, info))
    finally:
        sandbox.stop()
