"""`drconsole demo` survives a closed terminal: real processes, a real terminal (tmux).

The console is driven with the keyboard to copy the prod Aurora cluster's newest copy back from
the backup account's eu-north-1 vault and restore it in prod's eu-central-1; the terminal is
killed mid-copy; the demo sandbox keeps running; `drconsole jobs --resume` finishes the flow with
one job per hop; `drconsole demo --stop` stops the sandbox; a stale record is handled.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests import forked_cli

ROOT = Path(__file__).resolve().parents[1]
EU, NORTH = "eu-central-1", "eu-north-1"
pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def clean_env(tmp_path: Path) -> dict[str, str]:
    """No AWS settings of the machine; private XDG state and config dirs."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AWS_") and not key.startswith("XDG_")
    }
    env.update(
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        NO_COLOR="1",
    )
    return env


class Terminal:
    """One tmux server and session running one command."""

    def __init__(self, command: str, env: dict[str, str], name: str = "resume") -> None:
        self.socket = f"drconsole-demo-{name}-{os.getpid()}"
        self.env = env
        self.tmux("new-session", "-d", "-s", "demo", "-x", "120", "-y", "40", command)

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            check=False,
            env=self.env,
        )
        return result.stdout

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.tmux("send-keys", "-t", "demo", key)
            time.sleep(0.2)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "demo", "-l", text)
        time.sleep(0.2)

    def text(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "demo")

    def wait_for(self, pattern: str, timeout: float = 40.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.text()
            if re.search(pattern, screen):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{pattern!r} never appeared; the screen shows:\n{screen}")

    def pane_pid(self) -> int:
        return int(self.tmux("list-panes", "-t", "demo", "-F", "#{pane_pid}").split()[0])

    def kill(self) -> None:
        self.tmux("kill-server")


def drconsole(
    env: dict[str, str], *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_dead(pid: int, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.1)
    return False


def backup_client(record: dict[str, Any], account: str, region: str) -> Any:
    """A Backup client in an account of the demo sandbox, with the keys of sandbox.json."""
    return client(record, "backup", account, region)


def client(record: dict[str, Any], service: str, account: str, region: str) -> Any:
    endpoint = record["endpoint_url"]
    base = boto3.session.Session(region_name=region, **record["credentials"])
    sts = base.client("sts", endpoint_url=endpoint)
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
        RoleSessionName="tests",
    )["Credentials"]
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


@pytest.fixture
def demo_dir(tmp_path: Path) -> Iterator[Path]:
    """The demo's state folder; whatever sandbox is still recorded there is killed at the end."""
    path = tmp_path / "state" / "drconsole" / "demo"
    pids: list[int] = []
    yield path
    record = path / "sandbox.json"
    if record.exists():
        pids.append(json.loads(record.read_text())["pid"])
    for pid in pids:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_closed_terminal_mid_copy_then_jobs_resume_finishes_the_flow(
    tmp_path: Path, demo_dir: Path
) -> None:
    env = clean_env(tmp_path)
    command = " ".join(
        shlex.quote(part)
        for part in (sys.executable, "-m", "drconsole", "demo", "--time-scale", "20")
    )
    term = Terminal(f"cd {shlex.quote(str(ROOT))} && exec {command}", env)
    try:
        tui_pid = term.pane_pid()
        term.wait_for(r"backup \(b[^\n]*\bok\b", timeout=60)  # the name is cut at 80 columns
        record = json.loads((demo_dir / "sandbox.json").read_text())
        assert (demo_dir / "sandbox.json").stat().st_mode & 0o777 == 0o600
        secret = record["credentials"]["aws_secret_access_key"]
        backup, prod = record["accounts"]["backup"], record["accounts"]["prod"]

        # Keyboard only: the backup account, its eu-north-1 vault, the prod Aurora's newest copy.
        term.keys("/")
        term.type(backup)
        term.keys("Enter", "Enter")
        term.wait_for(r"dr-eu-north-1")
        term.keys("Down", "Enter")
        term.wait_for(r"prod-payments-cluster")
        term.keys("/")
        term.type("prod aurora")
        term.keys("Enter", "w")
        term.wait_for(r"vaults in \d+ accounts", timeout=40)  # the whole list, focused
        time.sleep(0.5)  # read: keys right behind vaults arriving pick nothing (settled_pick)
        chosen = f"Destination: prod ({prod}) {EU} prod-vault"
        for _ in range(12):  # Down until the Destination line names prod's eu-central-1 vault
            if chosen in term.text():
                break
            term.keys("Down")
            time.sleep(0.3)
        assert chosen in term.text()
        term.keys("Enter")
        term.wait_for(r"Next: confirm", timeout=40)
        time.sleep(1.0)  # the button takes focus once the plan is shown
        term.keys("Enter")
        term.wait_for(r"StartCopyJob")
        # Read to the end of the requests (Start acts only once it has been on screen), as a
        # person does at 80x24; Start ignores a key typed before its pane could be read.
        for _ in range(10):
            if re.search(r"only\s+when\s+you\s+confirm\s+it", term.text()):
                break
            term.keys("PageDown")
            time.sleep(0.5)
        time.sleep(1.0)
        term.keys("Enter")
        term.wait_for(r"hop1\s+RUNNING", timeout=30)
        # Close the terminal mid-copy: the console dies with it, the sandbox does not.
        term.kill()
    finally:
        term.kill()
    assert wait_dead(tui_pid), "the console outlived its terminal"
    assert alive(record["pid"]), "the demo sandbox died with the terminal"

    listed = drconsole(env, "jobs", "--json")
    assert listed.returncode == 0, listed.stderr
    flows = json.loads(listed.stdout)["flows"]
    assert len(flows) == 1 and flows[0]["demo"] is True and flows[0]["resumable"] is True
    assert flows[0]["current_step"] == "hop1"
    source = flows[0]["recovery_point"]
    journal_before_resume = (demo_dir / "journal.jsonl").read_bytes()

    resumed = drconsole(env, "jobs", "--resume", "--json", "--poll-interval", "0.2", timeout=90)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    result = json.loads(resumed.stdout.splitlines()[-1])
    assert result["event"] == "result" and result["status"] == "completed"
    created = result["result"]["created_resource"]
    assert created.startswith(f"arn:aws:rds:{EU}:{prod}:cluster:")
    assert secret not in resumed.stdout + resumed.stderr + listed.stdout

    copies = backup_client(record, backup, NORTH).list_copy_jobs(BySourceRecoveryPointArn=source)[
        "CopyJobs"
    ]
    assert len(copies) == 1 and copies[0]["State"] == "COMPLETED"
    restores = backup_client(record, prod, EU).list_restore_jobs()["RestoreJobs"]
    assert len(restores) == 1 and restores[0]["Status"] == "COMPLETED"
    cluster = created.rsplit(":", 1)[1]
    rds = client(record, "rds", prod, EU)
    assert rds.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"]

    stopped = drconsole(env, "demo", "--stop")
    assert stopped.returncode == 0 and "stopped" in stopped.stdout, stopped.stderr
    assert wait_dead(record["pid"])
    assert not (demo_dir / "sandbox.json").exists()

    # A stale record (its process is gone) with an unfinished flow: said in one line, not resumed.
    (demo_dir / "journal.jsonl").write_bytes(journal_before_resume)
    (demo_dir / "sandbox.json").write_text(json.dumps(record))
    flow_id = flows[0]["flow"]
    gone = drconsole(env, "jobs")
    assert gone.returncode == 0 and f"demo flow(s) {flow_id}: the demo sandbox" in gone.stdout
    refused = drconsole(env, "jobs", "--resume")
    assert refused.returncode == 1 and "cannot be resumed" in refused.stdout
    cleared = drconsole(env, "jobs", "--abandon", flow_id)
    assert cleared.returncode == 0 and "abandoned" in cleared.stdout
    # Nothing left in the demo: `jobs` is about the real journal again (which needs a Region).
    listed_real = drconsole(env | {"AWS_REGION": EU}, "jobs")
    assert listed_real.stdout.strip() == "No flow in flight.", listed_real.stderr
    stale_stop = drconsole(env, "demo", "--stop")
    assert stale_stop.returncode == 0 and "was not running" in stale_stop.stdout
    assert not (demo_dir / "sandbox.json").exists()
