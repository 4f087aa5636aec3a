"""An AWS failure at each step of a flow, injected at the sandbox, against the real CLI.

Each case fails one call (throttled past the retries, access denied, service unavailable) at one
step of a copy, a two-hop copy, a restore or a clean-up. The CLI must end with exit 3, the cause
code and a `result` line; the journal must say where it stopped; `jobs --resume` must carry the
flow on to its end once the fault is gone, with exactly one job per hop and one restore (counted
in the sandbox with plain boto3). A kill while a Start call is in flight leaves its audit intent.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.server import SandboxOptions
from tests.cli_box import (
    EU,
    NORTH,
    Box,
    audit_path,
    journal,
    json_lines,
    kill_when,
)

POLL = ("--poll-interval", "0.1")


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0))
    try:
        yield Box(sandbox, info)
    finally:
        sandbox.stop()


@pytest.fixture(autouse=True)
def no_fault_left(box: Box) -> Iterator[None]:
    yield
    box.sandbox.clear_faults()


@dataclass(frozen=True)
class Case:
    """A fault at one step: which call, how it fails, after how many calls went through."""

    name: str
    operation: str
    kind: str
    after: int
    route: str  # "one-hop", "two-hop" or "restore-in-place"
    restore: bool
    step: str  # where the journal says the flow stopped
    cause: str
    cleanup: bool = False
    armed_after_job: bool = False  # the fault starts once hop1's job is journaled


CASES = [
    Case("start copy", "backup:StartCopyJob", "throttle", 0, "one-hop", False, "hop1", "THROTTLED"),
    Case(
        "watch copy", "backup:DescribeCopyJob", "denied", 0, "one-hop", False, "hop1",
        "ROLE_PERMISSIONS",
    ),
    # The reported case: throttling past the retries after a completed copy.
    Case(
        "restore metadata after the copy", "backup:GetRecoveryPointRestoreMetadata", "throttle",
        0, "one-hop", True, "restore", "THROTTLED", armed_after_job=True,
    ),
    Case(
        "start restore", "backup:StartRestoreJob", "error", 0, "one-hop", True, "restore",
        "SERVICE_ERROR",
    ),
    Case(
        "watch restore", "backup:DescribeRestoreJob", "denied", 0, "restore-in-place", True,
        "restore", "ROLE_PERMISSIONS",
    ),
    Case(
        "second hop start", "backup:StartCopyJob", "throttle", 1, "two-hop", False, "hop2",
        "THROTTLED",
    ),
    Case(
        "clean-up", "backup:DeleteRecoveryPoint", "denied", 0, "two-hop", False, "cleanup",
        "ROLE_PERMISSIONS", cleanup=True,
    ),
]  # fmt: skip


def command(box: Box, case: Case, rp: str) -> list[str]:
    if case.route == "restore-in-place":
        return [
            "restore", "--recovery-point", rp, "--source-account", box.accounts["backup"],
            "--metadata", f"targetTableName=drill-{case.after}-{len(case.name)}",
            "--allow-backup-account-restore",
        ]  # fmt: skip
    args = ["copy", "--recovery-point", rp, "--to", box.vault("prod", "prod-vault")]
    if case.route == "two-hop":
        args += ["--route", "two-hop"]
    if case.restore:
        args.append("--restore")
    if case.cleanup:
        args.append("--cleanup-intermediate")
    return args


def source_for(box: Box, case: Case, index: int) -> str:
    if case.route == "two-hop":
        return box.newest("dr-eu-north-1", NORTH, "Aurora", n=index)
    if case.route == "restore-in-place":
        return box.newest("central-eu-central-1", EU, "DynamoDB", n=index)
    return box.newest("dr-eu-north-1", NORTH, "EFS", n=index)


def armed_after_job(
    box: Box, case: Case, state: Path, args: list[str]
) -> subprocess.CompletedProcess[str]:
    """Run the command with the fault armed once its copy job is journaled: the checks before
    the plan read the same operation, so only the step after the copy meets the fault (the
    copy's watch is slowed meanwhile, so the fault is in place before the copy ends)."""
    box.sandbox.fail_operation("backup:DescribeCopyJob", "slow")
    process = subprocess.Popen(
        [sys.executable, "-m", "drconsole", *args, "--yes", "--json", *POLL],
        env=box.env(state),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not any(r["type"] == "job" for r in journal(state)):
        assert time.monotonic() < deadline and process.poll() is None, "no copy job journaled"
        time.sleep(0.05)
    box.sandbox.options.faults[case.operation] = case.kind
    out, err = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_an_aws_failure_at_each_step_exits_3_and_resumes_to_the_end(
    box: Box, case: Case, tmp_path: Path
) -> None:
    same_route = [c for c in CASES if c.route == case.route]
    rp = source_for(box, case, same_route.index(case))
    if case.armed_after_job:
        first = armed_after_job(box, case, tmp_path, command(box, case, rp))
    else:
        box.sandbox.fail_operation(case.operation, case.kind, case.after)
        first = box.cli(tmp_path, *command(box, case, rp), "--yes", "--json", *POLL)
    assert first.returncode == 3, first.stdout + first.stderr
    assert "Traceback" not in first.stderr, first.stderr
    result = json_lines(first.stdout)[-1]
    assert result["event"] == "result" and result["status"] == "interrupted"
    assert (result["cause"], result["exit_code"]) == (case.cause, 3)
    assert case.operation.split(":")[1] in result["message"]
    (stopped,) = [r for r in journal(tmp_path) if r["type"] == "aws-error"]
    assert (stopped["step"], stopped["cause"]) == (case.step, case.cause)
    assert "jobs --resume" in stopped["remediation"]
    listed = json.loads(box.cli(tmp_path, "jobs", "--json").stdout)["flows"]
    assert [f["last_error"]["cause"] for f in listed] == [case.cause]

    box.sandbox.clear_faults()
    resumed = box.cli(tmp_path, "jobs", "--resume", "--json", *POLL)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert json_lines(resumed.stdout)[-1]["status"] == "completed"
    assert json.loads(box.cli(tmp_path, "jobs", "--json").stdout) == {"flows": []}

    # One job per hop and one restore, whatever was retried.
    final = rp
    if case.route != "restore-in-place":
        hop1 = box.copy_jobs("backup", NORTH, rp)
        assert len(hop1) == 1, hop1
        final = hop1[0]["DestinationRecoveryPointArn"]
    if case.route == "two-hop":
        hop2 = box.copy_jobs("prod", NORTH, final)
        assert len(hop2) == 1, hop2
        final = hop2[0]["DestinationRecoveryPointArn"]
    if case.restore:
        account = "backup" if case.route == "restore-in-place" else "prod"
        assert len(box.restore_jobs(account, EU, final)) == 1
    if case.cleanup:
        cleanup = [r for r in journal(tmp_path) if r["type"] == "cleanup"]
        assert [c["deleted"] for c in cleanup] == [True]


def test_a_failure_before_the_flow_exists_writes_a_result_and_no_flow(
    box: Box, tmp_path: Path
) -> None:
    rp = box.newest("dr-eu-north-1", NORTH, "EFS", n=5)
    box.sandbox.fail_operation("backup:DescribeRecoveryPoint", "denied")
    done = box.cli(
        tmp_path, "copy", "--recovery-point", rp, "--to", box.vault("prod", "prod-vault"),
        "--yes", "--json",
    )  # fmt: skip
    assert done.returncode == 3 and "Traceback" not in done.stderr, done.stderr
    (result,) = json_lines(done.stdout)
    assert (result["status"], result["flow"], result["exit_code"]) == ("error", None, 3)
    assert result["cause"] == "ROLE_PERMISSIONS"
    assert journal(tmp_path) == []


def test_a_kill_while_a_start_is_in_flight_leaves_its_audit_intent(
    box: Box, tmp_path: Path
) -> None:
    rp = box.newest("dr-eu-north-1", NORTH, "EFS", n=6)
    box.sandbox.fail_operation("backup:StartCopyJob", "slow")  # its reply takes seconds
    process = box.spawn(
        tmp_path, "copy", "--recovery-point", rp, "--to", box.vault("prod", "prod-vault"),
        "--yes", "--json", *POLL,
    )  # fmt: skip
    records = kill_when(process, tmp_path, "start", "hop1")
    box.sandbox.clear_faults()
    assert not any(r["type"] == "job" for r in records)  # killed before the reply
    (start,) = [r for r in records if r["type"] == "start"]
    entries = [json.loads(line) for line in audit_path(tmp_path).read_text().splitlines()]
    intents = [e for e in entries if e["entry"] == "intent"]
    assert [i["id"] for i in intents] == [start["audit_intent"]]
    assert intents[0]["operation"] == "backup:StartCopyJob"
    assert intents[0]["caller"].startswith("arn:aws:") and intents[0]["flow"] == start["flow"]
    assert not [e for e in entries if e["entry"] == "outcome"]
    # The resume sends the same request again, audited with a link to the first intent.
    resumed = box.cli(tmp_path, "jobs", "--resume", "--json", *POLL)
    assert resumed.returncode == 0, resumed.stderr
    entries = [json.loads(line) for line in audit_path(tmp_path).read_text().splitlines()]
    again = [e for e in entries if e["entry"] == "intent"][1]
    assert again["resumes"] == start["audit_intent"]
    (outcome,) = [e for e in entries if e["entry"] == "outcome"]
    assert outcome["intent"] == again["id"] and outcome["outcome"] == "ok"
    assert len(box.copy_jobs("backup", NORTH, rp)) == 1


def interrupted_flow(box: Box, state: Path, n: int) -> str:
    """A copy stopped by AccessDenied on its StartCopyJob: its flow id."""
    rp = box.newest("dr-eu-north-1", NORTH, "EFS", n=n)
    box.sandbox.fail_operation("backup:StartCopyJob", "denied")
    first = box.cli(
        state, "copy", "--recovery-point", rp, "--to", box.vault("prod", "prod-vault"),
        "--yes", "--json",
    )  # fmt: skip
    box.sandbox.clear_faults()
    assert first.returncode == 3, first.stderr
    return str(json_lines(first.stdout)[-1]["flow"])


def test_resume_elsewhere_is_refused_unless_taken_over(box: Box, tmp_path: Path) -> None:
    flow = interrupted_flow(box, tmp_path, 7)
    (plan,) = [r for r in journal(tmp_path) if r["type"] == "plan"]
    assert plan["origin"]["endpoint"] == box.sandbox.endpoint_url
    assert plan["origin"]["caller"].startswith("arn:aws:") and plan["origin"]["account"]
    elsewhere = box.sandbox.endpoint_url.replace("127.0.0.1", "localhost")
    refused = box.cli(tmp_path, "jobs", "--resume", "--json", AWS_ENDPOINT_URL=elsewhere)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
    (result,) = json_lines(refused.stdout)
    assert (result["flow"], result["status"]) == (flow, "refused")
    assert "--take-over" in result["message"] and elsewhere in result["message"]
    text = box.cli(tmp_path, "jobs", "--resume", AWS_ENDPOINT_URL=elsewhere)
    assert (
        text.returncode == 2 and f"flow {flow} skipped: flow {flow} was started as" in text.stdout
    )
    taken = box.cli(
        tmp_path, "jobs", "--resume", "--take-over", "--json", *POLL, AWS_ENDPOINT_URL=elsewhere
    )
    assert taken.returncode == 0, taken.stderr
    assert json_lines(taken.stdout)[-1]["status"] == "completed"


def test_a_flow_another_process_drives_is_reported_not_skipped_silently(
    box: Box, tmp_path: Path
) -> None:
    from drconsole.flows.journal import FlowLock

    flow = interrupted_flow(box, tmp_path, 8)
    lock = FlowLock(tmp_path / "xdg-state" / "drconsole", flow)
    assert lock.acquire()
    try:
        busy = box.cli(tmp_path, "jobs", "--resume", "--json")
        text = box.cli(tmp_path, "jobs", "--resume")
    finally:
        lock.release()
    assert busy.returncode == 0, busy.stderr
    (result,) = json_lines(busy.stdout)
    assert (result["flow"], result["status"]) == (flow, "busy")
    assert "another drconsole process" in result["message"]
    assert f"flow {flow} skipped: " in text.stdout


def test_a_check_blocked_by_access_denied_names_its_cause(box: Box, tmp_path: Path) -> None:
    rp = box.newest("dr-eu-north-1", NORTH, "EFS", n=9)
    box.sandbox.options.access_denied_accounts.add(box.accounts["prod"])
    try:
        blocked = box.cli(
            tmp_path, "copy", "--recovery-point", rp, "--to", box.vault("prod", "prod-vault"),
            "--yes", "--json",
        )  # fmt: skip
    finally:
        box.sandbox.options.access_denied_accounts.clear()
    assert blocked.returncode == 1, blocked.stderr
    lines = json_lines(blocked.stdout)
    assert (lines[-1]["status"], lines[-1]["cause"]) == ("blocked", "ROLE_PERMISSIONS")
    unknown = [c for line in lines[:-1] for c in line["checks"] if c["status"] == "UNKNOWN"]
    assert unknown and all(c["cause"] == "ROLE_PERMISSIONS" for c in unknown)
