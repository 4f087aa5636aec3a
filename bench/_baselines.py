"""What a user would otherwise run: plain boto3 scripts, with a 16-thread pool or one by one.

Each script makes the calls the drconsole path it stands beside needs, the straightforward way
(a boto3 Session per account from AssumeRole, botocore's paginators, no caching), against the
same sandbox and in the bench's own process. The sequential run covers the first accounts only
and is scaled to the whole organization by the number of calls; the report says so.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

ROLE_NAME = "OrganizationAccountAccessRole"
CONFIG = Config(retries={"mode": "adaptive", "max_attempts": 10}, max_pool_connections=32)


@dataclass
class Run:
    """One baseline run: wall time, how many accounts it covered and what it found."""

    wall: float
    accounts: int
    found: int


def management_session(info: dict[str, Any]) -> boto3.Session:
    """The management account's session (the sandbox's static keys)."""
    keys = info["credentials"]
    return boto3.Session(
        aws_access_key_id=keys["aws_access_key_id"],
        aws_secret_access_key=keys["aws_secret_access_key"],
        region_name=info["region"],
    )


def member_session(base: boto3.Session, info: dict[str, Any], account_id: str) -> boto3.Session:
    """A session in `account_id` through AssumeRole (the management account's own session)."""
    if account_id == info["management"]:
        return base
    sts = base.client("sts", endpoint_url=info["endpoint_url"], config=CONFIG)
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/{ROLE_NAME}", RoleSessionName="baseline"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=info["region"],
    )


def account_ids(base: boto3.Session, info: dict[str, Any]) -> list[str]:
    """Every account of the organization (ListAccounts, paginated)."""
    org = base.client("organizations", endpoint_url=info["endpoint_url"], config=CONFIG)
    ids = []
    for page in org.get_paginator("list_accounts").paginate():
        ids.extend(account["Id"] for account in page["Accounts"])
    return ids


def posture_of(base: boto3.Session, info: dict[str, Any], account_id: str) -> int:
    """What the accounts screen shows of one account: vaults and their recovery point counts,
    the newest backup (protected resources) per Region, AWSServiceRoleForBackup. Returns the
    number of recovery points and protected resources seen."""
    session = member_session(base, info, account_id)
    url = info["endpoint_url"]
    found = 0
    for region in (info["region"], info["dr_region"]):
        backup = session.client("backup", region_name=region, endpoint_url=url, config=CONFIG)
        for page in backup.get_paginator("list_backup_vaults").paginate():
            found += sum(v.get("NumberOfRecoveryPoints", 0) for v in page["BackupVaultList"])
        for page in backup.get_paginator("list_protected_resources").paginate():
            found += len(page["Results"])
    iam = session.client("iam", endpoint_url=url, config=CONFIG)
    with contextlib.suppress(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName="AWSServiceRoleForBackup")
    return found


def recovery_points_of(base: boto3.Session, info: dict[str, Any], account_id: str) -> int:
    """Every recovery point of one account, each written as a JSON line (to /dev/null)."""
    session = member_session(base, info, account_id)
    url = info["endpoint_url"]
    written = 0
    with open(os.devnull, "w", encoding="utf-8") as sink:
        for region in (info["region"], info["dr_region"]):
            backup = session.client("backup", region_name=region, endpoint_url=url, config=CONFIG)
            vaults = [
                vault["BackupVaultName"]
                for page in backup.get_paginator("list_backup_vaults").paginate()
                for vault in page["BackupVaultList"]
            ]
            pager = backup.get_paginator("list_recovery_points_by_backup_vault")
            for vault in vaults:
                for page in pager.paginate(BackupVaultName=vault):
                    for point in page["RecoveryPoints"]:
                        sink.write(json.dumps(point, default=str) + "\n")
                        written += 1
    return written


PerAccount = Callable[[boto3.Session, dict[str, Any], str], int]


def run(
    info: dict[str, Any], per_account: PerAccount, workers: int, accounts: int | None = None
) -> Run:
    """The script: list the accounts, then `per_account` on a pool of `workers` threads."""
    started = time.perf_counter()
    base = management_session(info)
    ids = account_ids(base, info)
    chosen: Sequence[str] = ids if accounts is None else ids[:accounts]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        found = sum(pool.map(lambda account: per_account(base, info, account), chosen))
    return Run(time.perf_counter() - started, len(chosen), found)
