"""Regenerate screenshots/readiness_report.png: `drconsole readiness --html` on the demo
organization (its five faults as they are built), shot by headless Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from drill_report_screenshot import shoot

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "screenshots" / "readiness_report.png"


def main() -> int:
    """Build the demo, write the report with the real CLI, shoot it."""
    from drconsole.sandbox.scenarios import start_sandbox
    from drconsole.sandbox.server import SandboxOptions

    sandbox, info = start_sandbox("demo", SandboxOptions())
    try:
        home = Path(tempfile.mkdtemp(prefix="drconsole-readiness-shot-"))
        config = home / "config" / "drconsole"
        config.mkdir(parents=True)
        # The demo's own objective for Non-Prod, as `drconsole demo` sets it.
        (config / "config.toml").write_text(
            f'regions = ["{info.region}", "{info.dr_region}"]\n'
            f'backup_account_id = "{info.accounts["backup"]}"\n'
            '[rpo_objectives]\n"Non-Prod" = "3d"\n'
        )
        credentials = sandbox.credentials_for(info.accounts["management"])
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "XDG_"))}
        env.update(
            AWS_ENDPOINT_URL=sandbox.endpoint_url,
            AWS_ACCESS_KEY_ID=credentials["aws_access_key_id"],
            AWS_SECRET_ACCESS_KEY=credentials["aws_secret_access_key"],
            AWS_REGION=info.region,
            XDG_STATE_HOME=str(home / "state"),
            XDG_CONFIG_HOME=str(home / "config"),
        )
        page = home / "readiness.html"
        done = subprocess.run(
            [sys.executable, "-m", "drconsole", "readiness", "--html", str(page)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode not in (0, 1) or not page.exists():
            raise SystemExit(f"drconsole readiness failed: {done.stderr.strip()}")
        shoot(page, OUTPUT, width=1200, height=1500)
    finally:
        sandbox.stop()
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
