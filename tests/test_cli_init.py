"""`drconsole init --yes` in a subprocess, on a home that holds only an AWS config whose profile
points at the sandbox: what it proposes, what it writes, what it refuses, what it keeps."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0))
    yield sandbox, info
    sandbox.stop()
    sandbox.reset()


def aws_config(sandbox: Sandbox, info: ScenarioInfo) -> str:
    """A profile as a person would write it for the sandbox: Region, endpoint and keys."""
    keys = sandbox.credentials_for(info.accounts["management"])
    return (
        f"[profile sandbox]\nregion = {info.region}\nendpoint_url = {sandbox.endpoint_url}\n"
        f"aws_access_key_id = {keys['aws_access_key_id']}\n"
        f"aws_secret_access_key = {keys['aws_secret_access_key']}\n"
    )


def new_home(root: Path, demo: tuple[Sandbox, ScenarioInfo]) -> dict[str, str]:
    """A home with only ~/.aws/config, and the environment of a shell in it."""
    (root / ".aws").mkdir(parents=True)
    (root / ".aws" / "config").write_text(aws_config(*demo))
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "XDG_", "DRCONSOLE"))}
    return {**clean, "HOME": str(root), "AWS_MAX_ATTEMPTS": "2", "NO_COLOR": "1"}


def drconsole(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "drconsole", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture(scope="module")
def home(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("home")
    return root, new_home(root, demo)


def test_init_yes_proposes_the_sandbox_organization_and_ls_works_with_it(
    demo: tuple[Sandbox, ScenarioInfo], home: tuple[Path, dict[str, str]]
) -> None:
    _, info = demo
    root, env = home
    done = drconsole(env, "init", "--yes")
    assert done.returncode == 0, done.stderr + done.stdout
    assert done.stderr == ""
    path = root / ".config" / "drconsole" / "config.toml"
    assert f"Wrote {path} (mode 0600)" in done.stdout
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    written = tomllib.loads(path.read_text())
    assert written == {
        "profile": "sandbox",
        "regions": [info.region, info.dr_region],
        "dr_regions": [info.dr_region],
        "role_name": "OrganizationAccountAccessRole",
        "management_account_id": info.accounts["management"],
        "backup_account_id": info.accounts["backup"],
        "read_only": False,
        "runbooks_dir": "~/.config/drconsole/runbooks",
    }
    assert "Member role OrganizationAccountAccessRole: assumed into dev" in done.stdout
    listed = drconsole(env, "ls", "accounts", "--json")
    assert listed.returncode == 0, listed.stderr
    roles = {a["name"]: a["role"] for a in json.loads(listed.stdout)["items"]}
    assert roles["backup"] == "backup" and roles["management"] == "management"
    assert len(roles) == len(info.accounts)

    # Again, with the old file in place: its values are kept unless a flag changes them, even
    # a member role that no longer works (said, not silently replaced).
    path.write_text(path.read_text().replace("OrganizationAccountAccessRole", "RetiredRole"))
    again = drconsole(
        env,
        "init",
        "--yes",
        "--read-only",
        "--backup-account",
        info.accounts["backup"],
        "--regions",
        info.region,
        "--dr-regions",
        "",
    )
    assert again.returncode == 0, again.stderr
    kept = tomllib.loads(path.read_text())
    assert kept["role_name"] == "RetiredRole"
    assert "Member role RetiredRole: cannot be assumed into dev" in again.stdout
    assert "AssumeRole: AccessDenied" in again.stdout
    assert kept["read_only"] is True and kept["regions"] == [info.region]
    assert "dr_regions" not in kept
    assert "-read_only = false" in again.stdout and "+read_only = true" in again.stdout


def test_init_yes_with_every_flag_into_another_file(
    demo: tuple[Sandbox, ScenarioInfo], home: tuple[Path, dict[str, str]]
) -> None:
    _, info = demo
    root, env = home
    target = root / "elsewhere" / "dr.toml"
    done = drconsole(
        env,
        "init",
        "--yes",
        "--profile",
        "sandbox",
        "--config",
        str(target),
        "--backup-account",
        info.accounts["backup"],
        "--regions",
        f"{info.region},{info.dr_region}",
        "--dr-regions",
        info.dr_region,
        "--member-role",
        "OrganizationAccountAccessRole",
        "--no-read-only",
        "--runbooks-dir",
        str(root / "runbooks"),
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert "Reading the vaults" not in done.stdout  # every proposal was given: no survey
    written = tomllib.loads(target.read_text())
    assert written["backup_account_id"] == info.accounts["backup"]
    assert written["regions"] == [info.region, info.dr_region]
    assert written["read_only"] is False
    assert written["runbooks_dir"] == str(root / "runbooks")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (("--member-role", "NoSuchRole"), "--member-role NoSuchRole: cannot be assumed into"),
        (("--backup-account", "111122223333"), "account 111122223333 is not in organization"),
        (("--regions", "eu-central-1", "--dr-regions", "eu-west-3"), "is not among the Regions"),
        (("--profile", "nope"), "--profile 'nope': no such profile in the AWS config files"),
    ],
    ids=["role", "backup-account", "dr-regions", "profile"],
)
def test_a_flag_that_aws_refutes_is_one_line_and_nothing_is_written(
    home: tuple[Path, dict[str, str]], flags: tuple[str, ...], says: str
) -> None:
    root, env = home
    target = root / "refused.toml"
    done = drconsole(env, "init", "--yes", "--config", str(target), *flags)
    assert done.returncode == 2, done.stderr + done.stdout
    assert len(done.stderr.splitlines()) == 1 and says in done.stderr, done.stderr
    assert not target.exists()


def test_the_new_file_keeps_other_settings_and_writes_where_the_profile_section_decides(
    tmp_path: Path,
) -> None:
    from drconsole.commands import _init_config as config_file
    from drconsole.config import read_config_file

    old = tmp_path / "config.toml"
    old.write_text(
        '# mine\nmax_workers = 8\nrole_name = "Top"\n'
        '[profiles.ops]\nrole_name = "OpsRole"\nread_only = true\n'
        '[profiles."other team"]\nregions = ["us-east-1"]\n'
    )
    answers = config_file.Answers(
        profile="ops",
        regions=("eu-central-1",),
        dr_regions=(),
        role_name="NewRole",
        management_account_id=None,
        backup_account_id="685298589574",
        read_only=False,
        endpoint_url=None,
        runbooks_dir="~/rb",
    )
    top, profiles = config_file.merged(read_config_file(old, required=True), answers)
    text = config_file.render(top, profiles)
    assert tomllib.loads(text) == {
        "profile": "ops",
        "max_workers": 8,
        "role_name": "Top",  # the section's value is the one that counts for ops: set there
        "regions": ["eu-central-1"],
        "backup_account_id": "685298589574",
        "runbooks_dir": "~/rb",
        "profiles": {
            "ops": {"role_name": "NewRole", "read_only": False},
            "other team": {"regions": ["us-east-1"]},
        },
    }
    assert config_file.comments_lost(old.read_text())
    assert "+backup_account_id" in config_file.diff(old, old.read_text(), text)
    written = tmp_path / "new" / "config.toml"
    config_file.write(written, text)
    assert written.read_text() == text and stat.S_IMODE(written.stat().st_mode) == 0o600
    assert stat.S_IMODE(written.parent.stat().st_mode) == 0o700
