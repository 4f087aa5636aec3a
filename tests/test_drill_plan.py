"""`drill plan` against the demo sandbox: every target resolved and checked, read-only, and a
target that cannot resolve or check said with its cause."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from drconsole.aws.session import AwsSessions
from drconsole.config import Credentials, Settings
from drconsole.drills.parse import load_runbook, parse_runbook
from drconsole.drills.plan_output import plan_json
from drconsole.drills.planner import plan_drill
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests import forked_cli

EU, NORTH = "eu-central-1", "eu-north-1"
DRILL = [sys.executable, "-m", "drconsole", "--read-only", "drill"]
PAYMENTS = Path(__file__).resolve().parent.parent / "examples" / "runbooks" / "payments.yaml"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sb, info = start_sandbox("demo", SandboxOptions(time_scale=600))
    yield sb, info
    sb.stop()


def sessions_for(sb: Sandbox, info: ScenarioInfo, state: Path, **extra: object) -> AwsSessions:
    management = info.accounts["management"]
    return AwsSessions(
        Settings(
            regions=(EU, NORTH),
            endpoint_url=sb.endpoint_url,
            static_credentials=Credentials.from_mapping(sb.credentials_for(management)),
            management_account_id=management,
            backup_account_id=info.accounts["backup"],
            dr_regions=(NORTH,),
            state_dir=state,
            retry_max_attempts=3,
            **extra,  # type: ignore[arg-type]
        )
    )


def test_the_example_names_the_demo_accounts(sandbox: tuple[Sandbox, ScenarioInfo]) -> None:
    _, info = sandbox
    text = PAYMENTS.read_text()
    for role in ("backup", "recovery", "prod"):
        assert f'"{info.accounts[role]}"   # {role}' in text or info.accounts[role] in text


def test_plan_resolves_and_checks_every_target_read_only(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    sessions = sessions_for(sb, info, tmp_path, read_only=True)
    plan = plan_drill(sessions, load_runbook(PAYMENTS))
    assert plan.ok, [t.first_failure() for t in plan.targets]
    data = plan_json(plan)
    by_name = {t["target"]: t for t in data["targets"]}
    assert set(by_name) == {"payments-db", "receipts", "sessions"}
    backup = sb.client("backup", info.accounts["backup"], NORTH)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="dr-eu-north-1")
    newest_aurora = max(
        (
            p
            for p in points["RecoveryPoints"]
            if p["ResourceName"] == "prod-payments-cluster" and p["Status"] == "COMPLETED"
        ),
        key=lambda p: p["CreationDate"],
    )
    db = by_name["payments-db"]
    assert db["resolved"]["recovery_point"] == newest_aurora["RecoveryPointArn"]
    # The data's age is the original backup's; AWS gives the DR copy the same creation date.
    assert db["resolved"]["data_time_basis"] == "original-backup"
    assert db["resolved"]["data_time"] <= newest_aurora["CreationDate"].isoformat()
    assert db["rpo_now_seconds"] > 0 and db["rpo_met_now"] is True
    assert db["route"]["hops"][0]["destination"].endswith(
        f"{EU}:{info.accounts['recovery']}:backup-vault:recovery-vault"
    )
    # Aurora across account and Region: the single job, and the two hops `drill run` falls
    # back to when AWS refuses it, through the vault the flow would choose.
    assert [c["step"] for c in db["checks"]] == [
        "hop1",
        "restore",
        "fall-back hop1",
        "fall-back hop2",
    ]
    assert db["route"]["fall_back"]["intermediate"] is not None
    assert [c["step"] for c in by_name["receipts"]["checks"]] == ["hop1", "restore"]
    assert all(c["ok"] for c in db["checks"])
    assert db["checked_before_their_step"] == ["restore"]
    assert db["creates"] and db["cleanup_deletes"]
    assert by_name["sessions"]["resolved"]["vault"] == "central-eu-central-1"
    assert by_name["sessions"]["objectives"]["rto_seconds"] == 3600
    # Nothing but reads was sent (read-only mode would have refused anything else).
    assert not (tmp_path / "journal.jsonl").exists()


def test_a_target_that_cannot_resolve_or_pass_its_checks_says_its_cause(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    backup, qa, prod = info.accounts["backup"], info.accounts["qa"], info.accounts["prod"]
    runbook = parse_runbook(
        f"""
name: broken
source: {{account: "{backup}", region: {EU}, vault: central-eu-central-1}}
targets:
  - name: missing
    resource: {{account: "{prod}", type: S3, name: no-such-bucket}}
    restore_to: {{account: "{qa}", region: {EU}, vault: qa-vault}}
  - name: denied
    resource: {{account: "{prod}", type: EFS, name: prod-shared-files}}
    restore_to: {{account: "{qa}", region: {EU}, vault: qa-archive-vault}}
""",
        "broken.yaml",
    )
    plan = plan_drill(sessions_for(sb, info, tmp_path, read_only=True), runbook)
    missing, denied = plan.targets
    assert not missing.ok and missing.resolved is None
    assert missing.first_failure()[1].startswith("no COMPLETED recovery point of S3 no-such-bucket")
    assert not denied.ok and denied.first_failure()[0] == "VAULT_POLICY_DENIES_COPY"


def test_drill_plan_on_the_command_line(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    credentials = sb.credentials_for(info.accounts["management"])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "XDG_"))}
    env.update(
        AWS_ENDPOINT_URL=sb.endpoint_url,
        AWS_ACCESS_KEY_ID=credentials["aws_access_key_id"],
        AWS_SECRET_ACCESS_KEY=credentials["aws_secret_access_key"],
        AWS_REGION=EU,
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
    )
    done = forked_cli.run(
        [*DRILL, "plan", str(PAYMENTS), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["ok"] and [t["target"] for t in data["targets"]] == [
        "payments-db",
        "receipts",
        "sessions",
    ]
    text = forked_cli.run(
        [*DRILL, "plan", str(PAYMENTS)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert text.returncode == 0, text.stderr
    assert "Target payments-db: ready" in text.stdout
    assert "Every target can start." in text.stdout


def test_a_name_that_matches_two_backed_up_resources_asks_for_the_arn(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """ResourceName is not unique (an EBS volume's Name tag): a rebuilt volume named as the old
    one, backed up later, was silently the one drilled, the newest point of either."""
    from datetime import UTC, datetime

    from drconsole.sandbox.store import seed_recovery_point

    sb, info = sandbox
    backup, prod, recovery = (info.accounts[r] for r in ("backup", "prod", "recovery"))
    listed = sb.client("backup", backup, NORTH).list_recovery_points_by_backup_vault(
        BackupVaultName="dr-eu-north-1"
    )["RecoveryPoints"]
    (original,) = {p["ResourceArn"] for p in listed if p.get("ResourceName") == "prod-web-data"}
    rebuilt = f"arn:aws:ec2:{EU}:{prod}:volume/vol-0feedfacecafe0001"
    seed_recovery_point(
        backup,
        NORTH,
        "dr-eu-north-1",
        resource_arn=rebuilt,
        resource_type="EBS",
        resource_name="prod-web-data",
        created=datetime.now(UTC),
        encryption_key_arn=None,
        size_bytes=2**30,
    )
    runbook = parse_runbook(
        f"""
name: web
source: {{account: "{backup}", region: {NORTH}}}
restore_to: {{account: "{recovery}", region: {EU}, vault: recovery-vault}}
targets:
  - name: by-name
    resource: {{account: "{prod}", type: EBS, name: prod-web-data}}
  - name: by-arn
    resource: {original}
""",
        "web.yaml",
    )
    plan = plan_drill(sessions_for(sb, info, tmp_path, read_only=True), runbook)
    by_name, by_arn = plan.targets
    assert not by_name.ok and by_name.resolved is None
    cause, message = by_name.first_failure()[:2]
    assert cause == "UNKNOWN"
    assert message.startswith(f"EBS prod-web-data in {prod} names 2 resources backed up in ")
    assert message.endswith(
        f": {', '.join(sorted((original, rebuilt)))}; give the resource as an ARN (resource: ARN)"
    )
    # Given as an ARN, the same name is the one resource meant.
    assert by_arn.resolved is not None
    assert by_arn.resolved.point.resource_arn == original


def test_an_scp_denying_restores_in_the_recovery_account_blocks_the_plan(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """An SCP on the recovery account's OU that denies StartRestoreJob: `drill plan`
    (read-only) judges it as `restore.scps` for every target restored there."""
    sb, info = sandbox
    recovery = info.accounts["recovery"]
    orgs = sb.client("organizations", info.accounts["management"], EU)
    root = orgs.list_roots()["Roots"][0]["Id"]
    with contextlib.suppress(orgs.exceptions.PolicyTypeAlreadyEnabledException):
        orgs.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    ou = orgs.list_parents(ChildId=recovery)["Parents"][0]["Id"]
    deny = {"Effect": "Deny", "Action": "backup:StartRestoreJob", "Resource": "*"}
    policy = orgs.create_policy(
        Name="NoDrillRestores",
        Description="no restores",
        Type="SERVICE_CONTROL_POLICY",
        Content=json.dumps({"Version": "2012-10-17", "Statement": [deny]}),
    )["Policy"]["PolicySummary"]["Id"]
    orgs.attach_policy(PolicyId=policy, TargetId=ou)
    try:
        plan = plan_drill(sessions_for(sb, info, tmp_path, read_only=True), load_runbook(PAYMENTS))
    finally:
        orgs.detach_policy(PolicyId=policy, TargetId=ou)
        orgs.delete_policy(PolicyId=policy)
    data = plan_json(plan)
    assert data["ok"] is False
    for target in data["targets"]:
        scps = [
            check
            for step in target["checks"]
            for check in step["checks"]
            if check["id"] == "restore.scps"
        ]
        assert scps and scps[0]["status"] == "FAIL", (target["target"], scps)
        assert "NoDrillRestores" in scps[0]["evidence"] and ou in scps[0]["evidence"]
        assert not target["ok"] and target["cause"] == "ROLE_PERMISSIONS", target
