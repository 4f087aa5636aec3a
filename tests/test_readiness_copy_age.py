"""Readiness judges the age of the DR copies: copies to the backup account that stopped coming
make a row AT RISK (DR_COPY_STALE), even while the account's own backups are fresh."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from drconsole.aws.fixes import apply_fix
from drconsole.checks.fixes import plan_fix
from drconsole.commands._readiness_output import print_tables
from drconsole.models import CauseCode
from drconsole.readiness import RpoObjectives, Verdict, evaluate_readiness
from drconsole.readiness.export_html import render
from drconsole.readiness.export_json import report_to_json
from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from drconsole.tui.screens.readiness import copies_cell
from tests.demo_sessions import demo_sessions, fast_demo

# The demo backs Non-Prod up every two or three days.
OBJECTIVES = RpoObjectives(timedelta(hours=24), (("Non-Prod", timedelta(days=3)),))


demo = pytest.fixture(scope="module", name="demo")(fast_demo)


def delete_copies_newer_than(
    sandbox: Sandbox, info: ScenarioInfo, resources: set[str], cutoff: datetime
) -> int:
    """Delete the backup account's copies of these resources made after `cutoff`: what an
    expiry after a copy rule stopped working leaves."""
    deleted = 0
    for region in (info.region, info.dr_region):
        backup = sandbox.client("backup", info.accounts["backup"], region)
        for vault in backup.list_backup_vaults()["BackupVaultList"]:
            name = vault["BackupVaultName"]
            pages = backup.get_paginator("list_recovery_points_by_backup_vault")
            for page in pages.paginate(BackupVaultName=name):
                for point in page["RecoveryPoints"]:
                    if point.get("ResourceArn") in resources and point["CreationDate"] > cutoff:
                        backup.delete_recovery_point(
                            BackupVaultName=name, RecoveryPointArn=point["RecoveryPointArn"]
                        )
                        deleted += 1
    return deleted


def test_weeks_old_dr_copies_put_the_row_at_risk(demo: Any, tmp_path: Path) -> None:
    sandbox, info = demo
    sessions = demo_sessions(sandbox, info, tmp_path)
    (dev,) = evaluate_readiness(sessions, accounts=["dev"], objectives=OBJECTIVES).rows
    # dev's one fault (its service-linked role) is repaired by drconsole: the row is READY.
    finding = next(f for f in dev.findings() if f.check.fix_id)
    apply_fix(sessions, plan_fix(finding.check.fix_id, finding.runs[0].facts))
    sessions = demo_sessions(sandbox, info, tmp_path)
    (dev,) = evaluate_readiness(sessions, accounts=["dev"], objectives=OBJECTIVES).rows
    assert dev.verdict is Verdict.READY, dev.explanation

    # Copies to the backup account stopped 20 days ago; dev's own backups go on.
    cutoff = datetime.now(UTC) - timedelta(days=20)
    arns = {r.resource_arn for r in dev.resources}
    assert delete_copies_newer_than(sandbox, info, arns, cutoff) > 0
    report = evaluate_readiness(
        demo_sessions(sandbox, info, tmp_path), accounts=["dev"], objectives=OBJECTIVES
    )
    (dev,) = report.rows
    now = dev.evaluated_at
    assert all(r.backup_age(now) < timedelta(days=3) for r in dev.resources)  # type: ignore[operator]
    assert all(r.copy_age(now) > timedelta(days=19) for r in dev.resources)  # type: ignore[operator]
    assert (dev.verdict.value, [c.value for c in dev.causes]) == ("AT RISK", ["DR_COPY_STALE"])
    assert not report.ready and len(dev.stale_copies) == dev.protected
    assert dev.explanation[0].startswith("DR_COPY_STALE: ")

    # Every output says so: the JSON, the text, the HTML and the console's Copies column.
    document = report_to_json(report)
    (row,) = document["rows"]
    assert row["protection"]["copy_over_objective"] == dev.protected
    assert all(r["dr_copy"]["over_objective"] for r in row["resources"])
    assert document["ready"] is False and row["causes"] == ["DR_COPY_STALE"]
    out = io.StringIO()
    print_tables(report, Console(file=out, width=100, highlight=False))
    text = out.getvalue()
    assert "OldCopy" in text and "[DR_COPY_STALE]" in text
    assert "newest copy in the backup account 2" in text  # 20d … old
    page = render(report)
    assert "DR_COPY_STALE" in page and f"({dev.protected} over the objective)" in page
    assert copies_cell(dev).plain == f"{dev.protected}/{dev.protected} !"
    json.dumps(document)  # serialisable as the CLI prints it

    # The Region of the backup account holding the newest copies does not answer: the copies
    # read elsewhere are old, but a newer one may be there, so the copy's age is not known
    # (UNKNOWN, `?`), not stated as stale.
    sandbox.options.disabled_regions = {info.accounts["backup"]: {info.dr_region}}
    try:
        report = evaluate_readiness(
            demo_sessions(sandbox, info, tmp_path), accounts=["dev"], objectives=OBJECTIVES
        )
    finally:
        sandbox.options.disabled_regions = {}
    (dev,) = report.rows
    assert CauseCode.DR_COPY_STALE not in dev.causes and not dev.stale_copies
    assert dev.copy_unknown and dev.verdict is Verdict.UNKNOWN, dev.explanation
    assert report_to_json(report)["rows"][0]["protection"]["without_copy"] is None
    assert copies_cell(dev).plain.endswith("?")
