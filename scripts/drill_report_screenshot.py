"""Regenerate screenshots/drill_report.png: the example drill run twice against the embedded
sandbox (so the report shows an RTO trend), its report.html shot by headless Chromium."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNBOOK = ROOT / "examples" / "runbooks" / "payments.yaml"
OUTPUT = ROOT / "screenshots" / "drill_report.png"


def shoot(html: Path, png: Path, width: int = 1100, height: int = 1800) -> None:
    """Open the page in headless Chromium and save its screenshot."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium is missing: run scripts/ensure-system-tools.sh")
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--screenshot={png}",
            f"--window-size={width},{height}",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def main() -> int:
    """Run the drill twice, then shoot the second report."""
    from drconsole.sandbox.scenarios import start_sandbox
    from drconsole.sandbox.server import SandboxOptions

    sb, info = start_sandbox("demo", SandboxOptions(time_scale=600))
    try:
        home = Path(tempfile.mkdtemp(prefix="drconsole-drill-shot-"))
        credentials = sb.credentials_for(info.accounts["management"])
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "XDG_"))}
        env.update(
            AWS_ENDPOINT_URL=sb.endpoint_url,
            AWS_ACCESS_KEY_ID=credentials["aws_access_key_id"],
            AWS_SECRET_ACCESS_KEY=credentials["aws_secret_access_key"],
            AWS_REGION="eu-central-1",
            XDG_STATE_HOME=str(home / "state"),
            XDG_CONFIG_HOME=str(home / "config"),
        )
        runbook = home / RUNBOOK.name  # a neutral path in the page
        shutil.copy(RUNBOOK, runbook)
        report = None
        for _ in range(2):
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "drconsole",
                    "drill",
                    "run",
                    str(RUNBOOK),
                    "--yes",
                    "--json",
                    "--poll-interval",
                    "0.2",
                ],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            report = json.loads(done.stdout.strip().splitlines()[-1])["report_dir"]
        assert report is not None
        shoot(Path(report) / "report.html", OUTPUT)
    finally:
        sb.stop()
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
