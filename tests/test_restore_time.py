"""Point-in-time restore: `--metadata RestoreTime=...` names a moment with its zone, inside the
continuous backup's window, and is sent in UTC to the second; anything else is one line, exit 2,
and no restore job is started. Against the real CLI and the sandbox."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from drconsole.flows import restore_time
from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.server import SandboxOptions
from drconsole.sandbox.store import seed_recovery_point
from tests.cli_box import EU, Box

POLL = ("--poll-interval", "0.1")
KOLKATA = timezone(timedelta(hours=5, minutes=30))


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0))
    try:
        yield Box(sandbox, info)
    finally:
        sandbox.stop()


def prod_s3_snapshot(box: Box) -> dict[str, object]:
    points = box.backup("prod").list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    s3 = [p for p in points["RecoveryPoints"] if p["ResourceType"] == "S3"]
    return dict(max(s3, key=lambda p: p["CreationDate"]))


def continuous_point(box: Box, began: datetime) -> str:
    """A continuous backup of prod's bucket in prod-vault, begun at `began`."""
    snapshot = prod_s3_snapshot(box)
    return seed_recovery_point(
        box.accounts["prod"],
        EU,
        "prod-vault",
        resource_arn=str(snapshot["ResourceArn"]),
        resource_type="S3",
        resource_name=str(snapshot.get("ResourceName") or ""),
        created=began,
        encryption_key_arn=None,
        size_bytes=2**20,
        continuous=True,
    )


def restore(box: Box, state: Path, rp: str, when: str) -> tuple[int, str]:
    done = box.cli(
        state, "restore", "--recovery-point", rp, "--source-account", box.accounts["prod"],
        "--metadata", f"RestoreTime={when}", "--yes", "--json", *POLL,
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stderr


def test_a_time_with_its_offset_is_sent_in_utc(box: Box, tmp_path: Path) -> None:
    rp = continuous_point(box, datetime.now(UTC) - timedelta(days=3))
    moment = (datetime.now(UTC) - timedelta(hours=5)).replace(microsecond=0)
    code, stderr = restore(box, tmp_path, rp, moment.astimezone(KOLKATA).isoformat())
    assert code == 0, stderr
    (job,) = box.restore_jobs("prod", EU, rp)
    sent = box.backup("prod").get_restore_job_metadata(RestoreJobId=job["RestoreJobId"])
    assert sent["Metadata"]["RestoreTime"] == f"{moment:%Y-%m-%dT%H:%M:%S}Z"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        # 14:32 of whose clock: AWS would read UTC, the operator may have meant local time.
        (lambda now: f"{now - timedelta(hours=2):%Y-%m-%dT%H:%M}", "needs its zone"),
        (lambda now: f"{now - timedelta(hours=2):%Y-%m-%d %H:%M:%S}", "needs its zone"),
        (lambda now: f"{now - timedelta(days=1):%Y-%m-%d}", "needs a time of day"),
        (lambda now: "yesterday 14:32", "must be a date and time"),
        (lambda now: f"{now - timedelta(hours=2):%Y-%m-%dT%H:%M:%S}.250Z", "to the second"),
        (lambda now: f"{now + timedelta(hours=1):%Y-%m-%dT%H:%M:%S}Z", "is in the future"),
        # Before the continuous backup began (3 days ago): nothing to replay.
        (
            lambda now: f"{now - timedelta(days=4):%Y-%m-%dT%H:%M:%S}Z",
            "the earliest time this recovery point can restore to (its continuous backup began)",
        ),
    ],
)
def test_a_restore_time_that_cannot_be_meant_is_refused_before_anything_starts(
    box: Box, tmp_path: Path, given: Callable[[datetime], str], expected: str
) -> None:
    rp = continuous_point(box, datetime.now(UTC) - timedelta(days=3))
    code, stderr = restore(box, tmp_path, rp, given(datetime.now(UTC)))
    assert code == 2, stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert "RestoreTime" in stderr and expected in stderr
    assert box.restore_jobs("prod", EU, rp) == []


def test_a_restore_time_for_a_snapshot_is_refused(box: Box, tmp_path: Path) -> None:
    """A snapshot restores as it was taken: a time given would be silently ignored, and the
    operator would take its data for that moment's."""
    rp = str(prod_s3_snapshot(box)["RecoveryPointArn"])
    before = len(box.restore_jobs("prod", EU, rp))
    when = f"{datetime.now(UTC) - timedelta(hours=1):%Y-%m-%dT%H:%M:%S}Z"
    code, stderr = restore(box, tmp_path, rp, when)
    assert code == 2, stderr
    assert "applies to a continuous backup (point-in-time recovery) only" in stderr
    assert len(box.restore_jobs("prod", EU, rp)) == before


def test_check_restore_fails_the_metadata_check_on_it(box: Box, tmp_path: Path) -> None:
    rp = continuous_point(box, datetime.now(UTC) - timedelta(days=3))
    when = f"{datetime.now(UTC) - timedelta(hours=2):%Y-%m-%dT%H:%M}"
    done = box.cli(
        tmp_path, "check", "restore", "--recovery-point", rp,
        "--source-account", box.accounts["prod"], "--metadata", f"RestoreTime={when}",
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "RestoreTime needs its zone" in done.stdout


def test_the_window_goes_back_35_days_at_most() -> None:
    now = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    began = now - timedelta(days=60)
    problem = restore_time.problem("2026-10-20T12:00:00Z", True, began, now)
    assert problem is not None and "AWS goes back 35 days" in problem
    assert restore_time.problem("2026-11-01T12:00:00+01:00", True, began, now) is None
    # Across a DST change the offset given is what counts: 01:30-04:00 (EDT) is 05:30Z.
    assert restore_time.sent_as("2026-11-01T01:30:00-04:00") == "2026-11-01T05:30:00Z"
    assert restore_time.sent_as("2026-11-01T01:30:00-05:00") == "2026-11-01T06:30:00Z"


def test_a_drill_measures_the_rpo_of_a_point_in_time_restore_from_its_restore_time(
    box: Box, tmp_path: Path
) -> None:
    """A continuous backup begun 3 days ago, restored to 2 hours ago: the data is of 2 hours
    ago (not of 3 days ago, which would fail a 24h RPO objective wrongly)."""
    rp = continuous_point(box, datetime.now(UTC) - timedelta(days=4))
    moment = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0)
    prod = box.accounts["prod"]
    bucket = str(prod_s3_snapshot(box)["ResourceArn"])
    runbook = tmp_path / "pitr.yaml"
    runbook.write_text(
        f"""
name: pitr
objectives: {{rpo: 24h}}
source: {{account: "{prod}", region: {EU}, vault: prod-vault}}
targets:
  - name: bucket
    resource: {bucket}
    recovery_point: {rp}
    restore_to: {{account: "{prod}", region: {EU}, vault: prod-vault}}
    metadata:
      RestoreTime: "{moment.astimezone(KOLKATA).isoformat()}"
"""
    )
    done = box.cli(tmp_path, "drill", "plan", str(runbook), "--json")
    assert "Traceback" not in done.stderr, done.stderr
    document = json.loads(done.stdout)
    (target,) = document["targets"]
    resolved = target["resolved"]
    assert resolved["recovery_point"] == rp
    assert resolved["data_time_basis"] == "restore-time"
    assert datetime.fromisoformat(resolved["data_time"]) == moment


def test_drill_plan_refuses_a_runbook_restore_time_without_its_zone(
    box: Box, tmp_path: Path
) -> None:
    rp = continuous_point(box, datetime.now(UTC) - timedelta(days=2))
    prod = box.accounts["prod"]
    bucket = str(prod_s3_snapshot(box)["ResourceArn"])
    naive = f"{datetime.now(UTC) - timedelta(hours=3):%Y-%m-%dT%H:%M:%S}"
    runbook = tmp_path / "pitr.yaml"
    runbook.write_text(
        f"""
name: pitr-naive
source: {{account: "{prod}", region: {EU}, vault: prod-vault}}
targets:
  - name: bucket
    resource: {bucket}
    recovery_point: {rp}
    restore_to: {{account: "{prod}", region: {EU}, vault: prod-vault}}
    metadata:
      RestoreTime: "{naive}"
"""
    )
    done = box.cli(tmp_path, "drill", "plan", str(runbook), "--json")
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stdout + done.stderr
    document = json.loads(done.stdout)
    (target,) = document["targets"]
    assert target["resolved"]["data_time_basis"] == "backup"  # not taken for the data's time
    failed = [
        check for step in target["checks"] for check in step["checks"] if check["status"] == "FAIL"
    ]
    assert [c["id"] for c in failed] == ["restore.metadata"]
    assert "RestoreTime needs its zone" in failed[0]["evidence"]
