"""Small odd inputs that a script, an editor or a damaged file give: a secret typed with `:`
for `=`, a byte-order mark, standard input closed, a demo record with an impossible pid. Each
is said in one line (or simply read), never a defect, never a secret echoed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import forked_cli
from tests.bad_input import Case, assert_one_line_usage_error, base_env, run_in_process

RP = "arn:aws:backup:eu-central-1:111122223333:recovery-point:1b2c3d4e-aaaa-bbbb-cccc-0123456789ab"
SECRET = "Hunter2-Secret!"
ALLOW = {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}
PRINCIPAL = "arn:aws:iam::111122223333:root"


@pytest.mark.parametrize("typed", [f"MasterUserPassword:{SECRET}", f"MasterUserPassword {SECRET}"])
def test_a_secret_typed_without_equals_is_not_echoed(tmp_path: Path, typed: str) -> None:
    case = Case(("restore", "--recovery-point", RP, "--metadata", typed, "--yes"))
    outcome = run_in_process(case, tmp_path)
    assert_one_line_usage_error(outcome, case)
    assert "MasterUserPassword" in outcome.stderr and "Hunter2" not in outcome.stderr


def test_a_policy_and_a_config_file_with_a_byte_order_mark_are_read(tmp_path: Path) -> None:
    bom = b"\xef\xbb\xbf"
    policy = Case(
        ("policy", "simulate", "--policy", "{home}/p.json", "--action", "s3:GetObject",
         "--principal", PRINCIPAL),
        files={"p.json": bom + json.dumps(ALLOW).encode()},
    )  # fmt: skip
    simulated = run_in_process(policy, tmp_path)
    assert simulated.code == 0 and "allow" in simulated.stdout.lower(), simulated
    config = Case(
        ("drill", "history"),
        files={"config/drconsole/config.toml": bom + b'role_name = "DrRole"\n'},
    )
    listed = run_in_process(config, tmp_path)
    assert listed.code == 0 and listed.stderr == "", listed


def closed_stdin(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=base_env(home),
        timeout=60,
        # Descriptor 0 closed before drconsole starts (`<&-`).
        preexec_fn=lambda: os.close(0),
    )


def test_a_closed_standard_input_reads_as_empty(tmp_path: Path) -> None:
    explained = closed_stdin(tmp_path, "explain", "-")
    assert explained.returncode == 2, explained.stderr
    assert "defect" not in explained.stderr and "MESSAGE is empty" in explained.stderr
    simulated = closed_stdin(
        tmp_path, "policy", "simulate", "--policy", "-", "--action", "s3:GetObject",
        "--principal", PRINCIPAL,
    )  # fmt: skip
    assert simulated.returncode == 2 and "defect" not in simulated.stderr, simulated.stderr


def test_demo_stop_with_a_huge_pid_in_the_record(tmp_path: Path) -> None:
    record = {
        "endpoint_url": "http://127.0.0.1:9", "pid": 99999999999999999999, "scenario": "demo",
        "region": "eu-central-1", "dr_region": "eu-north-1",
        "accounts": {"management": "123456789012"}, "credentials": {}, "knobs": {},
    }  # fmt: skip
    case = Case(
        ("demo", "--stop"), files={"state/drconsole/demo/sandbox.json": json.dumps(record).encode()}
    )
    stopped = run_in_process(case, tmp_path)
    assert "defect" not in stopped.stderr and stopped.code in (0, 1), stopped


@pytest.mark.parametrize("argv", [("--read-only",), ("demo",)], ids=["console", "demo"])
def test_the_console_without_a_terminal_is_one_line(tmp_path: Path, argv: tuple[str, ...]) -> None:
    """Cron, `ssh host drconsole` without -t: the console drew into the file and never ended."""
    done = forked_cli.run(
        [sys.executable, "-m", "drconsole", *argv],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=base_env(tmp_path),
        timeout=30,
    )
    assert done.returncode == 2 and done.stdout == "", done
    (line,) = done.stderr.splitlines()
    assert "needs a terminal" in line
    assert not (tmp_path / "state" / "drconsole" / "demo" / "sandbox.json").exists()
