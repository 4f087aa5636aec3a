"""Readiness when part of the organization cannot be read or protects nothing: a Region that
does not answer, a backup-account Region that refuses, copies that are gone, accounts without
protected resources. One demo sandbox for the module; tests that change it restore it."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError
from rich.console import Console

from drconsole.aws.inventory import Inventory
from drconsole.aws.session import AwsSessions
from drconsole.commands._readiness_output import print_tables
from drconsole.errors import AwsError
from drconsole.models import CauseCode
from drconsole.readiness import RpoObjectives, Verdict, evaluate_readiness
from drconsole.readiness.export_html import render
from drconsole.readiness.export_json import report_to_json
from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from tests import forked_cli
from tests.demo_cli import demo_cli_env
from tests.demo_sessions import demo_sessions, fast_demo

OBJECTIVES = RpoObjectives(timedelta(hours=24), (("Non-Prod", timedelta(days=3)),))


demo = pytest.fixture(scope="module", name="demo")(fast_demo)


def new_sessions(demo: tuple[Sandbox, ScenarioInfo], state_dir: Path) -> AwsSessions:
    return demo_sessions(*demo, state_dir)


def regions_down(sessions: AwsSessions, down: set[str]) -> None:
    """Every request to an endpoint of the `down` Regions fails to connect (an outage), as
    botocore sees it: the hook stands where the HTTP request would leave."""
    original = sessions.client
    hooked: set[int] = set()

    def refuse(request: Any, **_: Any) -> None:
        raise EndpointConnectionError(endpoint_url=request.url)

    def client(service: str, account_id: str | None = None, region: str | None = None) -> Any:
        found = original(service, account_id, region)
        if found.meta.region_name in down and id(found.meta.events) not in hooked:
            hooked.add(id(found.meta.events))
            found.meta.events.register("before-send", refuse)
        return found

    sessions.client = client  # type: ignore[method-assign]


def test_an_unreachable_region_is_its_rows_unknown(demo: Any, tmp_path: Path) -> None:
    _, info = demo
    sessions = new_sessions(demo, tmp_path)
    regions_down(sessions, {info.dr_region})
    report = evaluate_readiness(sessions, objectives=OBJECTIVES)
    rows = {(row.account_name, row.region): row for row in report.rows}
    # The Region that does not answer: each workload account's row there is UNKNOWN, NETWORK
    # (whether it protects anything there cannot be known).
    for name in ("dev", "prod", "qa"):
        down = rows[name, info.dr_region]
        assert down.verdict is Verdict.UNKNOWN
        assert down.causes == (CauseCode.NETWORK,)
        assert "EndpointConnectionError" in down.unreadable[0]
    # The Region that answers is decided as ever: its faults, not the outage.
    assert rows["dev", info.region].verdict is Verdict.NOT_READY
    assert rows["dev", info.region].causes == (CauseCode.SERVICE_LINKED_ROLE_MISSING,)
    assert rows["prod", info.region].causes == (CauseCode.AWS_MANAGED_RESOURCE_KEY,)
    assert not report.ready


def test_an_outage_of_the_home_region_is_its_rows_unknown_too(demo: Any, tmp_path: Path) -> None:
    """The home Region (the first configured, usually the workload Region) is the one whose STS
    says whether the caller is still taken and assumes the member roles: when it is the Region
    down, both are asked of STS in the other Regions, and the report is made (it ended with
    exit 3 and no row before)."""
    _, info = demo
    sessions = new_sessions(demo, tmp_path)
    assert sessions.settings.home_region == info.region
    organization = Inventory(sessions, 2).organization()  # read before the outage
    regions_down(sessions, {info.region})
    report = evaluate_readiness(sessions, organization=organization, objectives=OBJECTIVES)
    rows = {(row.account_name, row.region): row for row in report.rows}
    for name in ("dev", "prod", "qa"):
        assert rows[name, info.region].verdict is Verdict.UNKNOWN
        assert rows[name, info.region].causes == (CauseCode.NETWORK,)
    # The DR Region answered: the workload accounts protect nothing there (no row, no NETWORK).
    assert not [row for row in report.rows if row.region == info.dr_region]
    assert not report.ready


def test_the_callers_own_network_failure_still_stops_the_report(demo: Any, tmp_path: Path) -> None:
    _, info = demo
    sessions = new_sessions(demo, tmp_path)
    # The organization is read before the outage: the rows' own reads meet it, and the
    # caller's sts:GetCallerIdentity does not answer either.
    organization = Inventory(sessions, 2).organization()
    regions_down(sessions, {info.region, info.dr_region, "us-east-1"})
    with pytest.raises(AwsError) as raised:
        evaluate_readiness(sessions, organization=organization, objectives=OBJECTIVES)
    assert raised.value.cause is CauseCode.NETWORK


def test_an_unreadable_backup_region_keeps_the_copies_that_were_read(
    demo: Any, tmp_path: Path
) -> None:
    sandbox, info = demo
    sandbox.options.disabled_regions = {info.accounts["backup"]: {info.dr_region}}
    try:
        report = evaluate_readiness(
            new_sessions(demo, tmp_path), accounts=["qa"], objectives=OBJECTIVES
        )
    finally:
        sandbox.options.disabled_regions = {}
    (qa,) = report.rows
    # qa's copies in the backup account's eu-central-1 vault were read and are kept; only
    # qa-analytics-data, which has none there, is not known (its copy may be in eu-north-1).
    assert qa.with_copy == 7 and qa.without_copy == ()
    assert [r.resource_name for r in qa.copy_unknown] == ["qa-analytics-data"]
    assert CauseCode.NO_DR_COPY not in qa.causes
    doc = report_to_json(report)["rows"][0]
    assert doc["protection"]["with_copy"] == 7
    assert doc["protection"]["without_copy"] is None
    assert doc["protection"]["copy_unknown"] == 1
    unknown = [r for r in doc["resources"] if not r["dr_copy_known"]]
    assert [r["resource_name"] for r in unknown] == ["qa-analytics-data"]
    out = io.StringIO()
    print_tables(report, Console(file=out, width=200, color_system=None))
    text = out.getvalue()
    assert "no copy in the backup account [NO_DR_COPY]" not in text
    assert "whether they have a newer one is not known: qa-analytics-data" in text
    assert re.search(r"qa eu-central-1\s+8\s+0\s+\?\s+0", text), text  # NoCopy: ?
    page = render(report)
    assert "? <span class='muted'>(unreadable)</span>" in page


def run_readiness(demo: Any, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real CLI against the demo sandbox, with the demo's Regions and objectives."""
    sandbox, info = demo
    config = home / "config" / "drconsole"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text(
        f'regions = ["{info.region}", "{info.dr_region}"]\n'
        f'dr_regions = ["{info.dr_region}"]\n[rpo_objectives]\n"Non-Prod" = "3d"\n'
    )
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", "readiness", *args],
        env=demo_cli_env(sandbox, info, home),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_text_report_says_what_it_covered_on_stderr(demo: Any, tmp_path: Path) -> None:
    _, info = demo
    done = run_readiness(demo, tmp_path)
    assert done.returncode == 1, done.stderr  # the demo's faults
    (line,) = [x for x in done.stderr.splitlines() if x.startswith("drconsole: scope:")]
    # the workload accounts evaluated, of the organization's (management and backup are not)
    assert "scope: 4 of 6 accounts (" in line, line
    assert "Regions eu-central-1, eu-north-1 (from config file regions" in line, line
    assert f"backup account {info.accounts['backup']}" in line, line
    assert line.endswith("1 protect nothing (no row): recovery"), line
    assert "scope:" not in done.stdout  # the report itself stays on stdout, unchanged


def delete_backup_copies_of(sandbox: Sandbox, info: ScenarioInfo, account: str) -> None:
    """The backup account loses every copy of an account's data (expired, deleted)."""
    backup = info.accounts["backup"]
    for region in (info.region, info.dr_region):
        client = sandbox.client("backup", backup, region)
        for vault in client.list_backup_vaults()["BackupVaultList"]:
            name = vault["BackupVaultName"]
            pages = client.get_paginator("list_recovery_points_by_backup_vault").paginate(
                BackupVaultName=name
            )
            for page in pages:
                for rp in page["RecoveryPoints"]:
                    arn = rp.get("ResourceArn", "")
                    if f":{account}:" in arn or ":::dev-" in arn:
                        client.delete_recovery_point(
                            BackupVaultName=name, RecoveryPointArn=rp["RecoveryPointArn"]
                        )


def test_restore_checks_run_without_dr_copies(demo: Any, tmp_path: Path) -> None:
    sandbox, info = demo
    delete_backup_copies_of(sandbox, info, info.accounts["dev"])
    report = evaluate_readiness(
        new_sessions(demo, tmp_path), accounts=["dev"], objectives=OBJECTIVES
    )
    (row,) = report.rows
    assert row.copy_back == () and len(row.without_copy) == row.protected
    # dev's own restores (from dev-vault) are judged all the same, with `check restore`'s
    # checks: its missing service-linked role is no restore's failure (the restore runs as the
    # restore role; tests/test_readiness_restore_agrees.py).
    (restore,) = [run for run in row.restore if run.destination_vault_arn.endswith(":dev-vault")]
    checks = {check.id: check for check in restore.checks}
    assert {"restore.role", "restore.key"} <= set(checks)
    assert "restore.service-linked-role" not in checks
    assert {check.status.value for check in restore.checks} == {"PASS"}
    assert CauseCode.SERVICE_LINKED_ROLE_MISSING not in row.causes


def test_an_account_whose_recovery_points_were_deleted_is_listed(demo: Any, tmp_path: Path) -> None:
    sandbox, info = demo
    dev = info.accounts["dev"]
    for region in (info.region, info.dr_region):
        client = sandbox.client("backup", dev, region)
        for vault in client.list_backup_vaults()["BackupVaultList"]:
            name = vault["BackupVaultName"]
            pages = client.get_paginator("list_recovery_points_by_backup_vault").paginate(
                BackupVaultName=name
            )
            for page in pages:
                for rp in page["RecoveryPoints"]:
                    client.delete_recovery_point(
                        BackupVaultName=name, RecoveryPointArn=rp["RecoveryPointArn"]
                    )
    # Named with --account, it cannot pass: exit 1, and the output says why.
    named = run_readiness(demo, tmp_path, "--account", "dev")
    assert named.returncode == 1, named.stdout + named.stderr
    assert f"dev ({dev}) [named with --account]" in named.stdout
    assert "protect nothing in eu-central-1, eu-north-1" in named.stdout
    assert "scope: 1 of 6 accounts (dev)" in named.stderr
    assert named.stderr.rstrip().endswith("1 protect nothing (no row): dev")
    # The whole organization: dev is listed in the JSON (and HTML) though it has no row.
    page = tmp_path / "report.html"
    whole = run_readiness(demo, tmp_path, "--json", "--html", str(page))
    document = json.loads(whole.stdout)
    assert dev not in {row["account_id"] for row in document["rows"]}
    unprotected = {a["account_id"]: a for a in document["unprotected_accounts"]}
    assert unprotected[dev]["account_name"] == "dev" and unprotected[dev]["named"] is False
    assert "Accounts that protect nothing" in page.read_text() and dev in page.read_text()


def test_an_account_with_only_the_default_vault_has_its_own_cause(
    demo: Any, tmp_path: Path
) -> None:
    sandbox, info = demo
    prod = info.accounts["prod"]
    client = sandbox.client("backup", prod, info.region)
    # prod keeps its copies in the backup account but loses its own vault: a recovery point
    # made since lives in the Default vault.
    for vault in client.list_backup_vaults()["BackupVaultList"]:
        name = vault["BackupVaultName"]
        for page in client.get_paginator("list_recovery_points_by_backup_vault").paginate(
            BackupVaultName=name
        ):
            for rp in page["RecoveryPoints"]:
                client.delete_recovery_point(
                    BackupVaultName=name, RecoveryPointArn=rp["RecoveryPointArn"]
                )
        client.delete_backup_vault(BackupVaultName=name)
    client.create_backup_vault(BackupVaultName="Default")
    volume = next(
        r["ResourceArn"]
        for r in sandbox.client(
            "backup", info.accounts["backup"], info.region
        ).list_protected_resources()["Results"]
        if f":{prod}:volume/" in r["ResourceArn"]
    )
    client.start_backup_job(
        BackupVaultName="Default",
        ResourceArn=volume,
        IamRoleArn=f"arn:aws:iam::{prod}:role/service-role/AWSBackupDefaultServiceRole",
    )
    deadline = time.monotonic() + 30
    while not client.list_protected_resources()["Results"] and time.monotonic() < deadline:
        time.sleep(0.2)
    report = evaluate_readiness(
        new_sessions(demo, tmp_path), accounts=["prod"], objectives=OBJECTIVES
    )
    (row,) = [row for row in report.rows if row.region == info.region]
    (finding,) = [f for f in row.findings() if f.check.id == "readiness.copy-back-vault"]
    # Not a vault policy that denies: the only vault there is Default, on aws/backup, which
    # cannot receive a copy from another account (what `check copy` says of Default too).
    assert finding.check.cause is CauseCode.DEST_VAULT_AWS_MANAGED_KEY
    assert "besides the default vault" in finding.check.evidence
    assert CauseCode.VAULT_POLICY_DENIES_COPY not in row.causes
    # The restore of its own recovery points from Default is still judged: its role and key.
    default = f"arn:aws:backup:{info.region}:{prod}:backup-vault:Default"
    (restore,) = [run for run in row.restore if run.destination_vault_arn == default]
    assert {"restore.role", "restore.key"} <= {c.id for c in restore.checks}
