"""Against the demo sandbox: no secret on any output, file or screen; a backtracking policy and a
record out of range do not hold anything up.

The sweep runs representative commands (listings, checks, a real copy and restore, jobs,
explain, policy) as processes and the console's screens through Pilot, including an AssumeRole
answer botocore cannot parse (the answer quotes the credentials), then looks for every secret
the sandbox ever handed out (its keys' secrets, every STS session's secret and token) in every
output, every file of the state and config directories, and every screen capture.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from drconsole.aws.errors import describe
from drconsole.aws.session import AwsSessions
from drconsole.cli import report, unexpected_error
from drconsole.redact import install_log_redaction
from drconsole.tui.screens.dialogs import ErrorDialog
from tests import forked_cli
from tests.tui.conftest import Demo, wait_until
from tests.tui.test_screens import SIZE, accounts_loaded

ROOT = Path(__file__).resolve().parents[2]
PATHOLOGICAL = "arn:" + "*?" * 10 + "Z"
CAPTURED: list[str] = []  # every output and screen of this module, swept at the end


def sandbox_secrets(demo: Demo) -> set[str]:
    """Every secret the sandbox handed out so far: long-term secrets, STS secrets and tokens."""
    from moto.sts.models import sts_backends

    secrets = {
        demo.sandbox.credentials_for(account)["aws_secret_access_key"]
        for account in demo.info.accounts.values()
    }
    for account in list(sts_backends.keys()):
        for backend in list(sts_backends[account].values()):
            for role in backend.assumed_roles:
                secrets |= {role.secret_access_key, role.session_token}
    return {s for s in secrets if s}


def cli_env(demo: Demo, home: Path) -> dict[str, str]:
    creds = demo.sandbox.credentials_for(demo.info.accounts["management"])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "XDG_"))}
    env.update(
        AWS_ENDPOINT_URL=demo.sandbox.endpoint_url,
        AWS_ACCESS_KEY_ID=creds["aws_access_key_id"],
        AWS_SECRET_ACCESS_KEY=creds["aws_secret_access_key"],
        AWS_REGION=demo.info.region,
        AWS_CONFIG_FILE=str(home / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "aws-credentials"),
        HOME=str(home),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CONFIG_HOME=str(home / "config"),
        NO_COLOR="1",
        COLUMNS="160",
    )
    return env


def drconsole(demo: Demo, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = forked_cli.run(
        [sys.executable, "-m", "drconsole", *args],
        capture_output=True,
        text=True,
        env=cli_env(demo, home),
        cwd=ROOT,
        timeout=180,
    )
    CAPTURED.extend([done.stdout, done.stderr])
    return done


def vault_arn(demo: Demo, role: str, name: str, region: str | None = None) -> str:
    account = demo.info.accounts[role]
    return f"arn:aws:backup:{region or demo.info.region}:{account}:backup-vault:{name}"


def healthy_ebs_point(demo: Demo) -> str:
    backup = demo.sandbox.client("backup", demo.info.accounts["prod"], demo.info.region)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    return next(
        p["RecoveryPointArn"]
        for p in points["RecoveryPoints"]
        if p["ResourceType"] == "EBS" and p.get("ResourceName") == "prod-web-data"
    )


def sts_parse_error(demo: Demo) -> BaseException:
    """The real failure: AssumeRole into a role whose name holds ESC, which the sandbox echoes
    into XML that botocore cannot parse (the body it quotes holds the new credentials)."""
    import dataclasses

    settings = dataclasses.replace(demo.settings, role_name="x\x1by")
    sessions = AwsSessions(settings)
    try:
        sessions.client("backup", demo.info.accounts["prod"]).list_backup_vaults()
    except Exception as error:
        return error
    raise AssertionError("the AssumeRole answer was parsed")


def test_an_unparsable_assume_role_answer_shows_no_credentials(
    demo: Demo, capsys: Any, caplog: Any
) -> None:
    install_log_redaction()  # what `drconsole` does first: botocore logs the failure too
    caplog.set_level(logging.WARNING)
    error = sts_parse_error(demo)
    raw = str(error)
    quoted = re.search(r"<SecretAccessKey>([^<]+)</SecretAccessKey>", raw)
    assert quoted is not None, "botocore no longer quotes the body: nothing to redact"
    line = describe(error)
    code = report(unexpected_error(error))
    printed = capsys.readouterr().err
    CAPTURED.extend([line, printed])
    assert code == 3
    assert len(printed.splitlines()) == 1
    logged = caplog.text
    assert "Refreshing temporary credentials failed" in logged
    CAPTURED.append(logged)
    for text in (line, printed, logged):
        assert quoted.group(1) not in text
        assert "\x1b" not in text


async def test_the_console_shows_the_failure_without_credentials(demo: Demo) -> None:
    error = sts_parse_error(demo)
    quoted = re.search(r"<SecretAccessKey>([^<]+)</SecretAccessKey>", str(error))
    assert quoted is not None
    app = demo.app(role_name="x\x1by")

    def member_failed() -> bool:
        postures = getattr(app.screen, "postures", {})
        return any(p.errors for p in postures.values())

    shown: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        # The console meets the same failure on its own while it reads the member accounts.
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, ErrorDialog) or member_failed(),
            timeout=60,
            what="the member accounts' failure",
        )
        shown.append(app.export_screenshot())
        if isinstance(app.screen, ErrorDialog):
            shown.append(app.screen.report.description)
            await pilot.press("escape")
        app.show_error(error, "vaults of prod")
        await wait_until(pilot, lambda: isinstance(app.screen, ErrorDialog), what="dialog")
        assert app.screen.report.cause == "SERVICE_ERROR"
        shown.extend([app.export_screenshot(), app.screen.report.description])
        await pilot.press("escape")
    CAPTURED.extend(shown)
    for text in shown:
        assert quoted.group(1) not in text
        assert "\x1b" not in text


async def test_a_crash_of_the_console_itself_is_one_redacted_line(demo: Demo, capfd: Any) -> None:
    secret = demo.sandbox.credentials_for(demo.info.accounts["management"])
    credentials = {"SecretAccessKey": secret["aws_secret_access_key"]}

    def crash() -> None:
        raise RuntimeError(f"cannot go on with {credentials}")

    app = demo.app()
    with pytest.raises(RuntimeError):
        async with app.run_test(size=SIZE) as pilot:
            app.call_later(crash)
            await pilot.pause(0.5)
    # What Textual prints when it exits (its own traceback shows every frame's locals).
    printed = capfd.readouterr().err
    CAPTURED.append(printed)
    assert printed.startswith("drconsole: unexpected error, a defect of drconsole: RuntimeError")
    assert "Traceback" not in printed
    assert "<redacted>" in printed
    assert secret["aws_secret_access_key"] not in printed


async def test_console_screens_for_the_sweep(demo: Demo) -> None:
    from tests.tui.test_screens import open_account

    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), timeout=60, what="accounts")
        CAPTURED.append(app.export_screenshot())
        await open_account(pilot, demo.info.accounts["backup"])
        CAPTURED.append(app.export_screenshot())
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
        CAPTURED.append(app.export_screenshot())
        await pilot.press("enter")  # the first recovery point's details
        await pilot.pause()
        CAPTURED.append(app.export_screenshot())


def test_a_backtracking_vault_policy_is_checked_at_once(demo: Demo, tmp_path: Path) -> None:
    """`check copy` evaluates the destination's access policy: a Resource built to make a regex
    backtrack for minutes is decided in milliseconds."""
    backup = demo.info.accounts["backup"]
    client = demo.sandbox.client("backup", backup, demo.info.region)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "backup:CopyIntoBackupVault",
                "Resource": PATHOLOGICAL,
            }
        ],
    }
    original = client.get_backup_vault_access_policy(BackupVaultName="central-eu-central-1")
    client.put_backup_vault_access_policy(
        BackupVaultName="central-eu-central-1", Policy=json.dumps(policy)
    )
    rp, dest = healthy_ebs_point(demo), vault_arn(demo, "backup", "central-eu-central-1")
    try:
        started = time.monotonic()
        done = drconsole(demo, tmp_path, "check", "copy", "--recovery-point", rp, "--to", dest,
                         "--json")  # fmt: skip
        elapsed = time.monotonic() - started
    finally:
        client.put_backup_vault_access_policy(
            BackupVaultName="central-eu-central-1", Policy=original["Policy"]
        )
    checks = {c["id"]: c for c in json.loads(done.stdout)["checks"]}
    assert checks["dest.access-policy"]["status"] == "FAIL", checks["dest.access-policy"]
    assert elapsed < 30, f"{elapsed:.1f} s"  # minutes with the regex; start-up and reads here


def test_one_record_out_of_range_does_not_break_the_listing(demo: Demo, tmp_path: Path) -> None:
    prod = demo.info.accounts["prod"]
    client = demo.sandbox.client("backup", prod, demo.info.region)
    points = client.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    victim = points["RecoveryPoints"][0]["RecoveryPointArn"]
    # What `--delete-after-days 99999999999999999999` once did: a DeleteAt past year 9999.
    with pytest.raises(RuntimeError):  # plain boto3 cannot read the answer either
        client.update_recovery_point_lifecycle(
            BackupVaultName="prod-vault",
            RecoveryPointArn=victim,
            Lifecycle={"DeleteAfterDays": 10**20},
        )
    try:
        done = drconsole(demo, tmp_path, "ls", "recovery-points", "--account", prod, "--json")
    finally:
        client.update_recovery_point_lifecycle(
            BackupVaultName="prod-vault", RecoveryPointArn=victim, Lifecycle={}
        )
    assert done.returncode == 0, done.stderr
    listed = {p["arn"]: p for p in json.loads(done.stdout)["items"]}
    assert listed[victim]["status"] == "UNREADABLE"
    assert len(listed) >= len(points["RecoveryPoints"])
    readable = [p for a, p in listed.items() if a != victim]
    assert readable and all(p["status"] != "UNREADABLE" for p in readable)


def test_commands_files_and_screens_hold_no_secret(demo: Demo, tmp_path: Path) -> None:
    """The sweep: run what an operator runs, then search everything for every secret."""
    home = tmp_path
    rp, dest = healthy_ebs_point(demo), vault_arn(demo, "backup", "central-eu-central-1")
    fault = demo.info.fault_recovery_points["source_key_not_shared"]
    for args in (
        ("ls", "accounts"),
        ("ls", "vaults", "--json"),
        ("ls", "recovery-points", "--account", demo.info.accounts["qa"]),
        ("ls", "jobs", "--json"),
        ("check", "copy", "--recovery-point", fault, "--to", dest, "--json"),
        ("check", "restore", "--recovery-point", rp),
        (
            "copy",
            "--recovery-point",
            rp,
            "--to",
            dest,
            "--yes",
            "--allow-duplicate-copy",
            "--json",
            "--poll-interval",
            "0.1",
        ),
        ("jobs", "--all", "--json"),
        ("explain", "The security token included in the request is expired"),
        ("--role-name", "x\x1by", "ls", "vaults"),
    ):
        done = drconsole(demo, home, *args)
        assert "Traceback" not in done.stderr, (args, done.stderr)
    secrets = sandbox_secrets(demo)
    assert len(secrets) > len(demo.info.accounts)  # STS sessions were made and are swept too
    files = [p for p in home.rglob("*") if p.is_file()]
    assert any(p.name == "journal.jsonl" for p in files)
    assert any(p.name == "audit.log" for p in files)
    texts = [p.read_bytes().decode("utf-8", "replace") for p in files] + CAPTURED
    for secret in secrets:
        found = [text[:80] for text in texts if secret in text]
        assert not found, f"a sandbox secret was found in {found}"
