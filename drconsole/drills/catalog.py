"""The runbooks of a folder with their past runs: what the Drills screen lists.

Every `*.yaml` / `*.yml` file of the folder is parsed; one that does not parse is listed with
its one-line error (never raised), so a broken runbook cannot hide the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drconsole.drills.runbook import Runbook
from drconsole.errors import DrConsoleError

SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class RunbookEntry:
    """One runbook file: parsed (or its error) and its past runs, oldest first."""

    path: Path
    runbook: Runbook | None = None
    error: str = ""
    runs: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    @property
    def name(self) -> str:
        """The drill's name, or the file's name when it does not parse."""
        return self.runbook.name if self.runbook is not None else self.path.name

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


def runbook_files(folder: Path) -> list[Path]:
    """The folder's runbook files, sorted by name (hidden files skipped)."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() in SUFFIXES and not p.name.startswith(".") and p.is_file()
    )


def load_catalog(folder: Path, state_dir: Path) -> Catalog:
    """Parse every runbook of `folder` and attach the drill history of `state_dir`."""
    from drconsole.drills.finish import history

    try:
        files = runbook_files(folder)
    except FileNotFoundError:
        return Catalog(folder, problem=f"{folder} does not exist")
    except (OSError, ValueError) as exc:
        return Catalog(folder, problem=f"cannot read {folder}: {_reason(exc)}")
    by_name = _runs_by_runbook(history(state_dir))
    return Catalog(folder, tuple(_entry(path, folder, by_name) for path in files))


def _entry(path: Path, folder: Path, by_name: dict[str, list[dict[str, Any]]]) -> RunbookEntry:
    from drconsole.drills.parse import load_runbook

    try:
        runbook = load_runbook(path)
    except DrConsoleError as exc:
        # The message names the file as given; the folder is said once, above the list.
        return RunbookEntry(path, error=str(exc).replace(f"{folder}/", "", 1))
    return RunbookEntry(path, runbook, runs=tuple(by_name.get(runbook.name, ())))


def _runs_by_runbook(runs: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        grouped.setdefault(str(run["runbook"]), []).append(run)
    return grouped


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "strerror", None) or exc)
