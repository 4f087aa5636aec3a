"""`source.pass-role` in `drconsole check copy` (a subprocess) against the sandbox: the identity
drconsole starts the copy with in the source account may pass the copy role (iam:PassRole on
StartCopyJob's IamRoleArn); the sandbox's StartCopyJob refuses a caller that may not, and
`explain` of its refusal gives the check's cause."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests import forked_cli
from tests.demo_cli import demo_cli_env

ROOT = Path(__file__).resolve().parent.parent
OPERATOR = "copy-operator"
CHECK = "source.pass-role"


@dataclass
class Env:
    sandbox: Sandbox
    info: ScenarioInfo
    env: dict[str, str]

    def client(self, service: str, role: str) -> Any:
        return self.sandbox.client(service, self.info.accounts[role], self.info.region)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    home = tmp_path_factory.mktemp("home")
    try:
        yield Env(sandbox, info, demo_cli_env(sandbox, info, home))
    finally:
        sandbox.stop()
        sandbox.reset()


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def operator_everywhere(demo: Env, deny_pass_role_in: str) -> None:
    """Role OPERATOR in prod and backup, trusting the management account, allowed everything;
    in `deny_pass_role_in` it may not pass roles."""
    trust = policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{demo.info.accounts['management']}:root"},
            "Action": "sts:AssumeRole",
        }
    )
    for account in ("prod", "backup"):
        iam = demo.client("iam", account)
        iam.create_role(RoleName=OPERATOR, AssumeRolePolicyDocument=trust)
        statements = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
        if account == deny_pass_role_in:
            statements.append({"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"})
        iam.put_role_policy(
            RoleName=OPERATOR, PolicyName="operate", PolicyDocument=policy(*statements)
        )


def check_copy(demo: Env, rp: str, dest: str) -> tuple[int, dict[str, Any]]:
    args = ["--role-name", OPERATOR, "check", "copy", "--recovery-point", rp, "--to", dest]
    result = forked_cli.run(
        [sys.executable, "-m", "drconsole", *args, "--json"],
        capture_output=True,
        text=True,
        env=demo.env,
        cwd=ROOT,
        timeout=120,
    )
    assert result.stdout and "Traceback" not in result.stderr, result.stderr
    report = json.loads(result.stdout)
    return result.returncode, report


def test_a_caller_that_may_not_pass_the_copy_role_fails_before_the_copy_as_aws_does(
    demo: Env,
) -> None:
    operator_everywhere(demo, deny_pass_role_in="prod")
    prod, region = demo.info.accounts["prod"], demo.info.region
    backup = demo.client("backup", "prod")
    point = next(
        p["RecoveryPointArn"]
        for p in backup.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")[
            "RecoveryPoints"
        ]
        if p["ResourceType"] == "EBS" and p.get("ResourceName") == "prod-web-data"
    )
    dest = f"arn:aws:backup:{region}:{demo.info.accounts['backup']}:backup-vault:"
    dest += "central-eu-central-1"
    copy_role = f"arn:aws:iam::{prod}:role/service-role/AWSBackupDefaultServiceRole"

    code, report = check_copy(demo, point, dest)

    check = next(c for c in report["checks"] if c["id"] == CHECK)
    assert (code, check["status"], check["cause"]) == (1, "FAIL", "ROLE_PERMISSIONS"), check
    assert f"arn:aws:iam::{prod}:role/{OPERATOR} may not pass {copy_role}" in check["evidence"]
    fix = check["remediation"]
    assert f"aws iam put-role-policy --role-name {OPERATOR}" in fix
    statement = json.loads(fix.split("--policy-document '", 1)[1].split("'", 1)[0])
    assert statement["Statement"] == [
        {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": copy_role,
            "Condition": {"StringEquals": {"iam:PassedToService": "backup.amazonaws.com"}},
        }
    ]
    assert [c["id"] for c in report["checks"] if c["status"] != "PASS"] == [CHECK]

    # The sandbox's StartCopyJob, called as the operator, refuses the same.
    sts = demo.client("sts", "management")
    session = sts.assume_role(RoleArn=f"arn:aws:iam::{prod}:role/{OPERATOR}", RoleSessionName="op")[
        "Credentials"
    ]
    as_operator = boto3.client(
        "backup",
        region_name=region,
        endpoint_url=demo.sandbox.endpoint_url,
        aws_access_key_id=session["AccessKeyId"],
        aws_secret_access_key=session["SecretAccessKey"],
        aws_session_token=session["SessionToken"],
    )
    with pytest.raises(ClientError) as refused:
        as_operator.start_copy_job(
            RecoveryPointArn=point,
            SourceBackupVaultName="prod-vault",
            DestinationBackupVaultArn=dest,
            IamRoleArn=copy_role,
        )
    message = refused.value.response["Error"]["Message"]
    assert "iam:PassRole" in message
    explained = forked_cli.run(
        [sys.executable, "-m", "drconsole", "explain", "--json", message],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert json.loads(explained.stdout)["cause"] == check["cause"]

    # Allowed to pass it, the check passes and the copy is ready.
    demo.client("iam", "prod").put_role_policy(
        RoleName=OPERATOR,
        PolicyName="operate",
        PolicyDocument=policy({"Effect": "Allow", "Action": "*", "Resource": "*"}),
    )
    code, report = check_copy(demo, point, dest)
    check = next(c for c in report["checks"] if c["id"] == CHECK)
    assert check["status"] == "PASS", check
    assert (code, report["ok"]) == (0, True), [c for c in report["checks"] if c["status"] != "PASS"]
