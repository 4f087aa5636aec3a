"""Drill evidence a CI gate and an audit rely on: a required manual step not performed fails
the JUnit file too; a drill that finds nothing to recover fails (exit 1), it is no AWS error
(exit 3); a target that validates nothing is refused; a resumed drill's "newest" is that of
the drill's start."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

from drconsole.drills.resolve import resolve_target
from drconsole.drills.runbook import (
    PointChoice,
    ResourceSelector,
    RestoreTarget,
    SourceSpec,
    Target,
)
from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from tests import forked_cli
from tests.demo_sessions import demo_sessions
from tests.test_drill_run import (
    DRILL,
    EU,
    _runbook,
    drill,
    env_for,
    result_of,
    sandbox,
    table_runbook,
)

__all__ = ["sandbox"]  # the module's sandbox fixture, shared with test_drill_run's helpers


def test_a_required_manual_step_not_performed_fails_the_junit_file(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    path = _runbook(
        tmp_path,
        info,
        "manual_steps:\n  - name: announce\n    text: tell ops\n    when: before\n"
        "    required: true\n",
        '  - name: table\n    resource: {account: "PROD", type: DynamoDB, name: prod-sessions}\n'
        "    metadata: {targetTableName: evidence-manual}\n",
    )
    junit = tmp_path / "out.xml"
    done = drill(
        env_for(sb, info, tmp_path), "run", str(path), "--yes", "--json",
        "--junit", str(junit), "--poll-interval", "0.1",
    )  # fmt: skip
    assert done.returncode == 1 and result_of(done)["verdict"] == "failed", done.stderr
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")
    # JUnit's schema: the start to the second, without a zone (strict CI parsers refuse more).
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", suite.get("timestamp", ""))
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    failure = cases["manual step announce"].find("failure")
    assert failure is not None and failure.get("type") == "MANUAL_STEP_NOT_PERFORMED"
    assert cases["table"].find("failure") is None  # the target itself was recovered


def test_nothing_to_recover_fails_the_drill_and_is_no_aws_error(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    path = _runbook(
        tmp_path,
        info,
        "",
        '  - name: table\n    resource: {account: "PROD", type: DynamoDB, name: no-such-table}\n'
        "    metadata: {targetTableName: evidence-none}\n",
    )
    done = drill(env_for(sb, info, tmp_path), "run", str(path), "--yes", "--json")
    result = result_of(done)
    assert (done.returncode, result["verdict"]) == (1, "failed"), done.stdout[-1500:]
    (target,) = result["targets"]
    assert not target.get("aws_error") and "no COMPLETED recovery point" in str(target)


def test_a_target_that_validates_nothing_is_refused_at_its_line(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    path = _runbook(
        tmp_path,
        info,
        "",
        '  - name: table\n    resource: {account: "PROD", type: DynamoDB, name: prod-sessions}\n'
        "    validate: {builtin: false}\n",
    )
    for command in (("plan",), ("run", "--yes")):
        done = drill(env_for(sb, info, tmp_path), command[0], str(path), *command[1:])
        assert done.returncode == 2, done.stderr
        (line,) = done.stderr.splitlines()
        assert "targets[0].validate.builtin: builtin: false leaves nothing to validate" in line


def test_the_newest_point_of_a_resumed_drill_is_that_of_its_start(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """A drill resumed after a backup was made picks, as "newest", the newest of its start."""
    sb, info = sandbox
    target = Target(
        name="table",
        resource=ResourceSelector(None, info.accounts["prod"], "DynamoDB", "prod-sessions"),
        source=SourceSpec(info.accounts["backup"], EU, "central-eu-central-1"),
        recovery_point=PointChoice("newest"),
        restore_to=RestoreTarget(info.accounts["recovery"], EU, "recovery-vault"),
    )
    sessions = demo_sessions(sb, info, tmp_path)
    newest = resolve_target(sessions, target).point
    started = newest.created - timedelta(seconds=1)  # the drill started before it was made
    earlier = resolve_target(sessions, target, not_after=started).point
    assert earlier.created <= started < newest.created
    assert earlier.resource_name == newest.resource_name


def test_a_target_without_objectives_says_it_was_measured_and_not_judged(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """A runbook that states no objective passes what it recovered, as before; its plan, JUnit
    file and HTML report say the RPO and RTO were not judged, so no audit reads them as met."""
    sb, info = sandbox
    path = _runbook(
        tmp_path,
        info,
        "",
        '  - name: table\n    resource: {account: "PROD", type: DynamoDB, name: prod-sessions}\n'
        "    metadata: {targetTableName: evidence-unjudged}\n"
        '  - name: timed\n    resource: {account: "PROD", type: DynamoDB, name: prod-sessions}\n'
        "    metadata: {targetTableName: evidence-judged}\n    objectives: {rto: 2h}\n",
    )
    env = env_for(sb, info, tmp_path)
    planned = drill(env, "plan", str(path))
    assert planned.returncode == 0, planned.stdout + planned.stderr
    unjudged = "no RPO or RTO objective (objectives: in the runbook or the target)"
    table, timed = planned.stdout.split("Target timed")
    assert unjudged in table and unjudged not in timed, planned.stdout
    junit = tmp_path / "out.xml"
    done = drill(
        env, "run", str(path), "--yes", "--json", "--junit", str(junit), "--poll-interval", "0.1"
    )
    assert done.returncode == 0 and result_of(done)["verdict"] == "passed", done.stderr
    outcome = {t["target"]: t for t in result_of(done)["targets"]}
    assert (outcome["table"]["rpo_met"], outcome["table"]["rto_met"]) == (None, None)
    assert outcome["timed"]["rto_met"] is True
    cases = {case.get("name"): case for case in ET.parse(junit).getroot().iter("testcase")}
    said = {name: case.findtext("system-out") or "" for name, case in cases.items()}
    assert said["table"].count("(no objective, not judged)") == 2, said
    assert "RTO " in said["timed"] and "(objective 2h00m00s)" in said["timed"], said
    assert "RPO " in said["timed"] and said["timed"].count("not judged") == 1, said
    html = (Path(result_of(done)["report_dir"]) / "report.html").read_text()
    assert html.count("/ no objective (not judged)") == 3  # table's RPO and RTO, timed's RPO
    # drill run's own lines say it too (here a run in text, resolved anew).
    again = drill(env, "run", str(path), "--yes", "--poll-interval", "0.1")
    assert "table: PASSED" in again.stdout, again.stdout + again.stderr
    line = next(x for x in again.stdout.splitlines() if x.startswith("table: PASSED"))
    assert line.endswith("no objective for RPO and RTO: not judged"), line


def test_a_hostile_aws_message_reaches_report_html_without_a_control_character(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """A failed job's StatusMessage is AWS's text: report.html (printed by `cat` in a CI log)
    carries it with its control characters written as escapes, as the terminal and JUnit do."""
    sb, info = sandbox
    table = sb.client("dynamodb", info.accounts["prod"], EU).describe_table(
        TableName="prod-sessions"
    )["Table"]["TableArn"]
    sb.inject_job_failure(table, "Copy failed \x1b]0;PWNED\x07\x1b[2J\r\nFORGED: drill PASSED")
    path = table_runbook(tmp_path, info, "evidence-hostile")
    env = env_for(sb, info, tmp_path)
    done = drill(env, "run", str(path), "--yes")
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr
    # Its line break starts no line of drconsole's own: each such line is the target's.
    forged = [line for line in done.stdout.splitlines() if "FORGED" in line]
    assert forged and all("\\r\\nFORGED" in line for line in forged), forged
    listed = forked_cli.run(
        [*DRILL[:-1], "jobs", "--all"], capture_output=True, text=True, env=env, timeout=120
    )
    forged = [line for line in listed.stdout.splitlines() if "FORGED" in line]
    assert forged and all("\\r\\nFORGED" in line for line in forged), listed.stdout
    directory = done.stdout.strip().splitlines()[-1].rsplit("report in ", 1)[1]
    html = (Path(directory) / "report.html").read_text()
    assert [c for c in html if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F] == []
    assert "Copy failed \\x1b]0;PWNED\\x07\\x1b[2J\\r\\nFORGED: drill PASSED" in html


def test_a_failed_restore_that_made_its_resource_is_cleaned_up_with_the_rest(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """AWS may end a restore FAILED after making its resource (an RDS instance left in
    incompatible-restore), and then names it: the drill deletes it with what else it made, and
    history counts nothing left (it was neither deleted nor counted)."""
    sb, info = sandbox
    recovery = info.accounts["recovery"]
    table = sb.client("dynamodb", info.accounts["prod"], EU).describe_table(
        TableName="prod-sessions"
    )["Table"]["TableArn"]
    sb.inject_restore_failure_after_create(table, "Restore failed: incompatible-restore")
    path = table_runbook(tmp_path, info, "evidence-failed-made")
    env = env_for(sb, info, tmp_path)
    done = drill(env, "run", str(path), "--yes", "--json", "--poll-interval", "0.1")
    assert done.returncode == 1 and result_of(done)["verdict"] == "failed", done.stderr
    tables = sb.client("dynamodb", recovery, EU).list_tables()["TableNames"]
    assert "evidence-failed-made" not in tables  # made by the failed restore, then deleted
    report = json.loads((Path(result_of(done)["report_dir"]) / "report.json").read_text())
    (target,) = report["targets"]
    deleted = [c for c in target["cleanup"] if c["kind"] == "resource"]
    assert deleted and all(c["deleted"] for c in deleted), target["cleanup"]
    assert deleted[0]["arn"].endswith("table/evidence-failed-made")
    listed = drill(env, "history", "--json")
    (run,) = [r for r in json.loads(listed.stdout)["runs"] if r["run_id"] == report["run_id"]]
    assert run["left"] == 0
