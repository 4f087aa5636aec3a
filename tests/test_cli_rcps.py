"""Resource control policies on the OU path of the account owning a KMS key, through the CLI in
a subprocess against the sandbox: an RCP at the prod OU denying the restore role's use of its
customer managed key FAILs `restore.key`, naming the RCP, its target and statement, and the
sandbox's job (forced with boto3) fails; one hinging on the key's tags is UNKNOWN; an RCP
allowing everything changes nothing; and the destination's AWSServiceRoleForBackup, whose
requests RCPs do not affect, is not judged by them in `check copy`."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from tests.rcp_policies import attached_rcp
from tests.test_cli_restore_boundary_scps import (
    Env,
    checks_of,
    demo,
    drconsole,
    forced_restore,
    prod_ou,
)
from tests.test_cli_restore_key_calls import KEY_UNUSABLE, customer_key_point

__all__ = ["demo"]  # the module's own demo sandbox, made by the same fixture


def rcp(demo: Env, target: str, document: dict[str, Any]) -> contextlib.AbstractContextManager[str]:
    """An RCP named KeyPerimeter attached at `target` for the length of a `with`."""
    return attached_rcp(
        demo.client("organizations", "management"), target, document, "KeyPerimeter"
    )


def deny_key_use(condition: dict[str, Any]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "KeyUseInPerimeter", "Effect": "Deny", "Principal": "*",
             "Action": ["kms:CreateGrant", "kms:Decrypt"], "Resource": "*",
             "Condition": condition},
        ],
    }  # fmt: skip


def test_an_rcp_denying_the_restore_roles_key_use_fails_the_key_check_and_the_job(
    demo: Env,
) -> None:
    rp, key = customer_key_point(demo)
    ou = prod_ou(demo)
    prod = demo.info.accounts["prod"]
    # The kind of RCP a data perimeter uses, here keeping prod's own principals off the key.
    document = deny_key_use({"StringEquals": {"aws:PrincipalAccount": prod}})
    with rcp(demo, ou, document):
        code, checks = checks_of(demo, rp)
        job = forced_restore(demo, rp)
    verdict = checks["restore.key"]
    assert code == 1
    assert (verdict["status"], verdict["cause"]) == ("FAIL", "KMS_KEY_UNUSABLE"), verdict
    assert (
        f"the resource control policy KeyPerimeter attached to {ou} denies kms:CreateGrant "
        f'on {key} to {demo.role_arn("prod")} (statement "KeyUseInPerimeter")'
    ) in verdict["evidence"], verdict
    assert f"--target-id {ou} --filter RESOURCE_CONTROL_POLICY" in verdict["remediation"]
    # The SCPs are not what denies it.
    assert checks["restore.scps"]["status"] == "PASS", checks["restore.scps"]
    assert job["Status"] == "FAILED" and job["StatusMessage"] == KEY_UNUSABLE, job


def test_an_rcp_hinging_on_the_keys_tags_is_unknown_and_one_allowing_all_changes_nothing(
    demo: Env,
) -> None:
    rp, key = customer_key_point(demo)
    ou = prod_ou(demo)
    tagged = deny_key_use({"StringNotEquals": {"aws:ResourceTag/perimeter": "open"}})
    with rcp(demo, ou, tagged):
        _, checks = checks_of(demo, rp)
    verdict = checks["restore.key"]
    assert verdict["status"] == "UNKNOWN", verdict
    assert "aws:ResourceTag/perimeter" in verdict["evidence"] and ou in verdict["evidence"]
    allow_all = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
    }
    with rcp(demo, ou, allow_all):
        code, checks = checks_of(demo, rp)
    assert code == 0, checks
    assert checks["restore.key"]["status"] == "PASS", checks["restore.key"]
    assert key in checks["restore.key"]["evidence"], checks["restore.key"]


def test_the_destinations_service_linked_role_is_not_judged_by_rcps(demo: Env) -> None:
    """RCPs do not affect requests made by service-linked roles: an RCP denying the backup
    account's principals the prod key leaves `source.key` of a copy into backup a PASS."""
    rp, key = customer_key_point(demo)
    backup = demo.info.accounts["backup"]
    dest = f"arn:aws:backup:{demo.info.region}:{backup}:backup-vault:central-{demo.info.region}"
    document = deny_key_use({"StringEquals": {"aws:PrincipalAccount": backup}})
    with rcp(demo, prod_ou(demo), document):
        result = drconsole(demo, "check", "copy", "--recovery-point", rp, "--to", dest, "--json")
    report = json.loads(result.stdout)
    source_key = next(c for c in report["checks"] if c["id"] == "source.key")
    assert source_key["status"] in ("PASS", "WARN"), source_key
    assert key in source_key["evidence"] and "KeyPerimeter" not in source_key["evidence"]


def test_explain_names_the_rcp_when_iam_says_one_denied_the_key(demo: Env) -> None:
    """IAM's form for a denial by a policy type ("... with an explicit deny in a <type>"), with
    a resource control policy: the fix is the RCP, not the key policy."""
    prod = demo.info.accounts["prod"]
    key = f"arn:aws:kms:{demo.info.region}:{prod}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    message = (
        f"User: {demo.role_arn('prod')} is not authorized to perform: kms:CreateGrant on "
        f"resource: {key} with an explicit deny in a resource control policy"
    )
    result = drconsole(demo, "explain", message, "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["cause"] == "KMS_KEY_UNUSABLE", document
    assert "resource control policy" in document["explanation"], document
    assert f"--target-id {prod} --filter RESOURCE_CONTROL_POLICY" in document["remediation"], (
        document
    )
    assert "put-key-policy" not in document["remediation"], document


def test_readiness_reads_the_rcps_of_the_key_a_restore_would_use(demo: Env) -> None:
    """Readiness judges a restore of prod's EBS volumes and EC2 instances as `check restore`
    does: an RCP denying the restore role the customer managed key makes the row NOT READY with
    `KMS_KEY_UNUSABLE` naming the RCP (its `restore.key` read the key's state alone)."""
    prod = demo.info.accounts["prod"]
    ou = prod_ou(demo)

    def prod_row() -> dict[str, Any]:
        result = drconsole(demo, "readiness", "--json")
        assert "Traceback" not in result.stderr, result.stderr
        rows = json.loads(result.stdout)["rows"]
        return next(r for r in rows if r["account_id"] == prod and r["region"] == "eu-central-1")

    document = deny_key_use({"StringEquals": {"aws:PrincipalAccount": prod}})
    with rcp(demo, ou, document):
        denied = prod_row()
    assert denied["verdict"] == "NOT READY" and "KMS_KEY_UNUSABLE" in denied["causes"], denied
    said = next(e for e in denied["explanation"] if e.startswith("KMS_KEY_UNUSABLE"))
    assert f"the resource control policy KeyPerimeter attached to {ou} denies kms:" in said
    assert demo.role_arn("prod") in said and '(statement "KeyUseInPerimeter")' in said
    assert "KMS_KEY_UNUSABLE" not in prod_row()["causes"]  # detached: the key is usable again
