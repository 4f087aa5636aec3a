"""Files a person names, written by the real CLI: never over a FIFO, a device or a socket (one
line, exit 2, before anything runs, and no hang); through a symlink, the file it links to is
written and the link stays a link; a file that exists keeps its mode, a new one is 0600."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests.bad_input import base_env

EU = "eu-central-1"


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "drconsole", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def one_line_exit_2(done: subprocess.CompletedProcess[str], *says: str) -> None:
    assert done.returncode == 2, done.stderr + done.stdout
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    for text in says:
        assert text in done.stderr, done.stderr


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "out").mkdir()
    os.mkfifo(tmp_path / "out" / "pipe")
    return tmp_path


def special_files(home: Path) -> list[tuple[str, str]]:
    """(path, what the refusal calls it): a FIFO, a character device, a socket."""
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(home / "out" / "sock"))
    listener.close()
    return [
        (str(home / "out" / "pipe"), "is a FIFO (named pipe)"),
        ("/dev/null", "is a device"),
        (str(home / "out" / "sock"), "is a socket"),
    ]


def test_readiness_html_never_replaces_a_fifo_a_device_or_a_socket(home: Path) -> None:
    env = base_env(home)
    for path, says in special_files(home):
        before = os.lstat(path)
        done = run(env, "readiness", "--html", path)  # a FIFO opened for writing would hang
        one_line_exit_2(done, f"--html {path}: {says}")
        after = os.lstat(path)
        assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    link = home / "out" / "to-pipe.html"
    link.symlink_to(home / "out" / "pipe")
    one_line_exit_2(run(env, "readiness", "--html", str(link)), "is a FIFO")
    assert stat.S_ISFIFO((home / "out" / "pipe").lstat().st_mode) and link.is_symlink()
    loop = home / "out" / "loop.html"
    loop.symlink_to(loop)
    one_line_exit_2(run(env, "readiness", "--html", str(loop)), "is a symlink loop")
    assert loop.is_symlink()


def test_drill_run_refuses_special_files_before_reading_the_runbook(home: Path) -> None:
    env = base_env(home)
    missing = str(home / "no-such-runbook.yaml")
    pipe = str(home / "out" / "pipe")
    one_line_exit_2(run(env, "drill", "run", missing, "--junit", pipe), "--junit", "FIFO")
    one_line_exit_2(run(env, "drill", "run", missing, "--junit", "/dev/null"), "is a device")
    reports = home / "reports"
    reports.mkdir()
    os.mkfifo(reports / "report.json")
    one_line_exit_2(
        run(env, "drill", "run", missing, "--report-dir", str(reports)),
        "report.json in it is a FIFO",
    )
    assert not (home / "state").exists()


def test_evidence_met_at_write_time_is_refused_not_opened(tmp_path: Path) -> None:
    """A FIFO put in a report folder after the checks (a drill's default folder, or during a
    drill): the evidence writer refuses it in one line (exit 2 as a usage error; an OSError
    where drill cleanup reports a folder it cannot write) and never opens it."""
    from drconsole.drills.report import write_json
    from drconsole.errors import UsageError

    os.mkfifo(tmp_path / "report.json")
    outcome: list[BaseException] = []

    def write() -> None:
        try:
            write_json({"run_id": "20261201T000000Z-abcdef"}, tmp_path)
        except BaseException as error:  # the test's own thread: hand the error back
            outcome.append(error)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    writer.join(10)
    if writer.is_alive():  # opened for writing, a FIFO without a reader blocks for ever
        os.open(tmp_path / "report.json", os.O_RDONLY | os.O_NONBLOCK)  # let it go
        pytest.fail("the evidence writer opened the FIFO and waited on it")
    (refused,) = outcome
    assert isinstance(refused, UsageError) and isinstance(refused, OSError)
    assert str(refused) == f"{tmp_path / 'report.json'} is a FIFO (named pipe), not a " + (
        "regular file: not replaced"
    )
    assert stat.S_ISFIFO((tmp_path / "report.json").lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_init_refuses_a_fifo_as_its_config_file(home: Path) -> None:
    env = base_env(home)
    pipe = str(home / "out" / "pipe")
    done = run(env, "--config", pipe, "init", "--yes", "--regions", EU)
    one_line_exit_2(done, "is a FIFO")
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    try:
        yield sandbox, info
    finally:
        sandbox.stop()
        sandbox.reset()


def sandbox_env(demo: tuple[Sandbox, ScenarioInfo], home: Path) -> dict[str, str]:
    sandbox, info = demo
    keys = sandbox.credentials_for(info.accounts["management"])
    return base_env(home) | {
        "AWS_ENDPOINT_URL": sandbox.endpoint_url,
        "AWS_ACCESS_KEY_ID": keys["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": keys["aws_secret_access_key"],
        "AWS_MAX_ATTEMPTS": "2",
    }


def readiness(env: dict[str, str], path: Path) -> None:
    done = run(env, "readiness", "--account", "prod", "--region", EU, "--html", str(path))
    assert done.returncode in (0, 1), done.stderr


def test_readiness_html_through_a_symlink_writes_its_target(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    env = sandbox_env(demo, tmp_path)
    shared = tmp_path / "shared"
    shared.mkdir()
    target = shared / "target.html"
    target.write_text("old page")
    target.chmod(0o644)
    link = tmp_path / "link.html"
    link.symlink_to(target)
    readiness(env, link)
    assert link.is_symlink() and link.resolve() == target
    assert "<html" in target.read_text().lower()
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # the mode the person chose is kept
    assert [p.name for p in shared.iterdir()] == ["target.html"]  # no temporary file left


def test_readiness_html_through_a_dangling_symlink_makes_its_target(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    env = sandbox_env(demo, tmp_path)
    (tmp_path / "pages").mkdir()
    target = tmp_path / "pages" / "new.html"
    link = tmp_path / "link.html"
    link.symlink_to(target)
    readiness(env, link)
    assert link.is_symlink() and "<html" in target.read_text().lower()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # a new report: private


def test_init_through_a_symlinked_config_writes_the_dotfiles_copy(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    _, info = demo
    env = sandbox_env(demo, tmp_path)
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    kept = dotfiles / "drconsole.toml"
    kept.write_text(f'regions = ["{EU}"]\n')
    kept.chmod(0o644)
    link = tmp_path / "cfglink.toml"
    link.symlink_to(kept)
    done = run(
        env, "--config", str(link), "init", "--yes", "--backup-account",
        info.accounts["backup"], "--regions", EU, "--read-only",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr + done.stdout
    assert link.is_symlink() and link.resolve() == kept
    assert "read_only = true" in kept.read_text()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o644
    assert f"Wrote {link} (the file it links to, {kept}, mode 0644)" in done.stdout
