"""AWS Backup's job summaries: the sandbox counts what every account's listing holds, and
`drconsole ls jobs --summary` prints those counts from the management account, or says in one
line why AWS cannot give them (not the management account, monitoring off, refused)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from drconsole.aws.job_summaries import read_job_summaries
from drconsole.aws.organization import load_organization
from drconsole.aws.session import AwsSessions
from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.server import SandboxOptions
from tests.cli_box import EU, NORTH, Box
from tests.sandbox.shape_walk import RawAnswers
from tests.tui.conftest import sandbox_settings

KINDS = {"backup": "BackupJobs", "copy": "CopyJobs", "restore": "RestoreJobs"}
SUMMARIES = {
    "backup": "BackupJobSummaries",
    "copy": "CopyJobSummaries",
    "restore": "RestoreJobSummaries",
}
DAY = timedelta(days=1)


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0))
    yield Box(sandbox, info)
    sandbox.stop()


def listed(box: Box, kind: str, region: str) -> Counter[tuple[datetime, str, str]]:
    """Every account's own jobs of `kind`, by (UTC day, account, state), with plain boto3."""
    found: Counter[tuple[datetime, str, str]] = Counter()
    for account in box.accounts.values():
        client = box.sandbox.client("backup", account, region)
        pages = client.get_paginator(f"list_{kind}_jobs").paginate()
        for job in (j for page in pages for j in page[KINDS[kind]]):
            created = job["CreationDate"].astimezone(UTC)
            day = created.replace(hour=0, minute=0, second=0, microsecond=0)
            found[(day, account, job.get("State") or job["Status"])] += 1
    return found


def summarized(client: Any, kind: str, **params: Any) -> list[dict[str, Any]]:
    """Every row of one kind's summaries (paged with NextToken)."""
    rows: list[dict[str, Any]] = []
    call = getattr(client, f"list_{kind}_job_summaries")
    while True:
        answer = call(**params)
        rows += answer[SUMMARIES[kind]]
        if not answer.get("NextToken"):
            return rows
        params["NextToken"] = answer["NextToken"]


def test_summaries_count_every_accounts_jobs(box: Box) -> None:
    management = box.backup("management")
    raw = RawAnswers(management)
    everything = {"AccountId": "ANY", "State": "ANY", "ResourceType": "AGGREGATE_ALL"}
    failed = 0
    for kind in KINDS:
        params = dict(everything, AggregationPeriod="ONE_DAY", MaxResults=2)
        if kind != "restore":
            params["MessageCategory"] = "AGGREGATE_ALL"
        rows = summarized(management, kind, **params)
        got = Counter(
            {(r["StartTime"].astimezone(UTC), r["AccountId"], r["State"]): r["Count"] for r in rows}
        )
        assert got == listed(box, kind, EU), kind
        assert all(r["EndTime"] - r["StartTime"] == DAY for r in rows)
        assert all(r["Region"] == EU and r["ResourceType"] == "AGGREGATE_ALL" for r in rows)
        failed += sum(r["Count"] for r in rows if r["State"] == "FAILED")
    assert failed == 6  # the demo's night: 2 backups, 3 copies, 1 restore
    for kind in SUMMARIES:  # the raw answers have botocore's output shapes
        assert raw.check(f"List{kind.title()}JobSummaries") == []
    # A member asking for ANY gets its own account's counts (as AWS documents it).
    qa = box.accounts["qa"]
    rows = summarized(box.backup("qa"), "backup", AccountId="ANY", AggregationPeriod="SEVEN_DAYS")
    assert rows and {r["AccountId"] for r in rows} == {qa}
    assert {r["ResourceType"] for r in rows} >= {"EBS", "RDS"}  # ANY by default: per type
    with pytest.raises(ClientError) as refused:
        management.list_copy_job_summaries(AggregationPeriod="TWO_DAYS")
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_reader_says_why_there_are_no_summaries(box: Box, tmp_path: Path) -> None:
    settings = sandbox_settings(box.sandbox, box.info, tmp_path, retry_max_attempts=1)
    sessions = AwsSessions(settings)
    org = load_organization(sessions, 4)
    now, day = datetime.now(UTC), timedelta(hours=24)
    found = read_job_summaries(sessions, org, [EU, NORTH], day, now)
    assert found.available and found.calls == 7  # 3 kinds x 2 Regions + the monitoring setting
    assert sum(found.counts("copy").values()) == sum(listed(box, "copy", EU).values())
    names = {a.id: a.name for a in org.accounts}
    assert {names[a] for a in found.problem_accounts()} == {"qa", "dev", "prod", "backup"}
    box.sandbox.fail_operation("backup:ListCopyJobSummaries", "denied")
    try:
        partial = read_job_summaries(sessions, org, [EU], day, now)
        for operation in ("ListBackupJobSummaries", "ListRestoreJobSummaries"):
            box.sandbox.fail_operation(f"backup:{operation}", "denied")
        refused = read_job_summaries(sessions, org, [EU], day, now)
    finally:
        box.sandbox.clear_faults()
    assert partial.available and [e.cause.value for e in partial.errors] == ["ROLE_PERMISSIONS"]
    assert not refused.available and refused.unavailable.startswith("refused: ")
    assert refused.cause is not None and refused.cause.value == "ROLE_PERMISSIONS"
    organizations = box.sandbox.client("organizations", box.accounts["management"], EU)
    organizations.disable_aws_service_access(ServicePrincipal="backup.amazonaws.com")
    try:
        off = read_job_summaries(sessions, org, [EU], day, now)
    finally:
        organizations.enable_aws_service_access(ServicePrincipal="backup.amazonaws.com")
    assert not off.available and "cross-account monitoring is off" in off.unavailable
    org_elsewhere = replace(org, management_account_id=box.accounts["backup"])
    member = read_job_summaries(sessions, org_elsewhere, [EU], day, now)
    assert not member.available and "is not the management account" in member.unavailable
    assert member.calls == 0


def test_ls_jobs_summary(box: Box, tmp_path: Path) -> None:
    regions = ("--regions", f"{EU},{NORTH}")
    run = box.cli(tmp_path, "ls", "jobs", "--summary", "--json", *regions)
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)
    got: Counter[tuple[str, str, str]] = Counter()
    for item in document["items"]:
        got[(item["kind"], item["account_id"], item["state"])] += item["count"]
    expected: Counter[tuple[str, str, str]] = Counter()
    for kind in KINDS:
        for region in (EU, NORTH):
            for (_, account, state), count in listed(box, kind, region).items():
                expected[(kind, account, state)] += count
    assert got == expected
    assert {item["account_name"] for item in document["items"]} >= {"qa", "prod", "backup"}
    summaries = document["scope"]["summaries"]
    assert summaries["available"] and summaries["aggregation_period"] == "ONE_DAY"
    assert summaries["calls"] == 7 and document["errors"] == []

    table = box.cli(tmp_path, "ls", "jobs", "--summary", *regions)
    assert table.returncode == 0, table.stderr
    copy_row = next(line for line in table.stdout.splitlines() if f"copy    │ {EU}" in line)
    assert "│ 3 " in copy_row and "qa 1" in copy_row and "backup 1" in copy_row, copy_row
    assert "job summaries ONE_DAY since" in table.stderr
    assert "from the management account (7 calls)" in table.stderr

    # The backup account's profile, reaching the organization through the management account:
    # AWS would count only the backup account's jobs, so drconsole says so and lists nothing.
    config = tmp_path / "xdg-config" / "drconsole"
    config.mkdir(parents=True)
    management = box.accounts["management"]
    (config / "config.toml").write_text(f'management_account_id = "{management}"\n')
    member = box.cli(tmp_path, "ls", "jobs", "--summary", account="backup")
    assert member.returncode == 3 and member.stdout == ""
    lines = member.stderr.splitlines()
    assert len(lines) == 2 and "job summaries not available: backup (" in lines[1], lines
    assert "is not the management account" in lines[1] and "Traceback" not in member.stderr
    member = box.cli(tmp_path, "ls", "jobs", "--summary", "--json", account="backup")
    assert member.returncode == 3 and member.stderr == ""
    document = json.loads(member.stdout)
    assert document["items"] == [] and document["scope"]["summaries"]["available"] is False
    assert "is not the management account" in document["scope"]["summaries"]["reason"]

    bad = box.cli(tmp_path, "ls", "jobs", "--summary", "--since", "3d")
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.strip().endswith("AWS's job summaries cover 24h, 7d or 14d")


def test_unread_counts_are_question_marks_never_zero(box: Box, tmp_path: Path) -> None:
    """Copy counts refused in both Regions while backup counts answer: every copy cell is `?`,
    each unread (kind, Region) is named on stderr and in the JSON, and the exit code is 3."""
    regions = ("--regions", f"{EU},{NORTH}")
    kinds = ("--kind", "backup", "--kind", "copy")
    box.sandbox.fail_operation("backup:ListCopyJobSummaries", "denied")
    try:
        table = box.cli(tmp_path, "ls", "jobs", "--summary", *kinds, *regions)
        as_json = box.cli(tmp_path, "ls", "jobs", "--summary", "--json", *kinds, *regions)
    finally:
        box.sandbox.clear_faults()
    assert table.returncode == 3 and "Traceback" not in table.stderr, table.stderr
    rows = {
        (cells[0], cells[1]): cells[2:]
        for cells in (
            [c.strip() for c in line.split("│")][1:-1] for line in table.stdout.splitlines()
        )
        if len(cells) == 9
    }
    for region in (EU, NORTH):
        assert rows[("copy", region)] == ["?"] * 7, rows
        assert f"copy counts in {region} not read" in table.stderr, table.stderr
    assert rows[("backup", EU)][:1] == ["2"] and "?" not in rows[("backup", EU)], rows
    assert as_json.returncode == 3
    summaries = json.loads(as_json.stdout)["scope"]["summaries"]
    assert summaries["unread"] == [
        {"kind": "copy", "region": EU},
        {"kind": "copy", "region": NORTH},
    ]
