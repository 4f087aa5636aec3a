"""A drill's clean-up deletes only what the drill created: a runbook that restores into an
existing bucket or file system is refused before anything runs; a table or bucket that bears the
name of an old run's restore but was created later (by another run, or by hand) is kept; a
restored bucket is versioned, and clean-up deletes every version and delete marker in it."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from drconsole.drills.ownership import CLOCK_SLACK, drill_metadata
from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from tests.test_drill_interrupted import history_of
from tests.test_drill_run import EU, demo_sandbox, drill, env_for, restore_jobs, result_of

sandbox = pytest.fixture(scope="module", name="sandbox")(demo_sandbox)


def runbook(tmp_path: Path, info: ScenarioInfo, name: str, cleanup: str, targets: str) -> Path:
    """A runbook restoring from the central backup vault into the recovery account."""
    accounts = info.accounts
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        f"name: {name}\ncleanup: {cleanup}\n"
        f'source: {{account: "{accounts["backup"]}", region: {EU}, vault: central-eu-central-1}}\n'
        f'restore_to: {{account: "{accounts["recovery"]}", region: {EU}, vault: recovery-vault}}\n'
        "targets:\n" + targets.replace("PROD", accounts["prod"])
    )
    return path


def buckets(sb: Sandbox, account: str) -> set[str]:
    return {b["Name"] for b in sb.client("s3", account, EU).list_buckets()["Buckets"]}


def tables(sb: Sandbox, account: str) -> set[str]:
    return set(sb.client("dynamodb", account, EU).list_tables()["TableNames"])


def drop_bucket(sb: Sandbox, account: str, bucket: str) -> None:
    """Delete a bucket by hand, every version of it first."""
    s3 = sb.client("s3", account, EU)
    listed = s3.list_object_versions(Bucket=bucket)
    for item in [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])]:
        s3.delete_object(Bucket=bucket, Key=item["Key"], VersionId=item["VersionId"])
    s3.delete_bucket(Bucket=bucket)


def cleanup_of(env: dict[str, str], run_id: str, exit_code: int = 0) -> dict[str, Any]:
    done = drill(env, "cleanup", run_id, "--yes", "--json")
    assert done.returncode == exit_code, done.stdout[-3000:] + done.stderr
    return dict(json.loads(done.stdout))


@pytest.mark.parametrize(
    ("metadata", "flag", "what"),
    [
        (
            'metadata: {NewBucket: "false", DestinationBucketName: team-precious-bucket}',
            "NewBucket",
            "the existing S3 bucket team-precious-bucket",
        ),
        (
            'metadata: {DestinationBucketName: prod-assets, newbucket: "FALSE"}',
            "newbucket",
            "the existing S3 bucket prod-assets",
        ),
        (
            'metadata: {newFileSystem: "false", file-system-id: fs-a6f54de0}',
            "newFileSystem",
            "the existing EFS file system fs-a6f54de0",
        ),
    ],
)
def test_a_runbook_restoring_into_an_existing_resource_is_refused_before_anything_runs(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, metadata: str, flag: str, what: str
) -> None:
    sb, info = sandbox
    recovery = info.accounts["recovery"]
    s3 = sb.client("s3", recovery, EU)
    if "team-precious-bucket" not in buckets(sb, recovery):
        s3.create_bucket(
            Bucket="team-precious-bucket", CreateBucketConfiguration={"LocationConstraint": EU}
        )
        s3.put_object(Bucket="team-precious-bucket", Key="keep-me.txt", Body=b"important")
    kind = "EFS, name: prod-shared-files" if "EFS" in what else "S3, name: prod-assets"
    path = runbook(
        tmp_path,
        info,
        "inplace",
        "always",
        f'  - name: into\n    resource: {{account: "PROD", type: {kind}}}\n    {metadata}\n',
    )
    env = env_for(sb, info, tmp_path)
    jobs_before = len(restore_jobs(sb, recovery))
    for command in ("plan", "run"):
        done = drill(env, command, str(path), *(["--yes"] if command == "run" else []))
        assert done.returncode == 2, done.stdout[-3000:] + done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
        # the key's own line and column: `    metadata: {` is line 8, the flag inside it
        assert re.search(rf"inplace\.yaml:8:\d+: .*{flag}", lines[0]), lines[0]
        assert f"not into {what}" in lines[0], lines[0]
        assert done.stdout == ""
    assert len(restore_jobs(sb, recovery)) == jobs_before
    assert not (tmp_path / "state" / "drconsole" / "drills.jsonl").exists()
    listed = s3.list_objects_v2(Bucket="team-precious-bucket")["Contents"]
    assert [o["Key"] for o in listed] == ["keep-me.txt"]


def test_cleanup_of_an_old_run_keeps_what_a_later_run_created_under_the_same_names(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """Fixed restore names (as the example runbook's `targetTableName: drill-sessions`): run 1
    restores them and keeps them, they are deleted by hand, run 2 restores them again; cleaning
    up run 1 keeps run 2's table and bucket, says whose they are not, and leaves nothing of run
    1 to retry; cleaning up run 2 deletes them (the versioned bucket with all its versions)."""
    sb, info = sandbox
    recovery = info.accounts["recovery"]
    path = runbook(
        tmp_path,
        info,
        "reuse",
        "never",
        '  - name: table\n    resource: {account: "PROD", type: DynamoDB, name: prod-sessions}\n'
        "    metadata: {targetTableName: reuse-fixed-table}\n"
        '  - name: files\n    resource: {account: "PROD", type: S3, name: prod-assets}\n'
        "    metadata: {DestinationBucketName: reuse-fixed-bucket}\n",
    )
    env = env_for(sb, info, tmp_path)
    first = drill(env, "run", str(path), "--yes", "--json")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr
    run1 = result_of(first)["run"]
    assert "reuse-fixed-table" in tables(sb, recovery)
    assert "reuse-fixed-bucket" in buckets(sb, recovery)
    sb.client("dynamodb", recovery, EU).delete_table(TableName="reuse-fixed-table")
    drop_bucket(sb, recovery, "reuse-fixed-bucket")
    # Run 2's restores are told from run 1's by their creation times, which may differ from a
    # job's times by the clocks' rounding: keep run 2 past it, as minutes between runs would.
    time.sleep(CLOCK_SLACK.total_seconds() + 1)

    second = drill(env, "run", str(path), "--yes", "--json")
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr
    run2 = result_of(second)["run"]
    assert history_of(env, run2)["left"] == 4  # two copies, a table and a bucket

    cleaned = cleanup_of(env, run1, exit_code=1)  # 1: something is left to look at
    kept = [c for c in cleaned["cleanup"] if c["kind"] == "resource"]
    assert sorted(c["arn"].rsplit("/", 1)[-1].rsplit(":", 1)[-1] for c in kept) == [
        "reuse-fixed-bucket",
        "reuse-fixed-table",
    ]
    table, bucket = sorted(kept, key=lambda c: c["resource_type"] != "DynamoDB")
    # The table was created after run 1's restore: not run 1's, settled.
    assert table["deleted"] is False and table["not_ours"] is True, table
    assert re.fullmatch(r"not the drill's \(created at \S+\): kept", table["reason"]), table
    # A bucket's CreationDate moves when the bucket is changed: a later one proves nothing, so
    # the bucket is kept and still counted as run 1's to look at, never deleted.
    assert bucket["deleted"] is False and not bucket.get("not_ours"), bucket
    assert "may be the drill's" in bucket["reason"], bucket
    assert "reuse-fixed-table" in tables(sb, recovery)
    assert "reuse-fixed-bucket" in buckets(sb, recovery)
    # run 1's copies were its own and are deleted; only the unsure bucket is left to look at
    assert len(cleaned["left"]) == 1 and history_of(env, run1)["left"] == 1
    again = drill(env, "cleanup", run1, "--yes")
    assert "not the drill's" not in again.stdout, again.stdout  # the table: settled
    assert "may be the drill's" in again.stdout and "reuse-fixed-bucket" in buckets(sb, recovery)
    assert history_of(env, run2)["left"] == 4

    cleaned = cleanup_of(env, run2)
    assert all(c["deleted"] for c in cleaned["cleanup"]), cleaned["cleanup"]
    assert "reuse-fixed-table" not in tables(sb, recovery)
    assert "reuse-fixed-bucket" not in buckets(sb, recovery)
    assert history_of(env, run2)["left"] == 0


def test_cleanup_empties_a_versioned_restored_bucket_of_every_version_and_delete_marker(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    recovery = info.accounts["recovery"]
    path = runbook(
        tmp_path,
        info,
        "versions",
        "never",
        '  - name: files\n    resource: {account: "PROD", type: S3, name: prod-assets}\n'
        "    metadata: {DestinationBucketName: versioned-drill-bucket}\n",
    )
    env = env_for(sb, info, tmp_path)
    done = drill(env, "run", str(path), "--yes", "--json")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    run_id = result_of(done)["run"]
    s3 = sb.client("s3", recovery, EU)
    # A bucket AWS Backup restores has versioning enabled.
    assert s3.get_bucket_versioning(Bucket="versioned-drill-bucket")["Status"] == "Enabled"
    # What a validation command may leave: an overwritten object and a deleted one.
    key = s3.list_objects_v2(Bucket="versioned-drill-bucket")["Contents"][0]["Key"]
    s3.put_object(Bucket="versioned-drill-bucket", Key=key, Body=b"changed by a check")
    s3.put_object(Bucket="versioned-drill-bucket", Key="scratch.txt", Body=b"x")
    s3.delete_object(Bucket="versioned-drill-bucket", Key="scratch.txt")
    listed = s3.list_object_versions(Bucket="versioned-drill-bucket")
    assert listed.get("DeleteMarkers") and len(listed["Versions"]) > 2

    cleaned = cleanup_of(env, run_id)
    assert all(c["deleted"] for c in cleaned["cleanup"]), cleaned["cleanup"]
    assert "versioned-drill-bucket" not in buckets(sb, recovery)
    assert history_of(env, run_id)["left"] == 0


@pytest.mark.parametrize(
    ("resource_type", "given", "sent"),
    [
        ("S3", {}, {"NewBucket": "true"}),
        (
            "EFS",
            {"PerformanceMode": "maxIO"},
            {"PerformanceMode": "maxIO", "newFileSystem": "true"},
        ),
        ("S3", {"newbucket": "true"}, {"newbucket": "true"}),  # as written, in any case
        ("DynamoDB", {}, {}),  # a table restore always creates a table: no such key
    ],
)
def test_a_drill_always_says_new_resource_whatever_aws_s_metadata_proposes(
    resource_type: str, given: dict[str, str], sent: dict[str, str]
) -> None:
    # The recovery point's own restore metadata may name the source bucket or file system
    # with the flag off; a drill's request states "new" itself.
    assert drill_metadata(resource_type, given) == sent
