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
from tests import forked_cli


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
    return forked_cli.run(
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


def test_an_endpoint_from_the_environment_is_never_written(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """AWS_ENDPOINT_URL (with a password in it) belongs to this shell: init reads AWS through
    it but writes no endpoint_url, so neither later shells nor the file's readers get it; an
    old file's own endpoint_url is kept."""
    sandbox, info = demo
    keys = sandbox.credentials_for(info.accounts["management"])
    with_password = sandbox.endpoint_url.replace("http://", "http://svc:S3cretPassw0rd@")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "XDG_", "DRCONSOLE"))}
    env = {
        **clean,
        "HOME": str(tmp_path),
        "NO_COLOR": "1",
        "AWS_MAX_ATTEMPTS": "2",
        "AWS_ENDPOINT_URL": with_password,
        "AWS_REGION": info.region,
        "AWS_ACCESS_KEY_ID": keys["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": keys["aws_secret_access_key"],
    }
    path = tmp_path / ".config" / "drconsole" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text(f'regions = ["{info.region}", "{info.dr_region}"]\n')
    path.chmod(0o644)
    flags = ("--backup-account", info.accounts["backup"], "--dr-regions", info.dr_region)
    done = drconsole(env, "init", "--yes", *flags)
    assert done.returncode == 0, done.stderr + done.stdout
    written = path.read_text()
    assert "S3cretPassw0rd" not in written and "endpoint_url" not in written, written
    assert tomllib.loads(written)["backup_account_id"] == info.accounts["backup"]
    assert "S3cretPassw0rd" not in done.stdout + done.stderr
    # An endpoint the operator wrote into the file is the file's: kept as it was.
    path.write_text(written + f'endpoint_url = "{sandbox.endpoint_url}"\n')
    again = drconsole(env, "init", "--yes", *flags)
    assert again.returncode == 0, again.stderr + again.stdout
    assert tomllib.loads(path.read_text())["endpoint_url"] == sandbox.endpoint_url


def test_read_only_mode_refuses_init_as_it_refuses_credentials(
    home: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """Read-only mode (the flag before `init`, or the config's `read_only`) changes nothing:
    init is refused in one line, exit 2, like `credentials set`, and the file is untouched."""
    _, env = home
    config = tmp_path / "config.toml"
    text = 'regions = ["eu-central-1"]\n[profiles.sandbox]\nread_only = true\n'
    config.write_text(text)
    flags = ("--config", str(config), "--no-read-only", "--regions", "eu-central-1")
    credentials = drconsole(
        env, "credentials", "set", "ops", "--profile", "sandbox", "--config", str(config)
    )
    by_profile = drconsole(env, "init", "--yes", "--profile", "sandbox", *flags)
    plain = tmp_path / "plain.toml"
    plain.write_text('regions = ["eu-central-1"]\n')
    by_flag = drconsole(env, "--read-only", "init", "--yes", "--config", str(plain))
    assert credentials.returncode == 2, credentials.stderr
    for refused in (by_profile, by_flag):
        assert refused.returncode == 2 and refused.stdout == "", refused.stderr + refused.stdout
        assert refused.stderr == credentials.stderr.replace(
            "storing break-glass credentials writes the OS keyring",
            "init rewrites the config file",
        ), (refused.stderr, credentials.stderr)
    assert config.read_text() == text and plain.read_text() == 'regions = ["eu-central-1"]\n'
