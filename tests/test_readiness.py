"""Readiness of the demo organization: the five faults, their repairs, UNKNOWN and AT RISK.

One demo sandbox for the module, evaluated in-process; the tests run in order and the repair
test changes the organization, so the read-only tests come first.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from drconsole.aws.fixes import apply_fix
from drconsole.aws.session import AwsSessions
from drconsole.checks import remedies
from drconsole.checks.fixes import plan_fix
from drconsole.commands._readiness_output import print_tables
from drconsole.config import Credentials, Settings
from drconsole.drills.journal import DrillJournal
from drconsole.models import CauseCode
from drconsole.readiness import (
    CopyCheckRun,
    ReadinessRow,
    RpoObjectives,
    Verdict,
    evaluate_readiness,
    reevaluate_row,
)
from drconsole.readiness.engine import objectives_of
from drconsole.readiness.objectives import runbook_objectives
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests import forked_cli

# The demo backs Non-Prod up every two or three days (its own config says 3d too).
OBJECTIVES = RpoObjectives(timedelta(hours=24), (("Non-Prod", timedelta(days=3)),))
EU = "eu-central-1"
OBJECTIVE_TEXT = (("Non-Prod", "3d"),)
WEB_RUNBOOK = """name: web
objectives: {{rpo: 36h, rto: 2h}}
source: {{account: "{backup}", region: eu-north-1}}
restore_to: {{account: "{recovery}", region: eu-central-1, vault: recovery-vault}}
targets:
  - name: web-data
    resource: {{account: "{prod}", type: EBS, name: prod-web-data}}
    objectives: {{rpo: 1m}}
  - name: shared-files
    resource: {{account: "{prod}", type: EFS, name: prod-shared-files}}
"""


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    try:
        yield sandbox, info
    finally:
        sandbox.stop()
        sandbox.reset()


@pytest.fixture(scope="module")
def sessions(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path_factory: pytest.TempPathFactory
) -> AwsSessions:
    """One set of sessions for the module: its clients are made once."""
    sandbox, info = demo
    return AwsSessions(
        Settings(
            regions=(info.region, info.dr_region),
            endpoint_url=sandbox.endpoint_url,
            static_credentials=Credentials.from_mapping(
                sandbox.credentials_for(info.accounts["management"])
            ),
            management_account_id=info.accounts["management"],
            state_dir=tmp_path_factory.mktemp("state"),
            retry_max_attempts=2,
        )
    )


def rows_by_name(sessions: AwsSessions) -> dict[str, ReadinessRow]:
    report = evaluate_readiness(sessions, objectives=OBJECTIVES)
    return {row.account_name: row for row in report.rows}


def test_each_fault_makes_its_row_not_ready(sessions: AwsSessions, demo: Any) -> None:
    _, info = demo
    streamed: list[str] = []
    report = evaluate_readiness(
        sessions, objectives=OBJECTIVES, on_row=lambda row: streamed.append(row.account_name)
    )
    rows = {row.account_name: row for row in report.rows}
    # Workload accounts with protected resources only: not management, backup nor recovery.
    assert sorted(streamed) == sorted(rows) == ["dev", "prod", "qa"]
    assert all(row.region == EU and row.verdict is Verdict.NOT_READY for row in rows.values())
    assert not report.ready and report.calls > 0
    assert rows["dev"].causes == (CauseCode.SERVICE_LINKED_ROLE_MISSING,)
    assert rows["prod"].causes == (CauseCode.AWS_MANAGED_RESOURCE_KEY,)
    assert set(rows["qa"].causes) == {
        CauseCode.VAULT_POLICY_DENIES_COPY,
        CauseCode.DEST_VAULT_AWS_MANAGED_KEY,
        CauseCode.SOURCE_KEY_NOT_SHARED,
    }
    # Each fault is found where it is: the vault, the key, the resource, the account.
    found = {
        (
            f.check.cause,
            f.destination_vault_arn if f.direction == "copy-back" else f.source_vault_arn,
        )
        for row in rows.values()
        for f in row.findings()
    }
    assert (CauseCode.DEST_VAULT_AWS_MANAGED_KEY, info.faults["vault_aws_managed_key"]) in found
    assert (
        CauseCode.VAULT_POLICY_DENIES_COPY,
        info.faults["vault_without_access_policy"],
    ) in found
    qa_key = next(
        f for f in rows["qa"].findings() if f.check.cause is CauseCode.SOURCE_KEY_NOT_SHARED
    )
    assert info.faults["source_key_not_shared"] in qa_key.check.evidence
    assert qa_key.check.fix_id == remedies.FIX_KEY_POLICY
    # The protected resources, their current RPO and copies; the two faulty resources have none.
    prod = rows["prod"]
    assert prod.protected == 8 and prod.over_objective == 0
    assert [r.resource_name for r in prod.without_copy] == ["prod-legacy-data"]
    assert [r.resource_name for r in rows["qa"].without_copy] == ["qa-analytics-data"]
    copies = {r.resource_name: r.dr_copy for r in prod.resources}
    web = copies["prod-web-data"]
    # Of the copies of one backup, the one in the other Region stands for the resource.
    assert web is not None and web.region == info.dr_region
    # The people's output: a line per row, then each row's findings once per vault pair.
    screen = io.StringIO()
    print_tables(report, Console(file=screen, width=250, color_system=None))
    text = screen.getvalue()
    assert text.count("NOT READY") >= 6 and "3 NOT READY, 0 UNKNOWN, 0 AT RISK, 0 READY" in text
    assert "copy-back Aurora, EBS, EC2, RDS" in text  # qa-legacy-vault, for every type at once
    assert "Fix: In account" in text and "(the whole fix: --json or --html)" in text
    apply = f"drconsole check copy --recovery-point {qa_key.runs[0].recovery_point_arn} --to"
    assert f"drconsole applies it: {apply}" in text
    # prod's databases reach prod-vault from eu-north-1 in two hops: not held against it.
    assert {run.hops for run in prod.copy_back if run.resource_type in ("RDS", "Aurora")} == {1, 2}


def test_copies_in_the_dr_region_count_for_rows_of_another(
    sessions: AwsSessions, demo: Any
) -> None:
    _, info = demo
    # Rows of eu-central-1 only, as `--region eu-central-1` asks; eu-north-1 is a DR Region.
    settings = replace(sessions.settings, regions=(EU,), dr_regions=(info.dr_region,))
    report = evaluate_readiness(AwsSessions(settings), accounts=["prod"], objectives=OBJECTIVES)
    (prod,) = report.rows
    assert report.scope.regions == (EU,) and prod.region == EU
    copies = {r.resource_name: r.dr_copy for r in prod.resources}
    assert [r.resource_name for r in prod.without_copy] == ["prod-legacy-data"]
    web = copies["prod-web-data"]
    assert web is not None and web.region == info.dr_region


def test_access_denied_account_is_unknown(sessions: AwsSessions, demo: Any) -> None:
    sandbox, info = demo
    sandbox.options.access_denied_accounts = {info.accounts["dev"]}
    try:
        report = evaluate_readiness(sessions, objectives=OBJECTIVES, accounts=["dev", "prod"])
    finally:
        sandbox.options.access_denied_accounts = set()
    # Whether dev protects anything in either Region is unknown: both rows say so, never READY.
    dev = [row for row in report.rows if row.account_name == "dev"]
    assert [row.region for row in dev] == [info.region, info.dr_region]
    for row in dev:
        assert row.verdict is Verdict.UNKNOWN and row.causes == (CauseCode.ROLE_PERMISSIONS,)
        assert "AccessDenied" in row.unreadable[0]
    # The other account is judged as before.
    (prod,) = [row for row in report.rows if row.account_name == "prod"]
    assert prod.verdict is Verdict.NOT_READY


def test_newest_passing_drill_covers_its_resource(sessions: AwsSessions, tmp_path: Path) -> None:
    """Drill history as `drill run` leaves it: the journal and each run's report.json."""
    web = next(
        r for r in rows_by_name(sessions)["prod"].resources if r.resource_name == "prod-web-data"
    )
    journal = DrillJournal(sessions.settings.state_dir)
    for run_id, finished, verdict in (
        ("20261201T010000Z-aaaaaa", "2026-12-01T01:30:00+00:00", "passed"),
        ("20261202T010000Z-bbbbbb", "2026-12-02T01:30:00+00:00", "passed"),
        ("20261202T090000Z-cccccc", "2026-12-02T09:30:00+00:00", "failed"),
    ):
        folder = tmp_path / run_id
        folder.mkdir()
        target = {"verdict": verdict, "recovery_point": {"resource_arn": web.resource_arn}}
        (folder / "report.json").write_text(
            json.dumps(
                {
                    "run_id": run_id,
                    "finished": finished,
                    "runbook": {"name": "web"},
                    "targets": [target],
                }
            )
        )
        journal.append(run_id, "drill-start", runbook="web", started=finished, targets=["web"])
        journal.append(run_id, "drill-end", finished=finished, report_dir=str(folder))
    # Its runbook asks for a one-minute RPO: the runbook's objective holds for it alone.
    runbooks = tmp_path / "runbooks"
    runbooks.mkdir()
    (runbooks / "web.yaml").write_text(
        WEB_RUNBOOK.format(backup="1" * 12, recovery="2" * 12, prod=web.resource_arn.split(":")[4])
    )
    (runbooks / "broken.yaml").write_text("name: [")
    settings = replace(sessions.settings, runbooks_dir=runbooks, rpo_objectives=OBJECTIVE_TEXT)
    report = evaluate_readiness(sessions, accounts=["prod"], objectives=objectives_of(settings))
    (prod,) = report.rows
    drilled = {r.resource_name: r.drill for r in prod.resources if r.drill is not None}
    # The newest passing run, not the newer failed one.
    assert list(drilled) == ["prod-web-data"] and prod.drilled == 1
    assert drilled["prod-web-data"].run_id == "20261202T010000Z-bbbbbb"
    late = {r.resource_name: r.rpo_objective for r in prod.resources if r.over_objective}
    assert late == {"prod-web-data": timedelta(minutes=1)} and prod.over_objective == 1
    # The runbook's 36h does not relax prod's configured 24h for the other target; the row
    # says which runbook's objective was used.
    objective = {r.resource_name: r.rpo_objective for r in prod.resources}
    assert objective["prod-shared-files"] == timedelta(hours=24)
    used = {r.resource_name: (r.rpo_objective, r.rpo_objective_runbook) for r in prod.resources}
    assert used["prod-shared-files"] == (timedelta(hours=24), None)
    assert used["prod-web-data"] == (timedelta(minutes=1), "web")
    out = io.StringIO()
    print_tables(report, Console(file=out, width=200, highlight=False))
    assert "objective 1m (runbook web) [RPO_EXCEEDED]" in out.getvalue()
    assert "1 resource(s) held to their runbook's stricter objective" in out.getvalue()


def test_cli_json_and_html(demo: Any, tmp_path: Path) -> None:
    """One run of the real CLI: the JSON document, the exit code, the HTML in a real browser."""
    sandbox, info = demo
    config = tmp_path / "config" / "drconsole"
    config.mkdir(parents=True)
    (config / "config.toml").write_text(
        f'regions = ["{info.region}", "{info.dr_region}"]\n[rpo_objectives]\n"Non-Prod" = "3d"\n'
    )
    keys = sandbox.credentials_for(info.accounts["management"])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "XDG_"))}
    env.update(
        AWS_ENDPOINT_URL=sandbox.endpoint_url,
        AWS_ACCESS_KEY_ID=keys["aws_access_key_id"],
        AWS_SECRET_ACCESS_KEY=keys["aws_secret_access_key"],
        AWS_REGION=EU,
        AWS_MAX_ATTEMPTS="2",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_STATE_HOME=str(tmp_path / "state"),
    )
    page = tmp_path / "readiness.html"
    done = forked_cli.run(
        [
            sys.executable,
            "-m",
            "drconsole",
            "--read-only",
            "readiness",
            "--json",
            "--html",
            str(page),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr  # rows are not READY
    document = json.loads(done.stdout)
    assert document["schema"] == "drconsole.readiness/1" and document["ready"] is False
    assert document["summary"] == {"READY": 0, "AT RISK": 0, "NOT READY": 3, "UNKNOWN": 0}
    rows = {row["account_name"]: row for row in document["rows"]}
    assert rows["dev"]["causes"] == ["SERVICE_LINKED_ROLE_MISSING"]
    assert rows["prod"]["protection"] == {
        "resources": 8,
        "over_objective": 0,
        "with_copy": 7,
        "without_copy": 1,
        "copy_over_objective": 0,
        "copy_unknown": 0,
        "drilled": 0,
    }
    assert rows["qa"]["rpo_objective_seconds"] == 3 * 86400
    failing = [
        check
        for run in rows["dev"]["copy_back"]
        for check in run["checks"]
        if check["status"] == "FAIL"
    ]
    assert failing and all(c["fix"] == remedies.FIX_SERVICE_LINKED_ROLE for c in failing)
    # Checks that passed are named, not spelled out.
    run = rows["dev"]["copy_back"][0]
    assert [c["id"] for c in run["checks"]] == ["dest.service-linked-role"]
    assert "org.cross-account" in run["passed"] and run["status"] == "FAIL"

    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html and "<script>" in html
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", html) and "<link" not in html
    assert keys["aws_secret_access_key"] not in html + done.stdout
    chromium = shutil.which("chromium")
    assert chromium, "chromium is missing: run scripts/ensure-system-tools.sh"
    browser = [chromium, "--headless", "--no-sandbox", "--disable-gpu"]
    dom = subprocess.run(
        [*browser, "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    # The script ran (headings became sortable) and the chart drew a bar per OU.
    assert dom.count('class="sortable"') >= 11 and dom.count("<rect") == 3
    assert "SERVICE_LINKED_ROLE_MISSING" in dom and "NOT READY" in dom
    # A heading sorts the rows: "Protected" twice (descending) puts dev's 7 after the 8s.
    clicking = tmp_path / "sorted.html"
    clicking.write_text(
        html.replace(
            "</body>",
            "<script>var th = document.querySelectorAll('#rows th')[5]; th.click(); th.click();"
            "document.body.dataset.order = Array.from(document.querySelectorAll("
            "'#rows tbody tr')).map(function (r) { return r.cells[0].dataset.sort; }).join();"
            "</script></body>",
        )
    )
    dom = subprocess.run(
        [*browser, "--dump-dom", clicking.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert 'data-order="prod,qa,dev"' in dom


def fix(sessions: AwsSessions, row: ReadinessRow, cause: CauseCode) -> None:
    """Apply drconsole's own fix of the row's first finding with that cause."""
    finding = next(f for f in row.findings() if f.check.cause is cause)
    run = finding.runs[0]
    assert isinstance(run, CopyCheckRun) and run.facts is not None and finding.check.fix_id
    apply_fix(sessions, plan_fix(finding.check.fix_id, run.facts))


def test_repairs_make_every_row_ready(sessions: AwsSessions, demo: Any) -> None:
    sandbox, info = demo
    rows = rows_by_name(sessions)

    # dev: drconsole creates the service-linked role.
    fix(sessions, rows["dev"], CauseCode.SERVICE_LINKED_ROLE_MISSING)
    dev = reevaluate_row(sessions, rows["dev"], objectives=OBJECTIVES)
    assert (dev.verdict, dev.causes) == (Verdict.READY, ())

    # prod: the aws/ebs volume's backups are retired by hand (it is re-encrypted elsewhere).
    prod_backup = sandbox.client("backup", info.accounts["prod"], EU)
    legacy = prod_backup.list_recovery_points_by_resource(
        ResourceArn=next(
            r.resource_arn for r in rows["prod"].resources if r.resource_name == "prod-legacy-data"
        )
    )["RecoveryPoints"]
    for point in legacy:
        prod_backup.delete_recovery_point(
            BackupVaultName=point["BackupVaultName"], RecoveryPointArn=point["RecoveryPointArn"]
        )
    prod = reevaluate_row(sessions, rows["prod"], objectives=OBJECTIVES)
    assert (prod.verdict, prod.causes, prod.protected) == (Verdict.READY, (), 7)

    # qa, one fault after the other: each repair takes its cause away.
    qa = rows["qa"]
    fix(sessions, qa, CauseCode.VAULT_POLICY_DENIES_COPY)
    qa = reevaluate_row(sessions, qa, objectives=OBJECTIVES)
    assert set(qa.causes) == {CauseCode.DEST_VAULT_AWS_MANAGED_KEY, CauseCode.SOURCE_KEY_NOT_SHARED}

    # A vault's key cannot change: the aws/backup vault is emptied and deleted by hand.
    qa_backup = sandbox.client("backup", info.accounts["qa"], EU)
    legacy_vault = info.faults["vault_aws_managed_key"].rsplit(":", 1)[-1]
    for point in qa_backup.list_recovery_points_by_backup_vault(BackupVaultName=legacy_vault)[
        "RecoveryPoints"
    ]:
        qa_backup.delete_recovery_point(
            BackupVaultName=legacy_vault, RecoveryPointArn=point["RecoveryPointArn"]
        )
    qa_backup.delete_backup_vault(BackupVaultName=legacy_vault)
    qa = reevaluate_row(sessions, qa, objectives=OBJECTIVES)
    assert qa.causes == (CauseCode.SOURCE_KEY_NOT_SHARED,)

    # The key is shared by drconsole: nothing fails, but qa-analytics-data has no DR copy yet.
    fix(sessions, qa, CauseCode.SOURCE_KEY_NOT_SHARED)
    qa = reevaluate_row(sessions, qa, objectives=OBJECTIVES)
    assert (qa.verdict, qa.causes) == (Verdict.AT_RISK, (CauseCode.NO_DR_COPY,))
    (uncopied,) = qa.without_copy
    assert uncopied.resource_name == "qa-analytics-data"

    # Its newest backup is copied to the backup account: every row is READY.
    central = f"arn:aws:backup:{EU}:{info.accounts['backup']}:backup-vault:central-eu-central-1"
    job = qa_backup.start_copy_job(
        RecoveryPointArn=uncopied.last_recovery_point_arn,
        SourceBackupVaultName=(uncopied.last_vault_arn or "").rsplit(":", 1)[-1],
        DestinationBackupVaultArn=central,
        IamRoleArn=f"arn:aws:iam::{info.accounts['qa']}:role/service-role/"
        "AWSBackupDefaultServiceRole",
    )["CopyJobId"]
    deadline = time.time() + 60  # a hang guard, not a timing expectation
    while qa_backup.describe_copy_job(CopyJobId=job)["CopyJob"]["State"] != "COMPLETED":
        assert time.time() < deadline, "the copy job did not complete"
        time.sleep(0.05)
    report = evaluate_readiness(sessions, objectives=OBJECTIVES)
    assert {row.account_name: row.verdict for row in report.rows} == dict.fromkeys(
        ("dev", "prod", "qa"), Verdict.READY
    )
    assert report.ready


def test_a_runbook_objective_past_a_year_is_refused_not_a_crash(tmp_path: Path) -> None:
    """An RPO objective no timedelta can hold was taken by the runbook parser and crashed
    readiness; now the runbook does not parse (`drill plan` says where) and gives none."""
    runbooks = tmp_path / "runbooks"
    runbooks.mkdir()
    text = WEB_RUNBOOK.format(backup="1" * 12, recovery="2" * 12, prod="3" * 12)
    (runbooks / "web.yaml").write_text(text)
    (runbooks / "forever.yaml").write_text(
        text.replace("name: web\n", "name: forever\n").replace("rpo: 1m", "rpo: 1000000000d")
    )
    found = runbook_objectives(runbooks)
    assert {(o.runbook, o.objective) for o in found} == {
        ("web", timedelta(minutes=1)),
        ("web", timedelta(hours=36)),
    }
