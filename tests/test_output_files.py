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
from tests import forked_cli
from tests.bad_input import base_env

EU = "eu-central-1"


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return forked_cli.run(
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


# Another local user's links in a shared folder such as /tmp (sticky, writable by all): made as
# root with lchown, as that user would make them.
OTHER_USER = 65534  # nobody
as_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="a link owned by another user can only be made as root (lchown)"
)
NOT_FOLLOWED = f"is a symlink of another user (uid {OTHER_USER}) in the shared folder"


def shared_folder(tmp_path: Path, name: str = "tmp") -> Path:
    shared = tmp_path / name
    shared.mkdir()
    shared.chmod(0o1777)
    return shared


def planted(link: Path, target: Path, owner: int = OTHER_USER) -> Path:
    link.symlink_to(target)
    os.lchown(link, owner, owner)
    return link


def victim(tmp_path: Path) -> Path:
    (tmp_path / "home").mkdir(exist_ok=True)
    precious = tmp_path / "home" / "victim.txt"
    precious.write_text("mine\n")
    precious.chmod(0o644)
    return precious


@as_root
def test_readiness_html_never_follows_another_users_link_in_a_shared_folder(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    env = sandbox_env(demo, tmp_path)
    shared = shared_folder(tmp_path)
    precious = victim(tmp_path)
    home = precious.parent
    traps = {
        planted(shared / "report.html", precious): shared / "report.html",
        planted(shared / "dangling.html", home / "new.txt"): shared / "dangling.html",
        # A folder's link on the way, not only the file's own.
        planted(shared / "reports", home) / "page.html": shared / "reports",
    }
    for path, link in traps.items():
        done = run(env, "readiness", "--html", str(path))
        one_line_exit_2(done, f"--html {path}: {link} {NOT_FOLLOWED} {shared} ", "not followed")
    assert precious.read_text() == "mine\n"
    assert sorted(p.name for p in home.iterdir()) == ["victim.txt"]  # nothing made there
    # The person's own link in the same folder is followed as before.
    readiness(env, planted(shared / "own.html", home / "own.html", os.geteuid()))
    assert "<html" in (home / "own.html").read_text().lower()
    # Another user's link in a folder of their own (shared or not) is the same trap one level
    # down, though the kernel's rule follows a link of the folder's owner: refused.
    for name, sticky in (("theirs", True), ("plain", False)):
        theirs = shared_folder(tmp_path, name)
        if not sticky:
            theirs.chmod(0o755)
        os.chown(theirs, OTHER_USER, OTHER_USER)
        link = planted(theirs / "page.html", home / "by-owner.html")
        done = run(env, "readiness", "--html", str(link))
        one_line_exit_2(done, f"--html {link}: {link} is a symlink of another user", "followed")
    assert not (home / "by-owner.html").exists()


@as_root
def test_drill_evidence_never_follows_another_users_link_in_a_shared_folder(
    tmp_path: Path,
) -> None:
    env = base_env(tmp_path)
    shared = shared_folder(tmp_path)
    precious = victim(tmp_path)
    runbook = str(tmp_path / "no-such-runbook.yaml")
    junit = planted(shared / "junit.xml", precious)
    done = run(env, "drill", "run", runbook, "--junit", str(junit))
    one_line_exit_2(done, f"--junit {junit}: {junit} {NOT_FOLLOWED}")
    reports = planted(shared / "reports", precious.parent)
    done = run(env, "drill", "run", runbook, "--report-dir", str(reports / "evidence"))
    one_line_exit_2(done, f"--report-dir {reports / 'evidence'}: {reports} {NOT_FOLLOWED}")
    # The report folder itself shared, with a trap in place of report.json.
    planted(shared / "report.json", precious)
    done = run(env, "drill", "run", runbook, "--report-dir", str(shared))
    one_line_exit_2(done, f"--report-dir {shared}: {shared / 'report.json'} {NOT_FOLLOWED}")
    assert precious.read_text() == "mine\n"
    assert sorted(p.name for p in precious.parent.iterdir()) == ["victim.txt"]
    assert not (tmp_path / "state").exists()


@as_root
def test_evidence_written_later_never_follows_another_users_link(tmp_path: Path) -> None:
    """A trap planted after the checks (in a drill's default folder, or during a drill) is met
    by the writer itself: refused as an OSError (drill cleanup's `report not written again`)
    and a usage error (one line, exit 2), the file it points to untouched."""
    from drconsole.errors import UsageError
    from drconsole.output_files import replace_file

    shared = shared_folder(tmp_path)
    precious = victim(tmp_path)
    for link in (
        planted(shared / "report.html", precious),
        planted(shared / "new.html", precious.parent / "new.html"),
    ):
        with pytest.raises(OSError) as refused:
            replace_file(link, b"<html>report</html>")
        assert isinstance(refused.value, UsageError)
        assert str(refused.value).startswith(f"{link} {NOT_FOLLOWED} {shared} ")
    assert precious.read_text() == "mine\n"
    assert sorted(p.name for p in precious.parent.iterdir()) == ["victim.txt"]
    assert sorted(p.name for p in shared.iterdir()) == ["new.html", "report.html"]


@as_root
def test_init_never_writes_its_config_through_another_users_link(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    _, info = demo
    env = sandbox_env(demo, tmp_path)
    precious = victim(tmp_path)
    precious.write_text(f'regions = ["{EU}"]\n')  # a config init would read, then replace
    link = planted(shared_folder(tmp_path) / "drconsole.toml", precious)
    done = run(
        env, "--config", str(link), "init", "--yes", "--backup-account",
        info.accounts["backup"], "--regions", EU, "--read-only",
    )  # fmt: skip
    one_line_exit_2(done, f"--config: {link} {NOT_FOLLOWED}")
    assert precious.read_text() == f'regions = ["{EU}"]\n'
