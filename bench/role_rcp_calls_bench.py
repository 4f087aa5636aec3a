"""Calls one `check copy` and one `check restore` send on the demo (prod's newest EBS point,
copied into the backup account's central vault, or restored in place), RCPs not enabled and then
with an identity perimeter RCP on prod's OU, which the job role checks read.

Run: .venv/bin/python bench/role_rcp_calls_bench.py
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from _demo import management_settings, newest_prod_point

from drconsole.aws.session import AwsSessions
from drconsole.checks.runner import CheckReport, run_copy_checks, run_restore_checks
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions


def calls_of(sandbox: Sandbox, label: str, run: Callable[[], CheckReport]) -> None:
    """Print how many requests `run` sent and the job role check's verdict."""
    mark = sandbox.request_log.mark()
    report = run()
    sent = len(sandbox.request_log.since(mark))
    role = next(c for c in report.checks if c.id in ("restore.role", "source.copy-role"))
    print(f"{label:<42} {sent:>3} calls   {role.id} {role.status.value}")


def attach_perimeter(sandbox: Sandbox, info: ScenarioInfo) -> None:
    """The identity perimeter without AWS services' exemption, on prod's OU."""
    orgs = sandbox.client("organizations", info.accounts["management"], info.region)
    root = orgs.list_roots()["Roots"][0]["Id"]
    orgs.enable_policy_type(RootId=root, PolicyType="RESOURCE_CONTROL_POLICY")
    ou = orgs.list_parents(ChildId=info.accounts["prod"])["Parents"][0]["Id"]
    statement: dict[str, Any] = {
        "Sid": "EnforceOrgIdentities", "Effect": "Deny", "Principal": "*",
        "Action": "sts:AssumeRole", "Resource": "*",
        "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": info.org_id}},
    }  # fmt: skip
    policy = orgs.create_policy(
        Name="IdentityPerimeter", Description="identity perimeter",
        Type="RESOURCE_CONTROL_POLICY",
        Content=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )["Policy"]["PolicySummary"]["Id"]  # fmt: skip
    orgs.attach_policy(PolicyId=policy, TargetId=ou)


def main() -> None:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    try:
        settings = management_settings(sandbox, info, retry_max_attempts=2)
        point = newest_prod_point(sandbox, info, lambda p: p["ResourceType"] == "EBS")
        central = (
            f"arn:aws:backup:{info.region}:{info.accounts['backup']}:backup-vault:"
            f"central-{info.region}"
        )
        zone = {"availabilityZone": f"{info.region}a"}
        for label in ("RCPs not enabled", "perimeter RCP on prod's OU"):
            if label != "RCPs not enabled":
                attach_perimeter(sandbox, info)
            sessions = AwsSessions(settings)
            calls_of(
                sandbox,
                f"check copy, {label}",
                lambda s=sessions: run_copy_checks(s, point, central),
            )
            calls_of(
                sandbox,
                f"check restore, {label}",
                lambda s=sessions: run_restore_checks(s, point, metadata=zone),
            )
    finally:
        sandbox.stop()
        sandbox.reset()


if __name__ == "__main__":
    main()
