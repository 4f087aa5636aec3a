"""Suite-wide: the slowest modules are collected first, and every module starts on empty moto state.

`pytest -n 4 --dist loadfile` hands whole modules to the workers in collection order (with
`--no-loadscope-reorder`, set in pyproject.toml; xdist otherwise sorts modules by their number of
tests, which puts the few-but-slow end-to-end modules last and leaves one worker idle while the
other finishes them). Longest-first is the classic greedy schedule for parallel machines.
"""

from __future__ import annotations

import gc
import sys

import pytest

# A worker holds moto's state, the Textual apps of the tests it ran and every module they
# imported: the collector's full passes over all of it took 6.3 s of the 45 s of CPU of
# tests/tui/test_wizard.py and test_read_only.py run together. One full pass per 100 middle ones
# (CPython's default: 10) took 2.7 s of 41 s. The product's own thresholds (tui/collector.py) are
# set relative to the process's, so its tests hold.
gc.set_threshold(700, 10, 100)

# Seconds each module's tests took in a whole run on a 2-core machine (`pytest -n 4 --dist
# loadfile --durations=0`, summed per module; those of 3 s or more). Only the order matters: a
# module missing here counts as quick, and a stale figure costs some balance, never a test.
MODULE_SECONDS: dict[str, float] = {
    "tests/test_drill_abandon.py": 91,
    "tests/tui/test_drills_abandon.py": 75,
    "tests/tui/test_tmux_restore_form.py": 71,
    "tests/test_drill_cleanup_finished.py": 61,
    "tests/tui/test_tmux_wizard.py": 60,
    "tests/test_drill_unjournaled.py": 60,
    "tests/test_cli_copy.py": 58,
    "tests/tui/test_wizard.py": 51,
    "tests/test_incomplete_answers.py": 45,
    "tests/tui/test_drills_tmux.py": 43,
    "tests/test_demo_resume.py": 41,
    "tests/test_journal_damage.py": 40,
    "tests/tui/test_hostile_text.py": 37,
    "tests/test_drill_run.py": 37,
    "tests/tui/test_tmux_flow_prompts.py": 36,
    "tests/test_drill_interrupted.py": 32,
    "tests/tui/test_read_only.py": 31,
    "tests/tui/test_typed_ahead.py": 29,
    "tests/test_cli_flow_requests.py": 29,
    "tests/test_flow_aws_errors.py": 28,
    "tests/tui/test_drills_resume.py": 27,
    "tests/test_values_sent_as_typed.py": 27,
    "tests/test_drill_resume_ended.py": 24,
    "tests/test_cli_ls.py": 24,
    "tests/tui/test_drills_cleanup.py": 24,
    "tests/test_cli_check.py": 23,
    "tests/test_readonly_matrix.py": 22,
    "tests/test_flows_copy_restore.py": 22,
    "tests/test_fuzz_bad_input.py": 21,
    "tests/test_cli_sandbox.py": 21,
    "tests/test_drill_cleanup_ownership.py": 20,
    "tests/tui/test_screens.py": 19,
    "tests/tui/test_tmux_read_only.py": 19,
    "tests/tui/test_drills_abandon_jump.py": 19,
    "tests/tui/test_command_mode.py": 18,
    "tests/tui/test_tmux.py": 17,
    "tests/tui/test_drills_screen.py": 16,
    "tests/test_restore_next_step.py": 16,
    "tests/tui/test_secrets_sweep.py": 16,
    "tests/tui/test_drill_quit.py": 15,
    "tests/test_backup_account_caution.py": 15,
    "tests/test_recovery_point_age_and_status.py": 14,
    "tests/test_agreement.py": 14,
    "tests/test_secret_metadata_input.py": 14,
    "tests/tui/test_readiness_screen.py": 14,
    "tests/sandbox/test_server_knobs.py": 14,
    "tests/tui/test_snapshots.py": 14,
    "tests/test_cli_instance_profile.py": 13,
    "tests/tui/test_filter_bar.py": 13,
    "tests/test_output_state_dir.py": 12,
    "tests/test_drill_stop.py": 12,
    "tests/test_preflight_metadata.py": 12,
    "tests/sandbox/test_engine_copy.py": 12,
    "tests/tui/test_vault_loading.py": 11,
    "tests/tui/test_org_protected.py": 11,
    "tests/tui/test_drills_folders.py": 11,
    "tests/test_drill_backup_account.py": 11,
    "tests/tui/test_jobs_shared_state.py": 11,
    "tests/tui/test_incomplete_answers.py": 10,
    "tests/tui/test_readiness_tmux.py": 10,
    "tests/test_checks_screen.py": 10,
    "tests/test_inventory.py": 9,
    "tests/test_demo_stop.py": 9,
    "tests/tui/test_loading_workers.py": 9,
    "tests/test_readiness.py": 9,
    "tests/test_drill_report_dir.py": 9,
    "tests/test_output_files.py": 9,
    "tests/test_check_remedies.py": 9,
    "tests/tui/test_wizard_arming_off.py": 9,
    "tests/test_s3_restore_metadata.py": 9,
    "tests/tui/test_wizard_values_as_typed.py": 9,
    "tests/test_shared_client_isolation.py": 9,
    "tests/test_state_entries.py": 8,
    "tests/tui/test_collector.py": 8,
    "tests/tui/test_wizard_form_lock.py": 8,
    "tests/tui/test_secret_resume.py": 8,
    "tests/test_region_not_enabled.py": 8,
    "tests/tui/test_incomplete_restore.py": 8,
    "tests/test_endpoints.py": 8,
    "tests/test_url_userinfo.py": 7,
    "tests/tui/test_filter_rank.py": 7,
    "tests/tui/test_jobs_screen.py": 7,
    "tests/tui/test_manual_step_dialog.py": 7,
    "tests/test_refused_roles.py": 7,
    "tests/tui/test_jobs_summary.py": 7,
    "tests/test_break_glass.py": 7,
    "tests/sandbox/test_engine_restore.py": 7,
    "tests/test_watcher.py": 7,
    "tests/test_restore_key_region.py": 7,
    "tests/test_state_dir.py": 7,
    "tests/tui/test_narrow.py": 7,
    "tests/tui/test_accounts_walk.py": 7,
    "tests/test_cli_init.py": 7,
    "tests/test_init_terminal.py": 7,
    "tests/test_role_session_name.py": 6,
    "tests/tui/test_small_terminal.py": 6,
    "tests/test_role_arn_sent.py": 6,
    "tests/test_account_names_shared.py": 6,
    "tests/test_drill_plan.py": 5,
    "tests/test_cli_hostile_text.py": 5,
    "tests/test_cli_explain.py": 5,
    "tests/test_drill_instance_profile.py": 4,
    "tests/test_drill_s3_incomplete.py": 4,
    "tests/test_cli_repeated_flags.py": 4,
    "tests/tui/test_jobs_tmux.py": 4,
    "tests/tui/test_refused_roles.py": 4,
    "tests/test_architecture.py": 4,
    "tests/test_cli_errors.py": 4,
    "tests/test_s3_restore_incomplete.py": 4,
    "tests/test_job_summaries.py": 4,
    "tests/test_cli_source_account.py": 4,
    "tests/test_refused_roles_watch.py": 4,
    "tests/test_fixes.py": 4,
    "tests/tui/test_hostile_names.py": 4,
    "tests/tui/test_rp_rows.py": 4,
    "tests/tui/test_cell_width.py": 3,
    "tests/sandbox/test_scenario_large.py": 3,
    "tests/test_journal_ids.py": 3,
    "tests/test_cli_refused_roles.py": 3,
    "tests/tui/test_wizard_retention.py": 10,
    "tests/tui/test_readiness_time_and_filter.py": 9,
    "tests/test_readiness_partial.py": 8,
    "tests/test_drill_copy_retention.py": 8,
    "tests/test_ls_jobs_tables.py": 6,
    "tests/test_restore_key_context.py": 6,
    "tests/tui/test_readiness_drill_times.py": 4,
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
