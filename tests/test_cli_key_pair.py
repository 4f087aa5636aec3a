"""`restore.key-pair` against the sandbox, through the CLI in a subprocess: an EC2 restore's key
pair (the recovery point's `KeyName`) exists in the restoring account and Region. EC2 key pairs
belong to one account and Region, so a copy into another Region names a key pair it lacks; the
restore is stopped before StartRestoreJob, the sandbox's job forced with boto3 fails with
RunInstances' message, and `explain` of that message agrees with the check."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests import forked_cli
from tests.demo_cli import demo_cli_env

ROOT = Path(__file__).resolve().parent.parent
CHECK = "restore.key-pair"
KEY, INSTANCE = "dr-web-key", "dr-keyed-web"
FINISHED = ("COMPLETED", "FAILED", "ABORTED", "EXPIRED")


@dataclass
class Env:
    sandbox: Sandbox
    info: ScenarioInfo
    env: dict[str, str]
    point: str = ""  # a recovery point in prod of an instance launched with key pair KEY
    instance: str = ""  # that instance's id, its ResourceName

    def client(self, service: str, role: str, region: str = "") -> Any:
        return self.sandbox.client(service, self.info.accounts[role], region or self.info.region)


def wait_for(call: Any, key: str, state: str = "State") -> dict[str, Any]:
    for _ in range(2400):
        answer: dict[str, Any] = call()[key] if key else call()
        if answer[state] in FINISHED:
            return answer
        time.sleep(0.05)
    raise AssertionError(f"{answer} did not end")


def keyed_point(sandbox: Sandbox, info: ScenarioInfo) -> tuple[str, str]:
    """An instance launched in prod with the key pair KEY (which prod has in its own Region
    only), backed up into prod-vault: (its recovery point, the instance id). The recovery
    point's restore metadata names KEY."""
    prod, region = info.accounts["prod"], info.region
    ec2 = sandbox.client("ec2", prod, region)
    ec2.create_key_pair(KeyName=KEY)
    image = ec2.describe_images()["Images"][0]["ImageId"]
    instance = ec2.run_instances(
        ImageId=image,
        MinCount=1,
        MaxCount=1,
        InstanceType="t3.micro",
        KeyName=KEY,
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": INSTANCE}]}
        ],
    )["Instances"][0]["InstanceId"]
    backup = sandbox.client("backup", prod, region)
    started = backup.start_backup_job(
        BackupVaultName="prod-vault",
        ResourceArn=f"arn:aws:ec2:{region}:{prod}:instance/{instance}",
        IamRoleArn=default_role(info, "prod"),
    )
    job = wait_for(lambda: backup.describe_backup_job(BackupJobId=started["BackupJobId"]), "")
    assert job["State"] == "COMPLETED", job
    return str(started["RecoveryPointArn"]), str(instance)


def default_role(info: ScenarioInfo, role: str) -> str:
    return f"arn:aws:iam::{info.accounts[role]}:role/service-role/AWSBackupDefaultServiceRole"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    home = tmp_path_factory.mktemp("home")
    try:
        yield Env(sandbox, info, demo_cli_env(sandbox, info, home), *keyed_point(sandbox, info))
    finally:
        sandbox.stop()
        sandbox.reset()


def drconsole(demo: Env, *args: str) -> subprocess.CompletedProcess[str]:
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", *args],
        capture_output=True,
        text=True,
        env=demo.env,
        cwd=ROOT,
        timeout=180,
    )


def key_pair_check(checks: list[dict[str, Any]]) -> dict[str, Any]:
    found = [c for c in checks if c["id"] == CHECK]
    assert found, [c["id"] for c in checks]
    return found[0]


def check_restore(demo: Env, rp: str, *extra: str) -> tuple[int, dict[str, Any]]:
    """(exit code, the key pair check) of `check restore --json`."""
    result = drconsole(demo, "check", "restore", "--recovery-point", rp, *extra, "--json")
    assert result.stdout, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, key_pair_check(json.loads(result.stdout)["checks"])


def restore_by_hand(demo: Env, rp: str, **metadata: str) -> dict[str, Any]:
    """StartRestoreJob with plain boto3 in prod (AWS's metadata and `metadata`), once ended."""
    backup = demo.client("backup", "prod")
    given = backup.get_recovery_point_restore_metadata(
        BackupVaultName="prod-vault", RecoveryPointArn=rp
    )["RestoreMetadata"]
    job = backup.start_restore_job(
        RecoveryPointArn=rp,
        IamRoleArn=default_role(demo.info, "prod"),
        Metadata={**given, **metadata},
    )["RestoreJobId"]
    return wait_for(lambda: backup.describe_restore_job(RestoreJobId=job), "", "Status")


def restore_jobs(demo: Env, role: str, region: str = "") -> list[str]:
    jobs = demo.client("backup", role, region).list_restore_jobs()["RestoreJobs"]
    return sorted(job["RestoreJobId"] for job in jobs)


def test_the_recovery_point_names_its_key_pair_and_restores_with_it_in_place(demo: Env) -> None:
    metadata = demo.client("backup", "prod").get_recovery_point_restore_metadata(
        BackupVaultName="prod-vault", RecoveryPointArn=demo.point
    )["RestoreMetadata"]
    assert metadata.get("KeyName") == KEY

    code, check = check_restore(demo, demo.point)

    prod, region = demo.info.accounts["prod"], demo.info.region
    assert (check["status"], check["evidence"]) == (
        "PASS",
        f"key pair {KEY} exists in account {prod} ({region})",
    ), check
    assert code == 0
    job = restore_by_hand(demo, demo.point)
    assert (job["Status"], job.get("StatusMessage", "")) == ("COMPLETED", "")
    instance = job["CreatedResourceArn"].rsplit("/", 1)[-1]
    described = demo.client("ec2", "prod").describe_instances(InstanceIds=[instance])
    assert described["Reservations"][0]["Instances"][0]["KeyName"] == KEY


def test_read_only_mode_reads_the_key_pair(demo: Env) -> None:
    """`--read-only` (browsing, `drill plan`) judges the key pair as a read, not UNKNOWN."""
    code, check = check_restore(demo, demo.point, "--metadata", "KeyName=dr-gone-key")
    result = drconsole(
        demo,
        "--read-only",
        "check",
        "restore",
        "--recovery-point",
        demo.point,
        "--metadata",
        "KeyName=dr-gone-key",
        "--json",
    )
    assert "Traceback" not in result.stderr, result.stderr
    read_only = key_pair_check(json.loads(result.stdout)["checks"])
    assert (read_only["status"], read_only["evidence"]) == ("FAIL", check["evidence"]), read_only
    assert result.returncode == code == 1


def test_a_hostile_key_pair_name_stays_one_argument_in_the_fix(demo: Env) -> None:
    """EC2 allows any ASCII in a key pair's name: the fix's commands, pasted into a shell, keep
    it one argument (it was written bare: `--key-name x;touch /tmp/pwn`)."""
    from tests.test_remedy_shell_words import arguments_after

    name = 'x;touch /tmp/pwn $(id) "d" >out'
    _, check = check_restore(demo, demo.point, "--metadata", f"KeyName={name}")

    assert check["status"] == "FAIL", check
    assert arguments_after(check["remediation"], "--key-name") == [name], check["remediation"]
    assert arguments_after(check["remediation"], "--key-names") == [name], check["remediation"]


def test_an_instance_without_a_key_pair_passes(demo: Env) -> None:
    backup = demo.client("backup", "prod")
    points = backup.list_recovery_points_by_backup_vault(
        BackupVaultName="prod-vault", ByResourceType="EC2"
    )["RecoveryPoints"]
    web = max(
        (p for p in points if p.get("ResourceName") == "prod-web-1"),
        key=lambda p: p["CreationDate"],
    )
    _, check = check_restore(demo, web["RecoveryPointArn"])

    assert (check["status"], check["evidence"]) == ("PASS", "no key pair"), check


def test_a_key_pair_missing_fails_before_start_and_no_restore_is_sent(demo: Env) -> None:
    """A KeyName the Region lacks (typed here): `drconsole restore` stops before
    StartRestoreJob with the FAIL, its cause and the import-key-pair fix."""
    before = restore_jobs(demo, "prod")
    args = ["restore", "--recovery-point", demo.point, "--metadata", "KeyName=dr-gone-key"]
    args += ["--yes", "--poll-interval", "0.2", "--source-account", demo.info.accounts["prod"]]

    stopped = drconsole(demo, *args)

    assert stopped.returncode == 1, stopped.stdout + stopped.stderr
    assert "Traceback" not in stopped.stderr
    assert f"[FAIL] restore {CHECK}: key pair dr-gone-key" in stopped.stdout, stopped.stdout
    assert "A check failed: nothing was started." in stopped.stdout
    assert restore_jobs(demo, "prod") == before
    code, check = check_restore(demo, demo.point, "--metadata", "KeyName=dr-gone-key")
    assert (code, check["status"], check["cause"]) == (1, "FAIL", "UNKNOWN"), check
    assert "(KeyName, as given)" in check["evidence"]
    region = demo.info.region
    assert (
        f"aws ec2 import-key-pair --key-name dr-gone-key --public-key-material "
        f"fileb://dr-gone-key.pub --region {region}"
    ) in check["remediation"]


def test_the_sandbox_job_fails_late_with_runinstances_message_and_explain_agrees(
    demo: Env,
) -> None:
    job = restore_by_hand(demo, demo.point, KeyName="dr-gone-key")

    assert job["Status"] == "FAILED"
    assert job["StatusMessage"] == "The key pair 'dr-gone-key' does not exist"
    explained = json.loads(drconsole(demo, "explain", job["StatusMessage"], "--json").stdout)
    _, check = check_restore(demo, demo.point, "--metadata", "KeyName=dr-gone-key")
    assert (explained["cause"], explained["matched"]) == (check["cause"], "key-pair-missing")
    assert "aws ec2 import-key-pair --key-name dr-gone-key" in explained["remediation"]


def test_refused_describe_key_pairs_is_unknown_never_pass(demo: Env) -> None:
    demo.sandbox.fail_operation("ec2:DescribeKeyPairs", "denied")
    try:
        code, check = check_restore(demo, demo.point)
    finally:
        demo.sandbox.clear_faults()

    assert (check["status"], check["cause"]) == ("UNKNOWN", "ROLE_PERMISSIONS"), check
    assert "ec2:DescribeKeyPairs" in check["evidence"]
    assert code != 0


def test_a_copy_into_another_region_is_judged_there_and_passes_once_the_key_is_imported(
    demo: Env,
) -> None:
    """prod's key pair is in its own Region only: the restore after a copy into prod's
    eu-north-1 vault FAILs where it will run, and the fix (the public key imported there under
    the same name) makes it PASS."""
    prod, north = demo.info.accounts["prod"], demo.info.dr_region
    dest = f"arn:aws:backup:{north}:{prod}:backup-vault:prod-vault"

    def judged() -> dict[str, Any]:
        args = ["check", "copy", "--recovery-point", demo.point, "--to", dest, "--restore"]
        result = drconsole(demo, *args, "--json")
        assert result.stdout, result.stderr
        return key_pair_check(json.loads(result.stdout)["restore"]["checks"])

    check = judged()
    assert (check["status"], check["cause"]) == ("FAIL", "UNKNOWN"), check
    assert f"key pair {KEY}" in check["evidence"]
    assert f"account {prod} ({north})" in check["evidence"]
    fix = check["remediation"]
    region = demo.info.region
    assert f"--key-names {KEY} --include-public-key" in fix and f"--region {region} >" in fix
    assert f"aws ec2 import-key-pair --key-name {KEY}" in fix and f"--region {north}" in fix

    public = demo.client("ec2", "prod").describe_key_pairs(KeyNames=[KEY], IncludePublicKey=True)
    material = public["KeyPairs"][0]["PublicKey"].encode()
    imported = demo.client("ec2", "prod", north)
    imported.import_key_pair(KeyName=KEY, PublicKeyMaterial=material)
    try:
        assert judged()["status"] == "PASS"
    finally:
        imported.delete_key_pair(KeyName=KEY)


def test_drill_plan_blocks_the_target_before_its_copy(demo: Env, tmp_path: Path) -> None:
    """A drill restoring the keyed instance in prod's other Region: `drill plan` names the
    missing key pair, and `drill run` starts no copy for it."""
    prod, region, north = demo.info.accounts["prod"], demo.info.region, demo.info.dr_region
    runbook = tmp_path / "drill.yaml"
    runbook.write_text(
        "name: keyed\ncleanup: always\n"
        f'source: {{account: "{prod}", region: {region}, vault: prod-vault}}\n'
        f'restore_to: {{account: "{prod}", region: {north}, vault: prod-vault}}\n'
        "targets:\n"
        f'  - name: web\n    resource: {{account: "{prod}", type: EC2, name: {demo.instance}}}\n'
    )
    env = dict(demo.env, XDG_STATE_HOME=str(tmp_path / "state"))
    plan = forked_cli.run(
        [sys.executable, "-m", "drconsole", "drill", "plan", str(runbook), "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=180,
        check=False,
    )
    assert plan.stdout, plan.stderr
    (planned,) = json.loads(plan.stdout)["targets"]
    failing = [c for step in planned["checks"] for c in step["checks"] if c["status"] != "PASS"]
    assert [(c["id"], c["status"], c["cause"]) for c in failing] == [(CHECK, "FAIL", "UNKNOWN")]
    assert KEY in failing[0]["evidence"] and north in failing[0]["evidence"]
    copies = demo.client("backup", "prod").list_copy_jobs()["CopyJobs"]

    ran = forked_cli.run(
        [sys.executable, "-m", "drconsole", "drill", "run", str(runbook), "--yes", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )

    assert ran.returncode != 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    assert "Traceback" not in ran.stderr
    assert demo.client("backup", "prod").list_copy_jobs()["CopyJobs"] == copies


def test_copy_then_restore_into_another_region_stops_before_the_restore(
    demo: Env, tmp_path: Path
) -> None:
    """The operator's case: the recovery point copied into prod's vault of the other Region and
    restored there. `copy --restore` shows the FAIL with its plan and sends no StartRestoreJob
    in that Region (RunInstances would have failed the job late)."""
    prod, north = demo.info.accounts["prod"], demo.info.dr_region
    dest = f"arn:aws:backup:{north}:{prod}:backup-vault:prod-vault"
    args = ["copy", "--recovery-point", demo.point, "--to", dest, "--restore", "--yes"]
    args += ["--source-account", prod, "--poll-interval", "0.2"]
    env = dict(demo.env, XDG_STATE_HOME=str(tmp_path / "state"))
    before = restore_jobs(demo, "prod", north)

    stopped = forked_cli.run(
        [sys.executable, "-m", "drconsole", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )

    assert stopped.returncode == 1, stopped.stdout[-3000:] + stopped.stderr[-2000:]
    assert "Traceback" not in stopped.stderr
    assert f"check {CHECK} FAIL: key pair {KEY}" in stopped.stdout, stopped.stdout[-3000:]
    assert restore_jobs(demo, "prod", north) == before


def test_a_key_name_left_out_is_judged_on_the_backed_up_key_pair_never_passed_blindly(
    demo: Env,
) -> None:
    """`--metadata KeyName=` drops the key from the request, and no AWS document says whether
    AWS Backup then launches without a key pair or with the backed-up one: the backed-up one
    is still looked up where the restore runs — WARN when it is missing there, not PASS."""
    prod, region, north = demo.info.accounts["prod"], demo.info.region, demo.info.dr_region
    _, here = check_restore(demo, demo.point, "--metadata", "KeyName=")
    assert (here["status"], here["evidence"]) == (
        "PASS",
        f"KeyName left out; the backed-up key pair {KEY} exists in account {prod} ({region})",
    ), here

    dest = f"arn:aws:backup:{north}:{prod}:backup-vault:prod-vault"
    _, check = check_restore(demo, demo.point, "--to", dest, "--metadata", "KeyName=")
    assert (check["status"], check["cause"]) == ("WARN", "UNKNOWN"), check
    assert (
        f"backed-up key pair {KEY} does not exist in account {prod} ({north})"
        in (check["evidence"])
    )
    assert f"aws ec2 import-key-pair --key-name {KEY}" in check["remediation"]
