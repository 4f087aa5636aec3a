"""The built-in validations of EBS, EFS, EC2 and RDS against the sandbox's real resources (read
with each service's own API in the resource's account): available with its measures, compared
with a source, not available, missing, and a stopped drill ending the wait."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from drconsole.aws.session import AwsSessions
from drconsole.config import Credentials, Settings
from drconsole.drills import validate as vd
from drconsole.drills.runbook import CommandValidation, Validation
from drconsole.errors import AwsError
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions

EU = "eu-central-1"
NAMES = {"prod-web-data", "prod-shared-files", "prod-web-1", "prod-orders-db"}


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[Sandbox, ScenarioInfo, AwsSessions, dict[str, str]]]:
    """The demo scenario, drconsole's sessions on it, and prod's resources by type."""
    sb, info = start_sandbox("demo", SandboxOptions(time_scale=600))
    management = info.accounts["management"]
    settings = Settings(
        regions=(EU,),
        endpoint_url=sb.endpoint_url,
        static_credentials=Credentials.from_mapping(sb.credentials_for(management)),
        management_account_id=management,
        retry_max_attempts=2,
    )
    prod = info.accounts["prod"]
    listed = sb.client("backup", prod, EU).list_protected_resources()["Results"]
    arns = {r["ResourceType"]: r["ResourceArn"] for r in listed if r.get("ResourceName") in NAMES}
    assert set(arns) == {"EBS", "EFS", "EC2", "RDS"}, listed
    yield sb, info, AwsSessions(settings), arns
    sb.stop()


def restored(info: ScenarioInfo, kind: str, arn: str, source: str | None = None) -> vd.Restored:
    prod = info.accounts["prod"]
    return vd.Restored(
        target=kind.lower(),
        run_id="r-validate",
        resource_type=kind,
        arn=arn,
        account=prod,
        region=EU,
        recovery_point="",
        source_resource_arn=source or arn,
        source_account=prod,
    )


def test_each_type_is_read_available_with_its_measures_and_matches_its_source(
    world: tuple[Sandbox, ScenarioInfo, AwsSessions, dict[str, str]],
) -> None:
    _, info, sessions, arns = world
    measures = {"EBS": "size_gib", "EFS": "size_bytes", "RDS": "allocated_gib", "EC2": None}
    compare = Validation(compare_with_source=True)
    for kind, measure in measures.items():
        result = vd.builtin(sessions, restored(info, kind, arns[kind]), compare)
        assert result["passed"], (kind, result["message"])
        assert result["message"].startswith(f"{kind} ")
        if measure is None:  # nothing to measure: it says so, never that it matches
            assert "not compared with its source" in result["message"], result
            assert result["source"]["compared"] is False
        else:
            assert "matches its source within 0%" in result["message"]
        if measure is not None:
            assert result["measures"][measure] > 0 or kind == "EFS", result
            assert result["source"]["measures"][measure] == result["measures"][measure]
        assert result["started"] <= result["finished"]
    ec2 = vd.builtin(sessions, restored(info, "EC2", arns["EC2"]), Validation())
    assert "is running" in ec2["message"] and ec2["endpoint"]  # its private address
    rds = vd.builtin(sessions, restored(info, "RDS", arns["RDS"]), Validation())
    assert "is available" in rds["message"] and ":" in rds["endpoint"]


def test_a_different_size_a_stopped_instance_a_missing_resource_and_a_stop(
    world: tuple[Sandbox, ScenarioInfo, AwsSessions, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sb, info, sessions, arns = world
    prod = info.accounts["prod"]
    ec2 = sb.client("ec2", prod, EU)
    # A volume of another size stands for a restore that lost data.
    smaller = ec2.create_volume(AvailabilityZone=f"{EU}a", Size=1)["VolumeId"]
    volume_arn = f"arn:aws:ec2:{EU}:{prod}:volume/{smaller}"
    differs = vd.builtin(
        sessions,
        restored(info, "EBS", volume_arn, source=arns["EBS"]),
        Validation(compare_with_source=True, tolerance_percent=10),
    )
    assert not differs["passed"]
    assert "differs from its source: size_gib 1 vs source" in differs["message"]
    assert "(tolerance 10%)" in differs["message"]

    missing: dict[str, Any] = {
        "EBS": f"arn:aws:ec2:{EU}:{prod}:volume/vol-0123456789abcdef0",
        "EFS": f"arn:aws:elasticfilesystem:{EU}:{prod}:file-system/fs-0123456789abcdef0",
        "RDS": f"arn:aws:rds:{EU}:{prod}:db:no-such-db",
        "EC2": f"arn:aws:ec2:{EU}:{prod}:instance/i-0123456789abcdef0",
    }
    # A restored resource may take a while to appear; these never will: no two-minute wait.
    monkeypatch.setattr(vd, "AVAILABLE_WAIT", 0.0)
    for kind, arn in missing.items():
        gone = vd.builtin(sessions, restored(info, kind, arn), Validation())
        assert not gone["passed"] and gone["message"] == f"{arn} does not exist", gone

    instance = arns["EC2"].rsplit("/", 1)[-1]
    ec2.stop_instances(InstanceIds=[instance])
    try:
        stopped = vd.builtin(sessions, restored(info, "EC2", arns["EC2"]), Validation())
        assert not stopped["passed"] and stopped["message"] == "EC2 is stopped"
        # A drill stopped while its validation waits ends the wait, recording nothing.
        monkeypatch.setattr(vd, "AVAILABLE_WAIT", 120.0)
        stopping = threading.Event()
        stopping.set()
        with pytest.raises(InterruptedError):
            vd.builtin(sessions, restored(info, "EC2", arns["EC2"]), Validation(), stopping)
    finally:
        ec2.start_instances(InstanceIds=[instance])


@pytest.mark.parametrize(
    "command",
    [
        CommandValidation(("true", "a\0b")),
        CommandValidation(("true\0x",), shell=True),
        CommandValidation(("true",), timeout_seconds=110000 * 86400.0),
    ],
    ids=["NUL in a word", "NUL in a shell command", "a timeout no wait can hold"],
)
def test_a_command_that_cannot_be_run_is_a_failed_validation_not_a_crash(
    command: CommandValidation,
) -> None:
    """Whatever running the command raises is judged: a failed validation, recorded with what
    was raised; a crash would come after the restore, and again at every resume."""
    target = vd.Restored("t", "r-validate", "S3", "arn:aws:s3:::b", "1" * 12, EU, "", "", "")
    result = vd.command(command, target, "", ())
    assert result["kind"] == "command" and result["passed"] is False
    assert result["message"].startswith("cannot run: "), result
    assert result["exit_code"] is None and result["started"] <= result["finished"]


class _ThrottledSessions:
    """Sessions whose every client fails as drconsole's own sessions do when the caller's
    identity cannot be read for throttling (an AwsError, not a botocore error)."""

    settings = None

    def client(self, *args: object, **kwargs: object) -> object:
        raise AwsError("member profile 'prod': Rate exceeded", "THROTTLED")


def test_an_aws_interruption_while_validating_interrupts_the_target_not_fails_it() -> None:
    restored = vd.Restored(
        target="t", run_id="r", resource_type="DynamoDB",
        arn="arn:aws:dynamodb:eu-central-1:111122223333:table/x", account="111122223333",
        region="eu-central-1", recovery_point="rp", source_resource_arn="", source_account="",
    )  # fmt: skip
    with pytest.raises(AwsError) as raised:  # ValidationInterrupted is one: resumable
        vd.builtin(_ThrottledSessions(), restored, Validation(), None)
    assert raised.value.cause == "THROTTLED"
