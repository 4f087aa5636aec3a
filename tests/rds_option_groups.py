"""RDS DB instances with option groups, backed up by AWS Backup in the sandbox, for the tests of
the option-group copy check (plain boto3 over HTTP)."""

from __future__ import annotations

import time
from typing import Any

FINISHED = ("COMPLETED", "FAILED", "ABORTED", "PARTIAL")
ORACLE = ("oracle-ee", "19", "19.0.0.0.ru-2024-01.rur-2024-01.r1")
# Oracle's Timezone option is persistent and permanent (RDS's DescribeOptionGroupOptions).
TIMEZONE = {"OptionName": "Timezone", "OptionSettings": [{"Name": "TIME_ZONE", "Value": "UTC"}]}


def option_group(rds: Any, name: str, *options: dict[str, Any]) -> None:
    """An Oracle EE 19 option group holding `options`."""
    engine, major, _ = ORACLE
    rds.create_option_group(
        OptionGroupName=name,
        EngineName=engine,
        MajorEngineVersion=major,
        OptionGroupDescription=f"{name} for the tests",
    )
    if options:
        rds.modify_option_group(
            OptionGroupName=name, OptionsToInclude=list(options), ApplyImmediately=True
        )


def backed_up_database(
    sandbox: Any, account: str, region: str, identifier: str, group: str | None = None
) -> str:
    """An Oracle DB instance (with option group `group`, else the default one) backed up into
    the account's `prod-vault` by a finished backup job; returns the recovery point ARN."""
    rds = sandbox.client("rds", account, region)
    engine, _, version = ORACLE
    extra = {"OptionGroupName": group} if group else {}
    database = rds.create_db_instance(
        DBInstanceIdentifier=identifier,
        Engine=engine,
        EngineVersion=version,
        DBInstanceClass="db.m5.large",
        MasterUsername="dbadmin",
        MasterUserPassword="sandbox-password",
        AllocatedStorage=20,
        **extra,
    )["DBInstance"]
    backup = sandbox.client("backup", account, region)
    started = backup.start_backup_job(
        BackupVaultName="prod-vault",
        ResourceArn=database["DBInstanceArn"],
        IamRoleArn=f"arn:aws:iam::{account}:role/service-role/AWSBackupDefaultServiceRole",
    )
    job = wait(lambda: backup.describe_backup_job(BackupJobId=started["BackupJobId"]))
    assert job["State"] == "COMPLETED", job
    return str(started["RecoveryPointArn"])


def wait(describe: Any) -> dict[str, Any]:
    """The job `describe` reports, once it has finished (a few seconds at most)."""
    for _ in range(600):
        job: dict[str, Any] = describe()
        job = job.get("CopyJob", job)
        if job["State"] in FINISHED:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job did not finish: {job}")
