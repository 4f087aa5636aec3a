"""restore.key judges the key policy as KMS does: an explicit Deny in it beats a grant, and the
restore role's organization is in the request (AWS's data-perimeter key policy admits it).
Real `drconsole` processes against a `drconsole sandbox` process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_cli_copy import EU, SandboxProcess, drconsole, sandbox_process
from tests.test_cli_flow_requests import prod_point


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxProcess]:
    yield from sandbox_process()


def _key(sb: SandboxProcess, statements: list[dict[str, Any]]) -> str:
    kms = sb.client("kms", "prod", EU)
    document = json.dumps({"Version": "2012-10-17", "Statement": statements})
    return str(kms.create_key(Policy=document)["KeyMetadata"]["Arn"])


def _restore_key_check(sb: SandboxProcess, tmp_path: Path, key: str, table: str) -> Any:
    done = drconsole(
        sb,
        tmp_path,
        "check",
        "restore",
        "--recovery-point",
        prod_point(sb, "DynamoDB"),
        "--metadata",
        f"targetTableName={table}",
        "--metadata",
        "encryptionType=KMS",
        "--metadata",
        f"kmsMasterKeyArn={key}",
        "--json",
    )
    checks = {c["id"]: c for c in json.loads(done.stdout)["checks"]}
    return checks["restore.key"]


def test_an_explicit_deny_in_the_key_policy_is_not_overridden_by_a_grant(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    prod = sandbox.accounts["prod"]
    role = f"arn:aws:iam::{prod}:role/service-role/AWSBackupDefaultServiceRole"
    key = _key(
        sandbox,
        [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{prod}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "NoRestoresWithThisKey",
                "Effect": "Deny",
                "Principal": {"AWS": role},
                "Action": "kms:CreateGrant",
                "Resource": "*",
            },
        ],
    )
    kms = sandbox.client("kms", "prod", EU)
    kms.create_grant(KeyId=key, GranteePrincipal=role, Operations=["CreateGrant", "Decrypt"])
    assert any(g["GranteePrincipal"] == role for g in kms.list_grants(KeyId=key)["Grants"])
    check = _restore_key_check(sandbox, tmp_path, key, "deny-beats-grant")
    assert check["status"] == "FAIL" and check["cause"] == "KMS_KEY_UNUSABLE", check
    assert "explicit-deny" in check["evidence"], check


def test_the_organization_perimeter_of_a_key_policy_admits_a_role_of_the_organization(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    prod = sandbox.accounts["prod"]
    org = sandbox.client("organizations", "prod", EU).describe_organization()["Organization"]
    # AWS's data-perimeter key policy (aws-samples/data-perimeter-policy-examples,
    # kms_key_policy.json, EnforceIdentityPerimeter), its Deny narrowed to the key's use: the
    # sandbox's KMS refuses DescribeKey to everyone under a Deny of kms:*, whatever its Condition.
    key = _key(
        sandbox,
        [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{prod}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "EnforceIdentityPerimeter",
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["kms:CreateGrant", "kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {
                    "StringNotEqualsIfExists": {"aws:PrincipalOrgID": org["Id"]},
                    "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
                },
            },
        ],
    )
    check = _restore_key_check(sandbox, tmp_path, key, "org-perimeter")
    assert check["status"] == "PASS", json.dumps(check)
