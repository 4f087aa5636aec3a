"""Copies of built scenarios: a process that builds the same scenario again restores a copy.

A scenario built for a fixed instant (`now=` given) is the same every time: its identifiers
come from seeded generators and its dates from that instant. The test suite builds the demo in
dozens of test files per process, about a second of CPU each; restoring a deep copy of the
state the first build left costs about a quarter of that. Off unless `reuse_builds()` is called
(the suite's conftest does): `drconsole demo` and `drconsole sandbox` build once anyway.

A build without a fixed instant is never reused: its dates follow the clock, and a copy made
minutes earlier would be that much older than a fresh build.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from drconsole.sandbox.scenarios import ScenarioInfo
    from drconsole.sandbox.server import Sandbox

_enabled = False
_copies: dict[tuple[str, tuple[tuple[str, Any], ...]], _BuiltState] = {}


def reuse_builds(enabled: bool = True) -> None:
    """Restore copies of scenarios built for a fixed instant (True), or always build (False;
    the copies made so far are kept for when it is turned on again)."""
    global _enabled
    _enabled = enabled


@dataclass(frozen=True)
class _BuiltState:
    """Everything a build leaves behind, deep-copied together so that references stay shared."""

    info: ScenarioInfo
    # each moto BackendDict in use -> its accounts' backends
    backends: dict[Any, dict[str, Any]]
    master_accounts: dict[str, Any]
    credentials: dict[str, dict[str, str]]
    # the seeded generators' states, so that identifiers made after the build repeat too (the
    # Marketplace image ids are never seeded, so theirs is left as it is)
    moto_random: Any
    point_ids: Any


def build_or_restore(
    sandbox: Sandbox, name: str, params: dict[str, Any], build: Callable[[], ScenarioInfo]
) -> ScenarioInfo:
    """Build the scenario, or restore a copy of the same build into the (reset) sandbox."""
    if not _enabled or params.get("now") is None or not _state_is_empty():
        return build()
    try:
        key = (name, tuple(sorted(params.items())))
        hash(key)
    except TypeError:  # a parameter that cannot key a copy: build
        return build()
    started = time.perf_counter()
    state = _copies.get(key)
    if state is None:
        info = build()
        captured = _capture(sandbox, info)
        if captured is not None:
            _copies[key] = captured
        return info
    _restore(sandbox, state)
    return replace(state.info, build_seconds=round(time.perf_counter() - started, 3))


def _backends_in_use() -> list[Any]:
    """moto's list of the BackendDicts (one per service) holding state, which its reset empties."""
    from moto.core.base_backend import BackendDict

    instances: list[Any] = getattr(BackendDict, "_instances")  # noqa: B009 (a generic class)
    return instances


def _state_is_empty() -> bool:
    """Whether the sandbox holds nothing yet (reset): a copy replaces state, a build adds to it."""
    from drconsole.sandbox import engine, sts_mfa

    return not _backends_in_use() and not engine.has_state() and not sts_mfa.has_sessions()


def _live_state(sandbox: Sandbox, info: ScenarioInfo) -> _BuiltState | None:
    """The state the build left, as live objects; None when it cannot be reused."""
    from moto.moto_api._internal import mock_random
    from moto.organizations.models import organizations_backends

    from drconsole.sandbox import engine, store, sts_mfa

    # A build that scheduled jobs or issued sessions holds clock-bound state: not reused.
    if engine.has_state() or sts_mfa.has_sessions():
        return None
    return _BuiltState(
        info=info,
        backends={backend: dict(backend) for backend in _backends_in_use()},
        master_accounts=dict(organizations_backends.master_accounts),
        credentials=sandbox.known_credentials(),
        moto_random=mock_random.getstate(),
        point_ids=store.id_generator_state(),
    )


def _deep_copy(state: _BuiltState) -> _BuiltState:
    """A copy sharing nothing mutable with `state` (but the process-wide objects below)."""
    from drconsole.sandbox import store

    # The BackendDicts themselves and the store's lock are process-wide: a backend that refers
    # to them must keep referring to the live ones, not to copies.
    memo: dict[int, Any] = {id(backend): backend for backend in state.backends}
    memo.update({id(backend): backend for backend in _backends_in_use()})
    memo[id(store.LOCK)] = store.LOCK
    return _BuiltState(
        info=state.info,
        backends=copy.deepcopy(state.backends, memo),
        master_accounts=copy.deepcopy(state.master_accounts, memo),
        credentials=copy.deepcopy(state.credentials),
        moto_random=state.moto_random,
        point_ids=state.point_ids,
    )


def _capture(sandbox: Sandbox, info: ScenarioInfo) -> _BuiltState | None:
    """A copy of the state the build left, or None when it cannot be reused."""
    from moto.core.base_backend import backend_lock

    from drconsole.sandbox import store

    with store.LOCK, backend_lock:
        live = _live_state(sandbox, info)
        return None if live is None else _deep_copy(live)


def _restore(sandbox: Sandbox, state: _BuiltState) -> None:
    """Replace the sandbox's (empty) state by a fresh copy of `state`."""
    from moto.core.base_backend import backend_lock
    from moto.moto_api._internal import mock_random
    from moto.organizations.models import organizations_backends

    from drconsole.sandbox import store

    fresh = _deep_copy(state)
    with store.LOCK, backend_lock:
        for backend, accounts in fresh.backends.items():
            backend.clear()
            backend.update(accounts)
        _backends_in_use()[:] = list(fresh.backends)
        organizations_backends.master_accounts.clear()
        organizations_backends.master_accounts.update(fresh.master_accounts)
        mock_random.setstate(state.moto_random)
        store.set_id_generator_state(state.point_ids)
    sandbox.adopt_credentials(fresh.credentials)
