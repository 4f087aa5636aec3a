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

# Seconds each module's tests took in a whole run on a 2-core machine (`pytest -n 6 --dist
# loadfile`, each test's wall time summed per module, 2026-12-05; those of 3 s or more; the
# three newest files timed alone and scaled). Only the order matters: a module missing here
# counts as quick, and a stale figure costs some balance, never a test.
MODULE_SECONDS: dict[str, float] = {
    "tests/test_incomplete_answers.py": 195,
    "tests/test_cli_copy.py": 173,
    "tests/test_journal_damage.py": 164,
    "tests/test_drill_abandon.py": 136,
    "tests/tui/test_wizard.py": 134,
    "tests/test_flow_aws_errors.py": 132,
    "tests/test_cli_ls.py": 116,
    "tests/test_readonly_matrix.py": 114,
    "tests/test_drill_unjournaled.py": 109,
    "tests/test_drill_run.py": 101,
    "tests/tui/test_read_only.py": 91,
    "tests/tui/test_hostile_text.py": 88,
    "tests/test_drill_interrupted.py": 86,
    "tests/test_cli_sandbox.py": 81,
    "tests/test_cli_check.py": 81,
    "tests/test_fuzz_bad_input.py": 80,
    "tests/tui/test_drills_abandon.py": 77,
    "tests/test_values_sent_as_typed.py": 74,
    "tests/tui/test_drills_resume.py": 72,
    "tests/test_cli_flow_requests.py": 72,
    "tests/test_output_files.py": 67,
    "tests/tui/test_tmux_flow_prompts.py": 64,
    "tests/test_s3_restore_metadata.py": 62,
    "tests/tui/test_typed_ahead.py": 60,
    "tests/test_agreement.py": 60,
    "tests/test_preflight_metadata.py": 58,
    "tests/tui/test_tmux_wizard.py": 58,
    "tests/tui/test_secrets_sweep.py": 58,
    "tests/test_recovery_point_age_and_status.py": 58,
    "tests/test_demo_resume.py": 57,
    "tests/tui/test_drills_cleanup.py": 56,
    "tests/tui/test_screens.py": 54,
    "tests/test_output_state_dir.py": 54,
    "tests/test_drill_plan_unanswered.py": 51,
    "tests/tui/test_drills_screen.py": 50,
    "tests/test_readiness.py": 49,
    "tests/test_backup_account_caution.py": 49,
    "tests/test_cli_instance_profile.py": 48,
    "tests/test_demo_stop.py": 47,
    "tests/test_drill_cleanup_ownership.py": 47,
    "tests/test_resource_type_support.py": 45,
    "tests/test_drill_resume_ended.py": 43,
    "tests/test_drill_plan_two_hops.py": 42,
    "tests/tui/test_command_mode.py": 40,
    "tests/tui/test_drills_folders.py": 40,
    "tests/test_flows_copy_restore.py": 39,
    "tests/test_drill_backup_account.py": 38,
    "tests/tui/test_snapshots.py": 37,
    "tests/test_drill_copy_turns.py": 36,
    "tests/tui/test_tmux_restore_form.py": 36,
    "tests/tui/test_tmux.py": 36,
    "tests/test_drill_stop.py": 36,
    "tests/test_secret_metadata_input.py": 35,
    "tests/tui/test_drills_abandon_jump.py": 35,
    "tests/test_cli_restore_form_again.py": 34,
    "tests/tui/test_incomplete_answers.py": 33,
    "tests/tui/test_readiness_screen.py": 32,
    "tests/tui/test_org_protected.py": 32,
    "tests/test_account_names_shared.py": 31,
    "tests/test_drill_evidence_places.py": 31,
    "tests/test_restore_next_step.py": 30,
    "tests/test_restore_metadata_conflicts.py": 29,
    "tests/test_cli_init.py": 28,
    "tests/tui/test_wizard_retention.py": 28,
    "tests/test_state_entries.py": 27,
    "tests/test_drill_report_dir.py": 27,
    "tests/test_cli_two_hop_checks.py": 27,
    "tests/test_role_arn_sent.py": 26,
    "tests/tui/test_readiness_time_and_filter.py": 26,
    "tests/test_readiness_partial.py": 25,
    "tests/test_checks_screen.py": 25,
    "tests/test_endpoints.py": 25,
    "tests/tui/test_drills_small_screen.py": 25,
    "tests/test_drill_cleanup_finished.py": 25,
    "tests/tui/test_vault_loading.py": 25,
    "tests/test_state_dir.py": 24,
    "tests/tui/test_wizard_resource_types.py": 24,
    "tests/tui/test_drill_quit.py": 24,
    "tests/test_inventory.py": 24,
    "tests/tui/test_filter_bar.py": 24,
    "tests/test_cli_hostile_text.py": 24,
    "tests/test_role_session_name.py": 23,
    "tests/tui/test_tmux_read_only.py": 23,
    "tests/test_drill_evidence.py": 23,
    "tests/test_architecture.py": 23,
    "tests/sandbox/test_server_knobs.py": 23,
    "tests/tui/test_jobs_summary.py": 23,
    "tests/test_fuzz_aws_data.py": 22,
    "tests/test_drill_plan.py": 21,
    "tests/test_demo_consoles.py": 21,
    "tests/tui/test_jobs_shared_state.py": 21,
    "tests/test_restore_time.py": 21,
    "tests/test_check_remedies.py": 20,
    "tests/tui/test_wizard_values_as_typed.py": 20,
    "tests/sandbox/test_engine_copy.py": 19,
    "tests/test_cli_check_vault_keys.py": 18,
    "tests/test_drill_copy_retention.py": 18,
    "tests/test_other_partition.py": 18,
    "tests/test_ls_jobs_tables.py": 18,
    "tests/test_break_glass.py": 18,
    "tests/tui/test_loading_workers.py": 17,
    "tests/test_restore_key_context.py": 17,
    "tests/tui/test_wizard_arming_off.py": 17,
    "tests/test_region_not_enabled.py": 17,
    "tests/test_restore_key_region.py": 16,
    "tests/tui/test_rp_rows.py": 16,
    "tests/tui/test_jobs_screen.py": 16,
    "tests/tui/test_readiness_tmux.py": 16,
    "tests/test_cli_explain.py": 16,
    "tests/test_checks_copy.py": 15,
    "tests/tui/test_restore_form_again.py": 15,
    "tests/tui/test_drills_tmux.py": 15,
    "tests/test_url_userinfo.py": 15,
    "tests/test_demo_stop_signals.py": 15,
    "tests/tui/test_wizard_form_lock.py": 15,
    "tests/tui/test_hostile_names.py": 14,
    "tests/test_job_summaries.py": 14,
    "tests/tui/test_incomplete_restore.py": 14,
    "tests/tui/test_collector.py": 14,
    "tests/tui/test_drill_report_damaged.py": 13,
    "tests/test_readiness_restore_agrees.py": 13,
    "tests/test_drill_target_mistakes.py": 13,
    "tests/tui/test_small_terminal.py": 13,
    "tests/test_reserved_vaults.py": 13,
    "tests/test_init_terminal.py": 12,
    "tests/test_percent_done_hostile.py": 12,
    "tests/tui/test_wizard_dropped_keys.py": 12,
    "tests/tui/test_manual_step_dialog.py": 12,
    "tests/tui/test_jobs_flows_first.py": 12,
    "tests/tui/test_filter_rank.py": 11,
    "tests/tui/test_cell_width.py": 11,
    "tests/test_delegated_administrator.py": 11,
    "tests/test_shared_client_isolation.py": 11,
    "tests/tui/test_secret_resume.py": 11,
    "tests/test_refused_roles.py": 11,
    "tests/test_cli_repeated_flags.py": 11,
    "tests/test_cli_errors.py": 10,
    "tests/tui/test_narrow.py": 10,
    "tests/test_checks_destination.py": 10,
    "tests/test_diagnose_restore.py": 10,
    "tests/test_s3_restore_incomplete.py": 10,
    "tests/test_checks_facts.py": 9,
    "tests/test_drill_instance_profile.py": 9,
    "tests/test_watcher.py": 9,
    "tests/tui/test_accounts_walk.py": 9,
    "tests/sandbox/test_engine_restore.py": 9,
    "tests/test_journal_ids.py": 9,
    "tests/test_drill_s3_incomplete.py": 9,
    "tests/test_cli_policy.py": 8,
    "tests/tui/test_refused_roles.py": 8,
    "tests/test_drill_runbook.py": 8,
    "tests/test_cli_source_account.py": 7,
    "tests/sandbox/test_build_cost.py": 7,
    "tests/test_drill_history_damage.py": 7,
    "tests/sandbox/test_scenario_large.py": 7,
    "tests/test_cli_copy_pass_role.py": 7,
    "tests/test_failed_copy_fix_regions.py": 7,
    "tests/tui/test_readiness_drill_times.py": 7,
    "tests/test_cli_copy_queue_and_messages.py": 6,
    "tests/test_fixes.py": 6,
    "tests/tui/test_jobs_tmux.py": 6,
    "tests/sandbox/test_scenarios.py": 6,
    "tests/test_continuous_backups.py": 6,
    "tests/test_checks_arns.py": 6,
    "tests/tui/test_jobs_shared_names.py": 6,
    "tests/test_readiness_copy_age.py": 6,
    "tests/test_refused_roles_watch.py": 5,
    "tests/test_restore_default_name.py": 5,
    "tests/test_readiness_objectives.py": 5,
    "tests/test_sts_region.py": 5,
    "tests/test_clock_skew.py": 5,
    "tests/tui/test_region_not_enabled.py": 5,
    "tests/tui/test_posture.py": 5,
    "tests/test_cli_refused_roles.py": 4,
    "tests/tui/test_readiness_failed_accounts.py": 4,
    "tests/tui/test_checks_destination_app.py": 4,
    "tests/sandbox/test_restores.py": 4,
    "tests/sandbox/test_key_accounts.py": 4,
    "tests/test_cli_output_streams.py": 4,
    "tests/test_credential_process_answers.py": 4,
    "tests/test_cli_global_flags.py": 4,
    "tests/test_mfa_prompt.py": 4,
    "tests/test_readiness_large.py": 4,
    "tests/tui/test_pacing_keys.py": 4,
    "tests/test_state_dir_owner.py": 3,
    "tests/test_readonly.py": 3,
    "tests/tui/test_fitted_table.py": 3,
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
