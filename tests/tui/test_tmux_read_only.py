"""Read-only browsing of every screen in a real terminal (tmux, 80x24) over a slow sandbox:
the READ-ONLY badge on each screen, no mutating key offered or answered, and not one mutating
request counted at the sandbox."""

from __future__ import annotations

import shlex
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests.test_readonly_matrix import is_mutating
from tests.tui.test_tmux import ROOT, Terminal

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
LATENCY_MS = 40
BADGE = "READ-ONLY"
# Status lines of the vaults and recovery-point screens.
VAULTS = r"2 vaults( in 2 Regions| ·)"
POINTS = r"\d[\d,]* recovery points"


@pytest.fixture(scope="module")
def slow_sandbox() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0))
    sandbox.options.latency_ms = LATENCY_MS
    try:
        yield sandbox, info
    finally:
        sandbox.stop()
        sandbox.reset()


def console_command(sandbox: Sandbox, info: ScenarioInfo, home: Path) -> str:
    """`drconsole --read-only` on the sandbox, with a journal holding one unfinished flow."""
    regions = f"{info.region},{info.dr_region}"
    return (
        f"cd {ROOT} && env -u NO_COLOR -u AWS_PROFILE -u AWS_DEFAULT_PROFILE "
        f"{console_exports(sandbox, info, home)} "
        f"{sys.executable} -m drconsole --read-only --regions {regions}; sleep 5"
    )


def console_exports(sandbox: Sandbox, info: ScenarioInfo, home: Path) -> str:
    """The environment of a console on the sandbox as the management account, its files under
    `home`, as `NAME=value` words for `env`."""
    creds = sandbox.credentials_for(info.accounts["management"])
    env = {
        "AWS_ENDPOINT_URL": sandbox.endpoint_url,
        "AWS_ACCESS_KEY_ID": creds["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": creds["aws_secret_access_key"],
        "AWS_REGION": info.region,
        "AWS_CONFIG_FILE": str(home / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "aws-credentials"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "TERM": "xterm-256color",
    }
    return " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())


def journal_with_an_unfinished_flow(home: Path) -> None:
    from drconsole.flows.journal import Journal
    from tests.flow_plans import sample_plan

    Journal(home / "state" / "drconsole").append(
        "00000000ad02",
        "plan",
        plan=sample_plan(),
    )


def assert_badge_and_nothing_mutating(screen: str, where: str) -> None:
    assert BADGE in screen, f"no {BADGE} badge on the {where} screen:\n{screen}"
    for offer in ("Fix", "Copy back", "Resume flow", "Abandon"):
        assert offer not in screen, f"{offer!r} offered on the {where} screen:\n{screen}"


def test_read_only_browsing_of_every_screen(
    slow_sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sandbox, info = slow_sandbox
    journal_with_an_unfinished_flow(tmp_path)
    mark = sandbox.request_log.mark()
    term = Terminal("readonly", 80, 24, console_command(sandbox, info, tmp_path))
    try:
        browse(term, sandbox, mark)
    finally:
        term.close()
    from drconsole.flows.journal import Journal

    flow = Journal(tmp_path / "state" / "drconsole").flow("00000000ad02")
    assert flow is not None and flow.status == "running", (
        "the flow was neither resumed nor abandoned"
    )


def browse(term: Terminal, sandbox: Sandbox, mark: int) -> None:
    """Every screen, read-only, then quit; zero mutating requests at the sandbox."""
    loaded = r"accounts · Regions eu-central-1, eu-north-1(?!.*loading)"  # nothing loading
    screen = term.wait_for(loaded, timeout=120)
    assert_badge_and_nothing_mutating(screen, "accounts")
    visited = ["accounts"]

    # Protected resources of the organization, then back.
    screen = term.press("P", then=r"(?i)protected", gone=r"6 accounts")
    assert_badge_and_nothing_mutating(screen, "organization-wide protected resources")
    visited.append("org-protected")
    # The organization-wide list says "6 accounts" too once loaded: wait for it to be gone.
    term.press("Escape", then=r"6 accounts", gone=r"(?i)protected resources, all accounts")
    # The backup account's vaults, its protected resources, a vault's recovery points.
    term.press("/", then=r"Enter keeps · Esc clears")
    term.press("backup", then=r"filter 'backup'")
    term.press("Enter", then=r"filter 'backup'.*\n.*r Refresh")
    screen = term.press("Enter", then=VAULTS)
    assert_badge_and_nothing_mutating(screen, "vaults")
    visited.append("vaults")
    screen = term.press("p", then=r"(?i)protected resources", gone=VAULTS)
    assert_badge_and_nothing_mutating(screen, "protected resources")
    visited.append("protected")
    term.press("Escape", then=VAULTS)
    term.press("Down")
    screen = term.press("Enter", then=POINTS)
    assert_badge_and_nothing_mutating(screen, "recovery points")
    visited.append("recovery points")
    # `w` is not bound: the list stays.
    screen = term.press("w")
    time.sleep(1.0)
    assert "Destination" not in term.text() and "recovery points" in term.text()
    screen = term.press("?", then=r"This screen")
    assert "Copy back" not in screen and "Checks" in screen
    term.press("Escape", then=POINTS, gone=r"This screen")
    screen = term.press("Enter", then=r"Recovery point\s+arn:aws:")
    assert_badge_and_nothing_mutating(screen, "detail")
    visited.append("detail")
    # The checks of a copy back: read, shown, and no fix offered.
    screen = term.press("c", then=r"Checks for", gone=r"Recovery point\s+arn:aws:")
    screen = term.wait_for(BADGE)
    assert_badge_and_nothing_mutating(screen, "checks")
    visited.append("checks")
    term.press("f")
    time.sleep(1.0)
    assert "Apply (y)" not in term.text()
    term.press("Escape", then=r"Recovery point\s+arn:aws:")
    # The jobs screen: the journal's flow is listed, neither resumed nor abandoned.
    term.press("j", then=r"drconsole\s+Jobs")
    screen = term.wait_for(r"00000000ad02[\s\S]*READ-ONLY|READ-ONLY[\s\S]*00000000ad02")
    assert_badge_and_nothing_mutating(screen, "jobs")
    assert "00000000ad02" in screen
    visited.append("jobs")
    term.press("x")
    term.press("Enter")
    time.sleep(1.0)
    screen = term.text()
    assert "Abandon flow" not in screen and "00000000ad02" in screen
    term.press("q")
    deadline = time.monotonic() + 60
    while "drconsole" in term.text() and time.monotonic() < deadline:
        time.sleep(0.25)
    assert "drconsole" not in term.text(), term.text()  # q quit from the jobs screen

    arrived = [seen.name for seen in sandbox.request_log.since(mark)]
    assert len(arrived) > 20, "the screens read the organization"
    assert [name for name in arrived if is_mutating(name)] == []
    print(
        f"\nread-only tmux journey ({LATENCY_MS} ms latency): screens {visited}; "
        f"{len(arrived)} requests at the sandbox, 0 mutating"
    )


def test_keys_typed_at_launch_stay_in_the_filter(
    slow_sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    """`/` and a name typed as the console starts, and the rest once the accounts are shown:
    every letter reaches the filter (the list used to take the focus after its first frame
    and swallow what followed)."""
    sandbox, info = slow_sandbox
    term = Terminal("typeahead", 80, 24, console_command(sandbox, info, tmp_path))
    try:
        term.tmux("send-keys", "-t", term.target, "/", "b", "a")
        term.wait_for(r"6 accounts · Regions", timeout=120)
        term.tmux("send-keys", "-t", term.target, "c", "k")
        screen = term.wait_for(r"(?m)^ / back +Enter keeps · Esc clears *$", timeout=30)
        time.sleep(0.5)  # what the list shows for it
        screen = term.text()
        assert info.accounts["backup"] in screen and info.accounts["qa"] not in screen, screen
    finally:
        term.close()
