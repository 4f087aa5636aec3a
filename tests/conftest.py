"""Suite-wide: the slowest modules are collected first, and every module starts on empty moto state.

`pytest -n 4 --dist loadfile` hands whole modules to the workers in collection order (with
`--no-loadscope-reorder`, set in pyproject.toml; xdist otherwise sorts modules by their number of
tests, which puts the few-but-slow end-to-end modules last and leaves one worker idle while the
other finishes them). Longest-first is the classic greedy schedule for parallel machines.
"""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path

import pytest

from drconsole.sandbox.scenarios.built_copies import reuse_builds

# A worker holds moto's state, the Textual apps of the tests it ran and every module they
# imported: the collector's full passes over all of it took 6.3 s of the 45 s of CPU of
# tests/tui/test_wizard.py and test_read_only.py run together. One full pass per 100 middle ones
# (CPython's default: 10) took 2.7 s of 41 s. The product's own thresholds (tui/collector.py) are
# set relative to the process's, so its tests hold.
gc.set_threshold(700, 10, 100)

# The demo built for a fixed instant (tests/tui/conftest.py's NOW, ...) is the same build in
# every module that asks for it: each worker builds it once and restores a copy of that state
# for the others (drconsole/sandbox/scenarios/built_copies.py), about 0.2 s of CPU instead of 1 s.
# Builds that follow the clock (no `now=`) are built every time.
reuse_builds()

# Seconds each module's tests took in a whole run (tests/module_seconds.json, written by
# scripts/module_seconds.py from the run's JUnit XML; rewrite it when modules are added or grow).
# Only the order matters: a module missing there counts as quick, and a stale figure costs some
# balance, never a test.
MODULE_SECONDS: dict[str, float] = json.loads(
    (Path(__file__).parent / "module_seconds.json").read_text(encoding="utf-8")
)["modules"]


def module_seconds(item: pytest.Item) -> float:
    """The expected cost of the module that holds `item`."""
    return MODULE_SECONDS.get(item.nodeid.split("::", 1)[0], 0.0)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order modules longest first; tests keep their order within a module (sort is stable)."""
    items.sort(key=lambda item: -module_seconds(item))


@pytest.fixture(scope="module", autouse=True)
def empty_sandbox_state() -> None:
    """Wipe moto's and the sandbox's state before each module, whatever the previous one left.

    moto's state is process-wide and a worker runs many modules one after another, in an order
    that depends on timing: a module must not pass or fail according to its neighbour. (Autouse
    fixtures run before the module's own fixtures of the same scope.)
    """
    if "drconsole.sandbox.server" in sys.modules:  # nothing can have been left otherwise
        from drconsole.sandbox.server import Sandbox

        Sandbox().reset()
