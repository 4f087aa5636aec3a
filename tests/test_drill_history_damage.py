"""Drill history when a run's report.json is damaged (edited, truncated, replaced): the run is
listed as one whose report cannot be read, and `drill history` and readiness go on."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drconsole.drills.finish import history
from drconsole.drills.journal import DrillJournal
from drconsole.readiness.drills import drill_coverage
from tests import forked_cli

DAMAGED_REPORTS = [
    "",
    "{",
    "[]",
    '"report"',
    '{"runbook": "payments", "targets": "abc"}',
    '{"runbook": {"name": ["x"]}, "targets": [1, 2]}',
    '{"runbook": {"name": "payments"}, "targets": [{"rto_seconds": "slow"}], "verdict": null}',
    "[" * 100_000,
]


def local_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a command that reads local files only, its state under tmp_path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "XDG_"))}
    return env | {
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }


def run_id_of(number: int) -> str:
    """The run id `journal_with_reports` gives its `number`th run."""
    return f"2026120{number % 10 or 1}T000000Z-{number:06x}"


def journal_with_reports(state_dir: Path, reports: list[str]) -> list[str]:
    """One finished run per report text, its report.json holding that text; the run ids."""
    journal = DrillJournal(state_dir)
    run_ids = []
    for number, text in enumerate(reports):
        run_id = run_id_of(number)
        directory = state_dir / "drills" / "payments" / run_id
        directory.mkdir(parents=True)
        (directory / "report.json").write_text(text)
        journal.append(run_id, "drill-start", runbook="payments", started="2026-12-01T00:00:00Z")
        journal.append(
            run_id, "drill-end", finished="2026-12-01T01:00:00Z", report_dir=str(directory)
        )
        run_ids.append(run_id)
    return run_ids


def test_drill_history_lists_a_damaged_report_as_unreadable(tmp_path: Path) -> None:
    state_home = tmp_path / "state"
    run_ids = journal_with_reports(state_home / "drconsole", DAMAGED_REPORTS)
    env = local_env(tmp_path)
    # No Region: history reads local files only.
    command = [sys.executable, "-m", "drconsole", "drill", "history"]
    listed = forked_cli.run(
        [*command, "--json"], capture_output=True, text=True, env=env, timeout=60
    )
    assert listed.returncode == 0, listed.stderr
    runs = json.loads(listed.stdout)["runs"]
    assert [run["run_id"] for run in runs] == run_ids
    assert {run["verdict"] for run in runs} == {"unreadable"}
    shown = forked_cli.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert shown.returncode == 0 and shown.stderr == "", shown.stderr
    assert shown.stdout.count("unreadable") == len(DAMAGED_REPORTS)


def test_a_fifo_in_place_of_a_report_is_unreadable_not_a_hang(tmp_path: Path) -> None:
    state_dir = tmp_path / "state" / "drconsole"
    (run_id,) = journal_with_reports(state_dir, ["{}"])
    report = state_dir / "drills" / "payments" / run_id / "report.json"
    report.unlink()
    os.mkfifo(report)
    env = local_env(tmp_path)
    listed = forked_cli.run(
        [sys.executable, "-m", "drconsole", "drill", "history", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert listed.returncode == 0, listed.stderr
    assert [run["verdict"] for run in json.loads(listed.stdout)["runs"]] == ["unreadable"]
    assert drill_coverage(state_dir) == {}


def test_a_drill_journal_line_nested_too_deeply_is_skipped_with_a_warning(
    tmp_path: Path,
) -> None:
    state_home = tmp_path / "state"
    (run_id,) = journal_with_reports(state_home / "drconsole", ['{"runbook": {}}'])
    nested = "[" * 3000 + "]" * 3000
    deep = f'{{"time": "2026-12-01T00:00:00Z", "flow": "{run_id}", "type": "x", "d": {nested}}}\n'
    with (state_home / "drconsole" / "drills" / "journal.jsonl").open("a") as journal:
        journal.write(deep)
    env = local_env(tmp_path)
    listed = forked_cli.run(
        [sys.executable, "-m", "drconsole", "drill", "history", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    assert [run["run_id"] for run in json.loads(listed.stdout)["runs"]] == [run_id]
    (warning,) = listed.stderr.splitlines()
    assert "journal.jsonl:3:" in warning and "nested too deeply" in warning, warning


@settings(max_examples=60, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    ["runbook", "targets", "name", "rto_seconds", "verdict", "finished"]
                ),
                inner,
                max_size=4,
            )
        ),
        max_leaves=12,
    )
)
def test_any_report_json_gives_a_history_line_and_no_coverage_crash(report: object) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        state_dir = Path(folder)
        journal_with_reports(state_dir, [json.dumps(report)])
        (line,) = history(state_dir)
        assert isinstance(line["runbook"], str) and isinstance(line["verdict"], str)
        assert line["rto_seconds"] is None or isinstance(line["rto_seconds"], int | float)
        drill_coverage(state_dir)


@pytest.mark.parametrize("text", DAMAGED_REPORTS)
def test_a_damaged_report_is_never_coverage(text: str, tmp_path: Path) -> None:
    journal_with_reports(tmp_path, [text])
    assert drill_coverage(tmp_path) == {}


def test_durations_that_are_no_numbers_never_stop_drill_history(tmp_path: Path) -> None:
    """NaN and Infinity (which Python's JSON reader takes) or a duration beyond any float in an
    edited report.json: the run is unreadable or its duration unknown, history goes on."""
    state_home = tmp_path / "state"
    texts = [
        f'{{"run_id": "{run_id_of(number)}", "verdict": "passed", "runbook": '
        f'{{"name": "payments"}}, "targets": [{{"rto_seconds": {value}, "rpo_seconds": {value}}}]}}'
        for number, value in enumerate(("NaN", "Infinity", "-Infinity", "1e400", "9" * 4000))
    ]
    journal_with_reports(state_home / "drconsole", texts)
    env = local_env(tmp_path)
    command = [sys.executable, "-m", "drconsole", "drill", "history"]
    listed = forked_cli.run(
        [*command, "--json"], capture_output=True, text=True, env=env, timeout=60
    )
    assert listed.returncode == 0, listed.stderr
    runs = json.loads(listed.stdout)["runs"]
    assert [run["verdict"] for run in runs] == ["unreadable"] * 3 + ["passed"] * 2
    assert all(run["rto_seconds"] is None and run["rpo_seconds"] is None for run in runs)
    shown = forked_cli.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert shown.returncode == 0 and shown.stderr == "", shown.stderr
    assert shown.stdout.count("unreadable") == 3


def test_a_damaged_start_record_is_named_by_resume_and_counts_no_targets(tmp_path: Path) -> None:
    """A drill-start record edited by hand: without its runbook's path, `drill resume` says the
    record is damaged (it said `: cannot read the runbook: Is a directory`); targets that are
    no list count none (a text of three letters counted three)."""
    state_home = tmp_path / "state"
    journal = DrillJournal(state_home / "drconsole")
    run_id = "20261201T000000Z-abcdef"
    journal.append(
        run_id, "drill-start", runbook="payments", started="2026-12-01T00:00:00Z", targets="abc"
    )
    env = local_env(tmp_path)
    env |= {"AWS_REGION": "eu-central-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    command = [sys.executable, "-m", "drconsole", "drill"]
    resumed = forked_cli.run(
        [*command, "resume", run_id, "--yes"], capture_output=True, text=True, env=env, timeout=60
    )
    assert resumed.returncode == 2, resumed.stdout + resumed.stderr
    assert "names no runbook file (the record is damaged)" in resumed.stderr, resumed.stderr
    assert len(resumed.stderr.splitlines()) == 1
    listed = forked_cli.run(
        [*command, "history", "--json"], capture_output=True, text=True, env=env, timeout=60
    )
    (run,) = json.loads(listed.stdout)["runs"]
    assert run["targets"] == 0


def test_another_runs_report_in_a_runs_place_is_not_its_evidence(tmp_path: Path) -> None:
    """A report.json copied from another run (or another runbook: `../../x`) is no evidence of
    this run: unreadable, never listed under the other runbook's name."""
    state_home = tmp_path / "state"
    texts = [
        '{"run_id": "20261201T000000Z-000000", "verdict": "passed", "runbook": {"name": '
        '"../../x"}, "targets": [{"rto_seconds": 60, "rpo_seconds": 60}]}',
        '{"run_id": "20261231T000000Z-ffffff", "verdict": "passed", "runbook": {"name": '
        '"payments"}, "targets": [{"rto_seconds": 60, "rpo_seconds": 60}]}',
    ]
    journal_with_reports(state_home / "drconsole", texts)
    runs = history(state_home / "drconsole")
    assert [(run["runbook"], run["verdict"]) for run in runs] == [("payments", "unreadable")] * 2
    assert drill_coverage(state_home / "drconsole") == {}
    # A report without a run id is none of drconsole's: no evidence for readiness either, as
    # history lists it unreadable.
    bare = tmp_path / "bare"
    journal_with_reports(
        bare / "drconsole",
        [
            '{"verdict": "passed", "runbook": {"name": "payments"}, "finished": '
            '"2026-12-01T01:00:00+00:00", "targets": [{"verdict": "passed", "recovery_point": '
            '{"resource_arn": "arn:aws:dynamodb:eu-central-1:111122223333:table/t"}}]}'
        ],
    )
    assert history(bare / "drconsole")[0]["verdict"] == "unreadable"
    assert drill_coverage(bare / "drconsole") == {}
