"""A drill's evidence files: `--report-dir` given relative or with `~` is written where the
operator meant and journaled as an absolute path, so `drill history` (and readiness, the
console) read it from any working folder; the JUnit XML is well-formed whatever text it holds."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from tests import forked_cli
from tests.test_drill_run import DRILL, TIMEOUT, demo_sandbox, env_for, result_of, table_runbook

sandbox = pytest.fixture(scope="module", name="sandbox")(demo_sandbox)


def drill_in(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return forked_cli.run(
        [*DRILL, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=TIMEOUT
    )


@pytest.mark.parametrize(("given", "under"), [("rel/out", "cwd"), ("~/rel/out", "home")])
def test_the_report_folder_is_journaled_absolute(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, given: str, under: str
) -> None:
    sb, info = sandbox
    env = env_for(sb, info, tmp_path) | {"HOME": str(tmp_path / "home")}
    folders = {name: tmp_path / name for name in ("cwd", "home", "elsewhere")}
    for folder in folders.values():
        folder.mkdir()
    runbook = table_runbook(tmp_path, info, f"report-dir-{under}")
    done = drill_in(
        folders["cwd"], env, "run", str(runbook), "--yes", "--json", f"--report-dir={given}"
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    # The run's own folder under the one given: `<runbook>/<run id>/`.
    result = result_of(done)
    expected = folders[under] / "rel" / "out" / "edge" / result["run"]
    assert Path(result["report_dir"]) == expected
    assert (expected / "report.json").is_file()

    listed = drill_in(folders["elsewhere"], env, "history", "--json")
    (run,) = json.loads(listed.stdout)["runs"]
    assert run["verdict"] == "passed", run
    assert run["report"] == str(expected / "report.json")


def test_junit_xml_is_well_formed_whatever_the_failure_text() -> None:
    """A check's evidence or AWS's message with an escape character (an SCP named in colour)
    was written raw: no XML 1.0 parser read the file."""
    from xml.etree import ElementTree

    from drconsole.drills.report import junit_xml

    said = "SCP \x1b[31mdeny-all\x1b[0m denies backup:StartRestoreJob\x07"
    report = {
        "runbook": {"name": "payments"},
        "started": "2026-12-05T00:00:00Z",
        "targets": [
            {"target": "db", "verdict": "failed", "failures": [said], "cause": "ROLE_PERMISSIONS",
             "rto_seconds": None, "rpo_seconds": None},
        ],
    }  # fmt: skip
    parsed = ElementTree.fromstring(junit_xml(report).encode())
    failure = parsed.find("./testsuite/testcase/failure")
    assert failure is not None and "deny-all" in (failure.text or "")
    assert "\\x1b[31m" in failure.get("message", "")
