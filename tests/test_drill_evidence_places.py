"""Each drill run keeps its own evidence: runs into one `--report-dir` each get their own folder,
`drill resume RUN_ID` as printed writes where the run began, a report says what clean-up left
(and is written again when `drill cleanup` deletes it), and readiness counts only a drill that
passed. Real `drconsole` processes against the demo sandbox."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from tests import forked_cli
from tests.test_drill_interrupted import history_of
from tests.test_drill_run import _runbook, demo_sandbox, drill, env_for, gone, result_of

sandbox = pytest.fixture(scope="module", name="sandbox")(demo_sandbox)

FAST = ("--yes", "--json", "--poll-interval", "0.1")
# A required step after validation (the team's application check): `--yes` does not perform it.
APP_CHECK = (
    "manual_steps:\n  - {name: app-check, text: check the app, when: after, required: true}\n"
)


def runbook(
    tmp_path: Path, info: ScenarioInfo, name: str, table: str, extra: str = "", cleanup: str = ""
) -> Path:
    """One DynamoDB target restored as `table`, in a runbook named `name`."""
    path = _runbook(
        tmp_path,
        info,
        extra,
        '  - name: table\n    resource: {account: "PROD", type: DynamoDB, name: prod-sessions}\n'
        f"    metadata: {{targetTableName: {table}}}\n",
    )
    text = path.read_text().replace("name: edge\n", f"name: {name}\n", 1)
    if cleanup:
        text = text.replace("cleanup: always\n", f"cleanup: {cleanup}\n", 1)
    named = tmp_path / f"{name}.yaml"
    named.write_text(text)
    return named


def runs_by_id(env: dict[str, str]) -> dict[str, dict[str, Any]]:
    listed = drill(env, "history", "--json")
    assert listed.returncode == 0, listed.stderr
    return {run["run_id"]: run for run in json.loads(listed.stdout)["runs"]}


def test_runs_into_one_report_dir_each_keep_their_own_report(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """Two runbooks in one CI job, then the first again (a weekly job), all with README's
    `--report-dir drill-report`: the second run replaced the first's report.json, which
    history then listed `unreadable` and readiness no longer counted."""
    sb, info = sandbox
    env = env_for(sb, info, tmp_path)
    shared = tmp_path / "drill-report"
    first = runbook(tmp_path, info, "sessions", "places-first")
    second = runbook(tmp_path, info, "sessions-copy", "places-second")
    ids = []
    for book in (first, second, first):
        done = drill(env, "run", str(book), *FAST, "--report-dir", str(shared))
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr
        ids.append((result_of(done)["run"], book.stem))

    runs = runs_by_id(env)
    for run_id, name in ids:
        run = runs[run_id]
        assert run["verdict"] == "passed", run
        report = json.loads(Path(run["report"]).read_text())
        assert (report["run_id"], report["runbook"]["name"]) == (run_id, name)
        # Each in its own folder under the one given, as under the state dir.
        assert Path(run["report"]) == shared / name / run_id / "report.json"
        assert (shared / name / run_id / "report.html").is_file()
    assert sorted(p.name for p in shared.iterdir()) == ["sessions", "sessions-copy"]


def test_resume_as_printed_writes_the_report_and_junit_where_the_run_began(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """An interrupted `drill run --report-dir DIR --junit FILE` said `drconsole drill resume
    RUN_ID`; run as printed, the final report went under the state dir, and DIR and FILE kept
    the interrupted run's."""
    sb, info = sandbox
    env = {**env_for(sb, info, tmp_path), "AWS_MAX_ATTEMPTS": "2"}
    book = runbook(tmp_path, info, "ci-resume", "places-resume")
    artifacts = tmp_path / "ci-artifacts"
    junit = tmp_path / "drill.xml"
    sb.fail_operation("backup:StartRestoreJob", "throttle")
    try:
        ran = drill(env, "run", str(book), *FAST, "--report-dir", str(artifacts), "--junit",
                    str(junit))  # fmt: skip
    finally:
        sb.clear_faults()
    assert ran.returncode == 3, ran.stdout[-2000:] + ran.stderr
    result = result_of(ran)
    folder = Path(result["report_dir"])
    assert json.loads((folder / "report.json").read_text())["verdict"] == "interrupted"
    assert ET.parse(junit).getroot().find("./testsuite/testcase/error") is not None

    printed = result["resume"].split()
    assert printed[:3] == ["drconsole", "drill", "resume"]
    done = drill(env, *printed[2:], *FAST)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert result_of(done)["report_dir"] == str(folder)
    assert json.loads((folder / "report.json").read_text())["verdict"] == "passed"
    cases = ET.parse(junit).getroot().findall("./testsuite/testcase")
    assert cases and not [c for c in cases if c.find("error") is not None]
    assert history_of(env, result["run"])["report"] == str(folder / "report.json")
    assert folder == artifacts / "ci-resume" / result["run"]


def test_a_failed_on_success_drill_reports_what_it_left_and_its_later_clean_up(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """The report of a failed `cleanup: on-success` drill said nothing deleted (`cleanup: []`)
    while history said `2 left`; `drill cleanup` deleted them and never wrote the report again."""
    sb, info = sandbox
    env = env_for(sb, info, tmp_path)
    recovery = info.accounts["recovery"]
    book = runbook(tmp_path, info, "kept", "places-kept", APP_CHECK, cleanup="on-success")
    junit = tmp_path / "kept.xml"
    done = drill(env, "run", str(book), *FAST, "--report-dir", str(tmp_path / "out"),
                 "--junit", str(junit))  # fmt: skip
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr
    run_id = result_of(done)["run"]
    folder = Path(result_of(done)["report_dir"])
    assert runs_by_id(env)[run_id]["left"] == 2

    (target,) = json.loads((folder / "report.json").read_text())["targets"]
    left = target["cleanup"]
    assert sorted(c["kind"] for c in left) == ["recovery-point", "resource"]
    assert not any(c["deleted"] for c in left)
    assert all("on-success" in c["reason"] and c["left"] for c in left), left
    table = next(c["arn"] for c in left if c["kind"] == "resource")
    assert table.endswith("/places-kept") and not gone(sb, recovery, table)
    html = (folder / "report.html").read_text()
    assert table in html and "nothing deleted" not in html

    junit.unlink()  # the clean-up writes the run's JUnit file again, where the run wrote it
    cleaned = drill(env, "cleanup", run_id, "--json")
    assert cleaned.returncode == 0, cleaned.stdout[-2000:] + cleaned.stderr
    assert json.loads(cleaned.stdout)["report"] == f"report in {folder}"
    assert gone(sb, recovery, table)
    (target,) = json.loads((folder / "report.json").read_text())["targets"]
    assert sorted((c["kind"], c["deleted"]) for c in target["cleanup"]) == [
        ("recovery-point", True),
        ("resource", True),
    ]
    assert ET.parse(junit).getroot().find("./testsuite") is not None
    assert runs_by_id(env)[run_id]["left"] == 0


def test_readiness_never_counts_a_drill_failed_by_a_required_manual_step(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """A drill whose required after-step was not performed failed (exit 1), yet readiness gave
    it as the resource's newest passing drill, in place of the passed run before it."""
    sb, info = sandbox
    env = env_for(sb, info, tmp_path)
    passed = drill(env, "run", str(runbook(tmp_path, info, "good", "places-good")), *FAST)
    assert passed.returncode == 0, passed.stdout[-2000:] + passed.stderr
    book = runbook(tmp_path, info, "unchecked", "places-unchecked", APP_CHECK)
    failed = drill(env, "run", str(book), *FAST)
    assert failed.returncode == 1, failed.stdout[-2000:] + failed.stderr
    (target,) = result_of(failed)["targets"]
    assert target["verdict"] == "passed"  # its restore passed: the drill failed on the step

    judged = forked_cli.run(
        [sys.executable, "-m", "drconsole", "readiness", "--json", "--account", "prod",
         "--region", "eu-central-1"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    rows = json.loads(judged.stdout)["rows"]
    drills = {
        r["resource_name"]: r["drill"] for row in rows for r in row["resources"] if r["drill"]
    }
    assert drills["prod-sessions"]["run_id"] == result_of(passed)["run"], drills
