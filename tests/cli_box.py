"""The real CLI in a subprocess against an in-process sandbox whose knobs a test flips live."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from tests import forked_cli

EU, NORTH = "eu-central-1", "eu-north-1"
TIMEOUT = 120


class Box:
    """A sandbox of the demo scenario and the CLI pointed at it, with a state dir per test."""

    def __init__(self, sandbox: Sandbox, info: ScenarioInfo) -> None:
        self.sandbox, self.info = sandbox, info
        self.accounts = info.accounts

    def env(self, state: Path, account: str = "management", **extra: str) -> dict[str, str]:
        """The CLI's environment: the account's keys, the sandbox endpoint, XDG dirs in `state`."""
        keys = self.sandbox.credentials_for(self.accounts[account])
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("AWS_") and not key.startswith("XDG_")
        }
        env.update(
            AWS_ENDPOINT_URL=self.sandbox.endpoint_url,
            AWS_ACCESS_KEY_ID=keys["aws_access_key_id"],
            AWS_SECRET_ACCESS_KEY=keys["aws_secret_access_key"],
            AWS_REGION=EU,
            AWS_MAX_ATTEMPTS="2",
            XDG_STATE_HOME=str(state / "xdg-state"),
            XDG_CONFIG_HOME=str(state / "xdg-config"),
        )
        env.update(extra)
        return env

    def cli(self, state: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        """Run `drconsole ARGS` to its end."""
        return forked_cli.run(
            [sys.executable, "-m", "drconsole", *args],
            env=self.env(state, **env),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )

    def spawn(self, state: Path, *args: str) -> subprocess.Popen[str]:
        """Start `drconsole ARGS` and return at once."""
        return subprocess.Popen(
            [sys.executable, "-m", "drconsole", *args],
            env=self.env(state),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def backup(self, role: str, region: str = EU) -> Any:
        """Plain boto3 Backup client of an account of the sandbox."""
        return self.sandbox.client("backup", self.accounts[role], region)

    def newest(self, vault: str, region: str, rtype: str, n: int = 0) -> str:
        """The n-th newest recovery point of a prod resource of that type in a backup vault."""
        points = self.backup("backup", region).list_recovery_points_by_backup_vault(
            BackupVaultName=vault
        )["RecoveryPoints"]
        chosen = [
            p
            for p in points
            if p["ResourceType"] == rtype
            and p["ResourceName"].startswith("prod-")
            and "legacy" not in p["ResourceName"]
        ]
        chosen.sort(key=lambda p: p["CreationDate"], reverse=True)
        return str(chosen[n]["RecoveryPointArn"])

    def vault(self, role: str, name: str, region: str = EU) -> str:
        """A vault ARN of the sandbox."""
        return f"arn:aws:backup:{region}:{self.accounts[role]}:backup-vault:{name}"

    def copy_jobs(self, role: str, region: str, source_rp: str) -> list[dict[str, Any]]:
        """Copy jobs of an account started from a recovery point (counted with plain boto3)."""
        jobs = self.backup(role, region).list_copy_jobs(BySourceRecoveryPointArn=source_rp)
        return list(jobs["CopyJobs"])

    def restore_jobs(self, role: str, region: str, rp: str) -> list[dict[str, Any]]:
        """Restore jobs of an account from a recovery point (counted with plain boto3)."""
        jobs = self.backup(role, region).list_restore_jobs()["RestoreJobs"]
        return [j for j in jobs if j["RecoveryPointArn"] == rp]


def journal_path(state: Path) -> Path:
    """The journal of a test's state dir."""
    return state / "xdg-state" / "drconsole" / "journal.jsonl"


def audit_path(state: Path) -> Path:
    """The audit log of a test's state dir."""
    return state / "xdg-state" / "drconsole" / "audit.log"


def journal(state: Path) -> list[dict[str, Any]]:
    """The journal's readable records (a test's own reading, line by line)."""
    path = journal_path(state)
    if not path.exists():
        return []
    out = []
    for line in path.read_bytes().splitlines():
        try:
            out.append(json.loads(line))
        except (ValueError, RecursionError):
            continue
    return out


def kill_when(
    process: subprocess.Popen[str], state: Path, kind: str, step: str | None = None
) -> list[dict[str, Any]]:
    """SIGKILL the process as soon as the journal holds that record; the journal then."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        records = journal(state)
        if any(r["type"] == kind and (step is None or r.get("step") == step) for r in records):
            process.send_signal(signal.SIGKILL)
            process.wait(10)
            return journal(state)
        if process.poll() is not None:
            raise AssertionError(f"the flow ended (exit {process.returncode}) before {kind}")
        time.sleep(0.02)
    process.kill()
    raise AssertionError(f"no {kind} record in time")


def json_lines(text: str) -> list[dict[str, Any]]:
    """The JSON lines of a --json run's stdout."""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]
