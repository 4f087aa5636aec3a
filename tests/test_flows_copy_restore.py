"""Copy-back-and-restore flows against the embedded sandbox: every resource type, two hops,
the fall-back after a refused single hop, failing checks, failed jobs, read-only mode."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drconsole.aws.audit import AuditLog
from drconsole.aws.session import AwsSessions
from drconsole.checks.facts import restore_policy_arns
from drconsole.config import Credentials, Settings
from drconsole.errors import ReadOnlyViolation
from drconsole.flows import events as ev
from drconsole.flows.execute import FlowEngine
from drconsole.flows.journal import Journal
from drconsole.job_request import JobRequest, canonical_json
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions

# The AWS managed restore policies in the `aws` partition (the sandbox's).
RESTORE_POLICY_ARN, S3_RESTORE_POLICY_ARN = restore_policy_arns("S3", "aws")

EU, NORTH = "eu-central-1", "eu-north-1"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sb, info = start_sandbox("demo", SandboxOptions(time_scale=600))
    yield sb, info
    sb.stop()


_SHARED: dict[tuple[str, bool], AwsSessions] = {}


def shared_sessions(sb: Sandbox, info: ScenarioInfo, read_only: bool) -> AwsSessions:
    """One AwsSessions per sandbox (clients are slow to create). The engines get a state
    dir per test; the sessions' own state dir is never written."""
    key = (sb.endpoint_url, read_only)
    if key not in _SHARED:
        unused = Path(tempfile.mkdtemp(prefix="drconsole-sessions-"))
        _SHARED[key] = AwsSessions(settings_for(sb, info, unused, read_only=read_only))
    return _SHARED[key]


def settings_for(sb: Sandbox, info: ScenarioInfo, state_dir: Path, **extra: Any) -> Settings:
    management = info.accounts["management"]
    return Settings(
        regions=(EU, NORTH),
        endpoint_url=sb.endpoint_url,
        static_credentials=Credentials.from_mapping(sb.credentials_for(management)),
        management_account_id=management,
        backup_account_id=info.accounts["backup"],
        state_dir=state_dir,
        retry_max_attempts=3,
        **extra,
    )


class Run:
    """One engine, the events it emitted, and helpers to look at the sandbox."""

    def __init__(self, sb: Sandbox, info: ScenarioInfo, state_dir: Path, **extra: Any) -> None:
        self.sb, self.info, self.state_dir = sb, info, state_dir
        self.sessions = shared_sessions(sb, info, bool(extra.get("read_only")))
        self.events: list[ev.FlowEvent] = []
        self.engine = FlowEngine(
            self.sessions, on_event=self.events.append, state_dir=state_dir, min_poll=0.1
        )

    def names(self) -> list[str]:
        return [e.name for e in self.events]

    def of(self, kind: type[ev.FlowEvent]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    def flow(self, rp: str, dest: str | None, **options: Any) -> Any:
        hint = options.pop("account_hint", self.info.accounts["backup"])
        prepared = self.engine.prepare(rp, dest, account_hint=hint, **options)
        self.confirmed: list[JobRequest] = list(prepared.requests)  # what the operator saw
        flow_id = self.engine.begin(prepared)

        def confirm(request: JobRequest) -> bool:
            self.confirmed.append(request)  # shown and confirmed: the restore after a copy
            return True

        try:
            return self.engine.run(flow_id, confirm_request=confirm)
        finally:
            self.engine.close()

    def assert_sent_as_confirmed(self) -> None:
        """Every request the audit log says was sent is, byte for byte, one that was confirmed
        (canonical JSON of operation, account, Region and parameters), in the same order."""
        sent = [
            canonical_json(
                {
                    "operation": e["operation"],
                    "account": e["account"],
                    "region": e["region"],
                    "parameters": e["parameters"],
                }
            )
            for e in AuditLog(self.state_dir).calls()
            if e["operation"] in ("backup:StartCopyJob", "backup:StartRestoreJob")
        ]
        assert sent == [r.canonical() for r in self.confirmed]


def newest(sb: Sandbox, info: ScenarioInfo, vault: str, region: str, rtype: str, n: int = 0) -> str:
    backup = sb.client("backup", info.accounts["backup"], region)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName=vault)["RecoveryPoints"]
    chosen = [
        p
        for p in points
        if p["ResourceType"] == rtype
        and p["ResourceName"].startswith("prod-")
        and "legacy" not in p["ResourceName"]
    ]
    chosen.sort(key=lambda p: p["CreationDate"], reverse=True)
    return str(chosen[n]["RecoveryPointArn"])


def copy_jobs_from(sb: Sandbox, account: str, region: str, source_rp: str) -> list[dict[str, Any]]:
    backup = sb.client("backup", account, region)
    jobs = backup.list_copy_jobs(BySourceRecoveryPointArn=source_rp)["CopyJobs"]
    return list(jobs)


def restore_jobs_of(sb: Sandbox, account: str, region: str, rp: str) -> list[dict[str, Any]]:
    jobs = sb.client("backup", account, region).list_restore_jobs()["RestoreJobs"]
    return [j for j in jobs if j["RecoveryPointArn"] == rp]


def resource_exists(sb: Sandbox, account: str, arn: str) -> bool:
    """Ask moto's ordinary API about the restored resource."""
    last = arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    if ":volume/" in arn:
        return bool(sb.client("ec2", account).describe_volumes(VolumeIds=[last])["Volumes"])
    if ":instance/" in arn:
        found = sb.client("ec2", account).describe_instances(InstanceIds=[last])["Reservations"]
        return bool(found)
    if ":db:" in arn:
        rds = sb.client("rds", account)
        return bool(rds.describe_db_instances(DBInstanceIdentifier=last)["DBInstances"])
    if ":cluster:" in arn:
        rds = sb.client("rds", account)
        return bool(rds.describe_db_clusters(DBClusterIdentifier=last)["DBClusters"])
    if ":table/" in arn:
        return bool(sb.client("dynamodb", account).describe_table(TableName=last)["Table"])
    if ":file-system/" in arn:
        efs = sb.client("efs", account)
        return bool(efs.describe_file_systems(FileSystemId=last)["FileSystems"])
    if arn.startswith("arn:aws:s3:::"):
        sb.client("s3", account).head_bucket(Bucket=arn.split(":::", 1)[1])
        return True
    raise AssertionError(f"unexpected resource ARN {arn}")


# From the backup account's DR vault (another Region) where the demo keeps copies there;
# DynamoDB has no cross-Region copies, so it comes from the central vault in the same Region.
SOURCES = {
    "EBS": ("dr-eu-north-1", NORTH),
    "EC2": ("dr-eu-north-1", NORTH),
    "RDS": ("dr-eu-north-1", NORTH),
    "Aurora": ("dr-eu-north-1", NORTH),
    "DynamoDB": ("central-eu-central-1", EU),
    "EFS": ("dr-eu-north-1", NORTH),
    "S3": ("dr-eu-north-1", NORTH),
}


# Restore metadata keys whose default is AWS's own value for the copy (keys, zones, networks),
# unlike the names the form makes new.
KEPT_AS_AWS_SAYS = {
    "kmsKeyId",
    "KmsKeyId",
    "kmsMasterKeyArn",
    "KMSKey",
    "availabilityZone",
    "AvailabilityZone",
    "VpcSecurityGroupIds",
    "SubnetId",
    "SecurityGroupIds",
}


@pytest.mark.parametrize("rtype", list(SOURCES))
def test_restore_in_place_sends_the_confirmed_request(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, rtype: str
) -> None:
    sb, info = sandbox
    prod = info.accounts["prod"]
    backup = sb.client("backup", prod, EU)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    rp = next(
        p["RecoveryPointArn"]
        for p in sorted(points["RecoveryPoints"], key=lambda p: p["CreationDate"], reverse=True)
        if p["ResourceType"] == rtype
    )
    run = Run(sb, info, tmp_path)
    outcome = run.flow(rp, None, restore=True, account_hint=prod)

    assert outcome.status == "completed", (outcome, [e.to_json() for e in run.events][-3:])
    assert [r.operation for r in run.confirmed] == ["StartRestoreJob"]  # confirmed up front
    assert (run.confirmed[0].account_id, run.confirmed[0].region) == (prod, EU)
    run.assert_sent_as_confirmed()


@pytest.mark.parametrize("rtype", list(SOURCES))
def test_copy_back_and_restore_each_resource_type(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path, rtype: str
) -> None:
    sb, info = sandbox
    prod, backup = info.accounts["prod"], info.accounts["backup"]
    vault, region = SOURCES[rtype]
    rp = newest(sb, info, vault, region, rtype)
    dest = f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault"
    run = Run(sb, info, tmp_path)
    outcome = run.flow(rp, dest, restore=True)

    assert outcome.status == "completed", (outcome, [e.to_json() for e in run.events][-3:])
    created = outcome.result["created_resource"]
    assert created and resource_exists(sb, prod, created)
    assert len(copy_jobs_from(sb, backup, region, rp)) == 1
    assert len(restore_jobs_of(sb, prod, EU, outcome.result["recovery_point"])) == 1
    names = run.names()
    assert names[0] == "flow-planned" and names[-1] == "flow-finished"
    assert {"checks", "job-started", "job-finished", "restore-form"} <= set(names)
    progress = run.of(ev.JobProgress)
    assert all(p.job is not None and p.elapsed_seconds >= 0 for p in progress)
    finished = run.of(ev.JobFinished)
    assert [f.step for f in finished] == ["hop1", "restore"]
    assert all(f.polls >= 1 and f.delay_seconds is not None for f in finished)
    # Each Start was journaled before it was sent, and audited with the caller.
    records = [json.loads(line) for line in (tmp_path / "journal.jsonl").read_text().splitlines()]
    kinds = [(r["type"], r.get("step")) for r in records]
    assert kinds.index(("start", "hop1")) < kinds.index(("job", "hop1"))
    assert kinds.index(("start", "restore")) < kinds.index(("job", "restore"))
    audit = AuditLog(tmp_path).calls()
    operations = [e["operation"] for e in audit]
    assert operations == ["backup:StartCopyJob", "backup:StartRestoreJob"]
    # What was confirmed is what was sent; the restore was built from the copy in prod.
    run.assert_sent_as_confirmed()
    restore = run.confirmed[-1]
    copy_arn = outcome.result["recovery_point"]
    assert (restore.account_id, restore.region, restore.recovery_point_arn) == (prod, EU, copy_arn)
    copy_metadata = (
        sb.client("backup", prod, EU)
        .get_recovery_point_restore_metadata(
            BackupVaultName="prod-vault", RecoveryPointArn=copy_arn
        )
        .get("RestoreMetadata", {})
    )
    for key, value in restore.parameters["Metadata"].items():
        if key in copy_metadata and key in KEPT_AS_AWS_SAYS:
            assert value == copy_metadata[key], f"{key} is the copy's, in prod"
    assert all(e["caller"].startswith("arn:aws:") for e in audit)
    # The intent was written before the journal's start record, which names it.
    starts = [r for r in records if r["type"] == "start"]
    assert [r["audit_intent"] for r in starts] == [e["id"] for e in audit]
    assert [e["outcome"] for e in audit] == ["ok", "ok"] and audit[0]["result"]["CopyJobId"]
    secret = run.sessions.settings.static_credentials
    assert secret is not None
    for path in (tmp_path / "journal.jsonl", tmp_path / "audit.log"):
        assert secret.secret_access_key not in path.read_text()


def test_two_hop_database_copy_with_clean_up(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    prod, backup = info.accounts["prod"], info.accounts["backup"]
    rp = newest(sb, info, "dr-eu-north-1", NORTH, "Aurora", n=1)
    dest = f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault"
    run = Run(sb, info, tmp_path)
    outcome = run.flow(rp, dest, restore=True, route_mode="two-hop", cleanup_intermediate=True)

    assert outcome.status == "completed"
    planned = run.of(ev.FlowPlanned)[0]
    hops = planned.plan["hops"]
    assert [h["destination"] for h in hops] == [
        f"arn:aws:backup:{NORTH}:{prod}:backup-vault:prod-vault",
        dest,
    ]
    assert [r["operation"] for r in planned.requests] == [
        "backup:StartCopyJob",
        "backup:StartCopyJob",
    ]  # the restore is built from the final copy once it exists
    assert planned.requests[1]["request"]["RecoveryPointArn"] == "<recovery point created by hop1>"
    hop1 = copy_jobs_from(sb, backup, NORTH, rp)
    assert len(hop1) == 1
    intermediate = hop1[0]["DestinationRecoveryPointArn"]
    assert len(copy_jobs_from(sb, prod, NORTH, intermediate)) == 1
    cleanup = run.of(ev.CleanupDone)
    assert cleanup and cleanup[0].deleted and cleanup[0].recovery_point == intermediate
    prod_north = sb.client("backup", prod, NORTH)
    with pytest.raises(prod_north.exceptions.ResourceNotFoundException):
        prod_north.describe_recovery_point(
            BackupVaultName="prod-vault", RecoveryPointArn=intermediate
        )


def test_clean_up_keeps_an_intermediate_copy_in_a_locked_vault(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    prod, backup = info.accounts["prod"], info.accounts["backup"]
    rp = newest(sb, info, "dr-eu-north-1", NORTH, "RDS", n=2)
    prod_north = sb.client("backup", prod, NORTH)
    prod_north.put_backup_vault_lock_configuration(BackupVaultName="prod-vault", MinRetentionDays=7)
    try:
        run = Run(sb, info, tmp_path)
        outcome = run.flow(
            rp,
            f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault",
            restore=False,
            route_mode="two-hop",
            cleanup_intermediate=True,
        )
    finally:
        prod_north.delete_backup_vault_lock_configuration(BackupVaultName="prod-vault")
    assert outcome.status == "completed"
    (cleanup,) = run.of(ev.CleanupDone)
    assert not cleanup.deleted and "locked" in cleanup.reason
    intermediate = copy_jobs_from(sb, backup, NORTH, rp)[0]["DestinationRecoveryPointArn"]
    kept = prod_north.describe_recovery_point(
        BackupVaultName="prod-vault", RecoveryPointArn=intermediate
    )
    assert kept["Status"] == "COMPLETED"
    assert "DeleteRecoveryPoint" not in str(AuditLog(tmp_path).calls())


def test_fall_back_to_two_hops_when_aws_refuses_one_copy_job(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    prod, backup = info.accounts["prod"], info.accounts["backup"]
    rp = newest(sb, info, "dr-eu-north-1", NORTH, "RDS", n=1)
    dest = f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault"
    sb.options.single_action_db_copy = False
    try:
        run = Run(sb, info, tmp_path)
        outcome = run.flow(rp, dest, restore=False)
    finally:
        sb.options.single_action_db_copy = True

    assert outcome.status == "completed"
    changed = run.of(ev.RouteChanged)
    assert len(changed) == 1 and "Feature is not supported" in changed[0].message
    assert len(changed[0].hops) == 2
    hop1 = copy_jobs_from(sb, backup, NORTH, rp)
    assert len(hop1) == 1 and hop1[0]["DestinationBackupVaultArn"].startswith(
        f"arn:aws:backup:{NORTH}:{prod}"
    )
    assert len(copy_jobs_from(sb, prod, NORTH, hop1[0]["DestinationRecoveryPointArn"])) == 1
    audit = AuditLog(tmp_path).calls()
    assert [(e["operation"], e["outcome"]) for e in audit] == [
        ("backup:StartCopyJob", "error"),
        ("backup:StartCopyJob", "ok"),
        ("backup:StartCopyJob", "ok"),
    ]
    assert outcome.result["recovery_point"].startswith(f"arn:aws:rds:{EU}:{prod}:snapshot:")


def test_a_failed_copy_shows_its_cause(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    prod = info.accounts["prod"]
    rp = newest(sb, info, "central-eu-central-1", EU, "EFS")
    resource = sb.client("backup", info.accounts["backup"], EU).describe_recovery_point(
        BackupVaultName="central-eu-central-1", RecoveryPointArn=rp
    )["ResourceArn"]
    sb.inject_job_failure(resource, "Access Denied trying to call AWS Backup service.")
    run = Run(sb, info, tmp_path)
    dest = f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault"
    outcome = run.flow(rp, dest, restore=True)

    # AWS names the vault policy and the copy role's IAM policy; the flow's checks found the
    # vault policy allowing this copy, so the role is what is left.
    assert outcome.status == "failed" and outcome.cause == "ROLE_PERMISSIONS"
    end = run.of(ev.FlowFinished)[-1]
    assert end.status == "failed" and end.step == "hop1" and end.remediation
    assert "vault's access policy allows this copy" in end.explanation
    # The job's message names neither role nor vault: the flow fills them in.
    assert "<" not in end.remediation, end.remediation
    role = f"arn:aws:iam::{info.accounts['backup']}:role/service-role/AWSBackupDefaultServiceRole"
    assert f"copy role {role}" in end.remediation
    statement = {"Effect": "Allow", "Action": "backup:CopyIntoBackupVault", "Resource": dest}
    assert json.dumps(statement, indent=2) in end.remediation
    assert "put-backup-vault-access-policy" not in end.remediation
    assert "restore" not in [e.step for e in run.of(ev.JobStarted)]
    state = Journal(tmp_path).flow(outcome.flow_id)
    assert state is not None and state.status == "failed"


def test_a_refused_route_for_a_type_that_is_not_a_database_is_final(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """Two hops split a database copy across account and Region; any other type refused the
    same way would meet the same refusal on the second hop, after a full intermediate copy."""
    sb, info = sandbox
    prod, backup = info.accounts["prod"], info.accounts["backup"]
    rp = newest(sb, info, "dr-eu-north-1", NORTH, "EFS")
    resource = sb.client("backup", backup, NORTH).describe_recovery_point(
        BackupVaultName="dr-eu-north-1", RecoveryPointArn=rp
    )["ResourceArn"]
    refusal = (
        f"Copy job from {NORTH} to {EU} cannot be initiated for EFS resources. Feature is not"
        " supported for provided resource type."
    )
    sb.inject_job_failure(resource, refusal)
    before = len(copy_jobs_from(sb, backup, NORTH, rp))
    run = Run(sb, info, tmp_path)
    outcome = run.flow(rp, f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault", restore=False)

    assert outcome.status == "failed" and outcome.cause == "UNSUPPORTED_COPY_ROUTE"
    assert run.of(ev.RouteChanged) == []
    # the refused job only: no intermediate copy was made
    assert len(copy_jobs_from(sb, backup, NORTH, rp)) == before + 1
    end = run.of(ev.FlowFinished)[-1]
    assert "two hops" not in end.remediation.lower().replace("do not retry in two hops", "")
    assert f"--destinations Region={EU}" in end.remediation  # EFS's own replication


def test_a_failing_check_blocks_the_flow_until_fixed(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    qa = info.accounts["qa"]
    archive = info.faults["vault_without_access_policy"]
    rp = info.fault_recovery_points["vault_without_access_policy"]
    run = Run(sb, info, tmp_path)
    prepared = run.engine.prepare(rp, archive, restore=False, account_hint=info.accounts["backup"])
    assert not prepared.ok
    failing = [c for _, r in prepared.reports for c in r.checks if c.status.value == "FAIL"]
    assert failing and failing[0].cause is not None
    assert failing[0].cause.value == "VAULT_POLICY_DENIES_COPY" and failing[0].remediation
    flow_id = run.engine.begin(prepared)
    blocked = run.engine.run(flow_id)
    assert blocked.status == "blocked" and blocked.cause == "VAULT_POLICY_DENIES_COPY"
    assert AuditLog(tmp_path).calls() == []  # nothing was started

    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{info.accounts['backup']}:root"},
                "Action": "backup:CopyIntoBackupVault",
                "Resource": "*",
            }
        ],
    }
    sb.client("backup", qa, EU).put_backup_vault_access_policy(
        BackupVaultName=archive.rsplit(":", 1)[-1], Policy=json.dumps(policy)
    )
    again = FlowEngine(run.sessions, on_event=run.events.append, state_dir=tmp_path, min_poll=0.1)
    try:
        outcome = again.run(flow_id)  # re-checks, then copies
    finally:
        again.close()
    assert outcome.status == "completed"


def test_read_only_refuses_the_whole_flow_before_any_call(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    run = Run(sb, info, tmp_path, read_only=True)
    rp = newest(sb, info, "central-eu-central-1", EU, "EBS")
    before = sum(run.sessions.requests_sent.values())
    with pytest.raises(ReadOnlyViolation, match="refused before any AWS call"):
        run.engine.prepare(
            rp, f"arn:aws:backup:{EU}:{info.accounts['prod']}:backup-vault:prod-vault", restore=True
        )
    assert sum(run.sessions.requests_sent.values()) == before
    assert not (tmp_path / "journal.jsonl").exists()


def test_a_copy_then_restore_is_checked_in_the_destination_before_anything_starts(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """The restore role broken only in prod: before the copy, the restore checks read prod's
    role and say so (the copy may start: it takes hours, time to fix it); once the copy exists
    the restore is blocked by the same check, and nothing is sent to StartRestoreJob."""
    sb, info = sandbox
    prod, backup = info.accounts["prod"], info.accounts["backup"]
    rp = newest(sb, info, "central-eu-central-1", EU, "DynamoDB")
    dest = f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault"
    iam = sb.client("iam", prod)
    role, policy = "AWSBackupDefaultServiceRole", RESTORE_POLICY_ARN
    iam.detach_role_policy(RoleName=role, PolicyArn=policy)
    try:
        run = Run(sb, info, tmp_path)
        prepared = run.engine.prepare(rp, dest, restore=True, account_hint=backup)
        assert prepared.ok and prepared.restore_waits
        restore = dict(prepared.reports)["restore"]
        failing = [c for c in restore.checks if c.status.value != "PASS"]
        assert [c.id for c in failing] == ["restore.role"]
        assert f"arn:aws:iam::{prod}:role/service-role/{role}" in failing[0].evidence
        assert restore.route["restoring_account"] == prod and restore.route["region"] == EU
        # The same recovery point restored in place reads the backup account's role: whole.
        in_place = run.engine.prepare(rp, None, restore=True, account_hint=backup)
        role_check = next(c for c in dict(in_place.reports)["restore"].checks if "role" in c.id)
        assert role_check.status.value == "PASS" and f"::{backup}:role/" in role_check.evidence
        flow_id = run.engine.begin(prepared)
        blocked = run.engine.run(flow_id)
        run.engine.close()
        assert blocked.status == "blocked" and "restore.role" in blocked.message
        assert blocked.cause == "ROLE_PERMISSIONS"
    finally:
        iam.attach_role_policy(RoleName=role, PolicyArn=policy)
    calls = [c["operation"] for c in AuditLog(tmp_path).calls()]
    assert calls == ["backup:StartCopyJob"]  # the copy ran; the restore was never sent
