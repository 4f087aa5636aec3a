"""Suite-wide: the slowest modules are collected first, and every module starts on empty moto state.

`pytest -n 4 --dist loadfile` hands whole modules to the workers in collection order (with
`--no-loadscope-reorder`, set in pyproject.toml; xdist otherwise sorts modules by their number of
tests, which puts the few-but-slow end-to-end modules last and leaves one worker idle while the
other finishes them). Longest-first is the classic greedy schedule for parallel machines.
"""

from __future__ import annotations

import sys

import pytest

# Seconds each module took on a loaded 2-core machine (`pytest -n 2 --dist loadfile
# --durations=0`). Only the order matters: a module missing here counts as quick, and a stale
# figure costs some balance, never a test.
MODULE_SECONDS: dict[str, float] = {
    "tests/tui/test_jobs_tmux.py": 75,
    "tests/test_demo_resume.py": 60,
    "tests/tui/test_readiness_screen.py": 45,
    "tests/tui/test_readiness_tmux.py": 35,
    "tests/test_diagnose_restore.py": 13,
    "tests/tui/test_tmux_wizard.py": 72,
    "tests/tui/test_tmux_restore_form.py": 85,
    "tests/tui/test_wizard.py": 70,
    "tests/tui/test_screens.py": 42,
    "tests/test_cli_copy.py": 42,
    "tests/test_drill_run.py": 45,
    "tests/test_drill_unjournaled.py": 60,
    "tests/test_drill_cleanup_finished.py": 65,
    "tests/test_cli_flow_requests.py": 33,
    "tests/tui/test_drills_cleanup.py": 29,
    "tests/test_refused_roles.py": 9,
    "tests/tui/test_secret_resume.py": 9,
    "tests/test_check_remedies.py": 8,
    "tests/tui/test_drills_screen.py": 60,
    "tests/tui/test_drills_tmux.py": 60,
    "tests/test_drill_validate.py": 12,
    "tests/test_cli_sandbox.py": 32,
    "tests/tui/test_tmux.py": 30,
    "tests/tui/test_snapshots.py": 26,
    "tests/test_readonly_matrix.py": 45,
    "tests/tui/test_read_only.py": 90,
    "tests/tui/test_tmux_read_only.py": 40,
    "tests/test_cli_check.py": 22,
    "tests/test_cli_init.py": 45,
    "tests/test_init_terminal.py": 60,
    "tests/test_flow_aws_errors.py": 55,
    "tests/test_journal_damage.py": 45,
    "tests/test_fuzz_bad_input.py": 45,
    "tests/test_break_glass.py": 60,
    "tests/tui/test_secrets_sweep.py": 35,
    "tests/test_drill_plan.py": 30,
    "tests/test_readiness.py": 50,
    "tests/test_readiness_large.py": 25,
    "tests/test_flows_copy_restore.py": 19,
    "tests/test_agreement.py": 16,
    "tests/sandbox/test_server_knobs.py": 14,
    "tests/test_inventory.py": 14,
    "tests/sandbox/test_restores.py": 11,
    "tests/test_cli_ls.py": 11,
    "tests/tui/test_jobs_summary.py": 15,
    "tests/test_job_summaries.py": 13,
    "tests/sandbox/test_scenarios.py": 10,
    "tests/sandbox/test_build_cost.py": 8,
    "tests/test_watcher.py": 10,
    "tests/test_shared_client_isolation.py": 12,
    "tests/test_checks_screen.py": 9,
    "tests/test_readonly.py": 9,
    "tests/test_checks_facts.py": 9,
    "tests/test_cli_explain.py": 7,
    "tests/sandbox/test_engine_copy.py": 6,
    "tests/test_fixes.py": 6,
    "tests/sandbox/test_scenario_large.py": 6,
    "tests/sandbox/test_engine_restore.py": 4,
    "tests/sandbox/test_copy_rules.py": 4,
}


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
