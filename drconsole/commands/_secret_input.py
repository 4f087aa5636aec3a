"""Secret metadata values kept off the command line: `--metadata KEY=-` reads the value instead.

A value on the command line sits in the shell's history and, for as long as the flow runs
(hours for a copy back and restore), in `/proc/PID/cmdline`, which every local user can read.
Given as `-`, a secret-named key's value is asked without echo when standard input is a
terminal, as `jobs --resume` asks for one, and otherwise read from standard input, one line per
such key in the order given (`printf '%s\\n' "$PW" | drconsole restore ... --yes`).
"""

from __future__ import annotations

import sys

from drconsole import limits
from drconsole.errors import UsageError

# The value that means "not here: ask for it, or read it from standard input".
READ_IT = "-"


def read_secret(key: str) -> str:
    """The value of secret-named metadata `key`, from the terminal or standard input."""
    stdin = sys.stdin
    if stdin is None or stdin.closed:
        raise UsageError(
            f"--metadata {key} (given as -): standard input is closed, nothing to read it from"
        )
    if stdin.isatty():
        value = _asked(key)
    else:
        # One line, its line break dropped; a value longer than any metadata value is refused
        # without reading further.
        line = stdin.readline(limits.MAX_METADATA_VALUE + 2)
        value = line.removesuffix("\n").removesuffix("\r")
        if not value:
            raise UsageError(
                f"--metadata {key} (given as -): standard input holds no line for its value"
            )
    if not value:
        raise UsageError(f"--metadata {key} (given as -): nothing was typed")
    return value


def _asked(key: str) -> str:
    import getpass

    from drconsole.commands._prompt_keys import drop_typed_ahead

    drop_typed_ahead()
    try:
        # getpass talks to the terminal itself (/dev/tty): the answer is not echoed, and
        # nothing reaches standard output (a `--json` stream stays JSON).
        return getpass.getpass(f"{key} (not shown): ")
    except EOFError:
        raise KeyboardInterrupt from None
