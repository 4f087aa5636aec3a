"""Waiting for a drill's unended jobs is bounded whatever stops their answers: a profile whose
credential_process cannot run makes every read fail with drconsole's own one-line error, and
the wait still ends (it waited for ever: the watcher's thread ended without a word)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from drconsole.aws.jobs import JobRef
from drconsole.aws.session import AwsSessions
from drconsole.config import Settings
from drconsole.drills.unended_jobs import UnendedJob, wait_for


def test_a_job_that_cannot_be_read_for_a_credential_problem_ends_the_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config"
    config.write_text("[profile broken]\ncredential_process = /nonexistent/credential-helper\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    sessions = AwsSessions(
        Settings(profile="broken", regions=("eu-central-1",), state_dir=tmp_path / "state")
    )
    ref = JobRef("restore", "111122223333", "eu-central-1", "job-1")
    job = UnendedJob("table", "flow-1", "restore", ref)
    said: list[str] = []
    left: list[list[UnendedJob]] = []
    waiting = threading.Thread(
        target=lambda: left.append(wait_for(sessions, tmp_path, [job], 0.0, said.append)),
        daemon=True,
    )
    waiting.start()
    waiting.join(timeout=20)
    assert not waiting.is_alive(), "the wait did not end"
    assert left == [[job]]  # not seen ended: the caller says what it makes is not deleted
