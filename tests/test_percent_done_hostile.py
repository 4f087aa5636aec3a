"""A restore job's PercentDone is a string in AWS Backup's model: an answer of "NaN%",
"1e999%" or "250%" (a broken or hostile endpoint in front of AWS) is no percentage, and the
`--json` stream stays JSON that strict parsers read (it carried bare NaN and Infinity)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from drconsole.sandbox import engine
from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.server import SandboxOptions
from tests.cli_box import EU, Box


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0))
    try:
        yield Box(sandbox, info)
    finally:
        sandbox.stop()


def strict(line: str) -> object:
    def refuse(token: str) -> object:
        raise ValueError(f"not JSON: {token}")

    return json.loads(line, parse_constant=refuse)


@pytest.mark.parametrize("answer", ["NaN%", "1e999%", "-Infinity%", "250%"])
def test_a_percentage_that_is_none_stays_out_of_the_json_stream(
    box: Box, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    # What the sandbox answers for PercentDone (the AWS side), not anything of drconsole's.
    monkeypatch.setattr(engine.Job, "percent_done", lambda self, now: answer)
    rp = box.newest("central-eu-central-1", EU, "DynamoDB")
    done = box.cli(
        tmp_path, "restore", "--recovery-point", rp, "--source-account", box.accounts["backup"],
        "--allow-backup-account-restore", "--yes", "--json", "--poll-interval", "0.05",
        "--metadata", f"targetTableName=percent-{abs(hash(answer)) % 10_000}",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    events = [strict(line) for line in done.stdout.splitlines()]
    jobs = [e["job"] for e in events if isinstance(e, dict) and isinstance(e.get("job"), dict)]
    percents = [job["percent_done"] for job in jobs if "percent_done" in job]
    assert percents and all(p is None for p in percents), percents
    listed = box.cli(tmp_path, "ls", "jobs", "--json")
    assert listed.returncode in (0, 1), listed.stderr
    strict(listed.stdout)
