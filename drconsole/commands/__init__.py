"""Subcommands of the command line: one module each, discovered at start.

Each module exposes `register(subparsers)`, which adds its parser and sets `handler` to a
function `(args) -> int`. Modules import only the standard library and `drconsole.errors` at
top level so that start-up stays fast; heavy imports happen inside the handler.
"""

from __future__ import annotations

import pkgutil


def command_module_names() -> list[str]:
    """Names of the subcommand modules in this package, sorted."""
    return sorted(
        info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_")
    )
