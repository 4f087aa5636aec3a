"""`restore.target-name` judges the name a drconsole restore really asks for: without a name
given, `<original>-restored-<flow id>` (not AWS's default, the original's own name, which still
exists); a name given is judged as given. Through `drconsole check restore` (a subprocess) and
the checks screen, against the sandbox."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from drconsole.aws.session import AwsSessions
from drconsole.models import CauseCode, CheckStatus, RecoveryPoint
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from drconsole.tui.checks_screen import ChecksScreen
from tests import forked_cli
from tests.demo_cli import demo_cli_env
from tests.test_checks_screen import Host, settings_for, settle

ROOT = Path(__file__).resolve().parent.parent
CHECK = "restore.target-name"


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    try:
        yield sandbox, info
    finally:
        sandbox.stop()
        sandbox.reset()


def sessions_point(sandbox: Sandbox, info: ScenarioInfo) -> dict[str, Any]:
    """dev-vault's newest recovery point of the DynamoDB table dev-sessions (which exists)."""
    backup = sandbox.client("backup", info.accounts["dev"], info.region)
    points = backup.list_recovery_points_by_backup_vault(
        BackupVaultName="dev-vault", ByResourceType="DynamoDB"
    )["RecoveryPoints"]
    found = max(
        (
            p
            for p in points
            if p.get("ResourceName") == "dev-sessions" and p["Status"] == "COMPLETED"
        ),
        key=lambda p: p["CreationDate"],
    )
    table = sandbox.client("dynamodb", info.accounts["dev"], info.region)
    assert table.describe_table(TableName="dev-sessions")["Table"]["TableName"] == "dev-sessions"
    return found


def check_restore(
    sandbox: Sandbox, info: ScenarioInfo, home: Path, *args: str
) -> tuple[int, dict[str, Any]]:
    done = forked_cli.run(
        [sys.executable, "-m", "drconsole", "check", "restore", *args, "--json"],
        capture_output=True,
        text=True,
        env=demo_cli_env(sandbox, info, home),
        cwd=ROOT,
        timeout=120,
    )
    assert "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout)
    [check] = [c for c in report["checks"] if c["id"] == CHECK]
    return done.returncode, check


def test_check_restore_judges_the_new_name_and_a_given_one_as_given(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sandbox, info = demo
    arn = sessions_point(sandbox, info)["RecoveryPointArn"]
    _, check = check_restore(sandbox, info, tmp_path, "--recovery-point", arn)
    assert check["status"] == "PASS", check
    assert "the restore creates a new name" in check["evidence"]
    assert "DynamoDB table dev-sessions-restored-<flow id>" in check["evidence"]
    assert f"account {info.accounts['dev']} ({info.region})" in check["evidence"]
    # The original's own name, given, is judged as given: taken.
    code, given = check_restore(
        sandbox,
        info,
        tmp_path,
        "--recovery-point",
        arn,
        "--metadata",
        "targetTableName=dev-sessions",
    )
    assert code == 1
    assert (given["status"], given["cause"]) == ("FAIL", "RESOURCE_ALREADY_EXISTS"), given
    assert "DynamoDB table dev-sessions already exists" in given["evidence"]


async def test_checks_screen_judges_the_new_name_of_an_in_place_restore(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sandbox, info = demo
    found = sessions_point(sandbox, info)
    dev = info.accounts["dev"]
    point = RecoveryPoint(
        arn=found["RecoveryPointArn"],
        vault_name="dev-vault",
        account_id=dev,
        region=info.region,
        resource_arn=found["ResourceArn"],
        resource_type="DynamoDB",
        resource_name="dev-sessions",
        created=datetime.now(UTC),
        status=found["Status"],
        size_bytes=None,
        encryption_key_arn=found.get("EncryptionKeyArn", ""),
        is_encrypted=True,
        source_vault_arn=None,
        expires=None,
    )
    settings = settings_for(sandbox, info, tmp_path)
    screen = ChecksScreen(point, settings, AwsSessions(settings))
    async with Host(screen).run_test(size=(80, 24)) as pilot:
        await settle(screen, pilot)
        [target] = [c for c in screen.rows["restore"] if c.id == CHECK]
        assert target.status is CheckStatus.PASS, target
        assert target.cause is not CauseCode.RESOURCE_ALREADY_EXISTS
        assert "dev-sessions-restored-<flow id>" in target.evidence


def test_the_checks_name_anew_what_the_restore_form_names_anew() -> None:
    """The checks and the restore form agree on which metadata key a restore names anew."""
    from drconsole.checks.facts import NAMED_ANEW_ON_RESTORE
    from drconsole.flows.restore_forms import FIELDS

    form = {kind: [f.key for f in fields if f.new_name] for kind, fields in FIELDS.items()}
    assert {kind: keys for kind, keys in form.items() if keys} == {
        kind: [key] for kind, key in NAMED_ANEW_ON_RESTORE.items()
    }
