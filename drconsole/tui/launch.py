"""Start the TUI: on the user's AWS credentials or on a running sandbox."""

from __future__ import annotations

import argparse


def run_tui(args: argparse.Namespace) -> int:
    """Open the application and return its exit code."""
    from drconsole.tui.app import DrConsoleApp

    app = DrConsoleApp()
    app.run()
    return app.return_code or 0
