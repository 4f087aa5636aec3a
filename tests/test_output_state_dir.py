"""A file a person names for drconsole to write (readiness --html, drill run/resume --junit and
--report-dir, init's config file) is never one in drconsole's state dir: its journal, audit log,
drill journal and flow locks are never replaced, by path, through a symlink or through another
route to the same folder. One line, exit 2, before anything runs, in read-only mode too."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bad_input import base_env
from tests.test_cli_copy import EU, SandboxProcess, drconsole, sandbox_process
from tests.test_output_files import one_line_exit_2, run


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxProcess]:
    yield from sandbox_process()


def digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_readiness_html_never_replaces_the_journal_or_the_audit_log(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    points = sandbox.client("backup", "prod", EU).list_recovery_points_by_backup_vault(
        BackupVaultName="prod-vault"
    )["RecoveryPoints"]
    rp = next(p["RecoveryPointArn"] for p in points if p["ResourceType"] == "DynamoDB")
    restored = drconsole(
        sandbox, tmp_path, "restore", "--recovery-point", rp,
        "--metadata", "targetTableName=state-dir-html-t1", "--yes",
    )  # fmt: skip
    assert restored.returncode == 0, restored.stderr
    state = tmp_path / "xdg-state" / "drconsole"
    before, flows = digests(state), drconsole(sandbox, tmp_path, "jobs", "--json").stdout
    assert {"journal.jsonl", "audit.log"} <= set(before)
    (tmp_path / "to-audit.html").symlink_to(state / "audit.log")
    (tmp_path / "state-link").symlink_to(state)
    for path in (
        state / "journal.jsonl",
        tmp_path / "to-audit.html",
        tmp_path / "state-link" / "journal.jsonl",
        state / "demo" / "new.html",
    ):
        for mode in ((), ("--read-only",)):
            done = drconsole(sandbox, tmp_path, *mode, "readiness", "--html", str(path))
            one_line_exit_2(done, f"--html {path}: is inside drconsole's state dir")
    assert digests(state) == before
    assert drconsole(sandbox, tmp_path, "jobs", "--json").stdout == flows


def test_drill_and_init_outputs_never_replace_state_files(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    state = tmp_path / "state" / "drconsole"
    (state / "drills").mkdir(parents=True)
    (state / "flow-locks").mkdir()
    for name in ("journal.jsonl", "audit.log", "drills/journal.jsonl"):
        (state / name).write_text('{"kept": true}\n')
    (state / "flow-locks" / "a.lock").touch()  # empty, so it would read as a config file
    before = digests(state)
    missing = str(tmp_path / "no-such-runbook.yaml")
    for verb in (("run", missing), ("resume", "20261201T000000Z-abcdef")):
        for name in ("drills/journal.jsonl", "flow-locks/a.lock", "audit.log"):
            done = run(env, "drill", *verb, "--junit", str(state / name))
            one_line_exit_2(done, "--junit", "is inside drconsole's state dir")
        one_line_exit_2(
            run(env, "drill", *verb, "--report-dir", str(state)),
            "--report-dir",
            "is inside drconsole's state dir",
        )
    # A report folder outside, whose report.json links to the journal.
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "report.json").symlink_to(state / "journal.jsonl")
    one_line_exit_2(
        run(env, "drill", "run", missing, "--report-dir", str(reports)),
        f"--report-dir {reports / 'report.json'}: is inside drconsole's state dir",
    )
    # Through a symlinked folder on the way: where the file lands decides, not its spelling.
    (tmp_path / "elsewhere").symlink_to(state / "drills")
    one_line_exit_2(
        run(env, "drill", "run", missing, "--junit", str(tmp_path / "elsewhere" / "journal.jsonl")),
        "is inside drconsole's state dir",
    )
    for name in ("journal.jsonl", "flow-locks/a.lock"):
        done = run(env, "--config", str(state / name), "init", "--yes", "--regions", EU)
        one_line_exit_2(done, "--config", "is inside drconsole's state dir")
    assert digests(state) == before
    assert sorted(os.listdir(tmp_path / "state")) == ["drconsole"]
