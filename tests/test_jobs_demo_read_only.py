"""`jobs --abandon` on a flow of the demo journal obeys read-only however it was chosen: the
flag, the config's `read_only = true` or the active profile's, as `--resume` does; without it
the flow is abandoned (the demo's sandbox may be gone: no AWS is needed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests import forked_cli
from tests.bad_input import base_env
from tests.tui.test_read_only import unfinished_flow

CONFIGS = {
    "top": "read_only = true\n",
    "profile": 'profile = "ro"\n\n[profiles.ro]\nread_only = true\n',
}


def abandon(env: dict[str, str], *flags: str) -> subprocess.CompletedProcess[str]:
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", *flags, "jobs", "--abandon", "00000000ad01"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_read_only_settings_keep_the_demo_journal(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    (tmp_path / "aws-config").write_text("[profile ro]\nregion = eu-central-1\n")
    demo = tmp_path / "state" / "drconsole" / "demo"
    unfinished_flow(demo)
    before = (demo / "journal.jsonl").read_bytes()
    (tmp_path / "config" / "drconsole").mkdir(parents=True)
    config = tmp_path / "config" / "drconsole" / "config.toml"
    for source, text in CONFIGS.items():
        config.write_text(text)
        refused = abandon(env)
        assert refused.returncode == 2, (source, refused.stdout, refused.stderr)
        assert "read-only mode is on: abandoning a flow rewrites its journal" in refused.stderr
        assert (demo / "journal.jsonl").read_bytes() == before, source
    config.unlink()
    assert abandon(env, "--read-only").returncode == 2
    assert (demo / "journal.jsonl").read_bytes() == before
    done = abandon({k: v for k, v in env.items() if k != "AWS_REGION"})  # no Region needed
    assert done.returncode == 0 and "abandoned" in done.stdout, done.stdout + done.stderr
    assert (demo / "journal.jsonl").read_bytes() != before
