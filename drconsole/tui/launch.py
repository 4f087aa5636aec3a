"""Start the TUI: on the user's AWS credentials or on a running sandbox."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drconsole.config import Settings


def run_tui(args: argparse.Namespace, settings: Settings | None = None) -> int:
    """Open the application and return its exit code (`settings` None: from `args`)."""
    if settings is None:
        from drconsole.config import load_settings

        settings = load_settings(args)
    from drconsole.tui.app import DrConsoleApp

    app = DrConsoleApp(settings)
    app.run()
    return app.return_code or 0
