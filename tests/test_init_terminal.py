"""`drconsole init` typed in a real 80x24 terminal (tmux), on a home with only ~/.aws/config.

A new user's path: pick the profile, mistype the member role and a Region (each asked again
with the reason), accept the rest, write; then `drconsole ls accounts` works with the file.
A second `init` over that file shows what would change and, answered no, writes nothing; then
`drconsole` opens on the organization.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests import forked_cli
from tests.test_cli_init import aws_config
from tests.tui.test_tmux import ROOT, Terminal, terminal

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
__all__ = ["terminal"]  # the fixture, used by name


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0))
    yield sandbox, info
    sandbox.stop()
    sandbox.reset()


def shell_of(home: Path) -> dict[str, str]:
    """The environment of a login on a machine with nothing but ~/.aws/config."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "TERM": "xterm-256color",
        "NO_COLOR": "1",
        "AWS_MAX_ATTEMPTS": "2",
    }


def test_a_new_user_runs_init_in_a_terminal_then_lists_the_organization(
    demo: tuple[Sandbox, ScenarioInfo], terminal: type[Terminal], tmp_path: Path
) -> None:
    _, info = demo
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text(aws_config(*demo))
    env = shell_of(home)
    init = f"env -i {' '.join(f'{k}={shlex.quote(v)}' for k, v in env.items())} "
    init += f"{sys.executable} -m drconsole"
    command = f"cd {ROOT} && {init} init; echo EXIT=$?; {init} init; echo EXIT=$?; {init}; sleep 60"
    term = terminal("init80x24", 80, 24, command)
    path = home / ".config" / "drconsole" / "config.toml"

    term.wait_for(r"AWS credentials to use")
    term.press("Enter", then=r"Role to assume in member accounts")
    screen = term.text()
    assert "Member role OrganizationAccountAccessRole: assumed into dev" in screen
    # A role that does not exist: refused with the reason, and asked again.
    term.press("C-u")
    term.press("NoSuchRole")
    term.press("Enter", then=r"NoSuchRole cannot be assumed into \S+ \(\d{12}\) \(AccessDenied\)")
    term.press("C-u")
    term.press("OrganizationAccountAccessRole")
    screen = term.press(
        "Enter", then=r"Backup account \(central vaults\)", gone="NoSuchRole cannot"
    )
    assert re.search(r"» backup \(\d{12}\) - 2 vault\(s\) open to the organization", screen), screen
    # Member vaults open to the backup account alone are not "open to the organization".
    assert screen.count("open to the organization") == 1, screen
    term.press("Enter", then=r"Regions to scan")
    assert "Regions with vaults: eu-central-1, eu-north-1" in term.text()
    # A Region that does not exist, then a good answer.
    term.press("C-u")
    term.press("eu-central-1, eu-nowhere-1")
    term.press("Enter", then=r"eu-nowhere-1 is not a Region enabled for this account")
    term.press("C-u")
    term.press("eu-central-1, eu-north-1")
    screen = term.press("Enter", then=r"DR Regions, where copies are kept.* eu-north-1")
    term.press("Enter", then=r"read-only mode by default\? \(y/N\)")
    term.press("n", then=r"Folder of drill runbooks")
    screen = term.press("Enter", then=r"Write [\s\S]+?\? \(Y/n\)")
    assert not path.exists()  # nothing is written before the answer
    assert 'backup_account_id = "' + info.accounts["backup"] + '"' in screen
    term.press("y", then=r"EXIT=0")
    written = tomllib.loads(path.read_text())
    assert written["backup_account_id"] == info.accounts["backup"]
    assert written["regions"] == ["eu-central-1", "eu-north-1"]
    assert written["dr_regions"] == ["eu-north-1"]
    assert written["role_name"] == "OrganizationAccountAccessRole"
    assert path.stat().st_mode & 0o777 == 0o600
    listed = forked_cli.run(
        [sys.executable, "-m", "drconsole", "ls", "accounts", "--json"],
        env={**env, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.returncode == 0, listed.stderr
    accounts = {a["name"]: a["role"] for a in json.loads(listed.stdout)["items"]}
    assert accounts["backup"] == "backup" and len(accounts) == len(info.accounts)

    # The second init starts from the file: every default is its value. One answer changes;
    # the diff is shown and, answered no, the file stays as it was.
    before = path.read_bytes()
    term.wait_for(r"EXIT=0[\s\S]*AWS credentials to use")
    term.press("Enter", then=r"Role to assume in member accounts")
    term.press("Enter", then=r"Backup account \(central vaults\)")
    term.press("Enter", then=r"Regions to scan \(comma-separated\) eu-central-1, eu-north-1")
    term.press("Enter", then=r"DR Regions")
    term.press("Enter", then=r"read-only mode by default\? \(y/N\)")
    term.press("y", then=r"Folder of drill runbooks")
    screen = term.press("Enter", then=r"Replace [\s\S]+?\? \(y/N\)")
    assert "-read_only = false" in screen and "+read_only = true" in screen
    term.press("n", then=r"Nothing written\.\s+EXIT=1")
    assert path.read_bytes() == before

    # Then `drconsole` itself: the console opens on the organization, with the backup account.
    screen = term.wait_for(r"6 accounts · Regions eu-central-1, eu-north-1", gone=r"loading")
    assert re.search(r"backup \(b\S*\s+\d{12}", screen), screen  # the role, cut at 80 columns
    term.press("q")
