"""`python -m drconsole` and the `drconsole` command: the command line, quiet on Ctrl+C."""

from __future__ import annotations


def run() -> int:
    """Load the command line and run it. Ctrl+C while Python loads it ends as it would a moment
    later (exit 130, nothing printed), not in Python's traceback of the import."""
    try:
        from drconsole.cli import main
    except KeyboardInterrupt:
        return 130
    return main()


if __name__ == "__main__":
    raise SystemExit(run())
