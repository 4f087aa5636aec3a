"""The runbooks of a folder with their past runs: what the Drills screen lists.

Every `*.yaml` / `*.yml` file of the folder and its sub-folders (`drills.runbook_folder`) is
parsed; one that does not parse is listed with its one-line error (never raised), so a broken
runbook cannot hide the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drconsole.drills.runbook import Runbook
from drconsole.drills.runbook_folder import find_runbooks
from drconsole.errors import DrConsoleError


@dataclass(frozen=True)
class RunbookEntry:
    """One runbook file: parsed (or its error) and its past runs, oldest first."""

    path: Path
    runbook: Runbook | None = None
    error: str = ""
    runs: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    relative: Path | None = None  # the file's path under the runbooks folder

    @property
    def shown_path(self) -> str:
        """The file as the list names it: its path under the runbooks folder."""
        return str(self.relative or self.path.name)

    @property
    def name(self) -> str:
        """The drill's name (after its sub-folder, if any), or the file's path when it does
        not parse."""
        if self.runbook is None:
            return self.shown_path
        folder = self.relative.parent if self.relative is not None else Path()
        return self.runbook.name if folder == Path() else f"{folder}/{self.runbook.name}"

    @property
    def last(self) -> dict[str, Any] | None:
        """The newest run (None when never run)."""
        return self.runs[-1] if self.runs else None

    @property
    def rto_trend(self) -> list[float]:
        """The slowest target's RTO of each finished run, oldest first."""
        return [float(r["rto_seconds"]) for r in self.runs if r.get("rto_seconds") is not None]


@dataclass(frozen=True)
class Catalog:
    """The folder's runbooks, or why the folder could not be read."""

    folder: Path
    entries: tuple[RunbookEntry, ...] = ()
    problem: str = ""
    note: str = ""  # the folder was not read whole (too many files, a sub-folder unreadable)


def runbook_files(folder: Path) -> list[Path]:
    """The runbook files of the folder and its sub-folders (hidden ones skipped)."""
    return list(find_runbooks(folder).files)


def load_catalog(folder: Path, state_dir: Path) -> Catalog:
    """Parse every runbook of `folder` and attach the drill history of `state_dir`."""
    from drconsole.drills.finish import history

    try:
        found = find_runbooks(folder)
    except FileNotFoundError:
        return Catalog(folder, problem=f"{folder} does not exist")
    except (OSError, ValueError) as exc:
        return Catalog(folder, problem=f"cannot read {folder}: {_reason(exc)}")
    by_name = _runs_by_runbook(history(state_dir))
    entries = _refuse_shared_names([_entry(path, folder, by_name) for path in found.files])
    return Catalog(folder, entries, note=found.note)


def _refuse_shared_names(entries: list[RunbookEntry]) -> tuple[RunbookEntry, ...]:
    """A runbook's `name:` is its drill's identity — its history, `drill resume`, its evidence
    folder `drills/NAME/`, the report's trend — so two files of the folder with one name would
    share one history, and R or x on one would act on the other's run. Each such file is
    listed with the error instead (runnable again once the names differ); no run is attached."""
    files_by_name: dict[str, list[str]] = {}
    for entry in entries:
        if entry.runbook is not None:
            files_by_name.setdefault(entry.runbook.name, []).append(entry.shown_path)
    refused = []
    for entry in entries:
        shared = files_by_name.get(entry.runbook.name, []) if entry.runbook is not None else []
        if len(shared) < 2:
            refused.append(entry)
            continue
        assert entry.runbook is not None
        others = ", ".join(f for f in shared if f != entry.shown_path)
        error = (
            f"{entry.shown_path}: name {entry.runbook.name!r} is also the name of {others}: a "
            "drill's history and evidence go by its name, so each runbook of the folder needs "
            "its own; rename one"
        )
        refused.append(RunbookEntry(entry.path, error=error, relative=entry.relative))
    return tuple(refused)


def _entry(path: Path, folder: Path, by_name: dict[str, list[dict[str, Any]]]) -> RunbookEntry:
    from drconsole.drills.parse import load_runbook

    try:
        runbook = load_runbook(path)
    except DrConsoleError as exc:
        # The message names the file as given; the folder is said once, above the list.
        relative = path.relative_to(folder)
        return RunbookEntry(path, error=str(exc).replace(f"{folder}/", "", 1), relative=relative)
    runs = tuple(by_name.get(runbook.name, ()))
    return RunbookEntry(path, runbook, runs=runs, relative=path.relative_to(folder))


def _runs_by_runbook(runs: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        grouped.setdefault(str(run["runbook"]), []).append(run)
    return grouped


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "strerror", None) or exc)
