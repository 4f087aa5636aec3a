"""Paths a command will write, checked before it reads or starts anything."""

from __future__ import annotations

import os
from pathlib import Path

from drconsole import limits
from drconsole.errors import UsageError
from drconsole.output_files import foreign_link, not_regular, target_of
from drconsole.state_dir import refuse_inside
from drconsole.user_paths import expanded, path_refusals


def checked_output(
    value: str,
    flag: str,
    *,
    folder: bool = False,
    makes_folders: bool = False,
    files: tuple[str, ...] = (),
) -> Path:
    """`value` as a path to write (a folder, or a file): no control characters; never through
    another user's symlink in a shared folder such as /tmp (`foreign_link`); a folder that is
    no file, or a file that is no folder; never a device, FIFO or socket (nor one of the `files`
    written in the folder); never in drconsole's state dir, through a symlink or not (nor
    one of the `files`); and its folder writable (a symlink's: the file it links to is the
    one written). With `makes_folders` the missing folders on its way are made later, so the
    nearest one that exists is judged."""
    what = "a folder path" if folder else "a file path"
    if not value.strip() or limits.has_controls(value):
        raise UsageError(f"{flag} {limits.shown(value)}: expected {what}")
    path = expanded(value, flag)
    with path_refusals(flag, value):
        return _checked(path, value, flag, folder, makes_folders, files)


def _checked(
    path: Path, value: str, flag: str, folder: bool, makes_folders: bool, files: tuple[str, ...]
) -> Path:
    shown = limits.shown_path(value)
    for written in (path, *(path / name for name in files if folder)):
        if refusal := foreign_link(written):
            raise UsageError(f"{flag} {shown}: {refusal}")
        refuse_inside(written, flag)
    if folder and path.exists() and not path.is_dir():
        raise UsageError(f"{flag} {shown}: exists and is not a folder")
    if not folder and path.is_dir():
        raise UsageError(f"{flag} {shown}: is a folder, expected a file path")
    for name in files if folder else ("",):
        kind = not_regular(path / name if name else path)
        if kind is not None:
            inside = f"{name} in it " if name else ""
            raise UsageError(f"{flag} {shown}: {inside}is {kind}, not a regular file")
    existing = path if folder else target_of(path).parent
    if makes_folders:
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
    where = limits.shown_path(str(existing))
    if not existing.is_dir():
        if makes_folders:
            raise UsageError(f"{flag} {shown}: {where} is not a folder")
        raise UsageError(f"{flag} {shown}: folder {where} does not exist")
    if not os.access(existing, os.W_OK):
        raise UsageError(f"{flag} {shown}: folder {where} is not writable")
    return path
