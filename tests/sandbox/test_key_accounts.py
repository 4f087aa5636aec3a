"""The sandbox answers each request as its access key's account, without searching every account."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.iam.models import iam_backends

from drconsole.sandbox import key_accounts
from drconsole.sandbox.server import Sandbox
from tests.policies import trusting
from tests.sandbox.conftest import empty_sandbox

MANAGEMENT = "123456789012"
MEMBERS = ("222233334444", "555566667777", "888899990000")
REGION = "eu-central-1"


@pytest.fixture()
def sandbox() -> Iterator[Sandbox]:
    with empty_sandbox(REGION) as box:
        yield box


def caller_account(sandbox: Sandbox, keys: dict[str, str]) -> str:
    sts = boto3.client("sts", region_name=REGION, endpoint_url=sandbox.endpoint_url, **keys)
    return str(sts.get_caller_identity()["Account"])


def iam_backends_made() -> int:
    """IAM backends that exist, one per account and partition (moto makes them when asked)."""
    return sum(len(dict.keys(account)) for account in dict.values(iam_backends))


def test_each_key_is_answered_as_its_own_account_every_time(sandbox: Sandbox) -> None:
    keys = {account: sandbox.credentials_for(account) for account in (MANAGEMENT, *MEMBERS)}
    for _ in range(3):  # the second and third answers come from what the first found
        for account, credentials in keys.items():
            assert caller_account(sandbox, credentials) == account


def assumed_role_keys(sandbox: Sandbox, member: str) -> dict[str, str]:
    """The management account's keys into `member`'s OrganizationAccountAccessRole (made)."""
    role = sandbox.client("iam", member, "us-east-1").create_role(
        RoleName="OrganizationAccountAccessRole",
        AssumeRolePolicyDocument=json.dumps(trusting(MANAGEMENT)),
    )["Role"]["Arn"]
    got = sandbox.client("sts", MANAGEMENT, REGION).assume_role(
        RoleArn=role, RoleSessionName="drconsole"
    )["Credentials"]
    return {
        "aws_access_key_id": got["AccessKeyId"],
        "aws_secret_access_key": got["SecretAccessKey"],
        "aws_session_token": got["SessionToken"],
    }


def test_an_assumed_role_key_is_answered_as_the_role_account(sandbox: Sandbox) -> None:
    member = MEMBERS[0]
    keys = assumed_role_keys(sandbox, member)
    assert caller_account(sandbox, keys) == member
    assert caller_account(sandbox, keys) == member


def test_a_deleted_key_is_no_longer_its_accounts(sandbox: Sandbox) -> None:
    member = MEMBERS[1]
    iam = sandbox.client("iam", member, "us-east-1")
    iam.create_user(UserName="leaver")
    made = iam.create_access_key(UserName="leaver")["AccessKey"]
    keys = {
        "aws_access_key_id": made["AccessKeyId"],
        "aws_secret_access_key": made["SecretAccessKey"],
    }
    assert caller_account(sandbox, keys) == member  # found once, remembered
    iam.delete_access_key(UserName="leaver", AccessKeyId=made["AccessKeyId"])
    assert caller_account(sandbox, keys) != member


def test_a_key_is_found_again_after_a_reset(sandbox: Sandbox) -> None:
    old = sandbox.credentials_for(MEMBERS[2])
    assert caller_account(sandbox, old) == MEMBERS[2]
    sandbox.reset()
    assert caller_account(sandbox, old) != MEMBERS[2]
    assert caller_account(sandbox, sandbox.credentials_for(MEMBERS[2])) == MEMBERS[2]


def test_finding_a_key_makes_no_backend_in_other_accounts_or_partitions(sandbox: Sandbox) -> None:
    keys = [sandbox.credentials_for(account) for account in (MANAGEMENT, *MEMBERS)]
    made = iam_backends_made()
    for credentials in keys:
        caller_account(sandbox, credentials)
    # moto's own search asks every account for every partition (aws-cn, aws-us-gov...),
    # making an IAM backend for each: thousands at 1,000 accounts.
    assert iam_backends_made() == made


def test_a_key_made_by_iam_or_sts_is_known_before_its_first_call(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each assumed role's first call used to search every account (millions of look-ups
    over a 1,000-account load): keys are remembered where moto keeps them as they are made,
    so the first call looks in one place."""
    member = MEMBERS[0]
    for account in (MANAGEMENT, *MEMBERS):
        caller_account(sandbox, sandbox.credentials_for(account))  # every account's backend
    assumed = assumed_role_keys(sandbox, member)["aws_access_key_id"]
    iam = sandbox.client("iam", MEMBERS[1], "us-east-1")
    iam.create_user(UserName="newcomer")
    made = iam.create_access_key(UserName="newcomer")["AccessKey"]
    places: list[str] = []
    holds = key_accounts._holds

    def looked_in(account: Any, partition: str, access_key: str) -> bool:
        places.append(partition)
        return holds(account, partition, access_key)

    monkeypatch.setattr(key_accounts, "_holds", looked_in)
    assert key_accounts.account_of_key(assumed) == member
    assert key_accounts.account_of_key(made["AccessKeyId"]) == MEMBERS[1]
    assert len(places) == 2
