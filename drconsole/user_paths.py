"""Paths a person types: `~` and `~user` expanded, and the file system's refusals of a path
(a name too long, a folder that cannot be searched) said as one line naming where it was given."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from drconsole import limits
from drconsole.errors import UsageError


def expanded(value: str | Path, where: str) -> Path:
    """`value` with a leading `~` or `~user` expanded; a UsageError naming `where` when it
    cannot be (Python raises RuntimeError for a user this host does not know, as for a config
    file or a path copied from another machine)."""
    try:
        return Path(value).expanduser()
    except RuntimeError:
        shown = limits.shown_path(str(value))
        raise UsageError(f"{where} {shown}: {_unexpandable(str(value))}") from None


def _unexpandable(value: str) -> str:
    user = value[1:].split(os.sep, 1)[0]
    if user:
        return f"no user {limits.shown(user, 40)} on this host to expand ~{user[:40]}"
    return "no home folder to expand ~ (HOME is unset and the user has none)"


@contextmanager
def path_refusals(where: str, value: str | Path) -> Iterator[None]:
    """An OSError from looking at the path `value` (ENAMETOOLONG, EACCES on a parent...) as a
    UsageError naming `where`; a UsageError raised inside passes as it is."""
    try:
        yield
    except UsageError:
        raise
    except OSError as error:
        problem = error.strerror or type(error).__name__
        raise UsageError(f"{where} {limits.shown_path(str(value))}: {problem}") from None
