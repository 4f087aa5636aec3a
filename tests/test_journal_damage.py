"""A damaged journal line, each kind of it, against the real CLI and the TUI's start.

The journal holds a flow killed after its copy job started; one damaged line is added to it.
Whatever the damage, `jobs`, `jobs --resume`, a new `copy` and the TUI's start name the line
once (file:line and what is wrong), skip it, and work on with the rest: the killed flow is
resumed to its end without a second job, the new flow completes and leaves no orphan.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from drconsole.config import Credentials, Settings
from drconsole.flows.journal import Journal
from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.server import SandboxOptions
from drconsole.tui.app import DrConsoleApp
from tests.cli_box import EU, NORTH, Box, journal, journal_path, json_lines, kill_when
from tests.tui.conftest import notices as notices_said


@dataclass(frozen=True)
class Variant:
    """One kind of damage: the bytes, where they go, and what the warning says."""

    name: str
    line: bytes
    at_end: bool
    says: str


def _record(**fields: Any) -> bytes:
    return json.dumps({"time": "2026-12-02T00:00:00+00:00", **fields}).encode()


VARIANTS = [
    Variant(
        "invalid UTF-8",
        b'{"flow": "f", "type": "refused", "step": "hop1", "message": "\xff\xfe"}',
        False,
        "invalid UTF-8",
    ),
    Variant("not JSON", b"{this is not json", False, "not JSON"),
    Variant("missing key", _record(flow="FLOW", type="job", job_id="x"), False, "`step`"),
    Variant(
        "wrong type",
        _record(flow="FLOW", type="job", step="hop1", job_id=42),
        False,
        "Expected `str`, got `int`",
    ),
    Variant("unknown type", _record(flow="FLOW", type="jump"), False, "unknown record type"),
    Variant(
        "damaged plan",
        _record(flow="0000aaaa0000", type="plan", plan={"kind": "copy"}),
        False,
        "plan",
    ),
    Variant(
        "flow id that is a path",
        _record(flow="../../../../tmp/victim/y", type="job", step="hop1", job_id="x"),
        False,
        "flow id is not 12 hex digits",
    ),
    Variant("truncated last line", b'{"flow": "FLOW", "type": "job", "st', True, "line cut short"),
    # A whole line with half a UTF-16 pair (msgspec calls it truncated): not cut short.
    Variant(
        "lone surrogate",
        b'{"flow": "0123456789ab", "type": "refused", "step": "hop1", "message": "\\ud800"}',
        False,
        "undecodable: \\ud800 is half of a UTF-16 pair",
    ),
    Variant(
        "lone surrogate last",
        b'{"flow": "0123456789ab", "type": "refused", "step": "hop1", "message": "\\ud800"}',
        True,
        "undecodable: \\ud800",
    ),
    Variant("NUL-filled tail", b"\x00" * 4096, True, "NUL bytes"),
    Variant(
        "nested too deeply",
        b'{"time": "2026-12-02T00:00:00+00:00", "flow": "0123456789ab", "type": "plan", "plan": '
        + b"[" * 3000
        + b"]" * 3000
        + b"}",
        False,
        "nested too deeply",
    ),
]


@dataclass
class Base:
    """The sandbox, and a journal holding a flow killed after its copy job started."""

    box: Box
    journal: bytes
    flow: str
    recovery_point: str


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Base]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0))
    try:
        box = Box(sandbox, info)
        state = tmp_path_factory.mktemp("base")
        rp = box.newest("dr-eu-north-1", NORTH, "EFS")
        process = box.spawn(
            state, "copy", "--recovery-point", rp, "--to", box.vault("prod", "prod-vault"),
            "--yes", "--json", "--poll-interval", "0.2",
        )  # fmt: skip
        records = kill_when(process, state, "job", "hop1")
        yield Base(box, journal_path(state).read_bytes(), records[0]["flow"], rp)
    finally:
        sandbox.stop()


def damaged_state(base: Base, variant: Variant, state: Path) -> int:
    """Write the base journal with the damage into `state`; the damaged line's number."""
    lines = base.journal.splitlines(keepends=True)
    bad = variant.line.replace(b"FLOW", base.flow.encode())
    if variant.at_end:
        data, number = base.journal + bad, len(lines) + 1
    else:
        data, number = b"".join([*lines[:2], bad + b"\n", *lines[2:]]), 3
    path = journal_path(state)
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    return number


def warned_once(stderr: str, number: int, says: str) -> None:
    assert "Traceback" not in stderr, stderr
    where = f"journal.jsonl:{number}:"
    assert stderr.count(where) == 1, stderr
    line = next(line for line in stderr.splitlines() if where in line)
    assert line.startswith("drconsole: warning: ") and says in line, line


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
def test_damaged_line_is_named_once_and_the_rest_works(
    base: Base, variant: Variant, tmp_path: Path
) -> None:
    box = base.box
    number = damaged_state(base, variant, tmp_path)

    listed = box.cli(tmp_path, "jobs", "--json")
    assert listed.returncode == 0, listed.stderr
    warned_once(listed.stderr, number, variant.says)
    assert [f["flow"] for f in json.loads(listed.stdout)["flows"]] == [base.flow]

    resumed = box.cli(tmp_path, "jobs", "--resume", "--json", "--poll-interval", "0.2")
    assert resumed.returncode == 0, resumed.stderr
    warned_once(resumed.stderr, number, variant.says)
    result = json_lines(resumed.stdout)[-1]
    assert (result["flow"], result["status"]) == (base.flow, "completed")
    # The resumed flow watched the job of the first run: one copy job in AWS.
    assert len(box.copy_jobs("backup", NORTH, base.recovery_point)) == 1

    rp = box.newest("central-eu-central-1", EU, "DynamoDB")
    copied = box.cli(
        tmp_path, "copy", "--recovery-point", rp, "--to", box.vault("prod", "prod-vault"),
        "--allow-duplicate-copy", "--yes", "--json", "--poll-interval", "0.2",
    )  # fmt: skip
    assert copied.returncode == 0, copied.stderr
    warned_once(copied.stderr, number, variant.says)
    assert json_lines(copied.stdout)[-1]["status"] == "completed"
    every = json.loads(box.cli(tmp_path, "jobs", "--all", "--json").stdout)["flows"]
    assert [f["status"] for f in every] == ["completed", "completed"]  # no orphan flow
    # The damaged line is still there, untouched, and still the only one skipped.
    records = Journal(journal_path(tmp_path).parent)
    assert len(records.flows()) == 2 and [d.line for d in records.damaged] == [number]
    assert len(journal(tmp_path)) >= 8


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
async def test_the_console_starts_and_names_the_damaged_line(
    base: Base, variant: Variant, tmp_path: Path
) -> None:
    number = damaged_state(base, variant, tmp_path)
    box = base.box
    management = box.accounts["management"]
    settings = Settings(
        regions=(EU, NORTH),
        endpoint_url=box.sandbox.endpoint_url,
        static_credentials=Credentials.from_mapping(box.sandbox.credentials_for(management)),
        management_account_id=management,
        backup_account_id=box.accounts["backup"],
        state_dir=journal_path(tmp_path).parent,
        retry_max_attempts=2,
    )
    app = DrConsoleApp(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        notices = notices_said(app)
        named = [n for n in notices if f"journal.jsonl:{number}: " in n]
        assert len(named) == 1 and variant.says in named[0], notices
        assert any("1 unfinished copy/restore flow" in n for n in notices), notices
