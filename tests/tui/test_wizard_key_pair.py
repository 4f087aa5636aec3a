"""The console's restore wizard on an EC2 recovery point whose key pair the restoring Region no
longer has: its restore checks name `restore.key-pair` and nothing is started."""

from __future__ import annotations

import time
from pathlib import Path

from textual.widgets import Button, Checkbox

from drconsole.flows.journal import Journal
from drconsole.tui.screens.recovery_points import RecoveryPointsScreen
from drconsole.tui.wizard.screen import CopyRestoreWizard
from tests.tui.conftest import Demo, wait_until
from tests.tui.test_screens import open_account
from tests.tui.test_wizard import SIZE, restore_jobs_in, text_of

EU, KEY = "eu-central-1", "dr-web-key"


def keyed_instance_backed_up_then_key_deleted(demo: Demo) -> tuple[str, str, bytes]:
    """(instance id, recovery point, the key's public key as its owner keeps it) of an instance
    launched in prod with key pair KEY and backed up into prod-vault, the key pair deleted since
    (an account being recovered)."""
    prod = demo.info.accounts["prod"]
    ec2 = demo.sandbox.client("ec2", prod, EU)
    ec2.create_key_pair(KeyName=KEY)
    image = ec2.describe_images()["Images"][0]["ImageId"]
    instance = ec2.run_instances(
        ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro", KeyName=KEY
    )["Instances"][0]["InstanceId"]
    backup = demo.sandbox.client("backup", prod, EU)
    started = backup.start_backup_job(
        BackupVaultName="prod-vault",
        ResourceArn=f"arn:aws:ec2:{EU}:{prod}:instance/{instance}",
        IamRoleArn=f"arn:aws:iam::{prod}:role/service-role/AWSBackupDefaultServiceRole",
    )
    for _ in range(2400):
        job = backup.describe_backup_job(BackupJobId=started["BackupJobId"])
        if job["State"] in ("COMPLETED", "FAILED", "ABORTED"):
            break
        time.sleep(0.05)
    assert job["State"] == "COMPLETED", job
    kept = ec2.describe_key_pairs(KeyNames=[KEY], IncludePublicKey=True)["KeyPairs"][0]
    ec2.delete_key_pair(KeyName=KEY)
    return str(instance), str(started["RecoveryPointArn"]), str(kept["PublicKey"]).encode()


async def test_the_wizard_names_the_missing_key_pair_and_starts_nothing(
    demo: Demo, tmp_path: Path
) -> None:
    prod = demo.info.accounts["prod"]
    instance, point, public_key = keyed_instance_backed_up_then_key_deleted(demo)
    jobs_before = len(restore_jobs_in(demo, prod))
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_account(pilot, prod)
        await pilot.press("enter")  # prod-vault (eu-central-1), the first vault
        assert isinstance(app.screen, RecoveryPointsScreen)
        await wait_until(pilot, lambda: app.screen.loading_done, what="recovery points")
        await pilot.press("slash", *instance, "enter")
        await pilot.press("w")
        wizard = app.screen
        assert isinstance(wizard, CopyRestoreWizard) and wizard.point is not None
        assert wizard.point.arn == point
        wizard.query_one("#in-place", Checkbox).focus()
        await pilot.press("space")
        wizard.query_one("#plan-button", Button).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: wizard.prepared is not None, what="plan", timeout=30)
        assert wizard.prepared is not None and not wizard.prepared.ok
        failing = [
            (check.id, check.status.value)
            for _, report in wizard.prepared.reports
            for check in report.checks
            if check.status.value != "PASS"
        ]
        assert failing == [("restore.key-pair", "FAIL")]
        plan = text_of(app, "#plan-text")
        assert f"key pair {KEY} (the recovery point's KeyName) does not exist" in plan, plan
        assert f"aws ec2 import-key-pair --key-name {KEY}" in plan
        assert "A check blocks the flow" in plan
        # The fix applied by hand (the public key imported under that name), Re-check passes.
        demo.sandbox.client("ec2", prod, EU).import_key_pair(
            KeyName=KEY, PublicKeyMaterial=public_key
        )
        wizard.query_one("#recheck", Button).focus()
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: wizard.prepared is not None and wizard.prepared.ok, what="re-check"
        )
    assert len(restore_jobs_in(demo, prod)) == jobs_before, "no restore job was started"
    assert Journal(tmp_path).flows() == []
