"""Suite-wide: the slowest modules are collected first, and every module starts on empty moto state.

`pytest -n 4 --dist loadfile` hands whole modules to the workers in collection order (with
`--no-loadscope-reorder`, set in pyproject.toml; xdist otherwise sorts modules by their number of
tests, which puts the few-but-slow end-to-end modules last and leaves one worker idle while the
other finishes them). Longest-first is the classic greedy schedule for parallel machines.
"""

from __future__ import annotations

import sys

import pytest

# Seconds each module's tests took in a whole run on a 2-core machine (`pytest -n 4 --dist
# loadfile --durations=0`, summed per module; those over 4 s). Only the order matters: a
# module missing here counts as quick, and a stale figure costs some balance, never a test.
MODULE_SECONDS: dict[str, float] = {
    "tests/test_drill_abandon.py": 94,
    "tests/test_cli_copy.py": 76,
    "tests/tui/test_drills_abandon.py": 73,
    "tests/tui/test_tmux_wizard.py": 68,
    "tests/test_drill_unjournaled.py": 66,
    "tests/test_drill_cleanup_finished.py": 63,
    "tests/tui/test_wizard.py": 60,
    "tests/test_flow_aws_errors.py": 55,
    "tests/test_journal_damage.py": 50,
    "tests/test_incomplete_answers.py": 50,
    "tests/test_drill_run.py": 49,
    "tests/test_demo_resume.py": 43,
    "tests/tui/test_tmux_restore_form.py": 43,
    "tests/tui/test_drills_tmux.py": 42,
    "tests/test_readonly_matrix.py": 38,
    "tests/tui/test_read_only.py": 35,
    "tests/test_fuzz_bad_input.py": 34,
    "tests/test_cli_flow_requests.py": 33,
    "tests/tui/test_hostile_text.py": 32,
    "tests/test_cli_sandbox.py": 32,
    "tests/tui/test_drills_cleanup.py": 31,
    "tests/test_drill_interrupted.py": 30,
    "tests/tui/test_typed_ahead.py": 30,
    "tests/tui/test_tmux_flow_prompts.py": 30,
    "tests/tui/test_drills_resume.py": 30,
    "tests/test_cli_ls.py": 29,
    "tests/test_drill_resume_ended.py": 26,
    "tests/tui/test_screens.py": 23,
    "tests/test_flows_copy_restore.py": 22,
    "tests/test_cli_check.py": 21,
    "tests/tui/test_tmux.py": 21,
    "tests/tui/test_tmux_read_only.py": 21,
    "tests/tui/test_command_mode.py": 20,
    "tests/tui/test_secrets_sweep.py": 20,
    "tests/tui/test_readiness_screen.py": 19,
    "tests/tui/test_drills_screen.py": 18,
    "tests/tui/test_snapshots.py": 17,
    "tests/test_cli_init.py": 17,
    "tests/test_agreement.py": 16,
    "tests/tui/test_filter_bar.py": 15,
    "tests/test_demo_stop.py": 14,
    "tests/sandbox/test_server_knobs.py": 14,
    "tests/test_drill_plan.py": 13,
    "tests/tui/test_incomplete_answers.py": 12,
    "tests/sandbox/test_engine_copy.py": 12,
    "tests/test_state_dir.py": 11,
    "tests/test_readiness.py": 11,
    "tests/test_watcher.py": 11,
    "tests/tui/test_drills_folders.py": 11,
    "tests/tui/test_collector.py": 11,
    "tests/tui/test_vault_loading.py": 10,
    "tests/test_output_files.py": 10,
    "tests/tui/test_org_protected.py": 10,
    "tests/test_inventory.py": 10,
    "tests/tui/test_rp_rows.py": 9,
    "tests/test_shared_client_isolation.py": 9,
    "tests/test_checks_screen.py": 9,
    "tests/test_job_summaries.py": 9,
    "tests/test_init_terminal.py": 9,
    "tests/tui/test_small_terminal.py": 8,
    "tests/tui/test_accounts_walk.py": 8,
    "tests/test_endpoints.py": 8,
    "tests/test_break_glass.py": 8,
    "tests/test_checks_facts.py": 8,
    "tests/tui/test_filter_rank.py": 8,
    "tests/test_cli_hostile_text.py": 8,
    "tests/tui/test_jobs_screen.py": 8,
    "tests/test_check_remedies.py": 8,
    "tests/tui/test_loading_workers.py": 7,
    "tests/test_refused_roles.py": 7,
    "tests/tui/test_jobs_summary.py": 7,
    "tests/sandbox/test_engine_restore.py": 7,
    "tests/tui/test_secret_resume.py": 6,
    "tests/tui/test_readiness_tmux.py": 6,
    "tests/tui/test_narrow.py": 6,
    "tests/sandbox/test_scenarios.py": 6,
    "tests/test_readiness_large.py": 5,
    "tests/tui/test_cell_width.py": 5,
    "tests/sandbox/test_restores.py": 5,
    "tests/test_cli_errors.py": 5,
    "tests/tui/test_pacing_keys.py": 5,
    "tests/tui/test_jobs_tmux.py": 5,
    "tests/test_refused_roles_watch.py": 4,
    "tests/tui/test_hostile_names.py": 4,
    "tests/sandbox/test_scenario_large.py": 4,
    # Added since, from a run of theirs alone (-n 2), scaled by 1.5 to a whole run's load.
    "tests/test_values_sent_as_typed.py": 36,
    "tests/test_drill_cleanup_ownership.py": 24,
    "tests/test_drill_backup_account.py": 16,
    "tests/test_backup_account_caution.py": 16,
    "tests/test_output_state_dir.py": 16,
    "tests/tui/test_wizard_values_as_typed.py": 12,
    "tests/test_state_entries.py": 12,
    "tests/test_s3_restore_metadata.py": 12,
    "tests/test_account_names_shared.py": 12,
    "tests/tui/test_incomplete_restore.py": 10,
    "tests/test_continuous_backups.py": 9,
    "tests/test_restore_key_region.py": 9,
    "tests/test_role_arn_sent.py": 9,
    "tests/test_drill_s3_incomplete.py": 8,
    "tests/test_role_session_name.py": 8,
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
