"""`drconsole drill run|resume|cleanup|history` as a user runs them, against the demo sandbox at a
high time scale: restored in the recovery account and Region (checked with plain boto3), cleaned up,
evidence written; an impossible objective, a failing check and a failing validation command fail
their target; a drill killed mid-copy resumes with no job started twice."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests import forked_cli

EU, NORTH = "eu-central-1", "eu-north-1"
PAYMENTS = Path(__file__).resolve().parent.parent / "examples" / "runbooks" / "payments.yaml"
DRILL = [sys.executable, "-m", "drconsole", "drill"]
TIMEOUT = 180


def demo_sandbox() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    """The demo scenario, its jobs ten times faster than the console's demo (one per module)."""
    sb, info = start_sandbox("demo", SandboxOptions(time_scale=600))
    yield sb, info
    sb.stop()


sandbox = pytest.fixture(scope="module", name="sandbox")(demo_sandbox)


def killed_once(
    env: dict[str, str],
    runbook: Path,
    journal: Path,
    holds: Callable[[str], bool],
    what: str,
    poll: str = "0.1",
) -> str:
    """`drill run` killed with SIGKILL as soon as the text of `journal` `holds` (what it
    waits for: `what`); that text."""
    process = subprocess.Popen(
        [*DRILL, "run", str(runbook), "--yes", "--json", "--poll-interval", poll],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    text = ""
    while time.monotonic() < deadline and not holds(text):
        text = journal.read_text() if journal.exists() else ""
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert holds(text), f"drill run was not killed in time: {what}"
    return text


def table_runbook(tmp_path: Path, info: ScenarioInfo, table: str, validate: str = "") -> Path:
    """One DynamoDB target, copied from the backup account into the recovery account and
    restored as `table` (validated by `validate`, a runbook's YAML mapping, when given)."""
    return _runbook(
        tmp_path,
        info,
        "",
        '  - name: table\n    resource: {account: "PROD", type: DynamoDB, name: prod-sessions}\n'
        f"    metadata: {{targetTableName: {table}}}\n"
        + (f"    validate: {validate}\n" if validate else ""),
    )


def killed_in_validation(env: dict[str, str], runbook: Path, home: Path) -> str:
    """`drill run` killed once its builtin validation passed (the command one runs); the drill
    journal's text."""
    drills = home / "state" / "drconsole" / "drills" / "journal.jsonl"
    marker = '"kind": "builtin"'
    return killed_once(env, runbook, drills, lambda text: marker in text, "builtin validation")


def killed_mid_copy(sb: Sandbox, env: dict[str, str], runbook: Path, home: Path) -> str:
    """`drill run` of three targets killed once their three copy jobs have started and before
    any restore; the flow journal's text."""
    flows = home / "state" / "drconsole" / "journal.jsonl"
    sb.options.time_scale = 40  # copies last a few seconds: long enough to be killed in
    try:
        text = killed_once(
            env,
            runbook,
            flows,
            lambda text: text.count('"type": "job"') >= 3,
            "three copies started",
            poll="0.2",
        )
    finally:
        sb.options.time_scale = 600
    started = [line for line in text.splitlines() if '"step": "restore"' in line]
    assert not [line for line in started if '"type": "start"' in line or '"job"' in line]
    return text


def killed_mid_restore(
    sb: Sandbox, env: dict[str, str], runbook: Path, home: Path, time_scale: float = 20
) -> str:
    """`drill run` killed once a restore job has started, the sandbox slowed down so that it
    still runs then (at `time_scale`, a restore lasts about 150/time_scale seconds); the flow
    journal's text."""
    return killed_once_started(sb, env, runbook, home, "restore", time_scale)


def killed_once_started(
    sb: Sandbox, env: dict[str, str], runbook: Path, home: Path, step: str, time_scale: float
) -> str:
    """`drill run` killed once a job of `step` (hop1, restore) has started, the sandbox slowed
    down to `time_scale` meanwhile (a copy lasts about 80/time_scale seconds); the flow
    journal's text."""
    flows = home / "state" / "drconsole" / "journal.jsonl"

    def started(text: str) -> bool:
        return any(
            '"type": "job"' in line and f'"step": "{step}"' in line for line in text.splitlines()
        )

    sb.options.time_scale = time_scale
    try:
        return killed_once(env, runbook, flows, started, f"a {step} job started", poll="0.2")
    finally:
        sb.options.time_scale = 600


def env_for(sb: Sandbox, info: ScenarioInfo, home: Path) -> dict[str, str]:
    credentials = sb.credentials_for(info.accounts["management"])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "XDG_"))}
    env.update(
        AWS_ENDPOINT_URL=sb.endpoint_url,
        AWS_ACCESS_KEY_ID=credentials["aws_access_key_id"],
        AWS_SECRET_ACCESS_KEY=credentials["aws_secret_access_key"],
        AWS_REGION=EU,
        XDG_STATE_HOME=str(home / "state"),
        XDG_CONFIG_HOME=str(home / "config"),
    )
    return env


def drill(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return forked_cli.run(
        [*DRILL, *args], capture_output=True, text=True, env=env, timeout=TIMEOUT, check=False
    )


def result_of(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    last = json.loads(done.stdout.strip().splitlines()[-1])
    assert last["event"] == "result", done.stdout[-2000:]
    return dict(last)


def restore_jobs(sb: Sandbox, account: str) -> list[dict[str, Any]]:
    jobs = sb.client("backup", account, EU).list_restore_jobs()["RestoreJobs"]
    return list(jobs)


def copy_jobs(sb: Sandbox, account: str) -> list[dict[str, Any]]:
    return [
        job
        for region in (EU, NORTH)
        for job in sb.client("backup", account, region).list_copy_jobs()["CopyJobs"]
    ]


def gone(sb: Sandbox, account: str, arn: str) -> bool:
    """Asked with the service's own API: the restored resource no longer exists."""
    name = arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    try:
        if ":cluster:" in arn:
            sb.client("rds", account, EU).describe_db_clusters(DBClusterIdentifier=name)
        elif ":table/" in arn:
            sb.client("dynamodb", account, EU).describe_table(TableName=name)
        elif arn.startswith("arn:aws:s3:::"):
            sb.client("s3", account, EU).head_bucket(Bucket=arn.split(":::", 1)[1])
        else:
            raise AssertionError(arn)
    except Exception as exc:
        return "NotFound" in type(exc).__name__ or "404" in str(exc) or "not found" in str(exc)
    return False


def test_the_example_drill_passes_restores_in_the_recovery_target_and_cleans_up(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    recovery = info.accounts["recovery"]
    env = env_for(sb, info, tmp_path)
    junit = tmp_path / "out.xml"
    before = {j["RestoreJobId"] for j in restore_jobs(sb, recovery)}
    done = drill(
        env,
        "run",
        str(PAYMENTS),
        "--yes",
        "--json",
        "--junit",
        str(junit),
        "--poll-interval",
        "0.1",
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    result = result_of(done)
    assert result["verdict"] == "passed"
    assert {t["target"] for t in result["targets"]} == {"payments-db", "receipts", "sessions"}

    # One restore job per target, in the recovery account and eu-central-1, each COMPLETED.
    new = [j for j in restore_jobs(sb, recovery) if j["RestoreJobId"] not in before]
    assert len(new) == 3 and all(j["Status"] == "COMPLETED" for j in new)
    created = [j["CreatedResourceArn"] for j in new]
    assert all(f":{EU}:{recovery}:" in arn or arn.startswith("arn:aws:s3:::") for arn in created)
    # Clean-up deleted every restored resource and every copy the drill made.
    assert all(gone(sb, recovery, arn) for arn in created)
    copies = sb.client("backup", recovery, EU).list_recovery_points_by_backup_vault(
        BackupVaultName="recovery-vault"
    )["RecoveryPoints"]
    report_dir = Path(result["report_dir"])
    report = json.loads((report_dir / "report.json").read_text())
    made = {c["arn"] for t in report["targets"] for c in t["cleanup"]}
    assert set(created) <= made
    assert not made & {p["RecoveryPointArn"] for p in copies}
    assert all(c["deleted"] for t in report["targets"] for c in t["cleanup"])

    # The evidence.
    assert report["schema"] == "drconsole.drill-report/1" and report["verdict"] == "passed"
    assert report["runbook"]["name"] == "payments" and len(report["runbook"]["sha256"]) == 64
    assert report["operator"].startswith("arn:aws:")
    assert [m["step"] for m in report["manual_steps"]] == ["announce", "app-check"]
    assert not any(m["performed"] for m in report["manual_steps"])
    for target in report["targets"]:
        assert target["verdict"] == "passed" and target["rto_met"] and target["rpo_met"]
        assert 0 < target["rto_seconds"] < 120 and target["rpo_seconds"] > 3600
        steps = [s["step"] for s in target["timeline"]]
        assert steps[-1] == "validation" and "hop1" in steps and "restore" in steps
        kinds = [j["kind"] for j in target["jobs"]]
        assert kinds == ["copy", "restore"] and all(j["created"] for j in target["jobs"])
        total = sum(s["seconds"] for s in target["timeline"])
        assert abs(total - target["rto_seconds"]) < 0.05
        assert set(target["rto_by"]) >= {"aws", "drconsole", "validation"}
    db = next(t for t in report["targets"] if t["target"] == "payments-db")
    assert [v["kind"] for v in db["validations"]] == ["builtin", "command"]
    # The sandbox's restores carry the source's data, and the validation compared it.
    for name, measure in (("receipts", "object_count"), ("sessions", "item_count")):
        (builtin,) = next(t for t in report["targets"] if t["target"] == name)["validations"]
        assert builtin["passed"] and builtin["measures"][measure] >= 3
        assert builtin["source"]["measures"][measure] == builtin["measures"][measure]
    html = (report_dir / "report.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html
    assert html.count("<svg") >= 3 and "payments-db" in html and "RTO objective" in html
    assert env["AWS_SECRET_ACCESS_KEY"] not in html + (report_dir / "report.json").read_text()

    # The page opens in a real headless browser, which draws the timelines.
    chromium = shutil.which("chromium")
    assert chromium, "chromium is missing: run scripts/ensure-system-tools.sh"
    browser = [chromium, "--headless", "--no-sandbox", "--disable-gpu"]
    page = (report_dir / "report.html").as_uri()
    dom = subprocess.run(
        [*browser, "--dump-dom", page], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert "Restore drill payments" in dom and dom.count("<rect") >= 3 * 6
    shot = tmp_path / "report.png"
    subprocess.run(
        [*browser, f"--screenshot={shot}", "--window-size=1100,1800", page],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000

    from junitparser import JUnitXml

    suites = list(JUnitXml.fromfile(str(junit)))
    cases = [case for suite in suites for case in suite]
    assert sorted(case.name for case in cases) == ["payments-db", "receipts", "sessions"]
    assert all(case.is_passed for case in cases)

    history = drill(env, "history", "payments", "--json")
    assert history.returncode == 0, history.stderr
    runs = json.loads(history.stdout)["runs"]
    assert [r["run_id"] for r in runs] == [result["run"]] and runs[0]["verdict"] == "passed"


def _runbook(tmp_path: Path, info: ScenarioInfo, extra: str, targets: str) -> Path:
    backup, qa, prod = info.accounts["backup"], info.accounts["qa"], info.accounts["prod"]
    recovery = info.accounts["recovery"]
    path = tmp_path / "drill.yaml"
    path.write_text(
        f"name: edge\ncleanup: always\n{extra}"
        f'source: {{account: "{backup}", region: {EU}, vault: central-eu-central-1}}\n'
        f'restore_to: {{account: "{recovery}", region: {EU}, vault: recovery-vault}}\n'
        "targets:\n" + targets.replace("PROD", prod).replace("QA", qa)
    )
    return path


def test_an_impossible_objective_a_failing_check_and_a_failing_command_fail_their_target(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    path = _runbook(
        tmp_path,
        info,
        "objectives: {rto: 1s}\n",
        '  - name: table\n    resource: {account: "PROD", type: DynamoDB, name: prod-sessions}\n'
        "    metadata: {targetTableName: edge-table}\n"
        '  - name: denied\n    resource: {account: "PROD", type: EFS, name: prod-shared-files}\n'
        '    restore_to: {account: "QA", vault: qa-archive-vault}\n'
        '  - name: files\n    resource: {account: "PROD", type: S3, name: prod-assets}\n'
        "    objectives: {rto: 1h}\n"
        "    validate: {command: 'echo checking $DRILL_RESOURCE_ID; exit 4', timeout: 30s}\n",
    )
    done = drill(env_for(sb, info, tmp_path), "run", str(path), "--yes", "--json")
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr
    targets = {t["target"]: t for t in result_of(done)["targets"]}
    table, denied, files = targets["table"], targets["denied"], targets["files"]
    assert table["verdict"] == "failed" and table["cause"] == "RTO_OBJECTIVE"
    assert (
        table["failures"][0].startswith("RTO ")
        and "misses its objective 1.0s" in (table["failures"][0])
    )
    assert denied["cause"] == "VAULT_POLICY_DENIES_COPY" and denied["rto_seconds"] is None
    assert files["verdict"] == "failed"
    assert files["failures"] == ["validation command failed: exit 4"]
    report = json.loads((Path(result_of(done)["report_dir"]) / "report.json").read_text())
    command = next(v for t in report["targets"] for v in t["validations"] if v["kind"] == "command")
    assert command["output"].startswith("checking prod-assets-restored-")
    # cleanup: always deleted what was restored even though the drill failed.
    restored = [t["created_resource"] for t in report["targets"] if t["created_resource"]]
    recovery = info.accounts["recovery"]
    assert len(restored) == 2 and all(gone(sb, recovery, arn) for arn in restored)


def test_clean_up_never_deletes_what_the_drill_did_not_create(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """A name taken while the copy runs: the restore is checked again right before it and
    blocked; clean-up deletes the copy the drill made and never the look-alike."""
    sb, info = sandbox
    recovery = info.accounts["recovery"]
    path = table_runbook(tmp_path, info, "lookalike-table")
    env = env_for(sb, info, tmp_path)
    flows = tmp_path / "state" / "drconsole" / "journal.jsonl"
    sb.options.time_scale = 40  # the copy lasts a few seconds: the name is taken meanwhile
    try:
        process = subprocess.Popen(
            [*DRILL, "run", str(path), "--yes", "--json", "--poll-interval", "0.2"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not (
            flows.exists() and '"type": "job"' in flows.read_text()
        ):
            time.sleep(0.05)
        # A look-alike planted in the restore account: same name the restore will ask for.
        ddb = sb.client("dynamodb", recovery, EU)
        ddb.create_table(
            TableName="lookalike-table",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        stdout, stderr = process.communicate(timeout=TIMEOUT)
    finally:
        sb.options.time_scale = 600
    done = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    result = result_of(done)
    assert done.returncode == 1 and result["verdict"] == "failed", stdout[-3000:] + stderr
    assert ddb.describe_table(TableName="lookalike-table")["Table"]["TableStatus"] == "ACTIVE"
    report = json.loads((Path(result["report_dir"]) / "report.json").read_text())
    target = report["targets"][0]
    assert target["created_resource"] is None and target["cause"] == "RESOURCE_ALREADY_EXISTS"
    assert "lookalike-table already exists" in target["failures"][0]
    assert [j["kind"] for j in target["jobs"]] == ["copy"]
    # Only the copy it made was deleted; the look-alike table was never asked for.
    assert [c["kind"] for c in target["cleanup"]] == ["recovery-point"]
    assert "lookalike" not in json.dumps(target["cleanup"])
    assert drill(env, "cleanup", result["run"]).returncode == 0
    assert ddb.describe_table(TableName="lookalike-table")["Table"]["TableStatus"] == "ACTIVE"


def test_a_taken_restore_name_blocks_its_target_with_resource_already_exists(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """The restore check `restore.target-name` gives its cause to the drill: plan and run
    block the target with RESOURCE_ALREADY_EXISTS (not UNKNOWN), after a copy or in place."""
    sb, info = sandbox
    backup, recovery = info.accounts["backup"], info.accounts["recovery"]
    path = _runbook(
        tmp_path,
        info,
        "",
        '  - name: copied\n    resource: {account: "PROD", type: DynamoDB, name: prod-sessions}\n'
        "    metadata: {targetTableName: taken-after-copy}\n"
        '  - name: in-place\n    resource: {account: "PROD", type: DynamoDB, name: prod-sessions}\n'
        f'    restore_to: {{account: "{backup}", region: {EU}, vault: central-eu-central-1}}\n'
        "    metadata: {targetTableName: taken-in-place}\n"
        # In place is in the backup account, which a runbook must state to drill there.
        "    allow_backup_account_restore: true\n",
    )
    for account, table in ((recovery, "taken-after-copy"), (backup, "taken-in-place")):
        sb.client("dynamodb", account, EU).create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    env = env_for(sb, info, tmp_path)
    restores_before = {account: len(restore_jobs(sb, account)) for account in (backup, recovery)}

    plan = drill(env, "plan", str(path), "--json")
    assert plan.returncode == 1, plan.stdout[-2000:] + plan.stderr
    planned = {t["target"]: t for t in json.loads(plan.stdout)["targets"]}
    for name, account, table in (
        ("copied", recovery, "taken-after-copy"),
        ("in-place", backup, "taken-in-place"),
    ):
        assert not planned[name]["ok"] and planned[name]["cause"] == "RESOURCE_ALREADY_EXISTS"
        assert (
            f"DynamoDB table {table} already exists in account {account}"
            in (planned[name]["message"])
        )

    done = drill(env, "run", str(path), "--yes", "--json")
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr
    result = result_of(done)
    assert {t["target"]: t["cause"] for t in result["targets"]} == {
        "copied": "RESOURCE_ALREADY_EXISTS",
        "in-place": "RESOURCE_ALREADY_EXISTS",
    }
    report = json.loads((Path(result["report_dir"]) / "report.json").read_text())
    for target in report["targets"]:
        assert target["cause"] == "RESOURCE_ALREADY_EXISTS" and target["verdict"] == "failed"
        assert "restore.target-name FAIL" in target["failures"][0]
        assert target["created_resource"] is None
    # No restore was sent, in either account; the tables that hold the names are untouched.
    for account, table in ((recovery, "taken-after-copy"), (backup, "taken-in-place")):
        assert len(restore_jobs(sb, account)) == restores_before[account]
        described = sb.client("dynamodb", account, EU).describe_table(TableName=table)
        assert described["Table"]["TableStatus"] == "ACTIVE"


def test_a_restore_the_plan_sees_blocked_starts_no_copy_while_the_other_targets_run(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """A taken name in the recovery account blocks the target before its copy: no copy job is
    started for it (asked in the backup and the recovery account), with the plan's own cause,
    evidence and remediation, while the drill's other target is copied, restored and passes."""
    sb, info = sandbox
    backup, recovery = info.accounts["backup"], info.accounts["recovery"]
    path = _runbook(
        tmp_path,
        info,
        "",
        '  - name: blocked\n    resource: {account: "PROD", type: DynamoDB, name: prod-sessions}\n'
        "    metadata: {targetTableName: taken-before-copy}\n"
        '  - name: files\n    resource: {account: "PROD", type: S3, name: prod-assets}\n',
    )
    sb.client("dynamodb", recovery, EU).create_table(
        TableName="taken-before-copy",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    env = env_for(sb, info, tmp_path)
    plan = drill(env, "plan", str(path), "--json")
    planned = {t["target"]: t for t in json.loads(plan.stdout)["targets"]}["blocked"]
    assert planned["cause"] == "RESOURCE_ALREADY_EXISTS", plan.stdout[-2000:]
    (planned_check,) = [
        c for step in planned["checks"] for c in step["checks"] if c["status"] == "FAIL"
    ]
    copies_before = {j["CopyJobId"] for a in (backup, recovery) for j in copy_jobs(sb, a)}

    done = drill(env, "run", str(path), "--yes", "--json", "--poll-interval", "0.1")
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr
    result = result_of(done)
    verdicts = {t["target"]: (t["verdict"], t["cause"]) for t in result["targets"]}
    assert verdicts == {
        "blocked": ("failed", "RESOURCE_ALREADY_EXISTS"),
        "files": ("passed", None),
    }
    report = json.loads((Path(result["report_dir"]) / "report.json").read_text())
    targets = {t["target"]: t for t in report["targets"]}
    blocked, files = targets["blocked"], targets["files"]
    # Plain boto3, in the source account and Region and in the destination: the blocked
    # target's recovery point was never copied; the other target's was, once.
    new_copies = [
        j
        for a in (backup, recovery)
        for j in copy_jobs(sb, a)
        if j["CopyJobId"] not in copies_before
    ]
    sources = [j["SourceRecoveryPointArn"] for j in new_copies]
    assert blocked["recovery_point"]["recovery_point"] not in sources
    assert files["recovery_point"]["recovery_point"] in sources
    # Blocked as the plan said: its cause, evidence and remediation; no job, nothing to clean.
    assert blocked["verdict"] == "failed" and blocked["cause"] == "RESOURCE_ALREADY_EXISTS"
    assert blocked["failures"] == [planned["message"]]
    assert planned_check["evidence"] in planned["message"]
    (checked,) = blocked["checks"]
    assert checked["step"] == "restore" and not checked["ok"]
    (failed,) = checked["failed"]
    assert (failed["id"], failed["cause"], failed["evidence"], failed["remediation"]) == (
        planned_check["id"],
        planned_check["cause"],
        planned_check["evidence"],
        planned_check["remediation"],
    )
    assert blocked["jobs"] == [] and blocked["cleanup"] == []
    assert blocked["created_resource"] is None and blocked["validations"] == []
    assert files["verdict"] == "passed" and [j["kind"] for j in files["jobs"]] == [
        "copy",
        "restore",
    ]


def test_read_only_refuses_a_drill_before_any_call(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    done = drill(env_for(sb, info, tmp_path), "--read-only", "run", str(PAYMENTS), "--yes")
    assert done.returncode == 2
    assert done.stderr.startswith("drconsole: read-only mode is on: a drill starts copy")
    assert not (tmp_path / "state").exists()


def test_a_drill_killed_mid_copy_resumes_through_jobs_and_drill_resume_with_no_job_twice(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    backup, recovery = info.accounts["backup"], info.accounts["recovery"]
    env = env_for(sb, info, tmp_path)
    copies_before = {j["CopyJobId"] for j in copy_jobs(sb, backup)}
    restores_before = {j["RestoreJobId"] for j in restore_jobs(sb, recovery)}
    killed_mid_copy(sb, env, PAYMENTS, tmp_path)
    drills = tmp_path / "state" / "drconsole" / "drills" / "journal.jsonl"
    run_id = json.loads(drills.read_text().splitlines()[0])["flow"]
    # `jobs --resume` finishes the drill's flows and says how the drill itself goes on.
    jobs = forked_cli.run(
        [sys.executable, "-m", "drconsole", "jobs", "--resume", "--poll-interval", "0.1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT,
        check=False,
    )
    assert jobs.returncode == 0, jobs.stdout[-2000:] + jobs.stderr
    assert f"`drconsole drill resume {run_id}`" in jobs.stdout
    done = drill(env, "resume", run_id, "--yes", "--json", "--poll-interval", "0.1")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    result = result_of(done)
    assert result["run"] == run_id and result["verdict"] == "passed"
    report = json.loads((Path(result["report_dir"]) / "report.json").read_text())
    assert report["interrupted"] and report["interrupted_seconds"] > 0
    # Exactly one copy job per target and one restore job per target, those of the journal.
    new_copies = [j for j in copy_jobs(sb, backup) if j["CopyJobId"] not in copies_before]
    new_restores = [
        j for j in restore_jobs(sb, recovery) if j["RestoreJobId"] not in restores_before
    ]
    assert sorted(j["SourceRecoveryPointArn"] for j in new_copies) == sorted(
        t["recovery_point"]["recovery_point"] for t in report["targets"]
    )
    assert len(new_restores) == 3
    journaled = {j["job_id"] for t in report["targets"] for j in t["jobs"]}
    assert journaled == {j["CopyJobId"] for j in new_copies} | {
        j["RestoreJobId"] for j in new_restores
    }


def test_a_drill_killed_during_validation_resumes_without_restoring_again(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    backup, recovery = info.accounts["backup"], info.accounts["recovery"]
    path = table_runbook(
        tmp_path, info, "validated-table", validate="{command: 'sleep 3', timeout: 1m}"
    )
    env = env_for(sb, info, tmp_path)
    copies_before = {j["CopyJobId"] for j in copy_jobs(sb, backup)}
    restores_before = {j["RestoreJobId"] for j in restore_jobs(sb, recovery)}
    # the builtin validation passed: the command validation is running now
    text = killed_in_validation(env, path, tmp_path)
    assert '"kind": "command"' not in text
    run_id = json.loads(text.splitlines()[0])["flow"]
    done = drill(env, "resume", run_id, "--yes", "--json")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    report = json.loads((Path(result_of(done)["report_dir"]) / "report.json").read_text())
    (target,) = report["targets"]
    assert [v["kind"] for v in target["validations"]] == ["builtin", "command"]
    assert report["interrupted"] and target["verdict"] == "passed"
    assert len([j for j in copy_jobs(sb, backup) if j["CopyJobId"] not in copies_before]) == 1
    assert (
        len([j for j in restore_jobs(sb, recovery) if j["RestoreJobId"] not in restores_before])
        == 1
    )
