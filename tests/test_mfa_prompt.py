"""A profile whose role asks for an MFA code (`mfa_serial`): the code is typed on the terminal
before the console draws (it was asked over the console's screen, and the console then waited
for ever), one clear line where no terminal exists, and the sandbox judges the code as AWS does."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from drconsole.aws import mfa_prompt
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests import forked_cli
from tests.tui.test_tmux import ROOT, Terminal

CODE = "246810"
SERIAL = "arn:aws:iam::123456789012:mfa/oncall"
ROLE = "arn:aws:iam::123456789012:role/OrganizationAccountAccessRole"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sb, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0, mfa_code=CODE))
    try:
        yield sb, info
    finally:
        sb.stop()
        sb.reset()


def mfa_home(sb: Sandbox, info: ScenarioInfo, home: Path) -> dict[str, str]:
    """An AWS config whose profile `oncall` assumes the management account's role with an MFA
    code, from the long-term keys of profile `base`; the environment to run drconsole in it."""
    creds = sb.credentials_for(info.accounts["management"])
    (home / "aws-config").write_text(
        f"[profile oncall]\nrole_arn = {ROLE}\nsource_profile = base\nmfa_serial = {SERIAL}\n"
        f"[profile base]\naws_access_key_id = {creds['aws_access_key_id']}\n"
        f"aws_secret_access_key = {creds['aws_secret_access_key']}\n"
    )
    return {
        "HOME": str(home),
        "PATH": os.environ["PATH"],
        "AWS_ENDPOINT_URL": sb.endpoint_url,
        "AWS_REGION": info.region,
        "AWS_PROFILE": "oncall",
        "AWS_CONFIG_FILE": str(home / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-credentials"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "TERM": "xterm-256color",
    }


def test_without_a_terminal_one_line_says_the_code_cannot_be_typed(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    done = forked_cli.run(
        [sys.executable, "-m", "drconsole", "ls", "vaults"],
        env=mfa_home(sb, info, tmp_path),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,  # no controlling terminal, as under cron or CI
    )
    assert done.returncode == 3, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert "oncall" in lines[0] and SERIAL in lines[0] and "no terminal" in lines[0], lines[0]
    assert lines[0].endswith("[CREDENTIALS_EXPIRED]")
    assert "Enter MFA code" not in done.stderr and "defect" not in done.stderr


def console_in_tmux(sb: Sandbox, info: ScenarioInfo, home: Path, args: str) -> str:
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in mfa_home(sb, info, home).items())
    return f"cd {ROOT} && env -i {exports} {sys.executable} -m drconsole {args}; sleep 30"


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_the_console_asks_for_the_code_before_it_draws(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    mark = sb.request_log.mark()
    term = Terminal("mfa-console", 100, 30, console_in_tmux(sb, info, tmp_path, ""))
    try:
        screen = term.wait_for(r"Enter MFA code for " + SERIAL, timeout=30)
        assert "drconsole" not in screen  # nothing drawn under the prompt yet
        term.press(CODE)
        term.press("Enter", then=rf"prod\s+{info.accounts['prod']}", gone="Enter MFA code")
    finally:
        term.close()
    # The role was assumed with the code (the sandbox refuses any other), then the organization
    # read through it.
    names = [seen.name for seen in sb.request_log.since(mark)]
    assert names[0] == "sts:AssumeRole", names
    assert "organizations:ListAccountsForParent" in names, names


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_a_wrong_code_is_aws_refusal_in_one_line(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    term = Terminal("mfa-wrong", 120, 20, console_in_tmux(sb, info, tmp_path, "ls vaults"))
    try:
        term.wait_for(r"Enter MFA code for " + SERIAL, timeout=30)
        term.press("135791")
        screen = term.press("Enter", then=r"drconsole: .*")
    finally:
        term.close()
    joined = " ".join(screen.split())
    assert "invalid MFA one time pass code" in joined and "[" in joined, screen
    assert "Traceback" not in screen


def test_the_sandbox_judges_assume_roles_code_as_aws(sandbox: tuple[Sandbox, ScenarioInfo]) -> None:
    sb, info = sandbox
    creds = sb.credentials_for(info.accounts["management"])
    sts = boto3.client("sts", endpoint_url=sb.endpoint_url, region_name=info.region, **creds)
    ask = {"RoleArn": ROLE, "RoleSessionName": "drill", "SerialNumber": SERIAL}
    assert sts.assume_role(**ask, TokenCode=CODE)["Credentials"]["AccessKeyId"]
    refusals = {"135791": "AccessDenied", "12a456": "ValidationError"}
    for code, expected in refusals.items():
        with pytest.raises(ClientError) as refused:
            sts.assume_role(**ask, TokenCode=code)
        assert refused.value.response["Error"]["Code"] == expected, code
    with pytest.raises(ClientError) as refused:
        sts.assume_role(**ask)
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    # Without a SerialNumber, no code is asked for.
    assert sts.assume_role(RoleArn=ROLE, RoleSessionName="drill")["Credentials"]


def test_profiles_asking_for_a_code_follow_their_source_chain() -> None:
    config = {
        "profiles": {
            "direct": {"role_arn": ROLE, "mfa_serial": SERIAL},
            "chained": {"role_arn": ROLE, "source_profile": "direct"},
            "loop-a": {"role_arn": ROLE, "source_profile": "loop-b"},
            "loop-b": {"role_arn": ROLE, "source_profile": "loop-a"},
            "keys": {"aws_access_key_id": "AKIDEXAMPLE"},
            "serial-only": {"mfa_serial": SERIAL},  # no role: botocore asks for nothing
        }
    }
    names = ["direct", "chained", "loop-a", "keys", "serial-only", "missing", None]
    assert mfa_prompt.profiles_asking_for_code(names, config) == ["direct", "chained"]


def test_no_prompt_while_the_console_is_on_screen() -> None:
    mfa_prompt.console_on_screen(True)
    try:
        with pytest.raises(mfa_prompt.MfaCodeUnavailable, match="console is on screen"):
            mfa_prompt.ask(f"Enter MFA code for {SERIAL}: ")
    finally:
        mfa_prompt.console_on_screen(False)


def test_the_prompter_is_the_one_botocore_calls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """botocore keeps the prompter in a private attribute: this fails if that changes."""
    config = tmp_path / "config"
    config.write_text(f"[profile p]\nrole_arn = {ROLE}\nmfa_serial = {SERIAL}\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    session = boto3.Session(profile_name="p")
    mfa_prompt.install(session)
    provider = session._session.get_component("credential_provider").get_provider("assume-role")
    assert provider._prompter is mfa_prompt.ask
