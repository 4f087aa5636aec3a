"""`drconsole explain` run as a user runs it: a subprocess, arguments or stdin, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from tests import forked_cli

SEED = "Copy job failed. Cross-account copy feature is not enabled for the current organization."
KEY = "arn:aws:kms:eu-central-1:111111111111:key/159f9as4-697q-f354-a448-example"


def explain(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", "explain", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_json_output_is_the_documented_object() -> None:
    result = explain("--json", SEED)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload) == {
        "cause",
        "explanation",
        "remediation",
        "matched",
        "error_code",
        "also_possible",
    }
    assert payload["cause"] == "CROSS_ACCOUNT_DISABLED"
    assert payload["matched"] == "cross-account-disabled"
    assert "isCrossAccountBackupEnabled=true" in payload["remediation"]
    assert payload["error_code"] is None
    assert payload["also_possible"] == []


def test_a_message_aws_gives_for_two_causes_names_both() -> None:
    """AWS's message for a copy refused CopyIntoBackupVault is the same whether the vault's
    policy or the copy role's refused it: explain names the other cause, and the role's fix
    names AWS's managed policy for the copy role."""
    result = explain("--json", "Access Denied trying to call AWS Backup service.")
    payload = json.loads(result.stdout)
    assert (payload["cause"], payload["also_possible"]) == (
        "VAULT_POLICY_DENIES_COPY",
        ["ROLE_PERMISSIONS"],
    )
    assert (
        "aws iam attach-role-policy --role-name <COPY_ROLE_NAME> --policy-arn "
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"
    ) in payload["remediation"]
    shown = explain("Access Denied trying to call AWS Backup service.").stdout
    assert "Also possible: ROLE_PERMISSIONS" in shown


def test_words_are_joined_and_the_wrapper_gives_the_error_code() -> None:
    message = (
        "An error occurred (InvalidParameterValueException) when calling the StartCopyJob"
        " operation: Copy job from eu-central-1 to eu-north-1 cannot be initiated for RDS"
        " resources. Feature is not supported for provided resource type."
    )
    words = message.split(" ")
    payload = json.loads(explain("--json", *words).stdout)
    assert payload["cause"] == "UNSUPPORTED_COPY_ROUTE"
    assert payload["error_code"] == "InvalidParameterValueException"
    assert "eu-north-1" in payload["remediation"]


def test_rds_source_key_message_names_the_aws_managed_key_as_also_possible() -> None:
    """RDS gives the same words for an unshared customer managed key and for aws/rds, which no
    key policy can share (awslabs/aurora-snapshot-tool#26): explain names both, and the fix
    gives the key policy statement and the copy with a customer managed key."""
    message = (
        f"The source snapshot KMS key [{KEY}] does not exist, is not enabled or you do not have"
        " permissions to access it."
    )
    result = explain("--json", message)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert (payload["cause"], payload["also_possible"]) == (
        "SOURCE_KEY_NOT_SHARED",
        ["AWS_MANAGED_RESOURCE_KEY"],
    )
    assert f"aws kms put-key-policy --key-id {KEY}" in payload["remediation"]
    assert "--kms-key-id <CUSTOMER_MANAGED_KEY_ARN>" in payload["remediation"]
    assert f"describe-key --key-id {KEY} --query KeyMetadata.KeyManager" in (payload["remediation"])
    text = explain(message).stdout
    assert "Also possible: AWS_MANAGED_RESOURCE_KEY" in text


def test_stdin_with_dash_and_readable_output_for_people() -> None:
    message = f"The source snapshot KMS key [{KEY}]\n does not exist, is not enabled or you do"
    result = explain("-", stdin=message + " not have permissions to access it.\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("SOURCE_KEY_NOT_SHARED")
    assert "Fix:" in result.stdout
    assert f"aws kms put-key-policy --key-id {KEY}" in result.stdout
    # JSON brackets of the policy survive (no markup swallowed them)
    assert '"kms:CreateGrant"' in result.stdout


def test_unknown_message_exits_1_and_says_so() -> None:
    result = explain("--json", "the", "coffee", "machine", "is", "empty")
    assert result.returncode == 1
    payload = json.loads(result.stdout)
    assert payload["cause"] == "UNKNOWN"
    assert payload["matched"] is None


def test_empty_message_is_a_usage_error() -> None:
    for args, stdin in ((("",), None), ((), None), (("-",), "  \n")):
        result = explain(*args, stdin=stdin)
        assert result.returncode == 2
        assert result.stdout == ""
        assert "MESSAGE is empty" in result.stderr
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_a_message_too_large_says_where_it_came_from() -> None:
    huge = "x" * (100 * 1024)
    for args, stdin, where in (
        ((huge,), None, "given as MESSAGE"),
        (("-",), huge, "on standard input"),
    ):
        result = explain(*args, stdin=stdin)
        assert result.returncode == 2 and result.stdout == ""
        (line,) = result.stderr.splitlines()
        assert f"the message {where} is larger than 64 KiB" in line, line


# --- The demo scenario's five deliberate faults, copied for real in the sandbox ------------------

FAULT_CAUSES = {
    "vault_aws_managed_key": "DEST_VAULT_AWS_MANAGED_KEY",
    "vault_without_access_policy": "VAULT_POLICY_DENIES_COPY",
    "service_linked_role_missing": "SERVICE_LINKED_ROLE_MISSING",
    "source_key_not_shared": "SOURCE_KEY_NOT_SHARED",
    "aws_managed_resource_key": "AWS_MANAGED_RESOURCE_KEY",
}


def failed_copy_messages() -> dict[str, str]:
    """Start the copy that meets each demo fault and return the StatusMessage it fails with."""
    from drconsole.sandbox.scenarios import start_sandbox
    from drconsole.sandbox.scenarios.clients import ScenarioClients
    from drconsole.sandbox.scenarios.iam_roles import default_service_role_arn
    from drconsole.sandbox.server import SandboxOptions

    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=36000.0))
    try:
        clients = ScenarioClients(sandbox)
        accounts, region = info.accounts, info.region
        central = f"arn:aws:backup:{region}:{accounts['backup']}:backup-vault:central-{region}"
        dev_vault = f"arn:aws:backup:{region}:{accounts['dev']}:backup-vault:dev-vault"
        # fault -> (account that starts the copy, its source vault, destination vault ARN)
        plan = {
            "vault_aws_managed_key": (
                "backup",
                f"central-{region}",
                info.faults["vault_aws_managed_key"],
            ),
            "vault_without_access_policy": (
                "backup",
                f"central-{region}",
                info.faults["vault_without_access_policy"],
            ),
            "service_linked_role_missing": ("backup", f"central-{region}", dev_vault),
            "source_key_not_shared": ("qa", "qa-vault", central),
            "aws_managed_resource_key": ("prod", "prod-vault", central),
        }
        jobs = {}
        for fault, (role, source_vault, destination) in plan.items():
            backup = clients.client("backup", accounts[role], region)
            job_id = backup.start_copy_job(
                RecoveryPointArn=info.fault_recovery_points[fault],
                SourceBackupVaultName=source_vault,
                DestinationBackupVaultArn=destination,
                IamRoleArn=default_service_role_arn(accounts[role]),
            )["CopyJobId"]
            jobs[fault] = (backup, job_id)
        messages: dict[str, str] = {}
        deadline = time.monotonic() + 60
        while len(messages) < len(jobs) and time.monotonic() < deadline:
            for fault, (backup, job_id) in jobs.items():
                job = backup.describe_copy_job(CopyJobId=job_id)["CopyJob"]
                if job["State"] in ("FAILED", "COMPLETED", "ABORTED", "PARTIAL"):
                    messages[fault] = f"{job['State']}: {job.get('StatusMessage', '')}"
            time.sleep(0.1)
        return messages
    finally:
        sandbox.stop()
        sandbox.reset()


def test_explain_each_demo_fault_from_its_failed_copy_job() -> None:
    messages = failed_copy_messages()
    assert set(messages) == set(FAULT_CAUSES), "every fault's copy job finished"
    print("\ndemo fault -> copy job StatusMessage -> explain")
    for fault, message in sorted(messages.items()):
        assert message.startswith("FAILED: "), (fault, message)
        status_message = message.removeprefix("FAILED: ")
        result = explain("--json", "-", stdin=status_message)
        cause = json.loads(result.stdout)["cause"]
        print(f"  {fault:<28} {cause:<28} {status_message[:70]}")
        assert result.returncode == 0
        assert cause == FAULT_CAUSES[fault], (fault, status_message)
