"""`drconsole copy`, `restore` and `jobs` as a user runs them: real processes against a
`drconsole sandbox` process, including a flow killed with SIGKILL at every step and resumed."""

from __future__ import annotations

import json
import os
import resource
import selectors
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from drconsole.job_request import canonical_json
from tests import forked_cli

EU, NORTH = "eu-central-1", "eu-north-1"
TIMEOUT = 90


def audit_requests(tmp_path: Path) -> list[dict[str, Any]]:
    """The job starts of the audit log that `drconsole` wrote under `tmp_path`, oldest first."""
    from drconsole.aws.audit import AuditLog

    entries = AuditLog(tmp_path / "xdg-state" / "drconsole").calls()
    return [e for e in entries if e["operation"].startswith("backup:Start")]


class SandboxProcess:
    """A running `drconsole sandbox` and boto3 access to its accounts."""

    def __init__(self, process: subprocess.Popen[str], info: dict[str, Any]) -> None:
        self.process = process
        self.info = info
        self.accounts: dict[str, str] = info["accounts"]

    def client(self, service: str, role: str, region: str = EU) -> Any:
        base = boto3.session.Session(region_name=EU, **self.info["credentials"])
        endpoint = self.info["endpoint_url"]
        if role == "management":
            return base.client(service, endpoint_url=endpoint, region_name=region)
        sts = base.client("sts", endpoint_url=endpoint)
        creds = sts.assume_role(
            RoleArn=f"arn:aws:iam::{self.accounts[role]}:role/OrganizationAccountAccessRole",
            RoleSessionName="tests",
        )["Credentials"]
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=endpoint,
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )

    def env(self, state: Path, endpoint: str | None = None) -> dict[str, str]:
        credentials = self.info["credentials"]
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("AWS_") and not key.startswith("XDG_")
        }
        env.update(
            AWS_ENDPOINT_URL=endpoint or self.info["endpoint_url"],
            AWS_ACCESS_KEY_ID=credentials["aws_access_key_id"],
            AWS_SECRET_ACCESS_KEY=credentials["aws_secret_access_key"],
            AWS_REGION=EU,
            AWS_DEFAULT_REGION=EU,
            XDG_STATE_HOME=str(state / "xdg-state"),
            XDG_CONFIG_HOME=str(state / "xdg-config"),
        )
        return env


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxProcess]:
    yield from sandbox_process()


def sandbox_process() -> Iterator[SandboxProcess]:
    """A `drconsole sandbox` process for the time of the generator."""
    process = subprocess.Popen(
        [sys.executable, "-m", "drconsole", "sandbox", "--time-scale", "120", "--latency-ms", "20"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    if not selector.select(TIMEOUT):
        process.kill()
        pytest.fail("the sandbox did not start")
    info = json.loads(process.stdout.readline())
    yield SandboxProcess(process, info)
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:  # (a loaded machine once took over 10 s to stop it)
        process.kill()
        process.wait(10)


def drconsole(sb: SandboxProcess, state: Path, *args: str, endpoint: str | None = None) -> Any:
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", *args],
        env=sb.env(state, endpoint),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def spawn(sb: SandboxProcess, state: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "drconsole", *args],
        env=sb.env(state),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def journal(state: Path) -> list[dict[str, Any]]:
    path = state / "xdg-state" / "drconsole" / "journal.jsonl"
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def has(records: list[dict[str, Any]], kind: str, step: str | None = None) -> bool:
    return any(r["type"] == kind and (step is None or r.get("step") == step) for r in records)


def kill_when(
    process: subprocess.Popen[str], state: Path, kind: str, step: str | None = None
) -> list[dict[str, Any]]:
    """SIGKILL the process as soon as the journal holds that record; the journal then."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if has(journal(state), kind, step):
            process.send_signal(signal.SIGKILL)
            process.wait(10)
            return journal(state)
        if process.poll() is not None:
            pytest.fail(f"the flow ended (exit {process.returncode}) before {kind} {step}")
        # Not faster: reading the journal must not starve the flow it watches of CPU.
        time.sleep(0.02)
    process.kill()
    pytest.fail(f"no {kind} {step} record in time")


def newest(sb: SandboxProcess, vault: str, region: str, rtype: str, n: int = 0) -> str:
    backup = sb.client("backup", "backup", region)
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


def prod_vault(sb: SandboxProcess) -> str:
    return f"arn:aws:backup:{EU}:{sb.accounts['prod']}:backup-vault:prod-vault"


def copy_jobs(sb: SandboxProcess, role: str, region: str, source_rp: str) -> list[dict[str, Any]]:
    backup = sb.client("backup", role, region)
    return list(backup.list_copy_jobs(BySourceRecoveryPointArn=source_rp)["CopyJobs"])


def wait_finished(sb: SandboxProcess, role: str, region: str, job_id: str) -> str:
    backup = sb.client("backup", role, region)
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        job_state = backup.describe_copy_job(CopyJobId=job_id)["CopyJob"]["State"]
        if job_state not in ("CREATED", "RUNNING"):
            return str(job_state)
        time.sleep(0.1)
    pytest.fail(f"copy job {job_id} did not finish")


def copy_and_restore_headless(sb: SandboxProcess, state: Path, rp: str, vault: str) -> Any:
    """`drconsole copy --restore --yes --json` of `rp` into `vault`, polling every 0.2 s."""
    return drconsole(
        sb, state, "copy", "--recovery-point", rp, "--to", vault, "--restore", "--yes", "--json",
        "--poll-interval", "0.2",
    )  # fmt: skip


def test_copy_and_restore_headless_with_json_events(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    rp = newest(sandbox, "dr-eu-north-1", NORTH, "EFS")
    done = copy_and_restore_headless(sandbox, tmp_path, rp, prod_vault(sandbox))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    names = [line["event"] for line in lines]
    assert names[0] == "flow-planned" and names[-2:] == ["flow-finished", "result"]
    assert {"checks", "job-started", "job-progress", "job-finished", "restore-form"} <= set(names)
    result = lines[-1]
    assert result["status"] == "completed" and result["exit_code"] == 0
    assert result["result"]["created_resource"].startswith(
        f"arn:aws:elasticfilesystem:{EU}:{sandbox.accounts['prod']}:file-system/"
    )
    planned = lines[0]
    assert [r["operation"] for r in planned["requests"]] == ["backup:StartCopyJob"]
    started = [line for line in lines if line["event"] == "job-started"]
    ready = [line["request"] for line in lines if line["event"] == "request-ready"]
    assert [r["operation"] for r in ready] == ["backup:StartRestoreJob"]
    assert ready[0]["account"] == sandbox.accounts["prod"] and ready[0]["region"] == EU
    sent = audit_requests(tmp_path)
    # What was shown (planned, then built from the copy) is what was sent, byte for byte.
    assert [canonical_json(r["request"]) for r in [*planned["requests"], *ready]] == [
        canonical_json(entry["parameters"]) for entry in sent
    ]
    assert [s["request"] for s in started] == [r["request"] for r in [*planned["requests"], *ready]]
    listed = drconsole(sandbox, tmp_path, "jobs", "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout) == {"flows": []}
    every = json.loads(drconsole(sandbox, tmp_path, "jobs", "--all", "--json").stdout)["flows"]
    assert [f["status"] for f in every] == ["completed"]


def test_an_unfinished_flow_can_be_abandoned(sandbox: SandboxProcess, tmp_path: Path) -> None:
    from drconsole.flows.journal import Journal
    from tests.flow_plans import sample_plan

    journal = Journal(tmp_path / "xdg-state" / "drconsole")
    journal.append("0123456789ab", "plan", plan=sample_plan())
    listed = drconsole(sandbox, tmp_path, "jobs")
    assert listed.returncode == 0 and "0123456789ab" in listed.stdout
    # Read-only changes nothing, the journal included.
    refused = drconsole(sandbox, tmp_path, "--read-only", "jobs", "--abandon", "0123456789ab")
    assert refused.returncode == 2 and "read-only mode is on" in refused.stderr
    assert "0123456789ab" in drconsole(sandbox, tmp_path, "jobs").stdout
    done = drconsole(sandbox, tmp_path, "jobs", "--abandon", "0123456789ab")
    assert done.returncode == 0 and "abandoned" in done.stdout
    assert json.loads(drconsole(sandbox, tmp_path, "jobs", "--json").stdout) == {"flows": []}
    again = drconsole(sandbox, tmp_path, "jobs", "--abandon", "0123456789ab")
    assert again.returncode == 2 and "no such unfinished flow" in again.stderr


def test_restore_in_place_headless(sandbox: SandboxProcess, tmp_path: Path) -> None:
    """A backup-account copy of prod's table restored in place lands in the backup account:
    with --yes that needs --allow-backup-account-restore, and without it nothing is written."""
    rp = newest(sandbox, "central-eu-central-1", EU, "DynamoDB")
    backup = sandbox.accounts["backup"]
    args = [
        "restore",
        "--recovery-point",
        rp,
        "--source-account",
        backup,
        "--metadata",
        "targetTableName=sessions-drill",
        "--yes",
        "--poll-interval",
        "0.2",
    ]
    refused = drconsole(sandbox, tmp_path, *args)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "--allow-backup-account-restore" in refused.stderr
    assert f"account {backup} ({EU}), the central backup account" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.stderr
    assert journal(tmp_path) == [] and audit_requests(tmp_path) == []
    assert not sandbox.client("backup", "backup", EU).list_restore_jobs()["RestoreJobs"]

    done = drconsole(sandbox, tmp_path, *args, "--allow-backup-account-restore")
    assert done.returncode == 0, done.stderr
    assert f"arn:aws:dynamodb:{EU}:{backup}:table/sessions-drill" in done.stdout


class Prompted:
    """A drconsole command in a tmux terminal of its own, answered as a person would."""

    def __init__(self, sb: SandboxProcess, state: Path, *args: str) -> None:
        script = state / "run.sh"
        exports = "".join(
            f"export {key}={shlex.quote(value)}\n" for key, value in sb.env(state).items()
        )
        command = shlex.join([sys.executable, "-m", "drconsole", *args])
        script.write_text(f"{exports}{command}; echo EXIT=$?; sleep 60\n")
        self.tmux = ["tmux", "-L", f"drconsole-test-{os.getpid()}-{state.name}"]
        start = ["new-session", "-d", "-s", "ask", "-x", "200", "-y", "50"]
        subprocess.run([*self.tmux, *start, f"bash {shlex.quote(str(script))}"], check=True)

    def screen(self) -> str:
        """Everything printed so far, wrapped lines joined."""
        capture = [*self.tmux, "capture-pane", "-p", "-J", "-S", "-", "-t", "ask"]
        return subprocess.run(capture, capture_output=True, text=True).stdout

    def wait_for(self, text: str) -> str:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared:\n{self.screen()}")

    def prompts(self) -> list[str]:
        return [line for line in self.screen().splitlines() if line.startswith("? ")]

    def send(self, *keys: str) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", "ask", *keys], check=True)

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], check=False)


def test_without_yes_a_backup_account_restore_is_asked_with_why(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """In a terminal, the caution is said and asked before anything is started."""
    rp = newest(sandbox, "central-eu-central-1", EU, "DynamoDB", n=1)
    backup = sandbox.accounts["backup"]
    term = Prompted(
        sandbox, tmp_path, "restore", "--recovery-point", rp, "--source-account", backup
    )
    try:
        shown = term.wait_for("Go on anyway?")
        assert "Caution:" in shown and "central backup account" in shown
        term.send("n", "Enter")
        shown = term.wait_for("EXIT=")
        assert "Nothing was started." in shown and "EXIT=1" in shown
    finally:
        term.close()
    assert journal(tmp_path) == []


def test_without_yes_the_final_restore_is_shown_asked_and_sent_as_shown(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """copy --restore in a terminal: the first confirmation says the restore comes later; once
    the copy exists, the StartRestoreJob built from it is printed and asked, and the request
    the audit log records is the one printed, byte for byte."""
    rp = newest(sandbox, "central-eu-central-1", EU, "DynamoDB", n=2)
    backup, prod = sandbox.accounts["backup"], sandbox.accounts["prod"]
    args = ["copy", "--recovery-point", rp, "--to", prod_vault(sandbox), "--restore"]
    term = Prompted(sandbox, tmp_path, *args, "--source-account", backup, "--poll-interval", "0.2")
    try:
        shown = term.wait_for("Start these jobs?")
        assert f"backup:StartRestoreJob as {prod} in {EU}: built once the copy exists" in shown
        assert '"Metadata"' not in shown  # no restore request is shown before it can be known
        term.send("y", "Enter")
        answered = len(term.prompts())
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:  # the restore form: each default accepted
            prompts = term.prompts()
            if len(prompts) > answered:
                if "Send this StartRestoreJob?" in prompts[-1]:
                    break
                term.send("Enter")
                answered = len(prompts)
            time.sleep(0.3)
        shown = term.wait_for("Send this StartRestoreJob?")
        lines = shown.splitlines()
        head = max(i for i, line in enumerate(lines) if "This request will be sent:" in line)
        assert lines[head + 1].strip() == f"backup:StartRestoreJob as {prod} in {EU}:"
        end = next(i for i in range(head, len(lines)) if "Send this" in lines[i])
        printed = json.loads("\n".join(lines[head + 2 : end]))
        restores = sandbox.client("backup", "prod", EU).list_restore_jobs()["RestoreJobs"]
        copy = printed["RecoveryPointArn"]
        assert not [j for j in restores if j["RecoveryPointArn"] == copy], "nothing sent yet"
        term.send("y", "Enter")
        shown = term.wait_for("EXIT=")
        assert "EXIT=0" in shown, shown
    finally:
        term.close()
    sent = [c for c in audit_requests(tmp_path) if c["operation"] == "backup:StartRestoreJob"]
    assert [canonical_json(c["parameters"]) for c in sent] == [canonical_json(printed)]
    assert [(c["account"], c["region"]) for c in sent] == [(prod, EU)]


def test_a_second_copy_into_a_vault_holding_one_needs_a_flag(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    rp = newest(sandbox, "dr-eu-north-1", NORTH, "EBS")
    args = ["copy", "--recovery-point", rp, "--to", prod_vault(sandbox), "--yes"]
    first = drconsole(sandbox, tmp_path, *args, "--poll-interval", "0.2")
    assert first.returncode == 0, first.stdout + first.stderr
    (made,) = [j["DestinationRecoveryPointArn"] for j in copy_jobs(sandbox, "backup", NORTH, rp)]
    again = drconsole(sandbox, tmp_path, *args)
    assert again.returncode == 2, again.stdout + again.stderr
    assert (
        "--allow-duplicate-copy" in again.stderr
        and f"already holds its copy {made}" in again.stderr
    )
    assert f"drconsole restore --recovery-point {made}" in again.stderr
    assert len(copy_jobs(sandbox, "backup", NORTH, rp)) == 1  # nothing was started
    # Accepted with its flag: the acceptance is an event, after the plan, and a journal record.
    accepted = drconsole(
        sandbox, tmp_path, *args, "--allow-duplicate-copy", "--json", "--poll-interval", "0.2"
    )
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    events = [json.loads(line) for line in accepted.stdout.splitlines()]
    names = [event["event"] for event in events]
    assert names.index("flow-planned") + 1 == names.index("caution-accepted")
    (event,) = [e for e in events if e["event"] == "caution-accepted"]
    assert (
        event["code"] == "duplicate-copy" and f"already holds its copy {made}" in event["message"]
    )
    assert event["accepted_by"] == "flag --allow-duplicate-copy"
    assert event["flow"] == events[0]["flow"]
    (record,) = [r for r in journal(tmp_path) if r["type"] == "caution-accepted"]
    assert record["flow"] == event["flow"] and record["accepted_by"] == event["accepted_by"]
    assert record["code"] == "duplicate-copy" and record["message"] == event["message"]
    assert len(copy_jobs(sandbox, "backup", NORTH, rp)) == 2  # accepted: copied again


def test_a_copy_another_unfinished_flow_makes_into_the_same_vault_needs_a_flag(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """An unfinished flow of the journal (say, a two-hop route whose second hop has not started:
    nothing in AWS heads to the destination yet) already copies this recovery point into this
    vault: the same copy again is said, and with --yes needs --allow-duplicate-copy."""
    from drconsole.flows.journal import Journal
    from drconsole.flows.plan import SourcePoint, plan_flow
    from drconsole.flows.routes import VaultRef

    rp = newest(sandbox, "dr-eu-north-1", NORTH, "EBS", n=3)
    args = ["copy", "--recovery-point", rp, "--to", prod_vault(sandbox), "--yes"]
    source = SourcePoint(rp, sandbox.accounts["backup"], NORTH, "dr-eu-north-1", "EBS", "", "")
    plan = plan_flow(source, VaultRef.from_arn(prod_vault(sandbox)), restore=False)
    journal = Journal(tmp_path / "xdg-state" / "drconsole")
    journal.append("0123456789ab", "plan", plan=plan.to_json())
    again = drconsole(sandbox, tmp_path, *args)
    assert again.returncode == 2, again.stdout + again.stderr
    assert "--allow-duplicate-copy" in again.stderr
    assert "flow 0123456789ab" in again.stderr and "at step hop1" in again.stderr
    assert not copy_jobs(sandbox, "backup", NORTH, rp)  # nothing was started


def test_a_copy_made_in_two_hops_is_recognised_as_a_duplicate(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """backup eu-north-1 -> prod eu-north-1 -> prod eu-central-1, then the same copy asked
    again: the copy made by the second hop is found (its recovery point only names the
    intermediate vault it came from) and --yes needs --allow-duplicate-copy."""
    rp = newest(sandbox, "dr-eu-north-1", NORTH, "Aurora", n=1)
    args = ["copy", "--recovery-point", rp, "--to", prod_vault(sandbox), "--yes"]
    poll = ["--poll-interval", "0.2"]
    first = drconsole(sandbox, tmp_path, *args, "--route", "two-hop", *poll)
    assert first.returncode == 0, first.stdout + first.stderr
    (hop1,) = copy_jobs(sandbox, "backup", NORTH, rp)
    middle = hop1["DestinationBackupVaultArn"]
    (hop2,) = copy_jobs(sandbox, "prod", NORTH, hop1["DestinationRecoveryPointArn"])
    made = hop2["DestinationRecoveryPointArn"]
    described = sandbox.client("backup", "prod", EU).describe_recovery_point(
        BackupVaultName="prod-vault", RecoveryPointArn=made
    )
    assert described["SourceBackupVaultArn"] == middle  # not the recovery point's own vault
    again = drconsole(sandbox, tmp_path, *args, *poll)
    assert again.returncode == 2, again.stdout + again.stderr
    assert f"already holds its copy {made}" in again.stderr
    assert f"the second hop of a two-hop copy through {middle}" in again.stderr
    assert "--allow-duplicate-copy" in again.stderr
    assert len(copy_jobs(sandbox, "backup", NORTH, rp)) == 1  # nothing was started
    assert not [r for r in journal(tmp_path) if r["type"] == "plan"][1:]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["--recovery-point", "arn:aws:backup:eu-central-1:12:recovery-point:x"],
            "invalid account id",
        ),
        (["--to", "arn:aws:s3:::bucket"], "--to"),
        (["--metadata", "novalue"], "expected KEY=VALUE"),
        (["--poll-interval", "0"], "--poll-interval"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    sandbox: SandboxProcess, tmp_path: Path, args: list[str], words: str
) -> None:
    base = {
        "--recovery-point": newest(sandbox, "central-eu-central-1", EU, "EFS"),
        "--to": prod_vault(sandbox),
    }
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    flags = [part for pair in base.items() for part in pair]
    done = drconsole(sandbox, tmp_path, "copy", *flags, "--restore", "--yes")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and words in done.stderr
    assert "Traceback" not in done.stderr and not journal(tmp_path)


def test_bad_metadata_value_is_refused_before_any_job(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    rp = newest(sandbox, "central-eu-central-1", EU, "EFS")
    done = drconsole(
        sandbox,
        tmp_path,
        "copy",
        "--recovery-point",
        rp,
        "--to",
        prod_vault(sandbox),
        "--restore",
        "--metadata",
        "PerformanceMode=fastest",
        "--yes",
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "PerformanceMode" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not journal(tmp_path)


def test_read_only_refuses_the_whole_flow_before_any_call(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    rp = newest(sandbox, "central-eu-central-1", EU, "EFS")
    # Nothing listens on port 9: any AWS call would fail with a network error (exit 3).
    for command in (
        ["copy", "--recovery-point", rp, "--to", prod_vault(sandbox), "--restore", "--yes"],
        ["restore", "--recovery-point", rp, "--yes"],
        ["jobs", "--resume"],
    ):
        done = drconsole(sandbox, tmp_path, "--read-only", *command, endpoint="http://127.0.0.1:9")
        assert done.returncode == 2, done.stderr
        assert "read-only" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "xdg-state" / "drconsole").exists()


def test_a_failing_check_stops_the_copy_with_its_remediation(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    faults = sandbox.info["fault_recovery_points"]
    dev_vault = f"arn:aws:backup:{EU}:{sandbox.accounts['dev']}:backup-vault:dev-vault"
    done = drconsole(
        sandbox,
        tmp_path,
        "copy",
        "--recovery-point",
        faults["service_linked_role_missing"],
        "--source-account",
        sandbox.accounts["backup"],
        "--to",
        dev_vault,
        "--yes",
        "--json",
    )
    assert done.returncode == 1
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["status"] == "blocked" and result["cause"] == "SERVICE_LINKED_ROLE_MISSING"
    assert not journal(tmp_path)  # nothing was planned to run


def test_flow_killed_at_every_step_then_resumed_starts_each_job_once(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    rp = newest(sandbox, "dr-eu-north-1", NORTH, "Aurora", n=2)
    poll = ["--poll-interval", "0.2"]
    first = spawn(
        sandbox,
        tmp_path,
        "copy",
        "--recovery-point",
        rp,
        "--to",
        prod_vault(sandbox),
        "--route",
        "two-hop",
        "--restore",
        "--yes",
        *poll,
    )
    windows: list[str] = []
    # 1. before the first StartCopyJob (the plan is journaled)
    seen = kill_when(first, tmp_path, "plan")
    windows.append("before StartCopyJob" if not has(seen, "start") else "after StartCopyJob")
    # 2. after the first StartCopyJob was sent (token journaled), maybe before its answer
    seen = kill_when(spawn(sandbox, tmp_path, "jobs", "--resume", *poll), tmp_path, "start", "hop1")
    windows.append("answer lost" if not has(seen, "job", "hop1") else "answer kept")
    # 3. during the first hop; the hop then finishes while nobody is connected
    seen = kill_when(spawn(sandbox, tmp_path, "jobs", "--resume", *poll), tmp_path, "job", "hop1")
    hop1_id = next(r["job_id"] for r in seen if r["type"] == "job" and r["step"] == "hop1")
    assert wait_finished(sandbox, "backup", NORTH, hop1_id) == "COMPLETED"
    windows.append("hop 1 finished offline")
    # 4. between the hops
    kill_when(spawn(sandbox, tmp_path, "jobs", "--resume", *poll), tmp_path, "finished", "hop1")
    # 5. during the second hop, then during the restore
    kill_when(spawn(sandbox, tmp_path, "jobs", "--resume", *poll), tmp_path, "job", "hop2")
    kill_when(spawn(sandbox, tmp_path, "jobs", "--resume", *poll), tmp_path, "job", "restore")
    listed = json.loads(drconsole(sandbox, tmp_path, "jobs", "--json").stdout)["flows"]
    assert len(listed) == 1 and listed[0]["current_step"] == "restore"
    # Nobody drives the flow since its process was killed: it is not "running".
    assert listed[0]["status"] == "interrupted"
    assert "drconsole jobs --resume" in listed[0]["hint"]
    # Each step's state is AWS's now, not the journal's last word ("STARTED" for the restore).
    steps = {step["step"]: step for step in listed[0]["steps"]}
    assert all(step["state_source"] == "aws" for step in steps.values())
    assert steps["restore"]["state"] in ("PENDING", "RUNNING", "COMPLETED")
    assert steps["hop2"]["state"] == "COMPLETED"
    text = drconsole(sandbox, tmp_path, "jobs").stdout
    assert "interrupted: resume with drconsole jobs --resume" in text
    # 6. the last resume finishes the flow
    last = drconsole(sandbox, tmp_path, "jobs", "--resume", "--json", *poll)
    assert last.returncode == 0, last.stdout + last.stderr
    result = json.loads(last.stdout.splitlines()[-1])
    assert result["status"] == "completed" and result["result"]["created_resource"]
    print(f"\nkill windows: {windows}")

    hop1 = copy_jobs(sandbox, "backup", NORTH, rp)
    assert len(hop1) == 1 and hop1[0]["CopyJobId"] == hop1_id
    intermediate = hop1[0]["DestinationRecoveryPointArn"]
    hop2 = copy_jobs(sandbox, "prod", NORTH, intermediate)
    assert len(hop2) == 1
    final = hop2[0]["DestinationRecoveryPointArn"]
    restores = [
        j
        for j in sandbox.client("backup", "prod", EU).list_restore_jobs()["RestoreJobs"]
        if j["RecoveryPointArn"] == final
    ]
    assert len(restores) == 1 and restores[0]["Status"] == "COMPLETED"
    records = journal(tmp_path)
    tokens = {r["token"] for r in records if r["type"] == "start" and r["step"] == "hop1"}
    assert len(tokens) == 1  # a re-sent Start carried the journaled token
    assert json.loads(drconsole(sandbox, tmp_path, "jobs", "--json").stdout) == {"flows": []}


def test_a_restore_into_another_vpc_or_onto_a_taken_name_is_stopped_before_its_job(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """The demo's prod holds a second VPC and a DB named as a restore would name it: the restore
    checks stop both before StartRestoreJob, with the fix, in place and after a copy."""
    ec2 = sandbox.client("ec2", "prod", EU)
    isolated = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["prod-isolated"]}])
    vpc = isolated["Vpcs"][0]["VpcId"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    subnet = next(s["SubnetId"] for s in subnets if s["AvailabilityZone"] == f"{EU}a")
    points = sandbox.client("backup", "prod", EU).list_recovery_points_by_backup_vault(
        BackupVaultName="prod-vault"
    )["RecoveryPoints"]

    def newest_of(name: str) -> str:
        mine = [p for p in points if p["ResourceName"] == name]
        return str(max(mine, key=lambda p: p["CreationDate"])["RecoveryPointArn"])

    def restore(rp: str, metadata: str) -> dict[str, Any]:
        done = drconsole(
            sandbox, tmp_path, "restore", "--recovery-point", rp, "--metadata", metadata,
            "--yes", "--json",
        )  # fmt: skip
        assert done.returncode == 1, done.stdout + done.stderr
        events = [json.loads(line) for line in done.stdout.splitlines()]
        failed = [c for e in events if e["event"] == "checks" for c in e["checks"]]
        return {"result": events[-1], "failed": [c for c in failed if c["status"] != "PASS"]}

    before = len(sandbox.client("backup", "prod", EU).list_restore_jobs()["RestoreJobs"])
    network = restore(newest_of("prod-web-1"), f"SubnetId={subnet}")
    assert network["result"]["status"] == "blocked"
    assert network["result"]["cause"] == "RESTORE_NETWORK"
    [check] = network["failed"]
    assert (
        check["id"] == "restore.network"
        and f"not in the VPC of subnet {subnet}" in check["evidence"]
    )
    assert (
        f"describe-security-groups --region {EU} --filters Name=vpc-id,Values={vpc}"
        in check["remediation"]
    )
    taken = restore(newest_of("prod-orders-db"), "DBInstanceIdentifier=prod-orders-db-restore-test")
    assert taken["result"]["cause"] == "RESOURCE_ALREADY_EXISTS"
    [check] = taken["failed"]
    assert (
        "--metadata DBInstanceIdentifier=prod-orders-db-restore-test-restored"
        in check["remediation"]
    )
    assert journal(tmp_path) == []

    # After a copy: the copy is made, and the restore is checked on it before it is sent.
    central = newest(sandbox, "central-eu-central-1", EU, "EC2")
    after = drconsole(
        sandbox, tmp_path, "copy", "--recovery-point", central, "--source-account",
        sandbox.accounts["backup"], "--to", prod_vault(sandbox), "--restore", "--metadata",
        f"SubnetId={subnet}", "--yes", "--json", "--poll-interval", "0.2",
    )  # fmt: skip
    assert after.returncode == 1, after.stdout + after.stderr
    events = [json.loads(line) for line in after.stdout.splitlines()]
    assert events[-1]["status"] == "blocked" and events[-1]["cause"] == "RESTORE_NETWORK"
    assert any(e["event"] == "job-finished" and e["kind"] == "copy" for e in events)
    records = journal(tmp_path)
    assert has(records, "start", "hop1") and not has(records, "start", "restore")
    after_jobs = sandbox.client("backup", "prod", EU).list_restore_jobs()["RestoreJobs"]
    assert len(after_jobs) == before, "no restore job was started"
    finished = next(e for e in events if e["event"] == "flow-finished")
    assert finished["step"] == "restore"
    assert "describe-security-groups" in finished["remediation"], finished


@pytest.mark.parametrize("room", [1500, 2500], ids=["before-the-flow", "after-its-copy-started"])
def test_a_full_disk_mid_flow_still_ends_the_json_stream_with_its_result(
    sandbox: SandboxProcess, tmp_path: Path, room: int
) -> None:
    """The state dir runs out of room (a file-size limit stands in for a full disk) while a
    `--json` flow writes its journal: the stream still ends with a `result` line saying so."""
    rp = newest(sandbox, "dr-eu-north-1", NORTH, "EFS")

    def little_room() -> None:  # in the child: writes past `room` bytes fail with EFBIG
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (room, room))

    args = ["copy", "--recovery-point", rp, "--to", prod_vault(sandbox), "--yes", "--json"]
    done = forked_cli.run(
        [sys.executable, "-m", "drconsole", *args, "--allow-duplicate-copy"],
        env=sandbox.env(tmp_path),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        preexec_fn=little_room,
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr == "drconsole: could not write: File too large (is the disk full?)\n"
    events = [json.loads(line) for line in done.stdout.splitlines()]
    result = events[-1]
    assert {k: result[k] for k in ("event", "status", "exit_code", "cause", "message")} == {
        "event": "result",
        "status": "error",
        "exit_code": 1,
        "cause": None,
        "message": "could not write: File too large (is the disk full?)",
    }
    started = [e for e in events if e["event"] == "job-started"]
    if result["flow"] is None:
        assert not started and audit_requests(tmp_path) == []
    else:  # the flow was journaled before its job started: `jobs` offers it to carry on
        listed = json.loads(drconsole(sandbox, tmp_path, "jobs", "--json").stdout)["flows"]
        assert [f["flow"] for f in listed] == [result["flow"]]


def test_sigterm_stops_copy_and_jobs_resume_as_ctrl_c_does(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """systemd's stop or a CI timeout (SIGTERM): the flow stops where it is, journaled, exit
    143; `jobs --resume` carries it on without starting a job twice."""
    rp = newest(sandbox, "dr-eu-north-1", NORTH, "EFS", n=1)
    poll = ["--poll-interval", "0.2"]
    copy = ["copy", "--recovery-point", rp, "--to", prod_vault(sandbox), "--restore", "--yes"]

    def stopped_when(args: list[str], kind: str, step: str) -> None:
        process = subprocess.Popen(
            [sys.executable, "-m", "drconsole", *args, *poll],
            env=sandbox.env(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + TIMEOUT
        while not has(journal(tmp_path), kind, step):
            assert time.monotonic() < deadline and process.poll() is None, f"no {kind} {step}"
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 128 + signal.SIGTERM, err
        assert "Traceback" not in err, err

    stopped_when(copy, "job", "hop1")
    listed = json.loads(drconsole(sandbox, tmp_path, "jobs", "--json").stdout)["flows"]
    assert len(listed) == 1 and "drconsole jobs --resume" in listed[0]["hint"]
    stopped_when(["jobs", "--resume"], "job", "restore")
    last = drconsole(sandbox, tmp_path, "jobs", "--resume", "--json", *poll)
    assert last.returncode == 0, last.stdout + last.stderr
    assert json.loads(last.stdout.splitlines()[-1])["status"] == "completed"
    assert len(copy_jobs(sandbox, "backup", NORTH, rp)) == 1


def test_a_db_cluster_copied_to_another_region_is_restored_without_its_sources_zones(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """The DR copy of prod's eu-central-1 Aurora cluster, copied into prod's eu-north-1 vault
    and restored there: its metadata names eu-central-1's zones, which the restore in
    eu-north-1 does not send (said before the copy starts); the cluster is made."""
    rp = newest(sandbox, "dr-eu-north-1", NORTH, "Aurora")
    backup = sandbox.client("backup", "backup", NORTH)
    aws = backup.get_recovery_point_restore_metadata(
        BackupVaultName="dr-eu-north-1", RecoveryPointArn=rp
    )["RestoreMetadata"]
    assert json.loads(aws["AvailabilityZones"])[0].startswith(EU)
    north_vault = f"arn:aws:backup:{NORTH}:{sandbox.accounts['prod']}:backup-vault:prod-vault"
    done = copy_and_restore_headless(sandbox, tmp_path, rp, north_vault)
    assert done.returncode == 0, done.stderr + done.stdout[-2000:]
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines[-1]["status"] == "completed", lines[-1]
    restore = [e for e in audit_requests(tmp_path) if e["operation"] == "backup:StartRestoreJob"]
    assert [e["region"] for e in restore] == [NORTH]
    assert "AvailabilityZones" not in restore[0]["parameters"]["Metadata"]
    assert "AvailabilityZones of the recovery point is not sent" in done.stdout + done.stderr
    rds = sandbox.client("rds", "prod", NORTH)
    made = restore[0]["parameters"]["Metadata"]["DBClusterIdentifier"]
    assert rds.describe_db_clusters(DBClusterIdentifier=made)["DBClusters"]
