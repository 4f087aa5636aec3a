"""Copy-back and restore in a real terminal at 80x24 over a slow sandbox, typed like a person:
three resource types into three destinations (two Regions of prod, and qa), the first one
picked while the destination list is still loading. What happened is read back from the
sandbox with plain boto3, and every request sent (audit log) is the one the screen confirmed.

The sandbox runs in this process (its knobs can be turned while the console runs) and the
console in tmux points at it with a config file and the standard AWS environment variables."""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests.tui.test_tmux import ROOT, Terminal, terminal, xdg_env

__all__ = ["terminal"]  # the fixture, imported for the tests below

pytestmark = pytest.mark.slow

WIDTH, HEIGHT = 80, 24
LATENCY_MS = 120
# Body lines of a wizard pane at 80x24: under the steps bar and the recovery point's two lines,
# above the margin, the buttons and the footer.
BODY = slice(3, HEIGHT - 3)
SCROLLBAR = "▁▂▃▄▅▆▇█▔▕▏▎▍▌▋▊▉ "


@dataclass(frozen=True)
class Target:
    """One copy-back and restore: the filter that finds the recovery point, and where to."""

    search: str
    resource_type: str
    account: str  # role in the demo organization
    region: str
    vault: str


TARGETS = (
    # Picked while the list loads: qa's vaults sort late, so most rows arriving later land
    # above the one picked.
    Target("prod s3", "S3", "qa", "eu-central-1", "qa-vault"),
    Target("prod efs", "EFS", "prod", "eu-north-1", "prod-vault"),
    Target("prod rds", "RDS", "prod", "eu-central-1", "prod-vault"),
)
DESTINATIONS = 9  # vaults the demo offers a dr-eu-north-1 recovery point
# A person's pause between `9 vaults in …` appearing and their first key: keys right behind vaults
# arriving were typed for the list before them, and pick nothing (tui/settled_pick.py).
READING_SECONDS = 0.5
# While the first destination list loads, every call takes this long (two workers); once the
# picked row is there, the rest is held back until the operator's cursor is on it.
LOADING_LATENCY_MS = 400
HOLD_LATENCY_MS = 3000
ROW = r"(?m)^  \S+ +\d{12} +\S+ +\S+"


def squeeze(text: str) -> str:
    """Text without whitespace: what wraps at 80 columns compares equal to what does not."""
    return re.sub(r"\s+", "", text)


def body_lines(screen: str) -> list[str]:
    """The pane's body, without the scrollbar drawn at its right edge."""
    lines = screen.splitlines()
    lines += [""] * (HEIGHT - len(lines))
    return [line.rstrip(SCROLLBAR) for line in lines[BODY]]


def read_whole_body(term: Terminal, last: str) -> str:
    """Page through the pane's body (PgDn, as a person reads a long request) until `last`
    (a regex) has been seen and the body stops moving; pages joined on their overlap."""
    seen = body_lines(settled_text(term))
    for _ in range(20):
        if re.search(last, "\n".join(seen)):
            break
        before = term.text()
        term.tmux("send-keys", "-t", term.target, "PageDown")
        deadline = time.monotonic() + 5
        while term.text() == before and time.monotonic() < deadline:
            time.sleep(0.05)
        page = body_lines(settled_text(term))
        overlap = next(
            (k for k in range(min(len(seen), len(page)), 0, -1) if seen[-k:] == page[:k]), 0
        )
        seen += page[overlap:]
    return "\n".join(seen)


def settled_text(term: Terminal, quiet: float = 0.3, timeout: float = 5.0) -> str:
    """The screen once it has not changed for `quiet` seconds (as a person starts reading)."""
    text, since, deadline = term.text(), time.monotonic(), time.monotonic() + timeout
    while time.monotonic() - since < quiet and time.monotonic() < deadline:
        time.sleep(0.05)
        now = term.text()
        if now != text:
            text, since = now, time.monotonic()
    return text


def shown_request(request: dict[str, Any]) -> str:
    """An audit log entry as the wizard shows a request: where it runs, then its JSON."""
    head = f"{request['operation']} as {request['account']} in {request['region']}"
    return head + "\n" + json.dumps(request["parameters"], indent=2, sort_keys=True)


def destination_line(screen: str) -> str:
    """The wizard's `Destination: …` line."""
    found = re.search(r"Destination: .*", screen)
    return found.group(0) if found else "Destination:"


def open_backup_dr_vault(term: Terminal) -> None:
    """From the accounts screen, the backup account's second vault (dr-eu-north-1)."""
    term.press("/", then=r"Enter keeps · Esc clears")
    term.press("backup", then=r"filter 'backup'")
    term.press("Enter", then=r"filter 'backup'.*\n.*r Refresh")
    term.press("Enter", then=r"2 vaults")
    term.press("Down")
    term.press("Enter", then=r"(?m)\d+ recovery points")


def move_to_destination(term: Terminal, label: str) -> str:
    """Down, looking at the Destination line each time, until it names `label`; the screen."""
    screen = ""
    for _ in range(12):
        before = destination_line(term.text())
        term.press("Down")
        screen = term.wait_for(r"Destination: \S+ \(\d{12}\)", gone=re.escape(before))
        if f"Destination: {label}" in screen:
            break
    assert f"Destination: {label}" in screen
    return screen


def audit_calls(home: Path) -> list[dict[str, Any]]:
    """The audit log: each intent with its outcome and result."""
    path = home / "state" / "drconsole" / "audit.log"
    entries = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    outcomes = {e["intent"]: e for e in entries if e.get("entry") == "outcome"}
    return [
        dict(
            e,
            outcome=outcomes.get(e["id"], {}).get("outcome", "pending"),
            result=outcomes.get(e["id"], {}).get("result", {}),
        )
        for e in entries
        if e.get("entry") == "intent"
    ]


@pytest.fixture
def sandbox() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    """The demo scenario, served from this process at 120 ms a call."""
    running, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0, latency_ms=LATENCY_MS))
    try:
        yield running, info
    finally:
        running.stop()


def console_command(home: Path, sandbox: Sandbox, info: ScenarioInfo) -> str:
    """`drconsole` on the sandbox as its management account, with a state dir of its own."""
    accounts = info.accounts
    config = home / "config.toml"
    # Two AWS workers: the destination list takes seconds to load, as it does for a large
    # organization on a slow link.
    config.write_text(
        f'endpoint_url = "{sandbox.endpoint_url}"\n'
        f'management_account_id = "{accounts["management"]}"\n'
        f'backup_account_id = "{accounts["backup"]}"\n'
        f'regions = ["{info.region}", "{info.dr_region}"]\n'
        f'dr_regions = ["{info.dr_region}"]\n'
        "max_workers = 2\n"
    )
    keys = sandbox.credentials_for(accounts["management"])
    env = (
        f"env -u NO_COLOR -u AWS_PROFILE {xdg_env(home)}TERM=xterm-256color "
        f"AWS_ACCESS_KEY_ID={keys['aws_access_key_id']} "
        f"AWS_SECRET_ACCESS_KEY={keys['aws_secret_access_key']} AWS_REGION={info.region} "
    )
    return f"cd {ROOT} && {env}{sys.executable} -m drconsole --config {config}; sleep 5"


def test_copy_back_and_restore_three_types_into_three_destinations_at_80x24(
    terminal: type[Terminal], tmp_path: Path, sandbox: tuple[Sandbox, ScenarioInfo]
) -> None:
    running, info = sandbox
    term = terminal("wizard80x24", WIDTH, HEIGHT, console_command(tmp_path, running, info))
    started = time.monotonic()
    term.wait_for(r"6 accounts · ", timeout=120)
    print(f"\naccounts loaded after {time.monotonic() - started:.1f}s")
    open_backup_dr_vault(term)
    confirmed: list[str] = []
    for index, target in enumerate(TARGETS):
        confirmed += copy_back_and_restore(term, running, info, target, while_loading=index == 0)
        print(f"{target.search} done after {time.monotonic() - started:.1f}s")

    # Every request sent is one that was on screen, byte for byte but for line wrapping.
    sent = [c for c in audit_calls(tmp_path) if c["operation"].startswith("backup:Start")]
    assert [c["outcome"] for c in sent] == ["ok"] * 2 * len(TARGETS)
    for call, shown in zip(sent, confirmed, strict=True):
        assert squeeze(shown_request(call)) in squeeze(shown), (
            f"{call['operation']} sent as\n{shown_request(call)}\nbut the screen showed\n{shown}"
        )
    for index, target in enumerate(TARGETS):
        check_in_sandbox(running, info, target, sent[2 * index], sent[2 * index + 1])


def copy_back_and_restore(
    term: Terminal, sandbox: Sandbox, info: ScenarioInfo, target: Target, *, while_loading: bool
) -> list[str]:
    """One flow with the keyboard; returns the text of the two requests as confirmed."""
    # The previous flow's filter is cleared first. Only then: with no filter Escape leaves the
    # vault (a lone Escape; one typed just before `/` is read with it as Alt+/, which hid this).
    if not while_loading:
        term.press("Escape", then=r"(?m)\d+ recovery points · .*\n.*r Refresh", gone=r"match '")
    term.press("/", then=r"Enter keeps · Esc clears")
    term.press(target.search, then=rf"match '{target.search}'")
    # The vault's points may still be arriving: wait for the first one that matches.
    screen = term.press(
        "Enter", then=rf"(?m)^\s*\d{{4}}-\d\d-\d\d [\s\S]*match '{target.search}'.*\n.*r Refresh"
    )
    first = next(line for line in screen.splitlines() if re.match(r"\s*\d{4}-\d\d-\d\d ", line))
    assert target.resource_type in first
    account_id = info.accounts[target.account]
    label = f"{target.account} ({account_id}) {target.region} {target.vault}"
    row = rf"{target.account}\s+{account_id}\s+{target.region}\s+{target.vault}\b"
    if while_loading:
        open_while_loading(term, sandbox, row)
    else:
        term.press("w", then=r"Destination:")
        term.wait_for(rf"{DESTINATIONS} vaults in 6 accounts", timeout=30)
        time.sleep(READING_SECONDS)
    screen = move_to_destination(term, label)
    if while_loading:
        assert "listing vaults…" in screen
        assert len(re.findall(ROW, screen)) < DESTINATIONS
        # The rest of the list arrives, above the highlighted row: it stays the one picked.
        sandbox.options.latency_ms = LATENCY_MS
        screen = term.wait_for(rf"{DESTINATIONS} vaults in 6 accounts", timeout=30)
        assert len(re.findall(ROW, screen)) == DESTINATIONS
        assert f"Destination: {label}" in screen
        # Reading the Destination line: an Enter right behind moves over rows that arrived
        # meanwhile would be held (see test_wizard_dest_typed_ahead.py).
        time.sleep(0.7)
    term.press("Enter")
    screen = term.wait_for(r"Checks before hop1[\s\S]*Next: confirm", timeout=60)
    # The plan names the destination the operator saw when pressing Enter, whatever arrived.
    assert f"Destination: {label}" in screen
    term.wait_for(r"PASS", timeout=30)
    term.press("Enter", then=r"These requests will be sent")
    term.wait_for_row(HEIGHT - 2, "Start")  # the buttons are on screen
    copy_text = read_whole_body(term, r"only\s+when\s+you\s+confirm\s+it")
    time.sleep(0.7)  # reading the requests
    term.press("Enter", then=r"Restore form", gone=r"These requests will be sent")
    # Enter through the prefilled form, field by field; the last one submits it.
    for _ in range(20):
        term.press("Enter")
        time.sleep(0.3)
        if "6 Restore form" not in term.text():
            break
    screen = term.wait_for(r"Send the restore", timeout=60)
    restore_text = read_whole_body(term, r"\}\s*$")
    head = f"backup:StartRestoreJob as {account_id} in {target.region}"
    assert squeeze(head) in squeeze(restore_text)
    time.sleep(0.7)  # reading the restore request
    screen = term.press("Enter", then=r"Done\.", gone=r"Send the restore")
    term.press("Enter", then=r"match '.*\n.*r Refresh", gone=r"Done\.")  # Close: the list
    return [copy_text, restore_text]


def open_while_loading(term: Terminal, sandbox: Sandbox, row: str) -> None:
    """Open the wizard with the sandbox slowed down and wait for `row`; when it came before
    the others, hold the rest of the list back. If it came last, nothing could arrive after
    it: close the wizard (nothing started) and open it again."""
    for _ in range(6):
        sandbox.options.latency_ms = LOADING_LATENCY_MS
        term.press("w", then=r"Destination:")
        screen = term.wait_for(row, timeout=60)
        sandbox.options.latency_ms = HOLD_LATENCY_MS
        screen = term.text()
        if "listing vaults…" in screen and len(re.findall(ROW, screen)) < DESTINATIONS:
            return
        sandbox.options.latency_ms = LATENCY_MS
        term.press("Escape", then=r"match '.*\n.*r Refresh", gone=r"Destination:")
    raise AssertionError("the picked row came last every time: nothing could arrive after it")


def check_in_sandbox(
    sandbox: Sandbox,
    info: ScenarioInfo,
    target: Target,
    copy: dict[str, Any],
    restore: dict[str, Any],
) -> None:
    """The copy landed in the chosen vault, and the restore ran in its account and Region."""
    account_id = info.accounts[target.account]
    vault_arn = f"arn:aws:backup:{target.region}:{account_id}:backup-vault:{target.vault}"
    source = sandbox.client("backup", copy["account"], copy["region"])
    job = source.describe_copy_job(CopyJobId=copy["result"]["CopyJobId"])["CopyJob"]
    assert job["DestinationBackupVaultArn"] == vault_arn
    assert job["State"] == "COMPLETED"
    assert (restore["account"], restore["region"]) == (account_id, target.region)
    backup = sandbox.client("backup", account_id, target.region)
    restored = backup.describe_restore_job(RestoreJobId=restore["result"]["RestoreJobId"])
    assert restored["Status"] == "COMPLETED"
    assert restored["RecoveryPointArn"] == job["DestinationRecoveryPointArn"]
    created = restored["CreatedResourceArn"]
    if not created.startswith("arn:aws:s3:::"):  # bucket ARNs name neither
        assert f":{target.region}:{account_id}:" in created


HELD = r"Nothing picked: vaults arrived as you moved"


def test_down_keys_typed_while_destinations_arrive_pick_nothing_until_enter_again(
    terminal: type[Terminal], tmp_path: Path, sandbox: tuple[Sandbox, ScenarioInfo]
) -> None:
    """Down tapped as a person taps it while accounts answer, then Enter: the vault reached
    was decided by which account answered first, and Enter planned with it at once. Now that
    Enter plans nothing and says so over the vault highlighted; Enter again plans with that
    vault; and the copy confirmed afterwards goes where the screen said (plain boto3)."""
    running, info = sandbox
    term = terminal("wizdest80x24", WIDTH, HEIGHT, console_command(tmp_path, running, info))
    term.wait_for(r"6 accounts · ", timeout=120)
    open_backup_dr_vault(term)
    term.press("/", then=r"Enter keeps · Esc clears")
    term.press("prod s3", then=r"match 'prod s3'")
    term.press("Enter", then=r"(?m)^\s*\d{4}-\d\d-\d\d [\s\S]*match 'prod s3'.*\n.*r Refresh")

    # Some vaults listed, the rest held back (3 s a call) until the operator has begun to move.
    open_while_loading(term, running, ROW)
    rows_before = len(re.findall(ROW, term.text()))
    term.press("Down")
    running.options.latency_ms = LATENCY_MS
    for _ in range(30):  # a Down every 0.2 s until rows arrived under the keys, then Enter
        time.sleep(0.2)
        if len(re.findall(ROW, term.text())) > rows_before:
            break
        term.press("Down")
    term.press("Down")
    term.press("Enter")
    screen = term.wait_for(HELD)
    held = destination_line(screen)
    assert "Destination: none" not in held and "Checks before" not in screen
    time.sleep(0.5)
    assert "Checks before" not in term.text()  # the Enter planned nothing

    term.wait_for(rf"{DESTINATIONS} vaults in 6 accounts", timeout=30)
    time.sleep(0.7)  # reading the vault named
    screen = term.press("Enter", then=r"Checks before hop1[\s\S]*(Next: confirm|Re-check)")
    assert held in screen  # the plan is for the vault the screen named

    # Out of the wizard (nothing started) and back: the copy goes to prod's eu-central-1 vault.
    term.press("Escape", then=r"match '.*\n.*r Refresh", gone=r"Destination:")
    term.press("w", then=r"Destination:")
    term.wait_for(rf"{DESTINATIONS} vaults in 6 accounts", timeout=30)
    time.sleep(READING_SECONDS)
    prod = info.accounts["prod"]
    move_to_destination(term, f"prod ({prod}) eu-central-1 prod-vault")
    screen = term.press("Enter", then=r"Checks before hop1[\s\S]*Next: confirm")
    term.wait_for(r"PASS", timeout=30)
    term.press("Enter", then=r"These requests will be sent")
    confirmed = read_whole_body(term, r"only\s+when\s+you\s+confirm\s+it")
    time.sleep(0.7)  # reading the requests
    term.press("Enter", then=r"Restore form", gone=r"These requests will be sent")

    sent = [c for c in audit_calls(tmp_path) if c["operation"] == "backup:StartCopyJob"]
    assert len(sent) == 1 and squeeze(shown_request(sent[0])) in squeeze(confirmed)
    vault_arn = f"arn:aws:backup:eu-central-1:{prod}:backup-vault:prod-vault"
    source = running.client("backup", sent[0]["account"], sent[0]["region"])
    job = source.describe_copy_job(CopyJobId=sent[0]["result"]["CopyJobId"])["CopyJob"]
    assert job["DestinationBackupVaultArn"] == vault_arn and job["State"] == "COMPLETED"
