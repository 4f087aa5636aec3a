"""The command line's human output quotes AWS (policy names, messages) and runbooks as text:
no control character in them reaches the terminal raw (subprocesses against the sandbox)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests import forked_cli

# Organizations accepts any character in a policy's name: this one retitles the window.
POLICY_NAME = "deny[/x] \x1b]0;PWNED\x07[bold]"
POLICY_SHOWN = "deny[/x] \\x1b]0;PWNED\\x07[bold]"
STEP = "Announce [/x] in #ops\x1b[2J\x1b]0;PWNED\x07 now"
STEP_SHOWN = "Announce [/x] in #ops\\x1b[2J\\x1b]0;PWNED\\x07 now"
DENY_COPIES = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "backup:*", "Resource": "*"}],
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, ScenarioInfo, dict]]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    creds = sandbox.credentials_for(info.accounts["management"])
    home = tmp_path_factory.mktemp("home")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "XDG_"))}
    env.update(
        AWS_ENDPOINT_URL=sandbox.endpoint_url,
        AWS_ACCESS_KEY_ID=creds["aws_access_key_id"],
        AWS_SECRET_ACCESS_KEY=creds["aws_secret_access_key"],
        AWS_REGION=info.region,
        AWS_CONFIG_FILE=str(home / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "aws-credentials"),
        HOME=str(home),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CONFIG_HOME=str(home / "config"),
        NO_COLOR="1",
        COLUMNS="200",
    )
    try:
        yield sandbox, info, env
    finally:
        sandbox.stop()
        sandbox.reset()


def drconsole(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )


def raw_controls(output: str) -> list[str]:
    """Control characters in `output`, its line breaks aside."""
    return [c for c in output.replace("\n", "") if unicodedata.category(c) in ("Cc", "Cs")]


@contextmanager
def hostile_scp(sandbox: Sandbox, info: ScenarioInfo) -> Iterator[None]:
    """An SCP named with markup and escape sequences that denies AWS Backup, attached to the
    prod account for the time of the block."""
    prod = info.accounts["prod"]
    organizations = sandbox.client("organizations", info.accounts["management"])
    policy = organizations.create_policy(
        Content=json.dumps(DENY_COPIES),
        Description="denies AWS Backup",
        Name=POLICY_NAME,
        Type="SERVICE_CONTROL_POLICY",
    )["Policy"]["PolicySummary"]["Id"]
    root = organizations.list_roots()["Roots"][0]
    if not any(t["Type"] == "SERVICE_CONTROL_POLICY" for t in root.get("PolicyTypes", [])):
        organizations.enable_policy_type(RootId=root["Id"], PolicyType="SERVICE_CONTROL_POLICY")
    organizations.attach_policy(PolicyId=policy, TargetId=prod)
    try:
        yield
    finally:
        organizations.detach_policy(PolicyId=policy, TargetId=prod)
        organizations.delete_policy(PolicyId=policy)


def test_check_copy_prints_an_scp_s_name_with_its_escapes_escaped(demo: tuple) -> None:
    sandbox, info, env = demo
    prod = info.accounts["prod"]
    backup = sandbox.client("backup", prod, info.region)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    rp = next(
        p["RecoveryPointArn"]
        for p in points["RecoveryPoints"]
        if p["ResourceType"] == "EBS" and p.get("ResourceName") == "prod-web-data"
    )
    dest = f"arn:aws:backup:{info.region}:{info.accounts['backup']}:backup-vault:"
    with hostile_scp(sandbox, info):
        done = drconsole(
            env, "check", "copy", "--recovery-point", rp, "--to", dest + "central-eu-central-1"
        )
    assert done.returncode == 1, done.stdout + done.stderr
    assert POLICY_SHOWN in done.stdout
    assert not raw_controls(done.stdout), done.stdout


def test_readiness_prints_an_scp_s_name_with_its_escapes_escaped(demo: tuple) -> None:
    sandbox, info, env = demo
    with hostile_scp(sandbox, info):
        done = drconsole(env, "readiness")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "deny[/x]" in done.stdout and "\\x1b]0;PWNED" in done.stdout
    assert not raw_controls(done.stdout), done.stdout


def test_drill_plan_prints_a_runbook_s_steps_with_their_escapes_escaped(
    demo: tuple, tmp_path: Path
) -> None:
    _sandbox, info, env = demo
    runbook = tmp_path / "hostile.yaml"
    runbook.write_text(
        "name: hostile\n"
        "objectives: {rpo: 36h, rto: 2h}\n"
        f'source: {{account: "{info.accounts["backup"]}", region: eu-north-1}}\n'
        f'restore_to: {{account: "{info.accounts["prod"]}", region: eu-central-1, '
        "vault: prod-vault}\n"
        "manual_steps:\n"
        f"  - {{name: announce, when: before, text: {json.dumps(STEP)}}}\n"
        "targets:\n"
        f'  - name: db\n    resource: {{account: "{info.accounts["prod"]}", type: Aurora, '
        "name: prod-payments-cluster}\n"
    )
    done = drconsole(env, "drill", "plan", str(runbook))
    assert done.returncode in (0, 1), done.stdout + done.stderr
    assert STEP_SHOWN in done.stdout
    assert not raw_controls(done.stdout), done.stdout


# A line break too: what follows it must not start a line that reads as drconsole's own.
FAILURE = "Copy failed: [/x] [red]vault\x1b[2J\x1b]0;PWNED\x07 gone\n  hop1: FORGED COMPLETED"
FAILURE_SHOWN = "[/x] [red]vault\\x1b[2J\\x1b]0;PWNED\\x07 gone"


def test_copy_and_jobs_print_aws_s_failure_message_with_its_escapes_escaped(demo: tuple) -> None:
    sandbox, info, env = demo
    prod = info.accounts["prod"]
    backup = sandbox.client("backup", prod, info.region)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    point = next(
        p
        for p in points["RecoveryPoints"]
        if p["ResourceType"] == "EBS" and p.get("ResourceName") == "prod-web-data"
    )
    dest = f"arn:aws:backup:{info.region}:{info.accounts['backup']}:backup-vault:"
    sandbox.inject_job_failure(point["ResourceArn"], FAILURE)
    copied = drconsole(
        env,
        "copy",
        "--recovery-point",
        point["RecoveryPointArn"],
        "--to",
        dest + "central-eu-central-1",
        "--allow-duplicate-copy",
        "--yes",
    )
    assert copied.returncode == 1, copied.stdout + copied.stderr
    assert "[/x] [red]vault" in copied.stdout + copied.stderr
    assert not raw_controls(copied.stdout + copied.stderr), copied.stdout + copied.stderr
    listed = drconsole(env, "jobs", "--all")
    assert FAILURE_SHOWN in listed.stdout, listed.stdout + listed.stderr
    assert not raw_controls(listed.stdout + listed.stderr), listed.stdout
    for said in (copied.stdout + copied.stderr, listed.stdout):
        # The line break is written `\n` on the message's own line, indented like drconsole's
        # step lines or not: it starts no line.
        forged = [line for line in said.splitlines() if "FORGED" in line]
        assert forged and all("\\n  hop1: FORGED" in line for line in forged), said


def test_explain_prints_the_names_it_quotes_with_their_escapes_escaped() -> None:
    message = (
        "AccessDeniedException: User: arn:aws:iam::123456789012:role/x\x1b]0;PWNED\x07 is not "
        "authorized to perform: backup:StartCopyJob on resource: "
        "arn:aws:backup:eu-central-1:123456789012:backup-vault:v\x1b[2J"
    )
    done = forked_cli.run(
        [sys.executable, "-m", "drconsole", "explain", message],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "role/x\\x1b]0;PWNED\\x07 is not allowed" in done.stdout, done.stdout
    assert not raw_controls(done.stdout), done.stdout


def test_policy_simulate_prints_a_statement_s_sid_as_written(tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    statement = {"Sid": "ops:smile:[b]\x1b[2J", "Effect": "Allow", "Action": "*", "Resource": "*"}
    policy.write_text(json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    request = ["--action", "backup:StartCopyJob", "--principal", "arn:aws:iam::123456789012:role/x"]
    done = forked_cli.run(
        [
            sys.executable,
            "-m",
            "drconsole",
            "policy",
            "simulate",
            "--policy",
            str(policy),
            *request,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert '"ops:smile:[b]\\x1b[2J"' in done.stdout, done.stdout
    assert not raw_controls(done.stdout), done.stdout
