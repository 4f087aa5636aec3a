"""A drill's clean-up deletes only what the drill created: a runbook that restores into an
existing bucket or file system is refused before anything runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from tests.test_drill_run import EU, demo_sandbox, drill, env_for, restore_jobs

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
