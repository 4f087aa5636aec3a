"""Named scenarios that fill a running sandbox: the `demo` organization and the `large` one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from drconsole.sandbox.server import Sandbox, SandboxOptions


@dataclass(frozen=True)
class ScenarioInfo:
    """What a built scenario holds: the organization, its accounts by role, and its faults.

    `faults` maps a fault name to the ARN it concerns (vault, key, recovery point or role);
    `fault_recovery_points` maps the same fault name to a recovery point whose copy meets it,
    and `fault_destinations` to the destination vault of that copy.
    `build_seconds` is the wall time the scenario took to build.
    """

    name: str
    org_id: str
    region: str
    dr_region: str
    accounts: dict[str, str]
    faults: dict[str, str]
    fault_recovery_points: dict[str, str] = field(default_factory=dict)
    fault_destinations: dict[str, str] = field(default_factory=dict)
    recovery_point_count: int = 0
    build_seconds: float = 0.0


def scenario_names() -> tuple[str, ...]:
    """The names `build_scenario` accepts."""
    return tuple(sorted(_builders()))


def _builders() -> dict[str, Callable[..., ScenarioInfo]]:
    from drconsole.sandbox.scenarios.demo import build_demo
    from drconsole.sandbox.scenarios.large import build_large

    return {"demo": build_demo, "large": build_large}


def build_scenario(sandbox: Sandbox, name: str = "demo", **params: Any) -> ScenarioInfo:
    """Fill a started sandbox with the named scenario and describe what it built."""
    builders = _builders()
    if name not in builders:
        known = ", ".join(sorted(builders))
        raise ValueError(f"unknown scenario {name!r} (known: {known})")
    from drconsole.sandbox.scenarios.built_copies import build_or_restore

    return build_or_restore(sandbox, name, params, lambda: builders[name](sandbox, **params))


def start_sandbox(
    scenario: str = "demo",
    options: SandboxOptions | None = None,
    port: int = 0,
    **params: Any,
) -> tuple[Sandbox, ScenarioInfo]:
    """Start a sandbox server and build a scenario in it; the caller stops the sandbox.

    moto's state is process-wide, so whatever an earlier sandbox of this process left is wiped.
    The options' latency and throttling apply once the scenario is built, not while building
    (they are there for the console; the demo's hundred-odd set-up calls would wait them out).
    """
    from drconsole.sandbox.server import Sandbox

    sandbox = Sandbox(options, port=port)
    wanted = sandbox.options
    if wanted.latency_ms or wanted.throttle_rate:
        sandbox.options = replace(wanted, latency_ms=0, throttle_rate=0.0)
    sandbox.start()
    try:
        sandbox.reset()
        info = build_scenario(sandbox, scenario, **params)
    except BaseException:
        sandbox.stop()
        raise
    sandbox.options = wanted
    return sandbox, info
