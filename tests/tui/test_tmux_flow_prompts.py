"""`drconsole copy` and `restore` without `--yes`, typed into a real shell in tmux (80x24 and
120x40) as an operator types: what is confirmed is what reaches AWS, and a no, Ctrl-C or Ctrl-D
starts nothing and leaves the terminal as it was."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from drconsole.aws.audit import AuditLog
from drconsole.flows.journal import FlowLock, Journal
from drconsole.flows.live import live_status
from drconsole.job_request import canonical_json
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests.tui.test_tmux import ROOT, Terminal

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
EU = "eu-central-1"
SIZES = [(80, 24), (120, 40)]
# What a full-screen program may leave behind: a hidden cursor, the alternate screen, keypad or
# mouse modes, insert or origin mode, no line wrapping.
PANE_MODES = (
    "#{cursor_flag} #{alternate_on} #{keypad_flag} #{keypad_cursor_flag} #{mouse_any_flag} "
    "#{mouse_sgr_flag} #{insert_flag} #{origin_flag} #{wrap_flag}"
)


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    # Fast jobs: a copy and a restore finish within seconds.
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0))
    try:
        yield sandbox, info
    finally:
        sandbox.stop()
        sandbox.reset()


class Shell(Terminal):
    """An interactive bash in tmux, its environment pointed at the sandbox; commands are typed."""

    def __init__(self, demo: tuple[Sandbox, ScenarioInfo], home: Path, size: tuple[int, int]):
        sandbox, info = demo
        creds = sandbox.credentials_for(info.accounts["management"])
        env = {
            "AWS_ENDPOINT_URL": sandbox.endpoint_url,
            "AWS_ACCESS_KEY_ID": creds["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": creds["aws_secret_access_key"],
            "AWS_REGION": EU,
            "AWS_CONFIG_FILE": str(home / "aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "aws-credentials"),
            "XDG_STATE_HOME": str(home / "state"),
            "XDG_CONFIG_HOME": str(home / "config"),
            "TERM": "xterm-256color",
            "PS1": "$ ",
        }
        exports = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())
        self.state = home / "state" / "drconsole"
        width, height = size
        super().__init__(
            f"ask{width}",
            width,
            height,
            f"cd {ROOT} && env -u NO_COLOR -u AWS_PROFILE -u AWS_DEFAULT_PROFILE {exports} "
            "bash --norc --noprofile -i",
        )
        self.wait_for(r"(?m)^\$\s*$")  # the shell's prompt, as a baseline for the terminal's modes
        self.modes = self.pane_modes()
        self.runs = 0

    def pane_modes(self) -> str:
        return self.tmux("display-message", "-p", "-t", self.target, PANE_MODES).strip()

    def history(self) -> str:
        """Everything printed since the shell started, wrapped lines joined."""
        return self.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", self.target)

    def run(self, *args: str) -> None:
        """Type a drconsole command line; its exit status is printed as `exit<n>=<code>`."""
        self.runs += 1
        line = shlex.join([sys.executable, "-m", "drconsole", *args])
        self.press(f'{line}; echo "exit{self.runs}=$?"', then=r"exit\d+=\$\?")
        self.press("Enter")

    def shows(self, pattern: str, timeout: float = 60.0) -> str:
        """Wait until what the last command printed matches `pattern` (a regex); return it.
        Only its own output counts: an earlier command's prompt still on the screen would let
        keys go before this one's prompt exists."""
        deadline = time.monotonic() + timeout
        own = ""
        while time.monotonic() < deadline:
            history = self.history()
            own = history[history.rfind(f'echo "exit{self.runs}=$?"') :]
            if re.search(pattern, own):
                return own
            time.sleep(0.1)
        raise AssertionError(f"{pattern!r} never appeared; the command printed:\n{own}")

    def exit_code(self) -> int:
        """Wait for the command's end; its exit code, once the shell answers again normally."""
        screen = self.wait_for(rf"exit{self.runs}=\d+")
        code = int(re.findall(rf"exit{self.runs}=(\d+)", screen)[-1])
        # The shell reads and echoes a line as before: nothing of a prompt was left behind.
        self.press(f"echo sane{self.runs}", then=rf"(?m)^\$ echo sane{self.runs}$")
        self.press("Enter", then=rf"(?m)^sane{self.runs}$")
        assert self.pane_modes() == self.modes, "the terminal was left in another mode"
        return code

    def typed(self, *keys: str, pace: float = 0.0) -> None:
        """Keys one after the other, `pace` seconds apart, as a person types."""
        for key in keys:
            literal = ["-l"] if len(key) == 1 else []  # a character, not a key name
            self.tmux("send-keys", "-t", self.target, *literal, key)
            time.sleep(pace)

    def keys(self, *keys: str) -> None:
        """Keys sent at once, as fast as tmux writes them: no wait between them."""
        self.tmux("send-keys", "-t", self.target, *keys)


def client(demo: tuple[Sandbox, ScenarioInfo], service: str, role: str) -> Any:
    """Plain boto3 in one of the demo's accounts."""
    sandbox, info = demo
    creds = sandbox.credentials_for(info.accounts[role])
    return boto3.client(service, region_name=EU, endpoint_url=sandbox.endpoint_url, **creds)


def newest(demo: tuple[Sandbox, ScenarioInfo], role: str, vault: str, name: str, n: int) -> str:
    """The ARN of the n-th newest recovery point of `name` in `vault` (in `role`'s account);
    tests restoring from prod's vault count from the oldest (n < 0), since a copy made into it
    keeps its source's date and could come first."""
    backup = client(demo, "backup", role)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName=vault)["RecoveryPoints"]
    chosen = sorted(
        (p for p in points if p["ResourceName"] == name),
        key=lambda p: p["CreationDate"],
        reverse=True,
    )
    return str(chosen[n]["RecoveryPointArn"])


def shown_requests(history: str, before: str) -> list[dict[str, Any]]:
    """The requests printed (`  backup:Start... as ACCOUNT in REGION:` then the JSON body) in
    the last block ending with the prompt `before`."""
    lines = history.splitlines()
    end = max(i for i, line in enumerate(lines) if before in line)
    head = re.compile(r"^  (backup:Start\w+) as (\d{12}) in ([a-z0-9-]+):$")
    requests: list[dict[str, Any]] = []
    i = max(
        i
        for i, line in enumerate(lines[:end])
        if "API requests (sent exactly as shown):" in line or "This request will be sent:" in line
    )
    while i < end:
        match = head.match(lines[i])
        if match is None:
            i += 1
            continue
        body, i = [], i + 1
        while i < end and lines[i].startswith("    "):
            body.append(lines[i])
            i += 1
        operation, account, region = match.groups()
        requests.append(
            {
                "operation": operation,
                "account": account,
                "region": region,
                "parameters": json.loads("\n".join(body)),
            }
        )
    return requests


def sent(shell: Shell) -> list[dict[str, Any]]:
    """The job starts of the audit log, as their intents record them."""
    return [
        {key: call[key] for key in ("operation", "account", "region", "parameters")}
        for call in AuditLog(shell.state).calls()
    ]


def as_sent(requests: list[dict[str, Any]]) -> list[str]:
    return [canonical_json(request) for request in requests]


def erase(count: int) -> list[str]:
    return ["BSpace"] * count


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_restore_in_place_typed_then_confirmed_sends_what_was_typed(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path, size: tuple[int, int]
) -> None:
    """The form typed with a refused value corrected by Backspace and the next fields typed
    before their prompts are drawn; the StartRestoreJob confirmed is the one the audit log
    records, and the table AWS restores is the one named."""
    rp = newest(demo, "prod", "prod-vault", "prod-sessions", n=-1 - SIZES.index(size))
    prod = demo[1].accounts["prod"]
    name = f"drill-{size[0]}"
    shell = Shell(demo, tmp_path, size)
    try:
        shell.run("restore", "--recovery-point", rp, "--poll-interval", "0.2")
        screen = shell.shows(
            r"\? New table name \(targetTableName\) prod-sessions-restored-[0-9a-f]{6}"
        )
        default = re.search(r"prod-sessions-restored-[0-9a-f]{6}", screen)
        assert default is not None
        shell.keys(*erase(len(default.group())), "bad name!", "Enter")
        shell.shows(r"targetTableName must be 3-255 letters, digits")
        assert "? Encryption" not in shell.text(), "a refused value moved on to the next field"
        # The correction, a slip undone, and the next two fields typed on without waiting for
        # their prompts, each key its own write (a fast typist): Encryption set to Default and
        # the key's prefilled value kept. Keys land while one prompt ends and the next begins.
        shell.typed(*erase(len("bad name!")), *f"{name}x", "BSpace", "Enter")
        shell.typed(*erase(len("KMS")), *"Default", "Enter", "Enter")
        shell.shows(r"\? Start these jobs\? \(y/N\)")
        history = shell.history()
        assert f"? New table name (targetTableName) {name}\n" in history
        assert "? Encryption (encryptionType) Default\n" in history
        confirmed = shown_requests(history, "? Start these jobs?")
        assert [r["operation"] for r in confirmed] == ["backup:StartRestoreJob"]
        assert sent(shell) == [], "nothing is sent before the answer"
        shell.keys("y")
        assert shell.exit_code() == 0, shell.history()[-2000:]
    finally:
        shell.close()
    metadata = confirmed[0]["parameters"]["Metadata"]
    assert metadata["targetTableName"] == name and metadata["encryptionType"] == "Default"
    assert confirmed[0]["account"] == prod and confirmed[0]["region"] == EU
    assert as_sent(sent(shell)) == as_sent(confirmed), "the request sent is the one confirmed"
    jobs = client(demo, "backup", "prod").list_restore_jobs()["RestoreJobs"]
    mine = [j for j in jobs if j["RecoveryPointArn"] == rp]
    assert [j["CreatedResourceArn"] for j in mine] == [f"arn:aws:dynamodb:{EU}:{prod}:table/{name}"]
    assert client(demo, "dynamodb", "prod").describe_table(TableName=name)["Table"]


def test_a_copy_then_restore_sends_the_confirmed_copy_and_the_typed_restore(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """copy --restore at 80x24: the copy job runs in the backup account with the confirmed source
    and destination; the restore form after the copy, typed, gives the StartRestoreJob shown and
    asked, sent as shown in the destination account."""
    _, info = demo
    backup, prod = info.accounts["backup"], info.accounts["prod"]
    rp = newest(demo, "backup", "central-eu-central-1", "prod-sessions", n=0)
    vault = f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault"
    shell = Shell(demo, tmp_path, (80, 24))
    try:
        shell.run("copy", "--recovery-point", rp, "--to", vault, "--restore")
        shell.shows(r"\? Start these jobs\? \(y/N\)")
        copies = shown_requests(shell.history(), "? Start these jobs?")
        shell.keys("y")
        screen = shell.shows(
            r"\? New table name \(targetTableName\) prod-sessions-restored-[0-9a-f]{6}"
        )
        default = re.search(r"prod-sessions-restored-[0-9a-f]{6}", screen)
        assert default is not None
        shell.keys(*erase(len(default.group())), "copied back", "Enter")
        shell.shows(r"targetTableName must be 3-255 letters, digits")
        shell.typed(*erase(len("back")), "BSpace", *"-back", "Enter", "Enter", "Enter")
        shell.shows(r"\? Send this StartRestoreJob\? \(y/N\)")
        restores = shown_requests(shell.history(), "? Send this StartRestoreJob?")
        shell.keys("y")
        assert shell.exit_code() == 0, shell.history()[-2000:]
    finally:
        shell.close()
    assert [(r["operation"], r["account"], r["region"]) for r in copies] == [
        ("backup:StartCopyJob", backup, EU)
    ]
    assert copies[0]["parameters"]["RecoveryPointArn"] == rp
    assert copies[0]["parameters"]["DestinationBackupVaultArn"] == vault
    assert [(r["operation"], r["account"], r["region"]) for r in restores] == [
        ("backup:StartRestoreJob", prod, EU)
    ]
    assert restores[0]["parameters"]["Metadata"]["targetTableName"] == "copied-back"
    assert as_sent(sent(shell)) == as_sent(copies + restores)
    jobs = client(demo, "backup", "backup").list_copy_jobs(ByResourceType="DynamoDB")["CopyJobs"]
    mine = [j for j in jobs if j["SourceRecoveryPointArn"] == rp]
    assert [(j["AccountId"], j["DestinationBackupVaultArn"]) for j in mine] == [(backup, vault)]
    restored = client(demo, "backup", "prod").list_restore_jobs()["RestoreJobs"]
    copy = restores[0]["parameters"]["RecoveryPointArn"]
    assert copy == mine[0]["DestinationRecoveryPointArn"]
    assert [j["CreatedResourceArn"] for j in restored if j["RecoveryPointArn"] == copy] == [
        f"arn:aws:dynamodb:{EU}:{prod}:table/copied-back"
    ]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_no_ctrl_c_ctrl_d_and_escape_start_nothing(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path, size: tuple[int, int]
) -> None:
    """Each way out before the start, one after the other in one shell: "no" (exit 1), Ctrl-C
    at the confirmation and in the form, Ctrl-D on an emptied field (130, as README's exit
    codes say of Ctrl+C), Escape ignored by the confirmation, and the caution's "Go on anyway?"
    answered no. Each says that nothing was started, and nothing was: no job, no intent in the
    audit log, no journal; the shell reads and echoes the next line as before."""
    _, info = demo
    backup = info.accounts["backup"]
    rp = newest(demo, "prod", "prod-vault", "prod-sessions", n=-3 - SIZES.index(size))
    central = newest(demo, "backup", "central-eu-central-1", "prod-sessions", n=1)
    restore = ["restore", "--recovery-point", rp, "--poll-interval", "0.2"]
    in_backup = ["restore", "--recovery-point", central, "--source-account", backup]
    form = r"\? New table name \(targetTableName\) prod-sessions-restored-[0-9a-f]{6}"
    start = r"\? Start these jobs\? \(y/N\)"
    shell = Shell(demo, tmp_path, size)
    outcomes = []
    try:
        # The form's defaults taken and a "y" typed on before the requests were on the screen:
        # it does not answer the question, "n" typed once it is asked does.
        shell.run(*restore)
        shell.shows(form)
        shell.keys("Enter", "Enter", "Enter", "y")
        shell.shows(start)
        time.sleep(1.0)  # time enough for a wrongly kept "y" to start the job
        assert re.search(start + r"\s*$", shell.text()), "a key typed ahead answered"
        shell.keys("n")
        outcomes.append(("no", shell.exit_code()))
        # Escape at the confirmation is ignored (confirm binds no Escape): the question stays
        # and the next key is still read; then Ctrl-C.
        shell.run(*restore)
        shell.shows(form)
        shell.keys("Enter", "Enter", "Enter")
        shell.shows(start)
        shell.keys("Escape")
        time.sleep(1.0)  # past prompt_toolkit's wait for the rest of an escape sequence
        assert re.search(start + r"\s*$", shell.text()), "Escape ended the question"
        shell.keys("C-c")
        outcomes.append(("ctrl-c at the confirmation", shell.exit_code()))
        # Ctrl-C while typing in the form.
        shell.run(*restore)
        shell.shows(form)
        shell.keys("BSpace", "BSpace", "C-c")
        outcomes.append(("ctrl-c in the form", shell.exit_code()))
        # Ctrl-D on a field emptied with Backspace (prompt_toolkit's end of input).
        shell.run(*restore)
        screen = shell.shows(form)
        default = re.search(r"prod-sessions-restored-[0-9a-f]{6}", screen)
        assert default is not None
        shell.keys(*erase(len(default.group())), "C-d")
        outcomes.append(("ctrl-d in the form", shell.exit_code()))
        # The caution of a restore in the central backup account, answered no.
        shell.run(*in_backup)
        shell.shows(r"\? Go on anyway\? \(y/N\)")
        assert "Caution:" in shell.history() and "central backup account" in shell.history()
        shell.keys("n")
        outcomes.append(("no to the caution", shell.exit_code()))
        # The same caution, Ctrl-C.
        shell.run(*in_backup)
        shell.shows(r"\? Go on anyway\? \(y/N\)")
        shell.keys("C-c")
        outcomes.append(("ctrl-c at the caution", shell.exit_code()))
        history = shell.history()
    finally:
        shell.close()
    assert outcomes == [
        ("no", 1),
        ("ctrl-c at the confirmation", 130),
        ("ctrl-c in the form", 130),
        ("ctrl-d in the form", 130),
        ("no to the caution", 1),
        ("ctrl-c at the caution", 130),
    ]
    assert history.count("Nothing was started.") == len(outcomes), history
    assert "Traceback" not in history and "unexpected error" not in history, history
    assert sent(shell) == [], "no intent in the audit log"
    assert (
        not (shell.state / "journal.jsonl").exists()
        or not (shell.state / "journal.jsonl").read_text().strip()
    )
    for role, point in (("prod", rp), ("backup", central)):
        jobs = client(demo, "backup", role).list_restore_jobs()["RestoreJobs"]
        assert [j for j in jobs if j["RecoveryPointArn"] == point] == [], "a job was started"


def test_after_the_copy_ctrl_c_in_the_form_and_at_send_start_no_restore(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """copy --restore at 120x40, yes to the copy: Ctrl-C in the restore form after the copy says
    the flow stopped before its restore (130); `jobs --resume` shows the StartRestoreJob and
    Ctrl-C at "Send this" leaves the flow stopped (1). The copy exists, no restore was sent."""
    _, info = demo
    prod = info.accounts["prod"]
    rp = newest(demo, "backup", "central-eu-central-1", "prod-sessions", n=2)
    vault = f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault"
    shell = Shell(demo, tmp_path, (120, 40))
    try:
        shell.run("copy", "--recovery-point", rp, "--to", vault, "--restore")
        shell.shows(r"\? Start these jobs\? \(y/N\)")
        shell.keys("y")
        shell.shows(r"\? New table name \(targetTableName\) prod-sessions-restored-[0-9a-f]{6}")
        # While the form is asked the flow is driven here: locked, listed running, not
        # `interrupted` (which invites another process to restore it with the defaults).
        (waiting,) = Journal(shell.state).unfinished()
        assert FlowLock(shell.state, waiting.flow_id).is_held()
        assert live_status(shell.state, waiting) == "running"
        shell.keys("C-c")
        in_form = shell.exit_code()
        form_said = shell.shows(r"exit\d+=")
        shell.run("jobs", "--resume", "--poll-interval", "0.2")
        shell.shows(r"\? Send this StartRestoreJob\? \(y/N\)")
        shell.keys("C-c")
        at_send = shell.exit_code()
        send_said = shell.shows(r"exit\d+=")
    finally:
        shell.close()
    assert (in_form, at_send) == (130, 1)
    assert "stopped before its restore, which was not started" in form_said, form_said
    assert "stopped: resume it with `drconsole jobs --resume`" in send_said, send_said
    assert "Traceback" not in form_said + send_said
    assert [c["operation"] for c in sent(shell)] == ["backup:StartCopyJob"]
    copies = client(demo, "backup", "backup").list_copy_jobs(ByResourceType="DynamoDB")
    made = [j for j in copies["CopyJobs"] if j["SourceRecoveryPointArn"] == rp]
    assert len(made) == 1
    restores = client(demo, "backup", "prod").list_restore_jobs()["RestoreJobs"]
    copy = made[0]["DestinationRecoveryPointArn"]
    assert [j for j in restores if j["RecoveryPointArn"] == copy] == [], "a restore was sent"


def test_a_fix_is_applied_only_when_answered_after_its_diff(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """`check copy --fix` without --yes: a `y` typed while the checks run does not apply the
    fix (its diff was not yet on screen); `n` leaves the vault as it was; `y` typed after the
    question applies it, which the sandbox then shows."""
    info = demo[1]
    point = info.fault_recovery_points["vault_without_access_policy"]
    vault = info.fault_destinations["vault_without_access_policy"]
    qa = client(demo, "backup", "qa")
    name = vault.rsplit(":", 1)[1]

    def policy() -> str | None:
        try:
            return str(qa.get_backup_vault_access_policy(BackupVaultName=name)["Policy"])
        except qa.exceptions.ResourceNotFoundException:
            return None

    assert policy() is None
    shell = Shell(demo, tmp_path, (120, 40))
    try:
        shell.run("check", "copy", "--recovery-point", point, "--to", vault, "--fix")
        shell.typed("y")  # while the checks run, before any question
        shell.shows(r"Apply '.*'\?")
        time.sleep(1.0)
        assert policy() is None, "a key typed before the question applied the fix"
        shell.typed("n", "Enter")
        shell.exit_code()
        assert policy() is None
        shell.run("check", "copy", "--recovery-point", point, "--to", vault, "--fix")
        shell.shows(r"Apply '.*'\?")
        shell.typed("y", "Enter")
        shell.exit_code()
    finally:
        shell.close()
    applied = policy()
    assert applied is not None and "CopyIntoBackupVault" in applied


def test_jobs_resume_in_a_terminal_asks_a_blocked_restore_form_again_prefilled(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """copy --restore --yes onto a DB name prod already holds is blocked by the restore checks
    after its copy; `jobs --resume` in a terminal asks the form again, prefilled with that
    name, and the StartRestoreJob shown, confirmed and sent carries the name typed instead."""
    _, info = demo
    prod, backup = info.accounts["prod"], info.accounts["backup"]
    taken, free = "prod-orders-db-restore-test", "prod-orders-db-typed-again"
    rp = newest(demo, "backup", "central-eu-central-1", "prod-orders-db", n=0)
    vault = f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault"
    shell = Shell(demo, tmp_path, (120, 40))
    try:
        shell.run(
            "copy", "--recovery-point", rp, "--source-account", backup, "--to", vault,
            "--restore", "--metadata", f"DBInstanceIdentifier={taken}", "--yes",
            "--allow-duplicate-copy", "--poll-interval", "0.2",
        )  # fmt: skip
        assert shell.exit_code() == 1, shell.history()[-2000:]
        shell.run("jobs", "--resume", "--poll-interval", "0.2")
        shell.shows(rf"\? New DB instance identifier \(DBInstanceIdentifier\) {taken}")
        shell.typed(*erase(len(taken)), *free, "Enter")
        # The other fields as prefilled: one Enter per prompt drawn, none ahead of the next
        # prompt, so that no Enter can answer "Send this" (No, by default).
        answered, deadline = 1, time.monotonic() + 60
        while True:
            own = shell.shows(r"exit\d+=")
            if "Send this StartRestoreJob?" in own:
                break
            if len(re.findall(r"(?m)^\? .+\(\w+\)", own)) > answered:
                shell.keys("Enter")
                answered += 1
            assert time.monotonic() < deadline, own
            time.sleep(0.2)
        shown = shown_requests(shell.history(), "Send this StartRestoreJob?")
        shell.keys("y")
        assert shell.exit_code() == 0, shell.history()[-2000:]
    finally:
        shell.close()
    assert [r["parameters"]["Metadata"]["DBInstanceIdentifier"] for r in shown] == [free]
    restores = [c for c in sent(shell) if c["operation"] == "backup:StartRestoreJob"]
    assert as_sent(restores) == as_sent(shown)
    rds = client(demo, "rds", "prod")
    assert rds.describe_db_instances(DBInstanceIdentifier=free)["DBInstances"]
