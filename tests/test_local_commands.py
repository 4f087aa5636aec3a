"""Commands that read only local files answer on a host with no AWS Region or credentials set
(a jump host after a dropped session), and still check the flags they are given."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests import forked_cli


def run(home: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "XDG_"))}
    env |= {
        "HOME": str(home),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "AWS_CONFIG_FILE": str(home / "no-aws-config"),
    }
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_jobs_with_nothing_in_flight_needs_no_region(tmp_path: Path) -> None:
    listed = run(tmp_path, "jobs")
    assert (listed.returncode, listed.stdout.strip(), listed.stderr) == (
        0,
        "No flow in flight.",
        "",
    )
    as_json = run(tmp_path, "jobs", "--json")
    assert as_json.returncode == 0 and json.loads(as_json.stdout) == {"flows": []}
    # A flag that is wrong is still one line and exit 2.
    wrong = run(tmp_path, "--region", "", "jobs")
    assert wrong.returncode == 2 and len(wrong.stderr.splitlines()) == 1, wrong.stderr


def test_drill_history_needs_no_region(tmp_path: Path) -> None:
    listed = run(tmp_path, "drill", "history")
    assert (listed.returncode, listed.stdout.strip()) == (0, "no drills yet"), listed.stderr
