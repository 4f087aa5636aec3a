"""`drill plan` whose reads AWS does not answer (throttled past the retries) exits 3, an AWS
failure, as `drill run` does for it: exit 1 stays "a target cannot start", which a CI gate
must be able to tell from "AWS did not answer"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from tests.test_drill_run import _runbook, demo_sandbox, drill, env_for, table_runbook

sandbox = pytest.fixture(scope="module", name="sandbox")(demo_sandbox)


@pytest.mark.parametrize(
    "operation", ["backup:ListRecoveryPointsByBackupVault", "kms:GetKeyPolicy"]
)
def test_a_plan_aws_throttles_past_the_retries_exits_3(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, operation: str
) -> None:
    sb, info = sandbox
    env = {**env_for(sb, info, tmp_path), "AWS_MAX_ATTEMPTS": "2"}
    runbook = table_runbook(tmp_path, info, "plan-throttled")
    sb.fail_operation(operation, "throttle")
    try:
        text = drill(env, "plan", str(runbook))
        data = drill(env, "plan", str(runbook), "--json")
    finally:
        sb.clear_faults()
    assert text.returncode == 3, f"exit {text.returncode}: {text.stdout[-1200:]}{text.stderr}"
    assert "THROTTLED" in text.stdout
    assert text.stdout.rstrip().endswith(
        "AWS did not answer every read (see above): nothing says a target cannot start; plan again."
    )
    assert data.returncode == 3, data.stdout[-1200:]
    plan = json.loads(data.stdout)
    assert plan["aws_unanswered"] is True and plan["ok"] is False
    # AWS answering again, the same runbook's plan is ready.
    again = drill(env, "plan", str(runbook))
    assert again.returncode == 0, again.stdout[-1200:]


def test_a_target_that_cannot_start_keeps_exit_1_beside_a_throttled_one(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """One target AWS throttled, another that cannot start for a reason (its source Region is
    misspelt): the reason decides, exit 1."""
    sb, info = sandbox
    env = {**env_for(sb, info, tmp_path), "AWS_MAX_ATTEMPTS": "2"}
    path = _runbook(
        tmp_path,
        info,
        "",
        '  - name: table\n    resource: {account: "PROD", type: DynamoDB, name: prod-sessions}\n'
        "    metadata: {targetTableName: plan-mixed}\n"
        '  - name: typo\n    resource: {account: "PROD", type: DynamoDB, name: prod-sessions}\n'
        "    source: {region: eu-nort-1}\n"
        "    metadata: {targetTableName: plan-mixed-typo}\n",
    )
    sb.fail_operation("kms:GetKeyPolicy", "throttle")
    try:
        done = drill(env, "plan", str(path), "--json")
    finally:
        sb.clear_faults()
    assert done.returncode == 1, done.stdout[-1500:] + done.stderr
    plan = json.loads(done.stdout)
    causes = {t["target"]: t["cause"] for t in plan["targets"]}
    assert causes == {"table": "THROTTLED", "typo": "SOURCE_NOT_FOUND"}, causes
    assert plan["aws_unanswered"] is False
