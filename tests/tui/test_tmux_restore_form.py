"""The wizard's restore form at 80x24 over a slow sandbox that throttles one call in ten, typed
like a person: a wrong value is said on screen next to the buttons and the cursor is put on it,
so Restore never seems to do nothing; once fixed, the request confirmed is the one sent (audit
log), and the sandbox (plain boto3) holds the restore in the account and Region picked."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests.tui.test_tmux import Terminal, terminal
from tests.tui.test_tmux_wizard import (
    HEIGHT,
    READING_SECONDS,
    WIDTH,
    audit_calls,
    console_command,
    move_to_destination,
    open_backup_dr_vault,
    read_whole_body,
    shown_request,
    squeeze,
)

__all__ = ["terminal"]  # the fixture, imported for the test below

pytestmark = pytest.mark.slow


@pytest.fixture
def throttling_sandbox() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    """The demo scenario at 100 ms a call, one call in ten refused with ThrottlingException."""
    options = SandboxOptions(time_scale=3600.0, latency_ms=100, throttle_rate=0.1)
    running, info = start_sandbox("demo", options)
    try:
        yield running, info
    finally:
        running.stop()


def burst(term: Terminal, *keys: str) -> None:
    """Send `keys` in one write, with no wait between them."""
    term.tmux("send-keys", "-t", term.target, *keys)


def test_a_wrong_form_value_is_shown_and_focused_then_the_fixed_restore_is_sent(
    terminal: type[Terminal],
    tmp_path: Path,
    throttling_sandbox: tuple[Sandbox, ScenarioInfo],
) -> None:
    running, info = throttling_sandbox
    prod = info.accounts["prod"]
    term = terminal("form80x24", WIDTH, HEIGHT, console_command(tmp_path, running, info))
    term.wait_for(r"6 accounts · ", timeout=120)
    open_backup_dr_vault(term)
    term.wait_for(r"(?m)\d+ recovery points(?!.*loading)", timeout=90)  # a person waits for it
    # Typed in one burst, as keys arrive over a slow SSH link: `w` reaches the list, not the
    # filter that Enter has just closed.
    burst(term, "/", "prod aurora", "Enter", "w")
    screen = term.wait_for(r"Destination:", timeout=60)
    assert "prod-payments-cluster" in screen
    term.wait_for(r"\d+ vaults in 6 accounts", timeout=60)
    time.sleep(READING_SECONDS)
    move_to_destination(term, f"prod ({prod}) eu-central-1 prod-vault")
    term.press("Enter")
    term.wait_for(r"Checks before hop1[\s\S]*PASS", timeout=90)
    term.press("Enter", then=r"These requests will be sent")
    copy_text = read_whole_body(term, r"only\s+when\s+you\s+confirm\s+it")
    time.sleep(0.7)  # reading the requests
    screen = term.press("Enter", then=r"Restore form", gone=r"These requests will be sent")
    term.wait_for(r"Port — Port", timeout=90)

    # In one burst: Enter to the Port field, its value replaced by one out of range, Enter
    # to the end submits. Each key lands in the field the Enters before it led to.
    burst(term, "Enter", "Enter", "C-u", "70000", "Enter", "Enter")
    screen = term.wait_for(r"Port \(Port\) must be a whole number from 1150 to 65535, not '70000'")
    assert "6 Restore form" in screen  # nothing was sent
    assert re.search(r"(?m)^ aurora-postgresql$", screen)  # the other fields kept their values
    term.wait_for_row(HEIGHT - 2, "Restore")  # the error sits above the buttons
    # The cursor is on the wrong value: what is typed next replaces it there.
    burst(term, "C-u", "5433", "Enter", "Enter")
    term.wait_for(r"Send the restore", timeout=90)
    restore_text = read_whole_body(term, r"\}\s*$")
    assert re.search(r'"Port":\s*"5433"', restore_text), restore_text
    time.sleep(0.7)  # reading the restore request
    term.press("Enter", then=r"Done\.", gone=r"Send the restore")

    sent = [c for c in audit_calls(tmp_path) if c["operation"].startswith("backup:Start")]
    assert [c["outcome"] for c in sent] == ["ok", "ok"]
    for call, shown in zip(sent, [copy_text, restore_text], strict=True):
        assert squeeze(shown_request(call)) in squeeze(shown), json.dumps(call, indent=2)
    restore = sent[1]
    assert (restore["account"], restore["region"]) == (prod, "eu-central-1")
    assert restore["parameters"]["Metadata"]["Port"] == "5433"
    backup = running.client("backup", prod, "eu-central-1")
    job = backup.describe_restore_job(RestoreJobId=restore["result"]["RestoreJobId"])
    assert job["Status"] == "COMPLETED"
    assert f":eu-central-1:{prod}:cluster:" in job["CreatedResourceArn"]
